/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/trust/openpgp.c that need no gpg: the fingerprint forms a pin takes,
 * and the refusals before any keyring is made. The signatures themselves are tested with a
 * real gpg and real keys by tests/scenario/test_import.sh. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trust/openpgp.h"

#include <string.h>

static void test_normalize(void **state)
{
        (void)state;
        char out[PDI_OPENPGP_FPR_MAX + 1];
        assert_true(
            pdi_openpgp_fpr_normalize("90bd 75eb bb8e 95cb 3da6  078f 94a4 029a b4b3 5dae", out));
        assert_string_equal(out, PDI_OPENPGP_UPSTREAM_FPR);
        assert_true(pdi_openpgp_fpr_normalize(PDI_OPENPGP_UPSTREAM_FPR, out));
        char v6[65];
        memset(v6, 'A', 64);
        v6[64] = '\0';
        assert_true(pdi_openpgp_fpr_normalize(v6, out));
        assert_false(pdi_openpgp_fpr_normalize("94A4029AB4B35DAE", out)); /* a key id */
        assert_false(pdi_openpgp_fpr_normalize("90BD75EBBB8E95CB3DA6078F94A4029AB4B35DAG", out));
        assert_false(pdi_openpgp_fpr_normalize("", out));
        assert_false(pdi_openpgp_fpr_normalize("0x90BD75EBBB8E95CB3DA6078F94A4029AB4B35DAE", out));
        char long_fpr[80];
        memset(long_fpr, 'A', 79);
        long_fpr[79] = '\0';
        assert_false(pdi_openpgp_fpr_normalize(long_fpr, out));
}

static void test_refused_before_keyring(void **state)
{
        (void)state;
        struct pdi_openpgp *p = NULL;
        struct pdi_error err = {0};
        char bad[] = "not-a-fingerprint";
        char *pins[] = {bad};
        assert_int_equal(pdi_openpgp_new("x", 1, pins, 1, &p, &err), -EINVAL);
        assert_null(p);
        assert_non_null(strstr(err.msg, "'not-a-fingerprint' is not a fingerprint"));
        struct pdi_error err2 = {0};
        assert_int_equal(pdi_openpgp_new("x", 1, pins, 0, &p, &err2), -EINVAL);
        assert_null(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_normalize),
            cmocka_unit_test(test_refused_before_keyring),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
