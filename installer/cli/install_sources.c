/* SPDX-License-Identifier: Apache-2.0 */
/* install --upstream and --bundle: a private --from DIR first (install_sources.h). */
#include "cli/install_sources.h"
#include "cli/import_args.h"
#include "fetch/bundle.h"
#include "pipeline/install.h"
#include "release/release.h"
#include "release/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

int pdi_install_import_option(struct pdi_ctx *ctx, struct pdi_install_opts *o, int c,
                              const char *arg)
{
        struct pdi_import_args a = {.o = o->upstream, .sign_with = o->sign_with};
        int r = pdi_import_option(ctx, &a, c, arg);
        o->upstream = a.o;
        o->sign_with = a.sign_with;
        return r > 0 ? pdi_usage(ctx, "unknown option") : r;
}

int pdi_install_check_source(struct pdi_ctx *ctx, const struct pdi_command *cmd,
                             const struct pdi_install_opts *o)
{
        bool upstream = o->upstream.source || o->upstream.key_file || o->sign_with;
        int n = !!o->manifest + !!o->from + !!upstream + !!o->bundle;
        if (streq(cmd->name, "rollback"))
                return upstream || o->bundle
                           ? pdi_usage(ctx, "rollback: uses releases already on disk; "
                                            "--upstream and --bundle are for install and upgrade")
                           : 0;
        if (n == 0)
                return pdi_usage(ctx,
                                 "%s: --manifest URL|PATH, --from DIR, --upstream URL|DIR "
                                 "or --bundle FILE is required",
                                 cmd->name);
        if (n > 1 && (upstream || o->bundle))
                return pdi_usage(ctx, "%s: give one of --manifest/--from, --upstream, --bundle",
                                 cmd->name);
        if (upstream) {
                struct pdi_import_args a = {.o = o->upstream, .sign_with = o->sign_with};
                return pdi_import_check(ctx, &a);
        }
        return 0;
}

/* A private directory for the release: $TMPDIR (or /var/tmp, not a RAM tmpfs: binaries are
 * large)/pdi-SOURCE-XXXXXX, 0700, outside any --root. */
static int make_private_dir(struct pdi_ctx *ctx, const char *what, char *path, size_t n)
{
        const char *tmp = getenv("TMPDIR");
        if (snprintf(path, n, "%s/pdi-%s-XXXXXX", tmp && *tmp ? tmp : "/var/tmp", what) >= (int)n)
                return pdi_error_set(&ctx->err, -ENAMETOOLONG, "TMPDIR: too long");
        if (!mkdtemp(path))
                return pdi_error_set(&ctx->err, -errno, "%s: %s", path, strerror(errno));
        return 0;
}

static void remove_private_dir(const char *path)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = strndup(path, (size_t)(slash - path));
        _cleanup_close_ int pfd =
            parent ? open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (pfd >= 0)
                (void)pdi_rm_rf_at(pfd, slash + 1);
}

static int fill_upstream(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *dir)
{
        struct pdi_import_args a = {.o = o->upstream, .sign_with = o->sign_with};
        a.o.cacert = o->cacert; /* install's --cacert serves the import's downloads too */
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: %s", dir, strerror(errno));
        return pdi_import_to_dir(ctx, &a, dfd, dir, NULL);
}

/* The bundle's manifest, judged as install judges one: the trust policy of the root (its
 * kept keys, --trusted-key, --threshold), the signatures over the exact bytes, the schema,
 * the expiry. Called on each of the two passes (check, then extract). */
struct bundle_check {
        struct pdi_ctx *ctx;
        const struct pdi_install_opts *o;
        struct pdi_trust trust;
        bool loaded;
        struct pdi_verified v;
};

static int verify_bundle_manifest(void *userdata, const char *bytes, size_t len,
                                  const struct pdi_sigtext *sigs, size_t n_sigs,
                                  const struct pdi_manifest **ret, struct pdi_error *err)
{
        struct bundle_check *b = userdata;
        const struct pdi_root *root;
        int r = pdi_ctx_root(b->ctx, &root);
        if (r == 0 && !b->loaded)
                r = pdi_trust_load(&b->trust, root, b->o->keys, b->o->n_keys, b->o->threshold, err);
        b->loaded = b->loaded || r == 0;
        pdi_verified_done(&b->v);
        b->v = (struct pdi_verified){0};
        _cleanup_free_ char *what = NULL;
        if (r == 0 && asprintf(&what, "of bundle %s", b->o->bundle) < 0)
                r = -ENOMEM;
        if (r == 0)
                r = pdi_release_verify(&b->trust, what, bytes, len, sigs, n_sigs, time(NULL), &b->v,
                                       err);
        if (r == 0)
                *ret = b->v.manifest;
        return r;
}

/* Verified whole (dirfd -1: nothing written) before anything is extracted, then extracted
 * into the private directory with every check made again as the bytes stream. */
static int fill_bundle(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *dir)
{
        struct bundle_check b = {.ctx = ctx, .o = o};
        int r = pdi_bundle_read(o->bundle, -1, verify_bundle_manifest, &b, &ctx->err);
        _cleanup_close_ int dfd =
            r == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (r == 0 && dfd < 0)
                r = pdi_error_set(&ctx->err, -errno, "%s: %s", dir, strerror(errno));
        if (r == 0)
                r = pdi_bundle_read(o->bundle, dfd, verify_bundle_manifest, &b, &ctx->err);
        pdi_verified_done(&b.v);
        if (b.loaded)
                pdi_trust_done(&b.trust);
        return r;
}

int pdi_install_from_source(struct pdi_ctx *ctx, struct pdi_install_opts *o)
{
        if (!o->upstream.source && !o->bundle)
                return pdi_install_run(ctx, o);
        char dir[256];
        int r = make_private_dir(ctx, o->bundle ? "bundle" : "upstream", dir, sizeof(dir));
        if (r < 0)
                return r;
        r = o->bundle ? fill_bundle(ctx, o, dir) : fill_upstream(ctx, o, dir);
        if (r == 0) {
                o->from = dir;
                r = pdi_install_run(ctx, o);
                o->from = NULL;
        }
        remove_private_dir(dir);
        return r;
}
