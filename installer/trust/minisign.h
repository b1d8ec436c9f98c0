/* SPDX-License-Identifier: Apache-2.0 */
/* minisign keys and signatures (https://jedisct1.github.io/minisign/), verified and made
 * with OpenSSL: Ed25519, and BLAKE2b-512 for the prehashed "ED" algorithm. Parsers accept
 * exactly minisign's byte format: exact decoded lengths, canonical base64, comment limits
 * as minisign's own, and nothing after the last line but one optional newline. */
#pragma once

#include "base/error.h"

#include <stdint.h>

#define PDI_MINISIGN_KEYID_LEN 8
#define PDI_MINISIGN_PK_LEN 32
#define PDI_MINISIGN_SK_LEN 64 /* Ed25519 seed || public key, as libsodium stores it */
#define PDI_MINISIGN_SIG_LEN 64
/* minisign's COMMENTMAXBYTES and TRUSTEDCOMMENTMAXBYTES */
#define PDI_MINISIGN_COMMENT_MAX 1024
#define PDI_MINISIGN_TRUSTED_COMMENT_MAX 8192
/* Upper bound for any key or signature file we read. */
#define PDI_MINISIGN_FILE_MAX 16384

struct pdi_minisign_pubkey {
        uint8_t keyid[PDI_MINISIGN_KEYID_LEN];
        uint8_t pk[PDI_MINISIGN_PK_LEN];
};

struct pdi_minisign_seckey {
        uint8_t keyid[PDI_MINISIGN_KEYID_LEN];
        uint8_t sk[PDI_MINISIGN_SK_LEN];
};

struct pdi_minisign_sig {
        bool prehashed; /* "ED" (BLAKE2b-512 of the message) rather than legacy "Ed" */
        uint8_t keyid[PDI_MINISIGN_KEYID_LEN];
        uint8_t sig[PDI_MINISIGN_SIG_LEN];
        char *untrusted_comment;
        char *trusted_comment;
        uint8_t global_sig[PDI_MINISIGN_SIG_LEN];
};

/* Key id as minisign prints it: 16 uppercase hex digits of the little-endian number. */
void pdi_minisign_keyid_str(const uint8_t keyid[PDI_MINISIGN_KEYID_LEN], char out[17]);

/* Parse a public key file ("untrusted comment: …\n" + base64 line) or a bare base64 key
 * (as given to minisign -P). */
int pdi_minisign_pubkey_parse(const char *text, size_t len, struct pdi_minisign_pubkey *ret,
                              struct pdi_error *err);
/* Unlike minisign, which takes any bytes, the trusted comment must be strict UTF-8: it is
 * shown to people and in --json, where other bytes have no single meaning. */
int pdi_minisign_sig_parse(const char *text, size_t len, struct pdi_minisign_sig *ret,
                           struct pdi_error *err);
void pdi_minisign_sig_done(struct pdi_minisign_sig *sig);

/* Verify sig over msg with pk. The key id is compared before any signature math; then the
 * signature over the message (or its BLAKE2b-512), then the global signature over
 * sig || trusted comment. -PDI_E_SIGNATURE with a message naming the key on any failure. */
int pdi_minisign_verify(const struct pdi_minisign_pubkey *pk, const struct pdi_minisign_sig *sig,
                        const void *msg, size_t len, struct pdi_error *err);

/* Unencrypted secret keys only (minisign -W, kdf "\0\0"); an encrypted key is refused with a
 * message saying to use `minisign -S` for it. The BLAKE2b-256 checksum is verified unless it is
 * all zero, which is what minisign 0.11 -G -W writes; the public half stored in the key must
 * match its seed either way. */
int pdi_minisign_seckey_parse(const char *text, size_t len, struct pdi_minisign_seckey *ret,
                              struct pdi_error *err);
void pdi_minisign_seckey_wipe(struct pdi_minisign_seckey *sk);

int pdi_minisign_keygen(struct pdi_minisign_seckey *ret_sk, struct pdi_minisign_pubkey *ret_pk);
/* Files in minisign's own format; the caller frees the text (seckey text: wipe, then free). */
int pdi_minisign_pubkey_format(const struct pdi_minisign_pubkey *pk, const char *comment,
                               char **ret_text);
int pdi_minisign_seckey_format(const struct pdi_minisign_seckey *sk, const char *comment,
                               char **ret_text);
/* Prehashed ("ED") signature file text over msg. -EINVAL for a comment outside minisign's
 * limits or a trusted comment that is not UTF-8 (which the parser above would refuse). */
int pdi_minisign_sign(const struct pdi_minisign_seckey *sk, const void *msg, size_t len,
                      const char *untrusted_comment, const char *trusted_comment, char **ret_text,
                      struct pdi_error *err);
