/* SPDX-License-Identifier: Apache-2.0 */
/* Guided setup: a first install on a terminal asks every setting a flag did not give
 * (cli/prompt.h has the questions), checks the answers that only make sense together (a
 * port used twice, a base path over the release tree) and then the manifest (fetched and
 * verified: not signed by a trusted key, or not for the chain), sending the operator back to
 * the answer at fault, shows the whole plan (what --dry-run prints) and asks once to
 * proceed, customise (the questions again, the answers as defaults) or cancel. It runs
 * before the lock and writes nothing: cancel, Ctrl-C or end of input leave every byte as
 * it was. */
#pragma once

#include "pipeline/options.h"

struct pdi_guided {
        struct pdi_ctx *ctx;
        /* The run's options: a key file named at the prompt joins its keys (and is kept once
         * the manifest verifies); the stages after the setup read them. */
        struct pdi_install_opts *o;
        FILE *in, *out;
        char *key; /* the key file named at the prompt (owned), or NULL */
        /* The manifest the plan shown was made from: the run installs that one or none. */
        char planned_sha256[65];
};

/* The pipeline's ask_settings, userdata a struct pdi_guided: the settings in s (the flags'
 * already set) become the answers; 0 to proceed, -PDI_E_FAILED after cancel, -PDI_E_USAGE at
 * end of input, or the refusal that no answer can change (message in err). */
int pdi_guided_ask(struct pdi_settings *s, void *userdata, struct pdi_error *err);
void pdi_guided_done(struct pdi_guided *g);
