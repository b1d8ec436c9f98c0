/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own --check-can-* probes under the node's real sandbox: on a live host, each
 * runs in a transient unit (systemd-run) given every [Service] setting of the installed unit
 * and its drop-ins that shapes the process (User=, Group=, the hardening directives: read from
 * the unit, never from a list of ours), less the ones that are about the service's life
 * (ExecStart=, Restart=, the environment, …), with an empty environment. Each result is
 * compared with the installer's own probe of the same feature (checks_host.c) or, for secure
 * clone, with the same probe outside the unit (checks_node_probes.c): a difference means the
 * unit takes away what the host gives (or our probe and the node's disagree), and the
 * finding names both. */
#include "checks/checks_unit_probes.h"
#include "checks/checks_host.h"
#include "checks/checks_node_probes.h"
#include "checks/checks_passwd.h"
#include "checks/unitfile.h"
#include "base/exec.h"
#include "host/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

/* systemd kills a probe unit after RuntimeMaxSec=10 (cmd_init); we stop waiting for
 * systemd-run later. */
#define RUN_DEADLINE_MS 30000

/* [Service] keys about the service's life, not its sandbox: what the probe unit sets itself
 * (its command, an empty environment, its own stdio and run time) or has no use for. By
 * prefix: "Exec" covers ExecStart=, ExecStartPre= … */
static const char *const life_prefixes[] = {
    "Exec",
    "Restart",
    "Timeout",
    "Watchdog",
    "Standard",
    "Environment",
    "PassEnvironment",
    "UnsetEnvironment",
    "TTY",
    "RuntimeMaxSec",
    "RuntimeRandomizedExtraSec",
    "Type",
    "RemainAfterExit",
    "PIDFile",
    "BusName",
    "NotifyAccess",
    "SuccessExitStatus",
    "Sockets",
    "FileDescriptorStore",
    "GuessMainPID",
    "SyslogIdentifier",
    "OOMPolicy",
    "KillMode",
    "KillSignal",
    "SendSIG",
    "FinalKillSignal",
};

static bool is_life_key(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(life_prefixes); i++)
                if (strncmp(key, life_prefixes[i], strlen(life_prefixes[i])) == 0)
                        return true;
        return false;
}

/* The systemd-run command line of one probe: the unit's sandbox, then env -i WORKER ARGS. */
struct probe_cmd {
        char **argv;
        size_t n, cap;
        size_t fixed; /* argv[0..fixed) are the same for every probe */
};

static int cmd_add(struct probe_cmd *c, char *s)
{
        if (!s)
                return -ENOMEM;
        if (c->n + 2 > c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 64;
                char **a = realloc(c->argv, cap * sizeof(*a));
                if (!a) {
                        free(s);
                        return -ENOMEM;
                }
                c->argv = a;
                c->cap = cap;
        }
        c->argv[c->n++] = s;
        c->argv[c->n] = NULL;
        return 0;
}

static void cmd_trim(struct probe_cmd *c, size_t n)
{
        while (c->n > n)
                free(c->argv[--c->n]);
        if (c->argv)
                c->argv[c->n] = NULL;
}

static void cmd_done(struct probe_cmd *c)
{
        cmd_trim(c, 0);
        free(c->argv);
        *c = (struct probe_cmd){0};
}

