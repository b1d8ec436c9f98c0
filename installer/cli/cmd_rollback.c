/* SPDX-License-Identifier: Apache-2.0 */
/* rollback: back to the previous (or a named) kept release, verified again first. */
#include "cli/cmd_install.h"
#include "pipeline/rollback.h"

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct pdi_install_opts o = {0};
        int r = pdi_install_parse_args(ctx, cmd, argc, argv, &o);
        if (r == 0 && (o.manifest || o.from))
                r = pdi_usage(ctx, "rollback: uses releases already on disk; --manifest and "
                                   "--from are for install and upgrade");
        if (r == 0)
                r = pdi_rollback_run(ctx, &o, o.to);
        for (size_t i = 0; i < o.n_settings; i++)
                free(o.settings[i]);
        return r;
}

const struct pdi_command pdi_cmd_rollback = {
    .name = "rollback",
    .summary = "switch back to the previous or a named kept release",
    .usage = "rollback [--to VERSION] [--force] [--settle SEC] [--no-start] [--dry-run] "
             "[--check] [--diff]",
    .help = "Verifies the kept release again first (its stored manifest's signatures with\n"
            "today's trusted keys, then every file's hash, owner and mode, then the\n"
            "release checks), switches current to it, restarts the unit and\n"
            "health-checks it as upgrade does, falling back if it fails. Allowed although\n"
            "its sequence is lower: it was accepted before. A lower sequence from the\n"
            "network is never accepted by upgrade.\n\n"
            "Options:\n"
            "  --to VERSION         the release to go back to (default: the previous one)\n"
            "  --force              go back to a release that failed its health check\n"
            "                       (refused without it, exit 3, naming the failure)\n"
            "  --settle SEC         how long the node must stay active (default 5)\n"
            "  --no-start           switch only; restart the node yourself\n"
            "  --dry-run            print the steps; change nothing\n"
            "  --check              say what would change; change nothing (see install)\n"
            "  --diff               the rendered files before and after (see install)\n"
            "  --trusted-key FILE   trust this key too when re-verifying\n"
            "  --prefix DIR         release tree (default /opt/polkadot)\n",
    .examples = "  polkadot-installer rollback\n"
                "  polkadot-installer rollback --to 1.15.2\n"
                "  polkadot-installer rollback --root /srv/image --no-start --json\n",
    .run = run,
};
