/* SPDX-License-Identifier: Apache-2.0 */
#include "base/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

static void write_read_round_trip(void **state)
{
        (void)state;
        assert_int_equal(pdi_root_mkdir_p(&root, "/var/lib/x", 0700), 0);
        assert_int_equal(pdi_root_write_atomic(&root, "/var/lib/x/f", "hello", 5, 0600), 0);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(pdi_root_read_file(&root, "/var/lib/x/f", 100, &buf, &len), 0);
        assert_int_equal(len, 5);
        assert_string_equal(buf, "hello");
        free(buf);
        struct stat st;
        char path[256];
        snprintf(path, sizeof(path), "%s/var/lib/x/f", tmpl);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        /* size cap */
        assert_int_equal(pdi_root_read_file(&root, "/var/lib/x/f", 4, &buf, &len), -EFBIG);
}

/* An absolute symlink planted in the root resolves inside the root, never on the host. */
static void symlinks_stay_inside(void **state)
{
        (void)state;
        char link[256];
        assert_int_equal(pdi_root_mkdir_p(&root, "/etc", 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, "/etc/hostname", "inside", 6, 0644), 0);
        snprintf(link, sizeof(link), "%s/planted", tmpl);
        assert_int_equal(symlink("/etc/hostname", link), 0);
        char *buf = NULL;
        assert_int_equal(pdi_root_read_file(&root, "/planted", 100, &buf, NULL), 0);
        assert_string_equal(buf, "inside");
        free(buf);
        assert_int_equal(pdi_root_read_file(&root, "/../../../etc/hostname", 100, &buf, NULL), 0);
        assert_string_equal(buf, "inside");
        free(buf);
        /* Creating through a symlink as the last component is refused. */
        int fd = pdi_root_open(&root, "/planted", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_int_equal(fd, -ELOOP);
}

static void atomic_write_replaces_not_follows(void **state)
{
        (void)state;
        char link[256], target[256];
        snprintf(target, sizeof(target), "%s/target", tmpl);
        snprintf(link, sizeof(link), "%s/etc/replaced", tmpl);
        assert_int_equal(pdi_root_write_atomic(&root, "/target", "keep", 4, 0644), 0);
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(pdi_root_write_atomic(&root, "/etc/replaced", "new", 3, 0644), 0);
        char *buf = NULL;
        assert_int_equal(pdi_root_read_file(&root, "/target", 100, &buf, NULL), 0);
        assert_string_equal(buf, "keep");
        free(buf);
        struct stat st;
        assert_int_equal(lstat(link, &st), 0);
        assert_true(S_ISREG(st.st_mode));
}

static void read_refuses_non_regular(void **state)
{
        (void)state;
        char *buf = NULL;
        assert_int_equal(pdi_root_read_file(&root, "/etc", 100, &buf, NULL), -EINVAL);
        assert_int_equal(pdi_root_read_file(&root, "/missing", 100, &buf, NULL), -ENOENT);
}

/* Host paths typed on the command line: symlinks are followed, non-regular files refused
 * without blocking (a FIFO with no writer would otherwise hang the open). */
static void host_file_follows_links(void **state)
{
        (void)state;
        char target[256], link[256], fifo[256];
        snprintf(target, sizeof(target), "%s/host-target", tmpl);
        snprintf(link, sizeof(link), "%s/host-link", tmpl);
        snprintf(fifo, sizeof(fifo), "%s/host-fifo", tmpl);
        assert_int_equal(pdi_root_write_atomic(&root, "/host-target", "data", 4, 0644), 0);
        assert_int_equal(symlink("host-target", link), 0);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(pdi_read_host_file(link, 100, &buf, &len), 0);
        assert_int_equal(len, 4);
        assert_string_equal(buf, "data");
        free(buf);
        assert_int_equal(pdi_read_host_file(link, 3, &buf, &len), -EFBIG);
        assert_int_equal(pdi_read_host_file(fifo, 100, &buf, &len), -EINVAL);
        assert_int_equal(pdi_read_host_file(tmpl, 100, &buf, &len), -EINVAL);
        assert_string_equal(pdi_read_strerror(-EINVAL), "not a regular file");
        assert_string_equal(pdi_read_strerror(-ENOENT), strerror(ENOENT));
        /* The plain *at reader keeps refusing a symlink as the last component. */
        assert_int_equal(pdi_read_file_at(AT_FDCWD, link, 100, &buf, &len), -ELOOP);
}

static void path_split(void **state)
{
        (void)state;
        char *parent = NULL;
        const char *base = NULL;
        assert_int_equal(pdi_path_split("/a/b/c", &parent, &base), 0);
        assert_string_equal(parent, "/a/b");
        assert_string_equal(base, "c");
        free(parent);
        assert_int_equal(pdi_path_split("/c", &parent, &base), 0);
        assert_string_equal(parent, "/");
        free(parent);
        assert_int_equal(pdi_path_split("/a/", &parent, &base), -EINVAL);
}

/* The parent directory of a path, opened inside the root: made first only when asked, and
 * the base points at the last component for *at calls. */
static void open_parent(void **state)
{
        (void)state;
        const char *base = NULL;
        assert_int_equal(pdi_root_open_parent(&root, "/p/q/file", 0, &base), -ENOENT);
        int dfd = pdi_root_open_parent(&root, "/p/q/file", 0750, &base);
        assert_true(dfd >= 0);
        assert_string_equal(base, "file");
        assert_int_equal(pdi_write_atomic_at(dfd, base, "x", 1, 0600), 0);
        close(dfd);
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/p/q/file", tmpl);
        assert_int_equal(stat(path, &st), 0);
        snprintf(path, sizeof(path), "%s/p/q", tmpl);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0750);
        /* An existing parent is opened as it is; a relative path is refused. */
        dfd = pdi_root_open_parent(&root, "/p/q/other", 0, &base);
        assert_true(dfd >= 0);
        close(dfd);
        assert_int_equal(pdi_root_open_parent(&root, "file", 0, &base), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(write_read_round_trip),
            cmocka_unit_test(symlinks_stay_inside),
            cmocka_unit_test(atomic_write_replaces_not_follows),
            cmocka_unit_test(read_refuses_non_regular),
            cmocka_unit_test(host_file_follows_links),
            cmocka_unit_test(path_split),
            cmocka_unit_test(open_parent),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
