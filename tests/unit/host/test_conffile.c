/* SPDX-License-Identifier: Apache-2.0 */
#include "host/conffile.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testroot.h"

static char *read_back(const char *path)
{
        char *buf = NULL;
        return pdi_root_read_file(&root, path, 4096, &buf, NULL) == 0 ? buf : NULL;
}

/* New → written; same → unchanged; ours but outdated → replaced; edited → kept + .new. */
static void dpkg_like(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_report rep;
        struct pdi_error err = {0};
        enum pdi_conffile_result res;
        const char *path = "/etc/systemd/system/polkadot.service";
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        assert_int_equal(pdi_report_init(&rep), 0);

        assert_int_equal(pdi_conffile_write(&root, &st, path, "v1\n", 0644, &rep, &res, &err), 0);
        assert_int_equal(res, PDI_CONFFILE_WRITTEN);
        assert_int_equal(pdi_conffile_write(&root, &st, path, "v1\n", 0644, &rep, &res, &err), 0);
        assert_int_equal(res, PDI_CONFFILE_UNCHANGED);
        assert_int_equal(pdi_conffile_write(&root, &st, path, "v2\n", 0644, &rep, &res, &err), 0);
        assert_int_equal(res, PDI_CONFFILE_WRITTEN);
        char *got = read_back(path);
        assert_string_equal(got, "v2\n");
        free(got);

        /* The operator edits it: theirs stays, ours goes beside it, and a warning says so. */
        assert_int_equal(pdi_root_write_atomic(&root, path, "mine\n", 5, 0644), 0);
        size_t warnings = json_array_size(rep.warnings);
        assert_int_equal(pdi_conffile_write(&root, &st, path, "v3\n", 0644, &rep, &res, &err), 0);
        assert_int_equal(res, PDI_CONFFILE_KEPT);
        got = read_back(path);
        assert_string_equal(got, "mine\n");
        free(got);
        got = read_back("/etc/systemd/system/polkadot.service.new");
        assert_string_equal(got, "v3\n");
        free(got);
        assert_int_equal(json_array_size(rep.warnings), warnings + 1);
        assert_non_null(
            strstr(json_string_value(json_array_get(rep.warnings, warnings)), "edited by hand"));
        /* A file that existed before we ever wrote one is the operator's too. */
        const char *other = "/etc/polkadot-installer/polkadot.env";
        assert_int_equal(pdi_root_mkdir_p(&root, "/etc/polkadot-installer", 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, other, "X=1\n", 4, 0644), 0);
        assert_int_equal(pdi_conffile_write(&root, &st, other, "X=2\n", 0644, &rep, &res, &err), 0);
        assert_int_equal(res, PDI_CONFFILE_KEPT);
        pdi_report_done(&rep);
        pdi_state_done(&st);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(dpkg_like),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
