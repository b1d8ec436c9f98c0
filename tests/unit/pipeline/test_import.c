/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/pipeline/import.c without a release: the sequence a stable release
 * tag gives (later upstream releases must get higher sequences). The import itself is
 * tests/scenario/test_import.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline/import.h"

static void test_tag_sequence(void **state)
{
        (void)state;
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2603-1"), 2603001);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2603"), 2603000);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2412-12"), 2412012);
        assert_true(pdi_import_tag_sequence("polkadot-stable2603-1") >
                    pdi_import_tag_sequence("polkadot-stable2603"));
        assert_true(pdi_import_tag_sequence("polkadot-stable2603") >
                    pdi_import_tag_sequence("polkadot-stable2512-9"));
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2603-1000"), 0);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2603-"), 0);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable2603-1a"), 0);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable260-1"), 0);
        assert_int_equal(pdi_import_tag_sequence("polkadot-stable26031"), 0);
        assert_int_equal(pdi_import_tag_sequence("polkadot-v1.16.0"), 0);
        assert_int_equal(pdi_import_tag_sequence(""), 0);
        assert_int_equal(pdi_import_tag_sequence(NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tag_sequence),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
