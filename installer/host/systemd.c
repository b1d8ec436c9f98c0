/* SPDX-License-Identifier: Apache-2.0 */
#include "host/systemd.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"

#define USEC_PER_SEC 1000000ULL
#define CALL_TIMEOUT_USEC (120 * USEC_PER_SEC) /* Reload on a busy host can take a while */
#define JOB_TIMEOUT_USEC (300 * USEC_PER_SEC)  /* beyond a stop's default 90 s, and then some */
#define POLL_USEC (200 * 1000ULL)

static void busp(sd_bus **b)
{
        sd_bus_flush_close_unref(*b);
}
#define _cleanup_bus_ _cleanup_(busp)

static void msgp(sd_bus_message **m)
{
        sd_bus_message_unref(*m);
}
#define _cleanup_msg_ _cleanup_(msgp)

static void slotp(sd_bus_slot **s)
{
        sd_bus_slot_unref(*s);
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

bool pdi_systemd_live(const struct pdi_root *r)
{
        return r && r->is_host && sd_booted() > 0;
}

/* Like systemctl: as root, talk to PID 1 on its private socket (works even when dbus-daemon
 * is not up); otherwise, or if that fails, through the system bus. */
static int bus_open(sd_bus **ret, struct pdi_error *err)
{
        sd_bus *b = NULL;
        int k = -ENOENT;
        if (geteuid() == 0 && sd_bus_new(&b) >= 0) {
                k = sd_bus_set_address(b, "unix:path=/run/systemd/private");
                if (k >= 0)
                        k = sd_bus_start(b);
                if (k < 0)
                        b = sd_bus_unref(b);
        }
        if (k < 0)
                k = sd_bus_open_system(&b);
        if (k < 0)
                return pdi_error_set(err, -PDI_E_FAILED, "cannot connect to systemd: %s",
                                     strerror(-k));
        *ret = b;
        return 0;
}

static int bus_fail(struct pdi_error *err, const char *unit, const char *what,
                    const sd_bus_error *e, int k)
{
        const char *why = e && e->message ? e->message : strerror(k < 0 ? -k : k);
        return pdi_error_set(err, -PDI_E_FAILED, "%s: %s: %s", unit, what, why);
}

/* Call a Manager method whose arguments are already appended to m. */
static int manager_call(sd_bus *b, sd_bus_message *m, const char *unit, const char *what,
                        sd_bus_message **ret_reply, struct pdi_error *err)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int k = sd_bus_call(b, m, CALL_TIMEOUT_USEC, &e, ret_reply);
        if (k < 0)
                bus_fail(err, unit, what, &e, k);
        sd_bus_error_free(&e);
        return k < 0 ? -PDI_E_FAILED : 0;
}

static int manager_new(sd_bus *b, const char *method, sd_bus_message **ret)
{
        return sd_bus_message_new_method_call(b, ret, SD_DEST, SD_PATH, SD_MANAGER, method);
}

static int reload_on(sd_bus *b, struct pdi_error *err)
{
        _cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
        int k = manager_new(b, "Reload", &m);
        if (k < 0)
                return bus_fail(err, "systemd", "daemon-reload", NULL, k);
        return manager_call(b, m, "systemd", "daemon-reload", &reply, err);
}

int pdi_systemd_daemon_reload(struct pdi_error *err)
{
        _cleanup_bus_ sd_bus *b = NULL;
        int k = bus_open(&b, err);
        return k < 0 ? k : reload_on(b, err);
}

/* Count the (type, file, destination) changes in an a(sss) reply. */
static int count_changes(sd_bus_message *reply, unsigned *ret_n)
{
        unsigned n = 0;
        int k = sd_bus_message_enter_container(reply, 'a', "(sss)");
        while (k >= 0) {
                const char *type, *file, *dest;
                k = sd_bus_message_read(reply, "(sss)", &type, &file, &dest);
                if (k <= 0)
                        break;
                n++;
        }
        if (k < 0)
                return k;
        *ret_n = n;
        return sd_bus_message_exit_container(reply);
}

/* EnableUnitFiles(as, b runtime, b force) or DisableUnitFiles(as, b runtime), then reload
 * if links changed, as systemctl does, so the target's dependencies are current. */
