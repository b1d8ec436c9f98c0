/* SPDX-License-Identifier: Apache-2.0 */
/* The relay/spawner wire format: see proto.h. The request is
 *   u32 magic, u32 argc, then NUL-terminated strings: release, name, rust_log flag ("0" or
 *   "1" + value), argv[0..argc-1]; nothing after the last.
 * Messages are u32 type, i32 value, then the text without its NUL. Host byte order: both ends
 * run on the same machine. */
#include "proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pvf_worker_name_ok(const char *name)
{
        if (!name ||
            (strcmp(name, "polkadot-prepare-worker") && strcmp(name, "polkadot-execute-worker")))
                return -EINVAL;
        return 0;
}

static int put(char *buf, size_t size, size_t *pos, const void *p, size_t n)
{
        if (n > size - *pos)
                return -E2BIG;
        memcpy(buf + *pos, p, n);
        *pos += n;
        return 0;
}

static int put_str(char *buf, size_t size, size_t *pos, const char *s)
{
        return put(buf, size, pos, s, strlen(s) + 1);
}

int pvf_request_encode(const struct pvf_request *req, char *buf, size_t size, size_t *ret_len)
{
        uint32_t head[2] = {PVF_MAGIC, (uint32_t)req->argc};
        size_t pos = 0;
        int r;

        if (req->argc < 0 || req->argc > PVF_MAX_ARGS || size > PVF_MAX_REQUEST)
                return -E2BIG;
        r = put(buf, size, &pos, head, sizeof(head));
        r = r ?: put_str(buf, size, &pos, req->release);
        r = r ?: put_str(buf, size, &pos, req->name);
        r = r ?: put_str(buf, size, &pos, req->rust_log ? "1" : "0");
        if (!r && req->rust_log)
                r = put_str(buf, size, &pos, req->rust_log);
        for (int i = 0; !r && i < req->argc; i++)
                r = put_str(buf, size, &pos, req->argv[i]);
        if (r)
                return r;
        *ret_len = pos;
        return 0;
}

/* The next NUL-terminated string at *pos, or NULL when none is left. */
static const char *take_str(const char *buf, size_t len, size_t *pos)
{
        const char *s = buf + *pos;
        const char *end;

        if (*pos >= len)
                return NULL;
        end = memchr(s, '\0', len - *pos);
        if (!end)
                return NULL;
        *pos += (size_t)(end - s) + 1;
        return s;
}

static int decode_head(const char *buf, size_t len, uint32_t *ret_argc)
{
        uint32_t head[2];

        if (len < sizeof(head) || len > PVF_MAX_REQUEST)
                return -EBADMSG;
        memcpy(head, buf, sizeof(head));
        if (head[0] != PVF_MAGIC || head[1] > PVF_MAX_ARGS)
                return -EBADMSG;
        *ret_argc = head[1];
        return 0;
}

int pvf_request_decode(char *buf, size_t len, struct pvf_request *ret)
{
        struct pvf_request req = {0};
        size_t pos = 8;
        uint32_t argc;
        const char *flag;

        if (decode_head(buf, len, &argc) < 0)
                return -EBADMSG;
        req.release = take_str(buf, len, &pos);
        req.name = take_str(buf, len, &pos);
        flag = take_str(buf, len, &pos);
        if (!req.release || !req.name || !flag || (strcmp(flag, "0") && strcmp(flag, "1")))
                return -EBADMSG;
        if (flag[0] == '1' && !(req.rust_log = take_str(buf, len, &pos)))
                return -EBADMSG;
        req.argc = (int)argc;
        for (uint32_t i = 0; i < argc; i++)
                if (!(req.argv[i] = take_str(buf, len, &pos)))
                        return -EBADMSG;
        if (pos != len || argc == 0)
                return -EBADMSG;
        *ret = req;
        return 0;
}

int pvf_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
        union {
                struct cmsghdr align;
                char space[CMSG_SPACE(sizeof(int) * 3)];
        } ctl = {0};
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

        if (nfds < 0 || nfds > 3)
                return -EINVAL;
        if (nfds > 0) {
                mh.msg_control = ctl.space;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
        }
        ssize_t n;
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

/* Collect the descriptors of every SCM_RIGHTS header; more than max: all closed, -EBADMSG. */
static int take_fds(struct msghdr *mh, int *ret_fds, int max_fds, int *ret_nfds)
{
        int n = 0, r = 0;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (n < max_fds)
                                ret_fds[n++] = fd;
                        else {
                                close(fd);
                                r = -EBADMSG;
                        }
                }
        }
        *ret_nfds = n;
        return r;
}

static void close_fds(int *fds, int n)
{
        for (int i = 0; i < n; i++)
                close(fds[i]);
}

int pvf_recv_with_fds(int sock, void *buf, size_t size, int *ret_fds, int max_fds, int *ret_nfds)
{
        union {
                struct cmsghdr align;
                char space[CMSG_SPACE(sizeof(int) * 8)];
        } ctl;
        struct iovec iov = {.iov_base = buf, .iov_len = size};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        int fds[8], nfds = 0;
        ssize_t n;

        mh.msg_control = ctl.space;
        mh.msg_controllen = sizeof(ctl.space);
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        int r = take_fds(&mh, fds, max_fds < 8 ? max_fds : 8, &nfds);
        if (r == 0 && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
                r = -EBADMSG;
        if (r < 0) {
                close_fds(fds, nfds);
                return r;
        }
        memcpy(ret_fds, fds, sizeof(int) * (size_t)nfds);
        *ret_nfds = nfds;
        return (int)n;
}

int pvf_msg_send(int sock, enum pvf_msg_type type, int32_t value, const char *text)
{
        char buf[8 + PVF_MAX_TEXT];
        uint32_t t = (uint32_t)type;
        size_t n = text ? strnlen(text, PVF_MAX_TEXT) : 0;

        memcpy(buf, &t, 4);
        memcpy(buf + 4, &value, 4);
        if (n)
                memcpy(buf + 8, text, n);
        return pvf_send_with_fds(sock, buf, 8 + n, NULL, 0);
}

int pvf_msg_recv(int sock, enum pvf_msg_type *ret_type, int32_t *ret_value, char *text,
                 size_t text_size)
{
        char buf[8 + PVF_MAX_TEXT + 1];
        int fds[1], nfds = 0;
        uint32_t t;
        int n = pvf_recv_with_fds(sock, buf, sizeof(buf), fds, 0, &nfds);

        if (n <= 0)
                return n;
        if (n < 8 || n > 8 + PVF_MAX_TEXT)
                return -EBADMSG;
        memcpy(&t, buf, 4);
        if (t < PVF_MSG_STARTED || t > PVF_MSG_HELLO)
                return -EBADMSG;
        if (text && text_size > 0) {
                size_t k = (size_t)n - 8 < text_size - 1 ? (size_t)n - 8 : text_size - 1;
                memcpy(text, buf + 8, k);
                text[k] = '\0';
        }
        *ret_type = (enum pvf_msg_type)t;
        memcpy(ret_value, buf + 4, 4);
        return 1;
}
