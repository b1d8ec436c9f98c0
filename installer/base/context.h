/* SPDX-License-Identifier: Apache-2.0 */
/* The context one command runs in: the root it works on, how it talks to people and to
 * --json, and the error it ends with. Filled by the command line (cli/), read by every stage
 * below it; it knows nothing of options or commands. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"

#include <jansson.h>

struct pdi_ctx {
        const char *root_path; /* --root, NULL for the host */
        struct pdi_root root;  /* opened by pdi_ctx_root() */
        bool root_open;
        bool json, yes, non_interactive, no_color;
        int verbosity; /* -1 quiet, 0 normal, 1 verbose */
        json_t *out;   /* the --json document; commands add their fields */
        char **argv;   /* the command's argv, for naming a bad option */
        struct pdi_error err;
};

/* -y (take the defaults) or --non-interactive (no defaults for required answers; also
 * without a terminal on stdin): never a prompt. */
static inline bool pdi_ctx_no_prompt(const struct pdi_ctx *ctx)
{
        return ctx->yes || ctx->non_interactive;
}

/* Lazily open --root (or "/"). */
int pdi_ctx_root(struct pdi_ctx *ctx, const struct pdi_root **ret);
