/* SPDX-License-Identifier: Apache-2.0 */
/* sign: a detached minisign signature (prehashed "ED") over a release manifest, made with an
 * unencrypted secret key from `keygen` or `minisign -G -W`. The result is byte-for-byte what
 * `minisign -S` writes, so `minisign -Vm` checks it. */
#include "cli/cli.h"
#include "base/encoding.h"
#include "base/log.h"
#include "trust/manifest.h"
#include "trust/minisign.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>

enum {
        OPT_KEY = PDI_OPT_OWN,
        OPT_TRUSTED_COMMENT,
        OPT_COMMENT,
        OPT_OUTPUT,
};

struct sign_args {
        const char *key, *trusted_comment, *comment, *output, *manifest;
};

static void seckey_wipep(struct pdi_minisign_seckey *sk)
{
        pdi_minisign_seckey_wipe(sk);
}

/* The paths go into --json and the default trusted comment, which must be UTF-8 (verify
 * refuses a trusted comment that is not). */
static int check_utf8(struct pdi_ctx *ctx, const struct sign_args *a)
{
        size_t bad;
        if (!pdi_utf8_valid(a->manifest, &bad))
                return pdi_usage(ctx, "sign: the manifest path is not valid UTF-8 (byte %zu)", bad);
        if (a->output && !pdi_utf8_valid(a->output, &bad))
                return pdi_usage(ctx, "sign: the --output path is not valid UTF-8 (byte %zu)", bad);
        return 0;
}

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct sign_args *a)
{
        static const struct option opts[] = {
            PDI_COMMON_LONGOPTS,
            {"key", required_argument, NULL, OPT_KEY},
            {"trusted-comment", required_argument, NULL, OPT_TRUSTED_COMMENT},
            {"comment", required_argument, NULL, OPT_COMMENT},
            {"output", required_argument, NULL, OPT_OUTPUT},
            {},
        };
        int c, r;
        optind = 0;
        while ((c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
                if (c == OPT_KEY)
                        a->key = optarg;
                else if (c == OPT_TRUSTED_COMMENT)
                        a->trusted_comment = optarg;
                else if (c == OPT_COMMENT)
                        a->comment = optarg;
                else if (c == OPT_OUTPUT)
                        a->output = optarg;
                else if ((r = pdi_cli_common(ctx, cmd, c, optarg)) < 0)
                        return r;
        }
        r = pdi_cli_done(ctx, cmd, argc, argv, 1);
        if (r < 0)
                return r;
        if (!a->key)
                return pdi_usage(ctx, "sign: --key SECRET is required");
        if (optind >= argc)
                return pdi_usage(ctx, "sign: which file? Give the manifest to sign");
        a->manifest = argv[optind];
        return check_utf8(ctx, a);
}

static int load_seckey(struct pdi_ctx *ctx, const char *path, struct pdi_minisign_seckey *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = pdi_read_host_file(path, PDI_MINISIGN_FILE_MAX, &text, &len);
        if (r == -EFBIG)
                return pdi_error_set(&ctx->err, -PDI_E_SIGNATURE,
                                     "secret key %s: larger than %d bytes, not a minisign key",
                                     path, PDI_MINISIGN_FILE_MAX);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "secret key %s: %s", path, pdi_read_strerror(r));
        r = pdi_minisign_seckey_parse(text, len, ret, &ctx->err);
        pdi_wipe(text, len);
        if (r < 0)
                pdi_error_prefix(&ctx->err, "%s: ", path);
        return r;
}

/* minisign's default, including the "hashed" marker of a prehashed signature. */
static char *default_trusted_comment(const char *file)
{
        const char *slash = strrchr(file, '/');
        char *s = NULL;
        if (asprintf(&s, "timestamp:%lld\tfile:%s\thashed", (long long)time(NULL),
                     slash ? slash + 1 : file) < 0)
                return NULL;
        return s;
}

static int write_sig(struct pdi_ctx *ctx, const char *path, const char *text)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        _cleanup_close_ int dirfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = dirfd < 0 ? -errno : 0;
        if (r == 0)
                r = pdi_write_atomic_at(dirfd, slash ? slash + 1 : path, text, strlen(text), 0644);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "%s: cannot write: %s", path, strerror(-r));
        return 0;
}

