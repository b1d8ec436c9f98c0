/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/child.c: a function forked with a deadline has its stdout and stderr
 * captured apart (truncated, never overflowed, and without blocking the child), is killed
 * with its whole process group when the time is up or when it exits (nothing it started
 * survives), and its end is described as the findings say it; as root it can drop to another
 * user with no supplementary groups, and execute a file open at an fd (a script as well). */
#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

static char tmpl[] = "/tmp/pdi-child.XXXXXX";

static int setup(void **state)
{
        (void)state;
        /* What the children leave behind is reparented to us, so a test can reap it. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || !mkdtemp(tmpl))
                return -1;
        return chmod(tmpl, 0755); /* the scripts run as nobody too */
}

static int teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        return system(cmd);
}

static void write_all(int fd, char c, size_t n)
{
        char buf[4096];
        memset(buf, c, sizeof(buf));
        while (n > 0) {
                ssize_t k = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
                if (k <= 0)
                        _exit(99);
                n -= (size_t)k;
        }
}

static long ms_since(const struct timespec *t0)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A process the test was made the reaper of: how it ended. */
static int reap(pid_t pid)
{
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        fail_msg("waitpid %d: %s", (int)pid, strerror(errno));
        return st;
}

static void fn_out_err_exit3(void *arg)
{
        (void)arg;
        dprintf(1, "to stdout\n");
        dprintf(2, "to stderr\n");
        _exit(3);
}

static void out_and_err_apart(void **state)
{
        (void)state;
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_out_err_exit3, NULL, 20000, &o), 0);
        assert_string_equal(o.out, "to stdout\n");
        assert_string_equal(o.err, "to stderr\n");
        assert_false(o.timed_out);
        assert_true(WIFEXITED(o.status));
        assert_int_equal(WEXITSTATUS(o.status), 3);
        assert_false(pdi_child_ok(&o));
}

/* stdin is /dev/null (end of file at once), and the child is its own process group. */
static void fn_report_stdin_pgid(void *arg)
{
        (void)arg;
        char c;
        dprintf(1, "%zd %d", read(0, &c, 1), getpgid(0) == getpid());
        _exit(0);
}

static void stdin_empty_own_group(void **state)
{
        (void)state;
        struct pdi_child_out o;
        int p[2], saved = dup(0);
        /* Our own stdin has something to read, which the child must not see. */
        assert_int_equal(pipe(p), 0);
        assert_int_equal(write(p[1], "x", 1), 1);
        assert_int_equal(dup2(p[0], 0), 0);
        int r = pdi_child_run(fn_report_stdin_pgid, NULL, 20000, &o);
        assert_int_equal(dup2(saved, 0), 0);
        close(saved);
        close(p[0]);
        close(p[1]);
        assert_int_equal(r, 0);
        assert_string_equal(o.out, "0 1");
        assert_true(pdi_child_ok(&o));
}

static void fn_sleep(void *arg)
{
        (void)arg;
        sleep(30);
        _exit(0);
}

static void timeout_kills(void **state)
{
        (void)state;
        struct pdi_child_out o;
        struct timespec t0;
        char d[64];
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(pdi_child_run(fn_sleep, NULL, 300, &o), 0);
        long ms = ms_since(&t0);
        printf("# returned after %ld ms\n", ms);
        assert_true(ms >= 290);
        assert_true(o.timed_out);
        assert_true(WIFSIGNALED(o.status));
        assert_int_equal(WTERMSIG(o.status), SIGKILL);
        assert_false(pdi_child_ok(&o));
        pdi_child_describe(&o, 10000, d, sizeof(d));
        assert_string_equal(d, "timed out after 10 s");
}

/* Forks a grandchild that keeps both pipes open and sleeps, says "<pgid> <grandchild>", then
 * exits (arg NULL) or sleeps as well. */
static void fn_grandchild(void *arg)
{
        pid_t g = fork();
        if (g == 0) {
                sleep(30);
                _exit(0);
        }
        dprintf(1, "%d %d", (int)getpgid(0), (int)g);
        if (arg)
                sleep(30);
        _exit(g < 0 ? 1 : 0);
}

/* The grandchild was killed with the group and the group is gone. */
static void assert_group_gone(const struct pdi_child_out *o)
{
        int pgid, g;
        assert_int_equal(sscanf(o->out, "%d %d", &pgid, &g), 2);
        int st = reap(g);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGKILL);
        assert_int_equal(kill(-pgid, 0), -1);
        assert_int_equal(errno, ESRCH);
}

static void group_killed_after_exit(void **state)
{
        (void)state;
        struct pdi_child_out o;
        /* Returns when the child exits, not when the grandchild lets go of the pipes. */
        assert_int_equal(pdi_child_run(fn_grandchild, NULL, 20000, &o), 0);
        assert_false(o.timed_out);
        assert_true(pdi_child_ok(&o));
        assert_group_gone(&o);
}

