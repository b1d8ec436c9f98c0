/* SPDX-License-Identifier: Apache-2.0 */
/* The host checks against what this machine shows by other means (unshare(1), the Landlock
 * ABI, /proc/self/status), then made to fail on purpose: a seccomp filter in a child that
 * denies seccomp, Landlock and unshare; a noexec tmpfs in a private mount namespace; a fake
 * prepare worker whose probes fail. */
#include "checks/checks.h"
#include "checks/checks_host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

static char tmpl[] = "/tmp/pdi-checks-host.XXXXXX";
static struct pdi_root root;
static struct pdi_target target;

static void put(const char *path, const char *text, mode_t mode)
{
        char *parent = NULL;
        const char *base;
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, parent, 0755), 0);
        free(parent);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), mode), 0);
}

static int setup(void **state)
{
        (void)state;
        assert_non_null(mkdtemp(tmpl));
        chmod(tmpl, 0755); /* the fake worker runs as nobody */
        assert_int_equal(pdi_root_init(&root, tmpl), 0);
        put("/etc/passwd", "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n", 0644);
        assert_int_equal(pdi_root_mkdir_p(&root, "/opt/polkadot/current", 0755), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, "/var/lib/polkadot", 0755), 0);
        target = (struct pdi_target){
            .root = &root,
            .kind = "manual",
            .node = strdup("/opt/polkadot/current/polkadot"),
            .worker_dir = strdup("/opt/polkadot/current"),
            .base_path = strdup("/var/lib/polkadot"),
        };
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        free(target.node);
        free(target.worker_dir);
        free(target.base_path);
        pdi_root_done(&root);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        return system(cmd);
}

static struct pdi_audit audit;

static const struct pdi_check_result *run_id(const char *id)
{
        pdi_audit_done(&audit);
        assert_int_equal(pdi_audit_run(&target, PDI_SCOPE_HOST, &audit), 0);
        for (size_t i = 0; i < audit.n_results; i++)
                if (streq(audit.results[i].id, id))
                        return &audit.results[i];
        fail_msg("no check %s", id);
        return NULL;
}

/* The worst severity of a result, -1 when it found nothing; its texts are printed. */
static int worst(const struct pdi_check_result *r)
{
        int w = -1;
        for (size_t i = 0; i < r->n_findings; i++) {
                printf("# %s: [%d] %s\n", r->id, r->findings[i].severity, r->findings[i].text);
                w = (int)r->findings[i].severity > w ? (int)r->findings[i].severity : w;
        }
        if (r->skipped)
                printf("# %s: skipped: %s\n", r->id, r->skip_reason);
        return w;
}

static bool has_text(const struct pdi_check_result *r, const char *s)
{
        for (size_t i = 0; i < r->n_findings; i++)
                if (strstr(r->findings[i].text, s))
                        return true;
        return false;
}

/* The kernel says it has seccomp filters (Seccomp_filters: in status) and we run under none
 * that forbids more: the check must pass, and fail exactly when the kernel lacks them. */
