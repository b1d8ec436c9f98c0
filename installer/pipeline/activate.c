/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/activate.h"
#include "host/pvf.h"
#include "base/fault.h"
#include "base/log.h"
#include "host/systemd.h"
#include "release/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

int pdi_run_begin_switch(struct run *r, const char *from, const char *to)
{
        const char *inst = r->layout.instance;
        if (!r->host.live || r->o->no_start) {
                pdi_state_clear_pending(&r->state, inst); /* no check will follow */
                return 0;
        }
        return pdi_state_set_pending(&r->state, inst, r->o->action, from, to,
                                     pdi_state_previous(&r->state, inst), "switch");
}

/* Which release the running node executes, from its /proc/PID/exe. */
static char *running_release(struct run *r)
{
        struct pdi_unit_status st;
        struct pdi_error ignored = {0};
        if (!r->host.live || pdi_systemd_status(r->layout.service, &st, &ignored) < 0 ||
            !streq(st.active_state, "active") || st.main_pid <= 0)
                return NULL;
        char link[64], exe[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/%d/exe", (int)st.main_pid);
        ssize_t n = readlink(link, exe, sizeof(exe) - 1);
        size_t len = strlen(r->layout.releases);
        if (n <= 0)
                return NULL;
        exe[n] = '\0';
        if (strncmp(exe, r->layout.releases, len) != 0 || exe[len] != '/')
                return NULL;
        char *v = strndup(exe + len + 1, strcspn(exe + len + 1, "/"));
        return v;
}

/* The pending record's fields, copied: clearing the record frees the originals. */
struct pending {
        char *action, *from, *to, *previous, *phase;
};

static void pending_done(struct pending *p)
{
        free(p->action);
        free(p->from);
        free(p->to);
        free(p->previous);
        free(p->phase);
}

static char *field(json_t *p, const char *key)
{
        const char *v = json_string_value(json_object_get(p, key));
        return v ? strdup(v) : NULL;
}

/* The record of the switch to `to`, if there is one (false otherwise). */
static bool pending_get(struct run *r, const char *to, struct pending *ret)
{
        json_t *p = pdi_state_pending(&r->state, r->layout.instance);
        *ret = (struct pending){0};
        if (!p || (to && !streq(json_string_value(json_object_get(p, "to")), to)))
                return false;
        *ret = (struct pending){field(p, "action"), field(p, "from"), field(p, "to"),
                                field(p, "previous"), field(p, "phase")};
        return ret->action && ret->to;
}

/* `current` is back on p->from: start it (restart unless it already runs), record that
 * p->to failed, forget the record. Ends the run with exit 1 either way. */
static int finish_fallback(struct run *r, const struct pending *p, const char *reason, bool restart)
{
        const char *inst = r->layout.instance;
        /* `previous` goes back to what it was before the switch, unless that is the release
         * that just failed: a plain rollback must not pick it. */
        int k =
            pdi_state_set_previous(&r->state, inst, streq(p->previous, p->to) ? NULL : p->previous);
        struct pdi_error e = {0};
        if (k == 0)
                k = pdi_host_start(&r->host, r->o->settle_s, restart, &r->report, &e);
        if (!pdi_state_failure(&r->state, inst, p->to))
                pdi_state_record_failure(&r->state, inst, p->to, reason);
        pdi_state_history_add(&r->state, inst, "fallback", p->to, p->from, k == 0 ? "ok" : "failed",
                              reason);
        pdi_state_clear_pending(&r->state, inst);
        (void)pdi_run_save_state(r);
        json_object_set_new(r->out, "fell_back_to", json_string(p->from));
        if (k < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "%s failed: %s; the fallback to %s failed too: %s", p->to,
                                     reason, p->from, e.msg);
        return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                             "%s failed: %s; fell back to %s, which is active and healthy", p->to,
                             reason, p->from);
}

int pdi_run_switch_to(struct run *r, const char *version)
{
        int k = pdi_layout_switch(r->root, &r->layout, version);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "switch %s to %s: %s", r->layout.current,
                                     version, strerror(-k));
        log_notice("%s -> releases/%s", r->layout.current, version);
        return pdi_state_set_current(&r->state, r->layout.instance, version);
}

