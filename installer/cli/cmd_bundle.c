/* SPDX-License-Identifier: Apache-2.0 */
/* release bundle: one file carrying a signed release (fetch/bundle.h), made from a release
 * folder (the manifest, its signatures, the artifacts beside it, found by the last part of
 * their URL as install --from finds them). Each artifact is checked against its signed size
 * and sha256 while it is copied in; the file appears (renamed into place) only when whole. */
#include "cli/cli.h"
#include "base/log.h"
#include "fetch/bundle.h"
#include "release/release.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

enum { OPT_MANIFEST = PDI_OPT_OWN, OPT_SIGNATURE, OPT_OUTPUT };

struct args {
        const char *manifest, *output;
        char *sigs[PDI_TRUST_MAX_SIGS];
        size_t n_sigs;
};

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct args *a)
{
        static const struct option opts[] = {
            PDI_COMMON_LONGOPTS,
            {"manifest", required_argument, NULL, OPT_MANIFEST},
            {"signature", required_argument, NULL, OPT_SIGNATURE},
            {"output", required_argument, NULL, OPT_OUTPUT},
            {0},
        };
        int c, r = 0;
        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
                if (c == OPT_MANIFEST)
                        a->manifest = optarg;
                else if (c == OPT_OUTPUT)
                        a->output = optarg;
                else if (c == OPT_SIGNATURE && a->n_sigs >= PDI_TRUST_MAX_SIGS)
                        r = pdi_usage(ctx, "--signature: at most %d", PDI_TRUST_MAX_SIGS);
                else if (c == OPT_SIGNATURE)
                        a->sigs[a->n_sigs++] = optarg;
                else
                        r = pdi_cli_common(ctx, cmd, c, optarg);
        }
        if (r == 0)
                r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0 && (!a->manifest || !a->output))
                r = pdi_usage(ctx,
                              "release bundle: --manifest PATH and --output FILE are required");
        return r;
}

/* artifact i beside the manifest, by the last part of its URL */
static int open_artifacts(struct pdi_ctx *ctx, const char *manifest, const struct pdi_manifest *m,
                          int *fds)
{
        const char *slash = strrchr(manifest, '/');
        int dlen = slash ? (int)(slash - manifest) : 1;
        const char *dir = slash ? manifest : ".";
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const char *url = m->artifacts[i].url, *last = strrchr(url, '/');
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%.*s/%s", dlen, dir, last ? last + 1 : url) < 0)
                        return -ENOMEM;
                fds[i] = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fds[i] < 0)
                        return pdi_error_set(&ctx->err, -errno, "artifact %s: %s: %s",
                                             m->artifacts[i].name, p, strerror(errno));
        }
        return 0;
}

static int write_bundle(struct pdi_ctx *ctx, const struct args *a, const char *bytes, size_t len,
                        const struct pdi_sigtext *sigs, size_t n_sigs, const struct pdi_manifest *m,
                        const int *fds)
{
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.partial-%ld", a->output, (long)getpid()) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd =
            open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: %s", tmp, strerror(errno));
        int r = pdi_bundle_write(fd, bytes, len, sigs, n_sigs, m, fds, &ctx->err);
        if (r == 0 && (fsync(fd) < 0 || rename(tmp, a->output) < 0))
                r = pdi_error_set(&ctx->err, -errno, "%s: %s", a->output, strerror(errno));
        if (r < 0)
                unlink(tmp);
        return r;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct args a = {.manifest = NULL};
        _cleanup_free_ char *bytes = NULL;
        struct pdi_sigtext *sigs = NULL;
        size_t len = 0, n_sigs = 0;
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = NULL;
        int fds[PDI_MANIFEST_MAX_ARTIFACTS] = {-1, -1, -1};
        int r = parse_args(ctx, cmd, argc, argv, &a);
        if (r == 0)
                r = pdi_release_read_local(a.manifest, a.sigs, a.n_sigs, &bytes, &len, &sigs,
                                           &n_sigs, &ctx->err);
        if (r == 0 && (r = pdi_manifest_parse(bytes, len, time(NULL), &m, &ctx->err)) < 0)
                pdi_error_prefix(&ctx->err, "manifest %s: ", a.manifest);
        if (r == 0)
                r = open_artifacts(ctx, a.manifest, m, fds);
        if (r == 0)
                r = write_bundle(ctx, &a, bytes, len, sigs, n_sigs, m, fds);
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        pdi_sigtexts_free(sigs, n_sigs);
        free(sigs);
        if (r == 0) {
                log_notice("wrote %s: %s %s with %zu signature(s) and %zu artifacts", a.output,
                           m->product, m->version, n_sigs, m->n_artifacts);
                json_object_set_new(ctx->out, "output", json_string(a.output));
                json_object_set_new(ctx->out, "changed", json_true());
        }
        return r;
}

const struct pdi_command pdi_cmd_release_bundle = {
    .name = "release bundle",
    .summary = "pack a signed release into one file for install --bundle",
    .usage = "release bundle --manifest PATH [--signature PATH]... --output FILE",
    .help = "Writes one file holding the manifest, its minisign signatures and every\n"
            "artifact (a tar, described in manifests/README.md), for 'install --bundle FILE'\n"
            "on a machine without network. The artifacts are taken from the manifest's\n"
            "folder by the last part of their URL (as install --from finds them), and each\n"
            "is checked against its signed size and sha256 as it is copied in. Signatures:\n"
            "the given files, else MANIFEST.minisig, .minisig.2 … as many as exist. FILE\n"
            "appears only once complete.\n\n"
            "Options:\n"
            "  --manifest PATH      the signed manifest (its artifacts beside it)\n"
            "  --signature PATH     a signature file (repeatable)\n"
            "  --output FILE        the bundle to write\n",
    .examples = "  polkadot-installer release bundle --manifest release/manifest.json \\\n"
                "      --output polkadot-1.16.0.bundle\n"
                "  polkadot-installer install --bundle /media/usb/polkadot-1.16.0.bundle\n",
    .run = run,
};
