/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/checks/versions.c: the commit in what a binary prints, and the ELF
 * build id (of this test program, and refusals for what is not ELF or has none). */
#include "checks/versions.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void commits(void **state)
{
        (void)state;
        char c[48];
        assert_true(pdi_build_commit("1.16.0-87971b3e927", "1.16.0", c, sizeof(c)));
        assert_string_equal(c, "87971b3e927");
        assert_true(pdi_build_commit("polkadot 1.16.0-87971b3", "1.16.0", c, sizeof(c)));
        assert_string_equal(c, "87971b3");
        static const char *const no[] = {
            "1.16.0",             /* no commit */
            "1.16.0-87971b",      /* too short to be a commit */
            "1.16.0-87971B3E927", /* not lowercase hex */
            "1.16.0-rc1",         /* a prerelease, not a commit */
            "1.15.0-87971b3e927", /* another version */
            "1.16.00-87971b3e927",
            "",
        };
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                strcpy(c, "untouched");
                assert_false(pdi_build_commit(no[i], "1.16.0", c, sizeof(c)));
                assert_string_equal(c, "untouched");
        }
        /* A prerelease version with a commit after it. */
        assert_true(pdi_build_commit("1.17.0-rc1-0123abcd", "1.17.0-rc1", c, sizeof(c)));
        assert_string_equal(c, "0123abcd");
        /* A commit longer than the buffer is not cut. */
        char small[8];
        assert_false(pdi_build_commit("1.0.0-0123456789", "1.0.0", small, sizeof(small)));
}

static void build_ids(void **state)
{
        (void)state;
        char id[81] = "";
        int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        int k = pdi_build_id_fd(fd, id, sizeof(id));
        close(fd);
        if (k == -ENODATA)
                skip(); /* this test program was linked without --build-id */
        assert_int_equal(k, 0);
        assert_true(strlen(id) >= 16);
        assert_int_equal(strspn(id, "0123456789abcdef"), strlen(id));

        char path[] = "/tmp/pdi-builds.XXXXXX";
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
        strcpy(id, "untouched");
        assert_int_equal(pdi_build_id_fd(fd, id, sizeof(id)), -ENOEXEC);
        assert_string_equal(id, "untouched");
        close(fd);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(commits),
            cmocka_unit_test(build_ids),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
