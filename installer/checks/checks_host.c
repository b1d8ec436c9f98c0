/* Host checks: can this machine run the node's Secure Validator Mode sandbox? Each probe does
 * the real thing in a forked child (a seccomp filter that must deny a call, a Landlock ruleset
 * that must deny an open, unshare + pivot_root as the node does it) and reports by exit code
 * and a line on a pipe; the node's own --check-can-* probes run as the service user. The
 * filesystem checks (noexec, free space) look at the target's filesystems under --root. */
#include "host/cgroups.h"
#include "checks/checks_internal.h"
#include "base/child.h"
#include "host/selinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define PROBE_TIMEOUT_MS 10000
#define GIB (1024ULL * 1024 * 1024)

/* ---- what a probe says -------------------------------------------------------------------- */

/* The probes run through pdi_child_run() and report on stdout, which describe() reads. */
_printf_(1, 2) static void child_say(const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void)!write(STDOUT_FILENO, buf,
                             (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

_printf_(1, 2) static _Noreturn void child_fail(const char *fmt, ...)
{
        char buf[400];
        va_list ap;
        int e = errno;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        child_say("%s: %s", buf, strerror(e));
        _exit(1);
}

static void describe(const struct pdi_child_out *o, char *buf, size_t n)
{
        pdi_child_describe(o, PROBE_TIMEOUT_MS, buf, n);
}

/* ---- who the probes run as ------------------------------------------------------------------ */

static void child_become(const struct pdi_run_as *u)
{
        char why[128];

        if (pdi_child_become(&u->creds, why, sizeof(why)) < 0) {
                child_say("%s", why);
                _exit(1);
        }
}

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
                child_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) {
                child_say("seccomp_init failed");
                _exit(1);
        }
        /* The kernel's own errno rather than libseccomp's ECANCELED. */
        seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        for (size_t i = 0; i < ELEMENTSOF(seccomp_denied); i++)
                if ((r = seccomp_rule_add(ctx, action, seccomp_denied[i], 0)) < 0) {
                        errno = -r;
                        child_fail("seccomp_rule_add");
                }
        r = seccomp_load(ctx);
        if (r < 0) {
                /* libseccomp's code can hide the kernel's answer: ask seccomp(2) directly
                 * (EFAULT on a NULL program means the call itself is there). */
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL) < 0 && errno != EFAULT)
                        child_fail("seccomp(SECCOMP_SET_MODE_FILTER)");
                errno = -r;
                child_fail("seccomp_load");
        }
        seccomp_release(ctx);
}

/* A socket works before the filter and fails with EPERM after it. */
static void child_seccomp_errno(void *arg _unused_)
{
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (s < 0)
                child_fail("socket(AF_UNIX) before the filter");
        close(s);
        child_seccomp_load(SCMP_ACT_ERRNO(EPERM));
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s >= 0) {
                child_say("the filter was loaded but socket() still succeeded");
                _exit(1);
        }
        if (errno != EPERM)
                child_fail("socket() under the filter failed with another error");
        _exit(0);
}

/* The node's own action: the process is killed by SIGSYS. */
static void child_seccomp_kill(void *arg _unused_)
{
        child_seccomp_load(SCMP_ACT_KILL_PROCESS);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        child_say("socket() under a kill filter returned %d", s);
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
                describe(&o, why, n);
                return -EPERM;
        }
        r = pdi_child_run(child_seccomp_kill, NULL, PROBE_TIMEOUT_MS, &o);
        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (o.timed_out || !WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGSYS) {
                char d[600];
                describe(&o, d, sizeof(d));
                snprintf(why, n, "a SCMP_ACT_KILL_PROCESS filter did not kill with SIGSYS: %s", d);
                return -EPERM;
        }
        return 0;
}

static void check_seccomp(const struct pdi_target *t _unused_, struct pdi_check_ctx *c)
{
        char why[700];

        if (probe_seccomp(why, sizeof(why)) >= 0)
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

static void child_landlock(void *arg _unused_)
{
        struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_DIR};
        int dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int rs;

        if (dfd < 0)
                child_fail("open / before the ruleset");
        close(dfd);
        rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (rs < 0)
                child_fail("landlock_create_ruleset");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail("prctl(PR_SET_NO_NEW_PRIVS)");
        if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
                child_fail("landlock_restrict_self");
        dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                child_say("the ruleset was enforced but reading / still worked");
                _exit(1);
        }
        if (errno != EACCES)
                child_fail("open / under the ruleset failed with another error");
        _exit(0);
}

