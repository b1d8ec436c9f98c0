/* SPDX-License-Identifier: Apache-2.0 */
/* The fake worker's --check-can-* probes, each doing for real what it names, the way
 * upstream's worker does (polkadot/node/core/pvf/common/src/worker/security/): a Landlock
 * ruleset enforced on itself, a seccomp filter installed, unshare(CLONE_NEWUSER|CLONE_NEWNS)
 * with a bind mount and pivot_root into DIR, and a clone into new user, cgroup, ipc, net,
 * mount, pid and uts namespaces. So a sandbox (a unit's RestrictNamespaces=, its
 * SystemCallFilter=, …) that forbids one makes that probe fail, as it would the real
 * worker's. Success exits 0; failure prints why on stderr and exits 255 (upstream's
 * exit(-1)). Included by fake-polkadot.c for the worker build only. */
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int probe_fail(const char *what)
{
        fprintf(stderr, "%s: %s\n", what, strerror(errno));
        return 255;
}

static int probe_landlock(void)
{
        struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_DIR};
        int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (rs < 0)
                return probe_fail("landlock_create_ruleset");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return probe_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
                return probe_fail("landlock_restrict_self");
        return 0;
}

static int probe_seccomp(void)
{
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = {.len = 1, .filter = &allow};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return probe_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return probe_fail("seccomp(SECCOMP_SET_MODE_FILTER)");
        return 0;
}

static int probe_change_root(const char *dir)
{
        if (!dir) {
                errno = EINVAL;
                return probe_fail("no directory given");
        }
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return probe_fail("unshare user and mount namespaces");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return probe_fail("mount / MS_REC|MS_PRIVATE");
        if (mount(dir, dir, NULL, MS_BIND | MS_REC | MS_NOEXEC | MS_NODEV | MS_NOSUID, NULL) < 0)
                return probe_fail("bind-mount the worker directory");
        if (chdir(dir) < 0)
                return probe_fail("chdir");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return probe_fail("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return probe_fail("umount2 the old root");
        return 0;
}

static int probe_secure_clone(void)
{
        long flags = CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS |
                     CLONE_NEWPID | CLONE_NEWUTS | SIGCHLD;
        int status;
        long pid = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
        if (pid < 0)
                return probe_fail("clone into new namespaces");
        if (pid == 0)
                _exit(0);
        if (waitpid((pid_t)pid, &status, 0) < 0)
                return probe_fail("waitpid");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 255;
}

/* arg: "--check-can-…"; dir: the argument after it. */
static int fake_check_can(const char *arg, const char *dir)
{
        if (!strcmp(arg, "--check-can-enable-landlock"))
                return probe_landlock();
        if (!strcmp(arg, "--check-can-enable-seccomp"))
                return probe_seccomp();
        if (!strcmp(arg, "--check-can-unshare-user-namespace-and-change-root"))
                return probe_change_root(dir);
        if (!strcmp(arg, "--check-can-do-secure-clone"))
                return probe_secure_clone();
        fprintf(stderr, "error: unexpected argument '%s' found\n", arg);
        return 2;
}
