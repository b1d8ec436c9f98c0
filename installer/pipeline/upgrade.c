/* After the switch: restart, health check and automatic fallback; and rollback to a kept
 * release. The node is only restarted once everything of the new release is on disk and
 * checked, so the gap between the old node's stop and the new one's start holds no
 * download, hashing or extraction. */
#include "pipeline/install_internal.h"
#include "base/fault.h"
#include "release/layout.h"
#include "base/log.h"
#include "host/systemd.h"

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

static int switch_to(struct run *r, const char *version)
{
        int k = pdi_layout_switch(r->root, &r->layout, version);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "switch %s to %s: %s", r->layout.current,
                                     version, strerror(-k));
        log_notice("%s -> releases/%s", r->layout.current, version);
        return pdi_state_set_current(&r->state, r->layout.instance, version);
}

int pdi_run_start_or_fall_back(struct run *r, const char *from, const char *to, bool restart)
{
        const char *inst = r->layout.instance;
        if (r->o->no_start || !r->host.live) {
                bool switched = from && !streq(from, to);
                pdi_report_note(&r->report, "%s%s is current; %s the node with 'systemctl %s %s'%s",
                                r->host.live ? "" : "offline (--root or no systemd): ", to,
                                switched ? "restart" : "start", switched ? "restart" : "start",
                                r->layout.service, r->host.live ? "" : " on the target system");
                return 0;
        }
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
        if (k == 0 || !can_fall_back) {
                pdi_state_clear_pending(&r->state, inst);
                if (k == 0) /* healthy now: no longer a release upgrade refuses to retry */
                        pdi_state_clear_failure(&r->state, inst, to);
                int s = pdi_run_save_state(r);
                if (k < 0)
                        r->ctx->err = first;
                return k < 0 ? k : s;
        }
        log_error("polkadot %s failed its health check; switching back to %s", to, p.from);
        k = pdi_state_set_pending(&r->state, inst, p.action, p.from, p.to, p.previous, "fallback");
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k == 0)
                k = switch_to(r, p.from);
        pdi_fault("fell-back");
        if (k < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "%s failed: %s; switching back to %s failed too: %s", to,
                                     first.msg, p.from, r->ctx->err.msg);
        return finish_fallback(r, &p, first.msg, true);
}

int pdi_run_resume_pending(struct run *r)
{
        const char *inst = r->layout.instance;
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
        if (streq(p.phase, "fallback") && p.from && (streq(cur, p.to) || streq(cur, p.from))) {
                log_notice("an interrupted %s to %s was falling back to %s: finishing that",
                           p.action, p.to, p.from);
                int k = streq(cur, p.to) ? switch_to(r, p.from) : 0;
                _cleanup_free_ char *running = running_release(r);
                return k < 0 ? k
                             : finish_fallback(r, &p,
                                               "failed its health check (the run was "
                                               "interrupted while it fell back)",
                                               !streq(running, p.from));
        }
        if (!streq(cur, p.to) || streq(p.phase, "fallback")) {
                /* Never switched (current is still `from`), or moved on since. */
                log_notice("forgetting an interrupted %s to %s: current is %s", p.action, p.to,
                           cur ? cur : "nothing");
                pdi_state_clear_pending(&r->state, inst);
                return pdi_run_save_state(r);
        }
        log_notice("an interrupted %s to %s never finished its health check: checking it now",
                   p.action, p.to);
        /* A node already running the release is checked as it runs, not restarted. */
        _cleanup_free_ char *running = running_release(r);
        int k = pdi_run_start_or_fall_back(r, p.from, p.to, !streq(running, p.to));
        if (k == 0)
                k = pdi_state_history_add(&r->state, inst, p.action, p.from, p.to, "ok",
                                          "health check finished by the next run");
        if (k == 0)
                k = pdi_run_save_state(r);
        return k;
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

/* --- rollback ---------------------------------------------------------------------------- */

/* A signature stored beside a kept release's manifest, inside the root. */
static int read_stored_sig(void *userdata, const char *src, struct pdi_sigtext *ret,
                           struct pdi_error *err)
{
        struct run *r = userdata;
        int k = pdi_root_read_file(r->root, src, PDI_MINISIGN_FILE_MAX, &ret->text, &ret->len);
        if (k < 0 && k != -ENOENT)
                return pdi_error_set(err, -PDI_E_INTEGRITY, "signature %s: %s", src,
                                     pdi_read_strerror(k));
        return k;
}

/* The release's own stored manifest and signatures, verified again with today's trust
 * policy. Expiry does not apply: the release was accepted when it was installed. */
static int load_stored(struct run *r, const char *version)
{
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, version);
        if (!dir)
                return -ENOMEM;
        r->manifest_src = pdi_run_join(dir, "manifest.json");
        r->sigs = calloc(PDI_TRUST_MAX_SIGS, sizeof(*r->sigs));
        if (!r->manifest_src || !r->sigs)
                return -ENOMEM;
        int k = pdi_root_read_file(r->root, r->manifest_src, PDI_MANIFEST_MAX_BYTES, &r->bytes,
                                   &r->len);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k == -ENOENT ? -PDI_E_INTEGRITY : k,
                                     "release %s: %s: %s", version, r->manifest_src,
                                     pdi_read_strerror(k));
        k = pdi_release_read_sigs(r->manifest_src, NULL, 0, read_stored_sig, r, r->sigs, &r->n_sigs,
                                  &r->ctx->err);
        if (k < 0)
                return k;
        k = pdi_trust_load(&r->trust, r->root, r->o->keys, r->o->n_keys, r->o->threshold,
                           &r->ctx->err);
        r->trust_loaded = k == 0;
        if (k == 0)
                k = pdi_release_verify(&r->trust, r->manifest_src, r->bytes, r->len, r->sigs,
                                       r->n_sigs, 0, &r->v, &r->ctx->err);
        return k;
}

