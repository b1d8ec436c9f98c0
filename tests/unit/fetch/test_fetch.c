/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/fetch/fetch.c against real servers on 127.0.0.1: lighttpd (started through
 * tests/lighttpd.sh; it honours Range) for the ordinary paths, and a tiny forked server in
 * this file for what lighttpd will not do (no Content-Length, ignoring Range, a 500, a
 * redirect to file://). Every server is stopped in the group teardown, and lighttpd gets a
 * watchdog on this process, so a crash leaves nothing running. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testnet.h"

#include "fetch/fetch.h"
#include "trust/hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define BIG_SIZE (3u << 20)
#define MIB (1u << 20)

static struct {
        char tmp[64];
        char docroot[128], st_main[128], st_slow[128];
        int port, slow_port, fake_port;
        pid_t fake_pid;
        unsigned char *big;
        char big_sha[65], first_mib_sha[65];
} E = {.tmp = "/tmp/pdi-fetch.XXXXXX"};

/* Fast retries: tests must not sit in backoff. */
static const struct pdi_fetch_opts fast = {.retries = 1, .backoff_ms = 10, .connect_timeout_s = 5};

static void msleep(unsigned ms)
{
        struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
}

static int lighttpd_start(const char *statedir, int port, const char *extra)
{
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "%s%.0d LIGHTTPD_OWNER_PID=%d bash '%s/tests/lighttpd.sh' start '%s' '%s' %s%s%s",
                 port ? "PORT=" : "", port, (int)getpid(), getenv("PDI_SOURCE_DIR"), E.docroot,
                 statedir, extra ? "'" : "", extra ? extra : "", extra ? "'" : "");
        FILE *p = popen(cmd, "r");
        int got = 0;
        if (p && fscanf(p, "%d", &got) != 1)
                got = 0;
        if (p && pclose(p) != 0)
                got = 0;
        return got;
}

static void lighttpd_stop(const char *statedir)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "bash '%s/tests/lighttpd.sh' stop '%s'",
                 getenv("PDI_SOURCE_DIR"), statedir);
        if (system(cmd) != 0)
                fprintf(stderr, "stopping lighttpd in %s failed\n", statedir);
}

static pid_t read_pid(const char *statedir)
{
        char path[256];
        int pid = 0;
        snprintf(path, sizeof(path), "%s/pid", statedir);
        FILE *f = fopen(path, "re");
        if (f && fscanf(f, "%d", &pid) != 1)
                pid = 0;
        if (f)
                fclose(f);
        return pid;
}

/* lighttpd buffers its access log: poll for a line "STATUS BYTES GET PATH". */
static bool access_log_has(const char *statedir, int status, const char *path, long *ret_bytes)
{
        char file[256], line[512];
        snprintf(file, sizeof(file), "%s/access.log", statedir);
        for (int tries = 0; tries < 100; tries++, msleep(100)) {
                FILE *f = fopen(file, "re");
                while (f && fgets(line, sizeof(line), f)) {
                        int s;
                        long b;
                        char p[256];
                        if (sscanf(line, "%d %ld GET %255s", &s, &b, p) == 3 && s == status &&
                            strcmp(p, path) == 0) {
                                *ret_bytes = b;
                                fclose(f);
                                return true;
                        }
                }
                if (f)
                        fclose(f);
        }
        return false;
}

static void write_file(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        close(fd);
}

