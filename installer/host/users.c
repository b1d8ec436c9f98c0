/* SPDX-License-Identifier: Apache-2.0 */
#include "host/users_internal.h"
#include "release/state_owned.h"
#include "host/conffile.h"
#include "base/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

/* One account we manage. */
struct account {
        const char *name;
        const char *comment;
        const char *home;
};

/* What every step needs: the root, the shell to give, where to report. */
struct ctx {
        const struct pdi_root *r;
        const struct pdi_distro *d;
        const char *nologin;
        struct pdi_report *rep;
        struct pdi_error *err;
        int snippet_fd; /* the sysusers.d snippet, stdin of systemd-sysusers */
};

/* ---- refusing accounts that could log in or administer the machine ---- */

static bool shell_is_nologin(const char *shell)
{
        const char *base = strrchr(shell, '/');
        base = base ? base + 1 : shell;
        return *shell && (streq(base, "nologin") || streq(base, "false"));
}

/* A password someone could type: not locked ('!', '*') and not the shadow placeholder. */
static bool password_usable(const char *pw, bool in_passwd)
{
        if (in_passwd && streq(pw, "x"))
                return false;
        return pw[0] != '!' && pw[0] != '*';
}

/* Groups whose members are root in all but name: administration (sudo, wheel, admin, adm:
 * every log), raw devices and memory (disk, kmem), the password hashes (shadow), container and
 * VM managers that mount any host path into a guest (docker, lxd, incus-admin, libvirt), and
 * Debian's staff (writes /usr/local, which is early in root's PATH). Any group with gid 0
 * too. Not kvm: /dev/kvm runs guests but reaches no host file. */
static const char *const root_equivalent[] = {
    "root",   "sudo",   "wheel", "admin",       "adm",     "disk",  "kmem",
    "shadow", "docker", "lxd",   "incus-admin", "libvirt", "staff",
};

static bool grants_root(const struct ctx *c, const char *group, const char *gid)
{
        if (streq(gid, "0"))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(root_equivalent); i++)
                if (streq(group, root_equivalent[i]))
                        return true;
        for (size_t i = 0; c->d && i < ELEMENTSOF(c->d->admin_groups); i++)
                if (c->d->admin_groups[i] && streq(group, c->d->admin_groups[i]))
                        return true;
        return false;
}

/* The name of a root-equivalent group the account is in (as member or by its primary gid)
 * into buf: true. A primary gid 0 that no line names counts as "gid 0". */
