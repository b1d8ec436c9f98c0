/* Post-install checks and `audit`. Each check has a stable id, a title and a scope; running
 * it yields zero or more findings (severity, one-line finding, fix hint). A check that
 * cannot run here says "skipped" with the reason ("skipped: needs root"). The same checks
 * judge installs this tool made, Parity's Debian package layout, hand installs and the
 * Docker layout: a `struct pdi_target` says where the node, its workers, the unit and the
 * base path are. */
#pragma once

#include "base/fsroot.h"
#include "trust/manifest.h"

#include <jansson.h>

enum pdi_severity {
        PDI_SEV_INFO,
        PDI_SEV_WARN,
        PDI_SEV_ERROR,
};

enum {
        PDI_SCOPE_RELEASE = 1 << 0, /* about the release's files: also runs on a staged tree */
        PDI_SCOPE_INSTALL = 1 << 1, /* about the installed system: unit, base path, competitors */
        PDI_SCOPE_HOST = 1 << 2,    /* about the host: sandbox support, cgroups, SELinux */
        PDI_SCOPE_ALL = 7,
};

/* What is judged. Paths are absolute paths inside t->root. */
struct pdi_target {
        const struct pdi_root *root;
        const char *kind;       /* "polkadot-installer", "debian-package", "manual", "docker" */
        char *node;             /* the node binary the unit or PATH runs (symlinks resolved) */
        char *worker_dir;       /* where the node will find its workers (its own search order) */
        char *other_worker_dir; /* a second worker set the node would warn about, or NULL */
        char *unit_path;        /* the unit file, or NULL (Docker) */
        char *base_path;        /* node base path, or NULL if unknown */
        const struct pdi_manifest *manifest; /* the signed release, when known */
        char *release_dir;                   /* our releases/<version> when it is ours */
        /* Ours, read once by discovery for the integrity check: why release_dir's
         * manifest.json cannot vouch for the files (unreadable, not a manifest, another
         * version), or NULL; the sha256 of its bytes; the manifest_sha256 state.json recorded
         * for the directory's version, or why there is none (record_unreadable: state.json
         * could not be read, as a non-root audit cannot). */
        char *manifest_error;
        char manifest_sha256[65];
        char *recorded_sha256;
        char *record_error;
        bool record_unreadable;
        char *unit_expected_sha256; /* what we rendered, when ours */
        bool dpkg_polkadot;         /* dpkg's status file says the package polkadot is installed */
        char *service_user;         /* "polkadot" if it exists in the root */
        char *worker_user;          /* "pvf-worker" if it exists in the root */
        /* The caller just hashed every file against the manifest (staging, rollback): the
         * integrity check does not read them all again. */
        bool bytes_verified;
        struct pdi_manifest *manifest_owned; /* freed by pdi_target_done (discovery) */
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

struct pdi_audit {
        struct pdi_check_result *results;
        size_t n_results;
};

struct pdi_check_ctx; /* handed to a check while it runs */

struct pdi_check {
        const char *id;
        const char *title;
        unsigned scope;
        bool needs_root; /* as non-root it is "skipped: needs root" */
        void (*run)(const struct pdi_target *t, struct pdi_check_ctx *c);
};

void pdi_check_finding(struct pdi_check_ctx *c, enum pdi_severity sev, const char *hint,
                       const char *fmt, ...) _printf_(4, 5);
void pdi_check_skip(struct pdi_check_ctx *c, const char *fmt, ...) _printf_(2, 3);

/* The tables: release/install checks (checks_files.c …) and host checks (checks_host.c). */
extern const struct pdi_check pdi_checks_install[];
extern const struct pdi_check pdi_checks_host[];

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

/* Find what is installed under the root: ours (/opt/polkadot/current), the Debian package,
 * a hand install or the Docker layout; the node from the unit's ExecStart, else PATH; the
 * workers by the node's own search order. -ENOENT if no node is found. */
int pdi_target_discover(const struct pdi_root *r, struct pdi_target *ret, struct pdi_error *err);
/* A staged release directory, before activation (release-scope checks only). */
int pdi_target_for_release(const struct pdi_root *r, const char *release_dir,
                           const struct pdi_manifest *m, struct pdi_target *ret);
void pdi_target_done(struct pdi_target *t);
