/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for pvf/proto.c: a request survives the round trip with its argv, RUST_LOG and three
 * descriptors; every malformed or oversized request is refused rather than read past its
 * end; messages keep type, value and text, and a closed peer reads as 0. */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char buf[PVF_MAX_REQUEST];

static size_t encode_sample(const char *rust_log)
{
        struct pvf_request req = {.release = "/opt/polkadot/releases/1.16.0",
                                  .name = "polkadot-prepare-worker",
                                  .rust_log = rust_log,
                                  .argc = 3,
                                  .argv = {"w", "--socket-path", "/var/lib/p/s"}};
        size_t len = 0;

        assert_int_equal(pvf_request_encode(&req, buf, sizeof(buf), &len), 0);
        return len;
}

static void test_round_trip(void **state)
{
        struct pvf_request got;
        size_t len = encode_sample("parachain=debug");

        (void)state;
        assert_int_equal(pvf_request_decode(buf, len, &got), 0);
        assert_string_equal(got.release, "/opt/polkadot/releases/1.16.0");
        assert_string_equal(got.name, "polkadot-prepare-worker");
        assert_string_equal(got.rust_log, "parachain=debug");
        assert_int_equal(got.argc, 3);
        assert_string_equal(got.argv[1], "--socket-path");
        assert_string_equal(got.argv[2], "/var/lib/p/s");
        assert_null(got.argv[3]);
        len = encode_sample(NULL);
        assert_int_equal(pvf_request_decode(buf, len, &got), 0);
        assert_null(got.rust_log);
}

static void test_truncated_refused(void **state)
{
        struct pvf_request got;
        size_t len = encode_sample("x");

        (void)state;
        /* Every prefix is refused: no string may be read past the packet. */
        for (size_t n = 0; n < len; n++)
                assert_int_equal(pvf_request_decode(buf, n, &got), -EBADMSG);
        /* Trailing bytes, a wrong magic, a bad RUST_LOG flag, too many arguments. */
        buf[len] = 'x';
        assert_int_equal(pvf_request_decode(buf, len + 1, &got), -EBADMSG);
        buf[0] ^= 1;
        assert_int_equal(pvf_request_decode(buf, len, &got), -EBADMSG);
        buf[0] ^= 1;
        uint32_t many = PVF_MAX_ARGS + 1;
        memcpy(buf + 4, &many, 4);
        assert_int_equal(pvf_request_decode(buf, len, &got), -EBADMSG);
        len = encode_sample(NULL);
        char *flag =
            memchr(buf + 8 + strlen(buf + 8) + 1 + strlen("polkadot-prepare-worker") + 1, '0', 4);
        assert_non_null(flag);
        *flag = '2';
        assert_int_equal(pvf_request_decode(buf, len, &got), -EBADMSG);
}

static void test_no_argv_refused(void **state)
{
        struct pvf_request req = {.release = "/r", .name = "polkadot-execute-worker"};
        struct pvf_request got;
        size_t len;

        (void)state;
        assert_int_equal(pvf_request_encode(&req, buf, sizeof(buf), &len), 0);
        assert_int_equal(pvf_request_decode(buf, len, &got), -EBADMSG);
}

static void test_too_big(void **state)
{
        static char big[PVF_MAX_REQUEST];
        struct pvf_request req = {.release = "/r", .name = "polkadot-execute-worker", .argc = 1};
        size_t len;

        (void)state;
        memset(big, 'a', sizeof(big) - 1);
        req.argv[0] = big;
        assert_int_equal(pvf_request_encode(&req, buf, sizeof(buf), &len), -E2BIG);
        req.argc = PVF_MAX_ARGS + 1;
        assert_int_equal(pvf_request_encode(&req, buf, sizeof(buf), &len), -E2BIG);
}

static void test_worker_names(void **state)
{
        (void)state;
        assert_int_equal(pvf_worker_name_ok("polkadot-prepare-worker"), 0);
        assert_int_equal(pvf_worker_name_ok("polkadot-execute-worker"), 0);
        assert_int_equal(pvf_worker_name_ok("polkadot"), -EINVAL);
        assert_int_equal(pvf_worker_name_ok("../polkadot-execute-worker"), -EINVAL);
        assert_int_equal(pvf_worker_name_ok(NULL), -EINVAL);
}

static void test_fds_pass(void **state)
{
        int sv[2], fds[3], got[3], n = 0, p[2];
        char b[16];
        struct stat a, c;

        (void)state;
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        fds[0] = p[0];
        fds[1] = p[1];
        fds[2] = p[1];
        assert_int_equal(pvf_send_with_fds(sv[0], "req", 3, fds, 3), 0);
        assert_int_equal(pvf_recv_with_fds(sv[1], b, sizeof(b), got, 3, &n), 3);
        assert_int_equal(n, 3);
        assert_int_equal(fstat(got[1], &a), 0);
        assert_int_equal(fstat(p[1], &c), 0);
        assert_true(a.st_ino == c.st_ino);
        assert_int_equal(fcntl(got[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        for (int i = 0; i < 3; i++)
                close(got[i]);
        /* More descriptors than asked for: all closed, refused. */
        assert_int_equal(pvf_send_with_fds(sv[0], "req", 3, fds, 3), 0);
        assert_int_equal(pvf_recv_with_fds(sv[1], b, sizeof(b), got, 2, &n), -EBADMSG);
        /* A packet longer than the buffer is refused, not cut. */
        assert_int_equal(pvf_send_with_fds(sv[0], "0123456789abcdefXYZ", 19, NULL, 0), 0);
        assert_int_equal(pvf_recv_with_fds(sv[1], b, sizeof(b), got, 3, &n), -EBADMSG);
        close(p[0]);
        close(p[1]);
        close(sv[0]);
        close(sv[1]);
}

static void test_messages(void **state)
{
        int sv[2];
        enum pvf_msg_type type;
        int32_t value;
        char text[PVF_MAX_TEXT + 1];

        (void)state;
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(pvf_msg_send(sv[0], PVF_MSG_REFUSED, 7, "not a worker"), 0);
        assert_int_equal(pvf_msg_recv(sv[1], &type, &value, text, sizeof(text)), 1);
        assert_int_equal(type, PVF_MSG_REFUSED);
        assert_int_equal(value, 7);
        assert_string_equal(text, "not a worker");
        assert_int_equal(pvf_msg_send(sv[0], PVF_MSG_EXITED, 0x0f00, NULL), 0);
        assert_int_equal(pvf_msg_recv(sv[1], &type, &value, text, sizeof(text)), 1);
        assert_int_equal(value, 0x0f00);
        assert_string_equal(text, "");
        /* An unknown type or a short packet is not a message. */
        uint32_t bad[2] = {99, 0};
        assert_int_equal(pvf_send_with_fds(sv[0], bad, sizeof(bad), NULL, 0), 0);
        assert_int_equal(pvf_msg_recv(sv[1], &type, &value, NULL, 0), -EBADMSG);
        assert_int_equal(pvf_send_with_fds(sv[0], bad, 3, NULL, 0), 0);
        assert_int_equal(pvf_msg_recv(sv[1], &type, &value, NULL, 0), -EBADMSG);
        close(sv[0]);
        assert_int_equal(pvf_msg_recv(sv[1], &type, &value, NULL, 0), 0);
        close(sv[1]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_truncated_refused),
            cmocka_unit_test(test_no_argv_refused), cmocka_unit_test(test_too_big),
            cmocka_unit_test(test_worker_names),    cmocka_unit_test(test_fds_pass),
            cmocka_unit_test(test_messages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
