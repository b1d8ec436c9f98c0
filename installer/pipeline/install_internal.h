/* Internals shared by the install pipeline (install.c), its dry-run plan (install_plan.c)
 * and upgrade/rollback (upgrade.c). Not an API: one run's state and its steps. */
#pragma once

#include "fetch/fetch.h"
#include "pipeline/host.h"
#include "pipeline/install.h"
#include "release/release.h"
#include "base/report.h"
#include "release/stage.h"
#include "release/state.h"

/* Everything one run holds; released by run_done() on every path. */
struct run {
        struct pdi_ctx *ctx;
        const struct pdi_install_opts *o;
        const struct pdi_root *root;
        struct pdi_layout layout;
        struct pdi_fetch_opts fetch;
        int lock_fd, cache_fd;
        char *manifest_src;
        char *bytes;
        size_t len;
        struct pdi_sigtext *sigs;
        size_t n_sigs;
        struct pdi_trust trust;
        bool trust_loaded;
        struct pdi_verified v;
        struct pdi_state state;
        char *tree_current; /* what `current` points at when we start */
        int *fds;           /* per artifact, from the cache */
        json_t *out;
        struct pdi_host host;
        bool host_ready;
        struct pdi_report report;
        bool restart_needed; /* the running node is not the release `current` names */
};

char *pdi_run_join(const char *dir, const char *name);
void pdi_run_done(struct run *r);
/* Root, layout, fetch options, the lock (not for --dry-run), the host's settings. */
int pdi_run_setup(struct run *r);
int pdi_run_reconcile(struct run *r);
int pdi_run_save_state(struct run *r);
int pdi_run_prune(struct run *r, const char *current, const char *previous);
int pdi_run_artifact_urls(struct run *r, const struct pdi_manifest_artifact *a, char ***ret,
                          size_t *ret_n);
bool pdi_run_already_installed(struct run *r);
/* Release checks on releases/<dirname>; an error-level finding refuses (-PDI_E_POLICY). */
int pdi_run_check_release(struct run *r, const char *dirname);
int pdi_run_dry_run(struct run *r);
/* Before `current` moves from `from` (NULL: nothing installed) to `to`: record the switch
 * in the state (the caller saves it before the rename), so that a run killed anywhere after
 * it is finished by the next one. Only live runs that will health-check keep a record. */
int pdi_run_begin_switch(struct run *r, const char *from, const char *to);
/* After `current` moved from `from` to `to` (or to restart `to` in place, from NULL): start
 * the node (restart it unless restart is false and it is already active) and health-check
 * it; if that fails and the switch was recorded, switch back to its `from`, start it,
 * confirm it healthy, record the failure (exit 1). Offline: say how to start it. */
int pdi_run_start_or_fall_back(struct run *r, const char *from, const char *to, bool restart);
/* A switch that a killed run left unfinished (the state's `pending`): health-check the
 * release it had switched to (falling back if it fails), finish a fallback under way, or
 * forget a switch that never happened. Runs right after pdi_run_reconcile; a fallback ends
 * the run with -PDI_E_FAILED. */
int pdi_run_resume_pending(struct run *r);
/* Live: note when the running node is not the release `current` names (restart_needed). */
void pdi_run_check_running(struct run *r);