static bool root_group_of(const struct ctx *c, const char *group_text, const char *name,
                          const char *gid, char *buf, size_t n)
{
        for (const char *line = group_text; line && *line;) {
                const char *end = strchr(line, '\n');
                _cleanup_free_ char *copy =
                    strndup(line, end ? (size_t)(end - line) : strlen(line));
                char *f[4] = {"", "", "", ""}, *p = copy;
                for (size_t i = 0; p && i < ELEMENTSOF(f); i++) {
                        f[i] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                if (copy && (pdi_users_in_members(f[3], name) || streq(f[2], gid)) &&
                    grants_root(c, f[0], f[2])) {
                        snprintf(buf, n, "%s", f[0]);
                        return true;
                }
                line = end ? end + 1 : NULL;
        }
        if (streq(gid, "0"))
                snprintf(buf, n, "gid 0");
        return streq(gid, "0");
}

static int refuse(const struct ctx *c, const char *name, const char *why, const char *what)
{
        return pdi_error_set(c->err, -PDI_E_POLICY,
                             "user %s exists and %s%s%s; refusing to reuse it (remove or "
                             "rename it, then run again)",
                             name, why, what, *what ? ", which grants root-equivalent access" : "");
}

/* 0 if name does not exist (*ret_exists false) or is a proper system account; else refusal. */
static int read_db(const struct ctx *c, const char *path, char **ret)
{
        int k = pdi_users_db_read(c->r, path, ret);
        if (k == 0)
                return 0;
        _cleanup_free_ char *shown = pdi_root_display(c->r, path);
        return pdi_error_set(c->err, k, "%s: %s", shown ? shown : path, pdi_users_db_strerror(k));
}

static int check_existing(const struct ctx *c, const char *name, bool *ret_exists)
{
        _cleanup_free_ char *pw = NULL, *sh = NULL, *gr = NULL, *line = NULL, *sline = NULL;
        char *f[7], *s[9];
        int k = read_db(c, "/etc/passwd", &pw);
        if (k == 0)
                k = read_db(c, "/etc/shadow", &sh);
        if (k == 0)
                k = read_db(c, "/etc/group", &gr);
        if (k < 0)
                return k;
        *ret_exists = pdi_users_db_find(pw, name, &line, f, ELEMENTSOF(f)) == 0;
        if (!*ret_exists)
                return 0;
        if (streq(f[2], "0"))
                return refuse(c, name, "has uid 0", "");
        if (!shell_is_nologin(f[6])) {
                char why[300];
                snprintf(why, sizeof(why), "can log in (shell %.256s)", *f[6] ? f[6] : "/bin/sh");
                return refuse(c, name, why, "");
        }
        if (password_usable(f[1], true) ||
            (pdi_users_db_find(sh, name, &sline, s, ELEMENTSOF(s)) == 0 &&
             password_usable(s[1], false)))
                return refuse(c, name, "has a password", "");
        char grp[128];
        if (root_group_of(c, gr, name, f[3], grp, sizeof(grp)))
                return refuse(c, name, "is in group ", grp);
        return 0;
}

/* ---- the sysusers.d snippet ---- */

static char *render_sysusers(const struct ctx *c, const struct account *a, size_t n)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                return NULL;
        fputs("# Written by polkadot-installer: the node's and the PVF workers' system users.\n"
              "# No login shell, no password; see sysusers.d(5).\n",
              f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "g %s - - -\nu %s -:%s \"%s\" %s %s\n", a[i].name, a[i].name, a[i].name,
                        a[i].comment, streq(a[i].home, "/") ? "-" : a[i].home, c->nologin);
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* The snippets are the operator's to edit, like the units: an edit is kept, ours goes to
 * .new beside it (conffile.h). */
static int write_snippet(const struct pdi_root *r, struct pdi_state *st, const char *path,
                         const char *text, struct pdi_report *rep, struct pdi_error *err)
{
        enum pdi_conffile_result res;
        return pdi_conffile_write(r, st, path, text, 0644, rep, &res, err);
}

/* ---- creating the accounts: systemd-sysusers, useradd, busybox, or ourselves ---- */

static bool tool_hidden(const char *env)
{
#ifdef PDI_TESTING
        /* Test hook: pretend a tool is absent to exercise the next method. */
        return env && streq(getenv(env), "1");
#else
        (void)env;
        return false;
#endif
}

/* The tools resolve paths under --root themselves: systemd-sysusers 252 followed a symlinked
 * TREE/etc out of the root and wrote passwd, shadow … there. Checking each component first
 * would not help: the tree's owner can swap a directory for a link between our check and the
 * tool's open. So a tool only ever writes the host's own /etc (root's, nobody else's), and
 * every other root gets its entries from us through the root-fd layer, where the kernel
 * (RESOLVE_IN_ROOT, O_NOFOLLOW, rename within a held directory fd) keeps every step inside. */
static bool tools_allowed(const struct pdi_root *r)
{
#ifdef PDI_TESTING
        /* Test hook: the unit tests drive the tools' command lines against a benign tree. */
        if (streq(getenv("PDI_TEST_TOOLS_IN_ROOT"), "1"))
                return true;
#endif
        return r->is_host;
}

static bool group_exists(const struct ctx *c, const char *name)
{
        _cleanup_free_ char *gr = NULL, *line = NULL;
        char *f[4];
        return pdi_users_db_read(c->r, "/etc/group", &gr) == 0 &&
               pdi_users_db_find(gr, name, &line, f, 4) == 0;
}

static int create_sysusers(const struct ctx *c, const struct account *a)
{
        (void)a; /* one run creates every account of the snippet, read from stdin ("-") */
        _cleanup_free_ char *root_arg = NULL;
        if (asprintf(&root_arg, "--root=%s", c->r->path) < 0)
                return -ENOMEM;
        char *argv[4] = {"systemd-sysusers"};
        size_t n = 1;
        if (!c->r->is_host)
                argv[n++] = root_arg;
        argv[n++] = "-";
        if (lseek(c->snippet_fd, 0, SEEK_SET) < 0)
                return -errno;
        return pdi_exec_tool("systemd-sysusers", argv, c->snippet_fd, c->err);
}

/* useradd -R chroots into the root, so home and shell are paths inside it. */
static int create_useradd(const struct ctx *c, const struct account *a)
{
        char *gargv[6] = {"groupadd", "--system"}, *uargv[16] = {"useradd", "--system"};
        size_t g = 2, u = 2;
        if (!c->r->is_host) {
                gargv[g++] = uargv[u++] = "--root";
                gargv[g++] = uargv[u++] = c->r->path;
        }
        gargv[g++] = (char *)a->name;
        char *rest[] = {"--no-create-home", "--home-dir",   (char *)a->home,    "--shell",
                        (char *)c->nologin, "--comment",    (char *)a->comment, "--gid",
                        (char *)a->name,    (char *)a->name};
        for (size_t i = 0; i < ELEMENTSOF(rest); i++)
                uargv[u++] = rest[i];
        int k = group_exists(c, a->name) ? 0 : pdi_exec_tool("groupadd", gargv, -1, c->err);
        return k < 0 ? k : pdi_exec_tool("useradd", uargv, -1, c->err);
}

/* busybox has no --root: used for the host only (Alpine). */
static int create_busybox(const struct ctx *c, const struct account *a)
{
        char *gargv[] = {"busybox", "addgroup", "-S", (char *)a->name, NULL};
        char *uargv[] = {"busybox",
                         "adduser",
                         "-S",
                         "-D",
                         "-H",
                         "-h",
                         (char *)a->home,
                         "-s",
                         (char *)c->nologin,
                         "-g",
                         (char *)a->comment,
                         "-G",
                         (char *)a->name,
                         (char *)a->name,
                         NULL};
        int k = group_exists(c, a->name) ? 0 : pdi_exec_tool("busybox", gargv, -1, c->err);
        return k < 0 ? k : pdi_exec_tool("busybox", uargv, -1, c->err);
}

/* No tool may write into this root: write the entries ourselves, through the root-fd layer. */
static int create_builtin(const struct ctx *c, const struct account *a)
{
        return pdi_users_db_add(c->r, a->name, a->comment, a->home, c->nologin);
}

struct method {
        const char *tool;     /* program needed on the host; NULL: none */
        const char *hide_env; /* test hook; NULL: none */
        bool no_root_flag;    /* cannot write into another root even when tools may */
        bool all_at_once;     /* one run creates every account */
        int (*create)(const struct ctx *c, const struct account *a);
};

static const struct method methods[] = {
    {"systemd-sysusers", "PDI_TEST_NO_SYSUSERS", false, true, create_sysusers},
    {"useradd", "PDI_TEST_NO_USERADD", false, false, create_useradd},
    /* host only, so never picked in a test root: no hook to hide it */
    {"busybox", NULL, true, false, create_busybox},
    {NULL, NULL, false, false, create_builtin},
};

static const struct method *pick_method(const struct ctx *c)
{
        for (size_t i = 0; i < ELEMENTSOF(methods) - 1; i++) {
                _cleanup_free_ char *path = NULL;
                const struct method *m = &methods[i];
                if (!tools_allowed(c->r) || tool_hidden(m->hide_env) ||
                    (m->no_root_flag && !c->r->is_host))
                        continue;
                if (pdi_exec_find(m->tool, &path) == 0)
                        return m;
        }
        return &methods[ELEMENTSOF(methods) - 1];
}

static int create_missing(struct ctx *c, const struct account *a, const bool *exists, size_t n)
{
        const struct method *m = pick_method(c);
        const char *how = m->tool ? m->tool : "passwd/group/shadow entries written directly";
        bool done = false;
        for (size_t i = 0; i < n; i++) {
                if (exists[i] || done)
                        continue;
                int k = m->create(c, &a[i]);
                if (k < 0)
                        return pdi_error_set(c->err, k, "creating user %s: %s", a[i].name,
                                             pdi_strerror(k));
                done = m->all_at_once;
        }
        for (size_t i = 0; i < n; i++) {
                if (exists[i])
                        continue;
                struct pdi_user u;
                if (pdi_user_lookup(c->r, a[i].name, &u) < 0)
                        return pdi_error_set(c->err, -PDI_E_FAILED,
                                             "%s did not create user %s in %s/etc/passwd", how,
                                             a[i].name, c->r->path);
                pdi_report_action(c->rep, "created system user %s (uid %u, gid %u) with %s",
                                  a[i].name, (unsigned)u.uid, (unsigned)u.gid, how);
                pdi_user_done(&u);
        }
        return 0;
}

#define ACCOUNTS(l)                                                                                \
        {                                                                                          \
                {(l)->user, "Polkadot node", (l)->base_path},                                      \
                    {(l)->worker_user, "Polkadot PVF workers", "/"},                               \
        }

char *pdi_users_render_snippet(const struct pdi_layout *l, const struct pdi_distro *d)
{
        const struct account a[] = ACCOUNTS(l);
        struct ctx c = {.d = d, .nologin = d && d->nologin ? d->nologin : "/usr/sbin/nologin"};
        return render_sysusers(&c, a, ELEMENTSOF(a));
}

int pdi_users_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                     const struct pdi_distro *d, struct pdi_state *st, struct pdi_report *rep,
                     struct pdi_error *err)
{
        const struct account a[] = ACCOUNTS(l);
        struct ctx c = {r, d, d && d->nologin ? d->nologin : "/usr/sbin/nologin", rep, err, -1};
        bool exists[ELEMENTSOF(a)];
        for (size_t i = 0; i < ELEMENTSOF(a); i++) {
                int k = check_existing(&c, a[i].name, &exists[i]);
                if (k < 0)
                        return k;
        }
        _cleanup_free_ char *snippet = render_sysusers(&c, a, ELEMENTSOF(a));
        if (!snippet)
                return pdi_error_set(err, -ENOMEM, "sysusers snippet: %s", pdi_strerror(-ENOMEM));
        int k = write_snippet(r, st, l->sysusers, snippet, rep, err);
        if (k < 0)
                return k;
        for (size_t i = 0; i < ELEMENTSOF(a); i++)
                if (exists[i])
                        pdi_report_note(rep, "reusing existing system user %s", a[i].name);
        if (exists[0] && exists[1])
                return 0;
        _cleanup_close_ int fd = pdi_root_open_regular(r, l->sysusers, O_NOFOLLOW);
        if (fd < 0)
                return pdi_error_set(err, fd, "%s: %s", l->sysusers, pdi_strerror(fd));
        c.snippet_fd = fd;
        k = create_missing(&c, a, exists, ELEMENTSOF(a));
        /* Recorded, so that --purge deletes only the accounts this tool created. */
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(a); i++)
                if (!exists[i])
                        k = pdi_state_mark_created(st, "users", a[i].name);
        return k;
}

