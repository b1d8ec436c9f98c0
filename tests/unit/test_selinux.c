#include "selinux.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

/* A --root tree is never the host's SELinux: one note, nothing loaded, nothing changed. */
static void other_root_is_disabled(void **state)
{
        (void)state;
        char dir[] = "/tmp/pdi-selinux.XXXXXX";
        struct pdi_root r;
        struct pdi_layout l;
        struct pdi_report rep;
        struct pdi_error err = {0};
        assert_non_null(mkdtemp(dir));
        assert_int_equal(pdi_root_init(&r, dir), 0);
        assert_int_equal(pdi_layout_init(&l, NULL, NULL), 0);
        assert_int_equal(pdi_report_init(&rep), 0);
        assert_string_equal(pdi_selinux_state(&r), "disabled");
        assert_int_equal(pdi_selinux_apply(&r, &l, &rep, &err), 0);
        assert_false(rep.changed);
        pdi_report_done(&rep);
        pdi_layout_done(&l);
        pdi_root_done(&r);
        rmdir(dir);
}

static void host_state_matches_selinuxfs(void **state)
{
        (void)state;
        struct pdi_root r;
        assert_int_equal(pdi_root_init(&r, "/"), 0);
        const char *s = pdi_selinux_state(&r);
        FILE *f = fopen("/sys/fs/selinux/enforce", "re");
        int c = f ? fgetc(f) : EOF;
        if (f)
                fclose(f);
        assert_string_equal(s, c == '1' ? "enforcing" : c == '0' ? "permissive" : "disabled");
        pdi_root_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(other_root_is_disabled),
            cmocka_unit_test(host_state_matches_selinuxfs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
