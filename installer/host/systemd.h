/* SPDX-License-Identifier: Apache-2.0 */
/* systemd, live through sd-bus (never by running systemctl) or offline by symlinks. Live means
 * systemd is PID 1 and the root is the host; --root or a container without systemd is
 * offline. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "release/layout.h"
#include "base/report.h"

#include <stdint.h>
#include <sys/types.h>

bool pdi_systemd_live(const struct pdi_root *r);

int pdi_systemd_daemon_reload(struct pdi_error *err);
int pdi_systemd_enable(const char *unit, struct pdi_error *err);
int pdi_systemd_disable(const char *unit, struct pdi_error *err);
/* Start if stopped, restart if running ("replace" job mode); waits for the job. */
int pdi_systemd_restart(const char *unit, struct pdi_error *err);
int pdi_systemd_stop(const char *unit, struct pdi_error *err);

struct pdi_unit_status {
        char active_state[32]; /* active, activating, failed, inactive … */
        char sub_state[32];
        pid_t main_pid;             /* MainPID: 0 while no main process runs */
        uint64_t active_enter_usec; /* monotonic; changes on every (re)start */
        unsigned n_restarts;
        char result[32]; /* the service's Result: success, exit-code, signal, start-limit-hit … */
};
int pdi_systemd_status(const char *unit, struct pdi_unit_status *ret, struct pdi_error *err);

/* Wait up to timeout_s for the unit to be active, then require it to stay active (same main
 * PID, no restart) for settle_s. -PDI_E_FAILED with the state and the reason otherwise. */
int pdi_systemd_wait_active(const char *unit, unsigned timeout_s, unsigned settle_s,
                            struct pdi_error *err);

/* Offline: enable by the [Install] symlink (multi-user.target.wants), disable by removing it. */
int pdi_systemd_enable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                               struct pdi_report *rep, struct pdi_error *err);
int pdi_systemd_disable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                                struct pdi_report *rep, struct pdi_error *err);