/* ---- the base path ---- */

/* "polkadot" for an id the root's database names, else the number. */
static void id_name(const struct pdi_root *r, const char *db, uint32_t id, char *buf, size_t n)
{
        _cleanup_free_ char *text = NULL;
        if (pdi_users_db_read(r, db, &text) < 0 || !pdi_users_db_find_id(text, id, 2, buf, n))
                snprintf(buf, n, "%" PRIu32, id);
}

static int open_or_create_dir(const struct pdi_root *r, const char *path, bool *ret_created)
{
        const char *base;
        _cleanup_close_ int pfd = pdi_root_open_parent(r, path, 0755, &base);
        if (pfd < 0)
                return pfd;
        *ret_created = mkdirat(pfd, base, 0700) == 0;
        if (!*ret_created && errno != EEXIST)
                return -errno;
        /* Never a symlink: where the node user can write the base path's parent, it could
         * swap the directory for `ln -s /etc` and have us chown /etc to it. We chown the
         * directory we opened (fchown on this fd), so no later swap reaches anything else. */
        int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                return -ELOOP;
        return fd < 0 ? -errno : fd;
}

/* Create the base path now, or repair its owner and mode. Only the top directory: chain
 * data below can be hundreds of GB and the node creates it with the right owner; a
 * restored snapshot with wrong owners deeper down is for `chown -R` by the operator. */
