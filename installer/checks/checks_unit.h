/* SPDX-License-Identifier: Apache-2.0 */
/* The `unit` check: present, enabled, unchanged, not hardened so far that SVM breaks. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_unit_run(const struct pdi_target *t, struct pdi_check_ctx *c);
