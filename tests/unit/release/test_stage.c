/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/release/stage.c on a hand-built release source: a manifest with two binaries
 * and a tar archive (built here with libarchive) whose files carry real sha256 sums. Staging
 * gives our modes and stores the manifest; publishing renames; the check names each kind of
 * damage by file; a repair swaps the good files in. A binary is the verified fd's own inode
 * (hard link) when that is safe, a copy when it is not. */
#include "release/stage.h"
#include "trust/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

#define REL "/opt/polkadot/releases/"

static const char node[] = "#!/bin/false\nthe node\n";
static const char prep[] = "#!/bin/false\nprepare worker\n";
static const char exec_w[] = "#!/bin/false\nexecute worker\n";
static const char licence[] = "GPL-3.0-only\n";

static struct {
        struct pdi_layout l;
        struct pdi_manifest *m;
        char *json;
        int fds[3];
        struct pdi_sigtext sig;
        struct pdi_release_src src;
} S;

static char *sha_of(const void *buf, size_t len)
{
        char *hex = malloc(65);
        assert_non_null(hex);
        assert_int_equal(pdi_sha256_buf(buf, len, hex), 0);
        return hex;
}

/* A host file in the test dir with these bytes, opened for reading. */
static int file_with(const char *name, const void *buf, size_t len)
{
        _cleanup_close_ int dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(pdi_write_atomic_at(dfd, name, buf, len, 0644), 0);
        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void tar_add(struct archive *a, const char *name, const char *text)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_size(e, (la_int64_t)strlen(text));
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, text, strlen(text)), (la_ssize_t)strlen(text));
        archive_entry_free(e);
}

static char *workers_tar(size_t *ret_len)
{
        static char buf[1 << 16];
        size_t used = 0;
        struct archive *a = archive_write_new();
        assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
        assert_int_equal(archive_write_open_memory(a, buf, sizeof(buf), &used), ARCHIVE_OK);
        tar_add(a, "polkadot-execute-worker", exec_w);
        tar_add(a, "LICENSE", licence);
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        *ret_len = used;
        return buf;
}

static int setup(void **state)
{
        (void)state;
        assert_int_equal(testroot_setup(), 0);
        size_t tar_len;
        const char *tar = workers_tar(&tar_len);
        _cleanup_free_ char *h_node = sha_of(node, strlen(node));
        _cleanup_free_ char *h_prep = sha_of(prep, strlen(prep));
        _cleanup_free_ char *h_tar = sha_of(tar, tar_len);
        _cleanup_free_ char *h_exec = sha_of(exec_w, strlen(exec_w));
        _cleanup_free_ char *h_lic = sha_of(licence, strlen(licence));
        int n = asprintf(
            &S.json,
            "{\"schema\": 1, \"product\": \"polkadot\", \"version\": \"1.0.0\", \"sequence\": 1,"
            " \"created\": \"2026-11-20T10:00:00Z\", \"expires\": \"2027-02-20T10:00:00Z\","
            " \"artifacts\": ["
            "{\"name\": \"polkadot\", \"role\": \"node\", \"url\": \"polkadot\", \"sha256\":"
            " \"%s\", \"size\": %zu, \"format\": \"binary\"},"
            "{\"name\": \"polkadot-prepare-worker\", \"role\": \"prepare-worker\", \"url\":"
            " \"p\", \"sha256\": \"%s\", \"size\": %zu, \"format\": \"binary\"},"
            "{\"name\": \"workers.tar\", \"role\": \"execute-worker\", \"url\": \"w.tar\","
            " \"sha256\": \"%s\", \"size\": %zu, \"format\": \"tar\", \"files\": ["
            "{\"path\": \"polkadot-execute-worker\", \"sha256\": \"%s\", \"size\": %zu},"
            "{\"path\": \"LICENSE\", \"sha256\": \"%s\", \"size\": %zu}]}]}\n",
            h_node, strlen(node), h_prep, strlen(prep), h_tar, tar_len, h_exec, strlen(exec_w),
            h_lic, strlen(licence));
        assert_true(n > 0);
        time_t now;
        struct pdi_error err = {0};
        assert_int_equal(pdi_rfc3339_parse("2026-12-01T00:00:00Z", &now), 0);
        if (pdi_manifest_parse(S.json, strlen(S.json), now, &S.m, &err) < 0)
                fail_msg("manifest: %s", err.msg);
        S.fds[0] = file_with("a-node", node, strlen(node));
        S.fds[1] = file_with("a-prep", prep, strlen(prep));
        S.fds[2] = file_with("a-tar", tar, tar_len);
        S.sig = (struct pdi_sigtext){.source = NULL, .text = (char *)"sig text\n", .len = 9};
        S.src = (struct pdi_release_src){.manifest = S.m,
                                         .manifest_bytes = S.json,
                                         .manifest_len = strlen(S.json),
                                         .sigs = &S.sig,
                                         .n_sigs = 1,
                                         .artifact_fds = S.fds};
        return pdi_layout_init(&S.l, NULL, NULL);
}

