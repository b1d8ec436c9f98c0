/* SPDX-License-Identifier: Apache-2.0 */
/* The spawner's loop: accept relays on listen_fd (SOCK_SEQPACKET), start the worker each one
 * asks for if the allow list permits it, forward the relay's signals, report the worker's
 * end, and SIGKILL the worker's process group when its relay goes away. Returns 0 on
 * SIGTERM/SIGINT from outside (after killing every worker), or -errno. SIGCHLD, SIGTERM and
 * SIGINT must be blocked by the caller (they are read from a signalfd). */
#pragma once

int pvf_serve(int listen_fd, const char *allow_list);
