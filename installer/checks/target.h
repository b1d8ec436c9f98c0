/* SPDX-License-Identifier: Apache-2.0 */
/* What an audit judges: where the node, its workers, the unit and the base path of an
 * install are, found the way systemd and the node find them, for installs made by this tool,
 * Parity's Debian package, a hand install or the Docker layout. */
#pragma once

#include "base/fsroot.h"
#include "trust/manifest.h"

/* What is judged. Paths are absolute paths inside t->root. */
struct pdi_target {
        const struct pdi_root *root;
        const char *kind;          /* "polkadot-installer", "debian-package", "manual", "docker" */
        const char *kind_evidence; /* what decided kind, for the report (static text) */
        char *node;                /* the node binary the unit or PATH runs (symlinks resolved) */
        char *worker_dir;          /* where the node will find its workers (its own search order) */
        char *other_worker_dir;    /* a second worker set the node would warn about, or NULL */
        char *unit_path;           /* the unit file, or NULL (Docker) */
        char *base_path;           /* node base path, or NULL if unknown */
        char **node_args;          /* the node's arguments from the unit (NULL-ended), or NULL */
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
        /* No state.json at all (a hand install, INSTALL.md): the stored manifest's signatures
         * verified with the tree's trust policy stand in for the record; what that means. */
        char *record_note;
        char *unit_expected_sha256; /* what we rendered, when ours */
        bool validator;             /* the node's arguments hold --validator */
        /* Ours, and state.json records container mode (install --container): no systemd is
         * meant to run the node, the image's ENTRYPOINT does. Only the record says so: a
         * unit that went missing from a --root tree is still an error. */
        bool container;
        bool dpkg_polkadot; /* dpkg's status file says the package polkadot is installed */
        char *service_user; /* "polkadot" if it exists in the root */
        char *worker_user;  /* "pvf-worker" if it exists in the root */
        /* The caller just hashed every file against the manifest (staging, rollback): the
         * integrity check does not read them all again. */
        bool bytes_verified;
        struct pdi_manifest *manifest_owned; /* freed by pdi_target_done (discovery) */
};

/* Find what is installed under the root: ours (/opt/polkadot/current), the Debian package,
 * a hand install or the Docker layout; the node from the unit's ExecStart, else PATH; the
 * workers by the node's own search order. -ENOENT if no node is found. */
int pdi_target_discover(const struct pdi_root *r, struct pdi_target *ret, struct pdi_error *err);
/* A staged release directory, before activation (release-scope checks only). */
int pdi_target_for_release(const struct pdi_root *r, const char *release_dir,
                           const struct pdi_manifest *m, struct pdi_target *ret);
void pdi_target_done(struct pdi_target *t);
/* All files of the install tree (node, workers, release directory, unit), without their
 * parents, as in-root paths. */
int pdi_target_files(const struct pdi_target *t, char ***ret, size_t *ret_n);
