/* SPDX-License-Identifier: Apache-2.0 */
#include "host/units.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

static struct pdi_layout layout;

static int setup(void **state)
{
        (void)state;
        return pdi_layout_init(&layout, NULL, NULL);
}

static int teardown(void **state)
{
        (void)state;
        pdi_layout_done(&layout);
        return 0;
}

static char *service(unsigned systemd_version, const char *base_path)
{
        struct pdi_settings s = {.base_path = (char *)base_path};
        struct pdi_host_facts f = {
            .ncpu = 8, .mem_bytes = 32 * GIB, .systemd_version = systemd_version};
        char *text = NULL;
        assert_int_equal(pdi_units_render_service(&layout, &s, &f, &text), 0);
        assert_non_null(text);
        return text;
}

/* The whole line "line\n" is in text. */
static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p++)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

/* A key set anywhere, uncommented. */
static bool has_key(const char *text, const char *key)
{
        size_t n = strlen(key);
        for (const char *p = text; (p = strstr(p, key)); p++)
                if ((p == text || p[-1] == '\n') && p[n] == '=')
                        return true;
        return false;
}

static void service_runs_current_as_polkadot_in_its_slice(void **state)
{
        (void)state;
        _cleanup_free_ char *t = service(252, NULL);
        assert_true(has_line(t, "User=polkadot"));
        assert_true(has_line(t, "Group=polkadot"));
        assert_true(has_line(t, "Slice=polkadot.slice"));
        assert_true(has_line(t, "ExecStart=/opt/polkadot/current/polkadot $POLKADOT_ARGS"));
        assert_true(has_line(t, "EnvironmentFile=/etc/polkadot-installer/polkadot.env"));
        assert_true(has_line(t, "ReadWritePaths=/var/lib/polkadot"));
        assert_true(has_line(t, "ProtectHome=yes"));
        assert_true(has_line(t, "Type=exec"));
        assert_true(has_line(t, "WantedBy=multi-user.target"));
        for (const char *p = t; (p = strchr(p, '@')); p++)
                assert_false(p[1] >= 'A' && p[1] <= 'Z');
}

static void service_keeps_secure_validator_mode_working(void **state)
{
        (void)state;
        _cleanup_free_ char *t = service(0, NULL); /* unknown version: the modern unit */
        assert_true(has_line(t, "RestrictNamespaces=no"));
        assert_false(has_key(t, "MemoryDenyWriteExecute"));
        assert_true(has_line(t, "CapabilityBoundingSet="));
        assert_true(has_line(t, "NoNewPrivileges=yes"));
        /* Allow list with the SVM calls, the deny list, then pivot_root again: in order. */
        const char *allow = strstr(t, "\nSystemCallFilter=@system-service\n");
        const char *svm = strstr(t, "\nSystemCallFilter=landlock_add_rule landlock_create_ruleset "
                                    "landlock_restrict_self seccomp mount umount2\n");
        const char *deny = strstr(t, "\nSystemCallFilter=~@");
        const char *pivot = strstr(t, "\nSystemCallFilter=pivot_root\n");
        assert_non_null(allow);
        assert_true(allow < svm && svm < deny && deny < pivot);
        assert_null(strstr(pivot + 1, "\nSystemCallFilter="));
}

