/* SPDX-License-Identifier: Apache-2.0 */
/* A fake Polkadot node (and, built with -DFAKE_WORKER, a fake PVF worker) that behaves like
 * upstream where the installer and its tests can tell (../shared/POLKADOT.md): the version
 * flags, where the node looks for its workers and the version check it runs on them, the
 * messages operators see, the secure-validator probes, workers spawned with a cleared
 * environment, and a minimal JSON-RPC `system_health` for health checks.
 *
 * The version is a fixed-size placeholder in the binary; tests/fake/set-version.py patches it
 * per release, so one build gives the binaries of any number of releases.
 *
 * The network key as polkadot >= 1.11 (polkadot-sdk #3852): `key generate-node-key [--file F]`
 * writes 32 random bytes as hex to F or stdout and a peer id to stderr; `--validator` without
 * a key file (--node-key-file, else BASE/chains/ID/network/secret_ed25519) refuses to start
 * with NetworkKeyNotFound unless --unsafe-force-node-key-generation or --node-key.
 *
 * Test hooks: FAKE_FAIL_AT_START=1 in the environment, or a file FAIL_AT_START next to the
 * executable, makes the node exit 1 at once (a release whose node cannot start). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION_TAG "PDIFAKEVERSION="
#define VERSION_SLOT 64
#define FAKE_COMMIT "fa4e000"
#define LIB_DIR "/usr/lib/polkadot"
#define PREPARE "polkadot-prepare-worker"
#define EXECUTE "polkadot-execute-worker"

/* Tag and version in one NUL-padded array; volatile so the compiler keeps no copy of it. */
static volatile const char version_slot[VERSION_SLOT] __attribute__((used)) = VERSION_TAG "1.0.0";

static const char *version(void)
{
        static char v[VERSION_SLOT];
        size_t tag = strlen(VERSION_TAG), i;
        for (i = 0; i + tag < VERSION_SLOT - 1 && version_slot[tag + i]; i++)
                v[i] = version_slot[tag + i];
        v[i] = '\0';
        return v;
}

static int print_version(bool full)
{
        printf(full ? "%s-" FAKE_COMMIT "\n" : "%s\n", version());
        return 0;
}

#include "fake_pvf.h"

#ifdef FAKE_WORKER
#include "fake-probes.h"

/* A worker spawned by the node: upstream's secure mode quits on any variable but RUST_LOG,
 * and a worker of another version stops its node (the in-place-upgrade guard). */
static int worker_job(const char *node_version, const char *socket_path, const char *dir)
{
        extern char **environ;
        for (char **e = environ; *e; e++)
                if (strncmp(*e, "RUST_LOG=", 9) != 0) {
                        fprintf(stderr, "worker: environment not cleared (%.*s)\n",
                                (int)strcspn(*e, "="), *e);
                        return 1;
                }
        if (node_version && strcmp(node_version, version()) != 0) {
                fprintf(stderr, "Node and worker version mismatch, node needs restarting, "
                                "forcing shutdown\n");
                kill(getppid(), SIGTERM);
                return 1;
        }
        return socket_path && dir ? pvf_worker_job(socket_path, dir) : 0;
}

/* A probe does for real what it names (fake-probes.h), unless a file PROBE_FAIL lies next to
 * the executable: then it fails as upstream's do, exit 1 and the reason on stderr, whatever the
 * host allows (so a test can tell a failure passed through from one the host caused). */
static int probe(const char *flag, const char *dir)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);
        char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
        if (slash) {
                strcpy(slash + 1, "PROBE_FAIL");
                if (access(self, F_OK) == 0) {
                        fprintf(stderr, "Cannot %s: Operation not permitted (os error 1)\n",
                                flag + 12);
                        return 1;
                }
        }
        fake_check_can(flag, dir);
}

