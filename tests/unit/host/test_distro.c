/* SPDX-License-Identifier: Apache-2.0 */
#include "host/distro.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

/* Each test gets a fresh root (the template is reset for mkdtemp). */
static int setup(void **state)
{
        (void)state;
        strcpy(tmpl, "/tmp/pdi-unit.XXXXXX");
        assert_int_equal(testroot_setup(), 0);
        return pdi_root_mkdir_p(&root, "/etc", 0755);
}

static int teardown(void **state)
{
        (void)state;
        return testroot_teardown();
}

static void put(const char *path, const char *text)
{
        assert_int_equal(pdi_root_mkdir_p(&root, "/usr/lib", 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), 0644), 0);
}

static void put_fixture(const char *name)
{
        const char *src = getenv("PDI_SOURCE_DIR");
        char path[512];
        char *text = NULL;
        snprintf(path, sizeof(path), "%s/tests/fixtures/os-release/%s", src ? src : PDI_SOURCE_DIR,
                 name);
        assert_int_equal(pdi_read_file_at(AT_FDCWD, path, 65536, &text, NULL), 0);
        put("/etc/os-release", text);
        free(text);
}

static const struct {
        const char *fixture;
        const char *id;
        enum pdi_init_system init;
        const char *nologin;
} cases[] = {
    {"debian", "debian", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"ubuntu", "ubuntu", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"fedora", "fedora", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"rhel", "rhel", PDI_INIT_SYSTEMD, "/sbin/nologin"},
    {"rocky", "rhel", PDI_INIT_SYSTEMD, "/sbin/nologin"},
    {"almalinux", "rhel", PDI_INIT_SYSTEMD, "/sbin/nologin"},
    {"arch", "arch", PDI_INIT_SYSTEMD, "/usr/bin/nologin"},
    {"opensuse-leap", "opensuse", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"opensuse-tumbleweed", "opensuse", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"sles", "opensuse", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
    {"alpine", "alpine", PDI_INIT_OPENRC, "/sbin/nologin"},
    {"nixos", "nixos", PDI_INIT_NIXOS, "/run/current-system/sw/bin/nologin"},
    /* not in the table by ID: matched through ID_LIKE, first word first */
    {"linuxmint", "ubuntu", PDI_INIT_SYSTEMD, "/usr/sbin/nologin"},
};

static void each_fixture_maps(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct pdi_distro *d = NULL;
                struct pdi_error err = {0};
                put_fixture(cases[i].fixture);
                int k = pdi_distro_detect(&root, &d, &err);
                if (k != 0)
                        fail_msg("%s: %s", cases[i].fixture, err.msg);
                assert_non_null(d);
                if (!streq(d->id, cases[i].id))
                        fail_msg("%s: got adapter %s, want %s", cases[i].fixture, d->id,
                                 cases[i].id);
                assert_int_equal(d->init, cases[i].init);
                assert_string_equal(d->nologin, cases[i].nologin);
                assert_non_null(d->admin_groups[0]);
        }
}

static void unknown_names_the_id(void **state)
{
        (void)state;
        const struct pdi_distro *d = NULL;
        struct pdi_error err = {0};
        put_fixture("gentoo");
        assert_int_equal(pdi_distro_detect(&root, &d, &err), -PDI_E_FAILED);
        assert_null(d);
        assert_non_null(strstr(err.msg, "ID=gentoo"));
}

/* /usr/lib/os-release when /etc has none; single quotes, escapes, blanks. */
static void fallback_and_quoting(void **state)
{
        (void)state;
        const struct pdi_distro *d = NULL;
        struct pdi_error err = {0};
        unlinkat(root.fd, "etc/os-release", 0);
        put("/usr/lib/os-release", "NAME=\"Some \\\"Derivative\\\"\"\nID='mything'\n"
                                   "  ID_LIKE=\"centos  rhel\"\n");
        assert_int_equal(pdi_distro_detect(&root, &d, &err), 0);
        assert_string_equal(d->id, "rhel");
        put("/usr/lib/os-release", "ID=\"arch\"\r\n");
        assert_int_equal(pdi_distro_detect(&root, &d, &err), 0);
        assert_string_equal(d->id, "arch");
}

/* A --root tree without os-release gets the generic systemd adapter, flagged by 1; on the
 * host the same would be an error (not testable here without touching the host). */
static void missing_is_generic_under_root(void **state)
{
        (void)state;
        const struct pdi_distro *d = NULL;
        struct pdi_error err = {0};
        unlinkat(root.fd, "etc/os-release", 0);
        unlinkat(root.fd, "usr/lib/os-release", 0);
        assert_int_equal(pdi_distro_detect(&root, &d, &err), 1);
        assert_string_equal(d->id, "generic");
        assert_int_equal(d->init, PDI_INIT_SYSTEMD);
        assert_string_equal(err.msg, "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(each_fixture_maps, setup, teardown),
            cmocka_unit_test_setup_teardown(unknown_names_the_id, setup, teardown),
            cmocka_unit_test_setup_teardown(fallback_and_quoting, setup, teardown),
            cmocka_unit_test_setup_teardown(missing_is_generic_under_root, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