static int ensure_base(const struct pdi_root *r, const char *path, uid_t uid, gid_t gid,
                       struct pdi_state *sst, struct pdi_report *rep, struct pdi_error *err)
{
        const mode_t mode = 0750;
        bool created = false;
        struct stat st;
        _cleanup_close_ int fd = open_or_create_dir(r, path, &created);
        if (fd == -ELOOP)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "base path %s is a symlink; refusing to follow it (give "
                                     "the real directory with --base-path)",
                                     path);
        if (fd < 0)
                return pdi_error_set(err, fd, "%s: %s", path, pdi_strerror(fd));
        if (fstat(fd, &st) < 0)
                return pdi_error_set(err, -errno, "%s: %s", path, pdi_strerror(-errno));
        if (st.st_uid == uid && st.st_gid == gid && (st.st_mode & 07777) == mode)
                return 0;
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
                return pdi_error_set(err, -errno, "%s: setting owner and mode: %s", path,
                                     pdi_strerror(-errno));
        if (created) {
                pdi_report_action(rep, "created %s", path);
                return pdi_state_mark_created(sst, "dirs", path);
        }
        char u[64], g[64];
        id_name(r, "/etc/passwd", st.st_uid, u, sizeof(u));
        id_name(r, "/etc/group", st.st_gid, g, sizeof(g));
        pdi_report_action(rep, "repaired ownership of %s (was %s:%s %04o)", path, u, g,
                          (unsigned)(st.st_mode & 07777));
        return 0;
}

