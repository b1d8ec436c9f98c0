/* SPDX-License-Identifier: Apache-2.0 */
/* minisign keys and signatures in minisign's exact byte format, with the cryptography done by
 * OpenSSL 3: Ed25519 through EVP_DigestSign/Verify, BLAKE2b-512 for the prehashed "ED" mode,
 * and our own BLAKE2b-256 for the secret-key checksum (OpenSSL 3.0 has no 32-byte variant).
 * Every refusal says which line and why, and key ids are compared before any math. The
 * secret-key half (key generation, signing) is minisign_sign.c. */
#include "trust/minisign_internal.h"

void pdi_minisign_keyid_str(const uint8_t keyid[PDI_MINISIGN_KEYID_LEN], char out[17])
{
        snprintf(out, 17, "%016" PRIX64, pdi_load64_le(keyid));
}

/* "ED" as text, or hex when the bytes are not printable, for messages. */
void pdi_minisign_alg_str(const uint8_t alg[ALG_LEN], char out[8])
{
        if (alg[0] > 0x20 && alg[0] < 0x7f && alg[1] > 0x20 && alg[1] < 0x7f)
                snprintf(out, 8, "\"%c%c\"", alg[0], alg[1]);
        else
                snprintf(out, 8, "0x%02x%02x", alg[0], alg[1]);
}

/* Up to max lines; NUL and CR refused; at most one '\n' after the last line. */
int pdi_minisign_split_lines(const char *what, const char *text, size_t len, struct line *lines,
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

int pdi_minisign_need_lines(const char *what, size_t n, size_t want, struct pdi_error *err)
{
        if (n == want)
                return 0;
        return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: %zu line%s, expected %zu", what, n,
                             n == 1 ? "" : "s", want);
}

int pdi_minisign_parse_comment(const char *what, size_t lineno, const struct line *l,
                               const char *prefix, size_t max, char **ret, struct pdi_error *err)
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
int pdi_minisign_decode_line(const char *what, size_t lineno, const struct line *l, uint8_t *out,
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
                pdi_minisign_alg_str(b, alg);
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
        int r = pdi_minisign_split_lines("public key", text, len, lines, 2, &n, err);
        if (r < 0)
                return r;
        /* One line: the bare base64 key that minisign -P takes. */
        size_t key_line = n == 1 ? 0 : 1;
        if (n == 2) {
                r = pdi_minisign_parse_comment("public key", 1, &lines[0], COMMENT_PREFIX,
                                               COMMENT_TEXT_MAX, NULL, err);
                if (r < 0)
                        return r;
        }
        uint8_t b[PUBKEY_BYTES];
        r = pdi_minisign_decode_line("public key", key_line + 1, &lines[key_line], b, sizeof(b),
                                     err);
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
        int r = pdi_minisign_parse_comment("signature", 1, &lines[0], COMMENT_PREFIX,
                                           COMMENT_TEXT_MAX, &s->untrusted_comment, err);
        if (r < 0)
                return r;
        uint8_t b[SIG_BYTES];
        r = pdi_minisign_decode_line("signature", 2, &lines[1], b, sizeof(b), err);
        if (r < 0)
                return r;
        if (memcmp(b, "ED", ALG_LEN) == 0)
                s->prehashed = true;
        else if (memcmp(b, "Ed", ALG_LEN) != 0) {
                char alg[8];
                pdi_minisign_alg_str(b, alg);
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "signature line 2: unknown signature algorithm %s, "
                                     "expected \"ED\" (or legacy \"Ed\")",
                                     alg);
        }
        memcpy(s->keyid, b + ALG_LEN, PDI_MINISIGN_KEYID_LEN);
        memcpy(s->sig, b + ALG_LEN + PDI_MINISIGN_KEYID_LEN, PDI_MINISIGN_SIG_LEN);
        r = pdi_minisign_parse_comment("signature", 3, &lines[2], TRUSTED_PREFIX, TRUSTED_TEXT_MAX,
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
        return pdi_minisign_decode_line("signature", 4, &lines[3], s->global_sig,
                                        PDI_MINISIGN_SIG_LEN, err);
}

int pdi_minisign_sig_parse(const char *text, size_t len, struct pdi_minisign_sig *ret,
                           struct pdi_error *err)
{
        struct line lines[4];
        size_t n = 0;
        int r = pdi_minisign_split_lines("signature", text, len, lines, 4, &n, err);
        if (r < 0)
                return r;
        r = pdi_minisign_need_lines("signature", n, 4, err);
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

int pdi_minisign_blake2b512(const void *msg, size_t len, uint8_t out[64])
{
        unsigned int n = 0;
        static const uint8_t empty;
        if (EVP_Digest(len ? msg : &empty, len, out, &n, EVP_blake2b512(), NULL) != 1 || n != 64)
                return -EIO;
        return 0;
}

/* sig || trusted comment: what the global signature covers. */
uint8_t *pdi_minisign_global_message(const uint8_t sig[PDI_MINISIGN_SIG_LEN], const char *tc,
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
                if (pdi_minisign_blake2b512(msg, len, hash) < 0)
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
        _cleanup_free_ uint8_t *g =
            pdi_minisign_global_message(sig->sig, sig->trusted_comment, &glen);
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