static int teardown(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(S.fds); i++)
                close(S.fds[i]);
        pdi_manifest_free(S.m);
        free(S.json);
        pdi_layout_done(&S.l);
        return testroot_teardown();
}

static void assert_file(const char *path, const char *text, size_t len, unsigned mode)
{
        struct stat st;
        if (lstat(testroot_at(path), &st) < 0)
                fail_msg("%s: %s", path, strerror(errno));
        assert_true(S_ISREG(st.st_mode));
        if ((st.st_mode & 07777) != mode)
                fail_msg("%s: mode %o, want %o", path, st.st_mode & 07777, mode);
        _cleanup_free_ char *got = NULL;
        size_t got_len;
        assert_int_equal(pdi_root_read_file(&root, path, 1 << 20, &got, &got_len), 0);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, text, len);
}

static void modes(void **state)
{
        (void)state;
        assert_int_equal(pdi_stage_mode(S.m, "polkadot"), 0755);
        assert_int_equal(pdi_stage_mode(S.m, "polkadot-prepare-worker"), 0755);
        assert_int_equal(pdi_stage_mode(S.m, "polkadot-execute-worker"), 0755);
        assert_int_equal(pdi_stage_mode(S.m, "LICENSE"), 0644);
        assert_int_equal(pdi_stage_mode(S.m, "workers.tar"), 0644);
}