static void seccomp_matches_host(void **state)
{
        (void)state;
        char line[256];
        bool have = false;
        FILE *f = fopen("/proc/self/status", "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                have |= strncmp(line, "Seccomp_filters:", 16) == 0;
        fclose(f);
        printf("# kernel reports seccomp filters: %s\n", have ? "yes" : "no");
        assert_int_equal(worst(run_id("seccomp")) == -1, have);
}

static void landlock_matches_host(void **state)
{
        (void)state;
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        printf("# Landlock ABI on this host: %ld\n", abi);
        const struct pdi_check_result *r = run_id("landlock");
        int w = worst(r);
        assert_int_equal(w, abi >= 1 ? PDI_SEV_INFO : PDI_SEV_WARN);
        if (abi >= 1) { /* the kernel's own highest ABI, not a fixed 1 */
                char want[64];
                snprintf(want, sizeof(want), "Landlock ABI %ld: the highest", abi);
                assert_true(has_text(r, want));
        }
        pdi_audit_done(&audit);
}

/* The ABI query's answer injected through the seam: what the check says for each. */
static long injected_abi;
static long inject_abi(void)
{
        return injected_abi;
}

static const struct pdi_check_result *landlock_with(long abi)
{
        injected_abi = abi;
        pdi_test_landlock_abi = inject_abi;
        const struct pdi_check_result *r = run_id("landlock");
        pdi_test_landlock_abi = NULL;
        worst(r);
        return r;
}

static void landlock_abi_injected(void **state)
{
        (void)state;
        long real = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        const struct pdi_check_result *r = landlock_with(-ENOSYS);
        assert_int_equal(worst(r), PDI_SEV_WARN);
        assert_true(has_text(r, "Landlock unavailable: the kernel has no Landlock (ENOSYS)"));
        r = landlock_with(-EOPNOTSUPP);
        assert_true(has_text(r, "disabled at boot (EOPNOTSUPP"));
        r = landlock_with(-EPERM);
        assert_true(has_text(r, "landlock_create_ruleset is denied (EPERM: a seccomp filter"));
        /* sandbox: Landlock gone, so it rests on unshare+pivot_root (the same memo) */
        if (real >= 1) {
                /* An older ABI than the kernel's is enforced with its own rights and reported. */
                r = landlock_with(1);
                assert_int_equal(worst(r), PDI_SEV_INFO);
                assert_true(has_text(r, "Landlock ABI 1: the highest"));
        }
        if (real >= 1 && real < 6) {
                /* A kernel that claims rights it does not have is caught by the ruleset. */
                r = landlock_with(real + 1);
                assert_int_equal(worst(r), PDI_SEV_WARN);
                assert_true(has_text(r, "but a ruleset did not restrict: landlock_create_ruleset "
                                        "with the rights of ABI"));
        }
        pdi_audit_done(&audit);
}

/* kernel.apparmor_restrict_unprivileged_userns injected as a file of the stand-in host: what
 * it costs, with and without Landlock, and a loaded worker profile that gives it back. */
static void apparmor_restrict_userns_is_reported(void **state)
{
        (void)state;
        root.is_host = true;
        const struct pdi_check_result *r = run_id("apparmor");
        worst(r);
        assert_true(
            has_text(r, "AppArmor not enabled; no kernel.apparmor_restrict_unprivileged_userns"));
        put("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0\n", 0644);
        r = run_id("apparmor");
        assert_int_equal(worst(r), PDI_SEV_INFO);
        assert_true(has_text(r, "kernel.apparmor_restrict_unprivileged_userns=0"));
        put("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n", 0644);
        put("/sys/kernel/security/apparmor/profiles", "polkadot (unconfined)\n", 0644);
        injected_abi = 3;
        pdi_test_landlock_abi = inject_abi;
        r = run_id("apparmor");
        assert_int_equal(worst(r), PDI_SEV_WARN);
        assert_true(
            has_text(r, "AppArmor enabled; kernel.apparmor_restrict_unprivileged_userns=1"));
        assert_true(has_text(r, "kernel.apparmor_restrict_unprivileged_userns=1 and no loaded "
                                "AppArmor profile allows the workers a user namespace: their "
                                "unshare+pivot_root sandbox is denied, so Secure Validator Mode "
                                "runs degraded, on Landlock alone"));
        injected_abi = -ENOSYS;
        r = run_id("apparmor");
        assert_int_equal(worst(r), PDI_SEV_ERROR);
        assert_true(has_text(r, "Landlock is unavailable, so the node refuses to validate (Your "
                                "system cannot securely run a validator)"));
        put("/sys/kernel/security/apparmor/profiles",
            "polkadot (unconfined)\npolkadot-pvf-worker (unconfined)\n", 0644);
        r = run_id("apparmor");
        assert_int_equal(worst(r), PDI_SEV_INFO);
        assert_true(
            has_text(r, "a loaded profile (*-pvf-worker) allows the workers their user namespace"));
        pdi_test_landlock_abi = NULL;
        root.is_host = false;
        r = run_id("apparmor");
        assert_true(r->skipped);
        assert_non_null(strstr(r->skip_reason, "judged on the running host only"));
        pdi_audit_done(&audit);
}

/* The rights enforced grow with the ABI and stop at the newest known. */
static void landlock_rights_by_abi(void **state)
{
        (void)state;
        uint64_t fs, net, scoped;
        size_t size;
        pdi_landlock_attr_for(1, &fs, &net, &scoped, &size);
        assert_true(fs == 0x1fff && net == 0 && scoped == 0);
        assert_int_equal(size, 8);
        pdi_landlock_attr_for(3, &fs, &net, &scoped, &size);
        assert_true(fs == 0x7fff && net == 0 && size == 8);
        pdi_landlock_attr_for(4, &fs, &net, &scoped, &size);
        assert_true(fs == 0x7fff && net == 3 && size == 16);
        pdi_landlock_attr_for(6, &fs, &net, &scoped, &size);
        assert_true(fs == 0xffff && net == 3 && scoped == 3 && size == 24);
        uint64_t fs9, net9, sc9;
        size_t size9;
        pdi_landlock_attr_for(9, &fs9, &net9, &sc9, &size9);
        assert_true(fs9 == fs && net9 == net && sc9 == scoped && size9 == size);
}

/* unshare(1) as the user the check probes as (nobody when we are root). */
static void userns_matches_host(void **state)
{
        (void)state;
        if (system("command -v unshare >/dev/null && command -v setpriv >/dev/null") != 0)
                skip();
        int rc = system(geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups "
                                         "unshare -Urm true 2>/dev/null"
                                       : "unshare -Urm true 2>/dev/null");
        printf("# unshare -Urm as the probe user: %s\n", rc == 0 ? "works" : "fails");
        int w = worst(run_id("userns-pivot-root"));
        assert_int_equal(w == -1, rc == 0);
        bool ll_ok = worst(run_id("landlock")) == -1;
        int s = worst(run_id("sandbox"));
        assert_int_equal(s == -1, ll_ok || rc == 0);
}

/* In a child under a filter that makes seccomp, Landlock and unshare unavailable (as on a
 * kernel without them: ENOSYS, and EINVAL for the old prctl interface), the checks
 * must say so: seccomp and sandbox errors, landlock and userns warnings. */
static int denied_child(void)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return 10;
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(seccomp), 0) < 0 ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 1,
                             SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP, 0)) < 0 ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0) <
                0 ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
            seccomp_load(ctx) < 0)
                return 11;
        seccomp_release(ctx);
        static const struct {
                const char *id;
                int sev;
                const char *text;
        } want[] = {
            {"seccomp", PDI_SEV_ERROR, "cannot securely run a validator"},
            {"landlock", PDI_SEV_WARN, "ENOSYS"},
            {"userns-pivot-root", PDI_SEV_WARN, "unshare(CLONE_NEWUSER|CLONE_NEWNS)"},
            {"sandbox", PDI_SEV_ERROR, "neither Landlock"},
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const struct pdi_check_result *r = run_id(want[i].id);
                if (worst(r) != want[i].sev || !has_text(r, want[i].text)) {
                        printf("# %s: expected severity %d with \"%s\"\n", want[i].id, want[i].sev,
                               want[i].text);
                        return 20 + (int)i;
                }
        }
        pdi_audit_done(&audit);
        return 0;
}

