/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the two halves of the minisign module: minisign.c (public keys, signatures,
 * verification) and minisign_sign.c (secret keys, key generation, signing). Not an API. */
#pragma once

#include "trust/minisign.h"
#include "trust/blake2b.h"
#include "base/encoding.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define COMMENT_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define DEFAULT_SIG_COMMENT "signature from minisign secret key"
#define DEFAULT_SECKEY_COMMENT "minisign unencrypted secret key"

#define ALG_LEN 2
#define SEED_LEN 32
#define SALT_LEN 32
#define CHK_LEN 32
#define PUBKEY_BYTES (ALG_LEN + PDI_MINISIGN_KEYID_LEN + PDI_MINISIGN_PK_LEN) /* 42 */
#define SIG_BYTES (ALG_LEN + PDI_MINISIGN_KEYID_LEN + PDI_MINISIGN_SIG_LEN)   /* 74 */
#define SECKEY_BYTES                                                                               \
        (3 * ALG_LEN + SALT_LEN + 8 + 8 + PDI_MINISIGN_KEYID_LEN + PDI_MINISIGN_SK_LEN +           \
         CHK_LEN) /* 158 */
/* Offsets inside the decoded secret key (minisign.h's SeckeyStruct). */
#define SK_OFF_KDF 2
#define SK_OFF_CHK_ALG 4
#define SK_OFF_KEYID (3 * ALG_LEN + SALT_LEN + 16)
#define SK_OFF_SK (SK_OFF_KEYID + PDI_MINISIGN_KEYID_LEN)
#define SK_OFF_CHK (SK_OFF_SK + PDI_MINISIGN_SK_LEN)

/* minisign reads each comment line with fgets() into a buffer of COMMENTMAXBYTES (or
 * TRUSTEDCOMMENTMAXBYTES), so prefix, text and newline must fit in that size minus one. */
#define COMMENT_TEXT_MAX (PDI_MINISIGN_COMMENT_MAX - sizeof(COMMENT_PREFIX) - 1) /* 1003 */
#define TRUSTED_TEXT_MAX                                                                           \
        (PDI_MINISIGN_TRUSTED_COMMENT_MAX - sizeof(TRUSTED_PREFIX) - 1) /* 8173                    \
                                                                         */

struct line {
        const char *p;
        size_t len;
};

static inline void evp_pkey_freep(EVP_PKEY **p)
{
        EVP_PKEY_free(*p);
}

static inline void evp_md_ctx_freep(EVP_MD_CTX **p)
{
        EVP_MD_CTX_free(*p);
}

int pdi_minisign_split_lines(const char *what, const char *text, size_t len, struct line *lines,
                             size_t max, size_t *ret_n, struct pdi_error *err);
int pdi_minisign_need_lines(const char *what, size_t n, size_t want, struct pdi_error *err);
int pdi_minisign_parse_comment(const char *what, size_t lineno, const struct line *l,
                               const char *prefix, size_t max, char **ret, struct pdi_error *err);
int pdi_minisign_decode_line(const char *what, size_t lineno, const struct line *l, uint8_t *out,
                             size_t want, struct pdi_error *err);
int pdi_minisign_blake2b512(const void *msg, size_t len, uint8_t out[64]);
uint8_t *pdi_minisign_global_message(const uint8_t sig[PDI_MINISIGN_SIG_LEN], const char *tc,
                                     size_t *ret_len);
void pdi_minisign_alg_str(const uint8_t alg[ALG_LEN], char out[8]);
