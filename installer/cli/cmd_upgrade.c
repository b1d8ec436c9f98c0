/* SPDX-License-Identifier: Apache-2.0 */
/* upgrade: install a newer release onto an existing install, restart, health-check, and fall
 * back to the running release if the new one fails. */
#include "cli/cmd_install.h"

const struct pdi_command pdi_cmd_upgrade = {
    .name = "upgrade",
    .summary = "move an install to a newer signed release, with health check and fallback",
    .usage = "upgrade --manifest URL|PATH [--from DIR] [--settle SEC] [--allow-downgrade] "
             "[--allow-product-change] [install's options]",
    .help = "Verifies the manifest as install does and refuses one whose sequence is not\n"
            "greater than the highest accepted (unless --allow-downgrade, said loudly),\n"
            "or another product (unless --allow-product-change; the highest sequence\n"
            "accepted on this install still binds). Downloads, stages and checks everything while "
            "the node\n"
            "keeps running; only then switches current and restarts the unit. The unit\n"
            "must become active and stay so for --settle seconds, and with an RPC port\n"
            "configured, system_health must answer on 127.0.0.1. If not, current goes\n"
            "back, the old node is restarted and confirmed healthy, the failed version is\n"
            "recorded, and the exit code is 1 with the reason and the unit's journal.\n"
            "The same manifest again is 'up to date' (exit 0). Offline (--root, no\n"
            "systemd, --no-start) the tree and state switch and the restart is yours.\n"
            "If an earlier run was killed before its health check finished, this run\n"
            "finishes it first (checking the release, or completing the fallback); a\n"
            "fallback found that way ends the run with exit 1.\n\n"
            "Options:\n" PDI_INSTALL_OPTIONS_HELP,
    .examples = "  polkadot-installer upgrade --manifest "
                "https://releases.example/polkadot/1.17.0/manifest.json\n"
                "  polkadot-installer upgrade --from /media/usb/polkadot-1.17.0 --settle 60\n"
                "  polkadot-installer upgrade --manifest m.json --dry-run\n",
    .run = pdi_install_cmd_run,
};
