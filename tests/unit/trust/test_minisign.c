/* SPDX-License-Identifier: Apache-2.0 */
/* minisign module: known answers from the stock minisign 0.11, round trips, and every refusal
 * of the parsers (code and message). The vectors were made once with:
 *   minisign -G -W -p pub -s sec
 *   minisign -S -s sec -m msg -c kat -t 'kat prehashed'
 *   minisign -S -l -s sec -m msg -x msg.leg -t 'kat legacy'
 *   printf 'pw\npw\n' | minisign -G -p e.pub -s e.key; cp e.key e2.key
 *   printf 'pw\n' | minisign -C -W -s e2.key        (unencrypted, real checksum) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "trust/blake2b.h"
#include "base/encoding.h"
#include "trust/minisign.h"

#include <errno.h>
#include <openssl/evp.h>

static const char MSG[] = "polkadot release manifest\n";

static const char PUB[] = "untrusted comment: minisign public key 81CFB9D09A309E20\n"
                          "RWQgnjCa0LnPgUbjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG+GIi\n";
static const char PUB_BARE[] = "RWQgnjCa0LnPgUbjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG+GIi";

/* minisign -G -W: kdf "\0\0" and a zero checksum. */
static const char SEC[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIJ4wmtC5z4GYO957"
    "qWSHKiR/z2MShV2yloPCUW2YTDcCHg8kPIC+90bjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG+GIiAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

static const char SIG_ED[] =
    "untrusted comment: kat\n"
    "RUQgnjCa0LnPgb57X2YX/xpS63xGrjFBjqs61o7Kav7d+sc36ToTqqZ6Wz1NXtKlXZXvziWWiCsAV7sXDljfpvBG"
    "2MS2st38iwA=\n"
    "trusted comment: kat prehashed\n"
    "w8YwaW5kLX8+etONhQlBBkvtOj41op5j/XVF4ur9Be0tJnp3iOXKWGh7NykhfoeLqnP2IYPlIx/pog1rNrnsBw=="
    "\n";

static const char SIG_LEGACY[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWQgnjCa0LnPgcYc8KEMqm8U3flSeGy4ScUuID2HkrJMu0vs0A/OQihgnJ7IlxuPGe6D3zqtOKPDw6xY4JY6eH6S"
    "JxhtbLEzIQY=\n"
    "trusted comment: kat legacy\n"
    "CQgt32IYw25DgT/UmwOTVzNY0wLUf6wGc7kxP6pA+8dy0HFc7Kz2piKUoWZYsHUWwl+Xiok89HJ3OXGmcf1HBg=="
    "\n";

/* Key 4D959E26FAD5BF91, password "pw". */
static const char SEC_ENCRYPTED[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0IyYWgAox/kHzjPmjRe9FhcaIbLCpypT21ee6pSW5xl02wAAAACAAAAAAAAAEAAAAAAFe3dLYL8gKScCIO4"
    "J0NildxiFI+quZaah1mKiF09RarF1DVBVcpnIcMu9Ejm3wqs4gUYcCONANAmwHbqcUyKLEbRy+pEnEcV5OQEeBUN"
    "yekMSm/O7+afGdwxgpY8DJ4kDhwTPktlp+E=\n";
/* The same key after minisign -C -W: unencrypted, with minisign's BLAKE2b-256 checksum. */
static const char SEC_CHECKSUM[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyYWgAox/kHzjPmjRe9FhcaIbLCpypT21ee6pSW5xl02wAAAACAAAAAAAAAEAAAAAAkb/V+iaelU3KGhOm"
    "1JK7gscn5aLS2Yj0Ht+osAuyB2BL3wvoJ+Vg6VFiIKZB87VZ0FePgMvtVJx+WD+xjFUJO9a5zLURLcrO8NdMsNF0"
    "DT6gfD8QqhdEzyBDw56rTNElxttUL9uDej0=\n";

#define assert_refused(r, err, code, substr)                                                       \
        do {                                                                                       \
                assert_int_equal((r), (code));                                                     \
                if (!strstr((err).msg, (substr)))                                                  \
                        fail_msg("message '%s' lacks '%s'", (err).msg, (substr));                  \
        } while (0)

/* Copy of text with line `lineno` (1-based) replaced by repl. */
static char *replace_line(const char *text, int lineno, const char *repl)
{
        const char *p = text;
        for (int i = 1; i < lineno; i++)
                p = strchr(p, '\n') + 1;
        const char *e = strchr(p, '\n');
        char *out = NULL;
        assert_true(asprintf(&out, "%.*s%s%s", (int)(p - text), text, repl, e ? e : "") > 0);
        return out;
}

/* Base64 of the decoded line `lineno` after f() edited its bytes. */
static char *edit_line(const char *text, int lineno, size_t want, void (*f)(uint8_t *))
{
        const char *p = text;
        for (int i = 1; i < lineno; i++)
                p = strchr(p, '\n') + 1;
        size_t len = strcspn(p, "\n"), n = 0;
        uint8_t b[256];
        assert_int_equal(pdi_base64_decode(p, len, b, sizeof(b), &n), 0);
        assert_int_equal(n, want);
        f(b);
        char enc[400];
        pdi_base64_encode(b, n, enc);
        return replace_line(text, lineno, enc);
}

static void decode_line2(const char *text, uint8_t out[158])
{
        const char *p = strchr(text, '\n') + 1;
        size_t n = 0;
        assert_int_equal(pdi_base64_decode(p, strcspn(p, "\n"), out, 158, &n), 0);
        assert_int_equal(n, 158);
}

static void test_blake2b(void **state)
{
        (void)state;
        static const char abc512[] = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbf"
                                     "fa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab9238"
                                     "6edd4009923"; /* RFC 7693 appendix A */
        static const char abc256[] =
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
        uint8_t out[64];
        char hex[129];
        assert_int_equal(pdi_blake2b(out, 64, "abc", 3), 0);
        pdi_hex_encode(out, 64, hex);
        assert_string_equal(hex, abc512);
        assert_int_equal(pdi_blake2b(out, 32, "abc", 3), 0);
        pdi_hex_encode(out, 32, hex);
        assert_string_equal(hex, abc256);
        assert_int_equal(pdi_blake2b(out, 0, "abc", 3), -EINVAL);
        assert_int_equal(pdi_blake2b(out, 65, "abc", 3), -EINVAL);

        /* Against OpenSSL around the 128-byte block edges. */
        uint8_t in[400], ref[64];
        for (size_t i = 0; i < sizeof(in); i++)
                in[i] = (uint8_t)(i * 7 + 1);
        for (size_t len = 0; len <= sizeof(in); len++) {
                unsigned int n = 0;
                assert_int_equal(EVP_Digest(in, len, ref, &n, EVP_blake2b512(), NULL), 1);
                assert_int_equal(pdi_blake2b(out, 64, in, len), 0);
                assert_memory_equal(out, ref, 64);
        }
}

static void test_keyid_str(void **state)
{
        (void)state;
        const uint8_t id[8] = {0x20, 0x9e, 0x30, 0x9a, 0xd0, 0xb9, 0xcf, 0x81};
        const uint8_t small[8] = {0x0a};
        char s[17];
        pdi_minisign_keyid_str(id, s);
        assert_string_equal(s, "81CFB9D09A309E20");
        pdi_minisign_keyid_str(small, s);
        assert_string_equal(s, "000000000000000A"); /* minisign 0.11 prints %016 */
}

static void test_kat_verify(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_pubkey pk, bare;
        struct pdi_minisign_sig sig;
        char id[17];
        assert_int_equal(pdi_minisign_pubkey_parse(PUB, strlen(PUB), &pk, &err), 0);
        pdi_minisign_keyid_str(pk.keyid, id);
        assert_string_equal(id, "81CFB9D09A309E20");
        assert_int_equal(pdi_minisign_pubkey_parse(PUB_BARE, strlen(PUB_BARE), &bare, &err), 0);
        assert_memory_equal(&pk, &bare, sizeof(pk));

        assert_int_equal(pdi_minisign_sig_parse(SIG_ED, strlen(SIG_ED), &sig, &err), 0);
        assert_true(sig.prehashed);
        assert_string_equal(sig.untrusted_comment, "kat");
        assert_string_equal(sig.trusted_comment, "kat prehashed");
        assert_int_equal(pdi_minisign_verify(&pk, &sig, MSG, strlen(MSG), &err), 0);
        pdi_minisign_sig_done(&sig);

        assert_int_equal(pdi_minisign_sig_parse(SIG_LEGACY, strlen(SIG_LEGACY), &sig, &err), 0);
        assert_false(sig.prehashed);
        assert_int_equal(pdi_minisign_verify(&pk, &sig, MSG, strlen(MSG), &err), 0);
        pdi_minisign_sig_done(&sig);

        /* Without the final newline too. */
        assert_int_equal(pdi_minisign_sig_parse(SIG_ED, strlen(SIG_ED) - 1, &sig, &err), 0);
        pdi_minisign_sig_done(&sig);
        assert_string_equal(err.msg, "");
}

/* Ed25519 is deterministic: our signature file equals minisign's byte for byte. */
static void test_kat_sign(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_seckey sk;
        char *text = NULL;
        assert_int_equal(pdi_minisign_seckey_parse(SEC, strlen(SEC), &sk, &err), 0);
        assert_int_equal(
            pdi_minisign_sign(&sk, MSG, strlen(MSG), "kat", "kat prehashed", &text, &err), 0);
        assert_string_equal(text, SIG_ED);
        free(text);
        pdi_minisign_seckey_wipe(&sk);

        /* minisign -C -W keeps a real checksum; it must verify. */
        assert_int_equal(pdi_minisign_seckey_parse(SEC_CHECKSUM, strlen(SEC_CHECKSUM), &sk, &err),
                         0);
        char id[17];
        pdi_minisign_keyid_str(sk.keyid, id);
        assert_string_equal(id, "4D959E26FAD5BF91");
        /* Our own format of it has minisign's key id, key and checksum (salt and KDF limits,
         * unused without a password, are zero in ours). */
        assert_int_equal(pdi_minisign_seckey_format(&sk, NULL, &text), 0);
        uint8_t ours[158], theirs[158];
        decode_line2(text, ours);
        decode_line2(SEC_CHECKSUM, theirs);
        assert_memory_equal(ours + 54, theirs + 54, 158 - 54);
        free(text);
        pdi_minisign_seckey_wipe(&sk);
}

static void test_round_trip(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_seckey sk, sk2;
        struct pdi_minisign_pubkey pk, pk2;
        struct pdi_minisign_sig sig;
        char *pubtext = NULL, *sectext = NULL, *sigtext = NULL;
        assert_int_equal(pdi_minisign_keygen(&sk, &pk), 0);
        assert_int_equal(pdi_minisign_pubkey_format(&pk, NULL, &pubtext), 0);
        assert_int_equal(pdi_minisign_seckey_format(&sk, NULL, &sectext), 0);
        assert_int_equal(pdi_minisign_pubkey_parse(pubtext, strlen(pubtext), &pk2, &err), 0);
        assert_int_equal(pdi_minisign_seckey_parse(sectext, strlen(sectext), &sk2, &err), 0);
        assert_memory_equal(&pk, &pk2, sizeof(pk));
        assert_memory_equal(&sk, &sk2, sizeof(sk));
        char id[17], want[64];
        pdi_minisign_keyid_str(pk.keyid, id);
        snprintf(want, sizeof(want), "untrusted comment: minisign public key %s\n", id);
        assert_memory_equal(pubtext, want, strlen(want));

        assert_int_equal(pdi_minisign_sign(&sk, "", 0, NULL, "empty", &sigtext, &err), 0);
        assert_int_equal(pdi_minisign_sig_parse(sigtext, strlen(sigtext), &sig, &err), 0);
        assert_int_equal(pdi_minisign_verify(&pk, &sig, "", 0, &err), 0);
        assert_int_equal(pdi_minisign_verify(&pk, &sig, "x", 1, &err), -PDI_E_SIGNATURE);
        assert_true(strstr(err.msg, "does not verify"));
        pdi_minisign_sig_done(&sig);
        free(pubtext);
        free(sectext);
        free(sigtext);
        pdi_minisign_seckey_wipe(&sk);
}

static void load_kat(struct pdi_minisign_pubkey *pk, struct pdi_minisign_sig *sig, const char *s)
{
        struct pdi_error err = {0};
        assert_int_equal(pdi_minisign_pubkey_parse(PUB, strlen(PUB), pk, &err), 0);
        assert_int_equal(pdi_minisign_sig_parse(s, strlen(s), sig, &err), 0);
}

static void test_tampered(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_pubkey pk;
        struct pdi_minisign_sig sig;

        load_kat(&pk, &sig, SIG_ED);
        int r = pdi_minisign_verify(&pk, &sig, "polkadot release manifesT\n", strlen(MSG), &err);
        assert_refused(r, err, -PDI_E_SIGNATURE,
                       "signature by key 81CFB9D09A309E20 does not verify");
        pdi_minisign_sig_done(&sig);

        /* Trusted comment altered: message still fine, global signature not. */
        char *t = replace_line(SIG_ED, 3, "trusted comment: kat prehashed, evil");
        assert_int_equal(pdi_minisign_sig_parse(t, strlen(t), &sig, &err), 0);
        err = (struct pdi_error){0};
        r = pdi_minisign_verify(&pk, &sig, MSG, strlen(MSG), &err);
        assert_refused(r, err, -PDI_E_SIGNATURE,
                       "trusted comment signature by key 81CFB9D09A309E20");
        pdi_minisign_sig_done(&sig);
        free(t);

        /* Legacy signature presented as prehashed: refused. */
        load_kat(&pk, &sig, SIG_LEGACY);
        sig.prehashed = true;
        err = (struct pdi_error){0};
        r = pdi_minisign_verify(&pk, &sig, MSG, strlen(MSG), &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, "does not verify");
        pdi_minisign_sig_done(&sig);

        /* An untrusted comment may change freely. */
        t = replace_line(SIG_ED, 1, "untrusted comment: anything at all");
        assert_int_equal(pdi_minisign_sig_parse(t, strlen(t), &sig, &err), 0);
        assert_int_equal(pdi_minisign_verify(&pk, &sig, MSG, strlen(MSG), &err), 0);
        pdi_minisign_sig_done(&sig);
        free(t);
}

static void test_wrong_key(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_pubkey pk, other;
        struct pdi_minisign_seckey sk;
        struct pdi_minisign_sig sig;
        load_kat(&pk, &sig, SIG_ED);
        assert_int_equal(pdi_minisign_keygen(&sk, &other), 0);
        pdi_minisign_seckey_wipe(&sk);
        char id[17], want[128];
        pdi_minisign_keyid_str(other.keyid, id);
        snprintf(want, sizeof(want), "signed by key 81CFB9D09A309E20, not by trusted key %s", id);
        int r = pdi_minisign_verify(&other, &sig, MSG, strlen(MSG), &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, want);

        /* Same key id, different key: the math refuses it. */
        memcpy(other.keyid, pk.keyid, sizeof(pk.keyid));
        err = (struct pdi_error){0};
        r = pdi_minisign_verify(&other, &sig, MSG, strlen(MSG), &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, "does not verify");
        pdi_minisign_sig_done(&sig);
}

static void sig_parse_refused(const char *text, size_t len, const char *substr)
{
        struct pdi_error err = {0};
        struct pdi_minisign_sig sig = {.prehashed = false};
        int r = pdi_minisign_sig_parse(text, len, &sig, &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, substr);
        assert_null(sig.trusted_comment); /* untouched on failure */
}

static void sig_refused(char *text, const char *substr)
{
        sig_parse_refused(text, strlen(text), substr);
        free(text);
}

static void set_alg_EX(uint8_t *b)
{
        b[0] = 'E';
        b[1] = 'X';
}

static void set_alg_bin(uint8_t *b)
{
        b[0] = 0;
        b[1] = 0xff;
}

static void test_sig_refusals(void **state)
{
        (void)state;
        char *t;
        sig_parse_refused("", 0, "signature: empty");
        sig_refused(replace_line(SIG_ED, 2,
                                 "RUQgnjCa0LnPgb57X2YX/xpS63xGrjFBjqs61o7Kav7d+sc36ToTq!Z6"
                                 "Wz1NXtKlXZXvziWWiCsAV7sXDljfpvBG2MS2st38iwA="),
                    "signature line 2: not canonical base64");
        /* Non-zero bits under the padding: a second spelling of the same bytes. */
        sig_refused(replace_line(SIG_ED, 2,
                                 "RUQgnjCa0LnPgb57X2YX/xpS63xGrjFBjqs61o7Kav7d+sc36ToTqqZ6"
                                 "Wz1NXtKlXZXvziWWiCsAV7sXDljfpvBG2MS2st38iwB="),
                    "signature line 2: not canonical base64");
        sig_refused(replace_line(SIG_ED, 2,
                                 "RUQgnjCa0LnPgb57X2YX/xpS63xGrjFBjqs61o7Kav7d+sc36ToTqqZ6"
                                 "Wz1NXtKlXZXvziWWiCsAV7sXDljfpvBG2MS2st38"),
                    "signature line 2: decodes to 72 bytes, expected 74");
        sig_refused(replace_line(SIG_ED, 2, ""), "signature line 2: empty");
        sig_refused(replace_line(SIG_ED, 4,
                                 "w8YwaW5kLX8+etONhQlBBkvtOj41op5j/XVF4ur9Be0tJnp3iOXKWGh7"
                                 "NykhfoeLqnP2IYPlIx/pog1rNrnsBwAA"),
                    "signature line 4: decodes to 66 bytes, expected 64");
        sig_refused(replace_line(SIG_ED, 4,
                                 " w8YwaW5kLX8+etONhQlBBkvtOj41op5j/XVF4ur9Be0tJnp3iOXKWG"
                                 "h7NykhfoeLqnP2IYPlIx/pog1rNrnsBw=="),
                    "signature line 4: not canonical base64");
        sig_refused(edit_line(SIG_ED, 2, 74, set_alg_EX),
                    "signature line 2: unknown signature algorithm \"EX\"");
        sig_refused(edit_line(SIG_ED, 2, 74, set_alg_bin),
                    "signature line 2: unknown signature algorithm 0x00ff");
        sig_refused(replace_line(SIG_ED, 1, "Untrusted comment: kat"),
                    "signature line 1: does not start with \"untrusted comment: \"");
        sig_refused(replace_line(SIG_ED, 3, "trusted comment:kat prehashed"),
                    "signature line 3: does not start with \"trusted comment: \"");
        /* The trusted comment is shown and put in --json: strict UTF-8 only. */
        sig_refused(replace_line(SIG_ED, 3, "trusted comment: caf\xe9"),
                    "signature line 3: trusted comment is not valid UTF-8 (byte 3 of the comment)");
        sig_refused(replace_line(SIG_ED, 3, "trusted comment: ok \xc0\xaf"),
                    "signature line 3: trusted comment is not valid UTF-8 (byte 3 of the comment)");
        t = replace_line(SIG_ED, 3, "trusted comment: caf\xc3\xa9 \xe2\x9c\x93");
        struct pdi_error uerr = {0};
        struct pdi_minisign_sig usig;
        assert_int_equal(pdi_minisign_sig_parse(t, strlen(t), &usig, &uerr), 0);
        assert_string_equal(usig.trusted_comment, "caf\xc3\xa9 \xe2\x9c\x93");
        pdi_minisign_sig_done(&usig);
        free(t);

        /* Comment limits: what fits minisign's fgets() buffers. */
        char *big = malloc(9000);
        memset(big, 'c', 9000);
        memcpy(big, "untrusted comment: ", 19);
        big[19 + 1004] = '\0';
        sig_refused(replace_line(SIG_ED, 1, big),
                    "signature line 1: comment is 1004 bytes, minisign allows at most 1003");
        big[19 + 1003] = '\0';
        t = replace_line(SIG_ED, 1, big);
        struct pdi_error err = {0};
        struct pdi_minisign_sig sig;
        assert_int_equal(pdi_minisign_sig_parse(t, strlen(t), &sig, &err), 0);
        pdi_minisign_sig_done(&sig);
        free(t);
        memset(big, 'c', 9000);
        memcpy(big, "trusted comment: ", 17);
        big[17 + 8174] = '\0';
        sig_refused(replace_line(SIG_ED, 3, big),
                    "signature line 3: comment is 8174 bytes, minisign allows at most 8173");
        free(big);

        /* Layout: trailing data, blank lines, CR, NUL, missing lines. */
        assert_true(asprintf(&t, "%sx", SIG_ED) > 0);
        sig_refused(t, "signature: unexpected data after line 4");
        assert_true(asprintf(&t, "%s\n", SIG_ED) > 0);
        sig_refused(t, "signature: unexpected data after line 4");
        sig_refused(replace_line(SIG_ED, 1, "untrusted comment: kat\r"), "carriage return");
        sig_parse_refused(SIG_ED, sizeof(SIG_ED), "signature: contains a NUL byte");
        t = strdup(SIG_ED);
        *strstr(t, "trusted comment: kat prehashed") = '\0';
        sig_refused(t, "signature: 2 lines, expected 4");
        sig_parse_refused(SIG_ED, strlen(SIG_ED) - 90, "signature: 3 lines, expected 4");
}

static void pub_refused(const char *text, const char *substr)
{
        struct pdi_error err = {0};
        struct pdi_minisign_pubkey pk;
        int r = pdi_minisign_pubkey_parse(text, strlen(text), &pk, &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, substr);
}

static void set_alg_ED(uint8_t *b)
{
        b[1] = 'D';
}

static void test_pubkey_refusals(void **state)
{
        (void)state;
        char *t;
        pub_refused("RWQgnjCa0LnPgUbjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG+GI",
                    "public key line 1: not canonical base64");
        pub_refused("RWQgnjCa0LnPgUbjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG",
                    "public key line 1: decodes to 39 bytes, expected 42");
        pub_refused("comment: x\nRWQgnjCa0LnPgUbjvBV5CCuV2v31L9ch51kI7lywGhPaqlNe9lJG+GIi\n",
                    "public key line 1: does not start with \"untrusted comment: \"");
        t = edit_line(PUB, 2, 42, set_alg_ED);
        pub_refused(t, "public key line 2: unknown signature algorithm \"ED\", expected \"Ed\"");
        free(t);
        assert_true(asprintf(&t, "%s\n", PUB) > 0);
        pub_refused(t, "public key: unexpected data after line 2");
        free(t);
        t = replace_line(PUB, 1, "untrusted comment: x\r");
        pub_refused(t, "carriage return");
        free(t);
        pub_refused("\n", "public key line 1: empty");
}

static void sec_refused(const char *text, const char *substr)
{
        struct pdi_error err = {0};
        struct pdi_minisign_seckey sk;
        int r = pdi_minisign_seckey_parse(text, strlen(text), &sk, &err);
        assert_refused(r, err, -PDI_E_SIGNATURE, substr);
}

static void flip_checksum(uint8_t *b)
{
        b[157] ^= 1;
}

static void flip_seed(uint8_t *b)
{
        b[62] ^= 1;
}

static void set_kdf_xx(uint8_t *b)
{
        b[2] = 'X';
        b[3] = 'X';
}

static void set_chk_xx(uint8_t *b)
{
        b[4] = 'B';
        b[5] = '3';
}

static void test_seckey_refusals(void **state)
{
        (void)state;
        sec_refused(SEC_ENCRYPTED, "secret key is encrypted with a password");
        sec_refused(SEC_ENCRYPTED, "minisign -S");
        char *t = edit_line(SEC_CHECKSUM, 2, 158, flip_checksum);
        sec_refused(t, "secret key: checksum does not match");
        free(t);
        /* A zero checksum (minisign -G -W) checks nothing; the seed/public pair still does. */
        t = edit_line(SEC, 2, 158, flip_seed);
        sec_refused(t, "does not belong to the private seed");
        free(t);
        t = edit_line(SEC, 2, 158, set_kdf_xx);
        sec_refused(t, "secret key line 2: unknown key derivation algorithm \"XX\"");
        free(t);
        t = edit_line(SEC, 2, 158, set_chk_xx);
        sec_refused(t, "secret key line 2: unknown checksum algorithm \"B3\"");
        free(t);
        t = edit_line(SEC, 2, 158, set_alg_ED);
        sec_refused(t, "secret key line 2: unknown signature algorithm \"ED\"");
        free(t);
        sec_refused(PUB, "secret key line 2: decodes to 42 bytes, expected 158");
        sec_refused(PUB_BARE, "secret key: 1 line, expected 2");
}

static void test_sign_limits(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_minisign_seckey sk;
        char *text = NULL;
        assert_int_equal(pdi_minisign_seckey_parse(SEC, strlen(SEC), &sk, &err), 0);
        int r = pdi_minisign_sign(&sk, MSG, strlen(MSG), NULL, "two\nlines", &text, &err);
        assert_refused(r, err, -EINVAL, "trusted comment: must be one line");
        err = (struct pdi_error){0};
        r = pdi_minisign_sign(&sk, MSG, strlen(MSG), "cr\r", "ok", &text, &err);
        assert_refused(r, err, -EINVAL, "untrusted comment: must be one line");
        assert_null(text);
        /* A signature we would refuse to verify is never made. */
        err = (struct pdi_error){0};
        r = pdi_minisign_sign(&sk, MSG, strlen(MSG), NULL, "caf\xe9", &text, &err);
        assert_refused(r, err, -EINVAL,
                       "trusted comment: not valid UTF-8 (byte 3), which verify refuses");
        assert_null(text);
        char *big = malloc(8175);
        memset(big, 't', 8174);
        big[8174] = '\0';
        err = (struct pdi_error){0};
        r = pdi_minisign_sign(&sk, MSG, strlen(MSG), NULL, big, &text, &err);
        assert_refused(r, err, -EINVAL, "at most 8173 bytes");
        big[8173] = '\0';
        assert_int_equal(pdi_minisign_sign(&sk, MSG, strlen(MSG), NULL, big, &text, &err), 0);
        free(text);
        free(big);
        pdi_minisign_seckey_wipe(&sk);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_blake2b),         cmocka_unit_test(test_keyid_str),
            cmocka_unit_test(test_kat_verify),      cmocka_unit_test(test_kat_sign),
            cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_tampered),
            cmocka_unit_test(test_wrong_key),       cmocka_unit_test(test_sig_refusals),
            cmocka_unit_test(test_pubkey_refusals), cmocka_unit_test(test_seckey_refusals),
            cmocka_unit_test(test_sign_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