/* Returns the ABI (>= 1) when a ruleset really restricts a child, else -errno with why. */
static int probe_landlock(char *why, size_t n)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        struct pdi_child_out o;
        int r;

        if (abi < 0) {
                r = -errno;
                snprintf(why, n, "%s",
                         r == -ENOSYS       ? "the kernel has no Landlock (ENOSYS)"
                         : r == -EOPNOTSUPP ? "Landlock is built in but disabled at boot "
                                              "(EOPNOTSUPP: not in the lsm= list)"
                                            : strerror(-r));
                return r;
        }
        r = pdi_child_run(child_landlock, NULL, PROBE_TIMEOUT_MS, &o);
        if (r < 0) {
                snprintf(why, n, "cannot fork the probe: %s", strerror(-r));
                return r;
        }
        if (!pdi_child_ok(&o)) {
                char d[600];
                describe(&o, d, sizeof(d));
                snprintf(why, n, "ABI %ld, but a ruleset did not restrict: %s", abi, d);
                return -EPERM;
        }
        return (int)abi;
}

/* Probed once per audit: check_landlock and check_sandbox both need it. */
static const struct pdi_probe_memo *landlock_probed(struct pdi_check_ctx *c)
{
        struct pdi_probe_memo *m = &pdi_check_memo(c)->landlock;

        if (!m->done) {
                m->r = probe_landlock(m->why, sizeof(m->why));
                m->done = true;
        }
        return m;
}

static void check_landlock(const struct pdi_target *t _unused_, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *m = landlock_probed(c);

        if (m->r >= 1)
                return;
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

        child_become(a->user);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                child_fail("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                child_fail("mount / MS_REC|MS_PRIVATE");
        if (mount(a->dir, a->dir, NULL,
                  MS_BIND | MS_REC | MS_NOEXEC | MS_NODEV | MS_NOSUID | MS_NOATIME | MS_RDONLY,
                  NULL) < 0)
                child_fail("bind-mount %s", a->dir);
        if (chdir(a->dir) < 0)
                child_fail("chdir %s", a->dir);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                child_fail("pivot_root(\".\", \".\")");
        if (umount2(".", MNT_DETACH) < 0)
                child_fail("umount2 the old root");
        if (stat("/", &st) < 0)
                child_fail("stat / after pivot_root");
        if (st.st_ino != a->dir_ino) {
                child_say("pivot_root returned but / is not the new root");
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
        describe(&o, d, sizeof(d));
        userns_sysctls(knobs, sizeof(knobs));
        snprintf(why, n, "as %s: %s%s", u.label, d, knobs);
        return -EPERM;
}

static const char userns_hint[] =
    "allow unprivileged user namespaces (user.max_user_namespaces > 0, "
    "kernel.unprivileged_userns_clone=1, kernel.apparmor_restrict_unprivileged_userns=0) "
    "and keep RestrictNamespaces= off in the unit";

static const struct pdi_probe_memo *userns_probed(const struct pdi_target *t,
                                                  struct pdi_check_ctx *c)
{
        struct pdi_probe_memo *m = &pdi_check_memo(c)->userns;

        if (!m->done) {
                m->r = probe_userns(t, m->why, sizeof(m->why));
                m->done = true;
        }
        return m;
}

static void check_userns(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *m = userns_probed(t, c);

        if (m->r >= 0)
                return;
        pdi_check_finding(c, PDI_SEV_WARN, userns_hint,
                          "cannot unshare a user namespace and pivot_root (%s); the node relies "
                          "on Landlock alone",
                          m->why);
}

/* The node's joint rule: Landlock and unshare+pivot_root stand in for each other; only when
 * both fail does it refuse. Its own id, so that the two warnings above stay warnings. */
static void check_sandbox(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const struct pdi_probe_memo *ll = landlock_probed(c);

        if (ll->r >= 1)
                return;
        const struct pdi_probe_memo *ns = userns_probed(t, c);
        if (ns->r >= 0)
                return;
        pdi_check_finding(c, PDI_SEV_ERROR, userns_hint,
                          "neither Landlock (%s) nor unshare+pivot_root (%s) works: Your system "
                          "cannot securely run a validator",
                          ll->why, ns->why);
}

/* ---- cgroups, SELinux ----------------------------------------------------------------------- */

static const char *host_note(const struct pdi_target *t)
{
        return t->root->is_host ? "" : " (the running host, not --root)";
}

static void check_cgroups(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct pdi_cgroups cg;
        char text[512];
        int r = pdi_cgroups_detect("/sys/fs/cgroup", &cg);
        if (r < 0) {
                pdi_check_skip(c, "/sys/fs/cgroup: %s",
                               r == -ENOMEDIUM ? "no cgroup file system mounted" : strerror(-r));
                return;
        }
        if (pdi_cgroups_limits_text(&cg, text, sizeof(text)))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "boot with the unified hierarchy "
                                  "(systemd.unified_cgroup_hierarchy=1) so every limit of the "
                                  "slice applies",
                                  "%s%s", text, host_note(t));
}

/* Enforcing but our module not in the policy store, or the node not labelled by it. */
static bool selinux_module_loaded(const struct pdi_root *r)
{
        static const char *const prio[] = {"100", "200", "300", "400"};
        _cleanup_free_ char *cfg = NULL;
        char type[64] = "targeted", path[256];
        const char *p;

        if (pdi_root_read_file(r, "/etc/selinux/config", 65536, &cfg, NULL) >= 0 &&
            (p = strstr(cfg, "\nSELINUXTYPE=")))
                sscanf(p + strlen("\nSELINUXTYPE="), "%63[A-Za-z0-9_-]", type);
        for (size_t i = 0; i < ELEMENTSOF(prio); i++) {
                snprintf(path, sizeof(path), "/var/lib/selinux/%s/active/modules/%s/polkadot", type,
                         prio[i]);
                _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH | O_DIRECTORY, 0);
                if (fd >= 0)
                        return true;
        }
        return false;
}

