/* The release and install checks: version alignment run as the node runs it, integrity
 * against the signed manifest, ownership and modes up to /, what the service users may write
 * or read, and competing installs. ELF and unit checks live in checks_elf.c, checks_unit.c. */
#include "checks/checks_internal.h"
#include "base/child.h"
#include "trust/hash.h"
#include "release/layout.h"
#include "release/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define VERSION_TIMEOUT_MS 10000

/* ---- running `<binary> --version` as the node does ------------------------------------- */

struct version_arg {
        int fd;
        const struct pdi_creds *cr;
        char *const *argv, *const *envp;
};

static void version_child(void *arg)
{
        const struct version_arg *a = arg;
        char why[128];

        if (pdi_child_become(a->cr, why, sizeof(why)) < 0) {
                dprintf(2, "cannot drop privileges: %s\n", why);
                _exit(127);
        }
        (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        /* Executed through the fd opened inside the root: nothing outside it is run. */
        int r = pdi_child_exec(a->fd, a->argv, a->envp);
        dprintf(2, "cannot execute: %s\n", strerror(-r));
        _exit(127);
}

static int run_version(const struct pdi_target *t, const char *path, unsigned timeout_ms,
                       struct pdi_child_out *res)
{
        _cleanup_close_ int fd = pdi_root_open(t->root, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        struct pdi_run_as as;
        pdi_run_as_pick(t, &as); /* as non-root: as we are, whoever the service user is */
        /* The node clears the environment of everything but RUST_LOG (pvf/src/lib.rs). */
        _cleanup_free_ char *rust_log = NULL;
        if (getenv("RUST_LOG") && asprintf(&rust_log, "RUST_LOG=%s", getenv("RUST_LOG")) < 0)
                return -ENOMEM;
        char *envp[] = {rust_log, NULL};
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        char *argv[] = {(char *)base, (char *)"--version", NULL};
        struct version_arg a = {.fd = fd, .cr = &as.creds, .argv = argv, .envp = envp};
        return pdi_child_run(version_child, &a, timeout_ms, res);
}

/* Rust's str::trim(): whitespace off both ends. */
static char *trim(char *s)
{
        s += strspn(s, " \t\r\n\v\f");
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* "polkadot 1.16.0-87971b3e927" (the real node) or "1.16.0" (a stand-in) → "1.16.0": the
 * last word, without a trailing -<commit hash>, which the node does not compare either. */
static void node_version(char *out, char *buf, size_t size)
{
        char *s = trim(out), *sp = strrchr(s, ' ');
        snprintf(buf, size, "%s", sp ? sp + 1 : s);
        char *dash = strrchr(buf, '-');
        size_t n = dash ? strlen(dash + 1) : 0;
        if (dash && n >= 7 && strspn(dash + 1, "0123456789abcdef") == n)
                *dash = '\0';
}

static bool ran_ok(struct pdi_check_ctx *c, const char *path, int k, const struct pdi_child_out *r)
{
        const char *hint = "run it by hand with --version; reinstall the release if it fails";
        if (k < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: %s", path, strerror(-k));
        else if (r->timed_out)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: no answer within %d s",
                                  path, VERSION_TIMEOUT_MS / 1000);
        else if (!pdi_child_ok(r))
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: %s %d%s%s", path,
                                  WIFEXITED(r->status) ? "exit status" : "killed by signal",
                                  WIFEXITED(r->status) ? WEXITSTATUS(r->status)
                                                       : WTERMSIG(r->status),
                                  *r->err ? ": " : "", trim((char *)r->err));
        else
                return true;
        return false;
}

static void check_worker(const struct pdi_target *t, struct pdi_check_ctx *c, const char *dir,
                         enum pdi_role role, const char *want)
{
        _cleanup_free_ char *p = pdi_path_join(dir, pdi_role_file(role));
        if (!p)
                return;
        struct stat st;
        _cleanup_close_ int fd = pdi_root_open(t->root, p, O_PATH, 0);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                pdi_check_finding(c, PDI_SEV_ERROR, "install both workers of the node's release",
                                  fd < 0 ? "%s is missing: \"Worker binaries could not be "
                                           "found\""
                                         : "%s is not an executable file: \"Worker binaries "
                                           "not executable\"",
                                  p);
                return;
        }
        struct pdi_child_out r;
        int k = run_version(t, p, VERSION_TIMEOUT_MS, &r);
        if (!ran_ok(c, p, k, &r) || !want)
                return;
        const char *got = trim(r.out);
        if (!streq(got, want))
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "install the workers of the node's own release next to it",
                                  "%s prints %s, the node is %s: \"Version of worker binary "
                                  "is different from node version\"",
                                  p, *got ? got : "(nothing)", want);
}