int main(int argc, char **argv)
{
        const char *node_version = NULL, *socket_path = NULL, *dir = NULL;
        bool spawned = false;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "--full-version"))
                        return print_version(!strcmp(argv[i], "--full-version"));
                if (!strncmp(argv[i], "--check-can-", 12))
                        return probe(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
                if (!strcmp(argv[i], "--node-impl-version") && i + 1 < argc)
                        node_version = argv[++i];
                else if (!strcmp(argv[i], "--socket-path") && i + 1 < argc)
                        spawned = (socket_path = argv[++i]) != NULL;
                else if (!strcmp(argv[i], "--worker-dir-path") && i + 1 < argc)
                        spawned = (dir = argv[++i]) != NULL;
        }
        if (!spawned) {
                fprintf(stderr,
                        "usage: %s --socket-path P --worker-dir-path D "
                        "--node-impl-version V\n",
                        argv[0]);
                return 2;
        }
        return worker_job(node_version, socket_path, dir);
}

#else /* the node */

struct opts {
        const char *workers_path;
        const char *report;
        int rpc_port; /* 0: no RPC server */
        bool validator;
        bool insecure;
        bool force_key; /* --unsafe-force-node-key-generation, or --node-key HEX */
        const char *key_file, *base_path, *chain;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
        (void)sig;
        stop_requested = 1;
}

static int usage_error(const char *arg)
{
        fprintf(stderr, "error: unexpected argument '%s' found\n", arg);
        return 2;
}

/* Options taking a value: honoured ones are stored, the others accepted and ignored. */
static const char *const value_opts[] = {
    "--chain",          "--base-path",    "--name",      "--rpc-port",      "--prometheus-port",
    "--telemetry-url",  "--workers-path", "--report",    "--port",          "--rpc-cors",
    "--rpc-methods",    "--database",     "--sync",      "--pruning",       "--log",
    "--public-addr",    "--listen-addr",  "--bootnodes", "--node-key-file", "--state-pruning",
    "--blocks-pruning", "--node-key"};
static const char *const flag_opts[] = {"--validator",
                                        "--no-telemetry",
                                        "--insecure-validator-i-know-what-i-do",
                                        "--no-mdns",
                                        "--no-prometheus",
                                        "--rpc-external",
                                        "--unsafe-rpc-external",
                                        "--prometheus-external",
                                        "--no-hardware-benchmarks",
                                        "--unsafe-force-node-key-generation"};

static bool in(const char *const *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(list[i], name))
                        return true;
        return false;
}

static void store(struct opts *o, const char *name, const char *value)
{
        if (!strcmp(name, "--workers-path"))
                o->workers_path = value;
        else if (!strcmp(name, "--report"))
                o->report = value;
        else if (!strcmp(name, "--rpc-port"))
                o->rpc_port = atoi(value);
        else if (!strcmp(name, "--validator"))
                o->validator = true;
        else if (!strcmp(name, "--insecure-validator-i-know-what-i-do"))
                o->insecure = true;
        else if (!strcmp(name, "--unsafe-force-node-key-generation") || !strcmp(name, "--node-key"))
                o->force_key = true;
        else if (!strcmp(name, "--node-key-file"))
                o->key_file = value;
        else if (!strcmp(name, "--base-path"))
                o->base_path = value;
        else if (!strcmp(name, "--chain"))
                o->chain = value;
}

/* clap style: "--opt value" or "--opt=value". */
static int parse(int argc, char **argv, struct opts *o)
{
        for (int i = 1; i < argc; i++) {
                char name[64];
                const char *eq = strchr(argv[i], '=');
                size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
                if (len >= sizeof(name))
                        return usage_error(argv[i]);
                memcpy(name, argv[i], len);
                name[len] = '\0';
                if (in(flag_opts, sizeof(flag_opts) / sizeof(*flag_opts), name) && !eq) {
                        store(o, name, NULL);
                        continue;
                }
                if (!in(value_opts, sizeof(value_opts) / sizeof(*value_opts), name))
                        return usage_error(argv[i]);
                if (!eq && i + 1 >= argc) {
                        fprintf(stderr, "error: a value is required for '%s'\n", name);
                        return 2;
                }
                store(o, name, eq ? eq + 1 : argv[++i]);
        }
        return 0;
}

static bool exists(const char *dir, const char *name)
{
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_set(const char *dir)
{
        return dir && exists(dir, PREPARE) && exists(dir, EXECUTE);
}

static int exe_dir(char *buf, size_t size)
{
        ssize_t n = readlink("/proc/self/exe", buf, size - 1);
        if (n < 0)
                return -1;
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash)
                *(slash == buf ? slash + 1 : slash) = '\0';
        return 0;
}