static bool selinux_node_labelled(const struct pdi_target *t)
{
        _cleanup_close_ int fd = t->node ? pdi_root_open_regular(t->root, t->node, 0) : -1;
        char label[256] = "";

        if (fd < 0 || fgetxattr(fd, "security.selinux", label, sizeof(label) - 1) < 0)
                return false;
        return strstr(label, ":polkadot_exec_t:") != NULL;
}

static void check_selinux(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *state = pdi_selinux_state(t->root);

        pdi_check_finding(c, PDI_SEV_INFO, NULL, "SELinux %s%s", state,
                          t->root->is_host ? "" : " (judged on the running host only)");
        if (!streq(state, "enforcing"))
                return;
        if (!selinux_module_loaded(t->root))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "load it: semodule -i polkadot.pp, then restorecon -R the "
                                  "install",
                                  "SELinux is enforcing and the polkadot policy module is not "
                                  "loaded");
        else if (t->node && !selinux_node_labelled(t))
                pdi_check_finding(c, PDI_SEV_WARN, "restorecon -RF /opt/polkadot",
                                  "%s is not labelled polkadot_exec_t", t->node);
}

/* ---- filesystems ---------------------------------------------------------------------------- */

/* statvfs of path inside the root, or of its nearest existing parent (a base path the node
 * will create later lives on its parent's filesystem). */
static int root_statvfs(const struct pdi_root *r, const char *path, struct statvfs *ret)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (;;) {
                _cleanup_close_ int fd = pdi_root_open(r, p, O_PATH, 0);
                if (fd >= 0)
                        return fstatvfs(fd, ret) < 0 ? -errno : 0;
                char *slash = strrchr(p, '/');
                if (fd != -ENOENT || !slash)
                        return fd;
                if (slash == p)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

static char *node_dir(const struct pdi_target *t)
{
        char *parent = NULL;
        const char *base;

        if (!t->node || pdi_path_split(t->node, &parent, &base) < 0)
                return NULL;
        return parent;
}

static void noexec_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                       const char *what, const char *why)
{
        struct statvfs sv;
        _cleanup_free_ char *shown = NULL;

        if (!path || root_statvfs(t->root, path, &sv) < 0 || !(sv.f_flag & ST_NOEXEC))
                return;
        shown = pdi_root_display(t->root, path);
        pdi_check_finding(c, PDI_SEV_ERROR,
                          "remount without noexec (fix /etc/fstab) or move it to a filesystem "
                          "that allows execution",
                          "%s %s is on a noexec filesystem: %s", what, shown ? shown : path, why);
}

