#include "host/users.h"
#include "host/conffile.h"
#include "base/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#define DB_MAX (16 * 1024 * 1024)
#define SYS_ID_MIN 100
#define SYS_ID_MAX 999

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

/* ---- the root's account databases ---- */

/* Text of a database file in the root; a missing file reads as empty. */
static int db_read(const struct pdi_root *r, const char *path, char **ret)
{
        int k = pdi_root_read_file(r, path, DB_MAX, ret, NULL);
        if (k == -ENOENT) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return k;
}

/* Split the line of db text whose first field is name into up to max fields; the line is
 * copied to *ret_line and fields point into it. -ENOENT if there is none. */
static int db_find(const char *text, const char *name, char **ret_line, char **f, size_t max)
{
        size_t nlen = strlen(name);
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                if (len > nlen && strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
                        char *copy = strndup(line, len);
                        if (!copy)
                                return -ENOMEM;
                        size_t n = 0;
                        for (char *p = copy; p && n < max; n++) {
                                f[n] = p;
                                p = strchr(p, ':');
                                if (p)
                                        *p++ = '\0';
                        }
                        for (; n < max; n++)
                                f[n] = "";
                        *ret_line = copy;
                        return 0;
                }
                line = end ? end + 1 : NULL;
        }
        return -ENOENT;
}

/* A uid or gid as the kernel takes one: plain decimal, 0 to 2^32 - 2 ((uid_t)-1 means
 * "unchanged" to setresuid; strtoul alone would take " 5", "+5" and "-1"). */
static int parse_id(const char *s, uint32_t *ret)
{
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*s < '0' || *s > '9' || errno || *end || v > UINT32_MAX - 1)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/* The first line whose numeric field (2: passwd uid / group gid) is id: true, and its name
 * (first field) in buf when buf is given. */
static bool db_find_id(const char *text, uint32_t id, unsigned field, char *buf, size_t n)
{
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n'), *p = line;
                for (unsigned i = 0; i < field && p; i++) {
                        p = strchr(p, ':');
                        p = p && (!end || p < end) ? p + 1 : NULL;
                }
                uint32_t v;
                size_t len = p ? strcspn(p, ":\n") : 0;
                char num[16];
                if (p && p[len] == ':' && len > 0 && len < sizeof(num)) {
                        memcpy(num, p, len);
                        num[len] = '\0';
                        if (parse_id(num, &v) == 0 && v == id) {
                                if (buf)
                                        snprintf(buf, n, "%.*s", (int)strcspn(line, ":"), line);
                                return true;
                        }
                }
                line = end ? end + 1 : NULL;
        }
        return false;
}

static bool db_id_used(const char *text, uint32_t id, unsigned field)
{
        return db_find_id(text, id, field, NULL, 0);
}

static bool in_member_list(const char *members, const char *name);

/* The supplementary groups of u from the root's /etc/group (as many as fit). */
static int add_groups(const struct pdi_root *r, struct pdi_user *u)
{
        _cleanup_free_ char *text = NULL;
        int k = db_read(r, "/etc/group", &text);
        for (const char *line = text; k == 0 && line && *line;) {
                const char *end = strchr(line, '\n');
                _cleanup_free_ char *copy =
                    strndup(line, end ? (size_t)(end - line) : strlen(line));
                if (!copy)
                        return -ENOMEM;
                char *f[4] = {"", "", "", ""}, *p = copy;
                for (size_t n = 0; p && n < ELEMENTSOF(f); n++) {
                        f[n] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                uint32_t gid;
                if (in_member_list(f[3], u->name) && parse_id(f[2], &gid) == 0 &&
                    u->n_groups < ELEMENTSOF(u->groups))
                        u->groups[u->n_groups++] = gid;
                line = end ? end + 1 : NULL;
        }
        return k;
}

int pdi_user_lookup(const struct pdi_root *r, const char *name, struct pdi_user *ret)
{
        _cleanup_free_ char *text = NULL, *line = NULL;
        char *f[7];
        int k = db_read(r, "/etc/passwd", &text);
        if (k == 0)
                k = db_find(text, name, &line, f, ELEMENTSOF(f));
        uint32_t uid = 0, gid = 0;
        if (k == 0 && (parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0))
                k = -EBADMSG;
        if (k < 0)
                return k;
        struct pdi_user u = {.name = strdup(name), .home = strdup(f[5]), .uid = uid, .gid = gid};
        u.groups[u.n_groups++] = gid;
        k = u.name && u.home ? add_groups(r, &u) : -ENOMEM;
        if (k < 0) {
                pdi_user_done(&u);
                return k;
        }
        *ret = u;
        return 0;
}

void pdi_user_done(struct pdi_user *u)
{
        free(u->name);
        free(u->home);
        *u = (struct pdi_user){0};
}

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

static bool in_member_list(const char *members, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = members; p && *p;) {
                size_t len = strcspn(p, ",");
                if (len == n && strncmp(p, name, n) == 0)
                        return true;
                p += len;
                p += *p == ',';
        }
        return false;
}

