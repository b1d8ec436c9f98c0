/* SPDX-License-Identifier: Apache-2.0 */
/* audit: judge what is installed, whoever installed it (this tool, Parity's Debian package,
 * a hand install, the Docker layout). Read-only; exit 4 when an error-level finding exists. */
#include "checks/checks.h"
#include "cli/cli.h"
#include "base/log.h"

#include <errno.h>

/* --quiet: only the warning- and error-level findings, one line each (and its hint), without
 * the target, the passing checks or the summary; nothing at all when there are none. */
static void print_quiet(const struct pdi_audit *a, FILE *f)
{
        for (size_t i = 0; i < a->n_results; i++)
                for (size_t j = 0; j < a->results[i].n_findings; j++) {
                        const struct pdi_finding *fd = &a->results[i].findings[j];
                        if (fd->severity < PDI_SEV_WARN)
                                continue;
                        fprintf(f, "%-26s %-6s %s\n", a->results[i].id,
                                fd->severity == PDI_SEV_ERROR ? "ERROR" : "WARN", fd->text);
                        if (fd->hint)
                                fprintf(f, "%-26s %-6s hint: %s\n", "", "", fd->hint);
                }
}

static int report(struct pdi_ctx *ctx, const struct pdi_audit *a, const struct pdi_target *t,
                  const char *prom)
{
        if (ctx->json) {
                json_t *doc = pdi_audit_to_json(a, t);
                if (!doc)
                        return -ENOMEM;
                json_object_update(ctx->out, doc);
                json_decref(doc);
        } else if (ctx->verbosity < 0)
                print_quiet(a, stdout);
        else
                pdi_audit_print(a, t, stdout);
        int r = prom ? pdi_audit_write_prometheus(a, t, prom, &ctx->err) : 0;
        if (r < 0)
                return r;
        unsigned n, warnings;
        pdi_audit_count(a, &n, &warnings);
        if (n)
                return pdi_error_set(&ctx->err, -PDI_E_FINDINGS, "audit: %u error-level finding%s",
                                     n, n == 1 ? "" : "s");
        return 0;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const char *prom = NULL;
        const struct pdi_cli_opt opts[] = {{"prometheus", &prom, NULL}};
        int r = pdi_cli_parse(ctx, cmd, argc, argv, opts, ELEMENTSOF(opts));
        const struct pdi_root *root;
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r < 0)
                return r;
        struct pdi_target t;
        r = pdi_target_discover(root, &t, &ctx->err);
        if (r < 0) {
                pdi_error_prefix(&ctx->err, "audit: ");
                return r;
        }
        if (geteuid() != 0)
                log_warn("not running as root: checks that need root are skipped");
        struct pdi_audit a;
        r = pdi_audit_run(&t, PDI_SCOPE_ALL, &a);
        if (r == 0) {
                r = report(ctx, &a, &t, prom);
                pdi_audit_done(&a);
        }
        pdi_target_done(&t);
        return r;
}

const struct pdi_command pdi_cmd_audit = {
    .name = "audit",
    .summary = "judge an installed node: versions, integrity, permissions, ELF, unit, host",
    .usage = "audit [--prometheus FILE]",
    .help = "Finds the node the way systemd and the node do (the unit's ExecStart, else "
            "PATH; the\n"
            "workers by the node's own search order), for installs made by this tool, "
            "Parity's\n"
            "Debian package, a hand install or the Docker layout, and runs every check. "
            "Changes\n"
            "nothing. Checks that need root say \"skipped: needs root\" otherwise.\n\n"
            "What is run: each binary's --version (node and both workers), for the version\n"
            "check. It runs confined whatever the tree's passwd says: as root, as uid/gid 65534\n"
            "with no supplementary groups; in new user, mount, network, pid, ipc, uts and\n"
            "cgroup namespaces; with a read-only view of / where /root, /home, /var, /tmp,\n"
            "/run, /srv, /opt, /mnt, /media and /boot are empty and /etc/shadow is masked; no\n"
            "network; no_new_privs, Landlock where the kernel has it, a seccomp filter (no\n"
            "ptrace, mount, namespace changes, bpf, keyring, module loading, sockets other\n"
            "than AF_UNIX); 2 GiB of address space, 64 processes, no file writes; killed after\n"
            "10 s or 1 MiB of output, with every process it started. A binary that cannot be\n"
            "confined is not run (\"not run: cannot confine: ...\"). The node's own\n"
            "--check-can-* probes must run as the node would, as its service user and\n"
            "unconfined, so they run only for the host's own install, never under --root.\n"
            "With systemd running, they also run under the unit's own sandbox: each in a\n"
            "transient unit (systemd-run) with every [Service] setting of the unit and its\n"
            "drop-ins but those about the service's life (Exec*, Restart*, the environment\n"
            "...), as its User=, with an empty environment; where the result differs from\n"
            "the installer's probe of the same feature, a finding names both.\n"
            "The landlock check reports the highest Landlock ABI the kernel offers; apparmor\n"
            "reports kernel.apparmor_restrict_unprivileged_userns and whether a loaded\n"
            "profile gives the workers their user namespace back.\n\n"
            "Options:\n"
            "  --prometheus FILE    also write a node_exporter textfile (atomically)\n\n"
            "With -q, --quiet only the warning- and error-level findings are printed, one line\n"
            "each (nothing when there are none); the exit status is the same.\n"
            "Exit status 4 when an error-level finding exists.\n",
    .examples = "  polkadot-installer audit\n"
                "  polkadot-installer audit --json | jq '.checks[] | select(.status == "
                "\"error\")'\n"
                "  polkadot-installer audit --prometheus "
                "/var/lib/node_exporter/textfile/polkadot.prom\n"
                "  polkadot-installer audit --root /srv/image\n",
    .run = run,
};
