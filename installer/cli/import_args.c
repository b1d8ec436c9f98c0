/* SPDX-License-Identifier: Apache-2.0 */
/* Options and the signed result of an upstream import (import_args.h). */
#include "cli/import_args.h"
#include "base/fsroot.h"
#include "base/log.h"
#include "trust/minisign.h"

#include <errno.h>

int pdi_import_option(struct pdi_ctx *ctx, struct pdi_import_args *a, int c, const char *arg)
{
        unsigned long long v = 0;
        int r;
        switch (c) {
        case PDI_OPT_IMPORT_UPSTREAM:
                a->o.source = arg;
                return 0;
        case PDI_OPT_IMPORT_KEY:
                a->o.key_file = arg;
                return 0;
        case PDI_OPT_IMPORT_FPR:
                if (a->o.n_pins >= PDI_OPENPGP_MAX_PINS)
                        return pdi_usage(ctx, "--openpgp-fingerprint: at most %d",
                                         PDI_OPENPGP_MAX_PINS);
                char fpr[PDI_OPENPGP_FPR_MAX + 1];
                if (!pdi_openpgp_fpr_normalize(arg, fpr))
                        return pdi_usage(ctx,
                                         "--openpgp-fingerprint: '%.80s' is not a "
                                         "fingerprint (40 or 64 hex digits)",
                                         arg);
                a->o.pins[a->o.n_pins++] = (char *)arg;
                return 0;
        case PDI_OPT_IMPORT_RELEASE_TAG:
                a->o.release_tag = arg;
                return pdi_release_tag_valid(arg) ? 0
                                                  : pdi_usage(ctx,
                                                              "--release-tag: '%.80s' is "
                                                              "not a tag",
                                                              arg);
        case PDI_OPT_IMPORT_DOCKER_TAG:
                a->o.docker_tag = arg;
                return pdi_docker_tag_valid(arg) ? 0
                                                 : pdi_usage(ctx,
                                                             "--docker-tag: '%.80s' is not "
                                                             "a Docker tag",
                                                             arg);
        case PDI_OPT_IMPORT_SEQUENCE:
                r = pdi_cli_uint(ctx, "--sequence", arg, INT64_MAX, &v);
                a->o.sequence = v;
                return r == 0 && v == 0 ? pdi_usage(ctx, "--sequence: must be 1 or more") : r;
        case PDI_OPT_IMPORT_EXPIRES_IN:
                r = pdi_cli_uint(ctx, "--expires-in", arg, 3650, &v);
                a->o.expires_in_days = (unsigned)v;
                return r == 0 && v == 0 ? pdi_usage(ctx, "--expires-in: 1 day or more") : r;
        case PDI_OPT_IMPORT_SIGN_WITH:
                a->sign_with = arg;
                return 0;
        }
        return 1;
}

int pdi_import_check(struct pdi_ctx *ctx, const struct pdi_import_args *a)
{
        if (!a->o.source)
                return pdi_usage(ctx, "--upstream URL|DIR is required");
        if (!a->o.key_file)
                return pdi_usage(ctx, "--upstream: --openpgp-key FILE is required (the release "
                                      "key; the fingerprint pin decides)");
        if (!a->sign_with)
                return pdi_usage(ctx, "--upstream: --sign-with KEY is required (your minisign "
                                      "secret key signs the manifest)");
        return 0;
}

static void seckey_wipep(struct pdi_minisign_seckey *sk)
{
        pdi_minisign_seckey_wipe(sk);
}

static int load_seckey(struct pdi_ctx *ctx, const char *path, struct pdi_minisign_seckey *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = pdi_read_host_file(path, PDI_MINISIGN_FILE_MAX, &text, &len);
        if (r < 0)
                return pdi_error_set(
                    &ctx->err, r == -EFBIG ? -PDI_E_SIGNATURE : r, "secret key %s: %s", path,
                    r == -EFBIG ? "too large for a minisign key" : pdi_read_strerror(r));
        r = pdi_minisign_seckey_parse(text, len, ret, &ctx->err);
        pdi_wipe(text, len);
        if (r < 0)
                pdi_error_prefix(&ctx->err, "%s: ", path);
        return r;
}

/* Checked before anything is downloaded: a key that cannot sign fails at once. */
static int sign_manifest(struct pdi_ctx *ctx, const struct pdi_minisign_seckey *sk, int dirfd,
                         const char *dir, const char *text, const struct pdi_manifest *m)
{
        _cleanup_free_ char *tc = NULL, *sig = NULL;
        if (asprintf(&tc, "timestamp:%lld\tfile:manifest.json\thashed\timport:%s",
                     (long long)time(NULL),
                     m->names.release_tag[0] ? m->names.release_tag : m->version) < 0)
                return -ENOMEM;
        int r = pdi_minisign_sign(sk, text, strlen(text), "signed by polkadot-installer import", tc,
                                  &sig, &ctx->err);
        if (r == 0)
                r = pdi_write_atomic_at(dirfd, "manifest.json", text, strlen(text), 0644);
        if (r == 0)
                r = pdi_write_atomic_at(dirfd, "manifest.json.minisig", sig, strlen(sig), 0644);
        if (r < 0 && !ctx->err.msg[0])
                pdi_error_set(&ctx->err, r, "%s: writing the manifest: %s", dir, strerror(-r));
        return r;
}

int pdi_import_to_dir(struct pdi_ctx *ctx, const struct pdi_import_args *a, int dirfd,
                      const char *dir, struct pdi_manifest **ret)
{
        _cleanup_(seckey_wipep) struct pdi_minisign_seckey sk = {.keyid = {0}};
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = NULL;
        _cleanup_free_ char *text = NULL;
        int r = load_seckey(ctx, a->sign_with, &sk);
        if (r == 0)
                r = pdi_import_release(&a->o, dirfd, dir, &m, &text, &ctx->err);
        if (r == 0)
                r = sign_manifest(ctx, &sk, dirfd, dir, text, m);
        if (r < 0)
                return r;
        char id[17];
        pdi_minisign_keyid_str(sk.keyid, id);
        log_notice("imported %s%s%s%s%s: the binaries print %s; manifest sequence %llu signed "
                   "with minisign key %s",
                   m->names.release_tag[0] ? m->names.release_tag : a->o.source,
                   m->names.docker_tag[0] ? " (Docker tag " : "", m->names.docker_tag,
                   m->names.docker_tag[0] ? ")" : "", "", m->version,
                   (unsigned long long)m->sequence, id);
        if (ret)
                *ret = TAKE_PTR(m);
        return 0;
}
