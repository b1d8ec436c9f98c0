/* SPDX-License-Identifier: Apache-2.0 */
/* polkadot-pvf-spawner: the long-running service (polkadot-pvf.service, user pvf-worker)
 * that starts the real PVF workers for the relays the node executes (DESIGN §7).
 *   polkadot-pvf-spawner --allow FILE [--listen PATH]
 * Without --listen it takes the one socket systemd passes (polkadot-pvf.socket, which sets
 * the socket's group and mode); --listen binds PATH itself (tests, the benchmark). */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_on(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        unlink(path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
            listen(fd, 128) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* sd_listen_fds(3) without libsystemd: exactly one socket, passed to this very process. */
static int systemd_socket(void)
{
        const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");

        if (!pid || !n || strtol(pid, NULL, 10) != getpid() || strcmp(n, "1"))
                return -ENOENT;
        fcntl(3, F_SETFD, FD_CLOEXEC);
        return 3;
}

/* Descriptors 0-2 open (to /dev/null if not), so a received descriptor never lands there. */
static void stdio_open(void)
{
        for (int i = 0; i < 3; i++)
                if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i)
                        exit(1);
}

int main(int argc, char **argv)
{
        const char *allow = NULL, *listen_path = NULL;
        sigset_t set;
        int fd, r;

        stdio_open();
        for (int i = 1; i + 1 < argc; i += 2) {
                if (!strcmp(argv[i], "--allow"))
                        allow = argv[i + 1];
                else if (!strcmp(argv[i], "--listen"))
                        listen_path = argv[i + 1];
        }
        if (!allow || argc % 2 == 0) {
                fprintf(stderr, "usage: polkadot-pvf-spawner --allow FILE [--listen PATH]\n");
                return 2;
        }
        fd = listen_path ? listen_on(listen_path) : systemd_socket();
        if (fd < 0) {
                fprintf(stderr, "error: pvf-spawner: socket %s: %s\n",
                        listen_path ? listen_path : "from systemd", strerror(-fd));
                return 1;
        }
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        fprintf(stderr, "pvf-spawner: ready, workers allowed by %s\n", allow);
        r = pvf_serve(fd, allow);
        if (r < 0)
                fprintf(stderr, "error: pvf-spawner: %s\n", strerror(-r));
        return r < 0;
}