static int unit_files(const char *unit, bool enable, struct pdi_error *err)
{
        _cleanup_bus_ sd_bus *b = NULL;
        _cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
        const char *what = enable ? "enable" : "disable";
        int k = bus_open(&b, err);
        if (k < 0)
                return k;
        k = manager_new(b, enable ? "EnableUnitFiles" : "DisableUnitFiles", &m);
        if (k >= 0)
                k = sd_bus_message_append(m, "asb", 1, unit, 0);
        if (k >= 0 && enable)
                k = sd_bus_message_append(m, "b", 1);
        if (k < 0)
                return bus_fail(err, unit, what, NULL, k);
        k = manager_call(b, m, unit, what, &reply, err);
        if (k < 0)
                return k;
        int carries = 1;
        if (enable && sd_bus_message_read(reply, "b", &carries) < 0)
                return bus_fail(err, unit, what, NULL, -EBADMSG);
        unsigned n = 0;
        if (count_changes(reply, &n) < 0)
                return bus_fail(err, unit, what, NULL, -EBADMSG);
        if (!carries)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: enable: no [Install] section", unit);
        return n > 0 ? reload_on(b, err) : 0;
}

int pdi_systemd_enable(const char *unit, struct pdi_error *err)
{
        return unit_files(unit, true, err);
}

int pdi_systemd_disable(const char *unit, struct pdi_error *err)
{
        return unit_files(unit, false, err);
}

struct job_wait {
        const char *job; /* object path of our job, once known */
        char result[32]; /* done, failed, canceled, timeout, dependency, skipped … */
        bool done;
};

/* JobRemoved(u id, o job, s unit, s result) */
static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;
        (void)e;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->job)
                return 0;
        if (streq(path, w->job)) {
                snprintf(w->result, sizeof(w->result), "%s", result);
                w->done = true;
        }
        return 0;
}

static int subscribe(sd_bus *b, sd_bus_slot **ret_slot, struct job_wait *w)
{
        int k = sd_bus_match_signal(b, ret_slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                                    on_job_removed, w);
        if (k < 0)
                return k;
        /* Without a subscriber PID 1 does not emit JobRemoved; "already subscribed" is fine. */
        sd_bus_error e = SD_BUS_ERROR_NULL;
        k = sd_bus_call_method(b, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL, NULL);
        sd_bus_error_free(&e);
        return 0;
}

/* Dispatch signals until our job is gone or the deadline passes. Signals that arrived while
 * the method call was in flight are queued and seen here, so none is missed. */
static int job_wait_loop(sd_bus *b, struct job_wait *w, uint64_t timeout_usec)
{
        uint64_t deadline = now_usec() + timeout_usec;
        while (!w->done) {
                int k = sd_bus_process(b, NULL);
                if (k < 0)
                        return k;
                if (k > 0)
                        continue;
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                k = sd_bus_wait(b, deadline - now);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* RestartUnit/StopUnit(s name, s mode) → o job; wait for JobRemoved of that job. */
static int unit_job(const char *unit, const char *method, const char *what, struct pdi_error *err)
{
        _cleanup_bus_ sd_bus *b = NULL;
        _cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(slotp) sd_bus_slot *slot = NULL;
        struct job_wait w = {0};
        int k = bus_open(&b, err);
        if (k < 0)
                return k;
        k = subscribe(b, &slot, &w);
        if (k >= 0)
                k = manager_new(b, method, &m);
        if (k >= 0)
                k = sd_bus_message_append(m, "ss", unit, "replace");
        if (k < 0)
                return bus_fail(err, unit, what, NULL, k);
        k = manager_call(b, m, unit, what, &reply, err);
        if (k < 0)
                return k;
        if (sd_bus_message_read(reply, "o", &w.job) < 0)
                return bus_fail(err, unit, what, NULL, -EBADMSG);
        k = job_wait_loop(b, &w, JOB_TIMEOUT_USEC);
        if (k == -ETIMEDOUT)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: %s: job %s not finished after %llu s",
                                     unit, what, w.job, JOB_TIMEOUT_USEC / USEC_PER_SEC);
        if (k < 0)
                return bus_fail(err, unit, what, NULL, k);
        if (!streq(w.result, "done"))
                return pdi_error_set(err, -PDI_E_FAILED, "%s: %s job %s", unit, what, w.result);
        return 0;
}

int pdi_systemd_restart(const char *unit, struct pdi_error *err)
{
        return unit_job(unit, "RestartUnit", "restart", err);
}

int pdi_systemd_stop(const char *unit, struct pdi_error *err)
{
        return unit_job(unit, "StopUnit", "stop", err);
}

/* LoadUnit returns the object path of the unit, loading it if it is not loaded yet. */
static int unit_path(sd_bus *b, const char *unit, char **ret_path, struct pdi_error *err)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_msg_ sd_bus_message *reply = NULL;
        const char *path;
        int k =
            sd_bus_call_method(b, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &e, &reply, "s", unit);
        if (k >= 0)
                k = sd_bus_message_read(reply, "o", &path);
        if (k < 0) {
                bus_fail(err, unit, "status", &e, k);
                sd_bus_error_free(&e);
                return -PDI_E_FAILED;
        }
        *ret_path = strdup(path);
        return *ret_path ? 0 : -ENOMEM;
}