static void check_versions(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->node) {
                pdi_check_skip(c, "no node found");
                return;
        }
        struct pdi_child_out r;
        char ver[128] = "";
        int k = run_version(t, t->node, VERSION_TIMEOUT_MS, &r);
        bool node_ok = ran_ok(c, t->node, k, &r);
        if (node_ok)
                node_version(r.out, ver, sizeof(ver));
        if (node_ok && t->manifest && !streq(ver, t->manifest->version))
                pdi_check_finding(c, PDI_SEV_ERROR, "reinstall the release",
                                  "%s prints %s, the signed manifest says %s", t->node, ver,
                                  t->manifest->version);
        if (!t->worker_dir) {
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "put polkadot-prepare-worker and polkadot-execute-worker "
                                  "next to the node, or pass --workers-path",
                                  "no worker set next to %s or in " PDI_DEB_WORKER_DIR
                                  ": \"Worker binaries could not be found\"",
                                  t->node);
                return;
        }
        for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER; role <= PDI_ROLE_EXECUTE_WORKER; role++)
                check_worker(t, c, t->worker_dir, role, node_ok ? ver : NULL);
}

/* ---- integrity -------------------------------------------------------------------------- */

static void check_file(const struct pdi_target *t, struct pdi_check_ctx *c, const char *name,
                       const char *sha256, uint64_t size)
{
        const char *hint = "reinstall: polkadot-installer install repairs damaged files";
        _cleanup_free_ char *p = pdi_path_join(t->release_dir, name);
        _cleanup_close_ int fd = p ? pdi_root_open_regular(t->root, p, O_NOFOLLOW) : -1;
        struct stat st;
        char hex[65];
        uint64_t got = 0;
        int k = fd < 0 ? fd : fstat(fd, &st) < 0 ? -errno : 0;
        if (k == 0 && !S_ISREG(st.st_mode))
                k = -EINVAL;
        if (k < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %s", p,
                                  k == -ELOOP    ? "is a symlink, not the signed file"
                                  : k == -EINVAL ? "is not a regular file"
                                                 : strerror(-k));
        else if ((uint64_t)st.st_size != size)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %llu bytes, the manifest says %llu",
                                  p, (unsigned long long)st.st_size, (unsigned long long)size);
        else if ((k = pdi_sha256_fd(fd, hex, &got)) < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %s", p, strerror(-k));
        else if (!streq(hex, sha256) || got != size)
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s: sha256 %.16s… differs from the manifest's %.16s…", p, hex,
                                  sha256);
}

/* The stored manifest against the hash state.json recorded for the directory's version when
 * it was accepted (both read by discovery). */
static void check_manifest_record(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *hint = "reinstall the release: polkadot-installer install records it again";
        if (t->record_unreadable)
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "%s/manifest.json not compared with the install record: %s",
                                  t->release_dir, t->record_error);
        else if (t->record_error)
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s/manifest.json cannot be checked against the install "
                                  "record: %s",
                                  t->release_dir, t->record_error);
        else if (!streq(t->manifest_sha256, t->recorded_sha256))
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s/manifest.json differs from the manifest accepted at install "
                                  "time",
                                  t->release_dir);
}

static void check_integrity(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->release_dir) {
                pdi_check_skip(c, "not installed by polkadot-installer: no signed manifest to "
                                  "compare with");
                return;
        }
        if (t->manifest_error) {
                pdi_check_finding(c, PDI_SEV_ERROR, "reinstall the release",
                                  "%s/manifest.json: %s; the installed files cannot be "
                                  "verified",
                                  t->release_dir, t->manifest_error);
                return;
        }
        if (t->bytes_verified) {
                pdi_check_skip(c, "every file was just verified against the manifest while "
                                  "staging");
                return;
        }
        const struct pdi_manifest *m = t->manifest;
        for (size_t i = 0; m && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                if (a->format == PDI_FORMAT_BINARY)
                        check_file(t, c, a->name, a->sha256, a->size);
                for (size_t k = 0; k < a->n_files; k++)
                        check_file(t, c, a->files[k].path, a->files[k].sha256, a->files[k].size);
        }
        if (t->manifest_owned)
                check_manifest_record(t, c);
}

