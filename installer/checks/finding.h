/* SPDX-License-Identifier: Apache-2.0 */
/* What a check says while it runs: findings (severity, one line naming the thing and the
 * reason, a fix hint) or why it was skipped. Every check calls down into this; the runner
 * (audit.c) hands each check its context. */
#pragma once

#include "base/common.h"

#include <stdbool.h>
#include <stddef.h>

enum pdi_severity {
        PDI_SEV_INFO,
        PDI_SEV_WARN,
        PDI_SEV_ERROR,
};

struct pdi_finding {
        const char *check_id;
        enum pdi_severity severity;
        char *text;       /* "polkadot-prepare-worker prints 1.15.0, node is 1.16.0" */
        const char *hint; /* "install the workers of the node's release next to it" */
};

struct pdi_check_result {
        const char *id;
        const char *title;
        bool skipped;
        char *skip_reason;
        struct pdi_finding *findings;
        size_t n_findings;
};

/* What a host check found out that a later check of the same audit needs again (each probe
 * forks a child for up to 10 s): landlock and userns-pivot-root probe, sandbox reuses it;
 * unit-sandbox-probes compares the node's probes under the unit with all of them. */
struct pdi_probe_memo {
        bool done;
        int r; /* the probe's return */
        char why[1000];
};
/* node_probe[i]: the node's own probe i (checks_node_probes.h) as the service user outside
 * the unit: 1 passed, 0 failed, -1 not known to the worker; valid once node_probes_done. */
struct pdi_audit_memo {
        struct pdi_probe_memo landlock, userns, seccomp;
        int node_probe[4];
        bool node_probes_done;
};

/* Handed to a check while it runs: where its findings go, and this run's memo. */
struct pdi_check_ctx {
        struct pdi_check_result *res;
        const char *id;
        struct pdi_audit_memo *memo; /* zeroed when the audit starts */
};

void pdi_check_finding(struct pdi_check_ctx *c, enum pdi_severity sev, const char *hint,
                       const char *fmt, ...) _printf_(4, 5);
void pdi_check_skip(struct pdi_check_ctx *c, const char *fmt, ...) _printf_(2, 3);
struct pdi_audit_memo *pdi_check_memo(struct pdi_check_ctx *c);
