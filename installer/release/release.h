/* SPDX-License-Identifier: Apache-2.0 */
/* From bytes to a trusted release: signatures over the exact manifest bytes first (trust
 * policy), then the strict schema parse. Used by verify, install, upgrade alike. */
#pragma once

#include "trust/manifest.h"
#include "trust/rotate.h"
#include "trust/trust.h"

struct pdi_verified {
        struct pdi_manifest *manifest;
        struct pdi_trust_result signers;
        struct pdi_rotation rotation; /* its "rotate" field, checked (trust/rotate.h) */
        char manifest_sha256[65];
};

int pdi_release_verify(const struct pdi_trust *t, const char *what, const char *bytes, size_t len,
                       const struct pdi_sigtext *sigs, size_t n_sigs, time_t now,
                       struct pdi_verified *ret, struct pdi_error *err);
void pdi_verified_done(struct pdi_verified *v);

/* A schema-2 manifest's "min_installer_version" and "compatible" against this installer and
 * machine: -PDI_E_POLICY ("manifest WHAT: …") before anything of the release is fetched. Not
 * part of pdi_release_verify: releases already on disk are re-read with it, and were accepted
 * here once. */
int pdi_release_check_machine(const struct pdi_verified *v, const char *what,
                              struct pdi_error *err);

/* Read a local manifest (capped at 1 MiB) and its signature files: the given paths, or else
 * MANIFEST.minisig, MANIFEST.minisig.2 … up to the first that does not exist. */
/* Reads the signature file src into ret->text/len: 0, -ENOENT (no message) when it does not
 * exist, or another error with err set. */
typedef int (*pdi_sig_read_fn)(void *userdata, const char *src, struct pdi_sigtext *ret,
                               struct pdi_error *err);

/* The signatures of a manifest, read with read (a local file, a download, a file under the
 * root): each of the n_listed files (a missing one is refused, -PDI_E_SIGNATURE), or else
 * MANIFEST.minisig, .minisig.2 … up to the first that does not exist. sigs has room for
 * PDI_TRUST_MAX_SIGS; *ret_n entries are filled (source, text, len), also on error. */
int pdi_release_read_sigs(const char *manifest_src, char *const *listed, size_t n_listed,
                          pdi_sig_read_fn read, void *userdata, struct pdi_sigtext *sigs,
                          size_t *ret_n, struct pdi_error *err);

/* A kept release's manifest and the signatures stored beside it (MANIFEST.minisig, .2 …),
 * read inside the root as regular files only. *ret_sigs is allocated (pdi_sigtexts_free and
 * free it), *ret_n entries filled. A missing or unreadable file is -PDI_E_INTEGRITY with
 * "PATH: reason" in err: a kept release must have what it was installed with. */
int pdi_release_read_stored(const struct pdi_root *r, const char *manifest_path, char **ret_bytes,
                            size_t *ret_len, struct pdi_sigtext **ret_sigs, size_t *ret_n,
                            struct pdi_error *err);

int pdi_release_read_local(const char *manifest_path, char *const *sig_paths, size_t n_sig_paths,
                           char **ret_bytes, size_t *ret_len, struct pdi_sigtext **ret_sigs,
                           size_t *ret_n, struct pdi_error *err);

/* The verified release for --json output (manifest fields + signers). New reference; NULL
 * when out of memory (never a document with a signer missing). */
json_t *pdi_verified_to_json(const struct pdi_verified *v);
