/* SPDX-License-Identifier: Apache-2.0 */
/* See serve.h. The spawner is the parent of every worker and reaps them only here, so a pid
 * it signals cannot have been reused yet: kill(2) is as exact as a pidfd would be. */
#include "serve.h"
#include "allow.h"
#include "proto.h"
#include "spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONNS 256

struct conn {
        int fd;    /* -1: the relay is gone */
        pid_t pid; /* 0: no worker (yet) */
};

struct server {
        int listen_fd, sig_fd;
        const char *allow_list;
        struct conn c[MAX_CONNS];
        size_t n;
        bool stop;
};

static void drop(struct server *s, size_t i)
{
        if (s->c[i].fd >= 0)
                close(s->c[i].fd);
        s->c[i] = s->c[--s->n];
}

static void peer(int fd, char *buf, size_t size)
{
        struct ucred cr = {0};
        socklen_t len = sizeof(cr);

        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len);
        snprintf(buf, size, "pid %d uid %u", (int)cr.pid, (unsigned)cr.uid);
}

static void refuse(struct conn *c, const struct pvf_request *req, const char *why)
{
        char who[64];

        peer(c->fd, who, sizeof(who));
        fprintf(stderr, "pvf-spawner: refused %s/%s for %s: %s\n",
                req && req->release ? req->release : "?", req && req->name ? req->name : "?", who,
                why);
        pvf_msg_send(c->fd, PVF_MSG_REFUSED, 0, why);
}

static void close_all(int *fds, int n)
{
        for (int i = 0; i < n; i++)
                close(fds[i]);
}

/* The request: decoded, allowed, started; or refused and the connection closed. */
static void on_request(struct server *s, size_t i)
{
        static char buf[PVF_MAX_REQUEST];
        struct pvf_request req = {0};
        int fds[3], nfds = 0, exe = -1;
        char why[PVF_MAX_TEXT];
        int n = pvf_recv_with_fds(s->c[i].fd, buf, sizeof(buf), fds, 3, &nfds);

        if (n == 0 || n == -EAGAIN)
                return n ? (void)0 : drop(s, i);
        if (n < 0 || nfds != 3 || pvf_request_decode(buf, (size_t)n, &req) < 0) {
                refuse(&s->c[i], NULL, n < 0 ? strerror(-n) : "malformed request");
                close_all(fds, nfds);
                return drop(s, i);
        }
        if (pvf_allow_open(s->allow_list, req.release, req.name, &exe, why, sizeof(why)) < 0 ||
            pvf_spawn(exe, &req, fds, &s->c[i].pid) < 0) {
                refuse(&s->c[i], &req, exe < 0 ? why : "fork failed");
                if (exe >= 0)
                        close(exe);
                close_all(fds, 3);
                return drop(s, i);
        }
        close(exe);
        close_all(fds, 3);
        pvf_msg_send(s->c[i].fd, PVF_MSG_STARTED, s->c[i].pid, NULL);
}

/* The relay is gone: its worker must not outlive it. */
static void relay_gone(struct server *s, size_t i)
{
        kill(-s->c[i].pid, SIGKILL);
        kill(s->c[i].pid, SIGKILL);
        close(s->c[i].fd);
        s->c[i].fd = -1;
}

static void on_relay(struct server *s, size_t i)
{
        enum pvf_msg_type type;
        int32_t value;
        int r = pvf_msg_recv(s->c[i].fd, &type, &value, NULL, 0);

        if (r == -EAGAIN)
                return;
        if (r <= 0)
                return relay_gone(s, i);
        if (type == PVF_MSG_SIGNAL && value > 0 && value < NSIG)
                kill(s->c[i].pid, value);
}

static ssize_t find_pid(struct server *s, pid_t pid)
{
        for (size_t i = 0; pid > 0 && i < s->n; i++)
                if (s->c[i].pid == pid)
                        return (ssize_t)i;
        return -1;
}

static void reap(struct server *s)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                ssize_t i = find_pid(s, pid);
                if (i < 0)
                        continue;
                if (s->c[i].fd >= 0)
                        pvf_msg_send(s->c[i].fd, PVF_MSG_EXITED, status, NULL);
                drop(s, (size_t)i);
        }
}

/* SIGTERM from a worker is its in-place-upgrade guard stopping "its parent": that is the
 * node, so the relay passes it on. From anyone else it stops the spawner. */
static void on_signal(struct server *s)
{
        struct signalfd_siginfo si;

        while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
                ssize_t i = find_pid(s, (pid_t)si.ssi_pid);
                if (si.ssi_signo == SIGCHLD)
                        reap(s);
                else if (i >= 0 && si.ssi_code == SI_USER && s->c[i].fd >= 0)
                        pvf_msg_send(s->c[i].fd, PVF_MSG_PARENT_SIGNAL, (int32_t)si.ssi_signo,
                                     NULL);
                else if (i < 0)
                        s->stop = true;
        }
}

static void on_accept(struct server *s)
{
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (fd < 0)
                return;
        if (s->n == MAX_CONNS) {
                fprintf(stderr, "pvf-spawner: refused a relay: %d workers already\n", MAX_CONNS);
                close(fd);
                return;
        }
        s->c[s->n++] = (struct conn){fd, 0};
        pvf_msg_send(fd, PVF_MSG_HELLO, (int32_t)geteuid(), NULL);
}

static void step(struct server *s)
{
        struct pollfd p[MAX_CONNS + 2];
        size_t map[MAX_CONNS], np = 2;

        p[0] = (struct pollfd){s->sig_fd, POLLIN, 0};
        p[1] = (struct pollfd){s->listen_fd, POLLIN, 0};
        for (size_t i = 0; i < s->n; i++)
                if (s->c[i].fd >= 0) {
                        map[np - 2] = i;
                        p[np++] = (struct pollfd){s->c[i].fd, POLLIN, 0};
                }
        if (poll(p, np, -1) < 0)
                return;
        /* Connections first, from the last: drop() moves the last entry into a freed slot. */
        for (size_t k = np; k-- > 2;)
                if (p[k].revents) {
                        size_t i = map[k - 2];
                        s->c[i].pid ? on_relay(s, i) : on_request(s, i);
                }
        if (p[0].revents)
                on_signal(s);
        if (p[1].revents && !s->stop)
                on_accept(s);
}

int pvf_serve(int listen_fd, const char *allow_list)
{
        static struct server srv;
        struct server *s = &srv;
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        *s = (struct server){.listen_fd = listen_fd, .allow_list = allow_list};
        s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (s->sig_fd < 0)
                return -errno;
        while (!s->stop)
                step(s);
        for (size_t i = 0; i < s->n; i++)
                if (s->c[i].pid)
                        kill(-s->c[i].pid, SIGKILL), kill(s->c[i].pid, SIGKILL);
        while (s->n)
                drop(s, s->n - 1);
        close(s->sig_fd);
        return 0;
}
