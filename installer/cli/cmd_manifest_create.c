/* SPDX-License-Identifier: Apache-2.0 */
/* `manifest create`: release tooling. Hashes the three local binaries and writes a schema 1
 * manifest. The text is re-parsed with the installer's own strict parser before it is
 * written, so this command can never produce a manifest that an installer would refuse. */
#include "cli/cli.h"
#include "trust/hash.h"
#include "base/log.h"
#include "trust/manifest.h"
#include "trust/manifest_values.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define MAX_EXPIRES_DAYS 3650

enum {
        OPT_VERSION = PDI_OPT_OWN,
        OPT_SEQUENCE,
        OPT_EXPIRES,
        OPT_EXPIRES_IN,
        OPT_CREATED,
        OPT_PRODUCT,
        OPT_NODE,
        OPT_PREPARE_WORKER,
        OPT_EXECUTE_WORKER,
        OPT_URL_BASE,
        OPT_CHAIN,
        OPT_OUTPUT,
};

struct args {
        const char *version, *expires, *created, *product, *url_base, *output;
        unsigned long long sequence, expires_in;
        bool have_sequence, have_expires_in;
        const char *files[_PDI_ROLE_MAX];
        const char *chains[PDI_MANIFEST_MAX_CHAINS];
        size_t n_chains;
};

static const struct option options[] = {
    PDI_COMMON_LONGOPTS,
    {"version", required_argument, NULL, OPT_VERSION},
    {"sequence", required_argument, NULL, OPT_SEQUENCE},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"expires-in", required_argument, NULL, OPT_EXPIRES_IN},
    {"created", required_argument, NULL, OPT_CREATED},
    {"product", required_argument, NULL, OPT_PRODUCT},
    {"node", required_argument, NULL, OPT_NODE},
    {"prepare-worker", required_argument, NULL, OPT_PREPARE_WORKER},
    {"execute-worker", required_argument, NULL, OPT_EXECUTE_WORKER},
    {"url-base", required_argument, NULL, OPT_URL_BASE},
    {"chain", required_argument, NULL, OPT_CHAIN},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {},
};

static int own_option(struct pdi_ctx *ctx, struct args *a, int c, const char *arg)
{
        switch (c) {
        case OPT_VERSION:
                a->version = arg;
                return 0;
        case OPT_SEQUENCE:
                a->have_sequence = true;
                return pdi_cli_uint(ctx, "--sequence", arg, INT64_MAX, &a->sequence);
        case OPT_EXPIRES:
                a->expires = arg;
                return 0;
        case OPT_EXPIRES_IN:
                a->have_expires_in = true;
                return pdi_cli_uint(ctx, "--expires-in", arg, MAX_EXPIRES_DAYS, &a->expires_in);
        case OPT_CREATED:
                a->created = arg;
                return 0;
        case OPT_PRODUCT:
                a->product = arg;
                return 0;
        case OPT_NODE:
        case OPT_PREPARE_WORKER:
        case OPT_EXECUTE_WORKER:
                a->files[PDI_ROLE_NODE + (c - OPT_NODE)] = arg;
                return 0;
        case OPT_URL_BASE:
                a->url_base = arg;
                return 0;
        case OPT_CHAIN:
                if (a->n_chains >= ELEMENTSOF(a->chains))
                        return pdi_usage(ctx, "--chain: at most %d chains",
                                         PDI_MANIFEST_MAX_CHAINS);
                a->chains[a->n_chains++] = arg;
                return 0;
        case OPT_OUTPUT:
                a->output = arg;
                return 0;
        }
        return 1; /* not ours */
}

static int check_args(struct pdi_ctx *ctx, const struct args *a)
{
        if (!a->version)
                return pdi_usage(ctx, "manifest create: --version is required");
        if (!a->have_sequence)
                return pdi_usage(ctx, "manifest create: --sequence is required");
        if (a->sequence == 0)
                return pdi_usage(ctx, "--sequence: must be 1 or more");
        if (!a->expires == !a->have_expires_in)
                return pdi_usage(ctx, "manifest create: give exactly one of --expires and "
                                      "--expires-in");
        if (a->have_expires_in && a->expires_in == 0)
                return pdi_usage(ctx, "--expires-in: must be 1 day or more");
        for (size_t role = 0; role < _PDI_ROLE_MAX; role++)
                if (!a->files[role])
                        return pdi_usage(ctx, "manifest create: --%s FILE is required",
                                         pdi_role_name(role));
        return 0;
}

