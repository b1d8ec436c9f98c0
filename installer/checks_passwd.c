/* Users and groups of the target root, read from its own /etc/passwd and /etc/group (never
 * NSS: under --root the host's users are not the target's). Enough to say what a service
 * user may read, write or search, and to drop privileges to it. */
#include "checks_internal.h"

#include <errno.h>
#include <stdint.h>

/* A uid or gid as the kernel takes one: decimal, 0 to 2^32 - 2 ((uid_t)-1 means "unchanged"
 * to setresuid). strtoul alone would take "-1" and wrap larger numbers. */
static bool parse_id(const char *s, unsigned long *ret)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*s < '0' || *s > '9' || *end || errno || v > UINT32_MAX - 1)
                return false;
        *ret = v;
        return true;
}

static int passwd_line(const char *line, const char *name, struct pdi_user *u)
{
        char *f[7] = {0};
        _cleanup_free_ char *copy = strdup(line);
        if (!copy)
                return -ENOMEM;
        char *s = copy;
        size_t n = 0;
        for (; n < 7 && s; n++)
                f[n] = strsep(&s, ":");
        if (n < 7 || !streq(f[0], name))
                return 0;
        unsigned long uid, gid;
        if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid))
                return 0;
        u->name = strdup(name);
        u->home = strdup(f[5]);
        if (!u->name || !u->home)
                return -ENOMEM;
        u->uid = (uid_t)uid;
        u->gid = (gid_t)gid;
        u->groups[0] = u->gid;
        u->n_groups = 1;
        return 1;
}

static bool member_of(const char *members, const char *name)
{
        size_t len = strlen(name);
        for (const char *p = members; p && *p;) {
                const char *c = strchr(p, ',');
                size_t n = c ? (size_t)(c - p) : strcspn(p, "\n");
                if (n == len && strncmp(p, name, len) == 0)
                        return true;
                p = c ? c + 1 : NULL;
        }
        return false;
}

static void add_groups(const struct pdi_root *r, struct pdi_user *u)
{
        _cleanup_free_ char *buf = NULL;
        if (pdi_root_read_file(r, "/etc/group", 4 << 20, &buf, NULL) < 0)
                return;
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *f[4] = {0}, *s = l;
                size_t n = 0;
                for (; n < 4 && s; n++)
                        f[n] = strsep(&s, ":");
                if (n < 4 || !member_of(f[3], u->name) || u->n_groups >= ELEMENTSOF(u->groups))
                        continue;
                unsigned long gid;
                if (parse_id(f[2], &gid))
                        u->groups[u->n_groups++] = (gid_t)gid;
        }
}

int pdi_user_lookup(const struct pdi_root *r, const char *name, struct pdi_user *ret)
{
        _cleanup_free_ char *buf = NULL;
        int k = pdi_root_read_file(r, "/etc/passwd", 4 << 20, &buf, NULL);
        if (k < 0)
                return k;
        struct pdi_user u = {0};
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                k = passwd_line(l, name, &u);
                if (k < 0) {
                        pdi_user_done(&u);
                        return k;
                }
                if (k > 0) {
                        add_groups(r, &u);
                        *ret = u;
                        return 0;
                }
        }
        return -ENOENT;
}

void pdi_user_done(struct pdi_user *u)
{
        free(u->name);
        free(u->home);
        *u = (struct pdi_user){0};
}

bool pdi_user_may(const struct pdi_user *u, uid_t owner, gid_t group, mode_t mode, int mask)
{
        if (owner == u->uid)
                return (mode >> 6) & (mode_t)mask;
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == group)
                        return (mode >> 3) & (mode_t)mask;
        return mode & (mode_t)mask;
}

#define NOBODY_ID 65534

void pdi_run_as_pick(const struct pdi_target *t, struct pdi_run_as *ret)
{
        struct pdi_user u = {0};
        bool have = t->service_user && pdi_user_lookup(t->root, t->service_user, &u) == 0;
        *ret = (struct pdi_run_as){.service = true};
        if (geteuid() != 0) {
                ret->service = !have || u.uid == geteuid();
                snprintf(ret->label, sizeof(ret->label), "uid %u (this user)", (unsigned)geteuid());
        } else if (have) {
                ret->creds = (struct pdi_creds){.drop = true, .uid = u.uid, .gid = u.gid};
                ret->creds.n_groups = u.n_groups;
                _Static_assert(sizeof(ret->creds.groups) == sizeof(u.groups), "group lists");
                memcpy(ret->creds.groups, u.groups, sizeof(ret->creds.groups));
                snprintf(ret->label, sizeof(ret->label), "%s", u.name);
        } else {
                ret->creds = (struct pdi_creds){.drop = true, .uid = NOBODY_ID, .gid = NOBODY_ID};
                snprintf(ret->label, sizeof(ret->label), "nobody (%u)", NOBODY_ID);
        }
        pdi_user_done(&u);
}
