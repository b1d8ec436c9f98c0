/* SPDX-License-Identifier: Apache-2.0 */
#include "base/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int pdi_root_init(struct pdi_root *r, const char *path)
{
        if (!path || !*path)
                path = "/";
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r->path = strdup(path);
        if (!r->path) {
                close(fd);
                return -ENOMEM;
        }
        r->fd = fd;
        struct stat a, b;
        r->is_host = fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev &&
                     a.st_ino == b.st_ino;
        return 0;
}

void pdi_root_done(struct pdi_root *r)
{
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        free(r->path);
        r->path = NULL;
}

static const char *skip_slashes(const char *p)
{
        while (*p == '/')
                p++;
        return *p ? p : ".";
}

int pdi_root_open(const struct pdi_root *r, const char *path, int flags, mode_t mode)
{
        if ((flags & (O_CREAT | O_WRONLY | O_RDWR)) != 0)
                flags |= O_NOFOLLOW;
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .mode = (flags & O_CREAT) ? mode : 0,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, r->fd, skip_slashes(path), &how, sizeof(how));
        return fd < 0 ? -errno : (int)fd;
}

int pdi_root_opendir(const struct pdi_root *r, const char *path, DIR **ret)
{
        int fd = pdi_root_open(r, path, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return fd;
        DIR *d = fdopendir(fd);
        if (!d) {
                int k = -errno;
                close(fd);
                return k;
        }
        *ret = d;
        return 0;
}

/* mkdir with exactly mode whatever the umask (077 would leave 0700, and the node user could
 * not reach its binary): fchmod of the new directory, opened without following a link. An
 * existing directory is left as it is. */
static int make_dir_at(int dirfd, const char *name, mode_t mode)
{
        if (mkdirat(dirfd, name, mode) < 0)
                return errno == EEXIST ? 0 : -errno;
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, mode) < 0)
                return -errno;
        return 0;
}

int pdi_root_mkdir_p(const struct pdi_root *r, const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char saved = *s;
                *s = '\0';
                _cleanup_close_ int parent = -1;
                _cleanup_free_ char *dir = NULL;
                const char *base;
                int k = pdi_path_split(p, &dir, &base);
                if (k < 0)
                        return k;
                parent = pdi_root_open(r, dir, O_PATH | O_DIRECTORY, 0);
                if (parent < 0)
                        return parent;
                /* Parents a path needs get the usual 0755; only the last part gets mode. */
                k = make_dir_at(parent, base, saved == '\0' ? mode : 0755);
                if (k < 0)
                        return k;
                *s = saved;
                if (saved == '\0')
                        break;
        }
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        return fd < 0 ? fd : 0;
}

/* fd was opened with O_NONBLOCK, so a FIFO or device did not block the open: refuse what is
 * not a regular file (-EINVAL), then read blocking as usual. */
static int regular_only(int fd, struct stat *ret_st)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || ((fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
                return -errno;
        if (ret_st)
                *ret_st = st;
        return 0;
}

static int checked_regular(int fd)
{
        int k = regular_only(fd, NULL);
        if (k < 0) {
                close(fd);
                return k;
        }
        return fd;
}

int pdi_root_open_regular(const struct pdi_root *r, const char *path, int flags)
{
        int fd = pdi_root_open(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | flags, 0);
        return fd < 0 ? fd : checked_regular(fd);
}

int pdi_open_regular_at(int dirfd, const char *name, int flags)
{
        int fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | flags);
        return fd < 0 ? -errno : checked_regular(fd);
}

int pdi_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
        struct stat st;
        int k = regular_only(fd, &st);
        if (k < 0)
                return k;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;
        _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t len = 0;
        for (;;) {
                /* Read one byte past what stat said, to catch a file that grew meanwhile. */
                ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > (size_t)st.st_size)
                        return -EFBIG;
        }
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int pdi_read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
        _cleanup_close_ int fd = pdi_open_regular_at(dirfd, path, O_NOFOLLOW);
        if (fd < 0)
                return fd;
        return pdi_read_fd(fd, max, ret_buf, ret_len);
}

int pdi_read_host_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
        /* O_NONBLOCK: opening a FIFO for reading would wait for a writer; pdi_read_fd then
         * refuses whatever is not a regular file, where the flag changes nothing. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return pdi_read_fd(fd, max, ret_buf, ret_len);
}

const char *pdi_read_strerror(int r)
{
        return r == -EINVAL ? "not a regular file" : strerror(-r);
}

int pdi_root_read_file(const struct pdi_root *r, const char *path, size_t max, char **ret_buf,
                       size_t *ret_len)
{
        _cleanup_close_ int fd = pdi_root_open_regular(r, path, 0);
        if (fd < 0)
                return fd;
        return pdi_read_fd(fd, max, ret_buf, ret_len);
}

int pdi_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int pdi_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
        char tmp[512];
        if (snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid()) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        (void)unlinkat(dirfd, tmp, 0);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        int r = pdi_write_all(fd, data, len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        return fsync(dirfd) < 0 ? -errno : 0;
}

int pdi_root_write_atomic(const struct pdi_root *r, const char *path, const void *data, size_t len,
                          mode_t mode)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        int k = pdi_path_split(path, &parent, &base);
        if (k < 0)
                return k;
        _cleanup_close_ int dfd = pdi_root_open(r, parent, O_RDONLY | O_DIRECTORY, 0);
        if (dfd < 0)
                return dfd;
        return pdi_write_atomic_at(dfd, base, data, len, mode);
}

int pdi_path_split(const char *path, char **ret_parent, const char **ret_base)
{
        const char *slash = strrchr(path, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        size_t n = (size_t)(slash - path);
        char *parent = n == 0 ? strdup("/") : strndup(path, n);
        if (!parent)
                return -ENOMEM;
        *ret_parent = parent;
        *ret_base = slash + 1;
        return 0;
}

int pdi_root_open_parent(const struct pdi_root *r, const char *path, mode_t create_mode,
                         const char **ret_base)
{
        _cleanup_free_ char *parent = NULL;
        int k = pdi_path_split(path, &parent, ret_base);
        if (k == 0 && create_mode)
                k = pdi_root_mkdir_p(r, parent, create_mode);
        return k < 0 ? k : pdi_root_open(r, parent, O_RDONLY | O_DIRECTORY, 0);
}

char *pdi_root_display(const struct pdi_root *r, const char *path)
{
        char *s = NULL;
        if (!r || r->is_host || streq(r->path, "/"))
                return strdup(path);
        size_t n = strlen(r->path);
        while (n > 1 && r->path[n - 1] == '/')
                n--;
        if (asprintf(&s, "%.*s%s", (int)n, r->path, path) < 0)
                return NULL;
        return s;
}
