/* SPDX-License-Identifier: Apache-2.0 */
/* The `elf` check: built for this host, hardened, no W+X segment (libelf). */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_elf_run(const struct pdi_target *t, struct pdi_check_ctx *c);
