/* SPDX-License-Identifier: Apache-2.0 */
/* The rollback driver: switch back to a kept release (`to`, or the previous one), verified
 * again first, then started and health-checked as upgrade does. With --dry-run it prints the
 * switch instead. */
#pragma once

#include "pipeline/options.h"

int pdi_rollback_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o, const char *to);