static void check_noexec(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *nd = node_dir(t);

        noexec_one(t, c, nd, "node directory", "the node cannot be executed");
        if (!streq(nd, t->worker_dir))
                noexec_one(t, c, t->worker_dir, "worker directory",
                           "the node cannot execute its PVF workers");
        noexec_one(t, c, t->base_path, "base path",
                   "the workers map compiled PVF artifacts from it executable");
}

static void space_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                      const char *what, unsigned long long min_bytes, unsigned min_pct)
{
        struct statvfs sv;
        _cleanup_free_ char *shown = NULL;

        if (!path || root_statvfs(t->root, path, &sv) < 0 || sv.f_blocks == 0)
                return;
        unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
        unsigned long long total = (unsigned long long)sv.f_blocks * sv.f_frsize;
        unsigned pct = (unsigned)(avail * 100 / total);
        if (avail >= min_bytes && pct >= min_pct)
                return;
        char want[64];
        if (min_pct)
                snprintf(want, sizeof(want), "%llu GiB and %u%%", min_bytes / GIB, min_pct);
        else
                snprintf(want, sizeof(want), "%llu GiB", min_bytes / GIB);
        shown = pdi_root_display(t->root, path);
        pdi_check_finding(c, PDI_SEV_WARN, "free space or grow the filesystem",
                          "%s %s: %.2f GiB free (%u%% of %.2f GiB), want at least %s free", what,
                          shown ? shown : path, (double)avail / GIB, pct, (double)total / GIB,
                          want);
}

static void check_free_space(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *nd = node_dir(t);

        /* The chain database grows without bound; a release needs a few hundred MB per upgrade. */
        space_one(t, c, t->base_path, "base path", 10 * GIB, 5);
        space_one(t, c, t->release_dir ? t->release_dir : nd, "release directory", 1 * GIB, 0);
}

/* ---- the node's own probes ------------------------------------------------------------------ */

struct node_probe {
        const char *arg;
        const char *name;
        bool with_dir;
};

static const struct node_probe node_probes[] = {
    {"--check-can-enable-landlock", "landlock", false},
    {"--check-can-enable-seccomp", "seccomp", false},
    {"--check-can-unshare-user-namespace-and-change-root", "unshare+pivot_root", true},
    {"--check-can-do-secure-clone", "secure clone", false},
};

#define EXEC_FAILED "cannot execute: "

struct exec_arg {
        int exe_fd;
        const struct pdi_run_as *user;
        char *const *argv;
};

static void child_exec(void *arg)
{
        const struct exec_arg *a = arg;
        char *const envp[] = {NULL}; /* the node clears the workers' environment */

        child_become(a->user);
        if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
                child_fail("redirect stdio");
        int r = pdi_child_exec(a->exe_fd, a->argv, envp);
        child_say("%s%s", EXEC_FAILED, strerror(-r));
        _exit(126);
}

/* An old worker (before the probes existed) panics on an argument it does not know, or
 * complains that --socket-path is missing: the probe is then not supported, not failed. */
static bool probe_unsupported(const struct pdi_child_out *o)
{
        static const char *const marks[] = {"nexpected argument",   "nknown argument",
                                            "nrecognized",          "sage:",
                                            "argument is required", "socket-path"};

        if (pdi_child_ok(o) || o->timed_out || !WIFEXITED(o->status))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (strstr(o->out, marks[i]))
                        return true;
        return false;
}

/* Run one probe; returns 1 ok, 0 failed (why filled), -1 not supported by this worker, -2
 * the worker cannot be executed at all (why filled; the noexec and version checks say why). */
static int node_probe_run(int exe_fd, const struct pdi_run_as *u, const struct node_probe *p,
                          char *why, size_t n)
{
        char dir[] = "/tmp/pdi-probe-XXXXXX";
        char *argv[] = {(char *)"polkadot-prepare-worker", (char *)p->arg, dir, NULL};
        struct exec_arg a = {.exe_fd = exe_fd, .user = u, .argv = argv};
        struct pdi_child_out o;
        int r;

        if (p->with_dir) {
                if (!mkdtemp(dir) ||
                    (u->creds.drop && chown(dir, u->creds.uid, u->creds.gid) < 0)) {
                        snprintf(why, n, "cannot make a directory in /tmp: %s", strerror(errno));
                        rmdir(dir);
                        return 0;
                }
        } else {
                argv[2] = NULL;
        }
        r = pdi_child_run(child_exec, &a, PROBE_TIMEOUT_MS, &o);
        if (p->with_dir)
                rmdir(dir);
        if (r < 0) {
                snprintf(why, n, "cannot fork: %s", strerror(-r));
                return 0;
        }
        if (pdi_child_ok(&o))
                return 1;
        if (probe_unsupported(&o))
                return -1;
        describe(&o, why, n);
        if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 126 &&
            strncmp(o.out, EXEC_FAILED, strlen(EXEC_FAILED)) == 0)
                return -2;
        return 0;
}

