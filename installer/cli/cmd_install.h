/* SPDX-License-Identifier: Apache-2.0 */
/* The options install, upgrade and rollback share (cmd_install.c): their parser, their
 * help text and the command entry point of install and upgrade. */
#pragma once

#include "cli/cli.h"
#include "pipeline/install.h"

/* Parse the options install and upgrade share (and the common ones). */
int pdi_install_parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc,
                           char **argv, struct pdi_install_opts *o);

/* The command entry point install and upgrade share (cmd->name tells them apart). */
int pdi_install_cmd_run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv);

#define PDI_INSTALL_OPTIONS_HELP                                                                   \
        "  --manifest URL|PATH  the release manifest (https, http, file:// or a path)\n"           \
        "  --from DIR           air-gapped: manifest, signatures and artifacts from DIR (a\n"      \
        "                       USB stick); no network is touched. Artifact files are looked\n"    \
        "                       up in DIR by the last part of their URL\n"                         \
        "  --bundle FILE        offline, from one release bundle ('release bundle'): the\n"        \
        "                       manifest's signatures, sizes and hashes are checked over the\n"    \
        "                       whole file before anything is extracted from it\n"                 \
        "  --upstream URL|DIR   upstream's release as published, verified as 'import' does\n"      \
        "                       (with --openpgp-key, --sign-with and the other import\n"           \
        "                       options; see 'import --help'), then installed from that\n"         \
        "                       signed manifest\n"                                                 \
        "  --signature URL|PATH a signature file (repeatable); default: MANIFEST.minisig,\n"       \
        "                       MANIFEST.minisig.2 … as many as exist\n"                         \
        "  --trusted-key FILE   trust this minisign public key too (repeatable)\n"                 \
        "  --remember-keys      once the manifest verifies, keep every --trusted-key in\n"         \
        "                       /etc/polkadot-installer/trusted-keys/ (as 'trust add' does)\n"     \
        "  --threshold N        distinct trusted keys that must sign (raises, never lowers,\n"     \
        "                       the configured threshold)\n"                                       \
        "  --prefix DIR         release tree (default /opt/polkadot)\n"                            \
        "  --cacert FILE        use this CA bundle instead of the system's for https (TLS\n"       \
        "                       is always verified)\n"                                             \
        "  --keep N             releases to keep, current included (default 3)\n"                  \
        "  --lock-timeout SEC   wait this long for another installer to finish (default 60)\n"     \
        "  --dry-run            print the plan as shell commands; write nothing at all\n"          \
        "  --check              say what would change ('would …' lines; with --json\n"           \
        "                       \"changes\" and \"changed\"); write nothing at all\n"              \
        "  --diff               show every rendered file (config, environment file, units,\n"      \
        "                       slice, sysusers and tmpfiles snippets) before and after: a\n"      \
        "                       unified diff, with --json a \"diff\" list; with --check\n"         \
        "                       nothing is written, without it the run goes ahead\n"               \
        "  --allow-downgrade    accept a manifest with a lower sequence (says so loudly)\n"        \
        "  --allow-product-change  accept a manifest of another product than the installed\n"      \
        "                       release (says so loudly); the highest sequence accepted on\n"      \
        "                       this install still binds\n"                                        \
        "  --no-start           configure and enable the service, but do not start or\n"           \
        "                       restart it\n"                                                      \
        "  --container          container mode, for an image tree (--root): the release, the\n"    \
        "                       users, the base path and the settings, but no unit, slice,\n"      \
        "                       timer, SELinux module or network key, nothing started; kept\n"     \
        "                       for later runs on the tree (INSTALL.md, Docker)\n"                 \
        "  --settle SEC         after a restart the node must stay active this long\n"             \
        "                       (default 5)\n"                                                     \
        "\nSettings (stored in /etc/polkadot-installer/config; they survive upgrades):\n"          \
        "  --chain NAME|PATH    polkadot, kusama, westend, paseo, or a chain-spec file\n"          \
        "  --node-name NAME     the node's name (no blanks)\n"                                     \
        "  --base-path DIR      chain data and keys (default /var/lib/polkadot)\n"                 \
        "  --validator          run as a validator (Secure Validator Mode); makes its network\n"   \
        "                       key BASE/node-key once, never replaces it\n"                       \
        "  --rpc-port N         JSON-RPC port (also used for the health check)\n"                  \
        "  --prometheus-port N  metrics port\n"                                                    \
        "  --telemetry-url 'URL [VERBOSITY]' | --no-telemetry\n"                                   \
        "  --node-args 'ARGS'   anything else for the node, appended as given\n"                   \
        "  --worker-isolation systemd|none\n"                                                      \
        "                       systemd: the PVF workers run as pvf-worker in their own\n"         \
        "                       slice under polkadot-pvf.service (the node executes a\n"           \
        "                       relay); none (default): as the node's user, as upstream\n"         \
        "Values are printable ASCII without quotes, '\\', '$' or '`'; directories absolute\n"      \
        "and plain (no ., .., //), not in a system tree; see the man page for each form.\n"        \
        "Each setting can also come from POLKADOT_INSTALLER_<KEY> (the config key in\n"            \
        "capitals: POLKADOT_INSTALLER_CHAIN, POLKADOT_INSTALLER_NODE_NAME ...), checked the\n"     \
        "same way. Precedence: flag > environment > config file > default.\n"
