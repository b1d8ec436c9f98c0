/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own --check-can-* sandbox probes, run as the service user. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_node_probes_run(const struct pdi_target *t, struct pdi_check_ctx *c);
