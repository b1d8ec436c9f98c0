/* SPDX-License-Identifier: Apache-2.0 */
#include "host/nodekey.h"
#include "base/child.h"
#include "base/confine.h"
#include "base/encoding.h"
#include "host/users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TMP_NAME ".node-key.new"

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int pdi_node_key_parse(const char *out, uint8_t ret[PDI_NODE_KEY_LEN])
{
        const char *s = out + strspn(out, " \t\r\n");
        size_t n = strspn(s, "0123456789abcdefABCDEF");
        if (n != 2 * PDI_NODE_KEY_LEN || s[n + strspn(s + n, " \t\r\n")] != '\0')
                return -EBADMSG;
        for (size_t i = 0; i < PDI_NODE_KEY_LEN; i++)
                ret[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
        return 0;
}

static void generate_child(void *arg)
{
        pdi_confine_exec(arg);
}

/* The peer id generate-node-key writes to stderr, if it looks like one (base58). */
static void peer_id(const char *err, char *buf, size_t n)
{
        static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const char *s = err + strspn(err, " \t\r\n");
        size_t len = strspn(s, b58);
        buf[0] = '\0';
        if (len >= 32 && len < n && s[len + strspn(s + len, " \t\r\n")] == '\0')
                snprintf(buf, n, "%.*s", (int)len, s);
}

static int generate(const struct pdi_root *r, const char *exe, uint8_t key[PDI_NODE_KEY_LEN],
                    char *peer, size_t peer_n, struct pdi_error *err)
{
        _cleanup_close_ int fd = pdi_root_open(r, exe, O_PATH, 0);
        if (fd < 0)
                return pdi_error_set(err, fd, "%s: %s", exe, pdi_strerror(fd));
        char *argv[] = {(char *)"polkadot", (char *)"key", (char *)"generate-node-key", NULL};
        char *envp[] = {NULL};
        struct pdi_confine c = {.exe_fd = fd, .argv = argv, .envp = envp};
        struct pdi_child_out o;
        int k = pdi_child_run(generate_child, &c, PDI_NODE_KEY_TIMEOUT_MS, &o);
        if (k < 0)
                return pdi_error_set(err, k, "%s key generate-node-key: %s", exe, pdi_strerror(k));
        char why[300];
        pdi_child_describe(&o, PDI_NODE_KEY_TIMEOUT_MS, why, sizeof(why));
        if (!pdi_child_ok(&o))
                k = pdi_error_set(err, -PDI_E_FAILED, "%s key generate-node-key: %s%s%.120s", exe,
                                  why, *o.err ? ": " : "", o.err);
        else if (pdi_node_key_parse(o.out, key) < 0)
                k = pdi_error_set(err, -PDI_E_FAILED,
                                  "%s key generate-node-key: its output is not a key (64 hex "
                                  "digits)",
                                  exe);
        else
                peer_id(o.err, peer, peer_n);
        pdi_wipe(o.out, sizeof(o.out));
        return k;
}

/* TMP_NAME, written whole and synced, then renamed to name only if name is still free. */
static int write_key(int dirfd, const char *name, const uint8_t key[PDI_NODE_KEY_LEN], uid_t uid,
                     gid_t gid)
{
        char hex[2 * PDI_NODE_KEY_LEN + 1];
        (void)unlinkat(dirfd, TMP_NAME, 0); /* a killed run's leftover, never the key */
        _cleanup_close_ int fd =
            openat(dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        pdi_hex_encode(key, PDI_NODE_KEY_LEN, hex);
        /* As generate-node-key --file writes it: the hex digits, no newline (the node reads a
         * 64-byte file as hex, anything else as the raw secret). */
        int k = fchown(fd, uid, gid) < 0 || fchmod(fd, 0600) < 0 ? -errno : 0;
        if (k == 0)
                k = pdi_write_all(fd, hex, strlen(hex));
        pdi_wipe(hex, sizeof(hex));
        if (k == 0 && fsync(fd) < 0)
                k = -errno;
        if (k == 0 && renameat2(dirfd, TMP_NAME, dirfd, name, RENAME_NOREPLACE) < 0)
                k = -errno;
        if (k == 0 && fsync(dirfd) < 0)
                k = -errno;
        if (k < 0)
                (void)unlinkat(dirfd, TMP_NAME, 0);
        return k;
}

/* An existing key is the node's identity: kept, whatever its owner or mode. */
static int keep_existing(const char *path, const struct stat *st, uid_t uid, gid_t gid,
                         struct pdi_report *rep, struct pdi_error *err)
{
        if (!S_ISREG(st->st_mode))
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "node key %s: not a regular file; refusing to replace it "
                                     "(move it away and run again)",
                                     path);
        if (st->st_uid != uid || st->st_gid != gid || (st->st_mode & 0077))
                pdi_report_warn(rep,
                                "node key %s: owner %u:%u mode %04o, expected the node's user "
                                "and 0600; kept as it is (chown and chmod 0600 it by hand)",
                                path, (unsigned)st->st_uid, (unsigned)st->st_gid,
                                (unsigned)(st->st_mode & 07777));
        return 0;
}

static int ensure_at(const struct pdi_root *r, const struct pdi_layout *l, const char *path,
                     const char *node_exe, struct pdi_report *rep, struct pdi_error *err)
{
        struct pdi_user u;
        int k = pdi_user_lookup(r, l->user, &u);
        if (k < 0)
                return pdi_error_set(err, k, "node key %s: user %s: %s", path, l->user,
                                     pdi_strerror(k));
        uid_t uid = u.uid;
        gid_t gid = u.gid;
        pdi_user_done(&u);
        const char *name;
        _cleanup_close_ int dirfd = pdi_root_open_parent(r, path, 0, &name);
        if (dirfd < 0)
                return pdi_error_set(err, dirfd, "node key %s: %s", path, pdi_strerror(dirfd));
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return keep_existing(path, &st, uid, gid, rep, err);
        if (errno != ENOENT)
                return pdi_error_set(err, -errno, "node key %s: %s", path, pdi_strerror(-errno));
        uint8_t key[PDI_NODE_KEY_LEN];
        char peer[64];
        k = generate(r, node_exe, key, peer, sizeof(peer), err);
        if (k == 0 && (k = write_key(dirfd, name, key, uid, gid)) < 0)
                pdi_error_set(err, k, "node key %s: %s", path, pdi_strerror(k));
        pdi_wipe(key, sizeof(key));
        if (k == 0)
                pdi_report_action(rep,
                                  "generated the node key %s with %s key generate-node-key%s%s",
                                  path, node_exe, *peer ? ", peer id " : "", peer);
        return k;
}

int pdi_node_key_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                        const struct pdi_settings *s, const char *node_exe, struct pdi_report *rep,
                        struct pdi_error *err)
{
        _cleanup_free_ char *path = NULL;
        int k = pdi_settings_node_key(s, &path);
        if (k <= 0)
                return k;
        return ensure_at(r, l, path, node_exe, rep, err);
}
