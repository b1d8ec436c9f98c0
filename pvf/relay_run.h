/* SPDX-License-Identifier: Apache-2.0 */
/* The relay's half of the protocol: connect to the spawner, send the request with the
 * relay's stdin/stdout/stderr, forward the signals the node sends (read from sig_fd, a
 * signalfd of the forwarded set), pass a worker's signal to its "parent" on to the relay's
 * parent, and return the worker's wait status. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "proto.h"

/* Signals the node may send a worker that the relay forwards. */
extern const int pvf_forwarded_signals[];

/* Connected SOCK_SEQPACKET socket to path, and the uid the spawner's workers run as (its
 * greeting, within 30 s) in *ret_uid; or -errno (-EPROTO: no greeting). */
int pvf_relay_connect(const char *path, uid_t *ret_uid);

/* 0 and the worker's wait status in *ret_status; -EPERM with the spawner's reason in why
 * when it refused; -errno (why says what) when the spawner went away. */
int pvf_relay_run(int sock, int sig_fd, const struct pvf_request *req, int *ret_status, char *why,
                  size_t why_size);
