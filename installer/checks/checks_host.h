/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel sandbox the node's PVF workers need, probed for real: seccomp, Landlock, an
 * unprivileged user namespace with pivot_root, and the node's rule that one of the last two
 * suffices. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

#include <stddef.h>
#include <stdint.h>

/* The fix for a host without user namespaces (the node probes give it too). */
extern const char pdi_userns_hint[];

/* The Landlock rights of ABI abi (the newest known when abi is newer) and the size of the
 * ruleset attribute that carries them: what the landlock probe enforces. */
void pdi_landlock_attr_for(long abi, uint64_t *ret_fs, uint64_t *ret_net, uint64_t *ret_scoped,
                           size_t *ret_size);
#ifdef PDI_TESTING
/* Test seam: when set, the Landlock ABI query (landlock_create_ruleset with
 * LANDLOCK_CREATE_RULESET_VERSION) returns this instead: the ABI, or -errno. */
extern long (*pdi_test_landlock_abi)(void);
#endif

/* The installer's own probes, each run once per audit (the memo of c): r >= 0 passed (for
 * Landlock: the ABI), else -errno with why. */
const struct pdi_probe_memo *pdi_host_probe_seccomp(struct pdi_check_ctx *c);
const struct pdi_probe_memo *pdi_host_probe_landlock(struct pdi_check_ctx *c);
const struct pdi_probe_memo *pdi_host_probe_userns(const struct pdi_target *t,
                                                   struct pdi_check_ctx *c);

void pdi_check_seccomp_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_landlock_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_userns_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_sandbox_run(const struct pdi_target *t, struct pdi_check_ctx *c);
