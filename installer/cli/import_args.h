/* SPDX-License-Identifier: Apache-2.0 */
/* The options of an upstream import, shared by `import` and `install --upstream`
 * (cmd_import.c, cmd_install.c), and the step both take: the verified release written into
 * a private directory with its manifest signed by the operator's minisign key. */
#pragma once

#include "cli/cli.h"
#include "pipeline/import.h"

enum {
        PDI_OPT_IMPORT = 0x300, /* above every command's own options */
        PDI_OPT_IMPORT_KEY = PDI_OPT_IMPORT,
        PDI_OPT_IMPORT_FPR,
        PDI_OPT_IMPORT_RELEASE_TAG,
        PDI_OPT_IMPORT_DOCKER_TAG,
        PDI_OPT_IMPORT_SEQUENCE,
        PDI_OPT_IMPORT_EXPIRES_IN,
        PDI_OPT_IMPORT_SIGN_WITH,
        PDI_OPT_IMPORT_UPSTREAM,
};

#define PDI_IMPORT_LONGOPTS                                                                        \
        {"upstream", required_argument, NULL, PDI_OPT_IMPORT_UPSTREAM},                            \
            {"openpgp-key", required_argument, NULL, PDI_OPT_IMPORT_KEY},                          \
            {"openpgp-fingerprint", required_argument, NULL, PDI_OPT_IMPORT_FPR},                  \
            {"release-tag", required_argument, NULL, PDI_OPT_IMPORT_RELEASE_TAG},                  \
            {"docker-tag", required_argument, NULL, PDI_OPT_IMPORT_DOCKER_TAG},                    \
            {"sequence", required_argument, NULL, PDI_OPT_IMPORT_SEQUENCE},                        \
            {"expires-in", required_argument, NULL, PDI_OPT_IMPORT_EXPIRES_IN},                    \
        {                                                                                          \
                "sign-with", required_argument, NULL, PDI_OPT_IMPORT_SIGN_WITH                     \
        }

#define PDI_IMPORT_OPTIONS_HELP                                                                    \
        "  --upstream URL|DIR   the release: a URL prefix or a folder holding polkadot,\n"         \
        "                       polkadot-prepare-worker, polkadot-execute-worker, each\n"          \
        "                       with its .asc (and, where published, .sha256)\n"                   \
        "  --openpgp-key FILE   the release key(s), an OpenPGP public key file; only the\n"        \
        "                       pinned fingerprints among them count\n"                            \
        "  --openpgp-fingerprint FPR  pin this key (repeatable; replaces the default pin,\n"       \
        "                       upstream's " PDI_OPENPGP_UPSTREAM_FPR ";\n"                        \
        "                       give it too to keep it)\n"                                         \
        "  --release-tag TAG    upstream's tag (default: the source's last part when it\n"         \
        "                       starts with polkadot-)\n"                                          \
        "  --docker-tag TAG     the Docker image's tag (default: from a stable release\n"          \
        "                       tag, polkadot-stable2603-1 gives stable2603-1)\n"                  \
        "  --sequence N         the manifest's sequence (default: from a stable release\n"         \
        "                       tag, polkadot-stableYYMM-N gives YYMM*1000+N)\n"                   \
        "  --expires-in DAYS    the manifest's expiry (default 90 days)\n"                         \
        "  --sign-with KEY      the operator's minisign secret key (unencrypted, as for\n"         \
        "                       'sign'); its public key must be trusted to install\n"

struct pdi_import_args {
        struct pdi_import_opts o;
        const char *sign_with;
};

/* Option c of the import set: 0 taken, 1 not one of them, <0 usage error. */
int pdi_import_option(struct pdi_ctx *ctx, struct pdi_import_args *a, int c, const char *arg);
/* The options an import needs, named by flag when missing (-PDI_E_USAGE). */
int pdi_import_check(struct pdi_ctx *ctx, const struct pdi_import_args *a);
/* Import into dirfd (dir: its path, empty, private): the three binaries, manifest.json and
 * manifest.json.minisig. ret: the manifest (NULL to drop it). */
int pdi_import_to_dir(struct pdi_ctx *ctx, const struct pdi_import_args *a, int dirfd,
                      const char *dir, struct pdi_manifest **ret);
