/* SPDX-License-Identifier: Apache-2.0 */
/* Who may do what to the install tree: every file of it and every parent directory up to /
 * owned by root and not group/other-writable, nothing writable by the service users, the
 * node's keys not readable by pvf-worker, the base path not root's. */
#include "checks/checks_perms.h"
#include "checks/checks_passwd.h"
#include "checks/paths.h"
#include "release/layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static int add_with_parents(char ***v, size_t *n, const char *path)
{
        _cleanup_free_ char *p = strdup(path);
        int k = p ? pdi_strv_add_unique(v, n, strdup(p)) : -ENOMEM;
        while (k >= 0 && !streq(p, "/")) {
                char *slash = strrchr(p, '/');
                if (!slash)
                        break;
                slash[slash == p] = '\0';
                k = pdi_strv_add_unique(v, n, strdup(p));
        }
        return k < 0 ? k : 0;
}

static int tree(const struct pdi_target *t, char ***ret, size_t *ret_n)
{
        char **files = NULL, **v = NULL;
        size_t nf = 0, n = 0;
        int k = pdi_target_files(t, &files, &nf);
        for (size_t i = 0; k == 0 && i < nf; i++) {
                _cleanup_free_ char *real = NULL;
                k = add_with_parents(&v, &n, files[i]);
                if (k == 0 && pdi_root_realpath(t->root, files[i], &real) == 0)
                        k = add_with_parents(&v, &n, real);
        }
        pdi_strv_free(files, nf);
        if (k < 0) {
                pdi_strv_free(v, n);
                return k;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int stat_flags_in_root(const struct pdi_target *t, const char *path, int flags,
                              struct stat *st)
{
        _cleanup_close_ int fd = pdi_root_open(t->root, path, O_PATH | flags, 0);
        if (fd < 0)
                return fd;
        return fstat(fd, st) < 0 ? -errno : 0;
}

static int lstat_in_root(const struct pdi_target *t, const char *path, struct stat *st)
{
        return stat_flags_in_root(t, path, O_NOFOLLOW, st);
}

/* What a symlink names, as the node reaching the path through it sees it. */
static int stat_in_root(const struct pdi_target *t, const char *path, struct stat *st)
{
        return stat_flags_in_root(t, path, 0, st);
}

typedef void (*tree_fn)(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                        const struct stat *st, void *userdata);

static void tree_walk(const struct pdi_target *t, struct pdi_check_ctx *c, tree_fn fn,
                      void *userdata)
{
        char **v = NULL;
        size_t n = 0;
        if (tree(t, &v, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                int k = lstat_in_root(t, v[i], &st);
                if (k == -EACCES)
                        pdi_check_finding(c, PDI_SEV_INFO, NULL, "%s: cannot inspect: %s", v[i],
                                          strerror(-k));
                if (k == 0 && !S_ISLNK(st.st_mode))
                        fn(t, c, v[i], &st, userdata);
        }
        pdi_strv_free(v, n);
}

static void owner_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                      const struct stat *st, void *userdata)
{
        (void)t, (void)userdata;
        char why[160] = "";
        size_t n = 0;
        if (st->st_uid != 0)
                n += (size_t)snprintf(why + n, sizeof(why) - n, ", owned by uid %u, not root",
                                      (unsigned)st->st_uid);
        if (st->st_mode & 022)
                n += (size_t)snprintf(why + n, sizeof(why) - n, ", %s-writable",
                                      (st->st_mode & 022) == 022 ? "group- and other"
                                      : (st->st_mode & 002)      ? "other"
                                                                 : "group");
        if (S_ISREG(st->st_mode) && (st->st_mode & 06000))
                snprintf(why + n, sizeof(why) - n, ", set%cid", (st->st_mode & 04000) ? 'u' : 'g');
        if (*why)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "chown root:root and chmod go-w,u-s,g-s: whoever may change "
                                  "it may run code as the node",
                                  "%s (mode %04o)%s", path, (unsigned)(st->st_mode & 07777), why);
}

void pdi_check_ownership_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        tree_walk(t, c, owner_one, NULL);
}

/* As the kernel decides: the owner class if u owns it, else the group class if u is in the
 * group, else other (so an other-writable path is named here too, with who can change it). */
static void writable_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                         const struct stat *st, void *userdata)
{
        const struct pdi_user *users = userdata;
        (void)t;
        for (size_t i = 0; i < 2; i++) {
                const struct pdi_user *u = &users[i];
                if (u->name && pdi_user_may(u, st->st_uid, st->st_gid, st->st_mode, 2))
                        pdi_check_finding(c, PDI_SEV_ERROR,
                                          "chown root:root and chmod go-w: the node and its "
                                          "workers must not be able to change what runs",
                                          "%s is writable by %s", path, u->name);
        }
}

