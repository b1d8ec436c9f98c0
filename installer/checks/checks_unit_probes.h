/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own --check-can-* probes under the installed unit's sandbox (a transient unit
 * with the unit's settings, on a live host), compared with the installer's probes. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_unit_probes_run(const struct pdi_target *t, struct pdi_check_ctx *c);
