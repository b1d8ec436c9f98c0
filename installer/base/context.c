/* SPDX-License-Identifier: Apache-2.0 */
#include "base/context.h"

#include <string.h>

int pdi_ctx_root(struct pdi_ctx *ctx, const struct pdi_root **ret)
{
        if (!ctx->root_open) {
                int r = pdi_root_init(&ctx->root, ctx->root_path ? ctx->root_path : "/");
                if (r < 0)
                        return pdi_error_set(&ctx->err, r, "root %s: %s",
                                             ctx->root_path ? ctx->root_path : "/", strerror(-r));
                ctx->root_open = true;
        }
        *ret = &ctx->root;
        return 0;
}