static void group_killed_after_timeout(void **state)
{
        (void)state;
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_grandchild, (void *)1, 300, &o), 0);
        assert_true(o.timed_out);
        assert_true(WIFSIGNALED(o.status));
        assert_group_gone(&o);
}

static void fn_flood(void *arg)
{
        (void)arg;
        write_all(1, 'a', 200000);
        write_all(2, 'b', 200000);
        _exit(5);
}

static void long_output_truncated(void **state)
{
        (void)state;
        struct {
                struct pdi_child_out o;
                char guard[64];
        } g;
        memset(g.guard, 0x5a, sizeof(g.guard));
        /* Far more than a pipe holds: drained, so the child finishes long before this. */
        assert_int_equal(pdi_child_run(fn_flood, NULL, 20000, &g.o), 0);
        assert_false(g.o.timed_out);
        assert_true(WIFEXITED(g.o.status));
        assert_int_equal(WEXITSTATUS(g.o.status), 5);
        assert_int_equal(strlen(g.o.out), sizeof(g.o.out) - 1);
        assert_int_equal(strspn(g.o.out, "a"), sizeof(g.o.out) - 1);
        assert_int_equal(strlen(g.o.err), sizeof(g.o.err) - 1);
        assert_int_equal(strspn(g.o.err, "b"), sizeof(g.o.err) - 1);
        for (size_t i = 0; i < sizeof(g.guard); i++)
                assert_int_equal((unsigned char)g.guard[i], 0x5a);
}

static void fn_flood_forever(void *arg)
{
        (void)arg;
        for (;;)
                write_all(1, 'y', 4096);
}

/* Output that never pauses is read up to PDI_CHILD_OUTPUT_MAX, then the child is killed long
 * before its deadline. */
static void endless_output_stopped(void **state)
{
        (void)state;
        struct pdi_child_out o;
        char d[128];
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(pdi_child_run(fn_flood_forever, NULL, 20000, &o), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_true(o.truncated);
        assert_false(o.timed_out);
        assert_false(pdi_child_ok(&o));
        assert_true(WIFSIGNALED(o.status));
        assert_true(b.tv_sec - a.tv_sec < 10);
        assert_int_equal(strspn(o.out, "y"), sizeof(o.out) - 1);
        pdi_child_describe(&o, 20000, d, sizeof(d));
        assert_string_equal(d, "wrote more than 1024 KiB to stdout or stderr; stopped it");
}

static void fn_term(void *arg)
{
        (void)arg;
        dprintf(2, "only on stderr\n");
        kill(getpid(), SIGTERM);
        _exit(0);
}

static void signal_described(void **state)
{
        (void)state;
        struct pdi_child_out o;
        char d[128], want[128];
        assert_int_equal(pdi_child_run(fn_term, NULL, 20000, &o), 0);
        assert_true(WIFSIGNALED(o.status));
        assert_int_equal(WTERMSIG(o.status), SIGTERM);
        pdi_child_describe(&o, 10000, d, sizeof(d));
        snprintf(want, sizeof(want), "killed by signal %d (%s)", SIGTERM, strsignal(SIGTERM));
        assert_string_equal(d, want);
        assert_memory_equal(d, "killed by signal 15 (", 21);
}

static void fn_lines(void *arg)
{
        dprintf(1, "%s", (const char *)arg);
        _exit(4);
}

/* Output wins over the status, its lines joined, trailing blanks dropped, cut to the buffer. */
static void output_described(void **state)
{
        (void)state;
        struct pdi_child_out o;
        char d[64], small[6];
        assert_int_equal(pdi_child_run(fn_lines, "first\nsecond\tthird\n \r\n", 20000, &o), 0);
        pdi_child_describe(&o, 10000, d, sizeof(d));
        assert_string_equal(d, "first second third");
        pdi_child_describe(&o, 10000, small, sizeof(small));
        assert_string_equal(small, "first");
        assert_int_equal(pdi_child_run(fn_lines, " \n", 20000, &o), 0);
        pdi_child_describe(&o, 10000, d, sizeof(d));
        assert_string_equal(d, "exit status 4");
}

static void fn_become(void *arg)
{
        char why[128];
        /* Start from a supplementary group, so that keeping it would show. */
        if (geteuid() == 0 && setgroups(1, &(gid_t){4243}) < 0)
                _exit(98);
        if (pdi_child_become(arg, why, sizeof(why)) < 0) {
                dprintf(1, "%s", why);
                _exit(1);
        }
        gid_t groups[8];
        int n = getgroups(8, groups);
        dprintf(1, "%u %u %u %u %d", (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
                (unsigned)getegid(), n);
        for (int i = 0; i < n; i++)
                dprintf(1, " %u", (unsigned)groups[i]);
        _exit(0);
}

static void become_nobody(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        struct pdi_creds c = {.drop = true, .uid = 65534, .gid = 65534};
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_become, &c, 20000, &o), 0);
        assert_string_equal(o.out, "65534 65534 65534 65534 0");
        assert_true(pdi_child_ok(&o));
}