static int tmp_fd(void)
{
        int fd = open(E.tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        return fd;
}

static off_t fd_size(int fd)
{
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        return st.st_size;
}

static void assert_fd_is_big(int fd)
{
        unsigned char *got = malloc(BIG_SIZE);
        assert_non_null(got);
        assert_int_equal(fd_size(fd), BIG_SIZE);
        assert_int_equal(pread(fd, got, BIG_SIZE, 0), (ssize_t)BIG_SIZE);
        assert_memory_equal(got, E.big, BIG_SIZE);
        free(got);
}

/* A port on which nothing listens (bound once by us, then released). */
static int dead_port(void)
{
        int port = 0, s = bind_local(&port);
        assert_true(s >= 0);
        close(s);
        return port;
}

static char *url(int port, const char *path)
{
        char *u = NULL;
        assert_true(asprintf(&u, "http://127.0.0.1:%d/%s", port, path) > 0);
        return u;
}

/* ---- the fake server: behaviours lighttpd will not show ---- */

static void fake_send(int c, const void *p, size_t n)
{
        (void)!send(c, p, n, MSG_NOSIGNAL);
}

static void fake_reply(int c, const char *req)
{
        char head[512];
        if (strstr(req, "GET /nolength ")) { /* 200, no Content-Length, body until close */
                snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                fake_send(c, head, strlen(head));
                fake_send(c, E.big, BIG_SIZE);
        } else if (strstr(req, "GET /norange ")) { /* ignores Range: always all of it */
                snprintf(head, sizeof(head),
                         "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
                         BIG_SIZE);
                fake_send(c, head, strlen(head));
                fake_send(c, E.big, BIG_SIZE);
        } else if (strstr(req, "GET /norange-flaky ")) {
                /* ignores Range; without one, the first request gets a 503 */
                static unsigned plain;
                bool fail = !strstr(req, "Range:") && plain++ == 0;
                snprintf(head, sizeof(head),
                         fail ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: "
                                "close\r\n\r\n"
                              : "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: "
                                "close\r\n\r\n",
                         BIG_SIZE);
                fake_send(c, head, strlen(head));
                if (!fail)
                        fake_send(c, E.big, BIG_SIZE);
        } else if (strstr(req, "GET /tofile ")) {
                snprintf(head, sizeof(head),
                         "HTTP/1.1 302 Found\r\nLocation: file://%s/big\r\nContent-Length: "
                         "0\r\nConnection: close\r\n\r\n",
                         E.docroot);
                fake_send(c, head, strlen(head));
        } else {
                snprintf(head, sizeof(head),
                         "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n"
                         "Connection: close\r\n\r\n");
                fake_send(c, head, strlen(head));
        }
}

static void fake_serve(int s)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
                char req[4096];
                size_t len = 0;
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                while (len < sizeof(req) - 1) {
                        ssize_t n = recv(c, req + len, sizeof(req) - 1 - len, 0);
                        if (n <= 0)
                                break;
                        len += (size_t)n;
                        req[len] = '\0';
                        if (strstr(req, "\r\n\r\n"))
                                break;
                }
                req[len] = '\0';
                fake_reply(c, req);
                close(c);
        }
}

static int fake_start(void)
{
        int s = bind_local(&E.fake_port);
        if (s < 0 || listen(s, 16) < 0)
                return -1;
        E.fake_pid = fork();
        if (E.fake_pid == 0) {
                fake_serve(s);
                _exit(0);
        }
        close(s);
        return E.fake_pid > 0 ? 0 : -1;
}

/* ---- group setup ---- */

static int make_docroot(void)
{
        char path[256];
        E.big = malloc(BIG_SIZE);
        if (!E.big || !mkdtemp(E.tmp))
                return -1;
        for (size_t off = 0; off < BIG_SIZE;) {
                ssize_t n = getrandom(E.big + off, BIG_SIZE - off, 0);
                if (n <= 0)
                        return -1;
                off += (size_t)n;
        }
        snprintf(E.docroot, sizeof(E.docroot), "%s/doc", E.tmp);
        snprintf(E.st_main, sizeof(E.st_main), "%s/st-main", E.tmp);
        snprintf(E.st_slow, sizeof(E.st_slow), "%s/st-slow", E.tmp);
        if (mkdir(E.docroot, 0755) < 0)
                return -1;
        snprintf(path, sizeof(path), "%s/big", E.docroot);
        write_file(path, E.big, BIG_SIZE);
        snprintf(path, sizeof(path), "%s/small.txt", E.docroot);
        write_file(path, "hello manifest\n", 15);
        if (pdi_sha256_buf(E.big, BIG_SIZE, E.big_sha) < 0 ||
            pdi_sha256_buf(E.big, MIB, E.first_mib_sha) < 0)
                return -1;
        return 0;
}

static int group_setup(void **state)
{
        (void)state;
        if (!getenv("PDI_SOURCE_DIR") || make_docroot() < 0)
                return -1;
        E.port = lighttpd_start(E.st_main, 0, NULL);
        E.slow_port = lighttpd_start(E.st_slow, 0, "connection.kbytes-per-second = 1");
        if (!E.port || !E.slow_port || fake_start() < 0)
                return -1;
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        lighttpd_stop(E.st_main);
        lighttpd_stop(E.st_slow);
        if (E.fake_pid > 0) {
                kill(E.fake_pid, SIGKILL);
                waitpid(E.fake_pid, NULL, 0);
        }
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.tmp);
        free(E.big);
        return system(cmd) == 0 ? 0 : -1;
}

/* ---- cases ---- */