/* ---- the install tree: files, what they resolve to, and every parent up to / ------------- */

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

static void check_ownership(const struct pdi_target *t, struct pdi_check_ctx *c)
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

static void check_writable(const struct pdi_target *t, struct pdi_check_ctx *c)
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

/* ---- keys in the base path ----------------------------------------------------------------- */

/* Could u open path for reading: search on every directory from / down, read on the file,
 * judged on what the path resolves to (a symlinked base path: the real directory's mode
 * counts). 1 yes, 0 no, -errno when some component cannot be inspected (bad names it). */
static int user_can_read(const struct pdi_target *t, const struct pdi_user *u, const char *path,
                         char **ret_bad)
{
        _cleanup_free_ char *p = NULL;
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
        for (char *slash; (slash = strrchr(p, '/'));) {
                slash[slash == p] = '\0';
                k = lstat_in_root(t, p, &st);
                if (k < 0) {
                        *ret_bad = strdup(p);
                        return k;
                }
                if (!S_ISDIR(st.st_mode) || !pdi_user_may(u, st.st_uid, st.st_gid, st.st_mode, 1))
                        return 0;
                if (slash == p)
                        break;
        }
        return 1;
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
static void check_base_owner(const struct pdi_target *t, struct pdi_check_ctx *c)
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

static void check_keys(const struct pdi_target *t, struct pdi_check_ctx *c)
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

/* ---- competing installs -------------------------------------------------------------------- */

static void competing_workers(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (t->other_worker_dir)
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "remove the other set (the Debian package: apt remove "
                                  "polkadot)",
                                  "a second worker set in %s: the node uses %s and logs "
                                  "\"multiple sets of worker binaries found\"; without its own "
                                  "set it would silently take that one, of whatever version",
                                  t->other_worker_dir, t->worker_dir);
        else if (!streq(t->worker_dir, PDI_DEB_WORKER_DIR) &&
                 pdi_worker_set_in(t->root, PDI_DEB_WORKER_DIR))
                pdi_check_finding(c, PDI_SEV_WARN, "remove it",
                                  "an unused worker set in " PDI_DEB_WORKER_DIR
                                  " (the node is told to use %s)",
                                  t->worker_dir ?: "another directory");
}

static void competing_nodes(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        static const char *const dirs[] = {PDI_PATH_DIRS};
        char **seen = NULL;
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = pdi_path_join(dirs[i], "polkadot"), *real = NULL;
                if (!p || pdi_root_realpath(t->root, p, &real) < 0 || streq(real, t->node) ||
                    pdi_strv_add_unique(&seen, &n, strdup(real)) <= 0)
                        continue;
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "remove it, so that a shell or script runs the same node",
                                  "another polkadot in PATH: %s (%s), not the node the service "
                                  "runs (%s)",
                                  p, real, t->node);
        }
        pdi_strv_free(seen, n);
}

static void check_competing(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        competing_workers(t, c);
        if (t->node)
                competing_nodes(t, c);
        if (!streq(t->kind, "debian-package") && t->dpkg_polkadot)
                pdi_check_finding(c, PDI_SEV_WARN, "apt remove polkadot",
                                  "the Debian package polkadot is installed as well");
}

const struct pdi_check pdi_checks_install[] = {
    {"version-alignment", "node and workers print the same version", PDI_SCOPE_RELEASE, false,
     check_versions},
    {"integrity", "files match the signed manifest", PDI_SCOPE_RELEASE, false, check_integrity},
    {"ownership", "owned by root, not group/other-writable, up to /",
     PDI_SCOPE_RELEASE | PDI_SCOPE_INSTALL, false, check_ownership},
    {"writable-by-service-user", "nothing writable by polkadot or pvf-worker",
     PDI_SCOPE_RELEASE | PDI_SCOPE_INSTALL, false, check_writable},
    {"elf", "built for this host, hardened, no W+X", PDI_SCOPE_RELEASE, false, pdi_check_elf_run},
    {"base-path-owner", "base path not owned by root", PDI_SCOPE_INSTALL, false, check_base_owner},
    {"keys-readable-by-worker", "keys not readable by pvf-worker", PDI_SCOPE_INSTALL, true,
     check_keys},
    {"unit", "unit present, enabled, unchanged, not over-hardened", PDI_SCOPE_INSTALL, false,
     pdi_check_unit_run},
    {"competing-installs", "no second node or worker set", PDI_SCOPE_INSTALL, false,
     check_competing},
    {0},
};
