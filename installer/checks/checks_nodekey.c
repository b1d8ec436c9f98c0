/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/checks_nodekey.h"
#include "checks/checks_passwd.h"
#include "checks/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#define GENERATE_HINT                                                                              \
        "generate it once as the node's user: polkadot key generate-node-key --file PATH, "        \
        "mode 0600 (polkadot-installer install does)"

static bool has_flag(char *const *args, const char *name)
{
        for (size_t i = 0; args && args[i]; i++)
                if (streq(args[i], name))
                        return true;
        return false;
}

static const char *value_of(char *const *args, const char *name)
{
        const char *v = NULL;
        size_t n = strlen(name);
        for (size_t i = 0; args && args[i]; i++)
                if (streq(args[i], name))
                        v = args[i + 1];
                else if (strncmp(args[i], name, n) == 0 && args[i][n] == '=')
                        v = args[i] + n + 1;
        return v;
}

/* The ids of the built-in chain specs, which name chains/<id>/ in the base path. */
static const char *chain_id(const char *chain)
{
        static const char *const ids[][2] = {{"polkadot", "polkadot"},
                                             {"kusama", "ksmcc3"},
                                             {"westend", "westend2"},
                                             {"paseo", "paseo"},
                                             {"rococo", "rococo_v2_2"}};
        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                if (streq(chain ? chain : "polkadot", ids[i][0]))
                        return ids[i][1];
        return NULL;
}

char *pdi_node_key_location(char *const *args, const char *base_path)
{
        const char *file = value_of(args, "--node-key-file");
        if (file)
                return strdup(file);
        const char *id = chain_id(value_of(args, "--chain"));
        char *p = NULL;
        if (!id || !base_path ||
            asprintf(&p, "%s/chains/%s/network/secret_ed25519", base_path, id) < 0)
                return NULL;
        return p;
}

static void judge_file(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                       const struct stat *st)
{
        struct pdi_user u;
        bool have_user = t->service_user && pdi_user_lookup(t->root, t->service_user, &u) == 0;
        if (!S_ISREG(st->st_mode))
                pdi_check_finding(c, PDI_SEV_ERROR, GENERATE_HINT,
                                  "node key %s is not a regular file", path);
        else if (have_user && (st->st_uid != u.uid))
                pdi_check_finding(c, PDI_SEV_ERROR, "chown it to the node's user",
                                  "node key %s is owned by uid %u, not by %s: the node cannot "
                                  "read it, or another user controls its identity",
                                  path, (unsigned)st->st_uid, t->service_user);
        else if (st->st_mode & 0077)
                pdi_check_finding(c, PDI_SEV_ERROR, "chmod 0600 it",
                                  "node key %s has mode %04o: others (a pvf-worker in the "
                                  "node's group) can read the node's identity",
                                  path, (unsigned)(st->st_mode & 07777));
        if (have_user)
                pdi_user_done(&u);
}

static void judge_key(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                      bool forced)
{
        const char *name;
        struct stat st;
        _cleanup_close_ int dirfd = pdi_root_open_parent(t->root, path, 0, &name);
        int k = dirfd < 0 ? dirfd : fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
        if (k == -EACCES)
                pdi_check_skip(c, "needs root (%s is not readable)", path);
        else if (k == -ENOENT && !forced)
                pdi_check_finding(c, PDI_SEV_ERROR, GENERATE_HINT,
                                  "validator without a network key: %s is missing, the node "
                                  "refuses to start (NetworkKeyNotFound)",
                                  path);
        else if (k < 0 && k != -ENOENT)
                pdi_check_finding(c, PDI_SEV_ERROR, GENERATE_HINT, "node key %s: %s", path,
                                  strerror(-k));
        else if (k == 0)
                judge_file(t, c, path, &st);
}

void pdi_check_node_key_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        char *const *args = t->node_args;
        if (!args) {
                pdi_check_skip(c, "no unit names the node's arguments");
                return;
        }
        bool forced = has_flag(args, "--unsafe-force-node-key-generation");
        if (forced)
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "generate the key once (polkadot key generate-node-key) and "
                                  "remove the flag",
                                  "the node runs with --unsafe-force-node-key-generation: a lost "
                                  "key is silently replaced by a new identity");
        if (!has_flag(args, "--validator") || has_flag(args, "--dev"))
                return;
        if (value_of(args, "--node-key")) {
                pdi_check_finding(c, PDI_SEV_WARN, "keep the key in a file: --node-key-file",
                                  "the node key is on the command line (--node-key): every "
                                  "user can read it in /proc");
                return;
        }
        _cleanup_free_ char *path = pdi_node_key_location(args, t->base_path);
        if (!path)
                pdi_check_skip(c, "where this node keeps its key cannot be told (a "
                                  "chain-spec file, or no base path)");
        else
                judge_key(t, c, path, forced);
}
