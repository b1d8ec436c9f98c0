/* SPDX-License-Identifier: Apache-2.0 */
/* PVF jobs as upstream runs them (polkadot/node/core/pvf), for fake-polkadot.c, included
 * there (node and worker halves):
 * the node makes a worker directory (0700) and binds a Unix socket in its cache directory
 * under the base path (BASE/pvf-artifacts here; upstream's is in the database directory),
 * spawns the worker with --socket-path, --worker-dir-path and --node-impl-version and a
 * cleared environment, sends the job over the socket and reads the answer. The test's job
 * comes from BASE/fake-pvf-job (written by the test):
 *   report       the worker answers with its uid, cgroup, effective capabilities and
 *                network interfaces, and writes an artifact into its worker directory
 *   alloc MIB    the worker touches MIB MiB of memory, then reports
 *   sleep S      the worker sleeps S seconds (a long job, to be killed)
 * and the node appends one line per job to BASE/fake-pvf.log: the report, or how the worker
 * ended ("died by signal N", "exited with N"). */
#pragma once

#include <sys/un.h>

static int pvf_read_line(int fd, char *buf, size_t size, int timeout_ms)
{
        size_t n = 0;
        while (n + 1 < size) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, timeout_ms) <= 0)
                        break;
                ssize_t k = read(fd, buf + n, size - 1 - n);
                if (k <= 0)
                        break;
                n += (size_t)k;
                if (memchr(buf, '\n', n))
                        break;
        }
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return (int)n;
}

#ifdef FAKE_WORKER

static void pvf_field(const char *file, const char *key, char *out, size_t size)
{
        char line[512];
        FILE *f = fopen(file, "re");
        snprintf(out, size, "?");
        while (f && fgets(line, sizeof(line), f))
                if (!key || !strncmp(line, key, strlen(key))) {
                        line[strcspn(line, "\n")] = '\0';
                        snprintf(out, size, "%s", line + (key ? strlen(key) : 0));
                        break;
                }
        if (f)
                fclose(f);
}

/* The interfaces this process sees, comma-separated ("lo" alone: no network). */
static void pvf_ifaces(char *out, size_t size)
{
        char line[256];
        size_t n = 0;
        FILE *f = fopen("/proc/net/dev", "re");
        out[0] = '\0';
        for (int i = 0; f && fgets(line, sizeof(line), f); i++) {
                char name[64];
                if (i >= 2 && sscanf(line, " %63[^:]:", name) == 1 && n + strlen(name) + 2 < size)
                        n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", name);
        }
        if (f)
                fclose(f);
}

static void pvf_report(int s, const char *dir)
{
        char cg[256], cap[64], ifs[256], msg[1024], art[PATH_MAX];
        pvf_field("/proc/self/cgroup", NULL, cg, sizeof(cg));
        pvf_field("/proc/self/status", "CapEff:\t", cap, sizeof(cap));
        pvf_ifaces(ifs, sizeof(ifs));
        snprintf(art, sizeof(art), "%s/artifact", dir);
        int fd = open(art, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool wrote = fd >= 0 && write(fd, "compiled\n", 9) == 9;
        if (fd >= 0)
                close(fd);
        snprintf(msg, sizeof(msg), "uid=%u cgroup=%s capeff=%s ifaces=%s artifact=%s\n",
                 (unsigned)getuid(), cg, cap, ifs, wrote ? "written" : strerror(errno));
        if (write(s, msg, strlen(msg)) < 0)
                perror("write");
}

static void pvf_alloc(unsigned long mib)
{
        for (unsigned long i = 0; i < mib; i++) {
                char *p = malloc(1 << 20);
                if (!p)
                        _exit(3);
                memset(p, (int)i | 1, 1 << 20);
        }
}

/* The job over the node's socket; 0 when there is no socket to talk to (the node of the
 * other tests passes a path nobody listens on). */
static int pvf_worker_job(const char *socket_path, const char *dir)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char job[128];
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (strlen(socket_path) < sizeof(sa.sun_path))
                memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
        if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno != ENOENT)
                        fprintf(stderr, "worker: cannot connect to %s: %s\n", socket_path,
                                strerror(errno));
                if (s >= 0)
                        close(s);
                return errno == ENOENT ? 0 : 1;
        }
        pvf_read_line(s, job, sizeof(job), 5000);
        if (!strncmp(job, "alloc ", 6))
                pvf_alloc(strtoul(job + 6, NULL, 10));
        if (!strncmp(job, "sleep ", 6))
                sleep((unsigned)strtoul(job + 6, NULL, 10));
        pvf_report(s, dir);
        close(s);
        return 0;
}