static void build_and_publish(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        /* A leftover of an earlier attempt is replaced. */
        assert_int_equal(pdi_root_mkdir_p(&root, REL "1.0.0.partial/junk", 0755), 0);
        if (pdi_stage_build(&root, &S.l, &S.src, "1.0.0.partial", &err) < 0)
                fail_msg("%s", err.msg);
        assert_file(REL "1.0.0.partial/polkadot", node, strlen(node), 0755);
        assert_file(REL "1.0.0.partial/polkadot-prepare-worker", prep, strlen(prep), 0755);
        assert_file(REL "1.0.0.partial/polkadot-execute-worker", exec_w, strlen(exec_w), 0755);
        assert_file(REL "1.0.0.partial/LICENSE", licence, strlen(licence), 0644);
        assert_file(REL "1.0.0.partial/manifest.json", S.json, strlen(S.json), 0644);
        assert_file(REL "1.0.0.partial/manifest.json.minisig", "sig text\n", 9, 0644);
        assert_false(testroot_exists(REL "1.0.0.partial/junk"));
        assert_false(testroot_exists(REL "1.0.0.partial/workers.tar"));
        struct stat st;
        assert_int_equal(stat(testroot_at(REL "1.0.0.partial"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);

        assert_int_equal(pdi_stage_publish(&root, &S.l, "1.0.0.partial", "1.0.0", &err), 0);
        assert_false(testroot_exists(REL "1.0.0.partial"));
        assert_file(REL "1.0.0/polkadot", node, strlen(node), 0755);

        /* The same version again (another manifest): swapped in, the old tree removed. */
        assert_int_equal(pdi_stage_build(&root, &S.l, &S.src, "1.0.0.partial", &err), 0);
        assert_int_equal(pdi_root_write_atomic(&root, REL "1.0.0/old-marker", "x", 1, 0644), 0);
        assert_int_equal(pdi_stage_publish(&root, &S.l, "1.0.0.partial", "1.0.0", &err), 0);
        assert_false(testroot_exists(REL "1.0.0/old-marker"));
        assert_false(testroot_exists(REL "1.0.0.partial"));
        assert_file(REL "1.0.0/LICENSE", licence, strlen(licence), 0644);

        /* Publishing what is not there names the version. */
        assert_true(pdi_stage_publish(&root, &S.l, "9.9.9.partial", "9.9.9", &err) < 0);
        assert_non_null(strstr(err.msg, "publish 9.9.9: "));
}

static void failed_build_leaves_nothing(void **state)
{
        (void)state;
        /* The node's fd is shorter than its signed size. */
        int fds[3] = {file_with("short", "#!", 2), S.fds[1], S.fds[2]};
        struct pdi_release_src src = S.src;
        src.artifact_fds = fds;
        struct pdi_error err = {0};
        assert_true(pdi_stage_build(&root, &S.l, &src, "bad.partial", &err) < 0);
        assert_non_null(strstr(err.msg, "stage polkadot: "));
        assert_false(testroot_exists(REL "bad.partial"));
        assert_false(testroot_exists(REL ".delete-bad.partial"));
        close(fds[0]);
}

static void check_names_damage_then_repair(void **state)
{
        (void)state;
        char **damaged = NULL;
        size_t n = 0;
        assert_int_equal(pdi_stage_check(&root, &S.l, &S.src, &damaged, &n), 0);
        assert_int_equal(n, 0);

        /* One changed byte, one wrong mode, one file replaced by a symlink to good bytes. */
        _cleanup_close_ int w = open(testroot_at(REL "1.0.0/polkadot"), O_WRONLY | O_CLOEXEC);
        assert_true(w >= 0);
        assert_int_equal(pwrite(w, "?", 1, 3), 1);
        assert_int_equal(chmod(testroot_at(REL "1.0.0/LICENSE"), 0777), 0);
        assert_int_equal(
            rename(testroot_at(REL "1.0.0/polkadot-execute-worker"), testroot_at("/good-exec")), 0);
        assert_int_equal(
            symlink(testroot_at("/good-exec"), testroot_at(REL "1.0.0/polkadot-execute-worker")),
            0);
        assert_int_equal(pdi_stage_check(&root, &S.l, &S.src, &damaged, &n), 0);
        static const char *const want[] = {"polkadot", "polkadot-execute-worker", "LICENSE"};
        assert_int_equal(n, ELEMENTSOF(want));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(damaged[i], want[i]);

        /* The stored manifest is checked too. */
        char **d2 = NULL;
        size_t n2 = 0;
        assert_int_equal(pdi_root_write_atomic(&root, REL "1.0.0/manifest.json", "{}", 2, 0644), 0);
        assert_int_equal(pdi_stage_check(&root, &S.l, &S.src, &d2, &n2), 0);
        assert_int_equal(n2, 4);
        assert_string_equal(d2[3], "manifest.json");
        pdi_strv_free(d2, n2);

        struct pdi_error err = {0};
        assert_int_equal(pdi_stage_build(&root, &S.l, &S.src, ".repair-1.0.0", &err), 0);
        char *names[] = {damaged[0], damaged[1], damaged[2], (char *)"manifest.json"};
        assert_int_equal(pdi_stage_repair(&root, &S.l, "1.0.0", ".repair-1.0.0", names, 4, &err),
                         0);
        pdi_strv_free(damaged, n);
        assert_false(testroot_exists(REL ".repair-1.0.0"));
        damaged = NULL;
        n = 0;
        assert_int_equal(pdi_stage_check(&root, &S.l, &S.src, &damaged, &n), 0);
        assert_int_equal(n, 0);
        assert_file(REL "1.0.0/polkadot", node, strlen(node), 0755);
        assert_file(REL "1.0.0/LICENSE", licence, strlen(licence), 0644);
        assert_file(REL "1.0.0/polkadot-execute-worker", exec_w, strlen(exec_w), 0755);
        assert_true(testroot_exists("/good-exec")); /* the symlink went, not its target */

        /* A name the repair directory lacks is an error naming it. */
        assert_int_equal(pdi_stage_build(&root, &S.l, &S.src, ".repair-1.0.0", &err), 0);
        char *missing[] = {(char *)"nope"};
        assert_true(pdi_stage_repair(&root, &S.l, "1.0.0", ".repair-1.0.0", missing, 1, &err) < 0);
        assert_non_null(strstr(err.msg, "repair 1.0.0/nope: "));
}

static ino_t ino_of_fd(int fd)
{
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        return st.st_ino;
}

static ino_t ino_at(const char *path)
{
        struct stat st;
        if (lstat(testroot_at(path), &st) < 0)
                fail_msg("%s: %s", path, strerror(errno));
        return st.st_ino;
}

/* Stage with this fd as the node's; whether the release's node is that very inode. */
static bool node_linked(int fd, const char *dir)
{
        int fds[3] = {fd, S.fds[1], S.fds[2]};
        struct pdi_release_src src = S.src;
        src.artifact_fds = fds;
        struct pdi_error err = {0};
        if (pdi_stage_build(&root, &S.l, &src, dir, &err) < 0)
                fail_msg("%s", err.msg);
        char path[256];
        snprintf(path, sizeof(path), REL "%s/polkadot", dir);
        assert_file(path, node, strlen(node), 0755);
        return ino_at(path) == ino_of_fd(fd);
}

static void links_only_what_is_safe(void **state)
{
        (void)state;
        /* Ours alone, 0644, read-only: linked, and the inode now has the release's mode. */
        _cleanup_close_ int ok = file_with("l-ok", node, strlen(node));
        assert_true(node_linked(ok, "a.partial"));
        struct stat st;
        assert_int_equal(fstat(ok, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(st.st_nlink, 2);
        /* Another release from the same fd: the inode has a second name now, so this build
         * copies (two releases never share an inode). */
        assert_false(node_linked(ok, "b.partial"));

        /* Group-writable: someone else may have written it since it was hashed. */
        _cleanup_close_ int gw = file_with("l-gw", node, strlen(node));
        assert_int_equal(fchmod(gw, 0664), 0);
        assert_false(node_linked(gw, "c.partial"));

        /* A writable fd: a linked file would not even execute (ETXTBSY). */
        _cleanup_close_ int ro = file_with("l-rw", node, strlen(node));
        _cleanup_close_ int rw = openat(AT_FDCWD, tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(rw >= 0);
        _cleanup_close_ int w = openat(rw, "l-rw", O_RDWR | O_CLOEXEC);
        assert_true(w >= 0);
        assert_false(node_linked(w, "d.partial"));
        assert_int_equal(ino_of_fd(w), ino_of_fd(ro));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(modes),
            cmocka_unit_test(build_and_publish),
            cmocka_unit_test(failed_build_leaves_nothing),
            cmocka_unit_test(check_names_damage_then_repair),
            cmocka_unit_test(links_only_what_is_safe),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
