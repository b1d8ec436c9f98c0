/* SPDX-License-Identifier: Apache-2.0 */
/* install --dry-run (and upgrade's): the plan as the shell commands a person would type, from
 * the verified manifest; nothing is written. INSTALL.md's manual path follows the same steps. */
#pragma once

#include "pipeline/options.h"

int pdi_plan_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o);