#else /* the node */

static void pvf_log(const char *base, const char *job, const char *what)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/fake-pvf.log", base);
        FILE *f = fopen(path, "ae");
        if (!f)
                return;
        fprintf(f, "job %s: %s\n", job, what);
        fclose(f);
}

static int pvf_listen(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (strlen(path) >= sizeof(sa.sun_path))
                return -1;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
                if (s >= 0)
                        close(s);
                return -1;
        }
        return s;
}

/* In the child: exec a worker as upstream's node does, the environment cleared but for
 * RUST_LOG. */
static _Noreturn void pvf_exec_worker(char *const argv[])
{
        const char *rust_log = getenv("RUST_LOG");
        char env0[256];
        char *envp[] = {env0, NULL};
        snprintf(env0, sizeof(env0), "RUST_LOG=%s", rust_log ? rust_log : "");
        execve(argv[0], argv, rust_log ? envp : envp + 1);
        _exit(127);
}

static pid_t pvf_spawn(char *const argv[])
{
        pid_t pid = fork();
        if (pid == 0)
                pvf_exec_worker(argv);
        return pid;
}

/* The job's exchange: send it, read the report (up to the job's own time plus 30 s). */
static void pvf_talk(int l, const char *job, char *report, size_t size)
{
        struct pollfd p = {.fd = l, .events = POLLIN};
        report[0] = '\0';
        if (poll(&p, 1, 10000) <= 0)
                return;
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return;
        char line[160];
        snprintf(line, sizeof(line), "%s\n", job);
        if (write(c, line, strlen(line)) > 0)
                pvf_read_line(c, report, size, 90000);
        close(c);
}

static void pvf_ended(const char *base, const char *job, int status, const char *report)
{
        char what[1200];
        if (WIFSIGNALED(status))
                snprintf(what, sizeof(what), "died by signal %d", WTERMSIG(status));
        else if (report[0])
                snprintf(what, sizeof(what), "%s", report);
        else
                snprintf(what, sizeof(what), "exited with %d", WEXITSTATUS(status));
        pvf_log(base, job, what);
}

/* One job of BASE/fake-pvf-job; false when there is none (the old spawn then runs). */
static bool pvf_job(const char *dir, const char *base)
{
        char jobf[PATH_MAX], cache[PATH_MAX / 2], wd[PATH_MAX], sock[PATH_MAX], job[128] = "";
        snprintf(jobf, sizeof(jobf), "%s/fake-pvf-job", base);
        FILE *f = fopen(jobf, "re");
        if (!f)
                return false;
        if (!fgets(job, sizeof(job), f))
                job[0] = '\0';
        fclose(f);
        job[strcspn(job, "\n")] = '\0';
        snprintf(cache, sizeof(cache), "%s/pvf-artifacts", base);
        mkdir(cache, 0750);
        snprintf(wd, sizeof(wd), "%s/worker-dir-XXXXXX", cache);
        snprintf(sock, sizeof(sock), "%s/pvf-host-prepare-%d", cache, (int)getpid());
        unlink(sock);
        int l = mkdtemp(wd) ? pvf_listen(sock) : -1;
        char path[PATH_MAX + 32], report[1024];
        snprintf(path, sizeof(path), "%s/" PREPARE, dir);
        char *argv[] = {path,
                        "--socket-path",
                        sock,
                        "--worker-dir-path",
                        wd,
                        "--node-impl-version",
                        (char *)version(),
                        NULL};
        pid_t pid = l >= 0 ? pvf_spawn(argv) : -1;
        int status = 0;
        if (pid > 0) {
                pvf_talk(l, job, report, sizeof(report));
                waitpid(pid, &status, 0);
                pvf_ended(base, job, status, report);
        }
        if (l >= 0)
                close(l);
        unlink(sock);
        char art[PATH_MAX + 16];
        snprintf(art, sizeof(art), "%s/artifact", wd);
        unlink(art);
        rmdir(wd);
        return true;
}

#endif