static int fetch(const struct pdi_fetch_opts *o, const char *u, int fd, uint64_t size,
                 const char *sha, struct pdi_error *err)
{
        const char *urls[] = {u};
        *err = (struct pdi_error){0};
        return pdi_fetch_artifact(o, urls, 1, fd, size, sha, err);
}

static void happy_path(void **state)
{
        (void)state;
        struct pdi_fetch_opts o = fast;
        o.progress = true;
        o.label = "big";
        _cleanup_free_ char *u = url(E.port, "big");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(fetch(&o, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
        /* Again on the finished file: nothing to transfer, the hash still decides. */
        assert_int_equal(fetch(&o, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
}

static void file_url_and_local_path(void **state)
{
        (void)state;
        char furl[300], path[256];
        struct pdi_error err;
        snprintf(path, sizeof(path), "%s/big", E.docroot);
        snprintf(furl, sizeof(furl), "file://%s", path);
        const char *sources[] = {furl, path};
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                _cleanup_close_ int fd = tmp_fd();
                assert_int_equal(fetch(&fast, sources[i], fd, BIG_SIZE, E.big_sha, &err), 0);
                assert_fd_is_big(fd);
        }
        /* a local path follows a symlink, like file:// and any command-line tool; a FIFO is
         * refused at once instead of blocking the run */
        char link[256], fifo[256];
        snprintf(link, sizeof(link), "%s/link", E.tmp);
        assert_int_equal(symlink(path, link), 0);
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(fetch(&fast, link, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
        unlink(link);
        snprintf(fifo, sizeof(fifo), "%s/fifo", E.tmp);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        _cleanup_close_ int fd2 = tmp_fd();
        assert_int_equal(fetch(&fast, fifo, fd2, BIG_SIZE, E.big_sha, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "not a regular file"));
        unlink(fifo);
}

static void resolve_table(void **state)
{
        (void)state;
        static const struct {
                const char *base, *ref, *want;
        } t[] = {
            {"https://h/rel/1.0/manifest.json", "polkadot", "https://h/rel/1.0/polkadot"},
            {"https://h/rel/m.json?x=1#f", "a", "https://h/rel/a"},
            {"https://h", "a", "https://h/a"},
            {"https://h/", "a", "https://h/a"},
            {"https://h?q=/x", "a", "https://h/a"},
            {"https://h:8443/x/m.json", "/abs/a", "https://h:8443/abs/a"},
            {"https://h/x/m.json", "http://o/a", "http://o/a"},
            {"https://h/x/m.json", "sub/a.tar.zst", "https://h/x/sub/a.tar.zst"},
            {"file:///srv/rel/m.json", "a", "file:///srv/rel/a"},
            {"/srv/rel/manifest.json", "polkadot", "/srv/rel/polkadot"},
            {"rel/manifest.json", "polkadot", "rel/polkadot"},
            {"manifest.json", "polkadot", "polkadot"},
            {"/srv/m.json", "/abs/x", "/abs/x"},
            {"/srv/m.json", "file:///x", "file:///x"},
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *got = pdi_url_resolve(t[i].base, t[i].ref);
                assert_non_null(got);
                assert_string_equal(got, t[i].want);
        }
        assert_true(pdi_url_scheme_is("HTTPS://h/x", "https"));
        assert_true(pdi_url_scheme_is("File:///x", "file"));
        assert_false(pdi_url_scheme_is("https://h/x", "http"));
        assert_false(pdi_url_scheme_is("http:/x", "http"));
        assert_false(pdi_url_scheme_is("/srv/http://x", "http"));
        assert_int_equal(pdi_url_scheme_length("git+ssh://h/x"), 10);
        assert_int_equal(pdi_url_scheme_length("/srv/x"), 0);
        assert_int_equal(pdi_url_scheme_length("rel/a:b://"), 0);
}

static void wrong_hash_truncates(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.port, "big");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        char sha[65];
        memset(sha, 'a', 64);
        sha[64] = '\0';
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, sha, &err), -PDI_E_INTEGRITY);
        assert_non_null(strstr(err.msg, u));
        assert_non_null(strstr(err.msg, E.big_sha));
        assert_non_null(strstr(err.msg, "signed aaaa"));
        assert_int_equal(fd_size(fd), 0);
}

static void more_than_signed_size(void **state)
{
        (void)state;
        /* lighttpd announces the length: refused before the body */
        _cleanup_free_ char *u = url(E.port, "big");
        /* the fake server sends no length: cut while streaming */
        _cleanup_free_ char *nolen = url(E.fake_port, "nolength");
        const char *sources[] = {u, nolen};
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                struct pdi_error err;
                _cleanup_close_ int fd = tmp_fd();
                assert_int_equal(fetch(&fast, sources[i], fd, MIB, E.first_mib_sha, &err),
                                 -PDI_E_INTEGRITY);
                assert_non_null(strstr(err.msg, "server sent more than the signed size 1048576"));
                assert_non_null(strstr(err.msg, sources[i]));
                assert_int_equal(fd_size(fd), 0);
        }
}

static void not_found_is_enoent(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.port, "nope.minisig");
        char furl[300], path[256];
        snprintf(path, sizeof(path), "%s/nope", E.docroot);
        snprintf(furl, sizeof(furl), "file://%s", path);
        const char *sources[] = {u, furl, path};
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                struct pdi_error err = {0};
                char *buf = NULL;
                size_t len = 0;
                assert_int_equal(pdi_fetch_memory(&fast, sources[i], 1024, &buf, &len, &err),
                                 -ENOENT);
                assert_null(buf);
                assert_non_null(strstr(err.msg, sources[i]));
        }
        struct pdi_error err = {0};
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(fetch(&fast, u, fd, 10, E.big_sha, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "HTTP 404"));
}

