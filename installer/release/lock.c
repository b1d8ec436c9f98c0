#include "release/lock.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

static int try_lock(int fd, unsigned timeout_s)
{
        /* Poll rather than block on a timer signal: simple, and 100 ms is plenty. */
        for (unsigned waited_ms = 0;; waited_ms += 100) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                if (waited_ms >= timeout_s * 1000u)
                        return -EWOULDBLOCK;
                nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
        }
}

int pdi_lock_take(const struct pdi_root *r, const char *path, const char *command,
                  unsigned timeout_s, int *ret_fd, struct pdi_error *err)
{
        const char *base;
        _cleanup_close_ int pfd = pdi_root_open_parent(r, path, 0700, &base);
        if (pfd < 0)
                return pdi_error_set(err, pfd, "lock %s: %s", path, strerror(-pfd));
        _cleanup_close_ int fd =
            openat(pfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                fd = -errno;
        int k;
        if (fd < 0)
                return pdi_error_set(err, fd, "lock %s: %s", path, strerror(-fd));
        k = try_lock(fd, timeout_s);
        if (k == -EWOULDBLOCK) {
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
        if (k < 0)
                return pdi_error_set(err, k, "lock %s: %s", path, strerror(-k));
        char line[256], when[32];
        time_t now = time(NULL);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        int len =
            snprintf(line, sizeof(line), "pid %d, %s, since %s\n", (int)getpid(), command, when);
        if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len)
                return pdi_error_set(err, -errno, "lock %s: %s", path, strerror(errno));
        *ret_fd = TAKE_FD(fd);
        return 0;
}
