/* SPDX-License-Identifier: Apache-2.0 */
#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* One output pipe of the child and where its bytes go. */
struct capture {
        int fd; /* non-blocking read end */
        char *buf;
        size_t size, len;
        size_t total; /* all it read, up to a little past PDI_CHILD_OUTPUT_MAX */
        bool eof;
};

static _Noreturn void child_start(pdi_child_fn fn, void *arg, pid_t parent, const int out[2],
                                  const int err[2])
{
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        (void)setpgid(0, 0);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(127); /* the parent died before the signal was asked for */
        /* A SIGSYS kill (the seccomp probe) must not leave a core file. */
        (void)prctl(PR_SET_DUMPABLE, 0);
        (void)setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        close(out[0]);
        close(err[0]);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
                _exit(127);
        fn(arg);
        _exit(127);
}

static long ms_left(const struct timespec *deadline)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms =
            (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
        return ms < 0 ? 0 : ms;
}

static bool over_cap(const struct capture *c)
{
        return c->total > PDI_CHILD_OUTPUT_MAX;
}

/* Read what is there, keeping what fits: the rest is read and dropped so that the child never
 * blocks on a full pipe, up to the cap, where the caller stops it. An error ends the reading
 * as the end of file does. */
static void drain(struct capture *c)
{
        char tmp[4096];

        while (!c->eof && !over_cap(c)) {
                ssize_t k = read(c->fd, tmp, sizeof(tmp));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return;
                if (k <= 0) {
                        c->eof = true;
                        return;
                }
                c->total += (size_t)k;
                size_t room = c->size - 1 - c->len;
                size_t take = (size_t)k < room ? (size_t)k : room;
                memcpy(c->buf + c->len, tmp, take);
                c->len += take;
                c->buf[c->len] = '\0';
        }
}

/* Until the child exits (its pidfd turns readable) or the time is up. Without a pidfd (before
 * Linux 5.3) the end of both pipes stands for the exit. */
static void wait_exit(pid_t pid, struct capture cap[2], unsigned timeout_ms,
                      struct pdi_child_out *o)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        struct timespec deadline;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        for (;;) {
                struct pollfd p[3] = {{.fd = cap[0].eof ? -1 : cap[0].fd, .events = POLLIN},
                                      {.fd = cap[1].eof ? -1 : cap[1].fd, .events = POLLIN},
                                      {.fd = pidfd, .events = POLLIN}};
                if (pidfd < 0 && cap[0].eof && cap[1].eof)
                        return;
                /* Checked here too: a child that writes without pause keeps poll() from
                 * ever running out of time. */
                long left = ms_left(&deadline);
                int r = left > 0 ? poll(p, ELEMENTSOF(p), (int)left) : 0;
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        o->timed_out = true;
                        return;
                }
                for (size_t i = 0; i < 2; i++)
                        if (p[i].revents)
                                drain(&cap[i]);
                if (over_cap(&cap[0]) || over_cap(&cap[1])) {
                        o->truncated = true;
                        return;
                }
                if (p[2].revents)
                        return;
        }
}

static void collect(pid_t pid, int out_fd, int err_fd, unsigned timeout_ms, struct pdi_child_out *o)
{
        struct capture cap[2] = {{.fd = out_fd, .buf = o->out, .size = sizeof(o->out)},
                                 {.fd = err_fd, .buf = o->err, .size = sizeof(o->err)}};

        fcntl(out_fd, F_SETFL, O_NONBLOCK);
        fcntl(err_fd, F_SETFL, O_NONBLOCK);
        wait_exit(pid, cap, timeout_ms, o);
        if (o->timed_out || o->truncated)
                kill(pid, SIGKILL);
        drain(&cap[0]);
        drain(&cap[1]);
        /* The leader is not reaped yet, so its group id cannot have been reused. */
        kill(-pid, SIGKILL);
        while (waitpid(pid, &o->status, 0) < 0 && errno == EINTR)
                ;
}

int pdi_child_run(pdi_child_fn fn, void *arg, unsigned timeout_ms, struct pdi_child_out *ret)
{
        _cleanup_close_ int out_r = -1, err_r = -1;
        int out[2], err[2], r;
        struct pdi_child_out o = {0};
        pid_t parent = getpid(), pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        out_r = out[0];
        if (pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                close(out[1]);
                return r;
        }
        err_r = err[0];
        fflush(NULL);
        pid = fork();
        if (pid == 0)
                child_start(fn, arg, parent, out, err);
        r = pid < 0 ? -errno : 0;
        close(out[1]);
        close(err[1]);
        if (r < 0)
                return r;
        /* Also here, so that the group exists before anything could kill it. */
        (void)setpgid(pid, pid);
        collect(pid, out_r, err_r, timeout_ms, &o);
        *ret = o;
        return 0;
}

bool pdi_child_ok(const struct pdi_child_out *o)
{
        return !o->timed_out && !o->truncated && WIFEXITED(o->status) &&
               WEXITSTATUS(o->status) == 0;
}

/* Length of s without trailing newlines and blanks. */
static size_t trimmed_len(const char *s)
{
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
                n--;
        return n;
}

void pdi_child_describe(const struct pdi_child_out *o, unsigned timeout_ms, char *buf, size_t n)
{
        size_t len = trimmed_len(o->out);

        if (o->timed_out) {
                snprintf(buf, n, "timed out after %u s", timeout_ms / 1000);
        } else if (o->truncated) {
                snprintf(buf, n, "wrote more than %u KiB to stdout or stderr; stopped it",
                         PDI_CHILD_OUTPUT_MAX / 1024);
        } else if (len > 0) {
                size_t k = len < n - 1 ? len : n - 1;
                for (size_t i = 0; i < k; i++)
                        buf[i] = o->out[i] == '\n' || o->out[i] == '\t' ? ' ' : o->out[i];
                buf[k] = '\0';
        } else if (WIFSIGNALED(o->status)) {
                snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(o->status),
                         strsignal(WTERMSIG(o->status)));
        } else {
                snprintf(buf, n, "exit status %d", WEXITSTATUS(o->status));
        }
}

static int become_failed(char *why, size_t n, const char *what, int e)
{
        snprintf(why, n, "%s: %s", what, strerror(e));
        return -e;
}

int pdi_child_become(const struct pdi_creds *c, char *why, size_t n)
{
        char what[32];

        if (!c->drop)
                return 0;
        if (setgroups(c->n_groups, c->groups) < 0)
                return become_failed(why, n, "setgroups", errno);
        snprintf(what, sizeof(what), "setgid %u", (unsigned)c->gid);
        if (setresgid(c->gid, c->gid, c->gid) < 0)
                return become_failed(why, n, what, errno);
        if (getgid() != c->gid || getegid() != c->gid)
                return become_failed(why, n, what, EPERM);
        snprintf(what, sizeof(what), "setuid %u", (unsigned)c->uid);
        if (setresuid(c->uid, c->uid, c->uid) < 0)
                return become_failed(why, n, what, errno);
        if (getuid() != c->uid || geteuid() != c->uid)
                return become_failed(why, n, what, EPERM);
        /* The kernel clears the parent-death signal when the credentials change. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        return 0;
}

int pdi_child_exec(int fd, char *const argv[], char *const envp[])
{
        if (fcntl(fd, F_SETFD, 0) < 0 || chdir("/") < 0)
                return -errno;
        syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
        return -errno;
}