static void check_node_probes(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *worker = NULL;
        _cleanup_close_ int fd = -1;
        struct pdi_run_as u;
        int res[ELEMENTSOF(node_probes)];
        char why[ELEMENTSOF(node_probes)][600];
        bool any = false;

        if (!t->worker_dir) {
                pdi_check_skip(c, "no worker directory known");
                return;
        }
        pdi_run_as_pick(t, &u);
        if (!u.service) {
                pdi_check_skip(c, "needs root to run the probes as %s", t->service_user);
                return;
        }
        if (asprintf(&worker, "%s/polkadot-prepare-worker", t->worker_dir) < 0) {
                worker = NULL;
                pdi_check_skip(c, "out of memory");
                return;
        }
        fd = pdi_root_open(t->root, worker, O_PATH, 0);
        if (fd < 0) {
                pdi_check_skip(c, "no prepare worker at %s: %s", worker, strerror(-fd));
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(node_probes); i++) {
                why[i][0] = '\0';
                res[i] = node_probe_run(fd, &u, &node_probes[i], why[i], sizeof(why[i]));
                if (res[i] == -2) {
                        pdi_check_skip(c, "%s as %s: %s", worker, u.label, why[i]);
                        return;
                }
                any |= res[i] >= 0;
        }
        if (!any) {
                pdi_check_skip(c, "%s does not know the --check-can-* probes", worker);
                return;
        }
        /* res[]: 0 landlock, 1 seccomp, 2 unshare+pivot_root, 3 secure clone. */
        if (res[1] == 0)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "see the seccomp check; the node refuses to validate without it",
                                  "%s --check-can-enable-seccomp failed as %s: %s: Your system "
                                  "cannot securely run a validator",
                                  worker, u.label, why[1]);
        if (res[0] == 0 && res[2] == 0)
                pdi_check_finding(c, PDI_SEV_ERROR, userns_hint,
                                  "%s: neither Landlock (%s) nor unshare+pivot_root (%s) works "
                                  "as %s: Your system cannot securely run a validator",
                                  worker, why[0], why[2], u.label);
        for (size_t i = 0; i < ELEMENTSOF(node_probes); i++) {
                bool lone = (i == 0 && res[2] != 0) || (i == 2 && res[0] != 0) || i == 3;
                if (res[i] == 0 && lone)
                        pdi_check_finding(
                            c, PDI_SEV_WARN,
                            i == 2 ? userns_hint : "see the host checks for what is missing",
                            "%s %s failed as %s: %s", worker, node_probes[i].arg, u.label, why[i]);
        }
}

const struct pdi_check pdi_checks_host[] = {
    {"seccomp", "seccomp filter can be installed", PDI_SCOPE_HOST, false, check_seccomp},
    {"landlock", "Landlock is available", PDI_SCOPE_HOST, false, check_landlock},
    {"userns-pivot-root", "user namespace and pivot_root work", PDI_SCOPE_HOST, false,
     check_userns},
    {"sandbox", "Landlock or unshare+pivot_root works", PDI_SCOPE_HOST, false, check_sandbox},
    {"cgroups", "cgroup v2 with its controllers", PDI_SCOPE_HOST, false, check_cgroups},
    {"selinux", "SELinux state", PDI_SCOPE_HOST, false, check_selinux},
    {"noexec", "release and base path allow execution", PDI_SCOPE_HOST | PDI_SCOPE_INSTALL, false,
     check_noexec},
    {"free-space", "free space on the base path", PDI_SCOPE_HOST | PDI_SCOPE_INSTALL, false,
     check_free_space},
    {"node-probes", "the node's own sandbox probes", PDI_SCOPE_HOST, false, check_node_probes},
    {0},
};
