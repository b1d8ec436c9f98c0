/* SPDX-License-Identifier: Apache-2.0 */
/* The install and upgrade driver: it runs the stages (run.h, accept.h, tree.h, activate.h)
 * in order: fetch and verify the manifest, bring every artifact into the cache, stage
 * releases/<version>, record it, switch `current`, start and health-check, prune. Every step
 * is ordered so that a SIGKILL at any point leaves either the previous or the new release
 * fully active, and the next run finishes or cleans up. --dry-run is plan.h's. */
#pragma once

#include "pipeline/options.h"

int pdi_install_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o);
