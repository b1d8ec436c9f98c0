/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/release/lock.c: the lock is exclusive across processes, a waiter names the
 * holder (pid and command) and honours its timeout, and the lock dies with its holder, even
 * one killed with SIGKILL. Other processes are forked children; each reports through a pipe. */
#include "release/lock.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "testroot.h"

#define LOCK "/var/lib/polkadot-installer/lock"

struct attempt {
        int code;
        char msg[PDI_ERROR_MSG_MAX];
        double seconds;
};

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Try to take the lock in a child process; its result comes back through a pipe. */
static struct attempt try_in_child(unsigned timeout_s)
{
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                struct attempt a = {0};
                struct pdi_error err = {0};
                int fd = -1;
                double t0 = now_s();
                a.code = pdi_lock_take(&root, LOCK, "upgrade", timeout_s, &fd, &err);
                a.seconds = now_s() - t0;
                memcpy(a.msg, err.msg, sizeof(a.msg));
                _exit(write(p[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
        }
        close(p[1]);
        struct attempt a = {0};
        assert_int_equal(read(p[0], &a, sizeof(a)), sizeof(a));
        close(p[0]);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        return a;
}

static void exclusive_and_names_holder(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        int fd = -1;
        assert_int_equal(pdi_lock_take(&root, LOCK, "install", 0, &fd, &err), 0);
        assert_true(fd >= 0);
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s%s", tmpl, LOCK);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);

        char holder[64];
        snprintf(holder, sizeof(holder), "(pid %d, install, since ", (int)getpid());
        for (unsigned timeout = 0; timeout <= 1; timeout++) {
                struct attempt a = try_in_child(timeout);
                assert_int_equal(a.code, -PDI_E_FAILED);
                assert_non_null(strstr(a.msg, "another polkadot-installer is running"));
                assert_non_null(strstr(a.msg, holder));
                char gave_up[64];
                snprintf(gave_up, sizeof(gave_up), "gave up after %u s", timeout);
                assert_non_null(strstr(a.msg, gave_up));
                assert_true(a.seconds >= timeout);
                assert_true(a.seconds < timeout + 3);
        }
        /* Released by closing: the next one gets it. */
        close(fd);
        struct attempt a = try_in_child(0);
        assert_int_equal(a.code, 0);
        assert_string_equal(a.msg, "");
}

static void waiter_gets_it_when_released_in_time(void **state)
{
        (void)state;
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) { /* holds the lock for 300 ms, then exits */
                close(p[0]);
                struct pdi_error err = {0};
                int fd = -1;
                char ok = pdi_lock_take(&root, LOCK, "install", 0, &fd, &err) == 0;
                (void)!write(p[1], &ok, 1);
                nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
                _exit(0);
        }
        close(p[1]);
        char ok = 0;
        ssize_t n = read(p[0], &ok, 1);
        close(p[0]);
        struct attempt a = try_in_child(2);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_int_equal(n, 1);
        assert_true(ok);
        assert_int_equal(a.code, 0);
        assert_true(a.seconds >= 0.1); /* it did wait for the holder */
}

static void killed_holder_leaves_no_lock(void **state)
{
        (void)state;
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                struct pdi_error err = {0};
                int fd = -1;
                char ok = pdi_lock_take(&root, LOCK, "auto-upgrade", 0, &fd, &err) == 0;
                (void)!write(p[1], &ok, 1);
                for (;;)
                        pause();
        }
        close(p[1]);
        char ok = 0;
        ssize_t n = read(p[0], &ok, 1);
        close(p[0]);
        struct attempt a = try_in_child(0);
        kill(pid, SIGKILL);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_int_equal(n, 1);
        assert_true(ok);
        assert_int_equal(a.code, -PDI_E_FAILED);
        char holder[64];
        snprintf(holder, sizeof(holder), "(pid %d, auto-upgrade, since ", (int)pid);
        assert_non_null(strstr(a.msg, holder));
        assert_true(WIFSIGNALED(st));

        /* The holder's text is still in the file, but the lock went with the process. */
        struct pdi_error err = {0};
        int fd = -1;
        assert_int_equal(pdi_lock_take(&root, LOCK, "status", 0, &fd, &err), 0);
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(pdi_root_read_file(&root, LOCK, 256, &text, &len), 0);
        char mine[64];
        snprintf(mine, sizeof(mine), "pid %d, status, since ", (int)getpid());
        assert_true(strncmp(text, mine, strlen(mine)) == 0);
        assert_int_equal(text[len - 1], '\n');
        assert_null(strstr(text, "auto-upgrade"));
        close(fd);
}

static void unusable_path(void **state)
{
        (void)state;
        /* A directory where the lock file should be. */
        assert_int_equal(pdi_root_mkdir_p(&root, "/run/dirlock", 0755), 0);
        struct pdi_error err = {0};
        int fd = -1;
        int k = pdi_lock_take(&root, "/run/dirlock", "install", 0, &fd, &err);
        assert_true(k < 0);
        assert_int_equal(fd, -1);
        assert_non_null(strstr(err.msg, "lock /run/dirlock: "));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exclusive_and_names_holder),
            cmocka_unit_test(waiter_gets_it_when_released_in_time),
            cmocka_unit_test(killed_holder_leaves_no_lock),
            cmocka_unit_test(unusable_path),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