static char *fmt(const char *f, ...) _printf_(1, 2);
static char *fmt(const char *f, ...)
{
        char *s = NULL;
        va_list ap;
        va_start(ap, f);
        if (vasprintf(&s, f, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

/* systemd-run and its options, then one -p per sandbox assignment of the unit, in order. */
static int cmd_init(struct probe_cmd *c, const char *run, const struct pdi_unit *u)
{
        static const char *const opts[] = {"--quiet",   "--wait", "--pipe",
                                           "--collect", "-p",     "RuntimeMaxSec=10"};
        int k = cmd_add(c, strdup(run));
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(opts); i++)
                k = cmd_add(c, strdup(opts[i]));
        for (size_t i = 0; k == 0 && i < u->n; i++) {
                const struct pdi_unit_kv *kv = &u->kv[i];
                if (!streq(kv->section, "Service") || is_life_key(kv->key))
                        continue;
                k = cmd_add(c, strdup("-p"));
                if (k == 0)
                        k = cmd_add(c, fmt("%s=%s", kv->key, kv->value));
        }
        c->fixed = c->n;
        return k;
}

/* Run WORKER ARG [DIR] in a probe unit: 0 with its exit code (128+N: signal N) and output. */
static int run_in_unit(struct probe_cmd *c, unsigned n, const char *env, const char *worker,
                       const char *arg, const char *dir, char *out, size_t size, int *ret_status)
{
        cmd_trim(c, c->fixed);
        int k = cmd_add(c, fmt("--unit=polkadot-installer-probe-%ld-%u", (long)getpid(), n));
        const char *tail[] = {"--", env, "-i", worker, arg, dir};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(tail) && tail[i]; i++)
                k = cmd_add(c, strdup(tail[i]));
        if (k < 0)
                return k;
        k = pdi_exec_run_deadline(c->argv[0], c->argv, -1, out, size, RUN_DEADLINE_MS, ret_status);
        /* one line for a finding: newlines become "; ", the last one goes */
        for (char *p = out; k == 0 && *p; p++)
                if (*p == '\n')
                        *p = p[1] ? ';' : '\0';
        return k;
}

/* ---- the probe directory ------------------------------------------------------------------ */

/* Like the node (a temporary directory in its cache under the base path, which the unit lets
 * it write): base/.pdi-sandbox-probe-PID, owned by the service user. The base path belongs to
 * that user: everything through the root-fd layer, and the chown on the directory we opened. */
static int probe_dir_make(const struct pdi_target *t, const struct pdi_run_as *u, int *ret_base,
                          char **ret_path)
{
        _cleanup_close_ int base = pdi_root_open(t->root, t->base_path, O_PATH | O_DIRECTORY, 0);
        _cleanup_free_ char *name = fmt(".pdi-sandbox-probe-%ld", (long)getpid());
        if (base < 0)
                return base;
        if (!name)
                return -ENOMEM;
        if (mkdirat(base, name, 0700) < 0)
                return -errno;
        _cleanup_close_ int fd =
            openat(base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || (u->creds.drop && fchown(fd, u->creds.uid, u->creds.gid) < 0)) {
                int k = -errno;
                unlinkat(base, name, AT_REMOVEDIR);
                return k;
        }
        char *path = fmt("%s/%s", t->base_path, name);
        if (!path) {
                unlinkat(base, name, AT_REMOVEDIR);
                return -ENOMEM;
        }
        *ret_base = TAKE_FD(base);
        *ret_path = path;
        return 0;
}

static void probe_dir_remove(int base, const char *path)
{
        const char *slash = strrchr(path, '/');
        if (base >= 0 && slash)
                unlinkat(base, slash + 1, AT_REMOVEDIR);
}

/* ---- comparing ---------------------------------------------------------------------------- */

struct unit_result {
        int res; /* 1 passed, 0 failed, -1 the worker does not know the probe */
        char why[600];
};

/* What the installer's own probe of the same feature says: 1 works, 0 not, -1 no counterpart;
 * what it says, in a few words, into say. */
static int ours(const struct pdi_target *t, struct pdi_check_ctx *c, size_t i, char *say, size_t n)
{
        const struct pdi_probe_memo *m = NULL;
        const struct pdi_audit_memo *am = pdi_check_memo(c);
        switch (i) {
        case 0:
                m = pdi_host_probe_landlock(c);
                if (m->r >= 1)
                        snprintf(say, n, "installer's probe says Landlock ABI %d is available",
                                 m->r);
                else
                        snprintf(say, n, "installer's probe says Landlock is unavailable (%s)",
                                 m->why);
                return m->r >= 1;
        case 1:
                m = pdi_host_probe_seccomp(c);
                snprintf(say, n,
                         m->r >= 0 ? "installer's probe installs a seccomp filter%s"
                                   : "installer's probe cannot install a seccomp filter (%s)",
                         m->r >= 0 ? "" : m->why);
                return m->r >= 0;
        case 2:
                m = pdi_host_probe_userns(t, c);
                snprintf(say, n,
                         m->r >= 0 ? "installer's probe unshares a user namespace and "
                                     "pivots root%s"
                                   : "installer's probe cannot unshare and pivot root (%s)",
                         m->r >= 0 ? "" : m->why);
                return m->r >= 0;
        default:
                if (!am->node_probes_done || am->node_probe[i] < 0)
                        return -1;
                snprintf(say, n, "the same probe %s as %s outside the unit",
                         am->node_probe[i] ? "passes" : "fails",
                         t->service_user ?: "the node's user");
                return am->node_probe[i];
        }
}

/* A probe failing under the unit leaves the node without seccomp, or without both of
 * Landlock and unshare+pivot_root: it refuses to validate. */
static enum pdi_severity diff_severity(const struct unit_result *u, size_t i)
{
        if (i == 1 || (i == 0 && u[2].res == 0) || (i == 2 && u[0].res == 0))
                return PDI_SEV_ERROR;
        return PDI_SEV_WARN;
}

static const char unit_hint[] =
    "the unit (or a drop-in) denies what the probe needs: see its RestrictNamespaces=, "
    "SystemCallFilter=, PrivateUsers= … (systemctl cat the unit); a validator needs seccomp "
    "and one of Landlock or unshare+pivot_root";

static void compare(const struct pdi_target *t, struct pdi_check_ctx *c, const char *worker,
                    const struct unit_result *u)
{
        unsigned same = 0;
        for (size_t i = 0; i < PDI_NODE_PROBES; i++) {
                char say[1200];
                int o = ours(t, c, i, say, sizeof(say));
                if (u[i].res < 0 || o < 0 || o == u[i].res) {
                        same += u[i].res >= 0;
                        continue;
                }
                if (u[i].res == 0)
                        pdi_check_finding(c, diff_severity(u, i), unit_hint,
                                          "node's %s fails under %s's sandbox (%s), %s",
                                          pdi_node_probes[i].arg, t->unit_path, u[i].why, say);
                else
                        pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                          "node's %s passes under %s's sandbox, %s",
                                          pdi_node_probes[i].arg, t->unit_path, say);
        }
        if (same == PDI_NODE_PROBES)
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "%s: the node's four probes give under %s's sandbox what the "
                                  "installer's probes give",
                                  worker, t->unit_path);
}

