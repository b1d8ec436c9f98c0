/* SPDX-License-Identifier: Apache-2.0 */
/* keygen: a new minisign key pair for signing release manifests. The secret key is written
 * unencrypted (like minisign -G -W), mode 0600, never over an existing file or through a
 * symlink unless --force; the public key is what operators pass as --trusted-key. */
#include "cli/cli.h"
#include "base/log.h"
#include "trust/minisign.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

enum {
        OPT_PUBLIC = PDI_OPT_OWN,
        OPT_SECRET,
        OPT_COMMENT,
        OPT_FORCE,
};

struct keygen_args {
        const char *public_path, *secret_path, *comment;
        bool force;
};

static void freep_wipe_str(char **p)
{
        if (*p) {
                pdi_wipe(*p, strlen(*p));
                free(*p);
        }
}

/* An fd on path's directory (for fsync and *at calls) and the last component. */
static int open_parent(const char *path, int *ret_dirfd, const char **ret_base)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        const char *base = slash ? slash + 1 : path;
        if (!*base)
                return -EISDIR;
        int fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_dirfd = fd;
        *ret_base = base;
        return 0;
}

/* A new file only: O_EXCL|O_NOFOLLOW, so an existing file or a planted symlink is refused. */
static int write_new_at(int dirfd, const char *name, const char *data, mode_t mode)
{
        _cleanup_close_ int fd =
            openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        int r = pdi_write_all(fd, data, strlen(data));
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dirfd, name, 0);
        return r;
}

static int write_key(struct pdi_ctx *ctx, const char *path, const char *data, mode_t mode,
                     bool force)
{
        _cleanup_close_ int dirfd = -1;
        const char *base = NULL;
        int r = open_parent(path, &dirfd, &base);
        if (r == 0)
                r = force ? pdi_write_atomic_at(dirfd, base, data, strlen(data), mode)
                          : write_new_at(dirfd, base, data, mode);
        if (r == 0 && !force && fsync(dirfd) < 0)
                r = -errno;
        if (r == -EEXIST)
                return pdi_error_set(&ctx->err, -PDI_E_FAILED,
                                     "%s already exists; keygen never overwrites a key unless "
                                     "--force is given",
                                     path);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "%s: cannot write: %s", path, strerror(-r));
        return 0;
}

static int refuse_existing(struct pdi_ctx *ctx, const char *path)
{
        struct stat st;
        if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return pdi_error_set(&ctx->err, -PDI_E_FAILED,
                                     "%s already exists; keygen never overwrites a key unless "
                                     "--force is given",
                                     path);
        return 0;
}

static int parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                      struct keygen_args *a)
{
        static const struct option opts[] = {
            PDI_COMMON_LONGOPTS,
            {"public", required_argument, NULL, OPT_PUBLIC},
            {"secret", required_argument, NULL, OPT_SECRET},
            {"comment", required_argument, NULL, OPT_COMMENT},
            {"force", no_argument, NULL, OPT_FORCE},
            {},
        };
        int c, r;
        optind = 0;
        while ((c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
                if (c == OPT_PUBLIC)
                        a->public_path = optarg;
                else if (c == OPT_SECRET)
                        a->secret_path = optarg;
                else if (c == OPT_COMMENT)
                        a->comment = optarg;
                else if (c == OPT_FORCE)
                        a->force = true;
                else if ((r = pdi_cli_common(ctx, cmd, c, optarg)) < 0)
                        return r;
        }
        r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r < 0)
                return r;
        if (!a->public_path || !a->secret_path)
                return pdi_usage(ctx, "keygen: --public FILE and --secret FILE are both required");
        if (streq(a->public_path, a->secret_path))
                return pdi_usage(ctx, "keygen: --public and --secret name the same file");
        return 0;
}

static int format_keys(struct pdi_ctx *ctx, const struct keygen_args *a,
                       struct pdi_minisign_pubkey *pk, char **ret_pub, char **ret_sec)
{
        struct pdi_minisign_seckey sk;
        int r = pdi_minisign_keygen(&sk, pk);
        if (r < 0)
                return pdi_error_set(&ctx->err, r, "keygen: OpenSSL could not make an Ed25519 key");
        r = pdi_minisign_seckey_format(&sk, a->comment, ret_sec);
        pdi_minisign_seckey_wipe(&sk);
        if (r == -EINVAL)
                return pdi_usage(ctx, "keygen: --comment must be one line of at most 1003 bytes");
        if (r < 0)
                return r;
        return pdi_minisign_pubkey_format(pk, NULL, ret_pub);
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct keygen_args a = {.force = false};
        int r = parse_args(ctx, cmd, argc, argv, &a);
        if (r < 0)
                return r;
        if (!a.force && ((r = refuse_existing(ctx, a.public_path)) < 0 ||
                         (r = refuse_existing(ctx, a.secret_path)) < 0))
                return r;

        struct pdi_minisign_pubkey pk;
        _cleanup_(freep_wipe_str) char *sec_text = NULL;
        _cleanup_free_ char *pub_text = NULL;
        r = format_keys(ctx, &a, &pk, &pub_text, &sec_text);
        if (r < 0)
                return r;
        r = write_key(ctx, a.secret_path, sec_text, 0600, a.force);
        if (r < 0)
                return r;
        r = write_key(ctx, a.public_path, pub_text, 0644, a.force);
        if (r < 0) {
                /* No orphaned secret key without its public half. */
                if (!a.force)
                        (void)unlink(a.secret_path);
                return r;
        }

        char id[17];
        pdi_minisign_keyid_str(pk.keyid, id);
        const char *b64 = strchr(pub_text, '\n') + 1;
        json_object_set_new(ctx->out, "changed", json_true());
        json_object_set_new(ctx->out, "key_id", json_string(id));
        json_object_set_new(ctx->out, "public_key_file", json_string(a.public_path));
        json_object_set_new(ctx->out, "secret_key_file", json_string(a.secret_path));
        json_object_set_new(ctx->out, "public_key", json_stringn(b64, strcspn(b64, "\n")));
        log_notice("Key %s: secret key %s (unencrypted, mode 0600: keep it offline), public key "
                   "%s.",
                   id, a.secret_path, a.public_path);
        if (!ctx->json)
                printf("%s\n", id);
        return 0;
}

const struct pdi_command pdi_cmd_keygen = {
    .name = "keygen",
    .summary = "Create a minisign key pair for signing release manifests",
    .usage = "keygen --public FILE --secret FILE [--comment TEXT] [--force]",
    .help = "Writes a new Ed25519 key pair in minisign's format and prints its key id.\n"
            "The secret key is not encrypted (like 'minisign -G -W'): keep it offline, on an\n"
            "encrypted disk or token. It is created with mode 0600 and, unless --force,\n"
            "never over an existing file or through a symlink. The public key (mode 0644)\n"
            "is what operators pass as --trusted-key. Both files work with the stock\n"
            "minisign: 'minisign -S -s SECRET' signs and 'minisign -V -p PUBLIC' verifies.\n"
            "\n"
            "Options:\n"
            "  --public FILE       where to write the public key\n"
            "  --secret FILE       where to write the secret key (mode 0600)\n"
            "  --comment TEXT      untrusted comment of the secret key file (one line)\n"
            "  --force             replace existing key files\n",
    .examples = "  polkadot-installer keygen --public release.pub --secret /media/key/release.key\n"
                "  polkadot-installer keygen --json --public k.pub --secret k.key\n",
    .run = run,
};