static int make_url(const char *base, const char *name, char **ret)
{
        if (!base)
                return (*ret = strdup(name)) ? 0 : -ENOMEM;
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
                n--;
        return asprintf(ret, "%.*s/%s", (int)n, base, name) < 0 ? -ENOMEM : 0;
}

static int check_url_base(struct pdi_ctx *ctx, const char *base)
{
        for (size_t role = 0; base && role < _PDI_ROLE_MAX; role++) {
                _cleanup_free_ char *url = NULL;
                char buf[160];
                if (make_url(base, pdi_role_file(role), &url) < 0)
                        return -ENOMEM;
                const char *why = pdi_manifest_url_problem(url, buf, sizeof(buf));
                if (why)
                        return pdi_usage(ctx, "--url-base '%.64s': %s", base, why);
        }
        return 0;
}

/* The rules of the manifest's own parser, checked on the options before any binary is hashed
 * (which can take a while): a typo is reported at once. dump_checked() stays the judge. */
static int check_values(struct pdi_ctx *ctx, const struct args *a)
{
        if (!pdi_version_valid(a->version))
                return pdi_usage(ctx,
                                 "--version: '%.64s' is not a plain version (MAJOR.MINOR.PATCH "
                                 "with an optional -prerelease)",
                                 a->version);
        if (a->product && !pdi_manifest_product_valid(a->product))
                return pdi_usage(ctx,
                                 "--product: '%.64s' is not a product name (a-z, then up to 63 "
                                 "of a-z 0-9 -)",
                                 a->product);
        for (size_t i = 0; i < a->n_chains; i++) {
                if (!pdi_manifest_chain_valid(a->chains[i]))
                        return pdi_usage(ctx,
                                         "--chain: '%.64s' is not a chain name (1 to 64 of a-z "
                                         "0-9 _ -)",
                                         a->chains[i]);
                for (size_t k = 0; k < i; k++)
                        if (streq(a->chains[k], a->chains[i]))
                                return pdi_usage(ctx, "--chain: '%s' given twice", a->chains[i]);
        }
        return check_url_base(ctx, a->url_base);
}

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct args *a)
{
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, options, NULL)) != -1) {
                int r = own_option(ctx, a, c, optarg);
                if (r > 0)
                        r = pdi_cli_common(ctx, cmd, c, optarg);
                if (r < 0)
                        return r;
        }
        int r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0)
                r = check_args(ctx, a);
        return r < 0 ? r : check_values(ctx, a);
}

static int format_time(time_t t, char **ret)
{
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int set_time(struct pdi_ctx *ctx, const char *opt, const char *arg, time_t fallback,
                    char **ret_str, time_t *ret)
{
        if (!arg) {
                *ret = fallback;
                return format_time(fallback, ret_str);
        }
        if (pdi_rfc3339_parse(arg, ret) < 0)
                return pdi_usage(ctx, "%s: '%s' is not an RFC 3339 time (2027-02-20T10:00:00Z)",
                                 opt, arg);
        *ret_str = strdup(arg);
        return *ret_str ? 0 : -ENOMEM;
}

/* created defaults to now; expires is either given or now + DAYS, and must be later than
 * both (an installer refuses an expired manifest). */
static int set_times(struct pdi_ctx *ctx, const struct args *a, struct pdi_manifest *m)
{
        time_t now = time(NULL);
        int r = set_time(ctx, "--created", a->created, now, &m->created_str, &m->created);
        if (r == 0)
                r = set_time(ctx, "--expires", a->expires, now + (time_t)a->expires_in * 86400,
                             &m->expires_str, &m->expires);
        if (r < 0)
                return r;
        if (m->expires <= now)
                return pdi_usage(ctx, "--expires: %s is not in the future", m->expires_str);
        if (m->created > m->expires)
                return pdi_usage(ctx, "--created: %s is after the expiry %s", m->created_str,
                                 m->expires_str);
        return 0;
}

static int hash_file(struct pdi_ctx *ctx, const char *path, struct pdi_manifest_artifact *art)
{
        const char *opt = pdi_role_name(art->role); /* the option is named after the role */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0)
                return pdi_error_set(&ctx->err, -errno, "--%s %s: %s", opt, path, strerror(errno));
        if (fstat(fd, &st) < 0)
                return pdi_error_set(&ctx->err, -errno, "--%s %s: %s", opt, path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return pdi_error_set(&ctx->err, -PDI_E_FAILED, "--%s %s: not a regular file", opt,
                                     path);
        if (st.st_size == 0 || (uint64_t)st.st_size > PDI_MANIFEST_MAX_SIZE)
                return pdi_error_set(&ctx->err, -PDI_E_FAILED,
                                     "--%s %s: size %lld is outside 1 byte to 4 GiB", opt, path,
                                     (long long)st.st_size);
        int r = pdi_sha256_fd(fd, art->sha256, &art->size);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "--%s %s: reading: %s", opt, path, strerror(-r));
        log_debug("%s: sha256 %s, %llu bytes", path, art->sha256, (unsigned long long)art->size);
        return 0;
}

