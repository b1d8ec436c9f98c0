/* SPDX-License-Identifier: Apache-2.0 */
/* Host checks: can this machine run the node's Secure Validator Mode sandbox? Each probe does
 * the real thing in a forked child (a seccomp filter that must deny a call, a Landlock ruleset
 * that must deny an open, unshare + pivot_root as the node does it) and reports by exit code
 * and a line on a pipe (probe.h). The node's own --check-can-* probes are in
 * checks_node_probes.c; cgroups, SELinux and the filesystems in checks_system.c. */
#include "checks/checks_host.h"
#include "checks/checks_passwd.h"
#include "checks/finding.h"
#include "checks/probe.h"
#include "base/child.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PROBE_TIMEOUT_MS PDI_PROBE_TIMEOUT_MS

/* ---- seccomp -------------------------------------------------------------------------------- */

/* What the node's filter denies (it kills; we return EPERM so the child can report). */
static const int seccomp_denied[] = {SCMP_SYS(socket),         SCMP_SYS(socketpair),
                                     SCMP_SYS(connect),        SCMP_SYS(io_uring_setup),
                                     SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register)};

static void child_seccomp_load(uint32_t action)
{
        scmp_filter_ctx ctx;
        int r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                pdi_probe_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) {
                pdi_probe_say("seccomp_init failed");
                _exit(1);
        }
        /* The kernel's own errno rather than libseccomp's ECANCELED. */
        seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        for (size_t i = 0; i < ELEMENTSOF(seccomp_denied); i++)
                if ((r = seccomp_rule_add(ctx, action, seccomp_denied[i], 0)) < 0) {
                        errno = -r;
                        pdi_probe_fail("seccomp_rule_add");
                }
        r = seccomp_load(ctx);
        if (r < 0) {
                /* libseccomp's code can hide the kernel's answer: ask seccomp(2) directly
                 * (EFAULT on a NULL program means the call itself is there). */
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL) < 0 && errno != EFAULT)
                        pdi_probe_fail("seccomp(SECCOMP_SET_MODE_FILTER)");
                errno = -r;
                pdi_probe_fail("seccomp_load");
        }
        seccomp_release(ctx);
}

/* A socket works before the filter and fails with EPERM after it. */
static void child_seccomp_errno(void *arg _unused_)
{
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (s < 0)
                pdi_probe_fail("socket(AF_UNIX) before the filter");
        close(s);
        child_seccomp_load(SCMP_ACT_ERRNO(EPERM));
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s >= 0) {
                pdi_probe_say("the filter was loaded but socket() still succeeded");
                _exit(1);
        }
        if (errno != EPERM)
                pdi_probe_fail("socket() under the filter failed with another error");
        _exit(0);
}

/* The node's own action: the process is killed by SIGSYS. */
static void child_seccomp_kill(void *arg _unused_)
{
        child_seccomp_load(SCMP_ACT_KILL_PROCESS);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        pdi_probe_say("socket() under a kill filter returned %d", s);
        _exit(1);
}

static int probe_seccomp(char *why, size_t n)
{
        struct pdi_child_out o;
        int r = pdi_child_run(child_seccomp_errno, NULL, PROBE_TIMEOUT_MS, &o);

        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (!pdi_child_ok(&o)) {
                pdi_probe_describe(&o, why, n);
                return -EPERM;
        }
        r = pdi_child_run(child_seccomp_kill, NULL, PROBE_TIMEOUT_MS, &o);
        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (o.timed_out || !WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGSYS) {
                char d[600];
                pdi_probe_describe(&o, d, sizeof(d));
                snprintf(why, n, "a SCMP_ACT_KILL_PROCESS filter did not kill with SIGSYS: %s", d);
                return -EPERM;
        }
        return 0;
}

const struct pdi_probe_memo *pdi_host_probe_seccomp(struct pdi_check_ctx *c)
{
        struct pdi_probe_memo *m = &pdi_check_memo(c)->seccomp;

        if (!m->done) {
                m->r = probe_seccomp(m->why, sizeof(m->why));
                m->done = true;
        }
        return m;
}