static void dead_mirror_then_good(void **state)
{
        (void)state;
        _cleanup_free_ char *dead = url(dead_port(), "big");
        _cleanup_free_ char *good = url(E.port, "big");
        const char *urls[] = {dead, good};
        struct pdi_error err = {0};
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(pdi_fetch_artifact(&fast, urls, 2, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
}

static void all_mirrors_dead(void **state)
{
        (void)state;
        _cleanup_free_ char *d1 = url(dead_port(), "big");
        _cleanup_free_ char *d2 = url(E.fake_port, "e500");
        const char *urls[] = {d1, d2};
        struct pdi_error err = {0};
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(pdi_fetch_artifact(&fast, urls, 2, fd, BIG_SIZE, E.big_sha, &err),
                         -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "all 2 sources failed: "));
        assert_non_null(strstr(err.msg, d1));
        assert_non_null(strstr(err.msg, "cannot connect: Connection refused"));
        assert_non_null(strstr(err.msg, d2));
        assert_non_null(strstr(err.msg, "HTTP 500"));
}

static void resume_partial_fd(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.port, "big");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(write(fd, E.big, MIB), MIB);
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
        long bytes = 0;
        assert_true(access_log_has(E.st_main, 206, "/big", &bytes));
        assert_int_equal(bytes, BIG_SIZE - MIB);
}

static void write_junk(int fd, size_t len)
{
        unsigned char *junk = calloc(1, len);
        assert_non_null(junk);
        assert_int_equal(write(fd, junk, len), (ssize_t)len);
        free(junk);
}

/* A prefix that a crashed run left wrong: the good server is asked again from byte 0, not
 * blamed; a server that serves wrong bytes itself still fails, after that one retry. */
static void resume_wrong_prefix(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.port, "big");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        write_junk(fd, MIB);
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
        _cleanup_close_ int bad = tmp_fd();
        char sha[65];
        memset(sha, 'a', 64);
        sha[64] = '\0';
        write_junk(bad, MIB);
        assert_int_equal(fetch(&fast, u, bad, BIG_SIZE, sha, &err), -PDI_E_INTEGRITY);
        char want[200];
        snprintf(want, sizeof(want), "%s: sha256 %s, signed %s", u, E.big_sha, sha);
        assert_string_equal(err.msg, want);
        assert_int_equal(fd_size(bad), 0);
        /* a longer file than signed is no prefix at all: start over */
        assert_int_equal(write(fd, E.big, BIG_SIZE), BIG_SIZE);
        assert_int_equal(write(fd, "x", 1), 1);
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
}

static void range_ignored_starts_over(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.fake_port, "norange");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(write(fd, E.big, MIB), MIB);
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd);
        /* Starting over is no failure of the source: with retries = 1, the 503 that follows
         * still gets its retry. */
        _cleanup_free_ char *flaky = url(E.fake_port, "norange-flaky");
        _cleanup_close_ int fd2 = tmp_fd();
        assert_int_equal(write(fd2, E.big, MIB), MIB);
        assert_int_equal(fetch(&fast, flaky, fd2, BIG_SIZE, E.big_sha, &err), 0);
        assert_fd_is_big(fd2);
}

static void no_redirect_to_file(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.fake_port, "tofile");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(fetch(&fast, u, fd, BIG_SIZE, E.big_sha, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, u));
        assert_non_null(strstr(err.msg, "file"));
        assert_int_equal(fd_size(fd), 0);
}

