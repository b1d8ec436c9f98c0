/* SPDX-License-Identifier: Apache-2.0 */
/* import: an official upstream release, verified by its OpenPGP signatures against pinned
 * fingerprints, written as a release folder (the binaries, manifest.json and its minisign
 * signature by the operator's key) that `install --from DIR` takes. The folder appears only
 * once everything verified: the work happens in a private sibling directory, renamed into
 * place at the end and removed on any failure. */
#include "cli/import_args.h"
#include "base/log.h"
#include "release/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

enum { OPT_OUTPUT = PDI_OPT_OWN, OPT_CACERT };

static const struct option options[] = {
    PDI_COMMON_LONGOPTS,
    PDI_IMPORT_LONGOPTS,
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {0},
};

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct pdi_import_args *a, const char **output)
{
        int c, r = 0;
        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, options, NULL)) != -1) {
                if (c == OPT_OUTPUT || c == OPT_CACERT) {
                        *(c == OPT_OUTPUT ? output : &a->o.cacert) = optarg;
                        continue;
                }
                r = pdi_import_option(ctx, a, c, optarg);
                if (r > 0)
                        r = pdi_cli_common(ctx, cmd, c, optarg);
        }
        if (r == 0)
                r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0)
                r = pdi_import_check(ctx, a);
        if (r == 0 && !*output)
                r = pdi_usage(ctx, "import: --output DIR is required");
        return r;
}

/* The parent of output, opened, and the name in it; output must not exist yet. */
static int open_parent(struct pdi_ctx *ctx, const char *output, int *ret_fd, const char **ret_name)
{
        const char *slash = strrchr(output, '/');
        _cleanup_free_ char *parent =
            slash ? strndup(output, (size_t)(slash - output)) : strdup(".");
        const char *name = slash ? slash + 1 : output;
        struct stat st;
        if (!parent)
                return -ENOMEM;
        if (!name[0] || streq(name, ".") || streq(name, ".."))
                return pdi_usage(ctx, "--output: '%s' does not name a directory", output);
        int fd = open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: %s", parent, strerror(errno));
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
                close(fd);
                return pdi_usage(ctx, "--output: %s exists already", output);
        }
        *ret_fd = fd;
        *ret_name = name;
        return 0;
}

static int import_into(struct pdi_ctx *ctx, const struct pdi_import_args *a, int pfd,
                       const char *tmp, const char *output, const char *name)
{
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = NULL;
        _cleanup_close_ int dfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: %s", tmp, strerror(errno));
        int r = pdi_import_to_dir(ctx, a, dfd, output, &m);
        if (r == 0 && (fchmod(dfd, 0755) < 0 || fsync(dfd) < 0 ||
                       renameat2(pfd, tmp, pfd, name, RENAME_NOREPLACE) < 0 || fsync(pfd) < 0))
                r = pdi_error_set(&ctx->err, -errno, "%s: %s", output, strerror(errno));
        if (r == 0) {
                json_object_set_new(ctx->out, "output", json_string(output));
                json_object_set_new(ctx->out, "manifest", pdi_manifest_to_json(m));
                json_object_set_new(ctx->out, "changed", json_true());
                log_notice("wrote %s: install it with 'polkadot-installer install --from %s'",
                           output, output);
        }
        return r;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct pdi_import_args a = {.sign_with = NULL};
        const char *output = NULL, *name = NULL;
        int r = parse_args(ctx, cmd, argc, argv, &a, &output);
        _cleanup_close_ int pfd = -1;
        if (r == 0)
                r = open_parent(ctx, output, &pfd, &name);
        if (r < 0)
                return r;
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".pdi-import-%ld", (long)getpid());
        if (mkdirat(pfd, tmp, 0700) < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: making a private directory: %s",
                                     output, strerror(errno));
        r = import_into(ctx, &a, pfd, tmp, output, name);
        if (r < 0)
                (void)pdi_rm_rf_at(pfd, tmp);
        return r;
}

const struct pdi_command pdi_cmd_import = {
    .name = "import",
    .summary = "verify an official upstream release (OpenPGP) and make a signed manifest",
    .usage = "import --upstream URL|DIR --openpgp-key FILE [--openpgp-fingerprint FPR]...\n"
             "       --sign-with KEY --output DIR [--release-tag TAG] [--docker-tag TAG]\n"
             "       [--sequence N] [--expires-in DAYS] [--cacert FILE]",
    .help = "Takes upstream's release as published (each binary with its OpenPGP .asc and,\n"
            "where published, .sha256) and verifies every binary against a pinned key\n"
            "fingerprint, never against any key of a keyring: gpg (through GPGME) runs on a\n"
            "private keyring made for this run and removed after it, holding only the keys\n"
            "of --openpgp-key. Each signature must be good, by the pinned key or a subkey of\n"
            "it, neither expired nor revoked, and over exactly that file; a .sha256 must\n"
            "agree. The three binaries are then run confined with --version (as audit runs\n"
            "them) and must print one version. The result, written to DIR only when all of\n"
            "this passed: the binaries, manifest.json (schema 1 with release_tag and\n"
            "docker_tag) and manifest.json.minisig signed with --sign-with. A refused\n"
            "release exits 3 and writes nothing.\n\n"
            "Options:\n" PDI_IMPORT_OPTIONS_HELP
            "  --output DIR         the release folder to write (must not exist)\n"
            "  --cacert FILE        this CA bundle instead of the system's for https\n",
    .examples = "  polkadot-installer import --upstream "
                "https://github.com/paritytech/polkadot-sdk/releases/download/"
                "polkadot-stable2603-1 \\\n"
                "      --openpgp-key release-key.asc --sign-with ops.key --output "
                "/srv/polkadot-stable2603-1\n",
    .run = run,
};