void pdi_check_seccomp_run(const struct pdi_target *t _unused_, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *m = pdi_host_probe_seccomp(c);
        const char *why = m->why;

        if (m->r >= 0)
                return;
#if defined(__x86_64__)
        pdi_check_finding(c, PDI_SEV_ERROR,
                          "use a kernel with CONFIG_SECCOMP_FILTER and do not run the node under "
                          "a seccomp policy that forbids seccomp(2)",
                          "seccomp filter cannot be installed (%s): Your system cannot securely "
                          "run a validator",
                          why);
#else
        pdi_check_finding(c, PDI_SEV_WARN, "use a kernel with CONFIG_SECCOMP_FILTER",
                          "seccomp filter cannot be installed (%s); the node enables seccomp on "
                          "x86_64 only",
                          why);
#endif
}

/* ---- Landlock ------------------------------------------------------------------------------- */

/* The rights each Landlock ABI brought (the kernel's include/uapi/linux/landlock.h; spelled
 * out here since the build host's headers may be older than the kernel that runs us). The
 * probe handles every right of the ABI the kernel reports, up to the newest one listed, so a
 * kernel that reports an ABI it cannot enforce is caught; newer ABIs added no right the
 * node uses yet (7: audit flags only). */
#define LL_KNOWN_ABI 6
static const struct {
        uint64_t fs, net, scoped;
} ll_rights[LL_KNOWN_ABI + 1] = {
    [1] = {.fs = (1ULL << 13) - 1}, /* EXECUTE … MAKE_SYM */
    [2] = {.fs = 1ULL << 13},       /* REFER */
    [3] = {.fs = 1ULL << 14},       /* TRUNCATE */
    [4] = {.net = 3},               /* BIND_TCP, CONNECT_TCP */
    [5] = {.fs = 1ULL << 15},       /* IOCTL_DEV */
    [6] = {.scoped = 3},            /* ABSTRACT_UNIX_SOCKET, SIGNAL */
};

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a shorter prefix from older ABIs. */
struct ll_attr {
        uint64_t handled_access_fs, handled_access_net, scoped;
};

void pdi_landlock_attr_for(long abi, uint64_t *ret_fs, uint64_t *ret_net, uint64_t *ret_scoped,
                           size_t *ret_size)
{
        uint64_t fs = 0, net = 0, scoped = 0;
        long top = abi < LL_KNOWN_ABI ? abi : LL_KNOWN_ABI;

        for (long i = 1; i <= top; i++) {
                fs |= ll_rights[i].fs;
                net |= ll_rights[i].net;
                scoped |= ll_rights[i].scoped;
        }
        *ret_fs = fs;
        *ret_net = net;
        *ret_scoped = scoped;
        *ret_size = top >= 6   ? sizeof(struct ll_attr)
                    : top >= 4 ? 2 * sizeof(uint64_t)
                               : sizeof(uint64_t);
}

static long landlock_abi_syscall(void)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? -errno : abi;
}

#ifdef PDI_TESTING
long (*pdi_test_landlock_abi)(void);
#endif

/* The highest ABI the kernel offers, or -errno (the seam the unit tests inject through). */
static long landlock_abi(void)
{
#ifdef PDI_TESTING
        if (pdi_test_landlock_abi)
                return pdi_test_landlock_abi();
#endif
        return landlock_abi_syscall();
}

static void child_landlock(void *arg)
{
        const long *abi = arg;
        struct ll_attr attr;
        size_t size;
        int dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int rs;

        pdi_landlock_attr_for(*abi, &attr.handled_access_fs, &attr.handled_access_net, &attr.scoped,
                              &size);
        if (dfd < 0)
                pdi_probe_fail("open / before the ruleset");
        close(dfd);
        rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
        if (rs < 0)
                pdi_probe_fail("landlock_create_ruleset with the rights of ABI %ld", *abi);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                pdi_probe_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
                pdi_probe_fail("landlock_restrict_self");
        dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                pdi_probe_say("the ruleset was enforced but reading / still worked");
                _exit(1);
        }
        if (errno != EACCES)
                pdi_probe_fail("open / under the ruleset failed with another error");
        _exit(0);
}