/* Offline or --no-start: say how to start the node instead. */
static int note_start(struct run *r, const char *from, const char *to)
{
        bool switched = from && !streq(from, to);
        if (r->host.container) {
                pdi_report_note(&r->report,
                                "container mode: %s is current; the container's "
                                "ENTRYPOINT starts the node (restart the container)",
                                to);
                return 0;
        }
        pdi_report_note(&r->report, "%s%s is current; %s the node with 'systemctl %s %s'%s",
                        r->host.live ? "" : "offline (--root or no systemd): ", to,
                        switched ? "restart" : "start", switched ? "restart" : "start",
                        r->layout.service, r->host.live ? "" : " on the target system");
        return 0;
}

/* The check passed, or failed with nothing recorded to fall back to: the record goes. */
static int end_check(struct run *r, const char *to, int k, const struct pdi_error *first)
{
        const char *inst = r->layout.instance;
        pdi_state_clear_pending(&r->state, inst);
        if (k == 0) /* healthy now: no longer a release upgrade refuses to retry */
                pdi_state_clear_failure(&r->state, inst, to);
        int s = pdi_run_save_state(r);
        if (k < 0)
                r->ctx->err = *first;
        return k < 0 ? k : s;
}

/* `to` failed its check (`first` says why): back to p->from, recorded as a fallback first. */
static int fall_back(struct run *r, const char *to, const struct pending *p,
                     const struct pdi_error *first)
{
        log_error("polkadot %s failed its health check; switching back to %s", to, p->from);
        int k = pdi_state_set_pending(&r->state, r->layout.instance, p->action, p->from, p->to,
                                      p->previous, "fallback");
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k == 0)
                k = pdi_run_switch_to(r, p->from);
        pdi_fault("fell-back");
        if (k < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "%s failed: %s; switching back to %s failed too: %s", to,
                                     first->msg, p->from, r->ctx->err.msg);
        return finish_fallback(r, p, first->msg, true);
}

int pdi_run_start_or_fall_back(struct run *r, const char *from, const char *to, bool restart)
{
        if (r->o->no_start || !r->host.live)
                return note_start(r, from, to);
        /* Tree, state and the record of the switch (pdi_run_begin_switch) are on disk before
         * the restart: a run killed during the check is finished by the next one. */
        int k = pdi_run_save_state(r);
        if (k < 0)
                return k;
        struct pdi_error first = {0};
        pdi_fault("before-restart");
        k = pdi_host_start(&r->host, r->o->settle_s, restart, &r->report, &first);
        _cleanup_(pending_done) struct pending p = {0};
        bool can_fall_back = pending_get(r, to, &p) && p.from && !streq(p.from, to);
        if (k == 0 || !can_fall_back)
                return end_check(r, to, k, &first);
        return fall_back(r, to, &p, &first);
}

/* A killed run was falling back from p->to to p->from: finish that. */
static int resume_fallback(struct run *r, const struct pending *p)
{
        log_notice("an interrupted %s to %s was falling back to %s: finishing that", p->action,
                   p->to, p->from);
        int k = streq(r->tree_current, p->to) ? pdi_run_switch_to(r, p->from) : 0;
        _cleanup_free_ char *running = running_release(r);
        return k < 0 ? k
                     : finish_fallback(r, p,
                                       "failed its health check (the run was interrupted while "
                                       "it fell back)",
                                       !streq(running, p->from));
}

/* A killed run switched to p->to but never finished its check: check it now. */
static int resume_check(struct run *r, const struct pending *p)
{
        log_notice("an interrupted %s to %s never finished its health check: checking it now",
                   p->action, p->to);
        /* A node already running the release is checked as it runs, not restarted. */
        _cleanup_free_ char *running = running_release(r);
        int k = pdi_run_start_or_fall_back(r, p->from, p->to, !streq(running, p->to));
        if (k == 0)
                k = pdi_state_history_add(&r->state, r->layout.instance, p->action, p->from, p->to,
                                          "ok", "health check finished by the next run");
        if (k == 0)
                k = pdi_run_save_state(r);
        return k;
}

