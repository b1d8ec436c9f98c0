/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own sandbox probes: the prepare worker run with --check-can-enable-landlock,
 * --check-can-enable-seccomp, --check-can-unshare-user-namespace-and-change-root DIR and
 * --check-can-do-secure-clone as the service user, the way the node runs them at start. */
#include "checks/checks_node_probes.h"
#include "checks/checks_host.h"
#include "checks/checks_passwd.h"
#include "checks/finding.h"
#include "checks/probe.h"
#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#define PROBE_TIMEOUT_MS PDI_PROBE_TIMEOUT_MS

/* ---- the node's own probes ------------------------------------------------------------------ */

const struct pdi_node_probe pdi_node_probes[PDI_NODE_PROBES] = {
    {"--check-can-enable-landlock", "landlock", false},
    {"--check-can-enable-seccomp", "seccomp", false},
    {"--check-can-unshare-user-namespace-and-change-root", "unshare+pivot_root", true},
    {"--check-can-do-secure-clone", "secure clone", false},
};
#define node_probes pdi_node_probes

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

        pdi_probe_become(a->user);
        if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
                pdi_probe_fail("redirect stdio");
        int r = pdi_child_exec(a->exe_fd, a->argv, envp);
        pdi_probe_say("%s%s", EXEC_FAILED, strerror(-r));
        _exit(126);
}

/* An old worker (before the probes existed) panics on an argument it does not know, or
 * complains that --socket-path is missing: the probe is then not supported, not failed. */
bool pdi_node_probe_unknown(const char *out)
{
        static const char *const marks[] = {"nexpected argument",   "nknown argument",
                                            "nrecognized",          "sage:",
                                            "argument is required", "socket-path"};

        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (strstr(out, marks[i]))
                        return true;
        return false;
}

static bool probe_unsupported(const struct pdi_child_out *o)
{
        if (pdi_child_ok(o) || o->timed_out || !WIFEXITED(o->status))
                return false;
        return pdi_node_probe_unknown(o->out);
}

/* Run one probe; returns 1 ok, 0 failed (why filled), -1 not supported by this worker, -2
 * the worker cannot be executed at all (why filled; the noexec and version checks say why). */
static int node_probe_run(int exe_fd, const struct pdi_run_as *u, const struct pdi_node_probe *p,
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
        pdi_probe_describe(&o, why, n);
        if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 126 &&
            strncmp(o.out, EXEC_FAILED, strlen(EXEC_FAILED)) == 0)
                return -2;
        return 0;
}

void pdi_check_node_probes_run(const struct pdi_target *t, struct pdi_check_ctx *c)
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
        /* The probes must run as the node will (its user, unconfined) to say anything, and
         * a tree that is not this host's own is not run that way: its binaries are the
         * attacker's (--version runs them confined instead, base/confine.h). */
        if (!t->root->is_host) {
                pdi_check_skip(c, "not run under --root: the node's own probes run the tree's "
                                  "worker unconfined; audit the host the tree belongs to");
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
        memcpy(pdi_check_memo(c)->node_probe, res, sizeof(res));
        pdi_check_memo(c)->node_probes_done = true;
        /* res[]: 0 landlock, 1 seccomp, 2 unshare+pivot_root, 3 secure clone. */
        if (res[1] == 0)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "see the seccomp check; the node refuses to validate without it",
                                  "%s --check-can-enable-seccomp failed as %s: %s: Your system "
                                  "cannot securely run a validator",
                                  worker, u.label, why[1]);
        if (res[0] == 0 && res[2] == 0)
                pdi_check_finding(c, PDI_SEV_ERROR, pdi_userns_hint,
                                  "%s: neither Landlock (%s) nor unshare+pivot_root (%s) works "
                                  "as %s: Your system cannot securely run a validator",
                                  worker, why[0], why[2], u.label);
        for (size_t i = 0; i < ELEMENTSOF(node_probes); i++) {
                bool lone = (i == 0 && res[2] != 0) || (i == 2 && res[0] != 0) || i == 3;
                if (res[i] == 0 && lone)
                        pdi_check_finding(
                            c, PDI_SEV_WARN,
                            i == 2 ? pdi_userns_hint : "see the host checks for what is missing",
                            "%s %s failed as %s: %s", worker, node_probes[i].arg, u.label, why[i]);
        }
}