static int add_artifacts(struct pdi_ctx *ctx, const struct args *a, struct pdi_manifest *m)
{
        m->artifacts = calloc(_PDI_ROLE_MAX, sizeof(*m->artifacts));
        if (!m->artifacts)
                return -ENOMEM;
        for (size_t role = 0; role < _PDI_ROLE_MAX; role++) {
                struct pdi_manifest_artifact *art = &m->artifacts[m->n_artifacts++];
                art->role = (enum pdi_role)role;
                art->format = PDI_FORMAT_BINARY;
                art->name = strdup(pdi_role_file(art->role));
                if (!art->name || make_url(a->url_base, art->name, &art->url) < 0)
                        return -ENOMEM;
                int r = hash_file(ctx, a->files[role], art);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int build(struct pdi_ctx *ctx, const struct args *a, struct pdi_manifest *m)
{
        m->schema = 1;
        m->product = strdup(a->product ? a->product : "polkadot");
        m->version = strdup(a->version);
        m->sequence = a->sequence;
        if (!m->product || !m->version)
                return -ENOMEM;
        int r = set_times(ctx, a, m);
        if (r < 0)
                return r;
        if (a->n_chains > 0 && !(m->chains = calloc(a->n_chains, sizeof(char *))))
                return -ENOMEM;
        for (; m->n_chains < a->n_chains; m->n_chains++)
                if (!(m->chains[m->n_chains] = strdup(a->chains[m->n_chains])))
                        return -ENOMEM;
        return add_artifacts(ctx, a, m);
}

/* The installer's parser is the judge: refuse to emit what it would refuse to read. */
static int dump_checked(struct pdi_ctx *ctx, const struct pdi_manifest *m, char **ret_text,
                        struct pdi_manifest **ret_parsed)
{
        _cleanup_free_ char *text = NULL;
        int r = pdi_manifest_dump(m, &text);
        if (r < 0)
                return r;
        r = pdi_manifest_parse(text, strlen(text), time(NULL), ret_parsed, &ctx->err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* The hashes and sizes are always valid: the options are what is wrong. */
                pdi_error_prefix(&ctx->err, "manifest create: the options give an invalid "
                                            "manifest: ");
                ctx->err.code = -PDI_E_USAGE;
                return -PDI_E_USAGE;
        }
        *ret_text = TAKE_PTR(text);
        return 0;
}

static int write_output(struct pdi_ctx *ctx, const char *path, const char *text)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        const char *base = slash ? slash + 1 : path;
        if (!base[0] || streq(base, ".") || streq(base, ".."))
                return pdi_usage(ctx, "--output: '%s' does not name a file", path);
        _cleanup_close_ int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return pdi_error_set(&ctx->err, -errno, "%s: %s", dir[0] ? dir : "/",
                                     strerror(errno));
        int r = pdi_write_atomic_at(dfd, base, text, strlen(text), 0644);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "%s: writing: %s", path, strerror(-r));
        return 0;
}

