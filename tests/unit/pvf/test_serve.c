/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for pvf/serve.c, pvf/spawn.c, pvf/allow.c and pvf/relay_run.c together: a spawner
 * loop in a child process and relays in others, on a real socket. The "worker" is a copy of
 * /bin/sh listed in the allow list with its hash for the relay path pvf/1.16.0/<name>, so each case
 * says in shell what the worker does. The worker's exit code and death by signal come back; stdout
 * is the relay's; the environment is RUST_LOG alone; the node's SIGTERM reaches the worker; a relay
 * killed with SIGKILL takes its worker with it; a worker's SIGTERM to its parent reaches the node;
 * and anything but a listed, unchanged worker of the named release is refused with a reason. */
#include "allow.h"
#include "proto.h"
#include "relay_run.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[] = "/tmp/pdi-pvf.XXXXXX";
static char release[256], worker[320], list[300], sock_path[100];
static char real_dir[256];
static pid_t server;

static void sha256_file(const char *path, char out[65])
{
        unsigned char md[32], b[65536];
        unsigned int n;
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t k;

        assert_true(fd >= 0 && c);
        EVP_DigestInit_ex(c, EVP_sha256(), NULL);
        while ((k = read(fd, b, sizeof(b))) > 0)
                EVP_DigestUpdate(c, b, (size_t)k);
        EVP_DigestFinal_ex(c, md, &n);
        EVP_MD_CTX_free(c);
        close(fd);
        for (int i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void write_list(const char *sha, long long size)
{
        FILE *f = fopen(list, "w");

        assert_non_null(f);
        fprintf(f, "%s %lld %s/polkadot-prepare-worker %s\n", sha, size, release, worker);
        fclose(f);
}

static void list_worker(void)
{
        char sha[65];
        struct stat st;

        sha256_file(worker, sha);
        assert_int_equal(stat(worker, &st), 0);
        write_list(sha, (long long)st.st_size);
}

static int setup(void **state)
{
        char cmd[1024];

        (void)state;
        if (!mkdtemp(dir))
                return -1;
        snprintf(release, sizeof(release), "%s/pvf/1.16.0", dir);
        snprintf(real_dir, sizeof(real_dir), "%s/releases/1.16.0", dir);
        snprintf(worker, sizeof(worker), "%s/polkadot-prepare-worker", real_dir);
        snprintf(list, sizeof(list), "%s/pvf-workers.list", dir);
        snprintf(sock_path, sizeof(sock_path), "%s/spawner.sock", dir);
        snprintf(cmd, sizeof(cmd), "mkdir -p %s %s && cp /bin/sh %s", release, real_dir, worker);
        if (system(cmd))
                return -1;
        list_worker();
        return 0;
}

static int teardown(void **state)
{
        char cmd[300];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd);
}

static int listen_socket(void)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
        unlink(sock_path);
        assert_int_equal(bind(fd, (void *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 16), 0);
        return fd;
}

static void block(int how)
{
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(how, &set, NULL);
}

static int start_server(void **state)
{
        int fd = listen_socket();

        (void)state;
        server = fork();
        if (server == 0) {
                block(SIG_BLOCK);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                _exit(pvf_serve(fd, list) < 0);
        }
        close(fd);
        return server < 0;
}

static int stop_server(void **state)
{
        int status;

        (void)state;
        kill(server, SIGTERM);
        waitpid(server, &status, 0);
        return !WIFEXITED(status) || WEXITSTATUS(status);
}

struct result {
        int r, status;
        char why[PVF_MAX_TEXT + 1];
        char out[256];
};

/* A relay in a child (its stdout a pipe), asking for name with sh -c script. */
static pid_t relay(const char *name, const char *script, const char *rust_log, int out_fd,
                   int res_fd)
{
        pid_t pid = fork();

        if (pid)
                return pid;
        struct pvf_request req = {.release = release,
                                  .name = name,
                                  .rust_log = rust_log,
                                  .argc = 3,
                                  .argv = {"sh", "-c", script}};
        struct result res = {0};
        sigset_t set;
        uid_t uid;

        sigemptyset(&set);
        for (int i = 0; pvf_forwarded_signals[i]; i++)
                sigaddset(&set, pvf_forwarded_signals[i]);
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        int sock = pvf_relay_connect(sock_path, &uid);
        dup2(out_fd, 1);
        res.r = sock < 0 ? sock
                         : pvf_relay_run(sock, sig_fd, &req, &res.status, res.why, sizeof(res.why));
        if (write(res_fd, &res, sizeof(res)) != sizeof(res))
                _exit(3);
        _exit(0);
}

static struct result run(const char *name, const char *script, const char *rust_log)
{
        int out[2], res[2], status;
        struct result r = {0};
        pid_t pid;
        ssize_t n;

        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        assert_int_equal(pipe2(res, O_CLOEXEC), 0);
        pid = relay(name, script, rust_log, out[1], res[1]);
        close(out[1]);
        close(res[1]);
        assert_int_equal(read(res[0], &r, sizeof(r)), sizeof(r));
        n = read(out[0], r.out, sizeof(r.out) - 1);
        r.out[n > 0 ? n : 0] = '\0';
        waitpid(pid, &status, 0);
        close(out[0]);
        close(res[0]);
        return r;
}

static void test_exit_code_and_stdout(void **state)
{
        struct result r = run("polkadot-prepare-worker", "echo 1.16.0; exit 3", NULL);

        (void)state;
        assert_int_equal(r.r, 0);
        assert_true(WIFEXITED(r.status));
        assert_int_equal(WEXITSTATUS(r.status), 3);
        assert_string_equal(r.out, "1.16.0\n");
}

static void test_death_by_signal(void **state)
{
        struct result r = run("polkadot-prepare-worker", "kill -SEGV $$", NULL);

        (void)state;
        assert_int_equal(r.r, 0);
        assert_true(WIFSIGNALED(r.status));
        assert_int_equal(WTERMSIG(r.status), SIGSEGV);
}

static void test_environment_cleared(void **state)
{
        struct result r;

        (void)state;
        setenv("SECRET_TEST_VAR", "x", 1);
        r = run("polkadot-prepare-worker", "export -p | grep -v ' PWD=' | sort", "debug");
        assert_int_equal(r.r, 0);
        assert_string_equal(r.out, "export RUST_LOG='debug'\n");
        r = run("polkadot-prepare-worker", "export -p | grep -v ' PWD=' | wc -l", NULL);
        assert_string_equal(r.out, "0\n");
}

static void test_refused(void **state)
{
        char sha[65];
        struct result r;

        (void)state;
        r = run("polkadot", "exit 0", NULL);
        assert_int_equal(r.r, -EPERM);
        assert_string_equal(r.why, "'polkadot' is not a worker name");
        /* Listed but no such file; then the file listed with another hash. */
        r = run("polkadot-execute-worker", "exit 0", NULL);
        assert_int_equal(r.r, -EPERM);
        assert_non_null(strstr(r.why, "pvf/1.16.0/polkadot-execute-worker is not a worker of an"));
        memset(sha, 'a', 64);
        sha[64] = '\0';
        struct stat st;
        assert_int_equal(stat(worker, &st), 0);
        write_list(sha, (long long)st.st_size);
        pvf_allow_forget();
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_int_equal(r.r, -EPERM);
        assert_non_null(strstr(r.why, ", the state says aaaa"));
        write_list(sha, 1);
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_non_null(strstr(r.why, "the state says 1"));
        list_worker();
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_int_equal(r.r, 0);
}

/* The list says one hash; the spawner already verified the file once; a change to the file
 * (even of the same size) is seen, not answered from the remembered hash. */
static void test_changed_worker_refused(void **state)
{
        struct result r;
        char cmd[700];

        (void)state;
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_int_equal(r.r, 0);
        snprintf(cmd, sizeof(cmd), "printf X | dd of=%s bs=1 seek=100 conv=notrunc status=none",
                 worker);
        assert_int_equal(system(cmd), 0);
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_int_equal(r.r, -EPERM);
        assert_non_null(strstr(r.why, "sha256"));
        snprintf(cmd, sizeof(cmd), "cp /bin/sh %s", worker);
        assert_int_equal(system(cmd), 0);
        r = run("polkadot-prepare-worker", "exit 0", NULL);
        assert_int_equal(r.r, 0);
}

static void test_release_path_refused(void **state)
{
        char why[PVF_MAX_TEXT];
        char other[300];
        int fd = -1;

        (void)state;
        snprintf(other, sizeof(other), "%s/../1.16.0", release);
        assert_int_equal(
            pvf_allow_open(list, other, "polkadot-prepare-worker", &fd, why, sizeof(why)), -EPERM);
        assert_non_null(strstr(why, "is not canonical"));
        assert_int_equal(pvf_allow_open(list, "releases/1.16.0", "polkadot-prepare-worker", &fd,
                                        why, sizeof(why)),
                         -EPERM);
        assert_int_equal(fd, -1);
}

static bool gone(pid_t pid)
{
        char p[64];
        FILE *f;
        char st = 0;

        snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        if (!(f = fopen(p, "r")))
                return true;
        /* A zombie is gone too: only its parent's wait is left. */
        int ok = fscanf(f, "%*d %*s %c", &st);
        fclose(f);
        return ok == 1 && st == 'Z';
}

static bool wait_gone(pid_t pid)
{
        for (int i = 0; i < 300; i++) {
                if (gone(pid))
                        return true;
                usleep(10000);
        }
        return false;
}

/* The worker writes its pid to the pipe, then sleeps: the relay pid and the worker pid. */
static pid_t sleeper(int *ret_out, pid_t *ret_worker, int *ret_res)
{
        int out[2], res[2];
        char b[32] = "";
        pid_t pid;

        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        assert_int_equal(pipe2(res, O_CLOEXEC), 0);
        pid = relay("polkadot-prepare-worker", "echo $$; exec sleep 30", NULL, out[1], res[1]);
        close(out[1]);
        close(res[1]);
        assert_true(read(out[0], b, sizeof(b) - 1) > 0);
        *ret_worker = (pid_t)strtol(b, NULL, 10);
        *ret_out = out[0];
        *ret_res = res[0];
        return pid;
}

static void test_sigterm_forwarded(void **state)
{
        struct result r;
        int out, res, status;
        pid_t w, pid = sleeper(&out, &w, &res);

        (void)state;
        kill(pid, SIGTERM);
        assert_int_equal(read(res, &r, sizeof(r)), sizeof(r));
        assert_int_equal(r.r, 0);
        assert_true(WIFSIGNALED(r.status));
        assert_int_equal(WTERMSIG(r.status), SIGTERM);
        waitpid(pid, &status, 0);
        assert_true(wait_gone(w));
        close(out);
        close(res);
}

static void test_relay_killed_kills_worker(void **state)
{
        int out, res, status;
        pid_t w, pid = sleeper(&out, &w, &res);

        (void)state;
        assert_false(gone(w));
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        assert_true(wait_gone(w));
        close(out);
        close(res);
}

/* The worker's guard against an in-place upgrade signals its parent: that must be the node. */
static void test_parent_signal_reaches_node(void **state)
{
        int status;
        pid_t node = fork();

        (void)state;
        if (node == 0) {
                sigset_t set;
                struct timespec t = {5, 0};
                sigemptyset(&set);
                sigaddset(&set, SIGTERM);
                sigprocmask(SIG_BLOCK, &set, NULL);
                int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
                int res[2];
                if (pipe2(res, O_CLOEXEC) < 0)
                        _exit(2);
                relay("polkadot-prepare-worker", "kill -TERM $PPID; sleep 1", NULL, out, res[1]);
                _exit(sigtimedwait(&set, NULL, &t) == SIGTERM ? 0 : 1);
        }
        waitpid(node, &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_malformed_request(void **state)
{
        uid_t uid;
        int sock = pvf_relay_connect(sock_path, &uid);
        enum pvf_msg_type type;
        int32_t value;
        char text[PVF_MAX_TEXT + 1];

        (void)state;
        assert_true(sock >= 0);
        assert_int_equal(uid, getuid());
        assert_int_equal(pvf_send_with_fds(sock, "junk", 4, NULL, 0), 0);
        assert_int_equal(pvf_msg_recv(sock, &type, &value, text, sizeof(text)), 1);
        assert_int_equal(type, PVF_MSG_REFUSED);
        assert_string_equal(text, "malformed request");
        assert_int_equal(pvf_msg_recv(sock, &type, &value, text, sizeof(text)), 0);
        close(sock);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_exit_code_and_stdout, start_server, stop_server),
            cmocka_unit_test_setup_teardown(test_death_by_signal, start_server, stop_server),
            cmocka_unit_test_setup_teardown(test_environment_cleared, start_server, stop_server),
            cmocka_unit_test_setup_teardown(test_refused, start_server, stop_server),
            cmocka_unit_test_setup_teardown(test_changed_worker_refused, start_server, stop_server),
            cmocka_unit_test(test_release_path_refused),
            cmocka_unit_test_setup_teardown(test_sigterm_forwarded, start_server, stop_server),
            cmocka_unit_test_setup_teardown(test_relay_killed_kills_worker, start_server,
                                            stop_server),
            cmocka_unit_test_setup_teardown(test_parent_signal_reaches_node, start_server,
                                            stop_server),
            cmocka_unit_test_setup_teardown(test_malformed_request, start_server, stop_server),
        };
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, setup, teardown);
}
