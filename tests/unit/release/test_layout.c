/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/release/layout.c: the paths derived from an instance, version order, the
 * atomic `current` switch, links that never take over someone else's file, removal that
 * never follows a symlink out of the tree, release listing, leftover cleanup, and the
 * "a running process executes this release" test with a real process. */
#include "release/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "testroot.h"

static void put(const char *path, const char *text)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, parent, 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), 0644), 0);
}

static void link_is(const char *path, const char *want)
{
        char got[512];
        ssize_t n = readlink(testroot_at(path), got, sizeof(got) - 1);
        assert_true(n > 0);
        got[n] = '\0';
        assert_string_equal(got, want);
}

static void default_and_custom_paths(void **state)
{
        (void)state;
        struct pdi_layout l;
        assert_int_equal(pdi_layout_init(&l, NULL, NULL), 0);
        assert_string_equal(l.instance, "polkadot");
        assert_string_equal(l.prefix, "/opt/polkadot");
        assert_string_equal(l.releases, "/opt/polkadot/releases");
        assert_string_equal(l.current, "/opt/polkadot/current");
        assert_string_equal(l.bin_link, "/usr/local/bin/polkadot");
        assert_string_equal(l.cache, "/var/cache/polkadot-installer");
        assert_string_equal(l.lock, "/var/lib/polkadot-installer/lock");
        assert_string_equal(l.service, "polkadot.service");
        assert_string_equal(l.service_path, "/etc/systemd/system/polkadot.service");
        assert_string_equal(l.slice_path, "/etc/systemd/system/polkadot.slice");
        assert_string_equal(l.dropin_dir, "/etc/systemd/system/polkadot.service.d");
        assert_string_equal(l.wants_link,
                            "/etc/systemd/system/multi-user.target.wants/polkadot.service");
        assert_string_equal(l.env_file, "/etc/polkadot-installer/polkadot.env");
        assert_string_equal(l.config, "/etc/polkadot-installer/config");
        assert_string_equal(l.sysusers, "/etc/sysusers.d/polkadot.conf");
        assert_string_equal(l.tmpfiles, "/etc/tmpfiles.d/polkadot.conf");
        assert_string_equal(l.base_path, "/var/lib/polkadot");
        assert_string_equal(l.user, "polkadot");
        assert_string_equal(l.worker_user, "pvf-worker");
        pdi_layout_done(&l);
        assert_null(l.instance);
        assert_null(l.worker_user);

        /* A named instance: everything of its own follows the name ... */
        assert_int_equal(pdi_layout_init(&l, "kusama", NULL), 0);
        assert_string_equal(l.prefix, "/opt/kusama");
        assert_string_equal(l.releases, "/opt/kusama/releases");
        assert_string_equal(l.bin_link, "/usr/local/bin/kusama");
        assert_string_equal(l.service_path, "/etc/systemd/system/kusama.service");
        assert_string_equal(l.env_file, "/etc/polkadot-installer/kusama.env");
        assert_string_equal(l.base_path, "/var/lib/kusama");
        assert_string_equal(l.user, "kusama");
        /* ... while the installer's own state and cache are shared. */
        assert_string_equal(l.cache, "/var/cache/polkadot-installer");
        assert_string_equal(l.lock, "/var/lib/polkadot-installer/lock");
        pdi_layout_done(&l);

        /* A custom prefix moves only the release tree. */
        assert_int_equal(pdi_layout_init(&l, "kusama", "/srv/ksm"), 0);
        assert_string_equal(l.prefix, "/srv/ksm");
        assert_string_equal(l.releases, "/srv/ksm/releases");
        assert_string_equal(l.current, "/srv/ksm/current");
        assert_string_equal(l.bin_link, "/usr/local/bin/kusama");
        assert_string_equal(l.service, "kusama.service");
        pdi_layout_done(&l);
}