void pdi_check_writable_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct pdi_user users[2] = {0};
        if (t->service_user)
                (void)pdi_user_lookup(t->root, t->service_user, &users[0]);
        if (t->worker_user)
                (void)pdi_user_lookup(t->root, t->worker_user, &users[1]);
        if (!users[0].name && !users[1].name)
                pdi_check_skip(c, "no service user (polkadot, pvf-worker) in this root");
        else
                tree_walk(t, c, writable_one, users);
        pdi_user_done(&users[0]);
        pdi_user_done(&users[1]);
}

/* ---- exec-path: the node user reaches and runs the binaries ------------------------------ */

/* The node's user as the kernel will judge it; on a first install (ours, the user not made
 * yet) a new user in no group but its own new one: only the "other" bits count for it. */
static bool exec_user(const struct pdi_target *t, struct pdi_user *u, const char **ret_name)
{
        *ret_name = t->service_user ?: "polkadot";
        if (t->service_user && pdi_user_lookup(t->root, t->service_user, u) == 0)
                return true;
        *u = (struct pdi_user){.uid = (uid_t)-2, .gid = (gid_t)-2};
        return !t->service_user && streq(t->kind, "polkadot-installer");
}

/* The first directory of resolved (a path without links, as pdi_root_realpath gives it),
 * from / down, that u cannot search: 1 with *ret_dir and *ret_st, 0 if u can search them all,
 * -errno with *ret_dir when a component cannot be inspected. A component that is not a
 * directory blocks too (its stat in *ret_st). */
static int first_blocking_dir(const struct pdi_target *t, const struct pdi_user *u,
                              const char *resolved, char **ret_dir, struct stat *ret_st)
{
        _cleanup_free_ char *p = strdup(resolved);
        if (!p)
                return -ENOMEM;
        for (char *slash = p; (slash = strchr(slash, '/')); slash++) {
                char keep = slash[slash == p]; /* "/" itself, then "/usr", "/usr/local" … */
                slash[slash == p] = '\0';
                int k = lstat_in_root(t, p, ret_st);
                if (k < 0 || !S_ISDIR(ret_st->st_mode) ||
                    !pdi_user_may(u, ret_st->st_uid, ret_st->st_gid, ret_st->st_mode, 1)) {
                        *ret_dir = strdup(p);
                        return *ret_dir ? (k < 0 ? k : 1) : -ENOMEM;
                }
                slash[slash == p] = keep;
        }
        return 0;
}

/* A blocking directory is named once per run, however many binaries lie below it. */
static void exec_blocked(struct pdi_check_ctx *c, const char *name, const char *dir,
                         const struct stat *st, const char *bin, char ***seen, size_t *n_seen)
{
        for (size_t i = 0; i < *n_seen; i++)
                if (streq((*seen)[i], dir))
                        return;
        (void)pdi_strv_add_unique(seen, n_seen, strdup(dir));
        pdi_check_finding(c, PDI_SEV_ERROR,
                          "chmod o+x (or a group of the node user) on every directory up to /",
                          "%s (mode %04o, uid %u, gid %u) is not searchable by %s: the node "
                          "cannot reach %s",
                          dir, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
                          (unsigned)st->st_gid, name, bin);
}

static void exec_one(const struct pdi_target *t, struct pdi_check_ctx *c, const struct pdi_user *u,
                     const char *name, const char *bin, char ***seen, size_t *n_seen)
{
        _cleanup_free_ char *p = NULL, *dir = NULL;
        struct stat st, dst;
        if (pdi_root_realpath(t->root, bin, &p) < 0 || lstat_in_root(t, p, &st) < 0)
                return; /* not there: the version and elf checks say so */
        int k = first_blocking_dir(t, u, p, &dir, &dst);
        if (k > 0)
                exec_blocked(c, name, dir, &dst, bin, seen, n_seen);
        if (k != 0)
                return; /* blocked above, or a component that cannot be inspected */
        if (!pdi_user_may(u, st.st_uid, st.st_gid, st.st_mode, 4) ||
            !pdi_user_may(u, st.st_uid, st.st_gid, st.st_mode, 1))
                pdi_check_finding(c, PDI_SEV_ERROR, "chmod 0755 the node and its workers",
                                  "%s cannot read and execute %s (mode %04o, uid %u, gid %u)", name,
                                  p, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                                  (unsigned)st.st_gid);
}

