/* SPDX-License-Identifier: Apache-2.0 */
/* OpenPGP detached signatures of upstream's release files (the `.asc` beside each binary),
 * verified against pinned fingerprints, never "any key in a keyring". GPGME (GnuPG's own
 * library, maintained with gpg and packaged everywhere gpg is) does the OpenPGP: we keep no
 * packet parser of our own. It runs gpg on a private, throwaway GNUPGHOME (a mkdtemp
 * directory, 0700, removed by pdi_openpgp_free; gpg.conf there forbids starting an agent
 * and fetching keys), never the operator's own keyring. Into it go only the keys of the file
 * the operator gave; the pins decide which of them count. */
#pragma once

#include "base/error.h"

#include <stddef.h>

#define PDI_OPENPGP_MAX_PINS 8
#define PDI_OPENPGP_FPR_MAX 64 /* v4: 40 hex digits; v5/v6: 64 */
#define PDI_OPENPGP_KEY_FILE_MAX (1024 * 1024)
#define PDI_OPENPGP_SIG_MAX (64 * 1024)
/* Upstream's release key (POLKADOT.md); the older 9D4B2B6E… only when the operator pins it. */
#define PDI_OPENPGP_UPSTREAM_FPR "90BD75EBBB8E95CB3DA6078F94A4029AB4B35DAE"

struct pdi_openpgp;

/* "90BD 75EB …" or lower case → upper-case hex without spaces; false unless 40 or 64 hex
 * digits. */
bool pdi_openpgp_fpr_normalize(const char *in, char out[PDI_OPENPGP_FPR_MAX + 1]);

/* A throwaway keyring holding the keys of key_text (armoured or binary), with pins as the
 * only fingerprints that may sign. -PDI_E_SIGNATURE when the text holds no key, or no key of
 * any pin; -PDI_E_FAILED when gpg cannot be run. */
int pdi_openpgp_new(const char *key_text, size_t key_len, char *const *pins, size_t n_pins,
                    struct pdi_openpgp **ret, struct pdi_error *err);
void pdi_openpgp_free(struct pdi_openpgp *p);
static inline void pdi_openpgp_freep(struct pdi_openpgp **p)
{
        pdi_openpgp_free(*p);
}

/* Verify the detached signature sig over the bytes of data_fd (read from offset 0): good,
 * not expired or revoked, by a signing key that is a pin or a subkey of a pin. Returns 0
 * with the pinned primary fingerprint in ret_pin, or -PDI_E_SIGNATURE with "what: reason"
 * in err. */
int pdi_openpgp_verify(struct pdi_openpgp *p, const char *what, int data_fd, const char *sig,
                       size_t sig_len, char ret_pin[PDI_OPENPGP_FPR_MAX + 1],
                       struct pdi_error *err);
