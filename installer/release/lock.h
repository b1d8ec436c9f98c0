/* SPDX-License-Identifier: Apache-2.0 */
/* One installer at a time per host (or per --root): an flock(2) on
 * /var/lib/polkadot-installer/lock. The holder writes its pid, command and start time into
 * the file so that a waiting installer can name it. The lock dies with its process, so a
 * SIGKILLed installer never leaves a stale lock behind: its file may stay, harmless (the
 * next run takes the flock on it at once). Every other exit releases with pdi_lock_release:
 * where nothing else of ours is beside it (no state.json: nothing installed, or a refused
 * first install), the file and its directory go, so such a run leaves no trace; beside a
 * recorded install the file stays, as harmless as a killed run's. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"

/* Wait up to timeout_s seconds. On timeout: -PDI_E_FAILED, message naming the holder. */
int pdi_lock_take(const struct pdi_root *r, const char *path, const char *command,
                  unsigned timeout_s, int *ret_fd, struct pdi_error *err);

/* Close fd, so the lock is free; first unlink the file (if it is still the one fd holds)
 * and its then empty directory when the file is alone in it. fd < 0 does nothing. */
void pdi_lock_release(const struct pdi_root *r, const char *path, int fd);
