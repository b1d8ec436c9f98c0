/* SPDX-License-Identifier: Apache-2.0 */
/* verify: check a manifest against the trust policy, the schema and the sequence policy
 * without installing anything or writing any state. */
#include "cli/cli.h"
#include "base/log.h"
#include "release/release.h"
#include "release/state.h"
#include "fetch/fetch.h"

#include <errno.h>

enum {
        OPT_MANIFEST = PDI_OPT_OWN,
        OPT_SIGNATURE,
        OPT_TRUSTED_KEY,
        OPT_THRESHOLD,
        OPT_CACERT,
};

struct verify_args {
        const char *manifest;
        char *sigs[PDI_TRUST_MAX_SIGS + 1];
        size_t n_sigs;
        char *keys[PDI_TRUST_MAX_KEYS];
        size_t n_keys;
        unsigned threshold;
        const char *cacert;
};

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct verify_args *a)
{
        static const struct option opts[] = {
            PDI_COMMON_LONGOPTS,
            {"manifest", required_argument, NULL, OPT_MANIFEST},
            {"signature", required_argument, NULL, OPT_SIGNATURE},
            {"trusted-key", required_argument, NULL, OPT_TRUSTED_KEY},
            {"threshold", required_argument, NULL, OPT_THRESHOLD},
            {"cacert", required_argument, NULL, OPT_CACERT},
            {0},
        };
        unsigned long long v;
        int c, r = 0;
        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
                switch (c) {
                case OPT_MANIFEST:
                        a->manifest = optarg;
                        break;
                case OPT_SIGNATURE:
                        if (a->n_sigs >= PDI_TRUST_MAX_SIGS)
                                return pdi_usage(ctx, "verify: at most %d --signature",
                                                 PDI_TRUST_MAX_SIGS);
                        a->sigs[a->n_sigs++] = optarg;
                        break;
                case OPT_TRUSTED_KEY:
                        if (a->n_keys >= PDI_TRUST_MAX_KEYS)
                                return pdi_usage(ctx, "verify: at most %d --trusted-key",
                                                 PDI_TRUST_MAX_KEYS);
                        a->keys[a->n_keys++] = optarg;
                        break;
                case OPT_THRESHOLD:
                        r = pdi_cli_uint(ctx, "--threshold", optarg, PDI_TRUST_MAX_SIGS, &v);
                        if (r == 0 && v == 0)
                                r = pdi_usage(ctx, "--threshold: must be at least 1");
                        a->threshold = (unsigned)v;
                        break;
                case OPT_CACERT:
                        a->cacert = optarg;
                        break;
                default:
                        r = pdi_cli_common(ctx, cmd, c, optarg);
                }
        }
        if (r == 0)
                r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0 && !a->manifest)
                r = pdi_usage(ctx, "verify: --manifest URL|PATH is required");
        return r;
}

static void print_text(const struct pdi_verified *v, const char *path, uint64_t highest)
{
        const struct pdi_manifest *m = v->manifest;
        printf("manifest:   %s (sha256 %s)\n", path, v->manifest_sha256);
        printf("product:    %s\nversion:    %s\n", m->product, m->version);
        if (highest)
                printf("sequence:   %llu (highest accepted so far: %llu)\n",
                       (unsigned long long)m->sequence, (unsigned long long)highest);
        else
                printf("sequence:   %llu (none accepted before)\n",
                       (unsigned long long)m->sequence);
        printf("created:    %s\nexpires:    %s\n", m->created_str, m->expires_str);
        printf("chains:     ");
        for (size_t i = 0; i < m->n_chains; i++)
                printf("%s%s", i ? ", " : "", m->chains[i]);
        printf("%s\n", m->n_chains ? "" : "any");
        for (size_t i = 0; i < v->signers.n_signers; i++)
                printf("signed by:  key %s (%s), trusted comment: %s\n",
                       v->signers.signers[i].keyid, v->signers.signers[i].key_source,
                       v->signers.signers[i].trusted_comment);
        printf("artifacts:\n");
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                printf("  %-26s %-15s %-8s %12llu bytes  sha256 %s\n", pdi_artifact_path(a),
                       pdi_role_name(a->role), pdi_format_name(a->format),
                       (unsigned long long)a->size, a->sha256);
                for (size_t k = 0; k < a->n_files; k++)
                        printf("    - %-24s %12llu bytes  sha256 %s\n", a->files[k].path,
                               (unsigned long long)a->files[k].size, a->files[k].sha256);
        }
}

/* A part jansson could not make fails the command: no signer is ever silently left out. */
static int set_json(struct pdi_ctx *ctx, const struct pdi_verified *v, uint64_t highest,
                    const char *path)
{
        if (json_object_set_new(ctx->out, "release", pdi_verified_to_json(v)) < 0 ||
            json_object_set_new(ctx->out, "highest_accepted_sequence",
                                json_integer((json_int_t)highest)) < 0)
                return pdi_error_set(&ctx->err, -ENOMEM, "manifest %s: out of memory for --json",
                                     path);
        return 0;
}

/* --- a manifest named by URL: fetched as install fetches it ------------------------------ */

/* A signature that is not there (404) only ends the probing of .minisig.N names. */
static int fetch_sig(void *userdata, const char *src, struct pdi_sigtext *ret,
                     struct pdi_error *err)
{
        int k = pdi_fetch_memory(userdata, src, PDI_MINISIGN_FILE_MAX, &ret->text, &ret->len, err);
        if (k == -ENOENT)
                *err = (struct pdi_error){0};
        return k;
}