int pdi_run_resume_pending(struct run *r)
{
        _cleanup_(pending_done) struct pending p = {0};
        if (!pending_get(r, NULL, &p) || r->o->dry_run)
                return 0;
        const char *cur = r->tree_current;
        if (!r->host.live || r->o->no_start) {
                log_warn("an interrupted %s to %s never finished its health check; run it again "
                         "without --no-start on the live system to finish it",
                         p.action, p.to);
                return 0;
        }
        if (streq(p.phase, "fallback") && p.from && (streq(cur, p.to) || streq(cur, p.from)))
                return resume_fallback(r, &p);
        if (!streq(cur, p.to) || streq(p.phase, "fallback")) {
                /* Never switched (current is still `from`), or moved on since. */
                log_notice("forgetting an interrupted %s to %s: current is %s", p.action, p.to,
                           cur ? cur : "nothing");
                pdi_state_clear_pending(&r->state, r->layout.instance);
                return pdi_run_save_state(r);
        }
        return resume_check(r, &p);
}

void pdi_run_check_running(struct run *r)
{
        _cleanup_free_ char *running = running_release(r);
        if (running && r->tree_current && !streq(running, r->tree_current)) {
                log_notice("the node runs %s but current is %s (an interrupted run): it will "
                           "be restarted",
                           running, r->tree_current);
                r->restart_needed = true;
        }
}

/* Record the release and the accepted sequence before the switch: after a crash between the
 * two, the next run finds state that already knows the release `current` may point at. */
static int record_release(struct run *r, bool switching)
{
        const struct pdi_manifest *m = r->v.manifest;
        int k = pdi_state_record_release(&r->state, r->layout.instance, m, r->v.manifest_sha256);
        if (k == 0)
                k = pdi_state_accept(&r->state, m, r->v.manifest_sha256);
        if (k == 0 && switching)
                k = pdi_run_begin_switch(r, r->tree_current, m->version);
        if (k == 0)
                k = pdi_run_save_state(r);
        /* The spawner may start this release's workers once the state knows their hashes. */
        if (k == 0)
                k = pdi_pvf_write_list(r->root, &r->layout, &r->state, &r->ctx->err);
        return k;
}

static int switch_current(struct run *r)
{
        const char *version = r->v.manifest->version;
        int k = pdi_layout_switch(r->root, &r->layout, version);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "switch %s to %s: %s", r->layout.current,
                                     version, strerror(-k));
        log_notice("%s -> releases/%s (was %s)", r->layout.current, version,
                   r->tree_current ? r->tree_current : "nothing");
        json_object_set_new(r->out, "changed", json_true());
        return 0;
}

/* The bin link to `current`: a failure or a link of someone else's only warns. */
static void link_bin(struct run *r)
{
        _cleanup_free_ char *target = pdi_run_join(r->layout.current, "polkadot");
        int l = target ? pdi_layout_link(r->root, r->layout.bin_link, target) : -ENOMEM;
        if (l == -EEXIST)
                log_warn("left %s alone: it is not a link this installer made; remove it to "
                         "let the installer manage it",
                         r->layout.bin_link);
        else if (l < 0)
                log_warn("%s: %s", r->layout.bin_link, strerror(-l));
}

int pdi_run_activate(struct run *r)
{
        bool switching = !streq(r->tree_current, r->v.manifest->version);
        int k = record_release(r, switching);
        pdi_fault("state-recorded");
        if (k == 0 && switching) {
                k = switch_current(r);
                if (k < 0)
                        return k;
        }
        pdi_fault("switched");
        link_bin(r);
        if (k == 0)
                k = pdi_state_set_current(&r->state, r->layout.instance, r->v.manifest->version);
        return k;
}

static bool host_running(struct run *r)
{
        struct pdi_unit_status st;
        struct pdi_error ignored = {0};
        return !r->host.live || (pdi_systemd_status(r->layout.service, &st, &ignored) == 0 &&
                                 streq(st.active_state, "active"));
}

bool pdi_run_must_start(struct run *r)
{
        return json_is_true(json_object_get(r->out, "changed")) || !host_running(r) ||
               r->restart_needed;
}