void pdi_check_exec_path_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct pdi_user u;
        const char *name;
        if (!exec_user(t, &u, &name)) {
                pdi_check_skip(c, "no service user (%s) in this root: the node runs as root", name);
                return;
        }
        static const char *const workers[] = {"polkadot-prepare-worker", "polkadot-execute-worker"};
        char **seen = NULL;
        size_t n_seen = 0;
        if (t->node)
                exec_one(t, c, &u, name, t->node, &seen, &n_seen);
        for (size_t i = 0; t->worker_dir && i < ELEMENTSOF(workers); i++) {
                _cleanup_free_ char *w = pdi_path_join(t->worker_dir, workers[i]);
                if (w)
                        exec_one(t, c, &u, name, w, &seen, &n_seen);
        }
        pdi_strv_free(seen, n_seen);
        pdi_user_done(&u);
}

/* ---- keys in the base path ----------------------------------------------------------------- */

/* Could u open path for reading: search on every directory from / down, read on the file,
 * judged on what the path resolves to (a symlinked base path: the real directory's mode
 * counts). 1 yes, 0 no, -errno when some component cannot be inspected (bad names it). */
static int user_can_read(const struct pdi_target *t, const struct pdi_user *u, const char *path,
                         char **ret_bad)
{
        _cleanup_free_ char *p = NULL, *dir = NULL;
        struct stat st;
        int k = pdi_root_realpath(t->root, path, &p);
        if (k == -ENOENT)
                return 0; /* a dangling link: nothing to read */
        if (k == 0)
                k = lstat_in_root(t, p, &st);
        if (k < 0) {
                *ret_bad = strdup(path);
                return k;
        }
        if (!pdi_user_may(u, st.st_uid, st.st_gid, st.st_mode, 4))
                return 0;
        k = first_blocking_dir(t, u, p, &dir, &st);
        if (k < 0)
                *ret_bad = TAKE_PTR(dir);
        return k < 0 ? k : k == 0;
}

static void key_judge(const struct pdi_target *t, struct pdi_check_ctx *c, const struct pdi_user *u,
                      const char *p)
{
        _cleanup_free_ char *bad = NULL;
        int k = user_can_read(t, u, p, &bad);
        if (k > 0)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "chmod o-r,g-r the keys and keep the base path 0750 "
                                  "polkadot:polkadot",
                                  "%s is readable by %s", p, u->name);
        else if (k < 0)
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "%s: cannot tell whether %s can read it: %s: %s", p, u->name,
                                  bad ?: "?", strerror(-k));
}

static void keys_in(const struct pdi_target *t, struct pdi_check_ctx *c, const struct pdi_user *u,
                    const char *dir)
{
        DIR *dp = NULL;
        if (pdi_root_opendir(t->root, dir, &dp) < 0)
                return;
        for (struct dirent *de; (de = readdir(dp));) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = pdi_path_join(dir, de->d_name);
                if (p)
                        key_judge(t, c, u, p);
        }
        closedir(dp);
}

static void keys_walk(const struct pdi_target *t, struct pdi_check_ctx *c, const struct pdi_user *u)
{
        _cleanup_free_ char *chains = pdi_path_join(t->base_path, "chains");
        DIR *dp = NULL;
        if (!chains || pdi_root_opendir(t->root, chains, &dp) < 0)
                return;
        for (struct dirent *de; (de = readdir(dp));) {
                if (de->d_name[0] == '.')
                        continue;
                static const char *const subs[] = {"keystore", "network"};
                for (size_t s = 0; s < ELEMENTSOF(subs); s++) {
                        _cleanup_free_ char *d = NULL;
                        if (asprintf(&d, "%s/%s/%s", chains, de->d_name, subs[s]) >= 0)
                                keys_in(t, c, u, d);
                }
        }
        closedir(dp);
}

static bool base_path_stat(const struct pdi_target *t, struct pdi_check_ctx *c, struct stat *st)
{
        if (t->base_path && stat_in_root(t, t->base_path, st) == 0)
                return true;
        pdi_check_skip(c, "no base path%s%s", t->base_path ? " at " : "", t->base_path ?: "");
        return false;
}

/* Needs only lstat, so it runs as non-root too (unlike the key walk below). */
void pdi_check_base_owner_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct stat st;
        if (!base_path_stat(t, c, &st))
                return;
        if (t->service_user && st.st_uid == 0)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "chown -R polkadot:polkadot the base path (after restoring a "
                                  "snapshot, too)",
                                  "base path %s owned by root: the node (%s) cannot write its "
                                  "database, workers fail with \"TmpPath\"",
                                  t->base_path, t->service_user);
}

void pdi_check_keys_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct stat st;
        if (!base_path_stat(t, c, &st))
                return;
        struct pdi_user u;
        if (!t->worker_user || pdi_user_lookup(t->root, t->worker_user, &u) < 0) {
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "no pvf-worker user: the workers run as %s and can read its "
                                  "keys (only the sandbox keeps them out)",
                                  t->service_user ?: "the node's user");
                return;
        }
        keys_walk(t, c, &u);
        pdi_user_done(&u);
}
