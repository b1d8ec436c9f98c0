/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/exec.c: programs are found only in the fixed PATH, run without a
 * shell of ours and with a minimal environment; output (stdout and stderr) is captured and
 * truncated without blocking the child, and the status says how it ended. */
#include "base/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static char *sh;

static int setup(void **state)
{
        (void)state;
        return pdi_exec_find("sh", &sh);
}

static int teardown(void **state)
{
        (void)state;
        free(sh);
        return 0;
}

static int run_sh(const char *script, int stdin_fd, char *out, size_t out_size, int *status)
{
        char *const argv[] = {(char *)"sh", (char *)"-c", (char *)script, NULL};
        return pdi_exec_run(sh, argv, stdin_fd, out, out_size, status);
}

static void find(void **state)
{
        (void)state;
        char *p = NULL;
        assert_int_equal(pdi_exec_find("true", &p), 0);
        assert_non_null(p);
        assert_true(p[0] == '/');
        assert_string_equal(strrchr(p, '/'), "/true");
        assert_int_equal(access(p, X_OK), 0);
        free(p);
        p = (char *)"untouched";
        assert_int_equal(pdi_exec_find("no-such-program-pdi-test", &p), -ENOENT);
        assert_string_equal(p, "untouched");
}

static void output_and_status(void **state)
{
        (void)state;
        char out[256];
        int status = -1;
        assert_int_equal(run_sh("echo hi; echo oops >&2; exit 3", -1, out, sizeof(out), &status),
                         0);
        assert_int_equal(status, 3);
        assert_string_equal(out, "hi\noops\n");
        assert_int_equal(run_sh("kill -TERM $$", -1, out, sizeof(out), &status), 0);
        assert_int_equal(status, 128 + 15);
        assert_int_equal(run_sh("kill -KILL $$", -1, out, sizeof(out), &status), 0);
        assert_int_equal(status, 128 + 9);
        /* No output buffer: still runs and reports. */
        assert_int_equal(run_sh("exit 5", -1, NULL, 0, &status), 0);
        assert_int_equal(status, 5);
}

static void truncation_never_blocks(void **state)
{
        (void)state;
        char out[5];
        int status = -1;
        assert_int_equal(run_sh("echo 0123456789", -1, out, sizeof(out), &status), 0);
        assert_string_equal(out, "0123");
        assert_int_equal(status, 0);
        /* Far more than a pipe holds: drained, so the child finishes. */
        assert_int_equal(run_sh("head -c 1000000 /dev/zero; exit 4", -1, out, sizeof(out), &status),
                         0);
        assert_int_equal(status, 4);
        char one[1] = {'x'};
        assert_int_equal(run_sh("echo abc", -1, one, sizeof(one), &status), 0);
        assert_int_equal(one[0], '\0');
}

static void stdin_and_environment(void **state)
{
        (void)state;
        char out[512];
        int status = -1;
        int p[2];
        assert_int_equal(pipe(p), 0);
        assert_int_equal(write(p[1], "from stdin\n", 11), 11);
        close(p[1]);
        assert_int_equal(run_sh("cat", p[0], out, sizeof(out), &status), 0);
        close(p[0]);
        assert_string_equal(out, "from stdin\n");
        assert_int_equal(run_sh("cat", -1, out, sizeof(out), &status), 0);
        assert_string_equal(out, ""); /* /dev/null */
        assert_int_equal(status, 0);

        _cleanup_free_ char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
        setenv("HOME", "/home/secret", 1);
        setenv("PDI_TEST_LEAK", "1", 1);
        setenv("LD_PRELOAD", "", 1);
        char *env = NULL;
        assert_int_equal(pdi_exec_find("env", &env), 0);
        char *const argv[] = {(char *)"env", NULL};
        assert_int_equal(pdi_exec_run(env, argv, -1, out, sizeof(out), &status), 0);
        free(env);
        unsetenv("PDI_TEST_LEAK");
        unsetenv("LD_PRELOAD");
        if (home)
                setenv("HOME", home, 1);
        else
                unsetenv("HOME");
        assert_int_equal(status, 0);
        assert_string_equal(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n");
}

static void missing_program(void **state)
{
        (void)state;
        char out[16] = "x";
        int status = -1;
        char *const argv[] = {(char *)"nope", NULL};
        int k = pdi_exec_run("/nonexistent/pdi-test", argv, -1, out, sizeof(out), &status);
        assert_int_equal(k, -ENOENT);
        assert_int_equal(status, -1);
}

/* pid is alive and not a zombie (whoever reaps orphans here may take its time). */
static bool running(int pid)
{
        char path[64], stat[256] = "";
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        for (int i = 0; i < 100; i++) {
                FILE *f = fopen(path, "re");
                if (!f)
                        return false;
                size_t n = fread(stat, 1, sizeof(stat) - 1, f);
                fclose(f);
                stat[n] = '\0';
                const char *p = strrchr(stat, ')');
                if (p && (p[2] == 'Z' || p[2] == 'X'))
                        return false;
                usleep(20 * 1000);
        }
        return true;
}

/* A hung tool is killed at the deadline with everything it started: the lock is not held
 * forever and no grandchild lingers. */
static void deadline_kills_the_group(void **state)
{
        (void)state;
        char out[64], script[128];
        int status = -1;
        char pidfile[] = "/tmp/pdi-exec-pid.XXXXXX";
        int fd = mkstemp(pidfile);
        assert_true(fd >= 0);
        close(fd);
        snprintf(script, sizeof(script), "echo started; sleep 30 & echo $! >%s; wait", pidfile);
        char *const argv[] = {(char *)"sh", (char *)"-c", script, NULL};
        assert_int_equal(pdi_exec_run_deadline(sh, argv, -1, out, sizeof(out), 300, &status),
                         -ETIMEDOUT);
        assert_int_equal(status, -1);
        assert_string_equal(out, "started\n");
        FILE *f = fopen(pidfile, "re");
        int pid = 0;
        assert_non_null(f);
        assert_int_equal(fscanf(f, "%d", &pid), 1);
        fclose(f);
        unlink(pidfile);
        assert_false(running(pid));
}

/* The one way users and SELinux run a tool: found, run, exit 0 wanted, else one line. */
static void tool_messages(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        char *const ok[] = {(char *)"true", NULL};
        assert_int_equal(pdi_exec_tool("true", ok, -1, &err), 0);
        char *const bad[] = {(char *)"sh", (char *)"-c", (char *)"echo first; echo second; exit 4",
                             NULL};
        assert_int_equal(pdi_exec_tool("sh", bad, -1, &err), -PDI_E_FAILED);
        assert_string_equal(err.msg, "sh -c failed (exit 4): first");
        err = (struct pdi_error){0};
        char *const none[] = {(char *)"no-such-tool-pdi", NULL};
        assert_int_equal(pdi_exec_tool("no-such-tool-pdi", none, -1, &err), -PDI_E_FAILED);
        assert_string_equal(err.msg, "no-such-tool-pdi: not found in " PDI_EXEC_PATH);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(find),
            cmocka_unit_test(output_and_status),
            cmocka_unit_test(truncation_never_blocks),
            cmocka_unit_test(stdin_and_environment),
            cmocka_unit_test(missing_program),
            cmocka_unit_test(deadline_kills_the_group),
            cmocka_unit_test(tool_messages),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