/* The node user's ids in the root's passwd. */
static int node_ids(const struct pdi_root *r, const struct pdi_layout *l, uid_t *ret_uid,
                    gid_t *ret_gid, struct pdi_error *err)
{
        struct pdi_user u;
        int k = pdi_user_lookup(r, l->user, &u);
        if (k < 0)
                return pdi_error_set(err, k, "user %s in %s/etc/passwd: %s", l->user, r->path,
                                     pdi_strerror(k));
        *ret_uid = u.uid;
        *ret_gid = u.gid;
        pdi_user_done(&u);
        return 0;
}

char *pdi_dirs_render_snippet(const struct pdi_layout *l, const struct pdi_settings *s)
{
        const char *base = s && s->base_path ? s->base_path : l->base_path;
        char *snippet = NULL;
        if (asprintf(&snippet,
                     "# Written by polkadot-installer: the node's base path; see tmpfiles.d(5).\n"
                     "d %s 0750 %s %s -\n",
                     base, l->user, l->user) < 0)
                return NULL;
        return snippet;
}

int pdi_dirs_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_settings *s, struct pdi_state *st, struct pdi_report *rep,
                    struct pdi_error *err)
{
        const char *base = s && s->base_path ? s->base_path : l->base_path;
        if (!base || base[0] != '/')
                return pdi_error_set(err, -PDI_E_USAGE, "base path %s: must be absolute",
                                     base ? base : "(none)");
        uid_t uid = (uid_t)-1;
        gid_t gid = (gid_t)-1;
        int k = node_ids(r, l, &uid, &gid, err);
        if (k < 0)
                return k;
        _cleanup_free_ char *snippet = pdi_dirs_render_snippet(l, s);
        if (!snippet)
                return pdi_error_set(err, -ENOMEM, "tmpfiles snippet: %s", pdi_strerror(-ENOMEM));
        k = write_snippet(r, st, l->tmpfiles, snippet, rep, err);
        return k < 0 ? k : ensure_base(r, base, uid, gid, st, rep, err);
}

int pdi_dirs_check_adopted(const struct pdi_root *r, const struct pdi_layout *l, const char *base,
                           struct pdi_error *err)
{
        uid_t uid = (uid_t)-1;
        gid_t gid = (gid_t)-1;
        int k = node_ids(r, l, &uid, &gid, err);
        if (k < 0)
                return k;
        struct stat st;
        _cleanup_close_ int fd = pdi_root_open(r, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
        if (fd < 0 || fstat(fd, &st) < 0)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "adopting: the node's base path %s is not a directory "
                                     "(%s); give the real one with --base-path",
                                     base, pdi_strerror(fd < 0 ? fd : -errno));
        if (st.st_uid != uid)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "adopting: the base path %s belongs to uid %u, not to %s; "
                                     "its data is left as it is, so the node could not use it",
                                     base, (unsigned)st.st_uid, l->user);
        return 0;
}
