/* One installer at a time per host (or per --root): an flock(2) on
 * /var/lib/polkadot-installer/lock. The holder writes its pid, command and start time into
 * the file so that a waiting installer can name it. The lock dies with its process, so a
 * SIGKILLed installer never leaves a stale lock behind. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"

/* Wait up to timeout_s seconds. On timeout: -PDI_E_FAILED, message naming the holder. */
int pdi_lock_take(const struct pdi_root *r, const char *path, const char *command,
                  unsigned timeout_s, int *ret_fd, struct pdi_error *err);
