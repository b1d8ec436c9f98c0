/* SPDX-License-Identifier: Apache-2.0 */
/* One run of the pipeline and the stages every driver shares: setting up (root, layout,
 * lock, the host's settings), bringing state in line with the tree, saving state, the release
 * checks, and where an artifact comes from. The stages above (accept.h, tree.h, activate.h)
 * and the drivers (install.c, rollback.c, plan.c) build on it; it calls none of them. */
#pragma once

#include "base/report.h"
#include "checks/existing.h"
#include "fetch/fetch.h"
#include "pipeline/host.h"
#include "pipeline/options.h"
#include "release/release.h"
#include "release/stage.h"
#include "release/state.h"

/* Everything one run holds; released by pdi_run_done() on every path. */
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
        bool opened;         /* root and layout set (pdi_run_open) */
        /* A node this tool did not install (pipeline/adopt.h), and with --adopt its settings
         * as key=value, applied under the flags. */
        struct pdi_existing existing;
        bool adopting;
        char *adopt[24];
        size_t n_adopt;
        struct pdi_diff diff; /* --check, --diff: the rendered files (pipeline/check.h) */
};

/* An empty run writing its results to ctx->out ("changed" false until a stage changes it). */
int pdi_run_init(struct run *r, struct pdi_ctx *ctx, const struct pdi_install_opts *o);
/* The report into the output and, for a failure no stage described, a generic message. */
void pdi_run_end(struct run *r, int k);
void pdi_run_done(struct run *r);
char *pdi_run_join(const char *dir, const char *name);
/* Root and layout (once; later calls do nothing). */
int pdi_run_open(struct run *r);
/* Root, layout, fetch options, the lock (not for --dry-run), the host's settings. */
int pdi_run_setup(struct run *r);
/* Bring the state in line with the tree (the `current` link is the truth). */
int pdi_run_reconcile(struct run *r);
/* Container mode (pipeline/host.h) when asked for or recorded for this tree, then recorded;
 * after the state is loaded and current read. Refused (-PDI_E_POLICY) for a tree that holds
 * a systemd install of this tool: its units would stay behind. */
int pdi_run_container_mode(struct run *r);
int pdi_run_save_state(struct run *r);
/* Sources of one artifact in order (its URL, then its mirrors); with --from only the file of
 * that name in the folder. */
int pdi_run_artifact_urls(struct run *r, const struct pdi_manifest_artifact *a, char ***ret,
                          size_t *ret_n);
/* This manifest was installed before and its release directory exists. */
bool pdi_run_already_installed(struct run *r);
/* Release checks on releases/<dirname>; an error-level finding refuses (-PDI_E_POLICY). */
int pdi_run_check_release(struct run *r, const char *dirname);
