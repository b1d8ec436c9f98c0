/* SPDX-License-Identifier: Apache-2.0 */
/* See relay_run.h. No allocation: the relay is a small static program. */
#include "relay_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

const int pvf_forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, 0};

int pvf_relay_connect(const char *path, uid_t *ret_uid)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct timeval hello_timeout = {30, 0};
        enum pvf_msg_type type;
        int32_t value;
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hello_timeout, sizeof(hello_timeout)) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        int r = pvf_msg_recv(fd, &type, &value, NULL, 0);
        struct timeval none = {0, 0};
        if (r == 1 && type == PVF_MSG_HELLO && value >= 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none)) == 0) {
                *ret_uid = (uid_t)value;
                return fd;
        }
        close(fd);
        return r < 0 ? r : -EPROTO;
}

static int send_request(int sock, const struct pvf_request *req)
{
        static char buf[PVF_MAX_REQUEST];
        int fds[3] = {0, 1, 2};
        size_t len;
        int r = pvf_request_encode(req, buf, sizeof(buf), &len);

        return r < 0 ? r : pvf_send_with_fds(sock, buf, len, fds, 3);
}

/* A message from the spawner: 1 to go on, 0 when the worker's status is in *ret_status. */
static int on_message(int sock, int *ret_status, char *why, size_t why_size)
{
        enum pvf_msg_type type;
        int32_t value;
        char text[PVF_MAX_TEXT + 1];
        int r = pvf_msg_recv(sock, &type, &value, text, sizeof(text));

        if (r <= 0) {
                snprintf(why, why_size, "the PVF spawner closed the connection%s%s",
                         r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
                return r < 0 ? r : -ECONNRESET;
        }
        if (type == PVF_MSG_REFUSED) {
                snprintf(why, why_size, "%s", text);
                return -EPERM;
        }
        if (type == PVF_MSG_EXITED) {
                *ret_status = value;
                return 0;
        }
        if (type == PVF_MSG_PARENT_SIGNAL && value > 0 && value < NSIG)
                kill(getppid(), value);
        return 1;
}

static void forward_signals(int sock, int sig_fd)
{
        struct signalfd_siginfo si;

        while (read(sig_fd, &si, sizeof(si)) == sizeof(si))
                pvf_msg_send(sock, PVF_MSG_SIGNAL, (int32_t)si.ssi_signo, NULL);
}

int pvf_relay_run(int sock, int sig_fd, const struct pvf_request *req, int *ret_status, char *why,
                  size_t why_size)
{
        int r = send_request(sock, req);

        if (r < 0) {
                snprintf(why, why_size, "cannot send the request: %s", strerror(-r));
                return r;
        }
        for (;;) {
                struct pollfd p[2] = {{sock, POLLIN, 0}, {sig_fd, POLLIN, 0}};
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return snprintf(why, why_size, "poll: %s", strerror(errno)), -errno;
                if (p[1].revents & POLLIN)
                        forward_signals(sock, sig_fd);
                if (p[0].revents && (r = on_message(sock, ret_status, why, why_size)) <= 0)
                        return r;
        }
}
