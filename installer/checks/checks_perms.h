/* SPDX-License-Identifier: Apache-2.0 */
/* Who may do what to the install tree and the base path (ownership and modes up to /). */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_ownership_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_writable_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_exec_path_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_base_owner_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_keys_run(const struct pdi_target *t, struct pdi_check_ctx *c);