static void become_with_groups(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        struct pdi_creds c = {
            .drop = true, .uid = 65534, .gid = 65533, .groups = {4242, 65533}, .n_groups = 2};
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_become, &c, 20000, &o), 0);
        assert_string_equal(o.out, "65534 65534 65533 65533 2 4242 65533");
}

/* Without drop nothing changes. */
static void become_nothing(void **state)
{
        (void)state;
        struct pdi_creds c = {.uid = 12345, .gid = 12345};
        struct pdi_child_out o;
        char want[64];
        assert_int_equal(pdi_child_run(fn_become, &c, 20000, &o), 0);
        snprintf(want, sizeof(want), "%u %u %u %u ", (unsigned)getuid(), (unsigned)geteuid(),
                 (unsigned)getgid(), (unsigned)getegid());
        assert_memory_equal(o.out, want, strlen(want));
}

struct exec_arg {
        int fd;
        char *const *argv;
};

static void fn_exec(void *arg)
{
        const struct exec_arg *a = arg;
        char *const envp[] = {(char *)"PDI_TEST=yes", NULL};
        int r = pdi_child_exec(a->fd, a->argv, envp);
        dprintf(2, "cannot execute: %s", strerror(-r));
        _exit(127);
}

/* A script in the temporary directory, open O_PATH as the version check opens it. */
static int script(const char *name, const char *text, mode_t mode)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", tmpl, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        fd = open(path, O_PATH | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* The interpreter reopens the script as /dev/fd/N: the fd survived the exec. It runs from /
 * with exactly the environment given. */
static void exec_script_by_fd(void **state)
{
        (void)state;
        char *argv[] = {(char *)"polkadot", (char *)"--version", NULL};
        struct exec_arg a = {
            .fd =
                script("v.sh",
                       "#!/bin/sh\necho \"$1 $(pwd) $(env | grep -cv '^PWD=') $PDI_TEST\"\n", 0755),
            .argv = argv};
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_exec, &a, 20000, &o), 0);
        close(a.fd);
        assert_string_equal(o.err, "");
        assert_string_equal(o.out, "--version / 1 yes\n");
        assert_true(pdi_child_ok(&o));
}

static void exec_failure_is_reported(void **state)
{
        (void)state;
        char *argv[] = {(char *)"x", NULL};
        struct exec_arg a = {.fd = script("noexec.sh", "#!/bin/sh\n", 0644), .argv = argv};
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_exec, &a, 20000, &o), 0);
        close(a.fd);
        assert_string_equal(o.err, "cannot execute: Permission denied");
        assert_int_equal(WEXITSTATUS(o.status), 127);
}

/* A `--version` that hangs, with the child it started: both gone when the time is up. The
 * script says "<pgid> <its sleep>" (its pid is the group's id), and the sleep, reparented to
 * us, must have died of the group's SIGKILL, not of old age. */
static void exec_hang_times_out(void **state)
{
        (void)state;
        char *argv[] = {(char *)"polkadot", (char *)"--version", NULL};
        struct exec_arg a = {
            .fd = script("hang.sh", "#!/bin/sh\nsleep 30 &\necho $$ $!\nwait\n", 0755),
            .argv = argv};
        struct pdi_child_out o;
        assert_int_equal(pdi_child_run(fn_exec, &a, 300, &o), 0);
        close(a.fd);
        assert_true(o.timed_out);
        assert_true(WIFSIGNALED(o.status));
        assert_group_gone(&o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(out_and_err_apart),
            cmocka_unit_test(stdin_empty_own_group),
            cmocka_unit_test(timeout_kills),
            cmocka_unit_test(group_killed_after_exit),
            cmocka_unit_test(group_killed_after_timeout),
            cmocka_unit_test(long_output_truncated),
            cmocka_unit_test(endless_output_stopped),
            cmocka_unit_test(signal_described),
            cmocka_unit_test(output_described),
            cmocka_unit_test(become_nobody),
            cmocka_unit_test(become_with_groups),
            cmocka_unit_test(become_nothing),
            cmocka_unit_test(exec_script_by_fd),
            cmocka_unit_test(exec_failure_is_reported),
            cmocka_unit_test(exec_hang_times_out),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
