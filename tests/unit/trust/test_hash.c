/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/trust/hash.c: known SHA-256 vectors, streaming in pieces, and an fd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trust/hash.h"

#include <errno.h>
#include <stdio.h>

#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_vectors(void **state)
{
        (void)state;
        char hex[65];
        assert_int_equal(pdi_sha256_buf("", 0, hex), 0);
        assert_string_equal(hex, SHA_EMPTY);
        assert_int_equal(pdi_sha256_buf("abc", 3, hex), 0);
        assert_string_equal(hex, SHA_ABC);
}

static void test_streaming(void **state)
{
        (void)state;
        struct pdi_sha256 h;
        char hex[65];
        assert_int_equal(pdi_sha256_init(&h), 0);
        assert_int_equal(pdi_sha256_update(&h, "a", 1), 0);
        assert_int_equal(pdi_sha256_update(&h, "", 0), 0);
        assert_int_equal(pdi_sha256_update(&h, "bc", 2), 0);
        assert_int_equal(h.size, 3);
        assert_int_equal(pdi_sha256_final(&h, hex), 0);
        assert_string_equal(hex, SHA_ABC);
        assert_null(h.ctx);
        assert_int_equal(pdi_sha256_final(&h, hex), -EINVAL);
        pdi_sha256_done(&h); /* harmless twice */

        assert_int_equal(pdi_sha256_init(&h), 0);
        pdi_sha256_done(&h); /* abandoned: no leak under ASan */
}

static void test_fd(void **state)
{
        (void)state;
        /* one million 'a' crosses the 1 MiB read size boundary only partly: use 3 MiB too */
        FILE *f = tmpfile();
        assert_non_null(f);
        for (int i = 0; i < 1000000; i++)
                fputc('a', f);
        fflush(f);
        int fd = fileno(f);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        char hex[65];
        uint64_t size = 0;
        assert_int_equal(pdi_sha256_fd(fd, hex, &size), 0);
        assert_string_equal(hex, SHA_MILLION_A);
        assert_int_equal(size, 1000000);

        static char big[3 << 20];
        memset(big, 'x', sizeof(big));
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        char expect[65];
        assert_int_equal(pdi_sha256_buf(big, sizeof(big), expect), 0);
        assert_int_equal(pdi_sha256_fd(fd, hex, NULL), 0);
        assert_string_equal(hex, expect);
        fclose(f);

        assert_int_equal(pdi_sha256_fd(-1, hex, &size), -EBADF);
}

/* update_fd stops at max bytes (across a read-size boundary), leaves the offset there, and
 * at EOF when the file is shorter. */
static void test_update_fd(void **state)
{
        (void)state;
        static char big[(1 << 20) + 5];
        memset(big, 'y', sizeof(big));
        FILE *f = tmpfile();
        assert_non_null(f);
        int fd = fileno(f);
        assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        struct pdi_sha256 h;
        char got[65], want[65];
        assert_int_equal(pdi_sha256_init(&h), 0);
        assert_int_equal(pdi_sha256_update_fd(&h, fd, (1 << 20) + 1), 0);
        assert_int_equal(h.size, (1 << 20) + 1);
        assert_int_equal(lseek(fd, 0, SEEK_CUR), (1 << 20) + 1);
        assert_int_equal(pdi_sha256_final(&h, got), 0);
        assert_int_equal(pdi_sha256_buf(big, (1 << 20) + 1, want), 0);
        assert_string_equal(got, want);
        assert_int_equal(pdi_sha256_init(&h), 0);
        assert_int_equal(pdi_sha256_update_fd(&h, fd, 1000), 0); /* only 4 bytes are left */
        assert_int_equal(h.size, 4);
        pdi_sha256_done(&h);
        fclose(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_vectors),
            cmocka_unit_test(test_streaming),
            cmocka_unit_test(test_fd),
            cmocka_unit_test(test_update_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
