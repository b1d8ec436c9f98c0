/* SPDX-License-Identifier: Apache-2.0 */
/* The trust policy: which minisign keys may sign releases and how many distinct ones must.
 * Keys come from /etc/polkadot-installer/trusted-keys/ (*.pub files) (under --root) and from
 * --trusted-key FILE; the threshold is the larger of /etc/polkadot-installer/trust-threshold
 * and --threshold (a flag can raise it, never lower it). A signature by a trusted key that
 * does not verify refuses the manifest at once; one key never counts twice. */
#pragma once

#include "base/fsroot.h"
#include "trust/minisign.h"

#define PDI_TRUST_KEYS_DIR "/etc/polkadot-installer/trusted-keys"
#define PDI_TRUST_THRESHOLD_FILE "/etc/polkadot-installer/trust-threshold"
#define PDI_TRUST_MAX_KEYS 64
#define PDI_TRUST_MAX_SIGS 8 /* MANIFEST.minisig, MANIFEST.minisig.2 … MANIFEST.minisig.8 */

struct pdi_trusted_key {
        struct pdi_minisign_pubkey pk;
        char *source; /* file it came from, for messages */
};

struct pdi_trust {
        struct pdi_trusted_key keys[PDI_TRUST_MAX_KEYS];
        size_t n_keys;
        unsigned threshold;
};

/* A signature file's text and where it came from (path or URL, for messages). */
struct pdi_sigtext {
        char *source;
        char *text;
        size_t len;
};

struct pdi_signer {
        char keyid[17];
        char *key_source;
        char *trusted_comment;
};

struct pdi_trust_result {
        struct pdi_signer signers[PDI_TRUST_MAX_SIGS];
        size_t n_signers;
        size_t n_untrusted; /* signatures by keys we do not trust (ignored) */
};

/* Load the configured keys from root plus extra key files (host paths) and the threshold. */
int pdi_trust_load(struct pdi_trust *t, const struct pdi_root *root, char *const *extra_keys,
                   size_t n_extra, unsigned min_threshold, struct pdi_error *err);
void pdi_trust_done(struct pdi_trust *t);

/* Check the signatures over the exact manifest bytes. `what` names the manifest in
 * messages. 0 when at least `threshold` distinct trusted keys signed; -PDI_E_SIGNATURE
 * otherwise. */
int pdi_trust_verify(const struct pdi_trust *t, const char *what, const void *msg, size_t len,
                     const struct pdi_sigtext *sigs, size_t n_sigs, struct pdi_trust_result *res,
                     struct pdi_error *err);
void pdi_trust_result_done(struct pdi_trust_result *res);

/* Name of the i-th signature file of a manifest (0: ".minisig", i: ".minisig.<i+1>"). */
char *pdi_trust_sig_name(const char *manifest, size_t i);

void pdi_sigtexts_free(struct pdi_sigtext *sigs, size_t n);
