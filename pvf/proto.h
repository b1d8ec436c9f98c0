/* SPDX-License-Identifier: Apache-2.0 */
/* The relay/spawner protocol (DESIGN §7): a SOCK_SEQPACKET connection, one message per packet.
 * The relay sends one request (its release, the worker's name, argv, RUST_LOG) with its
 * stdin/stdout/stderr attached (SCM_RIGHTS); then both sides exchange small messages: the
 * spawner says started/refused/exited, the relay forwards the signals the node sends it.
 * Shared by the relay (static, no allocation) and the spawner; nothing else of the installer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PVF_MAGIC 0x31465650u /* "PVF1" */
#define PVF_MAX_REQUEST 65536
#define PVF_MAX_ARGS 256
#define PVF_MAX_TEXT 512
/* Beside the relay: one line, the spawner's socket path (written by the installer). */
#define PVF_SOCKET_FILE "spawner-socket"

/* Messages after the request. */
enum pvf_msg_type {
        PVF_MSG_STARTED = 1,       /* spawner → relay: value = worker pid (its namespace) */
        PVF_MSG_REFUSED = 2,       /* spawner → relay: text = why */
        PVF_MSG_EXITED = 3,        /* spawner → relay: value = wait status */
        PVF_MSG_SIGNAL = 4,        /* relay → spawner: value = signal the node sent the relay */
        PVF_MSG_PARENT_SIGNAL = 5, /* spawner → relay: the worker signalled its parent */
        /* spawner → relay, first on every connection: value = the uid workers run as. Not
         * SO_PEERCRED: with socket activation the listening socket's creds are systemd's. */
        PVF_MSG_HELLO = 6,
};

struct pvf_request {
        const char *release;  /* absolute directory of the relay's release */
        const char *name;     /* polkadot-prepare-worker or polkadot-execute-worker */
        const char *rust_log; /* NULL: not set */
        int argc;
        const char *argv[PVF_MAX_ARGS + 1]; /* NULL-terminated */
};

/* One of the two names the node executes as workers; 0 or -EINVAL. */
int pvf_worker_name_ok(const char *name);

/* Encode into buf; the length in *ret_len. -E2BIG when it does not fit or has too many args. */
int pvf_request_encode(const struct pvf_request *req, char *buf, size_t size, size_t *ret_len);
/* Decode a hostile buffer; the strings of *ret point into buf, which must stay alive and
 * is NUL-terminated in place. -EBADMSG on anything malformed. */
int pvf_request_decode(char *buf, size_t len, struct pvf_request *ret);

/* Send buf with nfds descriptors attached; 0 or -errno. */
int pvf_send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);
/* Receive one packet and up to max_fds descriptors (O_CLOEXEC); returns the packet length
 * (0: the peer closed) or -errno; received descriptors beyond max_fds are closed and the
 * call fails with -EBADMSG, so is a truncated packet. *ret_nfds: how many arrived. */
int pvf_recv_with_fds(int sock, void *buf, size_t size, int *ret_fds, int max_fds, int *ret_nfds);

/* A small message: type, value and an optional text (at most PVF_MAX_TEXT bytes). */
int pvf_msg_send(int sock, enum pvf_msg_type type, int32_t value, const char *text);
/* 1 when a message was read, 0 when the peer closed, -errno or -EBADMSG. text (size ≥
 * PVF_MAX_TEXT + 1) receives the NUL-terminated text; may be NULL when none is expected. */
int pvf_msg_recv(int sock, enum pvf_msg_type *ret_type, int32_t *ret_value, char *text,
                 size_t text_size);
