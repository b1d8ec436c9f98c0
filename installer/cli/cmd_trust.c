/* SPDX-License-Identifier: Apache-2.0 */
/* trust add FILE | list | remove KEYID: the minisign keys kept in
 * /etc/polkadot-installer/trusted-keys/ (trust/keystore.h), which every later run trusts
 * (rollback, the upgrade timer, the next upgrade) without --trusted-key. */
#include "cli/cli.h"
#include "base/log.h"
#include "trust/keystore.h"
#include "trust/trust.h"

#include <ctype.h>
#include <errno.h>
#include <unistd.h>

/* The common options and at most one positional argument, returned in *ret (NULL: none). */
static int parse(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                 const char **ret)
{
        static const struct option opts[] = {PDI_COMMON_LONGOPTS, {0}};
        int c, r;
        optind = 0;
        while ((c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1)
                if ((r = pdi_cli_common(ctx, cmd, c, optarg)) < 0)
                        return r;
        r = pdi_cli_done(ctx, cmd, argc, argv, ret ? 1 : 0);
        if (r == 0 && ret && optind >= argc)
                return pdi_usage(ctx, "%s: %s is required", cmd->name,
                                 streq(cmd->name, "trust add") ? "FILE" : "KEYID");
        if (r == 0 && ret)
                *ret = argv[optind];
        return r;
}

static json_t *key_json(const struct pdi_kept_key *k)
{
        return json_pack("{s:s,s:s?,s:s,s:b}", "file", k->file, "key_id",
                         k->broken ? NULL : k->keyid, "comment", k->comment, "broken", k->broken);
}

static int list(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const struct pdi_root *root;
        struct pdi_kept_key *v = NULL;
        size_t n = 0;
        int r = parse(ctx, cmd, argc, argv, NULL);
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r == 0)
                r = pdi_keystore_list(root, &v, &n, &ctx->err);
        if (r < 0)
                return r;
        json_t *keys = json_array();
        for (size_t i = 0; i < n; i++) {
                json_array_append_new(keys, key_json(&v[i]));
                if (!ctx->json)
                        printf("%-16s  %s  %s%s\n", v[i].broken ? "(not a key)" : v[i].keyid,
                               v[i].file, v[i].broken ? "error: " : "", v[i].comment);
        }
        json_object_set_new(ctx->out, "keys", keys);
        json_object_set_new(ctx->out, "changed", json_false());
        if (n == 0)
                log_notice("no kept trusted keys in %s: add one with 'trust add FILE'",
                           PDI_TRUST_KEYS_DIR);
        pdi_kept_keys_free(v, n);
        return 0;
}

/* On a terminal (no -y, no --non-interactive) the operator confirms the key id. */
static int confirm_add(struct pdi_ctx *ctx, const struct pdi_kept_key *k, const char *file)
{
        if (pdi_ctx_no_prompt(ctx))
                return 0;
        fprintf(stderr,
                "Trust key %s (%s) from %s to sign Polkadot releases installed here?\n"
                "Compare the id with the one your release signer published. [y/N] ",
                k->keyid, k->comment, file);
        char answer[64] = "";
        if (!fgets(answer, sizeof(answer), stdin))
                answer[0] = '\0';
        answer[strcspn(answer, "\r\n")] = '\0';
        if (streq(answer, "y") || streq(answer, "yes") || streq(answer, "Y"))
                return 0;
        return pdi_error_set(&ctx->err, -PDI_E_FAILED, "trust add %s: not confirmed; nothing kept",
                             file);
}