static int make_signature(struct pdi_ctx *ctx, const struct sign_args *a, const char *tc,
                          char **ret_text, char *ret_id)
{
        _cleanup_(seckey_wipep) struct pdi_minisign_seckey sk = {.keyid = {0}};
        int r = load_seckey(ctx, a->key, &sk);
        if (r < 0)
                return r;
        _cleanup_free_ char *msg = NULL;
        size_t len = 0;
        r = pdi_read_host_file(a->manifest, PDI_MANIFEST_MAX_BYTES, &msg, &len);
        if (r == -EFBIG)
                return pdi_error_set(&ctx->err, r, "%s: larger than a manifest may be (%d bytes)",
                                     a->manifest, PDI_MANIFEST_MAX_BYTES);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "%s: %s", a->manifest, pdi_read_strerror(r));
        r = pdi_minisign_sign(&sk, msg, len, a->comment, tc, ret_text, &ctx->err);
        if (r == -EINVAL) { /* a comment sign cannot use: too long, not one line, not UTF-8 */
                pdi_error_prefix(&ctx->err, "sign: ");
                ctx->err.code = -PDI_E_USAGE;
                return -PDI_E_USAGE;
        }
        if (r < 0)
                return r;
        pdi_minisign_keyid_str(sk.keyid, ret_id);
        return 0;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct sign_args a = {.key = NULL};
        int r = parse_args(ctx, cmd, argc, argv, &a);
        if (r < 0)
                return r;
        _cleanup_free_ char *deftc = NULL, *defout = NULL, *text = NULL;
        if (!a.trusted_comment &&
            !(a.trusted_comment = deftc = default_trusted_comment(a.manifest)))
                return -ENOMEM;
        if (!a.output && asprintf(&defout, "%s.minisig", a.manifest) < 0)
                return -ENOMEM;
        const char *out = a.output ? a.output : defout;

        char id[17];
        r = make_signature(ctx, &a, a.trusted_comment, &text, id);
        if (r < 0)
                return r;
        /* Made before the file is written, so a failure leaves nothing changed. Every value is
         * UTF-8 (checked above), so NULL is out of memory. */
        json_auto_t *doc = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "changed", 1,
                                     "signature_file", out, "file", a.manifest, "key_id", id,
                                     "algorithm", "ED", "trusted_comment", a.trusted_comment);
        if (!doc)
                return pdi_error_set(&ctx->err, -ENOMEM, "sign: out of memory for --json");
        r = write_sig(ctx, out, text);
        if (r < 0)
                return r;
        if (json_object_update(ctx->out, doc) < 0)
                return pdi_error_set(&ctx->err, -ENOMEM, "sign: out of memory for --json");
        log_notice("Signed %s with key %s: %s", a.manifest, id, out);
        return 0;
}

const struct pdi_command pdi_cmd_sign = {
    .name = "sign",
    .summary = "Sign a release manifest (minisign format)",
    .usage = "sign --key SECRET [--trusted-comment TEXT] [--comment TEXT] [--output FILE] "
             "MANIFEST",
    .help =
        "Writes a detached minisign signature of MANIFEST, prehashed (\"ED\": Ed25519 over\n"
        "BLAKE2b-512 of the file), to MANIFEST.minisig, replacing it if present. The\n"
        "result is what 'minisign -S' writes; 'minisign -Vm MANIFEST -p PUBLIC' checks\n"
        "it. The secret key must be unencrypted (from 'keygen' or 'minisign -G -W'); for\n"
        "a password-protected key use 'minisign -S -s KEY -m MANIFEST' instead.\n"
        "\n"
        "Options:\n"
        "  --key SECRET            the secret key file\n"
        "  --trusted-comment TEXT  signed comment, one line of UTF-8 (default, like\n"
        "                          minisign: \"timestamp:<unix time>\\tfile:<name>\\thashed\")\n"
        "  --comment TEXT          untrusted comment, one line\n"
        "  --output FILE           write the signature here instead\n",
    .examples = "  polkadot-installer sign --key /media/key/release.key manifest.json\n"
                "  polkadot-installer sign --key k.key --trusted-comment 'polkadot 1.16.0' "
                "--output m.sig manifest.json\n",
    .run = run,
};
