/* SPDX-License-Identifier: Apache-2.0 */
#include "release/lock.h"
#include "base/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

static int try_lock(int fd, unsigned timeout_s, unsigned *waited_ms)
{
        /* Poll rather than block on a timer signal: simple, and 100 ms is plenty. */
        for (;; *waited_ms += 100) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                if (*waited_ms >= timeout_s * 1000u)
                        return -EWOULDBLOCK;
                nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
        }
}

/* The lock file, never anything else: O_NONBLOCK so that a FIFO planted there cannot hang
 * the open, then a regular file or -EINVAL. */
static int open_lock_file(int pfd, const char *base)
{
        int fd = openat(pfd, base,
                        O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
        if (fd < 0)
                return -errno;
        struct stat st;
        int k = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
        if (k < 0) {
                close(fd);
                return k;
        }
        return fd;
}

/* A released lock's file is unlinked (pdi_lock_release): after flock, the file we hold must
 * still be the one at the path, else its holder removed it meanwhile and we start over. */
static bool still_linked(int pfd, const char *base, int fd)
{
        struct stat a, b;
        return fstat(fd, &a) == 0 && a.st_nlink > 0 &&
               fstatat(pfd, base, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

static int refuse_busy(int fd, unsigned timeout_s, struct pdi_error *err)
{
        char holder[256] = "unknown holder";
        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
        if (n > 0) {
                holder[n] = '\0';
                holder[strcspn(holder, "\n")] = '\0';
        }
        return pdi_error_set(err, -PDI_E_FAILED,
                             "another polkadot-installer is running (%s); gave up after "
                             "%u s (--lock-timeout)",
                             holder, timeout_s);
}

static int write_holder(int fd, const char *command)
{
        char line[256], when[32];
        time_t now = time(NULL);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        int len =
            snprintf(line, sizeof(line), "pid %d, %s, since %s\n", (int)getpid(), command, when);
        if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len)
                return -errno;
        return 0;
}

/* One attempt: open (or create) the file, wait for the lock. 0 and *ret_fd, or -EAGAIN
 * when the file was removed under us (try again), or an error already set in err. */
static int lock_once(int pfd, const char *path, const char *base, const char *command,
                     unsigned timeout_s, unsigned *waited_ms, int *ret_fd, struct pdi_error *err)
{
        _cleanup_close_ int fd = open_lock_file(pfd, base);
        if (fd == -ENOENT)
                return -EAGAIN; /* its directory was removed under us (pdi_lock_release) */
        if (fd < 0)
                return pdi_error_set(err, fd, "lock %s: %s", path, pdi_read_strerror(fd));
        int k = try_lock(fd, timeout_s, waited_ms);
        if (k == -EWOULDBLOCK)
                return refuse_busy(fd, timeout_s, err);
        if (k < 0)
                return pdi_error_set(err, k, "lock %s: %s", path, strerror(-k));
        if (!still_linked(pfd, base, fd))
                return -EAGAIN;
        k = write_holder(fd, command);
        if (k < 0)
                return pdi_error_set(err, k, "lock %s: %s", path, strerror(-k));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int pdi_lock_take(const struct pdi_root *r, const char *path, const char *command,
                  unsigned timeout_s, int *ret_fd, struct pdi_error *err)
{
        unsigned waited_ms = 0;
        for (unsigned attempt = 0; attempt < 100; attempt++) {
                const char *base;
                _cleanup_close_ int pfd = pdi_root_open_parent(r, path, 0700, &base);
                if (pfd < 0)
                        return pdi_error_set(err, pfd, "lock %s: %s", path, strerror(-pfd));
                int k = lock_once(pfd, path, base, command, timeout_s, &waited_ms, ret_fd, err);
                if (k != -EAGAIN)
                        return k;
        }
        return pdi_error_set(err, -PDI_E_FAILED, "lock %s: removed again and again while waiting",
                             path);
}

/* The lock file is the only entry of its directory. */
static bool alone(int pfd, const char *base)
{
        int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
        if (!d) {
                if (dfd >= 0)
                        close(dfd);
                return false;
        }
        for (struct dirent *e; (e = readdir(d));)
                if (!streq(e->d_name, ".") && !streq(e->d_name, "..") && !streq(e->d_name, base))
                        return false;
        return true;
}

/* Remove the directory that held only the lock, if still empty; another run may just have
 * put something there, then rmdir fails and that is fine. */
static void remove_dir(const struct pdi_root *r, const char *path)
{
        _cleanup_free_ char *dir = NULL;
        const char *ignored, *name;
        if (pdi_path_split(path, &dir, &ignored) < 0 || streq(dir, "/"))
                return;
        _cleanup_close_ int gfd = pdi_root_open_parent(r, dir, 0, &name);
        if (gfd >= 0)
                (void)unlinkat(gfd, name, AT_REMOVEDIR);
}

void pdi_lock_release(const struct pdi_root *r, const char *path, int fd)
{
        if (fd < 0)
                return;
        /* Unlinked while still held, so a waiter that then gets the flock sees that its file
         * is gone (still_linked) and opens the path again: never two holders. */
        const char *base;
        _cleanup_close_ int pfd = pdi_root_open_parent(r, path, 0, &base);
        bool remove = pfd >= 0 && still_linked(pfd, base, fd) && alone(pfd, base);
        if (remove && unlinkat(pfd, base, 0) == 0)
                remove_dir(r, path);
        close(fd);
}
