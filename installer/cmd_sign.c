/* PLACEHOLDER: replaced by the real implementation. */
#include "cli.h"

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        (void)argc;
        (void)argv;
        return pdi_error_set(&ctx->err, -PDI_E_FAILED, "%s: not implemented yet", cmd->name);
}

const struct pdi_command pdi_cmd_sign = {
        .name = "sign",
        .summary = "(placeholder)",
        .usage = "sign",
        .help = "",
        .run = run,
};
