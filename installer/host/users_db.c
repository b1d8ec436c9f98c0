/* SPDX-License-Identifier: Apache-2.0 */
#include "host/users_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#define DB_MAX (16 * 1024 * 1024)
#define SYS_ID_MIN 100
#define SYS_ID_MAX 999

/* ---- reading ---- */

int pdi_users_db_read(const struct pdi_root *r, const char *path, char **ret)
{
        /* O_NOFOLLOW: the file we read must be the one a new entry replaces (rename over
         * it); a link would make the two differ. */
        _cleanup_close_ int fd = pdi_root_open_regular(r, path, O_NOFOLLOW);
        if (fd == -ENOENT) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return fd < 0 ? fd : pdi_read_fd(fd, DB_MAX, ret, NULL);
}

const char *pdi_users_db_strerror(int k)
{
        return k == -ELOOP ? "is a symlink, refusing to follow it" : pdi_read_strerror(k);
}

int pdi_users_db_find(const char *text, const char *name, char **ret_line, char **f, size_t max)
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

/* (uid_t)-1 means "unchanged" to setresuid; strtoul alone would take " 5", "+5" and "-1". */
int pdi_users_parse_id(const char *s, uint32_t *ret)
{
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*s < '0' || *s > '9' || errno || *end || v > UINT32_MAX - 1)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

bool pdi_users_db_find_id(const char *text, uint32_t id, unsigned field, char *buf, size_t n)
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
                        if (pdi_users_parse_id(num, &v) == 0 && v == id) {
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
        return pdi_users_db_find_id(text, id, field, NULL, 0);
}

bool pdi_users_in_members(const char *members, const char *name)
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

/* The supplementary groups of u from the root's /etc/group (as many as fit). */
static int add_groups(const struct pdi_root *r, struct pdi_user *u)
{
        _cleanup_free_ char *text = NULL;
        int k = pdi_users_db_read(r, "/etc/group", &text);
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
                if (pdi_users_in_members(f[3], u->name) && pdi_users_parse_id(f[2], &gid) == 0 &&
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
        int k = pdi_users_db_read(r, "/etc/passwd", &text);
        if (k == 0)
                k = pdi_users_db_find(text, name, &line, f, ELEMENTSOF(f));
        uint32_t uid = 0, gid = 0;
        if (k == 0 && (pdi_users_parse_id(f[2], &uid) < 0 || pdi_users_parse_id(f[3], &gid) < 0))
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

/* ---- writing ---- */

static uint32_t free_system_id(const char *passwd, const char *group)
{
        for (uint32_t id = SYS_ID_MAX; id >= SYS_ID_MIN; id--)
                if (!db_id_used(passwd, id, 2) && !db_id_used(group, id, 2))
                        return id;
        return 0;
}

/* Append line to /etc/<name> in the root, keeping the file's mode and owner (shadow is
 * root:shadow 0640 on Debian). A missing file is created with new_mode, as systemd-sysusers
 * does (0000 for the shadow files); anything but a regular file is refused (its mode would
 * be a link's 0777). */
static int db_append(const struct pdi_root *r, const char *name, const char *text, const char *line,
                     mode_t new_mode)
{
        _cleanup_close_ int dfd = pdi_root_open(r, "/etc", O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
                return dfd;
        struct stat st = {.st_mode = S_IFREG | new_mode};
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
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

static int dbs_read(const struct pdi_root *r, struct dbs *db)
{
        int k = pdi_users_db_read(r, "/etc/passwd", &db->passwd);
        k = k ?: pdi_users_db_read(r, "/etc/group", &db->group);
        k = k ?: pdi_users_db_read(r, "/etc/shadow", &db->shadow);
        return k ?: pdi_users_db_read(r, "/etc/gshadow", &db->gshadow);
}

/* Group first, then passwd, then shadow; locked password. */
int pdi_users_db_add(const struct pdi_root *r, const char *name, const char *comment,
                     const char *home, const char *shell)
{
        _cleanup_(dbs_free) struct dbs db = {0};
        _cleanup_free_ char *gline = NULL;
        char *f[4], buf[1024];
        int k = dbs_read(r, &db);
        if (k < 0)
                return k;
        uint32_t gid = 0, uid;
        bool have_group = pdi_users_db_find(db.group, name, &gline, f, 4) == 0;
        if (have_group ? pdi_users_parse_id(f[2], &gid) < 0
                       : (gid = free_system_id(db.passwd, db.group)) == 0)
                return -ERANGE;
        uid = !db_id_used(db.passwd, gid, 2) ? gid : free_system_id(db.passwd, db.group);
        if (uid == 0)
                return -ERANGE;
        if (!have_group) {
                snprintf(buf, sizeof(buf), "%s:x:%" PRIu32 ":", name, gid);
                k = db_append(r, "group", db.group, buf, 0644);
                snprintf(buf, sizeof(buf), "%s:!*::", name);
                k = k ?: db_append(r, "gshadow", db.gshadow, buf, 0);
        }
        snprintf(buf, sizeof(buf), "%s:x:%" PRIu32 ":%" PRIu32 ":%s:%s:%s", name, uid, gid, comment,
                 home, shell);
        k = k ?: db_append(r, "passwd", db.passwd, buf, 0644);
        snprintf(buf, sizeof(buf), "%s:!*:%lld::::::", name, (long long)(time(NULL) / 86400));
        return k ?: db_append(r, "shadow", db.shadow, buf, 0);
}
