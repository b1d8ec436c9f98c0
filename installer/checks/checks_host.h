/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel sandbox the node's PVF workers need, probed for real: seccomp, Landlock, an
 * unprivileged user namespace with pivot_root, and the node's rule that one of the last two
 * suffices. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

/* The fix for a host without user namespaces (the node probes give it too). */
extern const char pdi_userns_hint[];

void pdi_check_seccomp_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_landlock_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_userns_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_sandbox_run(const struct pdi_target *t, struct pdi_check_ctx *c);
