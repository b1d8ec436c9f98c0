/* SPDX-License-Identifier: Apache-2.0 */
/* install --dry-run (and upgrade's): the plan as the shell commands a person would type, from
 * the verified manifest; nothing is written. INSTALL.md's manual path follows the same steps. */
#pragma once

#include "pipeline/options.h"

int pdi_plan_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o);

/* Which answer a refused plan is about, for the guided setup (cli/guided.c) to ask again. */
enum pdi_plan_fault {
        PDI_PLAN_FAULT_NONE,  /* none: the refusal is not about an answer */
        PDI_PLAN_FAULT_TRUST, /* the manifest is not signed by a trusted key */
        PDI_PLAN_FAULT_CHAIN, /* the release is not cut for the chain */
};
/* pdi_plan_run, telling on a refusal which answer it is about (*ret_fault, if not NULL) and
 * otherwise the sha256 of the manifest planned (*ret_sha256, if not NULL; hex, 65 bytes). */
int pdi_plan_preview(struct pdi_ctx *ctx, const struct pdi_install_opts *o,
                     enum pdi_plan_fault *ret_fault, char *ret_sha256);
