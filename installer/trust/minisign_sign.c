/* SPDX-License-Identifier: Apache-2.0 */
/* minisign secret keys, key generation and signing (the verifying half is minisign.c):
 * what `keygen` and `sign` need, interoperable with the stock minisign both ways. */
#include "trust/minisign_internal.h"

static int ed25519_sign(const uint8_t seed[SEED_LEN], const void *msg, size_t len,
                        uint8_t out[PDI_MINISIGN_SIG_LEN])
{
        _cleanup_(evp_pkey_freep) EVP_PKEY *key =
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SEED_LEN);
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t siglen = PDI_MINISIGN_SIG_LEN;
        static const uint8_t empty;
        if (!key || !ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
            EVP_DigestSign(ctx, out, &siglen, len ? msg : &empty, len) != 1 ||
            siglen != PDI_MINISIGN_SIG_LEN)
                return -EIO;
        return 0;
}

static void seckey_checksum(const uint8_t keyid[PDI_MINISIGN_KEYID_LEN],
                            const uint8_t sk[PDI_MINISIGN_SK_LEN], uint8_t out[CHK_LEN])
{
        uint8_t in[ALG_LEN + PDI_MINISIGN_KEYID_LEN + PDI_MINISIGN_SK_LEN];
        memcpy(in, "Ed", ALG_LEN);
        memcpy(in + ALG_LEN, keyid, PDI_MINISIGN_KEYID_LEN);
        memcpy(in + ALG_LEN + PDI_MINISIGN_KEYID_LEN, sk, PDI_MINISIGN_SK_LEN);
        (void)pdi_blake2b(out, CHK_LEN, in, sizeof(in));
        pdi_wipe(in, sizeof(in));
}

/* The public half stored in sk must be the one the seed gives. */
static int seed_to_pk(const uint8_t seed[SEED_LEN], uint8_t pk[PDI_MINISIGN_PK_LEN])
{
        _cleanup_(evp_pkey_freep) EVP_PKEY *key =
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SEED_LEN);
        size_t n = PDI_MINISIGN_PK_LEN;
        if (!key || EVP_PKEY_get_raw_public_key(key, pk, &n) != 1 || n != PDI_MINISIGN_PK_LEN)
                return -EIO;
        return 0;
}