static int in_child(int (*fn)(void))
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int r = fn();
                fflush(NULL);
                _exit(r);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void denied_sandbox_is_reported(void **state)
{
        (void)state;
        assert_int_equal(in_child(denied_child), 0);
}

/* /opt on a 4 MiB noexec tmpfs in a private mount namespace: the node's directory cannot be
 * executed and there is little room. */
static int noexec_child(void)
{
        char opt[256];
        snprintf(opt, sizeof(opt), "%s/opt", tmpl);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", opt, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, "size=4m") < 0)
                return 10;
        /* The root fd still walks the old namespace's mounts: open it again. */
        pdi_root_done(&root);
        if (pdi_root_init(&root, tmpl) < 0 ||
            pdi_root_mkdir_p(&root, "/opt/polkadot/current", 0755) < 0)
                return 11;
        const struct pdi_check_result *r = run_id("noexec");
        if (worst(r) != PDI_SEV_ERROR || r->n_findings != 1 || !has_text(r, "node directory"))
                return 12;
        r = run_id("free-space");
        if (worst(r) != PDI_SEV_WARN || !has_text(r, "release directory"))
                return 13;
        /* The base path on the same tmpfs: a second noexec finding and a low-space one. */
        char *bp = target.base_path;
        target.base_path = (char *)"/opt/base";
        r = run_id("noexec");
        int n = (int)r->n_findings;
        bool base = has_text(run_id("free-space"), "base path");
        target.base_path = bp;
        pdi_audit_done(&audit);
        return n == 2 && base ? 0 : 14;
}

static void noexec_is_reported(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        assert_int_equal(worst(run_id("noexec")), -1);
        assert_int_equal(in_child(noexec_child), 0);
}

/* Seccomp fails, Landlock works, unshare fails (it also says who ran it and with what
 * environment), secure clone fails. */