/* polkadot/node/service/src/workers.rs: --workers-path only, else the executable's
 * directory, then /usr/lib/polkadot. */
static int find_workers(const struct opts *o, const char *self, char *ret_dir, size_t size)
{
        const char *found = NULL;
        if (o->workers_path) {
                if (has_set(o->workers_path))
                        found = o->workers_path;
        } else if (has_set(self)) {
                found = self;
                if (has_set(LIB_DIR))
                        printf("WARN: multiple sets of worker binaries found (%s, %s); using %s\n",
                               self, LIB_DIR, self);
        } else if (has_set(LIB_DIR)) {
                found = LIB_DIR;
        }
        if (!found) {
                fprintf(stderr,
                        "Error: Worker binaries could not be found, make sure polkadot was built "
                        "and installed correctly. Please see the readme for the latest "
                        "instructions (https://github.com/paritytech/polkadot-sdk/tree/master/"
                        "polkadot). If you ran with `cargo run`, please run `cargo build` first. "
                        "Searched given workers path (%s), polkadot binary path (%s), and lib "
                        "path (" LIB_DIR "), workers names: [\"" PREPARE "\", \"" EXECUTE "\"]\n",
                        o->workers_path ? o->workers_path : "None", self);
                return -1;
        }
        if (!realpath(found, ret_dir))
                snprintf(ret_dir, size, "%s", found);
        return 0;
}

/* Run a worker with an environment cleared but for RUST_LOG; its trimmed stdout in out. */
static int run_worker(char *const argv[], char *out, size_t size)
{
        int fds[2];
        if (pipe(fds) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(fds[1], 1);
                close(fds[0]);
                close(fds[1]);
                pvf_exec_worker(argv);
        }
        close(fds[1]);
        size_t len = 0;
        ssize_t n;
        while (pid > 0 && len + 1 < size && (n = read(fds[0], out + len, size - 1 - len)) > 0)
                len += (size_t)n;
        close(fds[0]);
        out[len] = '\0';
        while (len > 0 && strchr(" \t\r\n", out[len - 1]))
                out[--len] = '\0';
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int check_worker(const char *path)
{
        char out[256];
        char *argv[] = {(char *)path, "--version", NULL};
        if (access(path, X_OK) < 0) {
                fprintf(stderr, "Error: Worker binaries not executable, %s\n", path);
                return -1;
        }
        int k = run_worker(argv, out, sizeof(out));
        if (k != 0 || strcmp(out, version()) != 0) {
                fprintf(stderr,
                        "Error: Version of worker binary (%s) is different from node version "
                        "(%s), worker_path: %s. If you ran with `cargo run`, please run `cargo "
                        "build` first, otherwise try to `cargo clean`. TESTING ONLY: this check "
                        "can be disabled with --disable-worker-version-check\n",
                        out, version(), path);
                return -1;
        }
        return 0;
}

/* polkadot/node/core/pvf/src/security.rs: seccomp is mandatory, the rest is reported. */
static int secure_mode_probes(const char *prepare)
{
        static const char *const probes[] = {
            "--check-can-enable-landlock", "--check-can-enable-seccomp",
            "--check-can-unshare-user-namespace-and-change-root", "--check-can-do-secure-clone"};
        char out[256], tmp[] = "/tmp/fake-polkadot-probe.XXXXXX";
        bool have_tmp = mkdtemp(tmp) != NULL;
        int seccomp = -1;
        for (size_t i = 0; i < sizeof(probes) / sizeof(*probes); i++) {
                char *argv[] = {(char *)prepare, (char *)probes[i], have_tmp ? tmp : "/", NULL};
                if (i != 2)
                        argv[2] = NULL;
                int k = run_worker(argv, out, sizeof(out));
                printf("Secure validator mode: %s: %s\n", probes[i] + 12, k == 0 ? "yes" : "no");
                if (i == 1)
                        seccomp = k;
        }
        if (have_tmp)
                rmdir(tmp);
        if (seccomp != 0)
                fprintf(stderr, "Error: Your system cannot securely run a validator.\n");
        return seccomp == 0 ? 0 : -1;
}

static void write_report(const char *file, const char *dir)
{
        FILE *f = file ? fopen(file, "we") : NULL;
        if (file && !f) {
                fprintf(stderr, "WARN: cannot write report %s: %s\n", file, strerror(errno));
                return;
        }
        if (f) {
                fprintf(f, "version=%s\nprepare=%s/" PREPARE "\nexecute=%s/" EXECUTE "\npid=%d\n",
                        version(), dir, dir, (int)getpid());
                fclose(f);
        }
}

static bool fail_at_start(const char *self)
{
        const char *e = getenv("FAKE_FAIL_AT_START");
        return (e && !strcmp(e, "1")) || exists(self, "FAIL_AT_START");
}

/* Like a PVF job: the worker gets the socket, worker dir and node version, nothing else. */
static bool spawn_worker(const char *dir, const char *base)
{
        if (base && pvf_job(dir, base))
                return true;
        char path[PATH_MAX + 32], out[256];
        snprintf(path, sizeof(path), "%s/" PREPARE, dir);
        char *argv[] = {path,   "--socket-path",       "/tmp/fake-pvf.sock", "--worker-dir-path",
                        "/tmp", "--node-impl-version", (char *)version(),    NULL};
        int k = run_worker(argv, out, sizeof(out));
        if (k != 0)
                fprintf(stderr, "WARN: prepare worker %s exited with %d\n", path, k);
        return false;
}

static int rpc_listen(int port)
{
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
                fprintf(stderr, "Error: cannot serve RPC on 127.0.0.1:%d: %s\n", port,
                        strerror(errno));
                close(fd);
                return -1;
        }
        printf("Running JSON-RPC server: addr=127.0.0.1:%d\n", port);
        return fd;
}