static void version_order(void **state)
{
        (void)state;
        /* Each is lower than the next. */
        static const char *const order[] = {
            "1.2.0",  "1.9.0",  "1.10.0", "1.16.0-rc1", "1.16.0-rc2", "1.16.0-rc10",
            "1.16.0", "1.16.1", "1.17.0", "2.0.0",      "10.0.0",
        };
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                assert_int_equal(pdi_version_cmp(order[i], order[i]), 0);
                for (size_t j = i + 1; j < ELEMENTSOF(order); j++) {
                        if (pdi_version_cmp(order[i], order[j]) >= 0 ||
                            pdi_version_cmp(order[j], order[i]) <= 0)
                                fail_msg("%s vs %s", order[i], order[j]);
                }
        }
}

static void switch_and_current(void **state)
{
        (void)state;
        struct pdi_layout l;
        char *v = (char *)"unset";
        assert_int_equal(pdi_layout_init(&l, NULL, NULL), 0);
        /* No prefix, then no link: no current, not an error. */
        assert_int_equal(pdi_layout_current(&root, &l, &v), 0);
        assert_null(v);
        assert_int_equal(pdi_root_mkdir_p(&root, l.releases, 0755), 0);
        assert_int_equal(pdi_layout_current(&root, &l, &v), 0);
        assert_null(v);

        assert_int_equal(pdi_layout_switch(&root, &l, "1.16.0"), 0);
        link_is("/opt/polkadot/current", "releases/1.16.0");
        assert_int_equal(pdi_layout_current(&root, &l, &v), 0);
        assert_string_equal(v, "1.16.0");
        free(v);
        assert_int_equal(pdi_layout_switch(&root, &l, "1.17.0"), 0);
        link_is("/opt/polkadot/current", "releases/1.17.0");
        assert_false(testroot_exists("/opt/polkadot/.current.new"));
        assert_int_equal(pdi_layout_current(&root, &l, &v), 0);
        assert_string_equal(v, "1.17.0");
        free(v);

        /* Links we did not make are not read as a version. */
        static const char *const foreign[] = {"/usr/bin/polkadot", "releases/1.0.0/sub",
                                              "releases/", "../releases/1.0.0", "other/1.0.0"};
        for (size_t i = 0; i < ELEMENTSOF(foreign); i++) {
                assert_int_equal(unlink(testroot_at("/opt/polkadot/current")), 0);
                assert_int_equal(symlink(foreign[i], testroot_at("/opt/polkadot/current")), 0);
                v = NULL;
                assert_int_equal(pdi_layout_current(&root, &l, &v), -EUCLEAN);
                assert_null(v);
        }
        /* A switch replaces even a foreign link. */
        assert_int_equal(pdi_layout_switch(&root, &l, "1.16.0"), 0);
        link_is("/opt/polkadot/current", "releases/1.16.0");
        pdi_layout_done(&l);
}

static void links(void **state)
{
        (void)state;
        const char *target = "/opt/polkadot/current/polkadot";
        assert_int_equal(pdi_layout_link(&root, "/usr/local/bin/polkadot", target), 0);
        link_is("/usr/local/bin/polkadot", target);
        assert_int_equal(pdi_layout_link(&root, "/usr/local/bin/polkadot", target), 0);
        link_is("/usr/local/bin/polkadot", target);

        /* Ours (into a current/ tree) is replaced. */
        assert_int_equal(symlink("/opt/kusama/current/polkadot", testroot_at("/usr/local/bin/old")),
                         0);
        assert_int_equal(pdi_layout_link(&root, "/usr/local/bin/old", target), 0);
        link_is("/usr/local/bin/old", target);

        /* Somebody else's link or file is left alone. */
        assert_int_equal(symlink("/usr/bin/polkadot", testroot_at("/usr/local/bin/theirs")), 0);
        assert_int_equal(pdi_layout_link(&root, "/usr/local/bin/theirs", target), -EEXIST);
        link_is("/usr/local/bin/theirs", "/usr/bin/polkadot");
        put("/usr/local/bin/file", "#!/bin/sh\n");
        assert_int_equal(pdi_layout_link(&root, "/usr/local/bin/file", target), -EEXIST);
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(pdi_root_read_file(&root, "/usr/local/bin/file", 100, &text, &len), 0);
        assert_string_equal(text, "#!/bin/sh\n");
        assert_false(testroot_exists("/usr/local/bin/.file.new"));
        assert_false(testroot_exists("/usr/local/bin/.theirs.new"));
}

