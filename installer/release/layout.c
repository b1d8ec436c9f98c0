/* SPDX-License-Identifier: Apache-2.0 */
#include "release/layout.h"
#include "base/fault.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

/* Every path and name of an install, from the instance name (and the release prefix). */
int pdi_layout_init(struct pdi_layout *l, const char *instance, const char *prefix)
{
        *l = (struct pdi_layout){0};
        const char *i = instance ? instance : PDI_INSTANCE_DEFAULT;
        l->instance = strdup(i);
        l->prefix = prefix ? strdup(prefix) : NULL;
        if (!prefix && asprintf(&l->prefix, "/opt/%s", i) < 0)
                l->prefix = NULL;
        if (!l->instance || !l->prefix)
                goto oom;
        /* Each path is before + (the instance, or the prefix for the release tree) + after;
         * the fixed ones use neither. */
        enum { NONE, INSTANCE, PREFIX };
        const struct {
                char **field;
                const char *before;
                int middle;
                const char *after;
        } paths[] = {
            {&l->releases, "", PREFIX, "/releases"},
            {&l->current, "", PREFIX, "/current"},
            {&l->bin_link, "/usr/local/bin/", INSTANCE, ""},
            {&l->cache, "/var/cache/polkadot-installer", NONE, ""},
            {&l->state_dir, "/var/lib/polkadot-installer", NONE, ""},
            {&l->lock, "/var/lib/polkadot-installer/lock", NONE, ""},
            {&l->service, "", INSTANCE, ".service"},
            {&l->slice, "", INSTANCE, ".slice"},
            {&l->unit_dir, "/etc/systemd/system", NONE, ""},
            {&l->service_path, "/etc/systemd/system/", INSTANCE, ".service"},
            {&l->slice_path, "/etc/systemd/system/", INSTANCE, ".slice"},
            {&l->dropin_dir, "/etc/systemd/system/", INSTANCE, ".service.d"},
            {&l->wants_link, "/etc/systemd/system/multi-user.target.wants/", INSTANCE, ".service"},
            {&l->config_dir, "/etc/polkadot-installer", NONE, ""},
            {&l->config, "/etc/polkadot-installer/config", NONE, ""},
            {&l->env_file, "/etc/polkadot-installer/", INSTANCE, ".env"},
            {&l->sysusers, "/etc/sysusers.d/", INSTANCE, ".conf"},
            {&l->tmpfiles, "/etc/tmpfiles.d/", INSTANCE, ".conf"},
            {&l->base_path, "/var/lib/", INSTANCE, ""},
            {&l->user, "", INSTANCE, ""},
            {&l->worker_user, "pvf-worker", NONE, ""},
            {&l->pvf_dir, "", PREFIX, "/pvf"},
            {&l->pvf_list, "", PREFIX, "/pvf/workers.list"},
            {&l->pvf_spawner, "", PREFIX, "/pvf/polkadot-pvf-spawner"},
            {&l->pvf_service, "", INSTANCE, "-pvf.service"},
            {&l->pvf_socket_unit, "", INSTANCE, "-pvf.socket"},
            {&l->pvf_slice, "", INSTANCE, "-pvf.slice"},
            {&l->pvf_socket, "/run/", INSTANCE, "-pvf/spawner.sock"},
        };
        for (size_t k = 0; k < ELEMENTSOF(paths); k++) {
                const char *mid = paths[k].middle == INSTANCE ? i
                                  : paths[k].middle == PREFIX ? l->prefix
                                                              : "";
                if (asprintf(paths[k].field, "%s%s%s", paths[k].before, mid, paths[k].after) < 0) {
                        *paths[k].field = NULL;
                        goto oom;
                }
        }
        return 0;
oom:
        pdi_layout_done(l);
        return -ENOMEM;
}

void pdi_layout_done(struct pdi_layout *l)
{
        char **fields[] = {&l->instance,   &l->prefix,      &l->releases,    &l->current,
                           &l->bin_link,   &l->cache,       &l->state_dir,   &l->lock,
                           &l->service,    &l->slice,       &l->unit_dir,    &l->service_path,
                           &l->slice_path, &l->dropin_dir,  &l->wants_link,  &l->config_dir,
                           &l->config,     &l->env_file,    &l->sysusers,    &l->tmpfiles,
                           &l->base_path,  &l->user,        &l->worker_user, &l->pvf_dir,
                           &l->pvf_list,   &l->pvf_spawner, &l->pvf_service, &l->pvf_socket_unit,
                           &l->pvf_slice,  &l->pvf_socket};
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                free(*fields[i]);
                *fields[i] = NULL;
        }
}