static int emit(struct pdi_ctx *ctx, const struct args *a, const char *text,
                const struct pdi_manifest *m)
{
        if (a->output) {
                int r = write_output(ctx, a->output, text);
                if (r < 0)
                        return r;
                log_notice("wrote %s: %s %s, sequence %llu, expires %s", a->output, m->product,
                           m->version, (unsigned long long)m->sequence, m->expires_str);
                json_object_set_new(ctx->out, "output", json_string(a->output));
                json_object_set_new(ctx->out, "changed", json_true());
        } else if (!ctx->json) {
                fputs(text, stdout);
                if (fflush(stdout) != 0)
                        return pdi_error_set(&ctx->err, -EIO, "stdout: write failed");
        }
        json_object_set_new(ctx->out, "manifest", pdi_manifest_to_json(m));
        return 0;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct args a = {};
        int r = parse_args(ctx, cmd, argc, argv, &a);
        if (r < 0)
                return r;
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = calloc(1, sizeof(*m));
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *parsed = NULL;
        _cleanup_free_ char *text = NULL;
        if (!m)
                return -ENOMEM;
        r = build(ctx, &a, m);
        if (r >= 0)
                r = dump_checked(ctx, m, &text, &parsed);
        if (r >= 0)
                r = emit(ctx, &a, text, parsed);
        return r;
}

const struct pdi_command pdi_cmd_manifest_create = {
    .name = "manifest create",
    .summary = "write a release manifest for three local binaries",
    .usage = "manifest create --version V --sequence N (--expires TIME | --expires-in DAYS)\n"
             "       --node FILE --prepare-worker FILE --execute-worker FILE\n"
             "       [--url-base URL] [--chain NAME]... [--created TIME] [--product NAME]\n"
             "       [--output FILE]",
    .help = "Hashes (SHA-256) and measures the node and its two PVF workers and writes a\n"
            "schema 1 release manifest (see manifests/README.md). Each binary becomes an\n"
            "artifact of format \"binary\" named after the file the node looks for. The\n"
            "options are checked by the manifest's rules before any binary is hashed, and\n"
            "the result with the installer's own parser before it is written, so an\n"
            "invalid manifest is never produced. Sign it afterwards with 'sign'.\n"
            "\n"
            "Options:\n"
            "  --version V            the version exactly as the binaries print it\n"
            "                         (MAJOR.MINOR.PATCH[-prerelease], e.g. 1.16.0)\n"
            "  --sequence N           release sequence number, 1 or more; must be higher\n"
            "                         than any sequence you signed before\n"
            "  --expires TIME         RFC 3339 expiry, e.g. 2027-02-20T10:00:00Z\n"
            "  --expires-in DAYS      expiry DAYS (1 to 3650) days from now\n"
            "  --created TIME         RFC 3339 creation time (default: now)\n"
            "  --product NAME         product name (default: polkadot)\n"
            "  --node FILE            the polkadot binary\n"
            "  --prepare-worker FILE  the polkadot-prepare-worker binary\n"
            "  --execute-worker FILE  the polkadot-execute-worker binary\n"
            "  --url-base URL         artifact URLs become URL/<name> (https://, http://,\n"
            "                         file:// or relative); default: the bare name, which\n"
            "                         installers resolve against the manifest's own URL\n"
            "  --chain NAME           only for this chain (repeatable; default: every chain)\n"
            "  --output FILE          write here (atomically) instead of stdout\n",
    .examples = "  polkadot-installer manifest create --version 1.16.0 --sequence 42 \\\n"
                "      --expires-in 90 --node target/release/polkadot \\\n"
                "      --prepare-worker target/release/polkadot-prepare-worker \\\n"
                "      --execute-worker target/release/polkadot-execute-worker \\\n"
                "      --output release/manifest.json\n"
                "  polkadot-installer manifest create --version 1.16.0-rc1 --sequence 43 \\\n"
                "      --expires 2027-02-20T10:00:00Z --chain westend \\\n"
                "      --url-base https://releases.example/1.16.0-rc1 --node polkadot \\\n"
                "      --prepare-worker polkadot-prepare-worker \\\n"
                "      --execute-worker polkadot-execute-worker > manifest.json\n",
    .run = run,
};
