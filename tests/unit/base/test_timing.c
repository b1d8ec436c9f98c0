/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/timing.c: time goes to the innermost phase, the phases add up to
 * the total, and PDI_TIMING=FILE gets one line per phase. */
#include "base/timing.h"
#include "base/common.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

static void spin(double seconds)
{
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        do
                clock_gettime(CLOCK_MONOTONIC, &b);
        while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
}

static void innermost_phase_is_charged(void **state)
{
        (void)state;
        (void)pdi_phase_enter(PDI_PHASE_OTHER);
        double h0 = pdi_phase_seconds(PDI_PHASE_HASH), d0 = pdi_phase_seconds(PDI_PHASE_DOWNLOAD);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_DOWNLOAD);
        assert_int_equal(was, PDI_PHASE_OTHER);
        spin(0.02);
        enum pdi_phase in = pdi_phase_enter(PDI_PHASE_HASH);
        assert_int_equal(in, PDI_PHASE_DOWNLOAD);
        spin(0.03);
        pdi_phase_leave(in);
        spin(0.01);
        pdi_phase_leave(was);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        double h = pdi_phase_seconds(PDI_PHASE_HASH) - h0;
        double d = pdi_phase_seconds(PDI_PHASE_DOWNLOAD) - d0;
        assert_true(h >= 0.03);
        assert_true(d >= 0.03);
        /* The hashing inside the download is not counted twice: together they are the wall
         * time of the block, not more. */
        assert_true(h + d <= wall + 1e-4);
        assert_string_equal(pdi_phase_name(PDI_PHASE_FSYNC), "fsync");
        assert_string_equal(pdi_phase_name(PDI_PHASE__N), "?");
}

static void file_lines_add_up(void **state)
{
        (void)state;
        char path[] = "/tmp/pdi-timing.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(setenv("PDI_TIMING", path, 1), 0);
        assert_int_equal(pdi_timing_write_env(), 0);
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        char name[32];
        double v, sum = 0, total = -1;
        int lines = 0;
        while (fscanf(f, "%31s %lf", name, &v) == 2) {
                lines++;
                if (streq(name, "total"))
                        total = v;
                else
                        sum += v;
        }
        fclose(f);
        unlink(path);
        assert_int_equal(lines, PDI_PHASE__N + 1);
        assert_true(total > 0);
        assert_true(sum - total < 1e-5 && total - sum < 1e-5);
        /* A place that cannot be written is an error for the caller, not a crash. */
        assert_int_equal(setenv("PDI_TIMING", "/nonexistent-dir/x", 1), 0);
        assert_int_equal(pdi_timing_write_env(), -ENOENT);
        assert_int_equal(unsetenv("PDI_TIMING"), 0);
        assert_int_equal(pdi_timing_write_env(), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(innermost_phase_is_charged),
            cmocka_unit_test(file_lines_add_up),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