/* The admin group name the account belongs to (as member or primary gid), or NULL. */
static const char *admin_group_of(const struct ctx *c, const char *group_text, const char *name,
                                  const char *gid)
{
        static const char *const always[] = {"sudo", "wheel", "adm"};
        const char *groups[ELEMENTSOF(always) + ELEMENTSOF(c->d->admin_groups)] = {0};
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(always); i++)
                groups[n++] = always[i];
        for (size_t i = 0; c->d && i < ELEMENTSOF(c->d->admin_groups); i++)
                groups[n++] = c->d->admin_groups[i];
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *line = NULL;
                char *f[4];
                if (!groups[i] || db_find(group_text, groups[i], &line, f, 4) < 0)
                        continue;
                if (in_member_list(f[3], name) || streq(f[2], gid))
                        return groups[i];
        }
        return NULL;
}

static int refuse(const struct ctx *c, const char *name, const char *why, const char *what)
{
        return pdi_error_set(c->err, -PDI_E_POLICY,
                             "user %s exists and %s%s; refusing to reuse it (remove or rename "
                             "it, then run again)",
                             name, why, what);
}

/* 0 if name does not exist (*ret_exists false) or is a proper system account; else refusal. */
static int check_existing(const struct ctx *c, const char *name, bool *ret_exists)
{
        _cleanup_free_ char *pw = NULL, *sh = NULL, *gr = NULL, *line = NULL, *sline = NULL;
        char *f[7], *s[9];
        int k = db_read(c->r, "/etc/passwd", &pw);
        if (k == 0)
                k = db_read(c->r, "/etc/shadow", &sh);
        if (k == 0)
                k = db_read(c->r, "/etc/group", &gr);
        if (k < 0)
                return pdi_error_set(c->err, k, "%s/etc: %s", c->r->path, pdi_strerror(k));
        *ret_exists = db_find(pw, name, &line, f, ELEMENTSOF(f)) == 0;
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
            (db_find(sh, name, &sline, s, ELEMENTSOF(s)) == 0 && password_usable(s[1], false)))
                return refuse(c, name, "has a password", "");
        const char *adm = admin_group_of(c, gr, name, f[3]);
        if (adm)
                return refuse(c, name, "is in the administrators' group ", adm);
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