static void old_systemd_gets_a_unit_it_can_load(void **state)
{
        (void)state;
        _cleanup_free_ char *t = service(245, NULL);
        /* Outside comments, no landlock name and no key newer than 245. */
        for (const char *p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (*p != '#')
                        assert_true(strncmp(p, "SystemCallFilter=", 17) != 0 || p[17] == '~');
        assert_false(has_key(t, "ProtectProc"));
        assert_true(has_key(t, "ProtectClock"));
        assert_true(has_key(t, "ProtectKernelLogs"));
        assert_true(has_key(t, "ProtectHostname"));
        assert_true(has_line(t, "RestrictNamespaces=no"));
        assert_true(has_line(t, "Type=exec"));
        const char *filter = strstr(t, "\nSystemCallFilter=");
        assert_non_null(filter);
        assert_null(strstr(filter, "landlock_"));
        assert_null(strstr(filter, "pivot_root"));
        assert_null(strstr(filter, " mount"));

        _cleanup_free_ char *t239 = service(239, NULL);
        assert_true(has_line(t239, "Type=simple"));
        assert_false(has_key(t239, "ProtectKernelLogs"));
        assert_false(has_key(t239, "ProtectHostname"));
        assert_false(has_key(t239, "RestrictSUIDSGID"));
        assert_false(has_key(t239, "ProtectClock"));
}

static void base_path_from_settings(void **state)
{
        (void)state;
        _cleanup_free_ char *t = service(252, "/srv/dot");
        assert_true(has_line(t, "ReadWritePaths=/srv/dot"));
        _cleanup_free_ char *h = service(252, "/home/polkadot/data");
        assert_true(has_line(h, "ReadWritePaths=/home/polkadot/data"));
        assert_true(has_line(h, "ProtectHome=read-only"));
        _cleanup_free_ char *n = service(252, "/homestead");
        assert_true(has_line(n, "ProtectHome=yes"));
}

static void memory_limits(void **state)
{
        (void)state;
        uint64_t high, max;
        pdi_units_memory_limits(64 * GIB, &high, &max);
        assert_int_equal(max / MIB, 60293);  /* 92% */
        assert_int_equal(high / MIB, 55705); /* 85% */
        pdi_units_memory_limits(16 * GIB, &high, &max);
        assert_int_equal(max / MIB, 15073);
        assert_int_equal(high / MIB, 13926);
        /* 8 GiB: the 8 GiB floor wins over 92%, leaving the host 512 MiB. */
        pdi_units_memory_limits(8 * GIB, &high, &max);
        assert_int_equal(max / MIB, 8192 - 512);
        assert_int_equal(high / MIB, 7095);
        /* 4 GiB: too small for the floor; 92% of it. */
        pdi_units_memory_limits(4 * GIB, &high, &max);
        assert_int_equal(max / MIB, 3768);
        assert_int_equal(high / MIB, 3481);
        pdi_units_memory_limits(0, &high, &max);
        assert_int_equal(max, 0);
        assert_int_equal(high, 0);
}

static void slice_has_accounting_and_limits(void **state)
{
        (void)state;
        struct pdi_host_facts f = {.ncpu = 4, .mem_bytes = 16 * GIB, .systemd_version = 252};
        _cleanup_free_ char *t = NULL;
        assert_int_equal(pdi_units_render_slice(&layout, &f, &t), 0);
        assert_true(has_line(t, "[Slice]"));
        assert_true(has_line(t, "MemoryAccounting=yes"));
        assert_true(has_line(t, "CPUAccounting=yes"));
        assert_true(has_line(t, "TasksAccounting=yes"));
        assert_true(has_line(t, "IOAccounting=yes"));
        assert_true(has_line(t, "MemoryHigh=13926M"));
        assert_true(has_line(t, "MemoryMax=15073M"));
        assert_true(has_line(t, "CPUWeight=200"));
        assert_true(has_line(t, "IOWeight=200"));
        assert_true(has_line(t, "TasksMax=4096"));
        assert_non_null(strstr(t, "polkadot.slice.d/"));
        /* TasksMax follows the CPUs, within the kernel's pid space. */
        assert_int_equal(pdi_units_tasks_max(1, 0), 4096);
        assert_int_equal(pdi_units_tasks_max(8, 4194304), 8192);
        assert_int_equal(pdi_units_tasks_max(64, 4194304), 65536);
        assert_int_equal(pdi_units_tasks_max(64, 32768), 16384);
        f.ncpu = 32;
        f.pid_max = 4194304;
        _cleanup_free_ char *big = NULL;
        assert_int_equal(pdi_units_render_slice(&layout, &f, &big), 0);
        assert_true(has_line(big, "TasksMax=32768"));

        f.mem_bytes = 0;
        _cleanup_free_ char *u = NULL;
        assert_int_equal(pdi_units_render_slice(&layout, &f, &u), 0);
        assert_true(has_line(u, "MemoryMax=infinity"));
}

static void renderer(void **state)
{
        (void)state;
        const struct pdi_units_var vars[] = {{"A", "x"}, {"B_2", "yy"}};
        char *t = NULL;
        assert_int_equal(pdi_units_render("@A@-@B_2@ @lower @A\n", vars, 2, 0, &t), 0);
        assert_string_equal(t, "x-yy @lower @A\n");
        free(t);
        const char *gated = "@SINCE_247@new\n@BEFORE_247@old\nall";
        assert_int_equal(pdi_units_render(gated, vars, 2, 252, &t), 0);
        assert_string_equal(t, "new\nall");
        free(t);
        assert_int_equal(pdi_units_render(gated, vars, 2, 245, &t), 0);
        assert_string_equal(t, "old\nall");
        free(t);
        assert_int_equal(pdi_units_render(gated, vars, 2, 0, &t), 0);
        assert_string_equal(t, "new\nall");
        free(t);
        t = NULL;
        assert_int_equal(pdi_units_render("a @NOPE@ b\n", vars, 2, 0, &t), -EINVAL);
        assert_null(t);
}

static void host_facts(void **state)
{
        (void)state;
        struct pdi_host_facts f;
        struct pdi_root host;
        assert_int_equal(pdi_root_init(&host, "/"), 0);
        assert_int_equal(pdi_host_facts_detect(&host, &f), 0);
        pdi_root_done(&host);
        assert_true(f.ncpu >= 1);
        assert_true(f.mem_bytes >= 64 * MIB);
        assert_true(f.pid_max >= 301); /* the kernel's minimum */
        /* This machine has systemd installed (the test suite needs systemd-analyze). */
        assert_true(f.systemd_version >= 200);
}

static unsigned version_in(const char *dir)
{
        struct pdi_root r;
        struct pdi_host_facts f;
        assert_int_equal(pdi_root_init(&r, dir), 0);
        assert_int_equal(pdi_host_facts_detect(&r, &f), 0);
        pdi_root_done(&r);
        return f.systemd_version;
}

static void touch(const char *dir, const char *rel, const char *text)
{
        char path[512], cmd[600];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        FILE *o = fopen(path, "we");
        assert_non_null(o);
        fputs(text, o);
        fclose(o);
}

/* The version is the root's systemd's, not the host's: an Ubuntu 20.04 tree (245) gets the
 * unit for 245 even when the host runs a newer one. */
static void systemd_version_of_the_root(void **state)
{
        (void)state;
        char dir[] = "/tmp/pdi-units-root.XXXXXX", cmd[64];
        assert_non_null(mkdtemp(dir));
        assert_int_equal(version_in(dir), 0);
        touch(dir, "usr/share/pkgconfig/systemd.pc", "Name: systemd\nVersion: 249\n");
        assert_int_equal(version_in(dir), 249);
        touch(dir, "usr/lib/systemd/libsystemd-shared-252.so", "");
        assert_int_equal(version_in(dir), 252);
        touch(dir, "usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-245.so", "");
        assert_int_equal(version_in(dir), 245);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(service_runs_current_as_polkadot_in_its_slice),
            cmocka_unit_test(service_keeps_secure_validator_mode_working),
            cmocka_unit_test(old_systemd_gets_a_unit_it_can_load),
            cmocka_unit_test(base_path_from_settings),
            cmocka_unit_test(memory_limits),
            cmocka_unit_test(slice_has_accounting_and_limits),
            cmocka_unit_test(renderer),
            cmocka_unit_test(host_facts),
            cmocka_unit_test(systemd_version_of_the_root),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