static void too_slow(void **state)
{
        (void)state;
        const struct pdi_fetch_opts o = {
            .low_speed_bytes = 100000, .low_speed_time_s = 1, .backoff_ms = 1, .retries = 1};
        _cleanup_free_ char *u = url(E.slow_port, "big");
        struct pdi_error err;
        _cleanup_close_ int fd = tmp_fd();
        assert_int_equal(fetch(&o, u, fd, BIG_SIZE, E.big_sha, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, u));
        assert_non_null(strstr(err.msg, "too slow"));
}

/* Child: download through a server that the parent kills and restarts. */
static _Noreturn void resume_child(int fd, const char *u)
{
        const struct pdi_fetch_opts o = {.retries = 8, .backoff_ms = 200};
        struct pdi_error err;
        int r = fetch(&o, u, fd, BIG_SIZE, E.big_sha, &err);
        if (r < 0)
                fprintf(stderr, "child: %s\n", err.msg);
        _exit(r == 0 ? 0 : 1);
}

static int wait_child(pid_t pid)
{
        int status = -1;
        for (int i = 0; i < 600; i++, msleep(100))
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return status;
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
}

static void dropped_connection_resumes(void **state)
{
        (void)state;
        char st1[160], st2[160];
        snprintf(st1, sizeof(st1), "%s/st-drop1", E.tmp);
        snprintf(st2, sizeof(st2), "%s/st-drop2", E.tmp);
        int port = lighttpd_start(st1, 0, "connection.kbytes-per-second = 256");
        assert_true(port > 0);
        _cleanup_free_ char *u = url(port, "big");
        _cleanup_close_ int fd = tmp_fd();
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0)
                resume_child(fd, u);
        for (int i = 0; i < 100 && fd_size(fd) == 0; i++)
                msleep(50);
        msleep(500);
        pid_t server = read_pid(st1);
        if (server > 0)
                kill(server, SIGKILL);
        off_t at_kill = fd_size(fd);
        int port2 = lighttpd_start(st2, port, NULL);
        int status = wait_child(child);
        lighttpd_stop(st1);
        lighttpd_stop(st2);
        assert_int_equal(port2, port);
        assert_true(at_kill > 0 && at_kill < (off_t)BIG_SIZE);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_fd_is_big(fd);
        long bytes = 0;
        assert_true(access_log_has(st2, 206, "/big", &bytes));
        assert_true(bytes > 0 && bytes < (long)BIG_SIZE);
}

static void memory_cap(void **state)
{
        (void)state;
        _cleanup_free_ char *u = url(E.port, "small.txt");
        char path[256];
        snprintf(path, sizeof(path), "%s/small.txt", E.docroot);
        const char *sources[] = {u, path};
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                struct pdi_error err = {0};
                char *buf = NULL;
                size_t len = 0;
                assert_int_equal(pdi_fetch_memory(&fast, sources[i], 15, &buf, &len, &err), 0);
                assert_int_equal(len, 15);
                assert_string_equal(buf, "hello manifest\n");
                free(buf);
                buf = NULL;
                assert_int_equal(pdi_fetch_memory(&fast, sources[i], 14, &buf, &len, &err),
                                 -PDI_E_INTEGRITY);
                assert_null(buf);
                assert_non_null(strstr(err.msg, "larger than 14 bytes"));
        }
        /* no Content-Length: cut while streaming */
        _cleanup_free_ char *nolen = url(E.fake_port, "nolength");
        struct pdi_error err = {0};
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(pdi_fetch_memory(&fast, nolen, 1000, &buf, &len, &err), -PDI_E_INTEGRITY);
        assert_non_null(strstr(err.msg, "larger than 1000 bytes"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(resolve_table),
            cmocka_unit_test(happy_path),
            cmocka_unit_test(file_url_and_local_path),
            cmocka_unit_test(wrong_hash_truncates),
            cmocka_unit_test(more_than_signed_size),
            cmocka_unit_test(not_found_is_enoent),
            cmocka_unit_test(dead_mirror_then_good),
            cmocka_unit_test(all_mirrors_dead),
            cmocka_unit_test(resume_partial_fd),
            cmocka_unit_test(resume_wrong_prefix),
            cmocka_unit_test(range_ignored_starts_over),
            cmocka_unit_test(no_redirect_to_file),
            cmocka_unit_test(too_slow),
            cmocka_unit_test(dropped_connection_resumes),
            cmocka_unit_test(memory_cap),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
