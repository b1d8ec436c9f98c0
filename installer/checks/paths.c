/* SPDX-License-Identifier: Apache-2.0 */
/* Paths inside the root, resolved as the kernel does it there: a root-confined realpath,
 * joins, a list of unique paths, and whether a directory holds a worker set. Everything
 * reads through the root fd (fsroot.h); nothing here follows a path out of the root. */
#include "checks/paths.h"
#include "trust/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

bool pdi_root_exists(const struct pdi_root *r, const char *path)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH, 0);
        return fd >= 0;
}

static int fd_path(int fd, char **ret)
{
        char proc[64], buf[PATH_MAX];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* The kernel resolves the path with RESOLVE_IN_ROOT (so ".." and absolute links stay inside);
 * /proc/self/fd then names what it reached, which we make relative to the root again. */
int pdi_root_realpath(const struct pdi_root *r, const char *path, char **ret)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        _cleanup_free_ char *rootp = NULL, *p = NULL;
        int k = fd_path(r->fd, &rootp);
        if (k == 0)
                k = fd_path(fd, &p);
        if (k < 0)
                return k;
        size_t n = streq(rootp, "/") ? 0 : strlen(rootp);
        if (strncmp(p, rootp, n) != 0 || (p[n] != '/' && p[n] != '\0'))
                return -EXDEV;
        *ret = strdup(p[n] ? p + n : "/");
        return *ret ? 0 : -ENOMEM;
}

char *pdi_path_join(const char *dir, const char *name)
{
        char *p = NULL;
        if (!dir || !name)
                return NULL;
        if (asprintf(&p, "%s%s%s", dir, streq(dir, "/") ? "" : "/", name) < 0)
                return NULL;
        return p;
}

bool pdi_worker_set_in(const struct pdi_root *r, const char *dir)
{
        for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER; role <= PDI_ROLE_EXECUTE_WORKER;
             role++) {
                _cleanup_free_ char *p = pdi_path_join(dir, pdi_role_file(role));
                if (!p || !pdi_root_exists(r, p))
                        return false;
        }
        return true;
}

int pdi_strv_add_unique(char ***v, size_t *n, char *p)
{
        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < *n; i++)
                if (streq((*v)[i], p)) {
                        free(p);
                        return 0;
                }
        char **nv = realloc(*v, (*n + 1) * sizeof(**v));
        if (!nv) {
                free(p);
                return -ENOMEM;
        }
        *v = nv;
        (*v)[(*n)++] = p;
        return 1;
}

/* dpkg's status file (up to 64 MiB: read once, by discovery) lists polkadot as installed. */
bool pdi_dpkg_has_polkadot(const struct pdi_root *r)
{
        _cleanup_free_ char *buf = NULL;
        if (pdi_root_read_file(r, "/var/lib/dpkg/status", 64 << 20, &buf, NULL) < 0)
                return false;
        for (char *p = buf; (p = strstr(p, "Package: polkadot\n"));) {
                if (p != buf && p[-1] != '\n') {
                        p++;
                        continue;
                }
                char *end = strstr(p, "\n\n");
                char *st = strstr(p, "\nStatus: install ok installed");
                return st && (!end || st < end);
        }
        return false;
}