/* Read headers and a Content-Length body (small requests only). */
static size_t read_request(int c, char *buf, size_t size)
{
        size_t len = 0;
        for (int rounds = 0; rounds < 64 && len + 1 < size; rounds++) {
                struct pollfd p = {.fd = c, .events = POLLIN};
                if (poll(&p, 1, 2000) <= 0)
                        break;
                ssize_t n = read(c, buf + len, size - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                char *body = strstr(buf, "\r\n\r\n");
                const char *cl = strcasestr(buf, "content-length:");
                if (body && (!cl || strlen(body + 4) >= strtoul(cl + 15, NULL, 10)))
                        break;
        }
        buf[len] = '\0';
        return len;
}

static void rpc_answer(int c)
{
        char req[16384], body[512], resp[1024];
        read_request(c, req, sizeof(req));
        const char *id = strstr(req, "\"id\"");
        long idv = id ? strtol(id + 4 + strspn(id + 4, " :"), NULL, 10) : 1;
        if (strstr(req, "\"system_health\""))
                snprintf(body, sizeof(body),
                         "{\"jsonrpc\":\"2.0\",\"result\":{\"peers\":1,\"isSyncing\":false,"
                         "\"shouldHavePeers\":true},\"id\":%ld}",
                         idv);
        else
                snprintf(body, sizeof(body),
                         "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,"
                         "\"message\":\"Method not found\"},\"id\":%ld}",
                         idv);
        int n = snprintf(resp, sizeof(resp),
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                         strlen(body), body);
        if (write(c, resp, (size_t)n) < 0)
                perror("write");
}

/* Until SIGTERM: answer RPC, and run a worker now and then as PVF jobs do. */
static int serve(int rpc_fd, const char *dir, const char *base)
{
        time_t next_spawn = 0;
        while (!stop_requested) {
                if (time(NULL) >= next_spawn) {
                        /* A test's job (fake_pvf.h) every 2 s, else every 10 s. */
                        next_spawn = time(NULL) + (spawn_worker(dir, base) ? 2 : 10);
                }
                struct pollfd p = {.fd = rpc_fd, .events = POLLIN};
                if (poll(&p, rpc_fd >= 0 ? 1 : 0, 1000) > 0) {
                        int c = accept4(rpc_fd, NULL, NULL, SOCK_CLOEXEC);
                        if (c >= 0) {
                                rpc_answer(c);
                                close(c);
                        }
                }
        }
        printf("Received SIGTERM, shutting down\n");
        return 0;
}

/* The chain ids of the built-in specs (what the node names chains/<id>/ after). */
static const char *chain_id(const char *chain)
{
        if (!chain || !strcmp(chain, "polkadot"))
                return "polkadot";
        if (!strcmp(chain, "kusama"))
                return "ksmcc3";
        if (!strcmp(chain, "westend"))
                return "westend2";
        return chain;
}

/* sc-cli node_key_params.rs: an authority without a persisted key does not start. */
static int check_node_key(const struct opts *o)
{
        char p[PATH_MAX];
        struct stat st;
        if (!o->validator || o->force_key)
                return 0;
        if (o->key_file)
                snprintf(p, sizeof(p), "%s", o->key_file);
        else
                snprintf(p, sizeof(p), "%s/chains/%s/network/secret_ed25519",
                         o->base_path ? o->base_path : ".local/share/polkadot", chain_id(o->chain));
        if (stat(p, &st) == 0)
                return 0;
        fprintf(stderr,
                "Error: NetworkKeyNotFound(\"%s\"): Starting an authority without "
                "network key in %s. Separately generate the key with: polkadot key "
                "generate-node-key --file <YOUR_PATH_TO_NODE_KEY>\n",
                p, p);
        return -1;
}

/* key generate-node-key [--file F]: hex secret to F or stdout, a peer id to stderr. */
static int generate_node_key(int argc, char **argv)
{
        unsigned char k[32];
        char hex[65];
        FILE *u = fopen("/dev/urandom", "rb");
        if (!u || fread(k, 1, sizeof(k), u) != sizeof(k)) {
                fprintf(stderr, "Error: cannot read /dev/urandom\n");
                return 1;
        }
        fclose(u);
        for (size_t i = 0; i < sizeof(k); i++)
                snprintf(hex + 2 * i, 3, "%02x", k[i]);
        FILE *out = stdout;
        if (argc >= 5 && !strcmp(argv[3], "--file") && !(out = fopen(argv[4], "w"))) {
                fprintf(stderr, "Error: Io(%s)\n", strerror(errno));
                return 1;
        }
        fputs(hex, out);
        if (out != stdout)
                fclose(out);
        fprintf(stderr, "12D3KooWFakePeerFakePeerFakePeerFakePeerXyz\n");
        return 0;
}

static int start_node(const struct opts *o)
{
        char self[PATH_MAX], dir[PATH_MAX], prep[PATH_MAX + 32], exec_[PATH_MAX + 32];
        if (exe_dir(self, sizeof(self)) < 0)
                return 1;
        if (fail_at_start(self)) {
                fprintf(stderr, "Error: fake node told to fail at start (FAIL_AT_START)\n");
                return 1;
        }
        printf("Parity Polkadot (fake)\nversion %s-" FAKE_COMMIT "\n", version());
        if (find_workers(o, self, dir, sizeof(dir)) < 0)
                return 1;
        snprintf(prep, sizeof(prep), "%s/" PREPARE, dir);
        snprintf(exec_, sizeof(exec_), "%s/" EXECUTE, dir);
        if (check_worker(prep) < 0 || check_worker(exec_) < 0 || check_node_key(o) < 0)
                return 1;
        if (o->validator && !o->insecure && secure_mode_probes(prep) < 0)
                return 1;
        printf("Using prepare worker: %s\nUsing execute worker: %s\n", prep, exec_);
        write_report(o->report, dir);
        int rpc_fd = o->rpc_port > 0 ? rpc_listen(o->rpc_port) : -1;
        if (o->rpc_port > 0 && rpc_fd < 0)
                return 1;
        fflush(stdout);
        return serve(rpc_fd, dir, o->base_path);
}

int main(int argc, char **argv)
{
        struct opts o = {0};
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "--full-version"))
                        return print_version(!strcmp(argv[i], "--full-version"));
        if (argc >= 3 && !strcmp(argv[1], "key") && !strcmp(argv[2], "generate-node-key"))
                return generate_node_key(argc, argv);
        int k = parse(argc, argv, &o);
        if (k)
                return k;
        struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll sees EINTR */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        setvbuf(stdout, NULL, _IOLBF, 0);
        return start_node(&o);
}

#endif
