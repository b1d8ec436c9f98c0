/* minisign keys and signatures in minisign's exact byte format, with the cryptography done by
 * OpenSSL 3: Ed25519 through EVP_DigestSign/Verify, BLAKE2b-512 for the prehashed "ED" mode,
 * and our own BLAKE2b-256 for the secret-key checksum (OpenSSL 3.0 has no 32-byte variant).
 * Every refusal says which line and why, and key ids are compared before any math. */
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

void pdi_minisign_keyid_str(const uint8_t keyid[PDI_MINISIGN_KEYID_LEN], char out[17])
{
        snprintf(out, 17, "%016" PRIX64, pdi_load64_le(keyid));
}

/* "ED" as text, or hex when the bytes are not printable, for messages. */
static void alg_str(const uint8_t alg[ALG_LEN], char out[8])
{
        if (alg[0] > 0x20 && alg[0] < 0x7f && alg[1] > 0x20 && alg[1] < 0x7f)
                snprintf(out, 8, "\"%c%c\"", alg[0], alg[1]);
        else
                snprintf(out, 8, "0x%02x%02x", alg[0], alg[1]);
}

/* Up to max lines; NUL and CR refused; at most one '\n' after the last line. */
static int split_lines(const char *what, const char *text, size_t len, struct line *lines,
                       size_t max, size_t *ret_n, struct pdi_error *err)
{
        if (len == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: empty", what);
        if (memchr(text, '\0', len))
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: contains a NUL byte", what);
        if (memchr(text, '\r', len))
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s: contains a carriage return (CRLF line ends are not "
                                     "accepted)",
                                     what);
        size_t n = 0;
        const char *p = text, *end = text + len;
        while (p < end) {
                if (n == max)
                        return pdi_error_set(err, -PDI_E_SIGNATURE,
                                             "%s: unexpected data after line %zu", what, max);
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                lines[n++] = (struct line){p, l};
                p += l + (nl ? 1 : 0);
        }
        *ret_n = n;
        return 0;
}

static int need_lines(const char *what, size_t n, size_t want, struct pdi_error *err)
{
        if (n == want)
                return 0;
        return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: %zu line%s, expected %zu", what, n,
                             n == 1 ? "" : "s", want);
}

static int parse_comment(const char *what, size_t lineno, const struct line *l, const char *prefix,
                         size_t max, char **ret, struct pdi_error *err)
{
        size_t plen = strlen(prefix);
        if (l->len < plen || memcmp(l->p, prefix, plen) != 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s line %zu: does not start with \"%s\"", what, lineno,
                                     prefix);
        size_t n = l->len - plen;
        if (n > max)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s line %zu: comment is %zu bytes, minisign allows at "
                                     "most %zu",
                                     what, lineno, n, max);
        if (!ret)
                return 0;
        *ret = strndup(l->p + plen, n);
        return *ret ? 0 : -ENOMEM;
}

/* Decode one base64 line that must give exactly want bytes. The scratch buffer is wiped: it
 * may hold a secret key. */
static int decode_line(const char *what, size_t lineno, const struct line *l, uint8_t *out,
                       size_t want, struct pdi_error *err)
{
        if (l->len == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s line %zu: empty, expected base64 of %zu bytes", what,
                                     lineno, want);
        size_t cap = l->len / 4 * 3 + 3, n = 0;
        _cleanup_free_ uint8_t *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        int r = pdi_base64_decode(l->p, l->len, buf, cap, &n);
        if (r == 0 && n == want)
                memcpy(out, buf, want);
        pdi_wipe(buf, cap);
        if (r < 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s line %zu: not canonical base64",
                                     what, lineno);
        if (n != want)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s line %zu: decodes to %zu bytes, expected %zu", what,
                                     lineno, n, want);
        return 0;
}

static int pubkey_from_bytes(const uint8_t b[PUBKEY_BYTES], size_t lineno,
                             struct pdi_minisign_pubkey *ret, struct pdi_error *err)
{
        if (memcmp(b, "Ed", ALG_LEN) != 0) {
                char alg[8];
                alg_str(b, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "public key line %zu: unknown signature algorithm %s, "
                                     "expected \"Ed\"",
                                     lineno, alg);
        }
        memcpy(ret->keyid, b + ALG_LEN, PDI_MINISIGN_KEYID_LEN);
        memcpy(ret->pk, b + ALG_LEN + PDI_MINISIGN_KEYID_LEN, PDI_MINISIGN_PK_LEN);
        return 0;
}

