/* SPDX-License-Identifier: Apache-2.0 */
#include "base/confine.h"
#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define OVERFLOW_ID 65534
#define NPROC_MAX 64
#define NOFILE_MAX 256

/* ---- failing -------------------------------------------------------------------------------- */

static _Noreturn void fail(const char *step, int e)
{
        dprintf(STDERR_FILENO, PDI_CONFINE_FAILED "%s: %s\n", step, strerror(e));
        _exit(PDI_CONFINE_EXIT);
}

/* ---- ids and namespaces --------------------------------------------------------------------- */

static void drop_ids(void)
{
        struct pdi_creds nobody = {.drop = true, .uid = OVERFLOW_ID, .gid = OVERFLOW_ID};
        char why[128];

        if (geteuid() == 0 && pdi_child_become(&nobody, why, sizeof(why)) < 0) {
                dprintf(STDERR_FILENO, "cannot drop privileges: %s\n", why);
                _exit(127);
        }
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int write_proc(const char *file, const char *text)
{
        _cleanup_close_ int fd = open(file, O_WRONLY | O_CLOEXEC);
        size_t n = strlen(text);

        if (fd < 0)
                return -errno;
        return write(fd, text, n) == (ssize_t)n ? 0 : -errno;
}

/* Only our own ids, mapped to themselves: inside as outside, nobody is root. */
static void enter_namespaces(void)
{
        char map[64];
        int r;

        /* Our own /proc/self files are root's while we are not dumpable (child.c). */
        (void)prctl(PR_SET_DUMPABLE, 1);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC |
                    CLONE_NEWUTS | CLONE_NEWCGROUP) < 0)
                fail("unshare(user, mount, net, pid, ipc, uts, cgroup)", errno);
        if ((r = write_proc("/proc/self/setgroups", "deny")) < 0)
                fail("/proc/self/setgroups", -r);
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)geteuid(), (unsigned)geteuid());
        if ((r = write_proc("/proc/self/uid_map", map)) < 0)
                fail("/proc/self/uid_map", -r);
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)getegid(), (unsigned)getegid());
        if ((r = write_proc("/proc/self/gid_map", map)) < 0)
                fail("/proc/self/gid_map", -r);
        (void)prctl(PR_SET_DUMPABLE, 0);
}

/* Outside the new pid namespace: wait for its init (the binary) and end as it ended. */
static _Noreturn void relay(pid_t pid)
{
        int st;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        _exit(PDI_CONFINE_EXIT);
        if (WIFEXITED(st))
                _exit(WEXITSTATUS(st));
        signal(WTERMSIG(st), SIG_DFL);
        kill(getpid(), WTERMSIG(st));
        _exit(128 + WTERMSIG(st));
}

/* ---- what it sees --------------------------------------------------------------------------- */

static const char *const hidden_dirs[] = {"/root", "/home", "/var", "/tmp",   "/run",
                                          "/srv",  "/opt",  "/mnt", "/media", "/boot"};
static const char *const hidden_files[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",
                                           "/etc/gshadow-"};

static int hide(const char *path, bool dir)
{
        struct stat st;

        if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode) || dir != S_ISDIR(st.st_mode))
                return 0; /* not there, or not what it would hide: nothing to cover */
        int r = dir ? mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                            "size=4k,mode=0755")
                    : mount("/dev/null", path, NULL, MS_BIND, NULL);
        return r < 0 ? -errno : 0;
}

static void setup_mounts(void)
{
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID};
        int r;

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail("mount / MS_REC|MS_PRIVATE", errno);
        /* A /proc of its own pid namespace; where the kernel refuses one (a masked /proc in a
         * container), an empty one rather than the host's processes. */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
            mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                  "size=4k,mode=0555") < 0)
                fail("mount /proc", errno);
        for (size_t i = 0; i < ELEMENTSOF(hidden_dirs); i++)
                if ((r = hide(hidden_dirs[i], true)) < 0)
                        fail(hidden_dirs[i], -r);
        for (size_t i = 0; i < ELEMENTSOF(hidden_files); i++)
                if ((r = hide(hidden_files[i], false)) < 0)
                        fail(hidden_files[i], -r);
        if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
                fail("mount_setattr / read-only", errno);
}

/* ---- Landlock ------------------------------------------------------------------------------- */

/* The header may be older than the kernel: the rights and fields of ABI 3 to 6 by value. */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_FILE_RIGHTS                                                                             \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
         LANDLOCK_ACCESS_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
        uint64_t handled_access_fs, handled_access_net, scoped;
};

struct ll_rule {
        const char *path;
        uint64_t access;
};

static const struct ll_rule ll_rules[] = {
    {"/usr", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/bin", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/sbin", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/lib", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/lib32", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/lib64", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/libx32", LL_READ | LANDLOCK_ACCESS_FS_EXECUTE},
    {"/etc", LL_READ},
    {"/proc", LL_READ},
    {"/sys", LL_READ},
    {"/dev/null", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE},
    {"/dev/zero", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE},
    {"/dev/full", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE},
    {"/dev/urandom", LANDLOCK_ACCESS_FS_READ_FILE},
    {"/dev/random", LANDLOCK_ACCESS_FS_READ_FILE},
};

