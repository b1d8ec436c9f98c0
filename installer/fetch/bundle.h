/* SPDX-License-Identifier: Apache-2.0 */
/* The release bundle: one file to carry a signed release (manifests/README.md, "Release
 * bundles"). An uncompressed POSIX tar (pax) whose members are, in this order:
 * manifest.json, manifest.json.minisig, manifest.json.minisig.2 … (at least one), then every
 * artifact of the manifest once, named by its `name`, in the manifest's order. Nothing else:
 * no directory, link or device, no path with a '/', no member the manifest does not name.
 * Reading never trusts the tar: a member's header size must be the signed size before a
 * byte of it is read, and its bytes are hashed as they stream. */
#pragma once

#include "base/error.h"
#include "trust/manifest.h"
#include "trust/trust.h"

#define PDI_BUNDLE_MANIFEST "manifest.json"

/* Judges manifest.json and its signatures (the trust policy; release/release.h's job), and
 * gives back the parsed manifest, which stays the caller's. */
typedef int (*pdi_bundle_verify_fn)(void *userdata, const char *bytes, size_t len,
                                    const struct pdi_sigtext *sigs, size_t n_sigs,
                                    const struct pdi_manifest **ret, struct pdi_error *err);

/* Read the bundle at path through, checking it all: the manifest is verified (verify) before
 * any artifact is looked at, then each artifact's size and sha256. With dirfd >= 0, write
 * every member into that directory (empty, private) as it streams, fsynced; with dirfd -1
 * write nothing at all. -PDI_E_ARCHIVE for a member that has no place in a bundle,
 * -PDI_E_INTEGRITY for bytes that are not the signed ones, verify's code for the manifest;
 * err says "bundle PATH: member NAME: reason". */
int pdi_bundle_read(const char *path, int dirfd, pdi_bundle_verify_fn verify, void *userdata,
                    struct pdi_error *err);

/* Write the bundle of a manifest (bytes as signed), its signatures and its artifacts, each
 * open at fds[i] for artifact i, to out_fd. Each artifact's size and sha256 are checked as
 * it is copied: -PDI_E_INTEGRITY (nothing valid was written then) when one differs. */
int pdi_bundle_write(int out_fd, const char *bytes, size_t len, const struct pdi_sigtext *sigs,
                     size_t n_sigs, const struct pdi_manifest *m, const int *fds,
                     struct pdi_error *err);