static int check_files(struct run *r, const char *version)
{
        struct pdi_release_src src = {
            .manifest = r->v.manifest, .manifest_bytes = r->bytes, .manifest_len = r->len};
        char **damaged = NULL;
        size_t n = 0;
        int k = pdi_stage_check(r->root, &r->layout, &src, &damaged, &n);
        if (k == 0 && n > 0)
                k = pdi_error_set(&r->ctx->err, -PDI_E_INTEGRITY,
                                  "release %s is damaged (%s%s): reinstall it with 'install "
                                  "--manifest … --allow-downgrade' instead",
                                  version, damaged[0], n > 1 ? " and more" : "");
        pdi_strv_free(damaged, n);
        return k;
}

static int pick_target(struct run *r, const char *to, char **ret)
{
        const char *prev = pdi_state_previous(&r->state, r->layout.instance);
        const char *want = to ? to : prev;
        if (!want)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "rollback: no previous release is recorded; name one "
                                     "with --to VERSION (see 'status')");
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, want);
        _cleanup_close_ int fd = dir ? pdi_root_open(r->root, dir, O_PATH | O_DIRECTORY, 0) : -1;
        if (!pdi_version_valid(want) || fd < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "rollback: release %s is not kept in %s (see 'status')", want,
                                     r->layout.releases);
        *ret = strdup(want);
        return *ret ? 0 : -ENOMEM;
}

static int rollback(struct run *r, const char *to)
{
        _cleanup_free_ char *target = NULL;
        int k = pdi_run_setup(r);
        if (k == 0)
                k = pdi_state_load(r->root, &r->state, &r->ctx->err);
        if (k == 0)
                k = pdi_run_reconcile(r);
        /* A killed rollback to the same release, finished by resuming it, is this rollback:
         * going on would pick `previous`, the release it came from. */
        _cleanup_(pending_done) struct pending p = {0};
        bool same = k == 0 && pending_get(r, to, &p) && streq(p.action, "rollback");
        if (k == 0)
                k = pdi_run_resume_pending(r);
        if (k == 0 && same && streq(r->tree_current, p.to) &&
            !pdi_state_pending(&r->state, r->layout.instance)) {
                log_notice("the interrupted rollback to %s is finished", p.to);
                return 0;
        }
        if (k == 0 && !r->tree_current)
                k = pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                  "rollback: nothing is installed under %s", r->layout.prefix);
        if (k == 0)
                k = pick_target(r, to, &target);
        if (k == 0 && streq(target, r->tree_current)) {
                /* Still bring state and unit in line: a run killed after its switch leaves
                 * the state file behind the tree, and the node running the old release. */
                pdi_run_check_running(r);
                if (!r->restart_needed)
                        log_notice("%s is already current: nothing to do", target);
                if (!r->o->dry_run)
                        k = pdi_run_save_state(r);
                if (k == 0 && r->restart_needed && !r->o->dry_run)
                        k = pdi_run_start_or_fall_back(r, NULL, target, true);
                return k;
        }
        if (k == 0)
                k = load_stored(r, target);
        if (k == 0 && !streq(r->v.manifest->version, target))
                k = pdi_error_set(&r->ctx->err, -PDI_E_INTEGRITY,
                                  "release %s: its stored manifest is for %s", target,
                                  r->v.manifest->version);
        if (k == 0)
                k = check_files(r, target);
        if (k == 0)
                k = pdi_run_check_release(r, target);
        if (k < 0 || r->o->dry_run) {
                /* The plan names paths under --root, as install's does: pasted, it must not
                 * change the host. */
                _cleanup_free_ char *prefix = pdi_root_display(r->root, r->layout.prefix);
                _cleanup_free_ char *current = pdi_root_display(r->root, r->layout.current);
                if (k == 0 && (!prefix || !current))
                        k = -ENOMEM;
                if (k == 0)
                        printf("ln -sfn releases/%s %s/.current.new && mv -T %s/.current.new "
                               "%s\n%s%s\n",
                               target, prefix, prefix, current,
                               r->host.live ? "systemctl restart "
                                            : "# then on the target: "
                                              "systemctl restart ",
                               r->layout.service);
                return k;
        }
        pdi_run_check_running(r);
        k = pdi_host_configure(&r->host, &r->state, &r->report, &r->ctx->err);
        if (k == 0)
                k = pdi_run_begin_switch(r, r->tree_current, target);
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k == 0)
                k = switch_to(r, target);
        pdi_fault("rolled-back");
        json_object_set_new(r->out, "changed", json_true());
        if (k == 0)
                k = pdi_run_start_or_fall_back(r, r->tree_current, target, true);
        if (k == 0)
                k = pdi_state_history_add(&r->state, r->layout.instance, "rollback",
                                          r->tree_current, target, "ok", NULL);
        if (k == 0)
                k = pdi_run_save_state(r);
        return k;
}

int pdi_rollback_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *to)
{
        struct run r = {.ctx = ctx, .o = o, .lock_fd = -1, .cache_fd = -1, .out = ctx->out};
        json_object_set_new(r.out, "changed", json_false());
        if (pdi_report_init(&r.report) < 0)
                return -ENOMEM;
        int k = rollback(&r, to);
        if (k == 0 && r.v.manifest)
                json_object_set_new(r.out, "version", json_string(r.v.manifest->version));
        pdi_report_to_json(&r.report, r.out);
        if (k < 0 && !ctx->err.msg[0])
                pdi_error_set(&ctx->err, k, "rollback: %s", pdi_strerror(k));
        pdi_run_done(&r);
        return k;
}
