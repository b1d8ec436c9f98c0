/* SPDX-License-Identifier: Apache-2.0 */
/* See checks_service.h. */
#include "checks/checks_service.h"
#include "checks/finding.h"
#include "host/systemd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* How many restarts systemd counted before we call it a loop (Restart=always, RestartSec). */
#define RESTART_LOOP 3

static const char *unit_name(const struct pdi_target *t)
{
        const char *s = t->unit_path ? strrchr(t->unit_path, '/') : NULL;
        return s ? s + 1 : NULL;
}

/* ActiveEnterTimestampMonotonic, as wall-clock time. */
static void since(uint64_t enter_usec, char *buf, size_t n)
{
        struct timespec mono, real;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_REALTIME, &real);
        uint64_t now_mono = (uint64_t)mono.tv_sec * 1000000 + (uint64_t)mono.tv_nsec / 1000;
        time_t t = real.tv_sec - (time_t)((now_mono - enter_usec) / 1000000);
        struct tm tm;
        strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
}

void pdi_service_describe(const char *unit, char *buf, size_t n)
{
        struct pdi_unit_status st;
        struct pdi_error err = {0};
        char when[64];
        if (pdi_systemd_status(unit, &st, &err) < 0) {
                snprintf(buf, n, "unknown (%s)", err.msg);
                return;
        }
        if (streq(st.active_state, "active") && st.active_enter_usec) {
                since(st.active_enter_usec, when, sizeof(when));
                snprintf(buf, n, "active, running since %s (pid %d, %u restarts)", when,
                         (int)st.main_pid, st.n_restarts);
        } else {
                snprintf(buf, n, "%s (%s, %s, %u restarts)", st.active_state, st.sub_state,
                         st.result, st.n_restarts);
        }
}

void pdi_check_service_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *unit = unit_name(t);
        if (!t->root->is_host || !pdi_systemd_live(t->root)) {
                pdi_check_skip(c, "not the live host (--root, or systemd is not PID 1)");
                return;
        }
        if (!unit) {
                pdi_check_skip(c, "no unit runs the node");
                return;
        }
        struct pdi_unit_status st;
        struct pdi_error err = {0};
        char text[256];
        if (pdi_systemd_status(unit, &st, &err) < 0) {
                pdi_check_finding(c, PDI_SEV_WARN, NULL, "%s: cannot ask systemd: %s", unit,
                                  err.msg);
                return;
        }
        enum pdi_severity sev = t->validator ? PDI_SEV_ERROR : PDI_SEV_WARN;
        pdi_service_describe(unit, text, sizeof(text));
        bool looping = streq(st.sub_state, "auto-restart") || st.n_restarts >= RESTART_LOOP;
        if (!streq(st.active_state, "active") || looping)
                pdi_check_finding(c, sev,
                                  looping ? "journalctl -u the unit: why does it keep exiting?"
                                          : "systemctl start the unit and watch its journal",
                                  "%s%s is %s%s", t->validator ? "validator " : "", unit, text,
                                  looping ? ": restarting in a loop" : "");
}