/* ---- the check ---------------------------------------------------------------------------- */

/* Why the probes cannot run under the unit here, or NULL. */
static const char *cannot_run(const struct pdi_target *t)
{
        if (!t->root->is_host)
                return "not run under --root: the probes run in a unit of the running host";
        if (!pdi_systemd_live(t->root))
                return "systemd is not running here";
        if (geteuid() != 0)
                return "needs root (a transient system unit)";
        if (!t->unit_path)
                return "no unit";
        if (!t->worker_dir)
                return "no worker directory known";
        if (!t->base_path)
                return "no base path known";
        return NULL;
}

struct session {
        struct probe_cmd cmd;
        char *run, *env, *worker, *dir;
        int base_fd;
};

static void session_done(struct session *s)
{
        if (s->dir)
                probe_dir_remove(s->base_fd, s->dir);
        if (s->base_fd >= 0)
                close(s->base_fd);
        cmd_done(&s->cmd);
        free(s->run), free(s->env), free(s->worker), free(s->dir);
}

static int session_init(const struct pdi_target *t, struct pdi_check_ctx *c, struct session *s)
{
        struct pdi_unit u = {0};
        struct pdi_run_as who;
        int k;

        if (pdi_exec_find("systemd-run", &s->run) < 0 || pdi_exec_find("env", &s->env) < 0) {
                pdi_check_skip(c, "systemd-run or env not found in " PDI_EXEC_PATH);
                return -ENOENT;
        }
        s->worker = fmt("%s/polkadot-prepare-worker", t->worker_dir);
        k = s->worker ? pdi_unit_load(t->root, t->unit_path, &u) : -ENOMEM;
        if (k == 0)
                k = cmd_init(&s->cmd, s->run, &u);
        pdi_unit_done(&u);
        if (k < 0) {
                pdi_check_skip(c, "%s: %s", t->unit_path, strerror(-k));
                return k;
        }
        pdi_run_as_pick(t, &who);
        k = probe_dir_make(t, &who, &s->base_fd, &s->dir);
        if (k < 0)
                pdi_check_skip(c, "cannot make a probe directory in %s: %s", t->base_path,
                               strerror(-k));
        return k;
}

/* The worker's --version under the unit first: if that fails, nothing the probes say would
 * be about the probes. systemd-run's own refusal (a setting it cannot pass) is a skip. */
static int baseline(const struct pdi_target *t, struct pdi_check_ctx *c, struct session *s)
{
        char out[1024];
        int st = 0;
        int k =
            run_in_unit(&s->cmd, 0, s->env, s->worker, "--version", NULL, out, sizeof(out), &st);
        if (k < 0) {
                pdi_check_skip(c, "systemd-run: %s", strerror(-k));
                return k;
        }
        if (st == 0)
                return 0;
        if (strncmp(out, "Failed to", 9) == 0 || strstr(out, "Unknown assignment")) {
                pdi_check_skip(c, "systemd-run cannot start a unit with %s's settings: %s",
                               t->unit_path, out);
                return -EINVAL;
        }
        pdi_check_finding(c, PDI_SEV_ERROR, unit_hint,
                          "%s --version fails under %s's sandbox (exit %d: %s): the node cannot "
                          "run its workers there",
                          s->worker, t->unit_path, st, out);
        return -EPERM;
}

void pdi_check_unit_probes_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *no = cannot_run(t);
        struct session s = {.base_fd = -1};
        struct unit_result u[PDI_NODE_PROBES];
        bool any = false;

        if (no) {
                pdi_check_skip(c, "%s", no);
                return;
        }
        if (session_init(t, c, &s) < 0 || baseline(t, c, &s) < 0) {
                session_done(&s);
                return;
        }
        for (size_t i = 0; i < PDI_NODE_PROBES; i++) {
                int st = 0;
                int k = run_in_unit(
                    &s.cmd, (unsigned)i + 1, s.env, s.worker, pdi_node_probes[i].arg,
                    pdi_node_probes[i].with_dir ? s.dir : NULL, u[i].why, sizeof(u[i].why), &st);
                if (k < 0)
                        snprintf(u[i].why, sizeof(u[i].why), "systemd-run: %s", strerror(-k));
                u[i].res = k == 0 && st == 0                            ? 1
                           : k == 0 && pdi_node_probe_unknown(u[i].why) ? -1
                                                                        : 0;
                if (u[i].res == 0 && !u[i].why[0])
                        snprintf(u[i].why, sizeof(u[i].why), "exit status %d", st);
                any |= u[i].res >= 0;
        }
        if (any)
                compare(t, c, s.worker, u);
        else
                pdi_check_skip(c, "%s does not know the --check-can-* probes", s.worker);
        session_done(&s);
}
