/* SPDX-License-Identifier: Apache-2.0 */
/* Building a release directory: releases/<name> is filled from verified cache fds (binaries
 * copied, archives extracted safely), owners and modes are set by us (root:root, 0755 for
 * the node and workers, 0644 for everything else), the manifest and its signatures are
 * stored beside them, every file and the directory are fsynced. Publishing renames the
 * finished directory to releases/<version>. */
#pragma once

#include "release/layout.h"
#include "trust/manifest.h"
#include "trust/trust.h"

struct pdi_release_src {
        const struct pdi_manifest *manifest;
        const char *manifest_bytes;
        size_t manifest_len;
        const struct pdi_sigtext *sigs;
        size_t n_sigs;
        const int *artifact_fds; /* one per manifest artifact, verified, at offset 0 */
};

#define PDI_RELEASE_MANIFEST "manifest.json"

/* Build releases/<dirname> (removed first if it exists). On error the directory is removed. */
int pdi_stage_build(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_release_src *src, const char *dirname, struct pdi_error *err);

/* releases/<dirname> becomes releases/<version>. An existing releases/<version> (the same
 * version from another manifest) is swapped out atomically and removed, unless a running
 * process executes it (then -EBUSY and nothing changes). */
int pdi_stage_publish(const struct pdi_root *r, const struct pdi_layout *l, const char *dirname,
                      const char *version, struct pdi_error *err);

/* Mode the installer gives an installed file. */
unsigned pdi_stage_mode(const struct pdi_manifest *m, const char *path);

/* Check the installed files of releases/<version> against the manifest: regular file, not
 * a link, owner root, our mode, size, sha256 (and the stored manifest's bytes). Each damaged
 * file's name is appended to *damaged (caller frees with pdi_strv_free). */
int pdi_stage_check(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_release_src *src, char ***damaged, size_t *n_damaged);

/* Replace the listed files of releases/<version> with those of releases/<repair_dir>, one
 * atomic rename each, then remove the repair directory. */
int pdi_stage_repair(const struct pdi_root *r, const struct pdi_layout *l, const char *version,
                     const char *repair_dir, char *const *names, size_t n, struct pdi_error *err);