/* Returns the highest ABI (>= 1) when a ruleset with all of its rights really restricts a
 * child, else -errno with why. */
static int probe_landlock(char *why, size_t n)
{
        long abi = landlock_abi();
        struct pdi_child_out o;
        int r;

        if (abi < 0) {
                r = (int)abi;
                snprintf(why, n, "%s",
                         r == -ENOSYS       ? "the kernel has no Landlock (ENOSYS)"
                         : r == -EOPNOTSUPP ? "Landlock is built in but disabled at boot "
                                              "(EOPNOTSUPP: not in the lsm= list)"
                         : r == -EPERM      ? "landlock_create_ruleset is denied (EPERM: a seccomp "
                                              "filter on this process, its service or its container)"
                                            : strerror(-r));
                return r;
        }
        if (abi == 0) {
                snprintf(why, n, "the kernel reports Landlock ABI 0");
                return -EINVAL;
        }
        r = pdi_child_run(child_landlock, &abi, PROBE_TIMEOUT_MS, &o);
        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (!pdi_child_ok(&o)) {
                char d[600];
                pdi_probe_describe(&o, d, sizeof(d));
                snprintf(why, n, "the kernel reports ABI %ld, but a ruleset did not restrict: %s",
                         abi, d);
                return -EPERM;
        }
        return abi > INT_MAX ? INT_MAX : (int)abi;
}

/* Probed once per audit: check_landlock and check_sandbox both need it. */
const struct pdi_probe_memo *pdi_host_probe_landlock(struct pdi_check_ctx *c)
{
        struct pdi_probe_memo *m = &pdi_check_memo(c)->landlock;

        if (!m->done) {
                m->r = probe_landlock(m->why, sizeof(m->why));
                m->done = true;
        }
        return m;
}

void pdi_check_landlock_run(const struct pdi_target *t _unused_, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *m = pdi_host_probe_landlock(c);

        if (m->r >= 1) {
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "Landlock ABI %d: the highest this kernel offers, enforced with "
                                  "all of its rights (the node asks for ABI 1 today; network "
                                  "rules need ABI 4, polkadot-sdk #7513)",
                                  m->r);
                return;
        }
        pdi_check_finding(c, PDI_SEV_WARN,
                          "boot a kernel with Landlock enabled (CONFIG_SECURITY_LANDLOCK, "
                          "landlock in lsm=)",
                          "Landlock unavailable: %s; the node relies on unshare+pivot_root alone",
                          m->why);
}

/* ---- user namespace + pivot_root, exactly as the node's change_root.rs ---------------------- */

struct userns_arg {
        const struct pdi_run_as *user;
        const char *dir;
        ino_t dir_ino;
};

static void child_userns(void *arg)
{
        const struct userns_arg *a = arg;
        struct stat st;

        pdi_probe_become(a->user);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                pdi_probe_fail("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                pdi_probe_fail("mount / MS_REC|MS_PRIVATE");
        if (mount(a->dir, a->dir, NULL,
                  MS_BIND | MS_REC | MS_NOEXEC | MS_NODEV | MS_NOSUID | MS_NOATIME | MS_RDONLY,
                  NULL) < 0)
                pdi_probe_fail("bind-mount %s", a->dir);
        if (chdir(a->dir) < 0)
                pdi_probe_fail("chdir %s", a->dir);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                pdi_probe_fail("pivot_root(\".\", \".\")");
        if (umount2(".", MNT_DETACH) < 0)
                pdi_probe_fail("umount2 the old root");
        if (stat("/", &st) < 0)
                pdi_probe_fail("stat / after pivot_root");
        if (st.st_ino != a->dir_ino) {
                pdi_probe_say("pivot_root returned but / is not the new root");
                _exit(1);
        }
        _exit(0);
}

/* The sysctls that forbid unprivileged user namespaces, when they do. */
static void userns_sysctls(char *buf, size_t n)
{
        static const struct {
                const char *path;
                bool bad_if_zero;
        } knobs[] = {
            {"/proc/sys/user/max_user_namespaces", true},
            {"/proc/sys/kernel/unprivileged_userns_clone", true},
            {"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", false},
        };
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(knobs); i++) {
                char v[32] = "";
                _cleanup_close_ int fd = open(knobs[i].path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || read(fd, v, sizeof(v) - 1) <= 0)
                        continue; /* procfs: st_size is 0, so not pdi_read_fd */
                long x = strtol(v, NULL, 10);
                if ((x == 0) != knobs[i].bad_if_zero || len >= n)
                        continue;
                len += (size_t)snprintf(buf + len, n - len, "; %s=%ld",
                                        knobs[i].path + strlen("/proc/sys/"), x);
        }
}

