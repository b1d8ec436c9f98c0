/* SPDX-License-Identifier: Apache-2.0 */
/* See spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HIGH_FD 16

static void child_fds(int exe_fd, const int fds[3])
{
        int hi[3];
        int exe = fcntl(exe_fd, F_DUPFD_CLOEXEC, HIGH_FD);

        for (int i = 0; i < 3; i++)
                hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, HIGH_FD);
        for (int i = 0; i < 3; i++)
                if (hi[i] < 0 || dup2(hi[i], i) < 0)
                        _exit(127);
        if (exe < 0 || dup3(exe, 3, O_CLOEXEC) < 0)
                _exit(127);
        syscall(SYS_close_range, 4U, ~0U, 0U);
}

static void child_run(int exe_fd, const struct pvf_request *req, const int fds[3], pid_t parent)
{
        char rust_log[PVF_MAX_REQUEST];
        char *envp[2] = {NULL, NULL};
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        setpgid(0, 0);
        child_fds(exe_fd, fds);
        if (req->rust_log) {
                snprintf(rust_log, sizeof(rust_log), "RUST_LOG=%s", req->rust_log);
                envp[0] = rust_log;
        }
        syscall(SYS_execveat, 3, "", (char *const *)req->argv, envp, AT_EMPTY_PATH);
        _exit(127);
}

int pvf_spawn(int exe_fd, const struct pvf_request *req, const int fds[3], pid_t *ret_pid)
{
        pid_t parent = getpid();
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                child_run(exe_fd, req, fds, parent);
        /* Also in the parent, so the group exists before anyone signals it. */
        setpgid(pid, pid);
        *ret_pid = pid;
        return 0;
}