static const char fake_worker[] =
    "#!/bin/sh\n"
    "case \"$1\" in\n"
    "--check-can-enable-seccomp) echo \"no seccomp: uid $(id -u) env $(env | grep -cv "
    "'^PWD=')\" >&2; exit 1;;\n"
    "--check-can-enable-landlock) exit 0;;\n"
    "--check-can-unshare-user-namespace-and-change-root) [ -d \"$2\" ] && echo \"no "
    "unshare in $2\" >&2; exit 1;;\n"
    "--check-can-do-secure-clone) echo 'clone3: EPERM' >&2; exit 1;;\n"
    "*) echo \"thread 'main' panicked: Unexpected argument found: $1\" >&2; exit 101;;\n"
    "esac\n";

/* The probe logic itself, judged as if this scratch root were the host's own install (the
 * only case in which the probes run, see under_root_node_probes_are_not_run). */
static void node_probes_run_as_nobody(void **state)
{
        (void)state;
        root.is_host = true;
        put("/opt/polkadot/current/polkadot-prepare-worker", fake_worker, 0755);
        const struct pdi_check_result *r = run_id("node-probes");
        assert_int_equal(worst(r), PDI_SEV_ERROR);
        assert_false(r->skipped);
        assert_int_equal(r->n_findings, 3);
        assert_int_equal(r->findings[0].severity, PDI_SEV_ERROR);
        assert_non_null(strstr(r->findings[0].text, "--check-can-enable-seccomp"));
        assert_non_null(strstr(r->findings[0].text, "env 0"));
        if (geteuid() == 0)
                assert_non_null(strstr(r->findings[0].text, "uid 65534"));
        assert_true(has_text(r, "no unshare in /tmp/pdi-probe-"));
        assert_true(has_text(r, "clone3: EPERM"));
        pdi_audit_done(&audit);
        root.is_host = false;
}

/* A worker from before the probes: every probe panics on the argument, the check skips. */
static void old_worker_is_skipped(void **state)
{
        (void)state;
        root.is_host = true;
        put("/opt/polkadot/current/polkadot-prepare-worker",
            "#!/bin/sh\necho \"thread 'main' panicked: Unexpected argument found: $1\" >&2\n"
            "exit 101\n",
            0755);
        const struct pdi_check_result *r = run_id("node-probes");
        worst(r);
        assert_true(r->skipped);
        assert_int_equal(r->n_findings, 0);
        assert_non_null(strstr(r->skip_reason, "does not know the --check-can-* probes"));
        pdi_audit_done(&audit);
        root.is_host = false;
}

/* Under --root the tree's worker is the attacker's: the probes would run it unconfined. */
static void under_root_node_probes_are_not_run(void **state)
{
        (void)state;
        assert_false(root.is_host); /* a scratch root, as mkdtemp made it */
        char mark[sizeof(tmpl) + 16];
        snprintf(mark, sizeof(mark), "%s/probed", tmpl);
        char script[512];
        snprintf(script, sizeof(script), "#!/bin/sh\ntouch '%s'\necho 1.0.0\n", mark);
        put("/opt/polkadot/current/polkadot-prepare-worker", script, 0755);
        const struct pdi_check_result *r = run_id("node-probes");
        worst(r);
        assert_true(r->skipped);
        assert_non_null(strstr(r->skip_reason, "not run under --root"));
        assert_int_equal(access(mark, F_OK), -1);
        pdi_audit_done(&audit);
}

static void selinux_state_is_info(void **state)
{
        (void)state;
        const struct pdi_check_result *r = run_id("selinux");
        assert_true(r->n_findings >= 1);
        assert_int_equal(r->findings[0].severity, PDI_SEV_INFO);
        assert_true(has_text(r, "SELinux "));
        pdi_audit_done(&audit);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(seccomp_matches_host),
            cmocka_unit_test(landlock_matches_host),
            cmocka_unit_test(landlock_abi_injected),
            cmocka_unit_test(landlock_rights_by_abi),
            cmocka_unit_test(apparmor_restrict_userns_is_reported),
            cmocka_unit_test(userns_matches_host),
            cmocka_unit_test(denied_sandbox_is_reported),
            cmocka_unit_test(noexec_is_reported),
            cmocka_unit_test(node_probes_run_as_nobody),
            cmocka_unit_test(old_worker_is_skipped),
            cmocka_unit_test(under_root_node_probes_are_not_run),
            cmocka_unit_test(selinux_state_is_info),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