static int probe_userns(const struct pdi_target *t, char *why, size_t n)
{
        char dir[] = "/tmp/pdi-pivot-XXXXXX";
        struct pdi_run_as u;
        struct stat st;
        struct pdi_child_out o;
        int r;

        pdi_run_as_pick(t, &u);
        if (!u.service) /* not root: probe as ourselves, and say so if it fails */
                snprintf(u.label, sizeof(u.label), "uid %u, not %s", (unsigned)geteuid(),
                         t->service_user);
        if (!mkdtemp(dir) || stat(dir, &st) < 0) {
                snprintf(why, n, "cannot make a directory in /tmp: %s", strerror(errno));
                return -errno;
        }
        if (u.creds.drop && chown(dir, u.creds.uid, u.creds.gid) < 0) {
                r = -errno;
                rmdir(dir);
                snprintf(why, n, "chown %s: %s", dir, strerror(-r));
                return r;
        }
        struct userns_arg a = {.user = &u, .dir = dir, .dir_ino = st.st_ino};
        r = pdi_child_run(child_userns, &a, PROBE_TIMEOUT_MS, &o);
        rmdir(dir);
        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (pdi_child_ok(&o))
                return 0;
        char d[600], knobs[200];
        pdi_probe_describe(&o, d, sizeof(d));
        userns_sysctls(knobs, sizeof(knobs));
        snprintf(why, n, "as %s: %s%s", u.label, d, knobs);
        return -EPERM;
}

const char pdi_userns_hint[] =
    "allow unprivileged user namespaces (user.max_user_namespaces > 0, "
    "kernel.unprivileged_userns_clone=1, kernel.apparmor_restrict_unprivileged_userns=0) "
    "and keep RestrictNamespaces= off in the unit";

const struct pdi_probe_memo *pdi_host_probe_userns(const struct pdi_target *t,
                                                   struct pdi_check_ctx *c)
{
        struct pdi_probe_memo *m = &pdi_check_memo(c)->userns;

        if (!m->done) {
                m->r = probe_userns(t, m->why, sizeof(m->why));
                m->done = true;
        }
        return m;
}

void pdi_check_userns_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *m = pdi_host_probe_userns(t, c);

        if (m->r >= 0)
                return;
        pdi_check_finding(c, PDI_SEV_WARN, pdi_userns_hint,
                          "cannot unshare a user namespace and pivot_root (%s); the node relies "
                          "on Landlock alone",
                          m->why);
}

/* The node's joint rule: Landlock and unshare+pivot_root stand in for each other; only when
 * both fail does it refuse. Its own id, so that the two warnings above stay warnings. */
void pdi_check_sandbox_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *ll = pdi_host_probe_landlock(c);

        if (ll->r >= 1)
                return;
        const struct pdi_probe_memo *ns = pdi_host_probe_userns(t, c);
        if (ns->r >= 0)
                return;
        pdi_check_finding(c, PDI_SEV_ERROR, pdi_userns_hint,
                          "neither Landlock (%s) nor unshare+pivot_root (%s) works: Your system "
                          "cannot securely run a validator",
                          ll->why, ns->why);
}
