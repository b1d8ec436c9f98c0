/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/error.c: every code's exit status, the first message winning, and
 * prefixing (including a prefix that fills the whole buffer). */
#include "base/error.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void exit_codes(void **state)
{
        (void)state;
        static const struct {
                int code, exit;
        } t[] = {
            {0, PDI_EXIT_OK},
            {-PDI_E_HELP_SHOWN, PDI_EXIT_OK},
            {-PDI_E_USAGE, PDI_EXIT_USAGE},
            {-PDI_E_SIGNATURE, PDI_EXIT_REFUSED},
            {-PDI_E_MANIFEST, PDI_EXIT_REFUSED},
            {-PDI_E_POLICY, PDI_EXIT_REFUSED},
            {-PDI_E_INTEGRITY, PDI_EXIT_REFUSED},
            {-PDI_E_ARCHIVE, PDI_EXIT_REFUSED},
            {-PDI_E_FINDINGS, PDI_EXIT_FINDINGS},
            {-PDI_E_FAILED, PDI_EXIT_FAILED},
            {-ENOENT, PDI_EXIT_FAILED},
            {-EACCES, PDI_EXIT_FAILED},
            {-ENOSPC, PDI_EXIT_FAILED},
            {-EBUSY, PDI_EXIT_FAILED},
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                assert_int_equal(pdi_exit_code(t[i].code), t[i].exit);
        /* Every project code has an exit status other than "failed" except FAILED itself. */
        for (int c = PDI_E_BASE + 1; c < PDI_E_MAX; c++)
                if (c != PDI_E_FAILED)
                        assert_int_not_equal(pdi_exit_code(-c), PDI_EXIT_FAILED);
}

static void strerror_texts(void **state)
{
        (void)state;
        assert_string_equal(pdi_strerror(-PDI_E_SIGNATURE), "signature refused");
        assert_string_equal(pdi_strerror(-PDI_E_INTEGRITY), "integrity check failed");
        assert_string_equal(pdi_strerror(-PDI_E_FINDINGS), "audit found problems");
        assert_string_equal(pdi_strerror(-ENOENT), strerror(ENOENT));
        for (int c = PDI_E_BASE + 1; c < PDI_E_MAX; c++)
                assert_non_null(pdi_strerror(-c));
}

static void first_message_wins(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(pdi_error_set(&err, -PDI_E_INTEGRITY, "file %s: sha256 %d", "polkadot", 7),
                         -PDI_E_INTEGRITY);
        assert_string_equal(err.msg, "file polkadot: sha256 7");
        assert_int_equal(err.code, -PDI_E_INTEGRITY);
        /* An outer caller's less specific message and code do not replace it. */
        assert_int_equal(pdi_error_set(&err, -PDI_E_FAILED, "install failed"), -PDI_E_FAILED);
        assert_string_equal(err.msg, "file polkadot: sha256 7");
        assert_int_equal(err.code, -PDI_E_INTEGRITY);
        /* No error struct: the code still comes back. */
        assert_int_equal(pdi_error_set(NULL, -EIO, "x"), -EIO);
}

_printf_(3, 4) static int set_through(struct pdi_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = pdi_error_setv(err, code, fmt, ap);
        va_end(ap);
        return r;
}

static void setv_formats_once(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(set_through(&err, -PDI_E_USAGE, "%s: '%d'", "--sequence", 7),
                         -PDI_E_USAGE);
        assert_string_equal(err.msg, "--sequence: '7'");
        assert_int_equal(err.code, -PDI_E_USAGE);
        assert_int_equal(set_through(&err, -EIO, "later"), -EIO);
        assert_string_equal(err.msg, "--sequence: '7'");
        assert_int_equal(err.code, -PDI_E_USAGE);
        assert_int_equal(set_through(NULL, -EIO, "x"), -EIO);
}

static void prefix(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        pdi_error_set(&err, -PDI_E_MANIFEST, "version: missing");
        pdi_error_prefix(&err, "manifest %s: ", "https://h/m.json");
        assert_string_equal(err.msg, "manifest https://h/m.json: version: missing");
        assert_int_equal(err.code, -PDI_E_MANIFEST);
        pdi_error_prefix(NULL, "ignored");

        /* A long prefix and message are cut to fit, still NUL-terminated. */
        char big[PDI_ERROR_MSG_MAX + 100];
        memset(big, 'p', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        memset(&err, 0, sizeof(err));
        pdi_error_set(&err, -EIO, "tail");
        pdi_error_prefix(&err, "%s", big);
        assert_int_equal(strlen(err.msg), PDI_ERROR_MSG_MAX - 1);
        assert_int_equal(err.msg[0], 'p');
        memset(&err, 0, sizeof(err));
        memset(big, 'm', PDI_ERROR_MSG_MAX - 10);
        big[PDI_ERROR_MSG_MAX - 10] = '\0';
        pdi_error_set(&err, -EIO, "%s", big);
        pdi_error_prefix(&err, "0123456789abcdef: ");
        assert_int_equal(strlen(err.msg), PDI_ERROR_MSG_MAX - 1);
        assert_memory_equal(err.msg, "0123456789abcdef: mmm", 21);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exit_codes),
            cmocka_unit_test(strerror_texts),
            cmocka_unit_test(first_message_wins),
            cmocka_unit_test(setv_formats_once),
            cmocka_unit_test(prefix),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
