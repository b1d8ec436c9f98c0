/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/install.h"
#include "base/fault.h"
#include "base/log.h"
#include "base/timing.h"
#include "pipeline/accept.h"
#include "pipeline/adopt.h"
#include "release/state_owned.h"
#include "pipeline/activate.h"
#include "pipeline/check.h"
#include "pipeline/plan.h"
#include "pipeline/tree.h"

#include <errno.h>

/* Everything before the release tree changes: the verified manifest, the tree and state in
 * line, a killed run's switch finished, and for upgrade the check that it moves forward. */
static int prepare(struct run *r)
{
        int k = streq(r->o->action, "install") ? pdi_adopt_detect(r) : 0;
        if (k == 0)
                k = pdi_run_setup(r);
        if (k == 0)
                k = pdi_run_load_manifest(r);
        if (k == 0)
                k = pdi_run_check_chains(r);
        if (k == 0)
                k = pdi_run_reconcile(r);
        if (k == 0)
                k = pdi_run_container_mode(r);
        if (k == 0)
                k = pdi_run_resume_pending(r);
        if (k == 0 && streq(r->o->action, "upgrade"))
                k = pdi_run_check_upgrade(r);
        return k;
}

static int configure_host(struct run *r)
{
        int k = r->o->diff ? pdi_host_track(&r->host, &r->diff) : 0;
        if (k == 0)
                k = pdi_host_use_release(&r->host, r->v.manifest->version);
        if (k == 0)
                k = pdi_host_configure(&r->host, &r->state, &r->report, &r->ctx->err);
        if (k == 0 && r->report.changed)
                json_object_set_new(r->out, "changed", json_true());
        return k;
}

/* A run that changed something leaves a history entry. */
static int record_history(struct run *r, bool repaired)
{
        if (!json_is_true(json_object_get(r->out, "changed")))
                return 0;
        return pdi_state_history_add(&r->state, r->layout.instance, r->o->action, r->tree_current,
                                     r->v.manifest->version, "ok",
                                     repaired ? "repaired damaged files" : NULL);
}

static int install(struct run *r)
{
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_PREPARE);
        int k = prepare(r);
        pdi_phase_leave(was);
        if (k < 0)
                return k;
        pdi_run_check_running(r);
        const char *version = r->v.manifest->version;
        int put = pdi_run_put_release(r); /* 1: repaired */
        k = put < 0 ? put : 0;
        _cleanup_free_ char *previous =
            r->tree_current && !streq(r->tree_current, version) ? strdup(r->tree_current) : NULL;
        /* An adopted node's base path stays as it is, in this run and every later one. */
        r->host.adopted = r->adopting || pdi_state_adopted(&r->state, r->layout.instance);
        if (k == 0)
                k = pdi_adopt_take(r);
        was = pdi_phase_enter(PDI_PHASE_HOST);
        if (k == 0)
                k = configure_host(r);
        (void)pdi_phase_enter(PDI_PHASE_ACTIVATE);
        if (k == 0)
                k = pdi_run_activate(r);
        if (k == 0 && pdi_run_must_start(r)) {
                k = pdi_run_start_or_fall_back(r, previous, version, true);
                if (k < 0)
                        pdi_adopt_fall_back(r);
        }
        pdi_phase_leave(was);
        if (k == 0)
                k = record_history(r, put > 0);
        if (k == 0)
                k = pdi_run_save_state(r);
        pdi_fault("state-final");
        if (k == 0)
                k = pdi_run_prune(r, version,
                                  previous ? previous
                                           : pdi_state_previous(&r->state, r->layout.instance));
        if (k == 0)
                k = pdi_run_save_state(r);
        return k;
}

int pdi_install_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o)
{
        if (o->dry_run)
                return pdi_plan_run(ctx, o);
        struct run r;
        int k = pdi_run_init(&r, ctx, o);
        if (k < 0)
                return k;
        k = install(&r);
        if (k == 0 && r.v.manifest) {
                json_object_set_new(r.out, "version", json_string(r.v.manifest->version));
                json_object_set_new(r.out, "current", json_string(r.layout.current));
                log_notice("%s %s: %s is active", o->action, r.v.manifest->version,
                           r.layout.current);
                json_object_set_new(r.out, "msg",
                                    json_sprintf("%s %s: %s is active%s", o->action,
                                                 r.v.manifest->version, r.layout.current,
                                                 json_is_true(json_object_get(r.out, "changed"))
                                                     ? ""
                                                     : "; nothing changed"));
        }
        if (o->diff && r.diff.n && pdi_diff_read_after(&r.diff, r.root) == 0)
                pdi_check_show_diff(&r);
        pdi_run_end(&r, k);
        if (k < 0 && r.v.manifest)
                pdi_error_prefix(&ctx->err, "%s %s: ", o->action, r.v.manifest->version);
        pdi_run_done(&r);
        return k;
}