static int add(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const char *file = NULL;
        const struct pdi_root *root;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct pdi_kept_key k = {0};
        int r = parse(ctx, cmd, argc, argv, &file);
        if (r == 0 && (r = pdi_read_host_file(file, PDI_MINISIGN_FILE_MAX, &text, &len)) < 0)
                return pdi_error_set(&ctx->err, -PDI_E_SIGNATURE, "key %s: %s", file,
                                     pdi_read_strerror(r));
        if (r == 0 && (r = pdi_keystore_describe(text, len, &k, &ctx->err)) < 0)
                pdi_error_prefix(&ctx->err, "key %s: ", file);
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r == 0)
                r = confirm_add(ctx, &k, file);
        if (r == 0)
                r = pdi_keystore_add(root, text, len, file, &ctx->err);
        if (r >= 0) {
                json_object_set_new(ctx->out, "changed", json_boolean(r == 1));
                json_object_set_new(ctx->out, "key_id", json_string(k.keyid));
                log_notice(r == 1 ? "key %s (%s) is now trusted: %s/%s.pub"
                                  : "key %s (%s) was already trusted (%s/%s.pub)",
                           k.keyid, k.comment, PDI_TRUST_KEYS_DIR, k.keyid);
        }
        free(k.comment);
        return r < 0 ? r : 0;
}

static int valid_keyid(const char *s)
{
        return strlen(s) == 16 && strspn(s, "0123456789abcdefABCDEF") == 16;
}

static int remove_key(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const char *id = NULL;
        const struct pdi_root *root;
        int r = parse(ctx, cmd, argc, argv, &id);
        if (r == 0 && !valid_keyid(id))
                return pdi_usage(ctx, "trust remove: KEYID is 16 hex digits (see 'trust list')");
        char upper[17] = "";
        for (size_t i = 0; r == 0 && i < 16; i++)
                upper[i] = (char)toupper((unsigned char)id[i]);
        id = upper;
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r == 0)
                r = pdi_keystore_remove(root, id, &ctx->err);
        if (r == -ENOENT)
                r = ctx->err.code = -PDI_E_FAILED;
        if (r < 0)
                return r;
        json_object_set_new(ctx->out, "changed", json_true());
        log_notice("key %s is no longer trusted (%d file(s) removed)", id, r);
        struct pdi_kept_key *v = NULL;
        size_t n = 0;
        if (pdi_keystore_list(root, &v, &n, &ctx->err) == 0 && n == 0)
                log_warn("no trusted key is kept now: install, upgrade and rollback refuse every "
                         "manifest until you add one");
        pdi_kept_keys_free(v, n);
        return 0;
}

#define TRUST_HELP                                                                                 \
        "Kept keys live in " PDI_TRUST_KEYS_DIR "/KEYID.pub (root, 0644, under\n"                  \
        "--root) and count for every later run (rollback, the upgrade timer) without\n"            \
        "--trusted-key; install --remember-keys keeps the keys it was given. See TRUST\n"          \
        "POLICY in the man page for key rotation.\n"

const struct pdi_command pdi_cmd_trust_add = {
    .name = "trust add",
    .summary = "keep a minisign public key as trusted to sign releases",
    .usage = "trust add FILE",
    .help = "Reads the minisign public key FILE and keeps it. On a terminal it shows the key\n"
            "id and comment and asks first (-y: no question). The same key again changes\n"
            "nothing; another key with the same id is refused (exit 3).\n" TRUST_HELP,
    .examples = "  polkadot-installer trust add release.pub\n"
                "  polkadot-installer trust add --root /srv/image -y release.pub\n",
    .run = add,
};

const struct pdi_command pdi_cmd_trust_list = {
    .name = "trust list",
    .summary = "show the kept trusted keys: id, file, comment",
    .usage = "trust list",
    .help = "One line per kept key: its id, its file and its comment; a file that is not a\n"
            "key is listed with why (every run refuses until it is fixed or removed).\n" TRUST_HELP,
    .examples = "  polkadot-installer trust list\n  polkadot-installer trust list --json\n",
    .run = list,
};

const struct pdi_command pdi_cmd_trust_remove = {
    .name = "trust remove",
    .summary = "stop trusting a kept key",
    .usage = "trust remove KEYID",
    .help = "Removes every kept file of key KEYID (16 hex digits, as 'trust list' shows).\n"
            "A key given on the command line (--trusted-key) is not affected.\n" TRUST_HELP,
    .examples = "  polkadot-installer trust remove F1CA8E39390D546C\n",
    .run = remove_key,
};
