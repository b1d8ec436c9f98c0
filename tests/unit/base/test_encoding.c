/* SPDX-License-Identifier: Apache-2.0 */
#include "base/encoding.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void hex_encode(void **state)
{
        (void)state;
        const uint8_t in[] = {0x00, 0x7f, 0xff, 0xa5};
        char out[9];
        pdi_hex_encode(in, sizeof(in), out);
        assert_string_equal(out, "007fffa5");
}

static void utf8_strict(void **state)
{
        (void)state;
        size_t bad = 99;
        assert_true(pdi_utf8_valid("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", &bad));
        assert_int_equal(bad, 14);
        assert_false(pdi_utf8_valid("caf\xe9", &bad)); /* Latin-1 */
        assert_int_equal(bad, 3);
        assert_false(pdi_utf8_valid("a\xc0\xaf", &bad)); /* overlong '/' */
        assert_int_equal(bad, 1);
        assert_false(pdi_utf8_valid("\xed\xa0\x80", &bad)); /* surrogate */
        assert_int_equal(bad, 0);
        assert_false(pdi_utf8_valid("x\xf4\x90\x80\x80", NULL)); /* above U+10FFFF */
        assert_false(pdi_utf8_valid("\xe2\x9c", NULL));          /* cut short */
}

static void sha256_hex_form(void **state)
{
        (void)state;
        char ok[65];
        memset(ok, 'a', 64);
        ok[64] = '\0';
        assert_true(pdi_is_sha256_hex(ok));
        ok[3] = 'A';
        assert_false(pdi_is_sha256_hex(ok));
        ok[3] = 'a';
        ok[63] = '\0';
        assert_false(pdi_is_sha256_hex(ok));
}

static void base64_vectors(void **state)
{
        (void)state;
        /* RFC 4648 §10 */
        static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
        static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                          "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
        for (size_t i = 0; i < ELEMENTSOF(plain); i++) {
                char out[16];
                uint8_t back[8];
                size_t n;
                pdi_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
                assert_string_equal(out, enc[i]);
                assert_int_equal(pdi_base64_decode(enc[i], strlen(enc[i]), back, sizeof(back), &n),
                                 0);
                assert_int_equal(n, strlen(plain[i]));
                assert_memory_equal(back, plain[i], n);
        }
}

static void base64_refuses_non_canonical(void **state)
{
        (void)state;
        uint8_t out[16];
        size_t n;
        static const char *const bad[] = {
            "Zg=",      /* length not a multiple of 4 */
            "Zh==",     /* pad bits set: a second encoding of "f" */
            "Zm9=",     /* pad bits set */
            "Z===",     /* too much padding */
            "Zg==Zg==", /* padding in the middle */
            "Zm 9",     /* whitespace */
            "Zm9v\n",   /* newline */
            "Zm-_",     /* URL alphabet */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(pdi_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
                                 -EINVAL);
        assert_int_equal(pdi_base64_decode("Zm9vYmFy", 8, out, 5, &n), -EMSGSIZE);
}

/* Bad bytes become '?', good multi-byte characters stay whole. */
static void utf8_sanitize(void **state)
{
        (void)state;
        char a[] = "caf\xc3\xa9 /x/\xff\xfe.json \xe2\x82";
        pdi_utf8_sanitize(a);
        assert_string_equal(a, "caf\xc3\xa9 /x/??.json ??");
        assert_true(pdi_utf8_valid(a, NULL));
        char b[] = "plain";
        pdi_utf8_sanitize(b);
        assert_string_equal(b, "plain");
}

static void escape_bytes(void **state)
{
        (void)state;
        char *e = pdi_escape("/opt/p\xff/\xc3\xa9\x1b[2J\xc2\x9b\x7f\t", 0);
        assert_string_equal(e, "/opt/p\\xff/\xc3\xa9\x1b[2J\xc2\x9b\x7f\t");
        free(e);
        e = pdi_escape("/opt/p\xff/\xc3\xa9\x1b[2J\xc2\x9b\x7f\t", PDI_ESC_CONTROLS);
        assert_string_equal(e, "/opt/p\\xff/\xc3\xa9\\x1b[2J\\xc2\\x9b\\x7f\\x09");
        free(e);
        assert_false(pdi_needs_escape("/opt/\xc3\xa9\x1b", 0));
        assert_true(pdi_needs_escape("/opt/\xc3\xa9\x1b", PDI_ESC_CONTROLS));
        assert_true(pdi_needs_escape("\xc3", 0)); /* cut sequence */
        char small[6];
        assert_int_equal(pdi_escape_into(small, sizeof(small), "ab\xff", 0), 6);
        assert_string_equal(small, "ab\\xf");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(hex_encode),
            cmocka_unit_test(utf8_strict),
            cmocka_unit_test(utf8_sanitize),
            cmocka_unit_test(escape_bytes),
            cmocka_unit_test(sha256_hex_form),
            cmocka_unit_test(base64_vectors),
            cmocka_unit_test(base64_refuses_non_canonical),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