static void rm_rf_stays_inside(void **state)
{
        (void)state;
        put("/tree/a/b/c/deep", "x");
        put("/tree/a/file", "x");
        put("/tree/top", "x");
        put("/outside/keep", "precious");
        assert_int_equal(symlink(testroot_at("/outside"), testroot_at("/tree/a/escape")), 0);
        assert_int_equal(symlink("../outside", testroot_at("/tree/rel-escape")), 0);
        assert_int_equal(symlink(testroot_at("/outside/keep"), testroot_at("/tree/a/b/filelink")),
                         0);
        assert_int_equal(symlink(testroot_at("/outside"), testroot_at("/toplink")), 0);

        _cleanup_close_ int dfd = pdi_root_open(&root, "/", O_RDONLY | O_DIRECTORY, 0);
        assert_true(dfd >= 0);
        assert_int_equal(pdi_rm_rf_at(dfd, "tree"), 0);
        assert_false(testroot_exists("/tree"));
        assert_false(testroot_exists("/.delete-tree"));
        /* A symlink given as the name itself is removed, not its target. */
        assert_int_equal(pdi_rm_rf_at(dfd, "toplink"), 0);
        assert_false(testroot_exists("/toplink"));
        assert_true(testroot_exists("/outside/keep"));
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(pdi_root_read_file(&root, "/outside/keep", 100, &text, &len), 0);
        assert_string_equal(text, "precious");
        /* Nothing there is fine; a leftover of an interrupted removal goes first. */
        assert_int_equal(pdi_rm_rf_at(dfd, "nothing"), 0);
        put("/.delete-again/stale", "x");
        put("/again/new", "x");
        assert_int_equal(pdi_rm_rf_at(dfd, "again"), 0);
        assert_false(testroot_exists("/again"));
        assert_false(testroot_exists("/.delete-again"));
        assert_int_equal(pdi_rm_rf_at(dfd, "outside"), 0);
}

static void list_releases(void **state)
{
        (void)state;
        struct pdi_layout l;
        assert_int_equal(pdi_layout_init(&l, "list", NULL), 0);
        char **v = NULL;
        size_t n = 9;
        assert_int_equal(pdi_layout_list_releases(&root, &l, &v, &n), 0); /* no releases/ */
        assert_int_equal(n, 0);
        static const char *const dirs[] = {"1.10.0",        "1.9.0",         "1.16.0",
                                           "1.16.0-rc1",    "1.2.0.partial", ".delete-1.3.0",
                                           ".repair-1.9.0", "notaversion"};
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char p[128];
                snprintf(p, sizeof(p), "/opt/list/releases/%s", dirs[i]);
                assert_int_equal(pdi_root_mkdir_p(&root, p, 0755), 0);
        }
        /* an operator's file and a link are not releases */
        put("/opt/list/releases/notes.txt", "mine\n");
        assert_int_equal(symlink("1.9.0", testroot_at("/opt/list/releases/1.20.0")), 0);
        assert_int_equal(pdi_layout_list_releases(&root, &l, &v, &n), 0);
        static const char *const want[] = {"1.9.0", "1.10.0", "1.16.0-rc1", "1.16.0"};
        assert_int_equal(n, ELEMENTSOF(want));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v[i], want[i]);
        pdi_strv_free(v, n);
        pdi_layout_done(&l);
}

struct seen {
        char names[8][64];
        size_t n;
};

static void note(const char *what, void *userdata)
{
        struct seen *s = userdata;
        assert_true(s->n < ELEMENTSOF(s->names));
        snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", what);
}

static bool was_seen(const struct seen *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->names[i], name))
                        return true;
        return false;
}