static int seckey_algs(const uint8_t b[SECKEY_BYTES], struct pdi_error *err)
{
        char alg[8];
        if (memcmp(b, "Ed", ALG_LEN) != 0) {
                pdi_minisign_alg_str(b, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key line 2: unknown signature algorithm %s, "
                                     "expected \"Ed\"",
                                     alg);
        }
        if (memcmp(b + SK_OFF_CHK_ALG, "B2", ALG_LEN) != 0) {
                pdi_minisign_alg_str(b + SK_OFF_CHK_ALG, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key line 2: unknown checksum algorithm %s, "
                                     "expected \"B2\"",
                                     alg);
        }
        if (memcmp(b + SK_OFF_KDF, "Sc", ALG_LEN) == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key is encrypted with a password, which this tool "
                                     "does not handle: sign with 'minisign -S -s KEY' instead, "
                                     "or use a key made by 'polkadot-installer keygen' or "
                                     "'minisign -G -W'");
        if (memcmp(b + SK_OFF_KDF, "\0\0", ALG_LEN) != 0) {
                pdi_minisign_alg_str(b + SK_OFF_KDF, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key line 2: unknown key derivation algorithm %s", alg);
        }
        return 0;
}

static int seckey_check(const uint8_t b[SECKEY_BYTES], struct pdi_error *err)
{
        static const uint8_t zero[CHK_LEN];
        uint8_t chk[CHK_LEN], pk[PDI_MINISIGN_PK_LEN];
        const uint8_t *sk = b + SK_OFF_SK;
        seckey_checksum(b + SK_OFF_KEYID, sk, chk);
        /* minisign -G -W leaves the checksum zero; minisign -C -W keeps the real one. */
        bool chk_ok = memcmp(b + SK_OFF_CHK, zero, CHK_LEN) == 0 ||
                      CRYPTO_memcmp(b + SK_OFF_CHK, chk, CHK_LEN) == 0;
        pdi_wipe(chk, sizeof(chk));
        if (!chk_ok)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key: checksum does not match (damaged file?)");
        if (seed_to_pk(sk, pk) < 0)
                return pdi_error_set(err, -EIO, "secret key: OpenSSL cannot load the Ed25519 seed");
        if (memcmp(pk, sk + SEED_LEN, PDI_MINISIGN_PK_LEN) != 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key: the stored public half does not belong to the "
                                     "private seed (damaged file?)");
        return 0;
}

int pdi_minisign_seckey_parse(const char *text, size_t len, struct pdi_minisign_seckey *ret,
                              struct pdi_error *err)
{
        struct line lines[2];
        size_t n = 0;
        int r = pdi_minisign_split_lines("secret key", text, len, lines, 2, &n, err);
        if (r == 0)
                r = pdi_minisign_need_lines("secret key", n, 2, err);
        if (r == 0)
                r = pdi_minisign_parse_comment("secret key", 1, &lines[0], COMMENT_PREFIX,
                                               COMMENT_TEXT_MAX, NULL, err);
        if (r < 0)
                return r;
        uint8_t b[SECKEY_BYTES];
        r = pdi_minisign_decode_line("secret key", 2, &lines[1], b, sizeof(b), err);
        if (r == 0)
                r = seckey_algs(b, err);
        if (r == 0)
                r = seckey_check(b, err);
        if (r == 0) {
                memcpy(ret->keyid, b + SK_OFF_KEYID, PDI_MINISIGN_KEYID_LEN);
                memcpy(ret->sk, b + SK_OFF_SK, PDI_MINISIGN_SK_LEN);
        }
        pdi_wipe(b, sizeof(b));
        return r;
}

void pdi_minisign_seckey_wipe(struct pdi_minisign_seckey *sk)
{
        if (sk)
                pdi_wipe(sk, sizeof(*sk));
}

int pdi_minisign_keygen(struct pdi_minisign_seckey *ret_sk, struct pdi_minisign_pubkey *ret_pk)
{
        _cleanup_(evp_pkey_freep) EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        struct pdi_minisign_seckey sk;
        struct pdi_minisign_pubkey pk;
        size_t seed_len = SEED_LEN, pk_len = PDI_MINISIGN_PK_LEN;
        int r = 0;
        if (!key || RAND_bytes(sk.keyid, PDI_MINISIGN_KEYID_LEN) != 1 ||
            EVP_PKEY_get_raw_private_key(key, sk.sk, &seed_len) != 1 ||
            EVP_PKEY_get_raw_public_key(key, pk.pk, &pk_len) != 1 || seed_len != SEED_LEN ||
            pk_len != PDI_MINISIGN_PK_LEN)
                r = -EIO;
        if (r == 0) {
                memcpy(sk.sk + SEED_LEN, pk.pk, PDI_MINISIGN_PK_LEN);
                memcpy(pk.keyid, sk.keyid, PDI_MINISIGN_KEYID_LEN);
                *ret_sk = sk;
                *ret_pk = pk;
        }
        pdi_wipe(&sk, sizeof(sk));
        return r;
}

static bool comment_ok(const char *c, size_t max)
{
        return strlen(c) <= max && !strpbrk(c, "\r\n");
}

/* "untrusted comment: <comment>\n<base64>\n" */
static int format_file(const char *comment, const uint8_t *b, size_t len, char **ret_text)
{
        size_t b64len = pdi_base64_encoded_len(len);
        size_t clen = strlen(comment);
        size_t total = strlen(COMMENT_PREFIX) + clen + 1 + b64len + 2;
        char *text = malloc(total);
        if (!text)
                return -ENOMEM;
        size_t o = (size_t)snprintf(text, total, COMMENT_PREFIX "%s\n", comment);
        pdi_base64_encode(b, len, text + o);
        o += b64len;
        text[o++] = '\n';
        text[o] = '\0';
        *ret_text = text;
        return 0;
}

int pdi_minisign_pubkey_format(const struct pdi_minisign_pubkey *pk, const char *comment,
                               char **ret_text)
{
        char id[17], defcomment[64];
        pdi_minisign_keyid_str(pk->keyid, id);
        snprintf(defcomment, sizeof(defcomment), "minisign public key %s", id);
        if (!comment)
                comment = defcomment;
        if (!comment_ok(comment, COMMENT_TEXT_MAX))
                return -EINVAL;
        uint8_t b[PUBKEY_BYTES];
        memcpy(b, "Ed", ALG_LEN);
        memcpy(b + ALG_LEN, pk->keyid, PDI_MINISIGN_KEYID_LEN);
        memcpy(b + ALG_LEN + PDI_MINISIGN_KEYID_LEN, pk->pk, PDI_MINISIGN_PK_LEN);
        return format_file(comment, b, sizeof(b), ret_text);
}

int pdi_minisign_seckey_format(const struct pdi_minisign_seckey *sk, const char *comment,
                               char **ret_text)
{
        if (!comment)
                comment = DEFAULT_SECKEY_COMMENT;
        if (!comment_ok(comment, COMMENT_TEXT_MAX))
                return -EINVAL;
        /* kdf "\0\0" with zero salt and limits, as minisign -G -W writes; unlike it we store
         * the real checksum, which minisign -C accepts as well. */
        uint8_t b[SECKEY_BYTES] = {0};
        memcpy(b, "Ed", ALG_LEN);
        memcpy(b + SK_OFF_CHK_ALG, "B2", ALG_LEN);
        memcpy(b + SK_OFF_KEYID, sk->keyid, PDI_MINISIGN_KEYID_LEN);
        memcpy(b + SK_OFF_SK, sk->sk, PDI_MINISIGN_SK_LEN);
        seckey_checksum(sk->keyid, sk->sk, b + SK_OFF_CHK);
        int r = format_file(comment, b, sizeof(b), ret_text);
        pdi_wipe(b, sizeof(b));
        return r;
}

static int sign_parts(const struct pdi_minisign_seckey *sk, const void *msg, size_t len,
                      const char *trusted_comment, uint8_t sigb[SIG_BYTES],
                      uint8_t global[PDI_MINISIGN_SIG_LEN])
{
        uint8_t hash[64];
        int r = pdi_minisign_blake2b512(msg, len, hash);
        memcpy(sigb, "ED", ALG_LEN);
        memcpy(sigb + ALG_LEN, sk->keyid, PDI_MINISIGN_KEYID_LEN);
        uint8_t *sig = sigb + ALG_LEN + PDI_MINISIGN_KEYID_LEN;
        if (r == 0)
                r = ed25519_sign(sk->sk, hash, sizeof(hash), sig);
        if (r < 0)
                return r;
        size_t glen = 0;
        _cleanup_free_ uint8_t *g = pdi_minisign_global_message(sig, trusted_comment, &glen);
        if (!g)
                return -ENOMEM;
        return ed25519_sign(sk->sk, g, glen, global);
}

static int sign_format(const char *uc, const uint8_t sigb[SIG_BYTES], const char *tc,
                       const uint8_t global[PDI_MINISIGN_SIG_LEN], char **ret_text)
{
        char s1[PDI_BASE64_LEN(SIG_BYTES) + 1], s2[PDI_BASE64_LEN(PDI_MINISIGN_SIG_LEN) + 1];
        pdi_base64_encode(sigb, SIG_BYTES, s1);
        pdi_base64_encode(global, PDI_MINISIGN_SIG_LEN, s2);
        if (asprintf(ret_text, COMMENT_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n", uc, s1, tc,
                     s2) < 0)
                return -ENOMEM;
        return 0;
}

/* Check what we wrote with the public half of the key, as minisign -S does with -p. */
static int sign_selfcheck(const struct pdi_minisign_seckey *sk, const char *text, const void *msg,
                          size_t len, struct pdi_error *err)
{
        struct pdi_minisign_pubkey pk;
        struct pdi_minisign_sig sig = {.prehashed = false};
        memcpy(pk.keyid, sk->keyid, PDI_MINISIGN_KEYID_LEN);
        memcpy(pk.pk, sk->sk + SEED_LEN, PDI_MINISIGN_PK_LEN);
        int r = pdi_minisign_sig_parse(text, strlen(text), &sig, err);
        if (r == 0)
                r = pdi_minisign_verify(&pk, &sig, msg, len, err);
        pdi_minisign_sig_done(&sig);
        if (r < 0)
                pdi_error_prefix(err, "the signature just made does not check out: ");
        return r;
}

int pdi_minisign_sign(const struct pdi_minisign_seckey *sk, const void *msg, size_t len,
                      const char *untrusted_comment, const char *trusted_comment, char **ret_text,
                      struct pdi_error *err)
{
        if (!untrusted_comment)
                untrusted_comment = DEFAULT_SIG_COMMENT;
        if (!comment_ok(untrusted_comment, COMMENT_TEXT_MAX))
                return pdi_error_set(err, -EINVAL,
                                     "untrusted comment: must be one line of at most %zu bytes",
                                     COMMENT_TEXT_MAX);
        if (!trusted_comment || !comment_ok(trusted_comment, TRUSTED_TEXT_MAX))
                return pdi_error_set(err, -EINVAL,
                                     "trusted comment: must be one line of at most %zu bytes",
                                     TRUSTED_TEXT_MAX);
        size_t bad;
        if (!pdi_utf8_valid(trusted_comment, &bad))
                return pdi_error_set(err, -EINVAL,
                                     "trusted comment: not valid UTF-8 (byte %zu), which verify "
                                     "refuses",
                                     bad);
        uint8_t sigb[SIG_BYTES], global[PDI_MINISIGN_SIG_LEN];
        int r = sign_parts(sk, msg, len, trusted_comment, sigb, global);
        if (r < 0)
                return pdi_error_set(err, r, "Ed25519 signing failed in OpenSSL");
        _cleanup_free_ char *text = NULL;
        r = sign_format(untrusted_comment, sigb, trusted_comment, global, &text);
        if (r < 0)
                return r;
        r = sign_selfcheck(sk, text, msg, len, err);
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(text);
        return 0;
}
