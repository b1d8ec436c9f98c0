/* SPDX-License-Identifier: Apache-2.0 */
/* The AppArmor profiles and what the host's AppArmor says, in a scratch root that stands in
 * for the host (is_host set by hand: the knobs are read through the root-fd layer), with a
 * fake apparmor_parser that logs its arguments: never the host's AppArmor. */
#include "host/apparmor.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>

static char dir[] = "/tmp/pdi-apparmor.XXXXXX";
static char log_path[64];
static struct pdi_root root;
static struct pdi_layout layout;

static void put(const char *path, const char *text)
{
        char *parent = NULL;
        const char *base;
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, parent, 0755), 0);
        free(parent);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), 0644), 0);
}

static void rm_rf(const char *path)
{
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s%s'", dir, path);
        assert_int_equal(system(cmd), 0);
}

static char *take_log(void)
{
        char *text = NULL;
        if (pdi_read_file_at(AT_FDCWD, log_path, 1 << 16, &text, NULL) < 0)
                text = strdup("");
        unlink(log_path);
        return text;
}

static int setup(void **state)
{
        (void)state;
        char tool[128];
        assert_non_null(mkdtemp(dir));
        assert_int_equal(pdi_root_init(&root, dir), 0);
        assert_int_equal(pdi_layout_init(&layout, NULL, NULL), 0);
        snprintf(log_path, sizeof(log_path), "%s/log", dir);
        snprintf(tool, sizeof(tool), "%s/bin/apparmor_parser", dir);
        put("/bin/apparmor_parser", "");
        FILE *o = fopen(tool, "we");
        assert_non_null(o);
        fprintf(o, "#!/bin/sh\necho \"apparmor_parser $*\" >>%s\n", log_path);
        fclose(o);
        assert_int_equal(chmod(tool, 0755), 0);
        snprintf(tool, sizeof(tool), "%s/bin", dir);
        setenv("PDI_TEST_EXEC_DIR", tool, 1);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        unsetenv("PDI_TEST_EXEC_DIR");
        pdi_layout_done(&layout);
        pdi_root_done(&root);
        rm_rf("");
        return 0;
}

static size_t count(const char *text, const char *s)
{
        size_t n = 0;
        for (const char *p = text; (p = strstr(p, s)); p += strlen(s))
                n++;
        return n;
}

/* With AppArmor 4.0's ABI: both profiles, for the releases' binaries, with `userns,`. */
static void renders_for_the_install_paths(void **state)
{
        (void)state;
        _cleanup_free_ char *v4 = NULL, *v3 = NULL;
        put("/etc/apparmor.d/abi/4.0", "");
        assert_int_equal(pdi_apparmor_render(&root, &layout, &v4), 0);
        printf("%s", v4);
        assert_int_equal(count(v4, "\nabi <abi/4.0>,\n"), 1);
        assert_int_equal(count(v4, "\n  userns,\n"), 2);
        assert_non_null(strstr(v4, "\nprofile polkadot /opt/polkadot/releases/*/polkadot "
                                   "flags=(unconfined) {\n"));
        assert_non_null(strstr(v4, "\nprofile polkadot-pvf-worker /opt/polkadot/releases/*/"
                                   "polkadot-{prepare,execute}-worker flags=(unconfined) {\n"));
        assert_non_null(strstr(v4, "include if exists <local/polkadot-pvf-worker>"));
        assert_null(strchr(v4, '@'));
        /* AppArmor 3: it mediates no user namespace, and would not parse `userns,`. */
        rm_rf("/etc/apparmor.d/abi/4.0");
        put("/etc/apparmor.d/abi/3.0", "");
        assert_int_equal(pdi_apparmor_render(&root, &layout, &v3), 0);
        assert_int_equal(count(v3, "\nabi <abi/3.0>,\n"), 1);
        assert_int_equal(count(v3, "userns,"), 0);
        rm_rf("/etc/apparmor.d");
}

/* A path AppArmor would read as a pattern is refused, not written. */
static void odd_paths_are_refused(void **state)
{
        (void)state;
        struct pdi_layout odd;
        char *text = NULL;
        assert_int_equal(pdi_layout_init(&odd, NULL, "/opt/my node"), 0);
        assert_int_equal(pdi_apparmor_render(&root, &odd, &text), -EINVAL);
        pdi_layout_done(&odd);
        assert_int_equal(pdi_layout_init(&odd, NULL, "/opt/p*"), 0);
        assert_int_equal(pdi_apparmor_render(&root, &odd, &text), -EINVAL);
        pdi_layout_done(&odd);
        assert_null(text);
}