static void cleanup_leftovers(void **state)
{
        (void)state;
        struct pdi_layout l;
        struct seen s = {0};
        assert_int_equal(pdi_layout_init(&l, "clean", NULL), 0);
        assert_int_equal(pdi_layout_cleanup(&root, &l, note, &s), 0); /* nothing there */
        assert_int_equal(s.n, 0);
        put("/opt/clean/releases/1.0.0/polkadot", "keep");
        put("/opt/clean/releases/1.1.0.partial/polkadot", "x");
        put("/opt/clean/releases/.delete-0.9.0/polkadot", "x");
        put("/opt/clean/releases/.repair-1.0.0/polkadot", "x");
        put("/opt/clean/releases/2.0.0.partial", "a file, not a dir");
        assert_int_equal(symlink("releases/1.1.0", testroot_at("/opt/clean/.current.new")), 0);
        assert_int_equal(pdi_layout_cleanup(&root, &l, note, &s), 0);
        assert_int_equal(s.n, 5);
        static const char *const gone[] = {"1.1.0.partial", ".delete-0.9.0", ".repair-1.0.0",
                                           "2.0.0.partial"};
        for (size_t i = 0; i < ELEMENTSOF(gone); i++) {
                char p[128];
                snprintf(p, sizeof(p), "/opt/clean/releases/%s", gone[i]);
                assert_false(testroot_exists(p));
                assert_true(was_seen(&s, gone[i]));
        }
        assert_true(was_seen(&s, ".current.new"));
        assert_false(testroot_exists("/opt/clean/.current.new"));
        assert_true(testroot_exists("/opt/clean/releases/1.0.0/polkadot"));
        /* Again: nothing left to report. */
        s.n = 0;
        assert_int_equal(pdi_layout_cleanup(&root, &l, note, &s), 0);
        assert_int_equal(s.n, 0);
        pdi_layout_done(&l);
}

/* Wait until /proc/<pid>/exe names path (the child has exec'd). */
static bool wait_exe(pid_t pid, const char *path)
{
        char link[64], exe[512];
        snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
        for (int i = 0; i < 500; i++) {
                ssize_t n = readlink(link, exe, sizeof(exe) - 1);
                if (n > 0) {
                        exe[n] = '\0';
                        if (streq(exe, path))
                                return true;
                }
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        return false;
}

static void in_use_by_a_running_process(void **state)
{
        (void)state;
        _cleanup_free_ char *sleep_bin = NULL;
        size_t len;
        assert_int_equal(pdi_read_file_at(AT_FDCWD, "/bin/sleep", 16 << 20, &sleep_bin, &len), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, "/opt/use/releases/1.0.0", 0755), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, "/opt/use/releases/1.0.1", 0755), 0);
        assert_int_equal(
            pdi_root_write_atomic(&root, "/opt/use/releases/1.0.0/polkadot", sleep_bin, len, 0755),
            0);
        assert_false(pdi_layout_in_use(&root, "/opt/use/releases/1.0.0"));

        char path[PATH_MAX];
        assert_non_null(realpath(testroot_at("/opt/use/releases/1.0.0/polkadot"), path));
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl(path, "polkadot", "60", (char *)NULL);
                _exit(127);
        }
        bool started = wait_exe(pid, path);
        bool used = pdi_layout_in_use(&root, "/opt/use/releases/1.0.0");
        bool sibling = pdi_layout_in_use(&root, "/opt/use/releases/1.0.1");
        /* "releases/1.0" is a prefix of the path, not the directory it is in. */
        bool prefix = pdi_layout_in_use(&root, "/opt/use/releases/1.0");
        kill(pid, SIGKILL);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(started);
        assert_true(used);
        assert_false(sibling);
        assert_false(prefix);
        assert_false(pdi_layout_in_use(&root, "/opt/use/releases/1.0.0"));
        assert_false(pdi_layout_in_use(&root, "/opt/use/releases/missing"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(default_and_custom_paths),
            cmocka_unit_test(version_order),
            cmocka_unit_test(switch_and_current),
            cmocka_unit_test(links),
            cmocka_unit_test(rm_rf_stays_inside),
            cmocka_unit_test(list_releases),
            cmocka_unit_test(cleanup_leftovers),
            cmocka_unit_test(in_use_by_a_running_process),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