int pdi_confine_landlock_abi(void)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? 0 : (int)abi;
}

static uint64_t ll_fs_rights(int abi)
{
        uint64_t fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
        if (abi >= 2)
                fs |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                fs |= LL_FS_TRUNCATE;
        if (abi >= 5)
                fs |= LL_FS_IOCTL_DEV;
        return fs;
}

static int ll_allow(int ruleset, int fd, uint64_t access, uint64_t handled)
{
        struct landlock_path_beneath_attr pb = {.allowed_access = access & handled,
                                                .parent_fd = fd};
        return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0
                   ? -errno
                   : 0;
}

static int ll_add_rules(int ruleset, int exe_fd, uint64_t handled)
{
        for (size_t i = 0; i < ELEMENTSOF(ll_rules); i++) {
                _cleanup_close_ int fd = open(ll_rules[i].path, O_PATH | O_CLOEXEC);
                if (fd < 0)
                        continue; /* /lib32 and the like need not exist */
                struct stat st;
                uint64_t a = ll_rules[i].access;
                if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
                        a &= LL_FILE_RIGHTS;
                int r = ll_allow(ruleset, fd, a, handled);
                if (r < 0)
                        return r;
        }
        return ll_allow(ruleset, exe_fd, LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE,
                        handled);
}

static void apply_landlock(int exe_fd)
{
        int abi = pdi_confine_landlock_abi();
        struct ll_ruleset_attr attr = {.handled_access_fs = ll_fs_rights(abi)};
        size_t size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
        int r;

        if (abi < 1)
                return; /* no Landlock here: the namespaces and seccomp still hold */
        if (abi >= 4)
                attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        if (abi >= 6)
                attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        _cleanup_close_ int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
        if (ruleset < 0)
                fail("landlock_create_ruleset", errno);
        if ((r = ll_add_rules(ruleset, exe_fd, attr.handled_access_fs)) < 0)
                fail("landlock_add_rule", -r);
        if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
                fail("landlock_restrict_self", errno);
}

/* ---- seccomp -------------------------------------------------------------------------------- */

static const int denied_calls[] = {
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_readv),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(move_mount),
    SCMP_SYS(open_tree),
    SCMP_SYS(fsopen),
    SCMP_SYS(fsconfig),
    SCMP_SYS(fsmount),
    SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(unshare),
    SCMP_SYS(setns),
    SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    SCMP_SYS(bpf),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(swapon),
    SCMP_SYS(swapoff),
    SCMP_SYS(reboot),
    SCMP_SYS(acct),
    SCMP_SYS(io_uring_setup),
    SCMP_SYS(io_uring_enter),
    SCMP_SYS(io_uring_register),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(open_by_handle_at),
};

static const unsigned long ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWNET,   CLONE_NEWPID,
                                         CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP};

static int seccomp_rules(scmp_filter_ctx f)
{
        int r;

        for (size_t i = 0; i < ELEMENTSOF(denied_calls); i++)
                if ((r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), denied_calls[i], 0)) < 0)
                        return r;
        if ((r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0))) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(ns_flags); i++)
                if ((r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                          SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]))) <
                    0)
                        return r;
        /* clone3 passes its flags in memory, which a filter cannot read. */
        return seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

static void apply_seccomp(void)
{
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!f)
                fail("seccomp_init", ENOMEM);
        r = seccomp_rules(f);
        if (r == 0)
                r = seccomp_load(f);
        seccomp_release(f);
        if (r < 0)
                fail("seccomp", -r);
}

/* ---- limits and the start ---------------------------------------------------------------------
 */

static void set_limits(uint64_t mem)
{
        static const struct {
                int res;
                rlim_t max;
        } lim[] = {{RLIMIT_NPROC, NPROC_MAX},
                   {RLIMIT_FSIZE, 0},
                   {RLIMIT_NOFILE, NOFILE_MAX},
                   {RLIMIT_CORE, 0}};

        for (size_t i = 0; i < ELEMENTSOF(lim); i++)
                if (setrlimit(lim[i].res, &(struct rlimit){lim[i].max, lim[i].max}) < 0)
                        fail("setrlimit", errno);
        /* Last: a sanitizer's shadow memory already exceeds any sane bound. */
        if (setrlimit(RLIMIT_AS, &(struct rlimit){mem, mem}) < 0)
                fail("setrlimit RLIMIT_AS", errno);
}

_Noreturn void pdi_confine_exec(const struct pdi_confine *c)
{
        drop_ids();
        enter_namespaces();
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
                fail("fork into the pid namespace", errno);
        if (pid > 0)
                relay(pid);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        setup_mounts();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                fail("PR_SET_NO_NEW_PRIVS", errno);
        apply_landlock(c->exe_fd);
        apply_seccomp();
        set_limits(c->mem_bytes ? c->mem_bytes : PDI_CONFINE_MEM_DEFAULT);
        int r = pdi_child_exec(c->exe_fd, c->argv, c->envp);
        dprintf(STDERR_FILENO, "cannot execute: %s\n", strerror(-r));
        _exit(127);
}
