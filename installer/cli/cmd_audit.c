/* audit: judge what is installed, whoever installed it (this tool, Parity's Debian package,
 * a hand install, the Docker layout). Read-only; exit 4 when an error-level finding exists. */
#include "checks/checks.h"
#include "cli/cli.h"
#include "base/log.h"

#include <errno.h>

static int report(struct pdi_ctx *ctx, const struct pdi_audit *a, const struct pdi_target *t,
                  const char *prom)
{
        if (ctx->json) {
                json_t *doc = pdi_audit_to_json(a, t);
                if (!doc)
                        return -ENOMEM;
                json_object_update(ctx->out, doc);
                json_decref(doc);
        } else
                pdi_audit_print(a, t, stdout);
        int r = prom ? pdi_audit_write_prometheus(a, t, prom, &ctx->err) : 0;
        if (r < 0)
                return r;
        unsigned n, warnings;
        pdi_audit_count(a, &n, &warnings);
        if (n)
                return pdi_error_set(&ctx->err, -PDI_E_FINDINGS, "audit: %u error-level finding%s",
                                     n, n == 1 ? "" : "s");
        return 0;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const char *prom = NULL;
        const struct pdi_cli_opt opts[] = {{"prometheus", &prom, NULL}};
        int r = pdi_cli_parse(ctx, cmd, argc, argv, opts, ELEMENTSOF(opts));
        const struct pdi_root *root;
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r < 0)
                return r;
        struct pdi_target t;
        r = pdi_target_discover(root, &t, &ctx->err);
        if (r < 0) {
                pdi_error_prefix(&ctx->err, "audit: ");
                return r;
        }
        if (geteuid() != 0)
                log_warn("not running as root: checks that need root are skipped");
        struct pdi_audit a;
        r = pdi_audit_run(&t, PDI_SCOPE_ALL, &a);
        if (r == 0) {
                r = report(ctx, &a, &t, prom);
                pdi_audit_done(&a);
        }
        pdi_target_done(&t);
        return r;
}

const struct pdi_command pdi_cmd_audit = {
    .name = "audit",
    .summary = "judge an installed node: versions, integrity, permissions, ELF, unit, host",
    .usage = "audit [--prometheus FILE]",
    .help = "Finds the node the way systemd and the node do (the unit's ExecStart, else "
            "PATH; the\n"
            "workers by the node's own search order), for installs made by this tool, "
            "Parity's\n"
            "Debian package, a hand install or the Docker layout, and runs every check. "
            "Changes\n"
            "nothing. Checks that need root say \"skipped: needs root\" otherwise.\n\n"
            "Options:\n"
            "  --prometheus FILE    also write a node_exporter textfile (atomically)\n\n"
            "Exit status 4 when an error-level finding exists.\n",
    .examples = "  polkadot-installer audit\n"
                "  polkadot-installer audit --json | jq '.checks[] | select(.status == "
                "\"error\")'\n"
                "  polkadot-installer audit --prometheus "
                "/var/lib/node_exporter/textfile/polkadot.prom\n"
                "  polkadot-installer audit --root /srv/image\n",
    .run = run,
};
