/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the journald Synchronize call in installer/host/journal.c against a varlink server in
 * a forked child on a socket in a temporary directory: the request is one NUL-terminated
 * io.systemd.Journal.Synchronize call; a reply in one piece or in two passes; a varlink error,
 * garbage, a closed connection, silence (a timeout) and a missing or dead socket fail with
 * their own error codes. The sd-journal tail itself runs against a real journald in the
 * container test (tests/fake/systemd-probe.c, test_upgrade_container.sh). */
#include "host/journal.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define OK_REPLY "{\"parameters\":{}}"
#define ERROR_REPLY "{\"error\":\"io.systemd.Journal.NotSupportedByNamespaces\",\"parameters\":{}}"

static char dir[] = "/tmp/pdi-journal.XXXXXX";
static char path[108];
static pid_t server = -1;

enum mode { REPLY_OK, REPLY_SPLIT, REPLY_ERROR, REPLY_GARBAGE, REPLY_CLOSE, REPLY_NONE };

/* Exit status 0: the request was exactly one Synchronize call ending in NUL. */
static _Noreturn void serve(int s, enum mode mode)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        char req[512] = {0};
        size_t len = 0;
        while (c >= 0 && len < sizeof(req) - 1) {
                ssize_t n = recv(c, req + len, sizeof(req) - 1 - len, 0);
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (req[len - 1] == '\0')
                        break;
        }
        bool good = len > 0 && req[len - 1] == '\0' && strlen(req) == len - 1 &&
                    strstr(req, "\"method\":\"io.systemd.Journal.Synchronize\"");
        switch (mode) {
        case REPLY_OK:
                (void)!send(c, OK_REPLY, sizeof(OK_REPLY), MSG_NOSIGNAL);
                break;
        case REPLY_SPLIT:
                (void)!send(c, OK_REPLY, 5, MSG_NOSIGNAL);
                usleep(100 * 1000);
                (void)!send(c, OK_REPLY + 5, sizeof(OK_REPLY) - 5, MSG_NOSIGNAL);
                break;
        case REPLY_ERROR:
                (void)!send(c, ERROR_REPLY, sizeof(ERROR_REPLY), MSG_NOSIGNAL);
                break;
        case REPLY_GARBAGE:
                (void)!send(c, "not json", sizeof("not json"), MSG_NOSIGNAL);
                break;
        case REPLY_CLOSE:
                (void)!send(c, OK_REPLY, strlen(OK_REPLY), MSG_NOSIGNAL); /* no NUL */
                break;
        case REPLY_NONE:
                pause();
                break;
        }
        close(c);
        _exit(good ? 0 : 1);
}

static void start(enum mode mode)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
        unlink(path);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s >= 0);
        assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(listen(s, 4), 0);
        server = fork();
        assert_true(server >= 0);
        if (server == 0)
                serve(s, mode);
        close(s);
}

/* The server's verdict on the request it got, once it has replied and exited. */
static int finish(void)
{
        int status = -1;
        if (server > 0)
                waitpid(server, &status, 0);
        server = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup(void **state)
{
        (void)state;
        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/io.systemd.journal", dir);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        if (server > 0) {
                kill(server, SIGKILL);
                waitpid(server, NULL, 0);
        }
        unlink(path);
        return rmdir(dir);
}

static void synchronized(void **state)
{
        (void)state;
        start(REPLY_OK);
        assert_int_equal(pdi_journal_sync(path, 5000), 0);
        assert_int_equal(finish(), 0);
}

static void reply_in_two_pieces(void **state)
{
        (void)state;
        start(REPLY_SPLIT);
        assert_int_equal(pdi_journal_sync(path, 5000), 0);
        assert_int_equal(finish(), 0);
}

static void varlink_error(void **state)
{
        (void)state;
        start(REPLY_ERROR);
        assert_int_equal(pdi_journal_sync(path, 5000), -EPROTO);
        assert_int_equal(finish(), 0);
}

static void garbage(void **state)
{
        (void)state;
        start(REPLY_GARBAGE);
        assert_int_equal(pdi_journal_sync(path, 5000), -EPROTO);
        assert_int_equal(finish(), 0);
}

static void closed_without_nul(void **state)
{
        (void)state;
        start(REPLY_CLOSE);
        assert_int_equal(pdi_journal_sync(path, 5000), -EPROTO);
        assert_int_equal(finish(), 0);
}

static void silent_server_times_out(void **state)
{
        (void)state;
        start(REPLY_NONE);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(pdi_journal_sync(path, 300), -ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        assert_true(ms >= 290); /* it waited, and returned (no upper bound: see rule 6) */
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        server = -1;
}

static void no_journald(void **state)
{
        (void)state;
        unlink(path);
        assert_int_equal(pdi_journal_sync(path, 1000), -ENOENT);
        /* A socket file nobody listens on: a journald that died. */
        start(REPLY_OK);
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        server = -1;
        assert_int_equal(pdi_journal_sync(path, 1000), -ECONNREFUSED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(synchronized),       cmocka_unit_test(reply_in_two_pieces),
            cmocka_unit_test(varlink_error),      cmocka_unit_test(garbage),
            cmocka_unit_test(closed_without_nul), cmocka_unit_test(silent_server_times_out),
            cmocka_unit_test(no_journald),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
