/* SPDX-License-Identifier: Apache-2.0 */
/* See unitlinks.h. */
#include "host/unitlinks.h"
#include "release/layout.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#define UNIT_DIR "/etc/systemd/system"

static bool link_folder(const char *name)
{
        static const char *const ends[] = {".wants", ".requires", ".upholds"};
        size_t n = strlen(name);
        for (size_t i = 0; i < ELEMENTSOF(ends); i++) {
                size_t e = strlen(ends[i]);
                if (n > e && streq(name + n - e, ends[i]))
                        return true;
        }
        return false;
}

static int add_link(const struct pdi_root *r, const char *folder, const char *unit, json_t *out)
{
        char path[PATH_MAX], target[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), UNIT_DIR "/%s/%s", folder, unit) >= sizeof(path))
                return 0;
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, path, 0, &base);
        if (dfd < 0 || pdi_readlink_at(dfd, base, target, sizeof(target)) < 0)
                return 0;
        json_t *l = json_pack("{s:s, s:s}", "link", path, "target", target);
        return l && json_array_append_new(out, l) == 0 ? 0 : -ENOMEM;
}

int pdi_unit_links_find(const struct pdi_root *r, const char *unit, json_t **ret)
{
        json_t *out = json_array();
        DIR *dp = NULL;
        if (!out)
                return -ENOMEM;
        int k = 0;
        if (pdi_root_opendir(r, UNIT_DIR, &dp) == 0) {
                for (struct dirent *de; k == 0 && (de = readdir(dp));)
                        if (link_folder(de->d_name))
                                k = add_link(r, de->d_name, unit, out);
                closedir(dp);
        }
        if (k < 0) {
                json_decref(out);
                return k;
        }
        *ret = out;
        return 0;
}

static int one(const struct pdi_root *r, json_t *l, bool make, struct pdi_report *rep,
               struct pdi_error *err)
{
        const char *path = json_string_value(json_object_get(l, "link"));
        const char *target = json_string_value(json_object_get(l, "target"));
        const char *base;
        char now[PATH_MAX];
        if (!path || !target)
                return 0;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, path, make ? 0755 : 0, &base);
        if (dfd < 0)
                return make ? pdi_error_set(err, dfd, "%s: %s", path, pdi_strerror(dfd)) : 0;
        int k = pdi_readlink_at(dfd, base, now, sizeof(now));
        if (make) {
                if (k == 0 && streq(now, target))
                        return 0;
                k = pdi_symlink_replace(dfd, base, target);
                if (k < 0)
                        return pdi_error_set(err, k, "%s: %s", path, pdi_strerror(k));
                pdi_report_action(rep, "linked %s → %s again", path, target);
                return 0;
        }
        if (k < 0 || !streq(now, target)) {
                pdi_report_warn(rep, "%s no longer points to %s: left it", path, target);
                return 0;
        }
        if (unlinkat(dfd, base, 0) < 0)
                return pdi_error_set(err, -errno, "%s: cannot remove: %s", path, strerror(errno));
        pdi_report_action(rep, "removed %s (→ %s)", path, target);
        return 0;
}

static int each(const struct pdi_root *r, json_t *links, bool make, struct pdi_report *rep,
                struct pdi_error *err)
{
        size_t i;
        json_t *l;
        int k = 0;
        json_array_foreach(links, i, l) if (k == 0) k = one(r, l, make, rep, err);
        return k;
}

int pdi_unit_links_remove(const struct pdi_root *r, json_t *links, struct pdi_report *rep,
                          struct pdi_error *err)
{
        return each(r, links, false, rep, err);
}

int pdi_unit_links_restore(const struct pdi_root *r, json_t *links, struct pdi_report *rep,
                           struct pdi_error *err)
{
        return each(r, links, true, rep, err);
}
