/* SPDX-License-Identifier: Apache-2.0 */
#include "fetch/cache.h"
#include "base/fault.h"
#include "base/timing.h"
#include "trust/hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int pdi_cache_open(const struct pdi_root *r, const char *dir, int *ret_dirfd, struct pdi_error *err)
{
        int k = pdi_root_mkdir_p(r, dir, 0700);
        if (k < 0)
                return pdi_error_set(err, k, "cache %s: %s", dir, strerror(-k));
        int fd = pdi_root_open(r, dir, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return pdi_error_set(err, fd, "cache %s: %s", dir, strerror(-fd));
        *ret_dirfd = fd;
        return 0;
}

bool pdi_cache_file_matches(int fd, const char *sha256, uint64_t size, struct stat *ret_st)
{
        char hex[65];
        uint64_t n = 0;
        return fstat(fd, ret_st) == 0 && S_ISREG(ret_st->st_mode) &&
               (uint64_t)ret_st->st_size == size && pdi_sha256_fd(fd, hex, &n) == 0 && n == size &&
               streq(hex, sha256);
}

/* A cached entry is used only if it still has the signed size and hash. */
static int open_hit(int dirfd, const char *sha256, uint64_t size, int *ret_fd)
{
        _cleanup_close_ int fd = pdi_open_regular_at(dirfd, sha256, O_NOFOLLOW);
        if (fd == -EINVAL) /* not a regular file (a FIFO …): a miss, like a wrong hash */
                (void)unlinkat(dirfd, sha256, 0);
        if (fd < 0)
                return fd == -EINVAL ? -ENOENT : fd;
        struct stat st;
        if (!pdi_cache_file_matches(fd, sha256, size, &st) || lseek(fd, 0, SEEK_SET) != 0) {
                (void)unlinkat(dirfd, sha256, 0);
                return -ENOENT;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* The same inode, read-only: through /proc/self/fd, never by name (the name may no longer be
 * the file that was verified). A file with a writable fd open cannot be executed (ETXTBSY),
 * and staging links only read-only fds. Where /proc is missing the writable fd is kept. */
static int reopen_readonly(int *fd)
{
        char proc[40];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", *fd);
        int ro = open(proc, O_RDONLY | O_CLOEXEC); /* the magic link is the inode, not a path */
        if (ro < 0)
                return -errno;
        struct stat a, b;
        if (fstat(*fd, &a) < 0 || fstat(ro, &b) < 0 || a.st_dev != b.st_dev ||
            a.st_ino != b.st_ino) {
                close(ro);
                return -EIO;
        }
        close(*fd);
        *fd = ro;
        return 0;
}

int pdi_cache_get(int dirfd, const struct pdi_fetch_opts *o, const char *const *urls, size_t n_urls,
                  const char *sha256, uint64_t size, int *ret_fd, bool *ret_downloaded,
                  struct pdi_error *err)
{
        int k = open_hit(dirfd, sha256, size, ret_fd);
        if (k == 0) {
                *ret_downloaded = false;
                return 0;
        }
        char part[80];
        snprintf(part, sizeof(part), "%s.part", sha256);
        _cleanup_close_ int fd =
            openat(dirfd, part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return pdi_error_set(err, -errno, "cache %s: %s", part, strerror(errno));
        k = pdi_fetch_artifact(o, urls, n_urls, fd, size, sha256, err);
        /* A part worth resuming is kept for the next run; an empty one (nothing arrived,
         * or wrong bytes were truncated) or one that filled the disk is not. */
        struct stat st;
        if (k < 0 && (k == -ENOSPC || k == -EDQUOT || fstat(fd, &st) < 0 || st.st_size == 0))
                (void)unlinkat(dirfd, part, 0);
        if (k < 0)
                return k;
        pdi_fault("downloaded");
        if (renameat(dirfd, part, dirfd, sha256) < 0 || pdi_fsync_timed(dirfd) < 0)
                return pdi_error_set(err, -errno, "cache %s: %s", sha256, strerror(errno));
        (void)reopen_readonly(&fd);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        *ret_downloaded = true;
        return 0;
}

/* "<64 hex>" or "<64 hex>.part": the names the cache writes. Anything else is not ours. */
static bool cache_name(const char *name, size_t *ret_hexlen)
{
        size_t n = strspn(name, "0123456789abcdef");
        *ret_hexlen = n;
        return n == 64 && (name[n] == '\0' || streq(name + n, ".part"));
}

static bool kept(const char *name, size_t len, char *const *keep, size_t n_keep)
{
        for (size_t i = 0; i < n_keep; i++)
                if (strlen(keep[i]) == len && strncmp(keep[i], name, len) == 0)
                        return true;
        return false;
}

int pdi_cache_prune(int dirfd, char *const *keep, size_t n_keep)
{
        int dup_fd = dup(dirfd);
        DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                int k = -errno;
                if (dup_fd >= 0)
                        close(dup_fd);
                return k;
        }
        int removed = 0;
        struct dirent *de;
        size_t len;
        while ((de = readdir(d))) {
                struct stat st;
                if (!cache_name(de->d_name, &len) || kept(de->d_name, len, keep, n_keep) ||
                    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (unlinkat(dirfd, de->d_name, 0) == 0)
                        removed++;
        }
        closedir(d);
        if (removed > 0)
                (void)fsync(dirfd);
        return removed;
}
