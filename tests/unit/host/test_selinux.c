/* SPDX-License-Identifier: Apache-2.0 */
#include "host/selinux.h"

#include <errno.h>
#include <fcntl.h>
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
        assert_int_equal(pdi_selinux_apply(&r, &l, NULL, NULL, &rep, &err), 0);
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

/* Fake semodule, semanage and restorecon that log their arguments, a fake module, SELinux
 * pretended on: what apply runs, and that an unchanged second run neither reloads the
 * module nor walks the base path (the chain database) again. */
struct fake {
        char dir[32], log[64], pp[64], base[64], prefix[64];
};

static void fake_tools(struct fake *f)
{
        static const char *const tools[] = {"semodule", "semanage", "restorecon"};
        char path[128];
        snprintf(f->dir, sizeof(f->dir), "/tmp/pdi-se.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
        snprintf(f->pp, sizeof(f->pp), "%s/polkadot.pp", f->dir);
        snprintf(f->base, sizeof(f->base), "%s/base", f->dir);
        snprintf(f->prefix, sizeof(f->prefix), "%s/opt", f->dir);
        assert_int_equal(mkdir(f->base, 0755), 0);
        assert_int_equal(mkdir(f->prefix, 0755), 0);
        for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
                snprintf(path, sizeof(path), "%s/%s", f->dir, tools[i]);
                FILE *o = fopen(path, "we");
                assert_non_null(o);
                fprintf(o, "#!/bin/sh\necho \"%s $*\" >>%s\n", tools[i], f->log);
                fclose(o);
                assert_int_equal(chmod(path, 0755), 0);
        }
        FILE *o = fopen(f->pp, "we");
        assert_non_null(o);
        fputs("module v1", o);
        fclose(o);
        setenv("PDI_TEST_EXEC_DIR", f->dir, 1);
        setenv("PDI_TEST_SELINUX", "enforcing", 1);
        setenv("PDI_TEST_SELINUX_PP", f->pp, 1);
}

/* The log so far, then emptied. */
static char *take_log(const struct fake *f)
{
        char *text = NULL;
        if (pdi_read_file_at(AT_FDCWD, f->log, 1 << 16, &text, NULL) < 0)
                text = strdup("");
        unlink(f->log);
        return text;
}

static void apply_once(const struct fake *f, const struct pdi_layout *l, struct pdi_state *st,
                       bool *ret_changed)
{
        struct pdi_root r;
        struct pdi_report rep;
        struct pdi_error err = {0};
        assert_int_equal(pdi_root_init(&r, "/"), 0);
        assert_int_equal(pdi_report_init(&rep), 0);
        if (pdi_selinux_apply(&r, l, f->base, st, &rep, &err) != 0)
                fail_msg("apply: %s", err.msg);
        *ret_changed = rep.changed;
        pdi_report_done(&rep);
        pdi_root_done(&r);
}

static void loads_once_and_labels_the_base_path(void **state)
{
        (void)state;
        struct fake f;
        struct pdi_layout l;
        struct pdi_state st;
        struct pdi_root sr;
        struct pdi_error err = {0};
        char want[512];
        bool changed;
        fake_tools(&f);
        assert_int_equal(pdi_layout_init(&l, NULL, f.prefix), 0);
        assert_int_equal(pdi_root_init(&sr, f.dir), 0);
        assert_int_equal(pdi_state_load(&sr, &st, &err), 0);

        /* First run: load, make the base path equivalent to the default, relabel it all. */
        apply_once(&f, &l, &st, &changed);
        assert_true(changed);
        _cleanup_free_ char *first = take_log(&f);
        snprintf(want, sizeof(want),
                 "semodule -i %s\nsemanage fcontext -a -e /var/lib/polkadot %s\n"
                 "restorecon -RF %s %s\n",
                 f.pp, f.base, f.prefix, f.base);
        assert_string_equal(first, want);

        /* Unchanged: no semodule, no semanage, the base path's top directory only. */
        apply_once(&f, &l, &st, &changed);
        assert_false(changed);
        _cleanup_free_ char *second = take_log(&f);
        snprintf(want, sizeof(want), "restorecon -RF %s\nrestorecon -F %s\n", f.prefix, f.base);
        assert_string_equal(second, want);

        /* A new module: loaded again and the base path walked again. */
        FILE *o = fopen(f.pp, "we");
        assert_non_null(o);
        fputs("module v2", o);
        fclose(o);
        apply_once(&f, &l, &st, &changed);
        assert_true(changed);
        _cleanup_free_ char *third = take_log(&f);
        snprintf(want, sizeof(want), "semodule -i %s\nrestorecon -RF %s %s\n", f.pp, f.prefix,
                 f.base);
        assert_string_equal(third, want);

        unsetenv("PDI_TEST_EXEC_DIR");
        unsetenv("PDI_TEST_SELINUX");
        unsetenv("PDI_TEST_SELINUX_PP");
        pdi_state_done(&st);
        pdi_root_done(&sr);
        pdi_layout_done(&l);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", f.dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(other_root_is_disabled),
            cmocka_unit_test(host_state_matches_selinuxfs),
            cmocka_unit_test(loads_once_and_labels_the_base_path),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
