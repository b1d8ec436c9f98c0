/* SPDX-License-Identifier: Apache-2.0 */
/* import: an official upstream release (a URL prefix or a folder with polkadot,
 * polkadot-prepare-worker, polkadot-execute-worker, each with its OpenPGP `.asc` and, where
 * published, `.sha256`) made into a schema 1 manifest. Every binary is verified against the
 * pinned fingerprints (trust/openpgp.h) and its .sha256, then run confined with --version
 * (checks/binversion.h); the three must print one version. Nothing is kept unless all of it
 * passed: the caller gives an empty private directory and removes it on failure. */
#pragma once

#include "base/context.h"
#include "trust/manifest.h"
#include "trust/openpgp.h"

#include <stdint.h>

#define PDI_IMPORT_EXPIRES_DEFAULT_DAYS 90

struct pdi_import_opts {
        const char *source;   /* URL prefix or folder of the release */
        const char *key_file; /* the OpenPGP public key(s), --openpgp-key */
        char *pins[PDI_OPENPGP_MAX_PINS];
        size_t n_pins;                        /* 0: upstream's release key alone */
        const char *release_tag, *docker_tag; /* NULL: derived from the source's last part */
        uint64_t sequence;                    /* 0: derived from the release tag */
        unsigned expires_in_days;             /* 0: PDI_IMPORT_EXPIRES_DEFAULT_DAYS */
        const char *cacert;
};

/* The sequence a stable release tag gives: polkadot-stableYYMM[-N] → YYMM * 1000 + N, so that
 * later upstream releases always have higher sequences. 0 for any other tag. */
uint64_t pdi_import_tag_sequence(const char *tag);

/* Fetch and verify the release into dirfd (an empty directory, path dir for messages), and
 * return the manifest (artifacts named and addressed by the binaries' file names, relative
 * to the directory) and its canonical text. -PDI_E_SIGNATURE, -PDI_E_INTEGRITY, -PDI_E_POLICY
 * for a release that does not verify, -PDI_E_USAGE for options that give no valid manifest;
 * err names the file and the reason. */
int pdi_import_release(const struct pdi_import_opts *o, int dirfd, const char *dir,
                       struct pdi_manifest **ret, char **ret_text, struct pdi_error *err);