int pdi_layout_current(const struct pdi_root *r, const struct pdi_layout *l, char **ret_version)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, l->current, 0, &base);
        *ret_version = NULL;
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        char target[PATH_MAX];
        ssize_t n = readlinkat(dfd, base, target, sizeof(target) - 1);
        if (n < 0)
                return errno == ENOENT ? 0 : -errno;
        target[n] = '\0';
        if (strncmp(target, "releases/", 9) != 0 || strchr(target + 9, '/') || !target[9])
                return -EUCLEAN;
        *ret_version = strdup(target + 9);
        return *ret_version ? 0 : -ENOMEM;
}

int pdi_readlink_at(int dfd, const char *name, char *buf, size_t size)
{
        ssize_t n = readlinkat(dfd, name, buf, size - 1);
        if (n < 0)
                return errno == EINVAL ? -EEXIST : -errno; /* EINVAL: not a symlink */
        buf[n] = '\0';
        return 0;
}

int pdi_symlink_replace(int dfd, const char *name, const char *target)
{
        char tmp[NAME_MAX + 1];
        if (snprintf(tmp, sizeof(tmp), ".%s.new", name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        (void)unlinkat(dfd, tmp, 0);
        if (symlinkat(target, dfd, tmp) < 0)
                return -errno;
        pdi_fault("symlink-made");
        if (renameat(dfd, tmp, dfd, name) < 0) {
                int k = -errno;
                (void)unlinkat(dfd, tmp, 0);
                return k;
        }
        return fsync(dfd) < 0 ? -errno : 0;
}

int pdi_layout_switch(const struct pdi_root *r, const struct pdi_layout *l, const char *version)
{
        _cleanup_close_ int dfd = pdi_root_open(r, l->prefix, O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
                return dfd;
        _cleanup_free_ char *target = NULL;
        if (asprintf(&target, "releases/%s", version) < 0)
                return -ENOMEM;
        int k = pdi_symlink_replace(dfd, "current", target);
        /* With worker isolation the node runs from pvf/current/ (host/pvf.h): it follows,
         * right after. Should a crash fall between the two, the next run's host
         * configuration sets pvf/current from current again. */
        _cleanup_close_ int pfd =
            k == 0 ? openat(dfd, "pvf", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (pfd >= 0)
                k = pdi_symlink_replace(pfd, "current", version);
        return k;
}

int pdi_layout_link(const struct pdi_root *r, const char *link, const char *target)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, link, 0755, &base);
        if (dfd < 0)
                return dfd;
        char old[PATH_MAX];
        int k = pdi_readlink_at(dfd, base, old, sizeof(old));
        if (k == 0 && streq(old, target))
                return 0;
        if (k == 0 && !strstr(old, "/current/"))
                return -EEXIST; /* somebody else's link */
        if (k < 0 && k != -ENOENT)
                return k;
        return pdi_symlink_replace(dfd, base, target);
}

static int rm_contents(int dfd);

static int rm_entry(int dfd, const char *name)
{
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return -errno;
        int k = rm_contents(sub);
        close(sub);
        if (k < 0)
                return k;
        return unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

static int rm_contents(int dfd)
{
        int dup_fd = dup(dfd);
        if (dup_fd < 0)
                return -errno;
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return -errno;
        }
        int k = 0;
        struct dirent *de;
        while (k == 0 && (de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        k = rm_entry(dfd, de->d_name);
        closedir(d);
        return k;
}

int pdi_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode) || strncmp(name, ".delete-", 8) == 0)
                return rm_entry(dirfd, name);
        char hidden[NAME_MAX + 1];
        if (snprintf(hidden, sizeof(hidden), ".delete-%s", name) >= (int)sizeof(hidden))
                return -ENAMETOOLONG;
        (void)rm_entry(dirfd, hidden);
        if (renameat(dirfd, name, dirfd, hidden) < 0)
                return -errno;
        (void)fsync(dirfd);
        pdi_fault("delete-renamed");
        return rm_entry(dirfd, hidden);
}

bool pdi_layout_in_use(const struct pdi_root *r, const char *dir)
{
        _cleanup_free_ char *shown = pdi_root_display(r, dir);
        char prefix[PATH_MAX];
        if (!shown || !realpath(shown, prefix))
                return false;
        size_t n = strlen(prefix);
        DIR *d = opendir("/proc");
        if (!d)
                return false;
        bool used = false;
        struct dirent *de;
        while (!used && (de = readdir(d))) {
                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                char link[300], exe[PATH_MAX];
                snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
                ssize_t k = readlink(link, exe, sizeof(exe) - 1);
                if (k <= 0)
                        continue;
                exe[k] = '\0';
                used = strncmp(exe, prefix, n) == 0 && exe[n] == '/';
        }
        closedir(d);
        return used;
}

/* Numeric parts compare as numbers; a release sorts after its pre-releases. */
int pdi_version_cmp(const char *a, const char *b)
{
        while (*a || *b) {
                if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
                        char *ea, *eb;
                        unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
                        if (x != y)
                                return x < y ? -1 : 1;
                        a = ea;
                        b = eb;
                        continue;
                }
                if (*a == *b) {
                        a++;
                        b++;
                        continue;
                }
                if (*a == '-' || !*b)
                        return *a == '-' ? -1 : 1;
                if (*b == '-' || !*a)
                        return *b == '-' ? 1 : -1;
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        }
        return 0;
}

