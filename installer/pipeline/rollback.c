/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/rollback.h"
#include "base/fault.h"
#include "base/log.h"
#include "base/shellquote.h"
#include "pipeline/accept.h"
#include "pipeline/activate.h"
#include "pipeline/check.h"
#include "pipeline/tree.h"

#include <errno.h>
#include <fcntl.h>

/* The target of an unfinished rollback the state records (to `to`, or to any release when
 * `to` is NULL); NULL if there is none. */
static char *pending_rollback(struct run *r, const char *to)
{
        json_t *p = pdi_state_pending(&r->state, r->layout.instance);
        const char *target = json_string_value(json_object_get(p, "to"));
        if (!target || !streq(json_string_value(json_object_get(p, "action")), "rollback") ||
            (to && !streq(target, to)))
                return NULL;
        return strdup(target);
}

/* Setup, state, the tree, and the switch a killed run left finished. 1: that was a rollback
 * to the same release and it is finished now, so this run has nothing left to do. */
static int prepare(struct run *r, const char *to)
{
        int k = pdi_run_setup(r);
        if (k == 0)
                k = pdi_state_load(r->root, &r->state, &r->ctx->err);
        if (k == 0)
                k = pdi_run_reconcile(r);
        if (k == 0)
                k = pdi_run_container_mode(r);
        /* A killed rollback to the same release, finished by resuming it, is this rollback:
         * going on would pick `previous`, the release it came from. */
        _cleanup_free_ char *same = k == 0 ? pending_rollback(r, to) : NULL;
        if (k == 0)
                k = pdi_run_resume_pending(r);
        if (k == 0 && same && streq(r->tree_current, same) &&
            !pdi_state_pending(&r->state, r->layout.instance)) {
                log_notice("the interrupted rollback to %s is finished", same);
                return 1;
        }
        if (k == 0 && !r->tree_current)
                k = pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                  "rollback: nothing is installed under %s", r->layout.prefix);
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
        json_t *failed = pdi_state_failure(&r->state, r->layout.instance, want);
        if (failed && !r->o->force)
                return pdi_error_set(
                    &r->ctx->err, -PDI_E_POLICY,
                    "rollback: release %s failed its health check (%s); pass --force to go "
                    "back to it anyway",
                    want, json_string_value(json_object_get(failed, "reason")) ?: "see 'status'");
        if (failed)
                log_warn("rollback to %s, which failed its health check: --force given", want);
        *ret = strdup(want);
        return *ret ? 0 : -ENOMEM;
}

/* The target is current already. Still bring state and unit in line: a run killed after its
 * switch leaves the state file behind the tree, and the node running the old release. */
static int already_current(struct run *r, const char *target)
{
        int k = 0;
        pdi_run_check_running(r);
        if (!r->restart_needed)
                log_notice("%s is already current: nothing to do", target);
        else if (r->o->check)
                pdi_check_would(r, "restart %s: it runs another release than %s", r->layout.service,
                                target);
        if (!r->o->dry_run)
                k = pdi_run_save_state(r);
        if (k == 0 && r->restart_needed && !r->o->dry_run)
                k = pdi_run_start_or_fall_back(r, NULL, target, true);
        return k;
}

/* The kept release as if it were new: its signatures with today's keys, every file, the
 * release checks. */
static int verify_kept(struct run *r, const char *target)
{
        int k = pdi_run_load_stored(r, target);
        if (k == 0)
                k = pdi_run_check_kept(r, target);
        if (k == 0)
                k = pdi_run_check_release(r, target);
        return k;
}

/* --dry-run: the switch as shell lines, every word quoted (base/shellquote.h). The plan
 * names paths under --root, as install's does: pasted, it must not change the host. */
static int print_plan(struct run *r, const char *target)
{
        _cleanup_free_ char *prefix = pdi_root_display(r->root, r->layout.prefix);
        _cleanup_free_ char *current = pdi_root_display(r->root, r->layout.current);
        _cleanup_free_ char *qt = pdi_shell_quote(target);
        _cleanup_free_ char *qp = prefix ? pdi_shell_quote(prefix) : NULL;
        _cleanup_free_ char *qc = current ? pdi_shell_quote(current) : NULL;
        _cleanup_free_ char *qs = pdi_shell_quote(r->layout.service);
        if (!qt || !qp || !qc || !qs)
                return -ENOMEM;
        printf("ln -sfn releases/%s %s/.current.new && mv -T %s/.current.new %s\n%s%s\n", qt, qp,
               qp, qc,
               r->host.container ? "# then restart the container; no unit: "
               : r->host.live    ? "systemctl restart "
                                 : "# then on the target: systemctl restart ",
               qs);
        return 0;
}

static int switch_back(struct run *r, const char *target)
{
        pdi_run_check_running(r);
        int k = r->o->diff ? pdi_host_track(&r->host, &r->diff) : 0;
        if (k == 0)
                k = pdi_host_use_release(&r->host, target);
        if (k == 0)
                k = pdi_host_configure(&r->host, &r->state, &r->report, &r->ctx->err);
        if (k == 0)
                k = pdi_run_begin_switch(r, r->tree_current, target);
        if (k == 0)
                k = pdi_run_save_state(r);
        if (k == 0)
                k = pdi_run_switch_to(r, target);
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

static int rollback(struct run *r, const char *to)
{
        _cleanup_free_ char *target = NULL;
        int k = prepare(r, to);
        if (k != 0)
                return k > 0 ? 0 : k;
        k = pick_target(r, to, &target);
        if (k == 0 && streq(target, r->tree_current))
                return already_current(r, target);
        if (k == 0)
                k = verify_kept(r, target);
        if (k < 0)
                return k;
        if (!r->o->dry_run)
                return switch_back(r, target);
        if (r->o->plan)
                k = print_plan(r, target);
        if (k == 0)
                k = pdi_check_rollback(r, target);
        if (k == 0 && r->o->diff && !r->diff.n)
                k = pdi_host_render(&r->host, &r->state, &r->diff);
        return k;
}

int pdi_rollback_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *to)
{
        struct run r;
        int k = pdi_run_init(&r, ctx, o);
        if (k < 0)
                return k;
        k = rollback(&r, to);
        if (o->diff && !o->dry_run && r.diff.n)
                pdi_diff_read_after(&r.diff, r.root);
        pdi_check_show_diff(&r);
        if (k == 0 && r.v.manifest)
                json_object_set_new(r.out, "version", json_string(r.v.manifest->version));
        pdi_run_end(&r, k);
        pdi_run_done(&r);
        return k;
}
