/* SPDX-License-Identifier: Apache-2.0 */
#include "release/state_owned.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testroot.h"

/* Container mode is one instance's, survives a save and a load, and is never inferred. */
static void container_mode_is_recorded_per_instance(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        assert_false(pdi_state_container(&st, "polkadot"));
        assert_int_equal(pdi_state_set_container(&st, "polkadot"), 0);
        assert_int_equal(pdi_state_set_container(&st, "polkadot"), 0); /* idempotent */
        assert_true(pdi_state_container(&st, "polkadot"));
        assert_false(pdi_state_container(&st, "kusama"));
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        pdi_state_done(&st);
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        assert_true(pdi_state_container(&st, "polkadot"));
        /* A value other than "container" (a newer installer's mode) is not container mode. */
        json_object_set_new(json_object_get(st.root, "modes"), "polkadot", json_string("x"));
        assert_false(pdi_state_container(&st, "polkadot"));
        pdi_state_done(&st);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(container_mode_is_recorded_per_instance),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
