/* SPDX-License-Identifier: Apache-2.0 */
/* Which workers the spawner may start: the list the installer writes from its state, one
 * line per worker of each installed release:
 *   <sha256 hex> <size> <relay path> <worker path>
 * (the relay the node executes, the real worker it stands for), and the check that the file
 * about to be executed is that worker. A request names the relay's directory and name; the
 * spawner executes the very descriptor it verified. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Open the worker the request names, if the list at list_path allows it and the file's
 * sha256 and size match; the open descriptor (O_RDONLY|O_CLOEXEC) in *ret_fd. On refusal
 * -EPERM (or -errno) with the reason in why. */
int pvf_allow_open(const char *list_path, const char *release, const char *name, int *ret_fd,
                   char *why, size_t why_size);

/* Forget the hashes remembered by file identity (tests). */
void pvf_allow_forget(void);
