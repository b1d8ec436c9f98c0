/* SPDX-License-Identifier: Apache-2.0 */
/* Key rotation, after TUF's root rotation: a manifest may carry
 *   "rotate": {"retire": "<key id of a trusted key>", "key": "<the new minisign public key>"}
 * and moves trust from the retired key to the new one only when it is signed by the retired
 * key AND by the new key, on top of meeting the threshold of the keys trusted before it (the
 * new key does not count towards that). Signed by the new key alone it is not trusted at all;
 * signed by the old key alone it is refused: the new key proves it is held by whoever
 * names it, and a new key alone is worth nothing until the old key's holders sign it in.
 * manifests/README.md has the whole rule. */
#pragma once

#include "trust/trust.h"

struct pdi_rotation {
        bool present;    /* the manifest has "rotate" */
        bool pending;    /* the retired key is still trusted: the rotation is to apply */
        char retire[17]; /* key id, upper-case hex as minisign prints it */
        char new_id[17];
        char *new_key_text; /* the new key as a minisign .pub file, for the keystore */
};

/* Check a verified manifest's rotation (bytes already passed pdi_trust_verify with signers
 * res): 0 with ret filled (present false without "rotate"), -PDI_E_MANIFEST for a malformed
 * field, -PDI_E_SIGNATURE when the new or the retired key did not sign. A rotation already
 * applied (the retired key no longer trusted, the new one trusted) is present, not pending. */
int pdi_rotation_check(const struct pdi_trust *t, const char *what, const char *bytes, size_t len,
                       const struct pdi_sigtext *sigs, size_t n_sigs,
                       const struct pdi_trust_result *res, struct pdi_rotation *ret,
                       struct pdi_error *err);
void pdi_rotation_done(struct pdi_rotation *r);
