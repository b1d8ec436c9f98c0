/* After the switch: restart, health check and automatic fallback; and rollback to a kept
 * release. The node is only restarted once everything of the new release is on disk and
 * checked, so the gap between the old node's stop and the new one's start holds no
 * download, hashing or extraction. */
#include "install_internal.h"
#include "fault.h"
#include "layout.h"
#include "log.h"
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

static int switch_to(struct run *r, const char *version)
{
        int k = pdi_layout_switch(r->root, &r->layout, version);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "switch %s to %s: %s", r->layout.current,
                                     version, strerror(-k));
        log_notice("%s -> releases/%s", r->layout.current, version);
        return pdi_state_set_current(&r->state, r->layout.instance, version);
}

int pdi_run_start_or_fall_back(struct run *r, const char *from, const char *to)
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
        /* On disk before the restart: a run killed during the check leaves it behind, and the
         * next run finishes the check (pdi_run_resume_pending). */
        int k = pdi_state_set_pending(&r->state, inst, r->o->action, from, to, r->prev_before);
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k < 0)
                return k;
        struct pdi_error first = {0};
        pdi_fault("before-restart");
        k = pdi_host_start(&r->host, r->o->settle_s, !r->check_only, &r->report, &first);
        if (k == 0) {
                pdi_state_clear_pending(&r->state, inst);
                return pdi_run_save_state(r);
        }
        if (!from || streq(from, to)) {
                /* Nothing to fall back to: the failure is reported, nothing is left pending. */
                pdi_state_clear_pending(&r->state, inst);
                (void)pdi_run_save_state(r);
                r->ctx->err = first;
                return k;
        }
        log_error("polkadot %s failed its health check; switching back to %s", to, from);
        int s = switch_to(r, from);
        /* `previous` goes back to what it was: a plain rollback must not pick the release
         * that just failed. */
        if (s == 0)
                s = pdi_state_set_previous(&r->state, inst, r->prev_before);
        pdi_fault("fell-back");
        struct pdi_error second = {0};
        if (s == 0)
                s = pdi_host_start(&r->host, r->o->settle_s, true, &r->report, &second);
        pdi_state_record_failure(&r->state, inst, to, first.msg);
        pdi_state_history_add(&r->state, inst, "fallback", to, from, s == 0 ? "ok" : "failed",
                              first.msg);
        pdi_state_clear_pending(&r->state, inst);
        (void)pdi_run_save_state(r);
        json_object_set_new(r->out, "fell_back_to", json_string(from));
        if (s < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "%s failed: %s; the fallback to %s failed too: %s", to,
                                     first.msg, from, second.msg);
        return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                             "%s failed: %s; fell back to %s, which is active and healthy", to,
                             first.msg, from);
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

static char *pending_str(json_t *p, const char *key)
{
        const char *v = json_string_value(json_object_get(p, key));
        return v ? strdup(v) : NULL;
}

/* The run was killed after `current` had moved back to `from`: finish the fallback. */
static int finish_fallback(struct run *r, const char *action, const char *from, const char *to,
                           const char *previous)
{
        const char *inst = r->layout.instance;
        log_notice("an interrupted %s had switched back from %s to %s: finishing the fallback",
                   action, to, from);
        _cleanup_free_ char *running = running_release(r);
        struct pdi_error e = {0};
        int k = pdi_state_set_previous(&r->state, inst, previous);
        if (k == 0)
                k = pdi_host_start(&r->host, r->o->settle_s, !streq(running, from), &r->report, &e);
        if (!pdi_state_failure(&r->state, inst, to))
                pdi_state_record_failure(&r->state, inst, to,
                                         "failed its health check (the run was interrupted "
                                         "while it fell back)");
        pdi_state_history_add(&r->state, inst, "fallback", to, from, k == 0 ? "ok" : "failed",
                              "finished by the next run");
        pdi_state_clear_pending(&r->state, inst);
        (void)pdi_run_save_state(r);
        json_object_set_new(r->out, "fell_back_to", json_string(from));
        if (k < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "an interrupted %s to %s had failed and fell back to %s, "
                                     "which does not start either: %s",
                                     action, to, from, e.msg);
        return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                             "an interrupted %s to %s had failed its health check; fell back to "
                             "%s, which is active and healthy",
                             action, to, from);
}

int pdi_run_resume_pending(struct run *r)
{
        const char *inst = r->layout.instance;
        json_t *p = pdi_state_pending(&r->state, inst);
        if (!p || r->o->dry_run)
                return 0;
        _cleanup_free_ char *action = pending_str(p, "action"), *from = pending_str(p, "from"),
                            *to = pending_str(p, "to"), *previous = pending_str(p, "previous");
        if (!to || !action)
                return -ENOMEM;
        if (!r->host.live || r->o->no_start) {
                log_warn("an interrupted %s to %s never finished its health check; run it again "
                         "without --no-start on the live system to finish it",
                         action, to);
                return 0;
        }
        if (from && streq(r->tree_current, from) && !streq(from, to))
                return finish_fallback(r, action, from, to, previous);
        if (!streq(r->tree_current, to)) {
                log_notice("forgetting an interrupted %s to %s: current is %s now", action, to,
                           r->tree_current ? r->tree_current : "nothing");
                pdi_state_clear_pending(&r->state, inst);
                return pdi_run_save_state(r);
        }
        log_notice("an interrupted %s to %s never finished its health check: checking it now",
                   action, to);
        /* A node already running the release is checked as it runs, not restarted. */
        _cleanup_free_ char *running = running_release(r);
        r->check_only = streq(running, to);
        free(r->prev_before);
        r->prev_before = TAKE_PTR(previous);
        int k = pdi_run_start_or_fall_back(r, from, to);
        r->check_only = false;
        if (k == 0)
                k = pdi_state_history_add(&r->state, inst, action, from, to, "ok",
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
                                     "release %s: %s: %s", version, r->manifest_src, strerror(-k));
        for (size_t i = 0; i < PDI_TRUST_MAX_SIGS; i++) {
                struct pdi_sigtext *s = &r->sigs[r->n_sigs];
                s->source = pdi_trust_sig_name(r->manifest_src, i);
                if (!s->source)
                        return -ENOMEM;
                if (pdi_root_read_file(r->root, s->source, PDI_MINISIGN_FILE_MAX, &s->text,
                                       &s->len) < 0) {
                        free(s->source);
                        s->source = NULL;
                        break;
                }
                r->n_sigs++;
        }
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
        if (k == 0)
                k = pdi_run_resume_pending(r);
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
                        k = pdi_run_start_or_fall_back(r, NULL, target);
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
                if (k == 0)
                        printf("ln -sfn releases/%s %s/.current.new && mv -T %s/.current.new "
                               "%s\nsystemctl restart %s\n",
                               target, r->layout.prefix, r->layout.prefix, r->layout.current,
                               r->layout.service);
                return k;
        }
        pdi_run_check_running(r);
        k = pdi_host_configure(&r->host, &r->state, &r->report, &r->ctx->err);
        if (k == 0)
                k = switch_to(r, target);
        pdi_fault("rolled-back");
        json_object_set_new(r->out, "changed", json_true());
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k == 0)
                k = pdi_run_start_or_fall_back(r, r->tree_current, target);
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