/* The knobs, injected as files of the stand-in host; any other root is never judged. */
static void detection_reads_the_knobs(void **state)
{
        (void)state;
        root.is_host = true;
        assert_false(pdi_apparmor_enabled(&root));
        assert_int_equal(pdi_apparmor_restrict_userns(&root), -ENOENT);
        put(PDI_APPARMOR_RESTRICT_USERNS, "1\n");
        assert_int_equal(pdi_apparmor_restrict_userns(&root), 1);
        put(PDI_APPARMOR_RESTRICT_USERNS, "0\n");
        assert_int_equal(pdi_apparmor_restrict_userns(&root), 0);
        put(PDI_APPARMOR_RESTRICT_USERNS, "junk\n");
        assert_int_equal(pdi_apparmor_restrict_userns(&root), -EINVAL);
        put("/sys/module/apparmor/parameters/enabled", "N\n");
        assert_false(pdi_apparmor_enabled(&root));
        put("/sys/module/apparmor/parameters/enabled", "Y\n");
        assert_true(pdi_apparmor_enabled(&root));
        rm_rf("/sys/module");
        put("/sys/kernel/security/apparmor/profiles", "polkadot (unconfined)\n");
        assert_true(pdi_apparmor_enabled(&root));
        assert_false(pdi_apparmor_profile_loaded(&root, PDI_APPARMOR_WORKER_SUFFIX));
        put(PDI_APPARMOR_PROFILES, "polkadot (unconfined)\npolkadot-pvf-worker (unconfined)\n");
        assert_true(pdi_apparmor_profile_loaded(&root, PDI_APPARMOR_WORKER_SUFFIX));
        root.is_host = false;
        assert_false(pdi_apparmor_enabled(&root));
        assert_false(pdi_apparmor_profile_loaded(&root, PDI_APPARMOR_WORKER_SUFFIX));
        assert_int_equal(pdi_apparmor_restrict_userns(&root), -EOPNOTSUPP);
        rm_rf("/sys");
        rm_rf("/proc");
}

static bool apply(struct pdi_state *st, const char *want_log)
{
        struct pdi_report rep;
        struct pdi_error err = {0};
        assert_int_equal(pdi_report_init(&rep), 0);
        if (pdi_apparmor_apply(&root, &layout, st, &rep, &err) != 0)
                fail_msg("apply: %s", err.msg);
        bool changed = rep.changed;
        pdi_report_done(&rep);
        _cleanup_free_ char *got = take_log();
        assert_string_equal(got, want_log);
        return changed;
}

/* Enabled: written and loaded once; unchanged, nothing runs again; uninstall unloads and
 * removes it. Not enabled: nothing is written on the host; a --root tree with
 * /etc/apparmor.d gets the file, loaded by its own AppArmor at boot. */
static void applies_once_and_removes(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        struct pdi_report rep;
        _cleanup_free_ char *want = NULL;
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        root.is_host = true;
        assert_false(apply(&st, ""));
        put("/sys/kernel/security/apparmor/profiles", "");
        put("/etc/apparmor.d/abi/4.0", "");
        assert_true(apply(&st, "apparmor_parser -r /etc/apparmor.d/polkadot\n"));
        _cleanup_free_ char *text = NULL;
        assert_int_equal(
            pdi_root_read_file(&root, "/etc/apparmor.d/polkadot", 1 << 16, &text, NULL), 0);
        assert_int_equal(count(text, "userns,"), 2);
        assert_false(apply(&st, ""));
        assert_int_equal(pdi_report_init(&rep), 0);
        assert_int_equal(pdi_apparmor_remove(&root, &layout, &rep, &err), 0);
        assert_true(rep.changed);
        pdi_report_done(&rep);
        _cleanup_free_ char *removed = take_log();
        assert_string_equal(removed, "apparmor_parser -R /etc/apparmor.d/polkadot\n");
        assert_int_equal(
            pdi_root_read_file(&root, "/etc/apparmor.d/polkadot", 1 << 16, &want, NULL), -ENOENT);
        root.is_host = false;
        rm_rf("/sys");
        assert_true(apply(&st, ""));
        assert_int_equal(
            pdi_root_read_file(&root, "/etc/apparmor.d/polkadot", 1 << 16, &want, NULL), 0);
        pdi_state_done(&st);
        rm_rf("/etc/apparmor.d");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(renders_for_the_install_paths),
            cmocka_unit_test(odd_paths_are_refused),
            cmocka_unit_test(detection_reads_the_knobs),
            cmocka_unit_test(applies_once_and_removes),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
