/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/fetch/cache.c with a local-path source (no network): a miss downloads, a hit
 * is re-hashed and served, a rotted or planted entry is dropped and fetched again, and wrong
 * bytes leave neither an entry nor a partial file behind. */
#include "fetch/cache.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

#define CACHE "/var/cache/polkadot-installer"

static const struct pdi_fetch_opts fast = {.retries = 1, .backoff_ms = 10};
static char data[3000];
static char sha[65];
static char src[512];
static const char *urls[1] = {src};
static int cache_fd = -1;

static int setup(void **state)
{
        (void)state;
        if (testroot_setup() < 0)
                return -1;
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (char)(i * 7 + 3);
        snprintf(src, sizeof(src), "%s/artifact", tmpl);
        _cleanup_close_ int dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || pdi_write_atomic_at(dfd, "artifact", data, sizeof(data), 0644) < 0)
                return -1;
        return pdi_sha256_buf(data, sizeof(data), sha);
}

static int teardown(void **state)
{
        (void)state;
        if (cache_fd >= 0)
                close(cache_fd);
        return testroot_teardown();
}

static bool cached(const char *name)
{
        struct stat st;
        return fstatat(cache_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void assert_fd_has_data(int fd)
{
        char buf[sizeof(data) + 10];
        ssize_t n = read(fd, buf, sizeof(buf));
        assert_int_equal(n, sizeof(data));
        assert_memory_equal(buf, data, sizeof(data));
}

static int get(const char *want_sha, int *ret_fd, bool *ret_downloaded, struct pdi_error *err)
{
        *err = (struct pdi_error){0};
        return pdi_cache_get(cache_fd, &fast, urls, 1, want_sha, sizeof(data), ret_fd,
                             ret_downloaded, err);
}

static void open_creates_private_dir(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_int_equal(pdi_cache_open(&root, CACHE, &cache_fd, &err), 0);
        assert_true(cache_fd >= 0);
        struct stat st;
        char path[512];
        snprintf(path, sizeof(path), "%s%s", tmpl, CACHE);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);
        /* A file in the way is an error naming the cache. */
        assert_int_equal(pdi_root_write_atomic(&root, "/var/cache/file", "x", 1, 0644), 0);
        int fd = -1;
        assert_true(pdi_cache_open(&root, "/var/cache/file", &fd, &err) < 0);
        assert_int_equal(fd, -1);
        assert_non_null(strstr(err.msg, "cache /var/cache/file: "));
}

static void miss_then_hit(void **state)
{
        (void)state;
        struct pdi_error err;
        bool downloaded = false;
        int fd = -1;
        assert_int_equal(get(sha, &fd, &downloaded, &err), 0);
        assert_true(downloaded);
        assert_fd_has_data(fd);
        close(fd);
        assert_true(cached(sha));
        char part[80];
        snprintf(part, sizeof(part), "%s.part", sha);
        assert_false(cached(part));

        /* The source may vanish now: a hit needs no download. */
        char moved[520];
        snprintf(moved, sizeof(moved), "%s.away", src);
        assert_int_equal(rename(src, moved), 0);
        fd = -1;
        assert_int_equal(get(sha, &fd, &downloaded, &err), 0);
        assert_false(downloaded);
        assert_fd_has_data(fd);
        close(fd);
        assert_int_equal(rename(moved, src), 0);
}

static void rotted_entry_is_fetched_again(void **state)
{
        (void)state;
        /* Flip one byte of the cached entry in place. */
        _cleanup_close_ int w = openat(cache_fd, sha, O_RDWR | O_CLOEXEC);
        assert_true(w >= 0);
        char c;
        assert_int_equal(pread(w, &c, 1, 1234), 1);
        c ^= 0x01;
        assert_int_equal(pwrite(w, &c, 1, 1234), 1);

        struct pdi_error err;
        bool downloaded = false;
        int fd = -1;
        assert_int_equal(get(sha, &fd, &downloaded, &err), 0);
        assert_true(downloaded);
        assert_fd_has_data(fd);
        close(fd);

        /* A truncated entry too (the entry is a new file now: the damaged one was dropped). */
        _cleanup_close_ int t = openat(cache_fd, sha, O_RDWR | O_CLOEXEC);
        assert_true(t >= 0);
        assert_int_equal(ftruncate(t, 100), 0);
        fd = -1;
        assert_int_equal(get(sha, &fd, &downloaded, &err), 0);
        assert_true(downloaded);
        assert_fd_has_data(fd);
        close(fd);

        /* A symlink planted under the name is not served, even to the right bytes. */
        assert_int_equal(unlinkat(cache_fd, sha, 0), 0);
        assert_int_equal(symlinkat(src, cache_fd, sha), 0);
        fd = -1;
        assert_int_equal(get(sha, &fd, &downloaded, &err), 0);
        assert_true(downloaded);
        assert_fd_has_data(fd);
        close(fd);
        struct stat st;
        assert_int_equal(fstatat(cache_fd, sha, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
}

static void wrong_hash_leaves_nothing(void **state)
{
        (void)state;
        char other[65];
        memset(other, 'e', 64);
        other[64] = '\0';
        struct pdi_error err;
        bool downloaded = true;
        int fd = -1;
        assert_int_equal(get(other, &fd, &downloaded, &err), -PDI_E_INTEGRITY);
        assert_int_equal(fd, -1);
        assert_non_null(strstr(err.msg, src));
        assert_non_null(strstr(err.msg, sha)); /* what arrived */
        char part[80];
        snprintf(part, sizeof(part), "%s.part", other);
        assert_false(cached(part));
        assert_false(cached(other));
        /* The good entry is untouched. */
        assert_true(cached(sha));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(open_creates_private_dir),
            cmocka_unit_test(miss_then_hit),
            cmocka_unit_test(rotted_entry_is_fetched_again),
            cmocka_unit_test(wrong_hash_leaves_nothing),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