static int cmp_version_p(const void *a, const void *b)
{
        return pdi_version_cmp(*(char *const *)a, *(char *const *)b);
}

void pdi_strv_free(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int pdi_layout_list_releases(const struct pdi_root *r, const struct pdi_layout *l,
                             char ***ret_versions, size_t *ret_n)
{
        *ret_versions = NULL;
        *ret_n = 0;
        DIR *d = NULL;
        int k = pdi_root_opendir(r, l->releases, &d);
        if (k < 0)
                return k == -ENOENT ? 0 : k;
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        struct stat st;
        while (k == 0 && (de = readdir(d))) {
                if (de->d_name[0] == '.' || strchr(de->d_name, '.') == NULL ||
                    strstr(de->d_name, ".partial"))
                        continue;
                /* An operator's notes.txt (or a link) is no release: never kept, never pruned. */
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                char **nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv || !(nv[n] = strdup(de->d_name))) {
                        v = nv ? nv : v;
                        k = -ENOMEM;
                        break;
                }
                v = nv;
                n++;
        }
        closedir(d);
        if (k < 0) {
                pdi_strv_free(v, n);
                return k;
        }
        if (n > 1) /* qsort(NULL, 0, …) is undefined: an empty releases/ gives NULL */
                qsort(v, n, sizeof(*v), cmp_version_p);
        *ret_versions = v;
        *ret_n = n;
        return 0;
}

static bool is_leftover(const char *name)
{
        size_t n = strlen(name);
        return strncmp(name, ".delete-", 8) == 0 || strncmp(name, ".repair-", 8) == 0 ||
               (n > 8 && streq(name + n - 8, ".partial"));
}

int pdi_layout_cleanup(const struct pdi_root *r, const struct pdi_layout *l,
                       void (*report)(const char *what, void *userdata), void *userdata)
{
        _cleanup_closedir_ DIR *d = NULL;
        int k = pdi_root_opendir(r, l->releases, &d);
        if (k < 0)
                return k == -ENOENT ? 0 : k;
        int dfd = dirfd(d);
        char *names[64];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) && n < ELEMENTSOF(names))
                if (is_leftover(de->d_name) && (names[n] = strdup(de->d_name)))
                        n++;
        for (size_t i = 0; i < n; i++) {
                int e = rm_entry(dfd, names[i]);
                if (e == 0 && report)
                        report(names[i], userdata);
                if (e < 0 && k == 0)
                        k = e;
                free(names[i]);
        }
        (void)fsync(dfd);
        /* A temporary symlink of an interrupted switch. */
        _cleanup_close_ int pfd = pdi_root_open(r, l->prefix, O_RDONLY | O_DIRECTORY, 0);
        if (pfd >= 0 && unlinkat(pfd, ".current.new", 0) == 0 && report)
                report(".current.new", userdata);
        return k;
}