static int get_string(sd_bus *b, const char *path, const char *iface, const char *name, char *buf,
                      size_t size, sd_bus_error *e)
{
        _cleanup_free_ char *s = NULL;
        int k = sd_bus_get_property_string(b, SD_DEST, path, iface, name, e, &s);
        if (k >= 0)
                snprintf(buf, size, "%s", s);
        return k;
}

static int get_status(sd_bus *b, const char *path, struct pdi_unit_status *st, sd_bus_error *e)
{
        uint32_t pid = 0, restarts = 0;
        int k = get_string(b, path, SD_UNIT, "ActiveState", st->active_state,
                           sizeof(st->active_state), e);
        if (k >= 0)
                k = get_string(b, path, SD_UNIT, "SubState", st->sub_state, sizeof(st->sub_state),
                               e);
        if (k >= 0)
                k = sd_bus_get_property_trivial(b, SD_DEST, path, SD_UNIT,
                                                "ActiveEnterTimestampMonotonic", e, 't',
                                                &st->active_enter_usec);
        /* Service properties: absent on other unit types, which is not an error. */
        if (k >= 0 && sd_bus_get_property_trivial(b, SD_DEST, path, SD_SERVICE, "MainPID", NULL,
                                                  'u', &pid) >= 0)
                st->main_pid = (pid_t)pid;
        if (k >= 0 && sd_bus_get_property_trivial(b, SD_DEST, path, SD_SERVICE, "NRestarts", NULL,
                                                  'u', &restarts) >= 0)
                st->n_restarts = restarts;
        if (k >= 0)
                get_string(b, path, SD_SERVICE, "Result", st->result, sizeof(st->result), NULL);
        return k;
}

static int status_on(sd_bus *b, const char *unit, const char *path, struct pdi_unit_status *ret,
                     struct pdi_error *err)
{
        struct pdi_unit_status st = {0};
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int k = get_status(b, path, &st, &e);
        if (k < 0)
                bus_fail(err, unit, "status", &e, k);
        sd_bus_error_free(&e);
        if (k < 0)
                return -PDI_E_FAILED;
        *ret = st;
        return 0;
}

int pdi_systemd_status(const char *unit, struct pdi_unit_status *ret, struct pdi_error *err)
{
        _cleanup_bus_ sd_bus *b = NULL;
        _cleanup_free_ char *path = NULL;
        int k = bus_open(&b, err);
        if (k >= 0)
                k = unit_path(b, unit, &path, err);
        return k < 0 ? k : status_on(b, unit, path, ret, err);
}

static int state_error(struct pdi_error *err, const char *unit, const char *what,
                       const struct pdi_unit_status *st)
{
        return pdi_error_set(err, -PDI_E_FAILED, "%s %s: %s (%s), result %s, %u restart(s)", unit,
                             what, st->active_state, st->sub_state,
                             st->result[0] ? st->result : "unknown", st->n_restarts);
}

/* The main process is gone: the unit failed, stopped, or waits to be restarted after a
 * crash (Restart=, "activating (auto-restart)"). Callers start the unit and wait for its
 * job first, so none of these will turn into a healthy start by waiting. */
