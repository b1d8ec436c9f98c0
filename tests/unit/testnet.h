/* SPDX-License-Identifier: Apache-2.0 */
/* A TCP socket bound to an ephemeral port on 127.0.0.1, for unit tests that run a tiny
 * server in a forked child (or need a port on which nothing listens). */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The bound socket (not listening yet) and its port, or -1. */
static inline int bind_local(int *ret_port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            getsockname(s, (struct sockaddr *)&a, &len) < 0)
                return -1;
        *ret_port = ntohs(a.sin_port);
        return s;
}
