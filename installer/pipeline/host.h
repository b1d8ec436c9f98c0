/* SPDX-License-Identifier: Apache-2.0 */
/* Configuring the host for a release: the distribution's adapter, users and directories,
 * the settings files, the units and slice, SELinux, cgroup limits, and enabling the service.
 * Runs before `current` moves (so a failure leaves the running release alone); starting or
 * restarting the node happens after the switch (pdi_host_start). */
#pragma once

#include "host/distro.h"
#include "release/layout.h"
#include "base/report.h"
#include "host/settings.h"
#include "release/state.h"
#include "base/diff.h"

struct pdi_host {
        const struct pdi_root *root;
        const struct pdi_layout *layout;
        struct pdi_settings settings;
        const struct pdi_distro *distro;
        bool live;           /* systemd is PID 1 and the root is the host */
        bool settings_given; /* flags changed a setting: the config file is rewritten */
        bool generic_distro; /* a --root tree without os-release */
        bool adopted;        /* the base path is an adopted node's: never chowned or chmodded */
        /* Container mode (install --container, kept in the state): the release, the users,
         * the base path and the settings, and nothing of systemd: no unit, slice, timer,
         * enable link, SELinux module or network key, nothing started (live is false). */
        bool container;
        char *config_seen; /* the config file's bytes as prepare read them (NULL: none) */
        size_t config_seen_len;
        char *node_exe; /* the release's node (in the root) that makes a missing node key */
};

/* Load the distribution and the stored settings, then apply flag overrides (key=value
 * pairs named as in the config file). With `ask` (a terminal, no -y: the command line's
 * guided setup) and no settings file yet, ask for the rest (the flags' values already set,
 * passing userdata). NixOS is refused here (-PDI_E_POLICY). */
int pdi_host_prepare(struct pdi_host *h, const struct pdi_root *r, const struct pdi_layout *l,
                     char *const *overrides, size_t n_overrides,
                     int (*ask)(struct pdi_settings *s, void *userdata, struct pdi_error *err),
                     void *userdata, struct pdi_error *err);
void pdi_host_done(struct pdi_host *h);

/* Settings are prepared (and asked for) before the lock is taken, so that a refused value or
 * an operator thinking at a prompt neither holds the lock nor leaves a byte changed. Under
 * the lock, this says whether the config file is still what prepare read: if another run
 * rewrote it meanwhile, -PDI_E_FAILED ("run again"), never a merge of the two. */
int pdi_host_settings_current(const struct pdi_host *h, struct pdi_error *err);

/* Everything but starting: users, directories, config and env file, a validator's node key
 * (host/nodekey.h, made with node_exe when missing), units, SELinux, enable (in container
 * mode only the first four). Idempotent; reports what it changed. */
/* The release (releases/VERSION) whose node makes a missing node key. */
int pdi_host_use_release(struct pdi_host *h, const char *version);

int pdi_host_configure(struct pdi_host *h, struct pdi_state *st, struct pdi_report *rep,
                       struct pdi_error *err);

/* Live: restart the unit (start it if stopped; with restart false, only when it is not
 * active) and wait until it is active and stays so for settle_s, then ask system_health when
 * an RPC port is set; on failure the message carries the unit's last journal lines.
 * Offline: say how to start it. */
int pdi_host_start(struct pdi_host *h, unsigned settle_s, bool restart, struct pdi_report *rep,
                   struct pdi_error *err);

/* --diff of a real run: every file host configuration may write (and its FILE.new), tracked
 * with its text now as the before side. */
int pdi_host_track(const struct pdi_host *h, struct pdi_diff *d);
/* --check: the same files with the text pdi_host_configure would leave in each (a file the
 * operator edited keeps its text and ours goes to FILE.new, host/conffile.h; the config file
 * only when it is missing or flags changed it). */
int pdi_host_render(const struct pdi_host *h, const struct pdi_state *st, struct pdi_diff *d);
