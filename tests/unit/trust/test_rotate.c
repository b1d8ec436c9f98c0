/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/rotate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* A well-formed minisign public key (key id 0807060504030201). */
#define GOOD "RWQBAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJico"

/* The field's form is judged before any signature: each of these is -PDI_E_MANIFEST. */
static void malformed_rotations_are_manifest_errors(void **state)
{
        (void)state;
        static const char *const bad[] = {
            "{\"rotate\": 1}",
            "{\"rotate\": {\"retire\": \"0123456789ABCDEF\"}}",
            "{\"rotate\": {\"retire\": \"0123456789ABCDEF\", \"key\": \"" GOOD "\", \"more\": 1}}",
            /* retiring the key it adds (key id 0807060504030201) */
            "{\"rotate\": {\"retire\": \"0807060504030201\", \"key\": \"" GOOD "\"}}",
            "{\"rotate\": {\"retire\": \"0123\", \"key\": \"RWQ\"}}",
            "{\"rotate\": {\"retire\": \"0123456789ABCDEG\", \"key\": \"RWQ\"}}",
            "{\"rotate\": {\"retire\": \"0123456789ABCDEF\", \"key\": \"not base64!\"}}",
            "{\"rotate\": {\"retire\": \"0123456789ABCDEF\", \"key\": \"RWQAAAA=\"}}",
        };
        struct pdi_trust t = {.threshold = 1};
        struct pdi_trust_result res = {0};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct pdi_rotation r = {.present = true};
                struct pdi_error err = {0};
                assert_int_equal(
                    pdi_rotation_check(&t, "m", bad[i], strlen(bad[i]), NULL, 0, &res, &r, &err),
                    -PDI_E_MANIFEST);
                assert_non_null(strstr(err.msg, "manifest m: rotate: "));
                assert_true(r.present); /* untouched */
        }
}

static void no_rotation_is_none(void **state)
{
        (void)state;
        const char m[] = "{\"schema\": 1}";
        struct pdi_trust t = {.threshold = 1};
        struct pdi_trust_result res = {0};
        struct pdi_rotation r = {.present = true};
        struct pdi_error err = {0};
        assert_int_equal(pdi_rotation_check(&t, "m", m, strlen(m), NULL, 0, &res, &r, &err), 0);
        assert_false(r.present);
        assert_false(r.pending);
        assert_null(r.new_key_text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(malformed_rotations_are_manifest_errors),
            cmocka_unit_test(no_rotation_is_none),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