static int fetch_manifest(const struct pdi_fetch_opts *o, const char *url, char **ret_bytes,
                          size_t *ret_len, struct pdi_error *err)
{
        int k = pdi_fetch_memory(o, url, PDI_MANIFEST_MAX_BYTES, ret_bytes, ret_len, err);
        if (k == -ENOENT) {
                err->msg[0] = '\0'; /* the fetch's "HTTP 404" means this here */
                return pdi_error_set(err, -PDI_E_FAILED, "manifest %s: not found", url);
        }
        if (k == -PDI_E_INTEGRITY) { /* more than the manifest limit */
                k = err->code = -PDI_E_MANIFEST;
                pdi_error_prefix(err, "manifest ");
        }
        return k;
}

static int read_release(const struct verify_args *a, char **ret_bytes, size_t *ret_len,
                        struct pdi_sigtext **ret_sigs, size_t *ret_n, struct pdi_error *err)
{
        if (pdi_url_scheme_length(a->manifest) == 0)
                return pdi_release_read_local(a->manifest, a->sigs, a->n_sigs, ret_bytes, ret_len,
                                              ret_sigs, ret_n, err);
        const struct pdi_fetch_opts o = {.cacert = a->cacert};
        _cleanup_free_ char *bytes = NULL;
        size_t len = 0, n = 0;
        int r = fetch_manifest(&o, a->manifest, &bytes, &len, err);
        if (r < 0)
                return r;
        struct pdi_sigtext *sigs = calloc(PDI_TRUST_MAX_SIGS, sizeof(*sigs));
        if (!sigs)
                return -ENOMEM;
        r = pdi_release_read_sigs(a->manifest, a->sigs, a->n_sigs, fetch_sig, (void *)&o, sigs, &n,
                                  err);
        if (r < 0) {
                pdi_sigtexts_free(sigs, n);
                free(sigs);
                return r;
        }
        *ret_bytes = TAKE_PTR(bytes);
        *ret_len = len;
        *ret_sigs = sigs;
        *ret_n = n;
        return 0;
}

static int verify(struct pdi_ctx *ctx, const struct verify_args *a)
{
        const struct pdi_root *root;
        int r = pdi_ctx_root(ctx, &root);
        if (r < 0)
                return r;
        struct pdi_trust trust;
        r = pdi_trust_load(&trust, root, a->keys, a->n_keys, a->threshold, &ctx->err);
        if (r < 0)
                return r;
        _cleanup_free_ char *bytes = NULL;
        struct pdi_sigtext *sigs = NULL;
        size_t len = 0, n_sigs = 0;
        struct pdi_verified v = {0};
        struct pdi_state st = {0};
        r = read_release(a, &bytes, &len, &sigs, &n_sigs, &ctx->err);
        if (r == 0)
                r = pdi_release_verify(&trust, a->manifest, bytes, len, sigs, n_sigs, time(NULL),
                                       &v, &ctx->err);
        if (r == 0)
                r = pdi_release_check_machine(&v, a->manifest, &ctx->err);
        if (r == 0)
                r = pdi_state_load(root, &st, &ctx->err);
        if (r == 0) {
                uint64_t highest = pdi_state_highest_sequence(&st, v.manifest->product, NULL);
                r = set_json(ctx, &v, highest, a->manifest);
                if (r == 0 && (r = pdi_state_check_sequence(&st, v.manifest, v.manifest_sha256,
                                                            false, &ctx->err)) < 0)
                        pdi_error_prefix(&ctx->err, "manifest %s: ", a->manifest);
                if (!ctx->json)
                        print_text(&v, a->manifest, highest);
        }
        if (r == 0)
                log_notice("manifest %s: verified", a->manifest);
        pdi_state_done(&st);
        pdi_verified_done(&v);
        pdi_sigtexts_free(sigs, n_sigs);
        free(sigs);
        pdi_trust_done(&trust);
        return r;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct verify_args a = {0};
        int r = parse_args(ctx, cmd, argc, argv, &a);
        return r < 0 ? r : verify(ctx, &a);
}

const struct pdi_command pdi_cmd_verify = {
    .name = "verify",
    .summary = "check a release manifest's signatures, schema and sequence",
    .usage = "verify --manifest URL|PATH [--signature URL|PATH]... [--trusted-key FILE]... "
             "[--threshold N] [--cacert FILE]",
    .help = "Checks the signatures over the exact bytes of the manifest against the trust\n"
            "policy, then parses it strictly (schema 1) and compares its sequence with the\n"
            "highest one accepted before. Installs nothing and writes no state.\n\n"
            "Options:\n"
            "  --manifest URL|PATH  the manifest: a file, or an http(s):// or file:// URL that\n"
            "                       is fetched (into memory only) as install fetches it\n"
            "  --signature URL|PATH a signature file (repeatable); default: the manifest's\n"
            "                       .minisig, .minisig.2 … .minisig.8, as many as exist\n"
            "  --trusted-key FILE   trust this minisign public key too (repeatable); keys in\n"
            "                       /etc/polkadot-installer/trusted-keys/*.pub always count\n"
            "  --threshold N        distinct trusted keys that must sign (raises, never\n"
            "                       lowers, /etc/polkadot-installer/trust-threshold; default 1)\n"
            "  --cacert FILE        CA bundle for an https:// manifest instead of the system's\n",
    .examples = "  polkadot-installer verify --manifest manifest.json\n"
                "  polkadot-installer verify --manifest "
                "https://releases.example/polkadot/1.16.0/manifest.json\n"
                "  polkadot-installer verify --manifest m.json --trusted-key release.pub "
                "--json\n"
                "  polkadot-installer verify --manifest m.json --threshold 2\n",
    .run = run,
};
