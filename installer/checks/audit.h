/* SPDX-License-Identifier: Apache-2.0 */
/* Post-install checks and `audit`: the table of checks, the runner and its outputs. Each
 * check has a stable id, a title and a scope; running it yields zero or more findings
 * (finding.h). A check that cannot run here says "skipped" with the reason ("skipped: needs
 * root"). The same checks judge installs this tool made, Parity's Debian package layout,
 * hand installs and the Docker layout (target.h). */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

#include <jansson.h>
#include <stdio.h>

enum {
        PDI_SCOPE_RELEASE = 1 << 0, /* about the release's files: also runs on a staged tree */
        PDI_SCOPE_INSTALL = 1 << 1, /* about the installed system: unit, base path, competitors */
        PDI_SCOPE_HOST = 1 << 2,    /* about the host: sandbox support, cgroups, SELinux */
        PDI_SCOPE_ALL = 7,
};

/* One row of the table (audit.c); run is one check file's function. */
struct pdi_check {
        const char *id;
        const char *title;
        unsigned scope;
        bool needs_root; /* as non-root it is "skipped: needs root" */
        void (*run)(const struct pdi_target *t, struct pdi_check_ctx *c);
};

struct pdi_audit {
        struct pdi_check_result *results;
        size_t n_results;
        /* An install without a signed manifest: what its binaries said (versions.c). */
        struct pdi_binary_report bins[3];
        size_t n_bins;
};

/* Run every check whose scope intersects `scope`. */
int pdi_audit_run(const struct pdi_target *t, unsigned scope, struct pdi_audit *ret);
void pdi_audit_done(struct pdi_audit *a);
/* The number of error- and warn-level findings (the summary, the exit status). */
void pdi_audit_count(const struct pdi_audit *a, unsigned *ret_errors, unsigned *ret_warnings);
/* The first error-level finding (for "stopped before activation: …"), or NULL. */
const struct pdi_finding *pdi_audit_first_error(const struct pdi_audit *a);

/* Output: a table for people, a JSON document (schema in docs/audit-json.md), and a
 * node_exporter textfile written atomically. */
void pdi_audit_print(const struct pdi_audit *a, const struct pdi_target *t, FILE *f);
json_t *pdi_audit_to_json(const struct pdi_audit *a, const struct pdi_target *t);
int pdi_audit_write_prometheus(const struct pdi_audit *a, const struct pdi_target *t,
                               const char *path, struct pdi_error *err);
