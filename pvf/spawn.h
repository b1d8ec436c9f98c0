/* SPDX-License-Identifier: Apache-2.0 */
/* Starting one worker for a relay: the spawner's child becomes the worker, with the relay's
 * stdin/stdout/stderr, an environment of RUST_LOG alone, its own process group, killed when
 * the spawner dies, and executed from the very descriptor that was verified (no path is
 * looked up again between the hash check and the exec). */
#pragma once

#include <sys/types.h>

#include "proto.h"

/* Fork and exec; the child's pid in *ret_pid. fds: the relay's 0, 1, 2. */
int pvf_spawn(int exe_fd, const struct pvf_request *req, const int fds[3], pid_t *ret_pid);
