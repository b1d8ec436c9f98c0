/* SPDX-License-Identifier: Apache-2.0 */
/* The release and install checks about what runs: version alignment run as the node runs
 * it, integrity against the signed manifest, and competing installs. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_versions_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_integrity_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_competing_run(const struct pdi_target *t, struct pdi_check_ctx *c);
