/* SPDX-License-Identifier: Apache-2.0 */
/* Host checks around the node: cgroups, SELinux, and the filesystems it runs from. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_cgroups_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_selinux_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_noexec_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_free_space_run(const struct pdi_target *t, struct pdi_check_ctx *c);