int pdi_minisign_pubkey_parse(const char *text, size_t len, struct pdi_minisign_pubkey *ret,
                              struct pdi_error *err)
{
        struct line lines[2];
        size_t n = 0;
        int r = split_lines("public key", text, len, lines, 2, &n, err);
        if (r < 0)
                return r;
        /* One line: the bare base64 key that minisign -P takes. */
        size_t key_line = n == 1 ? 0 : 1;
        if (n == 2) {
                r = parse_comment("public key", 1, &lines[0], COMMENT_PREFIX, COMMENT_TEXT_MAX,
                                  NULL, err);
                if (r < 0)
                        return r;
        }
        uint8_t b[PUBKEY_BYTES];
        r = decode_line("public key", key_line + 1, &lines[key_line], b, sizeof(b), err);
        if (r < 0)
                return r;
        struct pdi_minisign_pubkey pk;
        r = pubkey_from_bytes(b, key_line + 1, &pk, err);
        if (r < 0)
                return r;
        *ret = pk;
        return 0;
}

static int sig_fill(const struct line lines[4], struct pdi_minisign_sig *s, struct pdi_error *err)
{
        int r = parse_comment("signature", 1, &lines[0], COMMENT_PREFIX, COMMENT_TEXT_MAX,
                              &s->untrusted_comment, err);
        if (r < 0)
                return r;
        uint8_t b[SIG_BYTES];
        r = decode_line("signature", 2, &lines[1], b, sizeof(b), err);
        if (r < 0)
                return r;
        if (memcmp(b, "ED", ALG_LEN) == 0)
                s->prehashed = true;
        else if (memcmp(b, "Ed", ALG_LEN) != 0) {
                char alg[8];
                alg_str(b, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "signature line 2: unknown signature algorithm %s, "
                                     "expected \"ED\" (or legacy \"Ed\")",
                                     alg);
        }
        memcpy(s->keyid, b + ALG_LEN, PDI_MINISIGN_KEYID_LEN);
        memcpy(s->sig, b + ALG_LEN + PDI_MINISIGN_KEYID_LEN, PDI_MINISIGN_SIG_LEN);
        r = parse_comment("signature", 3, &lines[2], TRUSTED_PREFIX, TRUSTED_TEXT_MAX,
                          &s->trusted_comment, err);
        if (r < 0)
                return r;
        /* Shown to people and in --json: one meaning for the bytes, as in the manifest. */
        size_t bad;
        if (!pdi_utf8_valid(s->trusted_comment, &bad))
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "signature line 3: trusted comment is not valid UTF-8 "
                                     "(byte %zu of the comment)",
                                     bad);
        return decode_line("signature", 4, &lines[3], s->global_sig, PDI_MINISIGN_SIG_LEN, err);
}