static bool group_exists(const struct ctx *c, const char *name)
{
        _cleanup_free_ char *gr = NULL, *line = NULL;
        char *f[4];
        return db_read(c->r, "/etc/group", &gr) == 0 && db_find(gr, name, &line, f, 4) == 0;
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

static uint32_t free_system_id(const char *passwd, const char *group)
{
        for (uint32_t id = SYS_ID_MAX; id >= SYS_ID_MIN; id--)
                if (!db_id_used(passwd, id, 2) && !db_id_used(group, id, 2))
                        return id;
        return 0;
}

/* Append line to /etc/<name> in the root, keeping the file's mode and owner (shadow is
 * root:shadow 0640 on Debian). A missing optional file is left missing. */
static int db_append(const struct ctx *c, const char *name, const char *text, const char *line,
                     bool optional)
{
        _cleanup_close_ int dfd = pdi_root_open(c->r, "/etc", O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
                return dfd;
        struct stat st = {.st_mode = 0644};
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
                if (optional)
                        return 0;
        }
        _cleanup_free_ char *data = NULL;
        size_t n = strlen(text);
        int len = asprintf(&data, "%s%s%s\n", text, n && text[n - 1] != '\n' ? "\n" : "", line);
        if (len < 0)
                return -ENOMEM;
        int k = pdi_write_atomic_at(dfd, name, data, (size_t)len, st.st_mode & 07777);
        if (k == 0 && fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                k = -errno;
        return k;
}

struct dbs {
        char *passwd, *group, *shadow, *gshadow;
};

static void dbs_free(struct dbs *d)
{
        free(d->passwd), free(d->group), free(d->shadow), free(d->gshadow);
}

/* No tool can write into this root (busybox has no --root): write the entries ourselves,
 * the way sysusers does: group first, then passwd, then shadow; locked password. */
static int create_builtin(const struct ctx *c, const struct account *a)
{
        _cleanup_(dbs_free) struct dbs db = {0};
        _cleanup_free_ char *gline = NULL;
        char *f[4], buf[1024];
        int k = db_read(c->r, "/etc/passwd", &db.passwd);
        k = k ?: db_read(c->r, "/etc/group", &db.group);
        k = k ?: db_read(c->r, "/etc/shadow", &db.shadow);
        k = k ?: db_read(c->r, "/etc/gshadow", &db.gshadow);
        if (k < 0)
                return k;
        uint32_t gid = 0, uid;
        bool have_group = db_find(db.group, a->name, &gline, f, 4) == 0;
        if (have_group ? parse_id(f[2], &gid) < 0
                       : (gid = free_system_id(db.passwd, db.group)) == 0)
                return -ERANGE;
        uid = !db_id_used(db.passwd, gid, 2) ? gid : free_system_id(db.passwd, db.group);
        if (uid == 0)
                return -ERANGE;
        _cleanup_close_ int sfd = pdi_root_open(c->r, "/etc/shadow", O_PATH, 0);
        bool shadowed = sfd >= 0;
        if (!have_group) {
                snprintf(buf, sizeof(buf), "%s:x:%" PRIu32 ":", a->name, gid);
                k = db_append(c, "group", db.group, buf, false);
                snprintf(buf, sizeof(buf), "%s:!*::", a->name);
                k = k ?: db_append(c, "gshadow", db.gshadow, buf, true);
        }
        snprintf(buf, sizeof(buf), "%s:%s:%" PRIu32 ":%" PRIu32 ":%s:%s:%s", a->name,
                 shadowed ? "x" : "!*", uid, gid, a->comment, a->home, c->nologin);
        k = k ?: db_append(c, "passwd", db.passwd, buf, false);
        snprintf(buf, sizeof(buf), "%s:!*:%lld::::::", a->name, (long long)(time(NULL) / 86400));
        return k ?: db_append(c, "shadow", db.shadow, buf, true);
}

struct method {
        const char *tool;     /* program needed on the host; NULL: none */
        const char *hide_env; /* test hook; NULL: none */
        bool host_only;       /* cannot write into another root */
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
                if (tool_hidden(m->hide_env) || (m->host_only && !c->r->is_host))
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

int pdi_users_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                     const struct pdi_distro *d, struct pdi_state *st, struct pdi_report *rep,
                     struct pdi_error *err)
{
        const struct account a[] = {
            {l->user, "Polkadot node", l->base_path},
            {l->worker_user, "Polkadot PVF workers", "/"},
        };
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
        _cleanup_close_ int fd = pdi_root_open(r, l->sysusers, O_RDONLY | O_NOCTTY, 0);
        if (fd < 0)
                return pdi_error_set(err, fd, "%s: %s", l->sysusers, pdi_strerror(fd));
        c.snippet_fd = fd;
        return create_missing(&c, a, exists, ELEMENTSOF(a));
}

/* ---- the base path ---- */

/* "polkadot" for an id the root's database names, else the number. */
static void id_name(const struct pdi_root *r, const char *db, uint32_t id, char *buf, size_t n)
{
        _cleanup_free_ char *text = NULL;
        if (db_read(r, db, &text) < 0 || !db_find_id(text, id, 2, buf, n))
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
        /* An operator's symlink to a bigger disk is followed, but only inside the root. */
        return pdi_root_open(r, path, O_RDONLY | O_DIRECTORY, 0);
}

/* Create the base path now, or repair its owner and mode. Only the top directory: chain
 * data below can be hundreds of GB and the node creates it with the right owner; a
 * restored snapshot with wrong owners deeper down is for `chown -R` by the operator. */
static int ensure_base(const struct pdi_root *r, const char *path, uid_t uid, gid_t gid,
                       struct pdi_report *rep, struct pdi_error *err)
{
        const mode_t mode = 0750;
        bool created = false;
        struct stat st;
        _cleanup_close_ int fd = open_or_create_dir(r, path, &created);
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
                return 0;
        }
        char u[64], g[64];
        id_name(r, "/etc/passwd", st.st_uid, u, sizeof(u));
        id_name(r, "/etc/group", st.st_gid, g, sizeof(g));
        pdi_report_action(rep, "repaired ownership of %s (was %s:%s %04o)", path, u, g,
                          (unsigned)(st.st_mode & 07777));
        return 0;
}

int pdi_dirs_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_settings *s, struct pdi_state *st, struct pdi_report *rep,
                    struct pdi_error *err)
{
        const char *base = s && s->base_path ? s->base_path : l->base_path;
        if (!base || base[0] != '/')
                return pdi_error_set(err, -PDI_E_USAGE, "base path %s: must be absolute",
                                     base ? base : "(none)");
        struct pdi_user u;
        int k = pdi_user_lookup(r, l->user, &u);
        if (k < 0)
                return pdi_error_set(err, k, "user %s in %s/etc/passwd: %s", l->user, r->path,
                                     pdi_strerror(k));
        uid_t uid = u.uid;
        gid_t gid = u.gid;
        pdi_user_done(&u);
        _cleanup_free_ char *snippet = NULL;
        if (asprintf(&snippet,
                     "# Written by polkadot-installer: the node's base path; see tmpfiles.d(5).\n"
                     "d %s 0750 %s %s -\n",
                     base, l->user, l->user) < 0)
                return pdi_error_set(err, -ENOMEM, "tmpfiles snippet: %s", pdi_strerror(-ENOMEM));
        k = write_snippet(r, st, l->tmpfiles, snippet, rep, err);
        return k < 0 ? k : ensure_base(r, base, uid, gid, rep, err);
}
