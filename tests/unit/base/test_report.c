/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/report.c: actions mark the run as having changed something, notes and
 * warnings do not; the lists end up in the --json document in order. */
#include "base/report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void actions_warnings_and_json(void **state)
{
        (void)state;
        struct pdi_report r;
        assert_int_equal(pdi_report_init(&r), 0);
        assert_false(r.changed);
        pdi_report_warn(&r, "cgroup v1: %s cannot apply", "MemoryMax");
        pdi_report_note(&r, "nothing to do for %d users", 2);
        assert_false(r.changed);
        assert_int_equal(json_array_size(r.actions), 0);
        assert_int_equal(json_array_size(r.warnings), 1);
        pdi_report_action(&r, "created user %s", "polkadot");
        assert_true(r.changed);
        pdi_report_action(&r, "wrote %s", "/etc/systemd/system/polkadot.service");

        json_t *out = json_object();
        pdi_report_to_json(&r, out);
        pdi_report_done(&r); /* the document keeps its own references */
        assert_null(r.actions);
        json_t *a = json_object_get(out, "actions"), *w = json_object_get(out, "warnings");
        assert_true(json_is_array(a));
        assert_true(json_is_array(w));
        assert_int_equal(json_array_size(a), 2);
        assert_string_equal(json_string_value(json_array_get(a, 0)), "created user polkadot");
        assert_string_equal(json_string_value(json_array_get(a, 1)),
                            "wrote /etc/systemd/system/polkadot.service");
        assert_int_equal(json_array_size(w), 1);
        assert_string_equal(json_string_value(json_array_get(w, 0)),
                            "cgroup v1: MemoryMax cannot apply");
        json_decref(out);
}

static void empty_report_gives_empty_arrays(void **state)
{
        (void)state;
        struct pdi_report r;
        assert_int_equal(pdi_report_init(&r), 0);
        json_t *out = json_object();
        pdi_report_to_json(&r, out);
        assert_true(json_is_array(json_object_get(out, "actions")));
        assert_int_equal(json_array_size(json_object_get(out, "actions")), 0);
        assert_int_equal(json_array_size(json_object_get(out, "warnings")), 0);
        _cleanup_free_ char *text = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
        assert_string_equal(text, "{\"actions\":[],\"warnings\":[]}");
        json_decref(out);
        pdi_report_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(actions_warnings_and_json),
            cmocka_unit_test(empty_report_gives_empty_arrays),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
