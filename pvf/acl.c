/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX ACLs through their xattrs (system.posix_acl_*), so the static relay needs no
 * libacl: a version-2 header then {u16 tag, u16 perm, u32 id} entries, sorted by tag and id,
 * with a mask whenever a named entry is present. */
#include "acl.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define ACL_VERSION 2
#define TAG_USER_OBJ 0x01
#define TAG_USER 0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_GROUP 0x08
#define TAG_MASK 0x10
#define TAG_OTHER 0x20
#define NO_ID 0xffffffffu
#define MAX_ENTRIES 32

struct entry {
        uint16_t tag, perm;
        uint32_t id;
};

struct acl {
        uint32_t version;
        struct entry e[MAX_ENTRIES];
        size_t n;
};

static void from_mode(struct acl *a, mode_t mode)
{
        a->n = 3;
        a->e[0] = (struct entry){TAG_USER_OBJ, (mode >> 6) & 7, NO_ID};
        a->e[1] = (struct entry){TAG_GROUP_OBJ, (mode >> 3) & 7, NO_ID};
        a->e[2] = (struct entry){TAG_OTHER, mode & 7, NO_ID};
}

static int load(const char *path, struct acl *a, mode_t mode)
{
        char buf[4 + MAX_ENTRIES * sizeof(struct entry)];
        ssize_t n = getxattr(path, "system.posix_acl_access", buf, sizeof(buf));

        if (n < 0 && errno != ENODATA)
                return -errno;
        if (n < 0 || n <= 4) {
                from_mode(a, mode);
                return 0;
        }
        memcpy(&a->version, buf, 4);
        if (a->version != ACL_VERSION || (n - 4) % sizeof(struct entry))
                return -EBADMSG;
        a->n = (size_t)(n - 4) / sizeof(struct entry);
        memcpy(a->e, buf + 4, (size_t)(n - 4));
        return 0;
}

static struct entry *find(struct acl *a, uint16_t tag, uint32_t id)
{
        for (size_t i = 0; i < a->n; i++)
                if (a->e[i].tag == tag && a->e[i].id == id)
                        return &a->e[i];
        return NULL;
}

static int add(struct acl *a, uint16_t tag, uint16_t perm, uint32_t id)
{
        struct entry *e = find(a, tag, id);

        if (e) {
                e->perm |= perm;
                return 0;
        }
        if (a->n == MAX_ENTRIES)
                return -E2BIG;
        a->e[a->n++] = (struct entry){tag, perm, id};
        return 0;
}

static void sort(struct acl *a)
{
        for (size_t i = 1; i < a->n; i++)
                for (size_t j = i; j > 0; j--) {
                        struct entry *x = &a->e[j - 1], *y = &a->e[j];
                        if (x->tag < y->tag || (x->tag == y->tag && x->id <= y->id))
                                break;
                        struct entry t = *x;
                        *x = *y;
                        *y = t;
                }
}

static int store(const char *path, const char *name, struct acl *a)
{
        char buf[4 + MAX_ENTRIES * sizeof(struct entry)];
        uint32_t v = ACL_VERSION;

        sort(a);
        memcpy(buf, &v, 4);
        memcpy(buf + 4, a->e, a->n * sizeof(struct entry));
        if (setxattr(path, name, buf, 4 + a->n * sizeof(struct entry), 0) < 0)
                return -errno;
        return 0;
}

int pvf_acl_grant(const char *path, uid_t uid, unsigned perm)
{
        struct acl a = {0};
        struct stat st;
        struct entry *mask, *group;
        int r;

        if (stat(path, &st) < 0)
                return -errno;
        if ((r = load(path, &a, st.st_mode)) < 0 || (r = add(&a, TAG_USER, perm, uid)) < 0)
                return r;
        /* The mask caps named entries and the owning group: widen it by perm only, or from
         * the group's own bits when there was none, so no one else gains anything. */
        mask = find(&a, TAG_MASK, NO_ID);
        group = find(&a, TAG_GROUP_OBJ, NO_ID);
        if (mask)
                mask->perm |= (uint16_t)perm;
        else if ((r = add(&a, TAG_MASK, (uint16_t)(perm | (group ? group->perm : 0)), NO_ID)) < 0)
                return r;
        return store(path, "system.posix_acl_access", &a);
}

int pvf_acl_default(const char *dir, uid_t uid, uid_t node)
{
        struct acl a = {0};

        from_mode(&a, 0700);
        a.e[a.n++] = (struct entry){TAG_USER, 7, uid};
        if (node != uid)
                a.e[a.n++] = (struct entry){TAG_USER, 7, node};
        a.e[a.n++] = (struct entry){TAG_MASK, 7, NO_ID};
        return store(dir, "system.posix_acl_default", &a);
}

int pvf_acl_ancestors(const char *path, uid_t uid, uid_t owner)
{
        char dir[PATH_MAX];
        struct stat st;

        if (strlen(path) >= sizeof(dir))
                return -ENAMETOOLONG;
        memcpy(dir, path, strlen(path) + 1);
        for (;;) {
                char *slash = strrchr(dir, '/');
                if (!slash || slash == dir)
                        return 0;
                *slash = '\0';
                if (stat(dir, &st) < 0)
                        return -errno;
                if (st.st_uid != owner)
                        return 0;
                int r = pvf_acl_grant(dir, uid, 1);
                if (r < 0)
                        return r;
        }
}
