/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/pipeline/health.c against a tiny HTTP server in a forked child on 127.0.0.1
 * (an ephemeral port): a well-formed system_health answer passes, an error answer, a non-JSON
 * answer and a closed port fail with a reason after the timeout, and a node that answers
 * only on the second request passes within the timeout. */
#include "pipeline/health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "testnet.h"

#define RESULT "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"peers\":3,\"isSyncing\":false}}"
#define ERROR "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no\"}}"

static pid_t server = -1;

/* Read headers and the body they announce. */
static void read_request(int c, char *req, size_t size)
{
        size_t len = 0;
        req[0] = '\0';
        while (len < size - 1) {
                ssize_t n = recv(c, req + len, size - 1 - len, 0);
                if (n <= 0)
                        break;
                len += (size_t)n;
                req[len] = '\0';
                const char *end = strstr(req, "\r\n\r\n");
                const char *cl = strcasestr(req, "Content-Length:");
                if (end && (!cl || len >= (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10)))
                        break;
        }
}

/* Answers each POST: the bodies in turn (the last one repeats). Only a system_health call
 * is answered at all; anything else gets 400. */
static _Noreturn void serve(int s, const char *const *bodies, size_t n)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (size_t i = 0;; i++) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                char req[4096], head[256];
                read_request(c, req, sizeof(req));
                bool ok = strncmp(req, "POST / ", 7) == 0 &&
                          strstr(req, "\"method\":\"system_health\"") &&
                          strcasestr(req, "Content-Type: application/json");
                const char *body = ok ? bodies[i < n ? i : n - 1] : "";
                snprintf(head, sizeof(head),
                         "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
                         "%zu\r\nConnection: close\r\n\r\n",
                         ok ? "200 OK" : "400 Bad Request", strlen(body));
                (void)!send(c, head, strlen(head), MSG_NOSIGNAL);
                (void)!send(c, body, strlen(body), MSG_NOSIGNAL);
                close(c);
        }
}

static int start(const char *const *bodies, size_t n)
{
        int port = 0, s = bind_local(&port);
        assert_true(s >= 0);
        assert_int_equal(listen(s, 16), 0);
        server = fork();
        assert_true(server >= 0);
        if (server == 0)
                serve(s, bodies, n);
        close(s);
        return port;
}

static void stop(void)
{
        if (server > 0) {
                kill(server, SIGKILL);
                waitpid(server, NULL, 0);
        }
        server = -1;
}

static int teardown(void **state)
{
        (void)state;
        stop();
        return 0;
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void healthy(void **state)
{
        (void)state;
        static const char *const bodies[] = {RESULT};
        int port = start(bodies, 1);
        struct pdi_error err = {0};
        double t0 = now_s();
        assert_int_equal(pdi_health_rpc((unsigned)port, 5, &err), 0);
        assert_true(now_s() - t0 < 2);
        assert_string_equal(err.msg, "");
}

static void healthy_on_second_try(void **state)
{
        (void)state;
        static const char *const bodies[] = {ERROR, RESULT};
        int port = start(bodies, 2);
        struct pdi_error err = {0};
        assert_int_equal(pdi_health_rpc((unsigned)port, 5, &err), 0);
        assert_string_equal(err.msg, "");
}

static void error_answer(void **state)
{
        (void)state;
        static const char *const bodies[] = {ERROR};
        int port = start(bodies, 1);
        struct pdi_error err = {0};
        double t0 = now_s();
        assert_int_equal(pdi_health_rpc((unsigned)port, 1, &err), -PDI_E_FAILED);
        assert_true(now_s() - t0 >= 0.9);
        char want[128];
        snprintf(want, sizeof(want),
                 "system_health on 127.0.0.1:%d: no result in the answer (for 1 s)", port);
        assert_string_equal(err.msg, want);
}

static void not_json(void **state)
{
        (void)state;
        static const char *const bodies[] = {"<html>hello</html>"};
        int port = start(bodies, 1);
        struct pdi_error err = {0};
        assert_int_equal(pdi_health_rpc((unsigned)port, 1, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "not a JSON answer"));
        /* "result" must be an object, not just present. */
        stop();
        static const char *const scalar[] = {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}"};
        port = start(scalar, 1);
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_health_rpc((unsigned)port, 1, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "no result in the answer"));
}

static void nothing_listening(void **state)
{
        (void)state;
        int port = 0, s = bind_local(&port); /* bound, never listening: connections refused */
        assert_true(s >= 0);
        struct pdi_error err = {0};
        double t0 = now_s();
        int k = pdi_health_rpc((unsigned)port, 1, &err);
        double took = now_s() - t0;
        close(s);
        assert_int_equal(k, -PDI_E_FAILED);
        assert_true(took >= 0.9);
        assert_true(took < 5);
        char want[64];
        snprintf(want, sizeof(want), "system_health on 127.0.0.1:%d: ", port);
        assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
        assert_non_null(strstr(err.msg, "(for 1 s)"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_teardown(healthy, teardown),
            cmocka_unit_test_teardown(healthy_on_second_try, teardown),
            cmocka_unit_test_teardown(error_answer, teardown),
            cmocka_unit_test_teardown(not_json, teardown),
            cmocka_unit_test(nothing_listening),
        };
        return cmocka_run_group_tests(tests, NULL, teardown);
}
