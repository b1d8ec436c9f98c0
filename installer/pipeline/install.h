/* The install pipeline shared by `install` and (later) `upgrade`: fetch and verify the
 * manifest, bring every artifact into the cache, stage releases/<version>, record it, switch
 * `current`, prune. Every step is ordered so that a SIGKILL at any point leaves either the
 * previous or the new release fully active, and the next run finishes or cleans up. */
#pragma once

#include "base/context.h"
#include "host/settings.h"
#include "release/layout.h"
#include "trust/trust.h"

struct pdi_install_opts {
        const char *action; /* "install" or "upgrade": names the history entry and lock */
        const char *manifest;
        const char *from;
        char *sigs[PDI_TRUST_MAX_SIGS];
        size_t n_sigs;
        char *keys[PDI_TRUST_MAX_KEYS];
        size_t n_keys;
        unsigned threshold;
        const char *prefix;
        const char *cacert;
        unsigned lock_timeout_s;
        unsigned keep;
        bool dry_run, allow_downgrade, no_start;
        char *settings[16]; /* "chain=kusama" …, from the settings flags */
        size_t n_settings;
        unsigned settle_s; /* how long the started unit must stay active */
        const char *to;    /* rollback --to */
        /* Asks for the settings on a terminal (the command line's prompt); NULL: never. */
        int (*ask_settings)(struct pdi_settings *s, struct pdi_error *err);
};

int pdi_install_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o);
/* Switch back to a kept release (`to`, or the previous one), verified again first. */
int pdi_rollback_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *to);
