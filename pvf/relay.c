/* SPDX-License-Identifier: Apache-2.0 */
/* polkadot-pvf-relay: installed in place of polkadot-prepare-worker and
 * polkadot-execute-worker (DESIGN §7). The node executes it exactly as it would the worker;
 * it asks polkadot-pvf.service to start the real worker of its own release (resolved from
 * /proc/self/exe, never through `current`) as pvf-worker, and then behaves as that worker
 * did: same stdin/stdout/stderr, the node's signals forwarded, the same exit code or death
 * by the same signal. Statically linked, so no loader or library of the host is involved;
 * it calls nothing that needs NSS (the worker's uid comes from the spawner's greeting). */
#include "acl.h"
#include "proto.h"
#include "relay_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char self_dir[PATH_MAX], self_name[NAME_MAX + 1];

static void die(const char *what, const char *why)
{
        fprintf(stderr, "error: %s: %s\n", what, why);
        exit(1);
}

static void resolve_self(void)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash;

        if (n <= 0)
                die("pvf relay: /proc/self/exe", strerror(errno));
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (!slash || strlen(slash + 1) > NAME_MAX)
                die("pvf relay: /proc/self/exe", "not an absolute path");
        *slash = '\0';
        snprintf(self_dir, sizeof(self_dir), "%s", exe);
        snprintf(self_name, sizeof(self_name), "%s", slash + 1);
        if (pvf_worker_name_ok(self_name) < 0)
                die(self_name, "the PVF relay runs only as polkadot-prepare-worker or "
                               "polkadot-execute-worker");
}

/* The spawner's socket: one line in PVF_SOCKET_FILE beside the relay. */
static void socket_path(char *buf, size_t size)
{
        char file[PATH_MAX + 32];
        int fd;
        ssize_t n;

        snprintf(file, sizeof(file), "%s/" PVF_SOCKET_FILE, self_dir);
        fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                die(file, strerror(errno));
        n = read(fd, buf, size - 1);
        close(fd);
        if (n <= 1 || buf[0] != '/')
                die(file, "no socket path in it");
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

/* The paths the node hands this worker become reachable by pvf-worker; a failure is said
 * (the worker will fail on it) but the worker still runs and reports its own error. */
static void grant(const char *flag, const char *path, uid_t worker)
{
        unsigned perm = strcmp(flag, "--socket-path") ? 7 : 6;
        struct stat st;
        int r;

        /* Nothing to grant to the node's own user, nor to root (a misconfigured spawner). */
        if (worker == 0 || worker == getuid() || stat(path, &st) < 0 || st.st_uid != getuid())
                return;
        r = pvf_acl_ancestors(path, worker, getuid());
        r = r ?: pvf_acl_grant(path, worker, perm);
        if (!r && S_ISDIR(st.st_mode))
                r = pvf_acl_default(path, worker, getuid());
        if (r < 0)
                fprintf(stderr, "warning: pvf relay: cannot let the worker reach %s: %s\n", path,
                        strerror(-r));
}

static void grant_paths(int argc, char **argv, uid_t worker)
{
        static const char *const flags[] = {"--worker-dir-path", "--socket-path",
                                            "--check-can-unshare-user-namespace-and-change-root",
                                            NULL};

        for (int i = 1; i + 1 < argc; i++)
                for (int k = 0; flags[k]; k++)
                        if (!strcmp(argv[i], flags[k]))
                                grant(flags[k], argv[i + 1], worker);
}

static int block_signals(void)
{
        sigset_t set;

        sigemptyset(&set);
        for (int i = 0; pvf_forwarded_signals[i]; i++)
                sigaddset(&set, pvf_forwarded_signals[i]);
        sigprocmask(SIG_BLOCK, &set, NULL);
        return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* End the way the worker ended: its code, or death by its signal (no core file). */
static void mimic(int status)
{
        if (WIFEXITED(status))
                exit(WEXITSTATUS(status));
        int sig = WTERMSIG(status);
        struct rlimit none = {0, 0};
        sigset_t set;

        setrlimit(RLIMIT_CORE, &none);
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        exit(128 + sig);
}

static void std_open(void)
{
        for (int i = 0; i < 3; i++)
                if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i)
                        exit(1);
}

int main(int argc, char **argv)
{
        struct pvf_request req = {.argc = argc};
        char path[PATH_MAX], why[PVF_MAX_TEXT + 64];
        uid_t worker;
        int sock, sig_fd, status = 0;

        std_open();
        resolve_self();
        if (argc > PVF_MAX_ARGS)
                die(self_name, "too many arguments for the PVF relay");
        socket_path(path, sizeof(path));
        sig_fd = block_signals();
        if (sig_fd < 0)
                die("pvf relay: signalfd", strerror(errno));
        if ((sock = pvf_relay_connect(path, &worker)) < 0)
                die(path, strerror(-sock));
        grant_paths(argc, argv, worker);
        req.release = self_dir;
        req.name = self_name;
        req.rust_log = getenv("RUST_LOG");
        for (int i = 0; i < argc; i++)
                req.argv[i] = argv[i];
        if (pvf_relay_run(sock, sig_fd, &req, &status, why, sizeof(why)) < 0)
                die(self_name, why);
        mimic(status);
}