static bool given_up(const struct pdi_unit_status *st)
{
        return streq(st->active_state, "failed") || streq(st->active_state, "inactive") ||
               streq(st->sub_state, "auto-restart");
}

/* Phase 1: until active. */
static int wait_until_active(sd_bus *b, const char *unit, const char *path, unsigned timeout_s,
                             struct pdi_unit_status *st, struct pdi_error *err)
{
        uint64_t deadline = now_usec() + timeout_s * USEC_PER_SEC;
        for (;;) {
                int k = status_on(b, unit, path, st, err);
                if (k < 0)
                        return k;
                if (streq(st->active_state, "active"))
                        return 0;
                if (given_up(st))
                        return state_error(err, unit, "did not start", st);
                if (now_usec() >= deadline)
                        return state_error(err, unit, "not active in time", st);
                usleep(POLL_USEC);
        }
}

/* Phase 2: the same main process stays up for settle_s. */
static int wait_settled(sd_bus *b, const char *unit, const char *path, unsigned settle_s,
                        const struct pdi_unit_status *first, struct pdi_error *err)
{
        uint64_t deadline = now_usec() + settle_s * USEC_PER_SEC;
        struct pdi_unit_status st;
        for (;;) {
                int k = status_on(b, unit, path, &st, err);
                if (k < 0)
                        return k;
                if (!streq(st.active_state, "active") || st.main_pid != first->main_pid ||
                    st.n_restarts != first->n_restarts)
                        return state_error(err, unit, "did not stay active", &st);
                if (now_usec() >= deadline)
                        return 0;
                usleep(POLL_USEC);
        }
}

int pdi_systemd_wait_active(const char *unit, unsigned timeout_s, unsigned settle_s,
                            struct pdi_error *err)
{
        _cleanup_bus_ sd_bus *b = NULL;
        _cleanup_free_ char *path = NULL;
        struct pdi_unit_status st;
        int k = bus_open(&b, err);
        if (k >= 0)
                k = unit_path(b, unit, &path, err);
        if (k >= 0)
                k = wait_until_active(b, unit, path, timeout_s, &st, err);
        return k < 0 ? k : wait_settled(b, unit, path, settle_s, &st, err);
}

int pdi_systemd_enable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                               struct pdi_report *rep, struct pdi_error *err)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, l->wants_link, 0755, &base);
        char old[PATH_MAX];
        if (dfd < 0)
                return pdi_error_set(err, dfd, "%s: cannot open its directory: %s", l->wants_link,
                                     strerror(-dfd));
        int k = pdi_readlink_at(dfd, base, old, sizeof(old));
        if (k == 0 && streq(old, l->service_path))
                return 0;
        if (k == -EEXIST)
                return pdi_error_set(err, k, "%s: exists and is not a symlink; not replacing it",
                                     l->wants_link);
        if (k < 0 && k != -ENOENT)
                return pdi_error_set(err, k, "%s: %s", l->wants_link, strerror(-k));
        k = pdi_symlink_replace(dfd, base, l->service_path);
        if (k < 0)
                return pdi_error_set(err, k, "%s: cannot link: %s", l->wants_link, strerror(-k));
        pdi_report_action(rep, "enabled %s: linked %s → %s", l->service, l->wants_link,
                          l->service_path);
        return 0;
}

int pdi_systemd_disable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                                struct pdi_report *rep, struct pdi_error *err)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, l->wants_link, 0, &base);
        char old[PATH_MAX];
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return pdi_error_set(err, dfd, "%s: cannot open its directory: %s", l->wants_link,
                                     strerror(-dfd));
        int k = pdi_readlink_at(dfd, base, old, sizeof(old));
        if (k == -ENOENT)
                return 0;
        if (k == -EEXIST)
                return pdi_error_set(err, k, "%s: exists and is not a symlink; not removing it",
                                     l->wants_link);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->wants_link, strerror(-k));
        if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
                return pdi_error_set(err, -errno, "%s: cannot remove: %s", l->wants_link,
                                     strerror(errno));
        (void)fsync(dfd);
        pdi_report_action(rep, "disabled %s: removed %s", l->service, l->wants_link);
        return 0;
}
