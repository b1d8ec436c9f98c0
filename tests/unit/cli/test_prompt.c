/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/cli/prompt.c: one question asked over in-memory streams: the default
 * on Enter, '-' for empty, a refused answer explained and asked again, the telemetry row over
 * two settings, end of input and too many refusals as usage errors naming the flag. */
#include "cli/prompt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static struct pdi_layout layout;
static struct pdi_settings s;
static char *said;
static size_t said_len;

static int setup(void **state)
{
        (void)state;
        assert_int_equal(pdi_layout_init(&layout, NULL, NULL), 0);
        pdi_settings_init(&s, &layout);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        pdi_settings_done(&s);
        pdi_layout_done(&layout);
        free(said);
        said = NULL;
        return 0;
}

/* Ask the question of key with the answers in typed; what was said lands in `said`. */
static int ask(const char *key, const char *typed, struct pdi_error *err)
{
        FILE *in = fmemopen((void *)typed, strlen(typed), "r");
        free(said);
        said = NULL;
        FILE *out = open_memstream(&said, &said_len);
        assert_non_null(in);
        assert_non_null(out);
        const struct pdi_question *q = pdi_question_find(key);
        assert_non_null(q);
        int k = pdi_prompt_question(q, &s, in, out, err);
        fclose(in);
        fclose(out);
        return k;
}

static void default_on_enter_and_refusal_explained(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(ask("chain", "\n", &err), 0);
        assert_string_equal(s.chain, "polkadot");
        assert_string_equal(said, "Chain (polkadot, kusama, westend, paseo, or a chain-spec "
                                  "path) [polkadot]: ");
        assert_int_equal(ask("node_name", "my node\r\nval-01\n", &err), 0);
        assert_string_equal(s.node_name, "val-01");
        assert_non_null(strstr(said, "[]:   setting node_name: 'my node' has a blank\nNode name"));
        assert_int_equal(ask("rpc_port", "99999\n9944\n", &err), 0);
        assert_int_equal(s.rpc_port, 9944);
        assert_non_null(strstr(said, "'99999' is not a port from 1 to 65535"));
        /* the current answer is the default; '-' empties it */
        assert_int_equal(ask("rpc_port", "-\n", &err), 0);
        assert_non_null(strstr(said, "[9944]: "));
        assert_int_equal(s.rpc_port, 0);
}

static void telemetry_is_one_question_over_two_settings(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(ask("no_telemetry", "off\n", &err), 0);
        assert_true(s.no_telemetry);
        assert_null(s.telemetry_url);
        assert_int_equal(ask("telemetry_url", "http://x\nwss://telemetry.example/submit 0\n", &err),
                         0);
        assert_non_null(strstr(said, "[off]: "));
        assert_non_null(strstr(said, "setting telemetry_url: 'http://x'"));
        assert_false(s.no_telemetry);
        assert_string_equal(s.telemetry_url, "wss://telemetry.example/submit 0");
        assert_int_equal(ask("telemetry_url", "default\n", &err), 0);
        assert_false(s.no_telemetry);
        assert_null(s.telemetry_url);
        assert_int_equal(pdi_settings_validate(&s, &err), 0);
}

static void end_of_input_and_tries_are_usage_errors(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(ask("validator", "", &err), -PDI_E_USAGE);
        assert_string_equal(err.msg, "setup: no answer for validator; nothing was changed; pass "
                                     "--validator (or -y for the defaults)");
        err = (struct pdi_error){0};
        assert_int_equal(ask("validator", "maybe\nperhaps\nx\nyes\n", &err), -PDI_E_USAGE);
        assert_string_equal(err.msg, "setup: no valid answer for validator after 3 tries; "
                                     "nothing was changed");
        assert_false(s.validator);
        err = (struct pdi_error){0};
        /* a NUL inside an answer is refused, not cut short */
        FILE *in = fmemopen((void *)"yes\0no\nyes\n", 11, "r");
        free(said);
        said = NULL;
        FILE *out = open_memstream(&said, &said_len);
        assert_int_equal(pdi_prompt_question(pdi_question_find("validator"), &s, in, out, &err), 0);
        fclose(in);
        fclose(out);
        assert_non_null(strstr(said, "  setting validator: the answer has a NUL byte\n"));
        assert_true(s.validator);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(default_on_enter_and_refusal_explained, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(telemetry_is_one_question_over_two_settings, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(end_of_input_and_tries_are_usage_errors, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