int pdi_minisign_sig_parse(const char *text, size_t len, struct pdi_minisign_sig *ret,
                           struct pdi_error *err)
{
        struct line lines[4];
        size_t n = 0;
        int r = split_lines("signature", text, len, lines, 4, &n, err);
        if (r < 0)
                return r;
        r = need_lines("signature", n, 4, err);
        if (r < 0)
                return r;
        struct pdi_minisign_sig s = {.prehashed = false};
        r = sig_fill(lines, &s, err);
        if (r < 0) {
                pdi_minisign_sig_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void pdi_minisign_sig_done(struct pdi_minisign_sig *sig)
{
        if (!sig)
                return;
        free(sig->untrusted_comment);
        free(sig->trusted_comment);
        sig->untrusted_comment = sig->trusted_comment = NULL;
}

/* 1 valid, 0 invalid, negative on an OpenSSL failure. */
static int ed25519_verify(const uint8_t pk[PDI_MINISIGN_PK_LEN],
                          const uint8_t sig[PDI_MINISIGN_SIG_LEN], const void *msg, size_t len)
{
        _cleanup_(evp_pkey_freep) EVP_PKEY *key =
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, PDI_MINISIGN_PK_LEN);
        _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (!key)
                return 0; /* not a valid curve point: cannot verify anything */
        if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
                return -EIO;
        static const uint8_t empty;
        return EVP_DigestVerify(ctx, sig, PDI_MINISIGN_SIG_LEN, len ? msg : &empty, len) == 1;
}

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

static int blake2b512(const void *msg, size_t len, uint8_t out[64])
{
        unsigned int n = 0;
        static const uint8_t empty;
        if (EVP_Digest(len ? msg : &empty, len, out, &n, EVP_blake2b512(), NULL) != 1 || n != 64)
                return -EIO;
        return 0;
}

/* sig || trusted comment: what the global signature covers. */
static uint8_t *global_message(const uint8_t sig[PDI_MINISIGN_SIG_LEN], const char *tc,
                               size_t *ret_len)
{
        size_t tlen = tc ? strlen(tc) : 0;
        uint8_t *buf = malloc(PDI_MINISIGN_SIG_LEN + tlen);
        if (!buf)
                return NULL;
        memcpy(buf, sig, PDI_MINISIGN_SIG_LEN);
        if (tlen)
                memcpy(buf + PDI_MINISIGN_SIG_LEN, tc, tlen);
        *ret_len = PDI_MINISIGN_SIG_LEN + tlen;
        return buf;
}

int pdi_minisign_verify(const struct pdi_minisign_pubkey *pk, const struct pdi_minisign_sig *sig,
                        const void *msg, size_t len, struct pdi_error *err)
{
        char want[17], got[17];
        pdi_minisign_keyid_str(pk->keyid, want);
        pdi_minisign_keyid_str(sig->keyid, got);
        if (memcmp(pk->keyid, sig->keyid, PDI_MINISIGN_KEYID_LEN) != 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "signed by key %s, not by trusted key %s", got, want);
        uint8_t hash[64];
        if (sig->prehashed) {
                if (blake2b512(msg, len, hash) < 0)
                        return pdi_error_set(err, -EIO, "BLAKE2b-512 failed in OpenSSL");
                msg = hash;
                len = sizeof(hash);
        }
        int r = ed25519_verify(pk->pk, sig->sig, msg, len);
        if (r < 0)
                return pdi_error_set(err, r, "Ed25519 verification failed to run in OpenSSL");
        if (r == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "signature by key %s does not verify",
                                     want);
        size_t glen = 0;
        _cleanup_free_ uint8_t *g = global_message(sig->sig, sig->trusted_comment, &glen);
        if (!g)
                return -ENOMEM;
        r = ed25519_verify(pk->pk, sig->global_sig, g, glen);
        if (r < 0)
                return pdi_error_set(err, r, "Ed25519 verification failed to run in OpenSSL");
        if (r == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "trusted comment signature by key %s does not verify "
                                     "(trusted comment altered?)",
                                     want);
        return 0;
}

/* BLAKE2b-256 of sig_alg || key id || sk, as minisign's seckey_compute_chk(). */
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
                alg_str(b, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "secret key line 2: unknown signature algorithm %s, "
                                     "expected \"Ed\"",
                                     alg);
        }
        if (memcmp(b + SK_OFF_CHK_ALG, "B2", ALG_LEN) != 0) {
                alg_str(b + SK_OFF_CHK_ALG, alg);
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
                alg_str(b + SK_OFF_KDF, alg);
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
        int r = split_lines("secret key", text, len, lines, 2, &n, err);
        if (r == 0)
                r = need_lines("secret key", n, 2, err);
        if (r == 0)
                r = parse_comment("secret key", 1, &lines[0], COMMENT_PREFIX, COMMENT_TEXT_MAX,
                                  NULL, err);
        if (r < 0)
                return r;
        uint8_t b[SECKEY_BYTES];
        r = decode_line("secret key", 2, &lines[1], b, sizeof(b), err);
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
        int r = blake2b512(msg, len, hash);
        memcpy(sigb, "ED", ALG_LEN);
        memcpy(sigb + ALG_LEN, sk->keyid, PDI_MINISIGN_KEYID_LEN);
        uint8_t *sig = sigb + ALG_LEN + PDI_MINISIGN_KEYID_LEN;
        if (r == 0)
                r = ed25519_sign(sk->sk, hash, sizeof(hash), sig);
        if (r < 0)
                return r;
        size_t glen = 0;
        _cleanup_free_ uint8_t *g = global_message(sig, trusted_comment, &glen);
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
