/* SPDX-License-Identifier: Apache-2.0 */
/* What the command line asks of a run: the options install, upgrade, rollback and their
 * --dry-run share. Kept apart from the drivers (install.h, rollback.h, plan.h) so that the
 * stages below them read it without including a driver. */
#pragma once

#include "base/context.h"
#include "host/settings.h"
#include "pipeline/import.h"
#include "release/layout.h"
#include "trust/trust.h"

struct pdi_install_opts {
        const char
            *action; /* "install", "upgrade" or "rollback": names the history entry and lock */
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
        /* dry_run: nothing is written (--dry-run and --check); plan: print the plan as
         * shell commands (--dry-run); check: say what would change (--check,
         * pipeline/check.h); diff: before and after of every rendered file (--diff). */
        bool dry_run, plan, check, diff;
        bool allow_downgrade, allow_product_change, no_start;
        bool force;         /* rollback: to a release that failed its health check */
        bool adopt;         /* take over a node this tool did not install (pipeline/adopt.h) */
        bool remember_keys; /* keep every --trusted-key once the manifest verified */
        bool container;     /* container mode (pipeline/host.h): no systemd, no units */
        char *settings[16]; /* "chain=kusama" …, from the environment, then the flags */
        size_t n_settings;
        size_t n_env_settings; /* the first ones came from POLKADOT_INSTALLER_* (cli/) */
        unsigned settle_s;     /* how long the started unit must stay active */
        const char *to;        /* rollback --to */
        /* --upstream (an import, pipeline/import.h) or --bundle FILE: the command line makes
         * either into a private --from DIR first (cli/install_sources.c). */
        struct pdi_import_opts upstream;
        const char *sign_with, *bundle;
        /* Asks for the settings on a terminal (the command line's guided setup), passed
         * ask_userdata; NULL: never. Called before the lock, nothing written yet. */
        int (*ask_settings)(struct pdi_settings *s, void *userdata, struct pdi_error *err);
        void *ask_userdata;
        FILE *plan_to; /* where --dry-run's plan goes (the guided setup's preview); NULL: stdout */
        /* The manifest (sha256) the guided setup showed the plan of: another one is refused
         * before anything is written. NULL: any that verifies. */
        const char *expect_manifest_sha256;
};
