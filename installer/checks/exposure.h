/* SPDX-License-Identifier: Apache-2.0 */
/* A unit's exposure as systemd-analyze security --offline scores it (0 best, 10 worst), for a
 * unit this tool did not render (issue 14 §3): an unhardened one is not "OK". */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

/* Upstream's unit (polkadot/scripts/packaging/polkadot.service) scores this. */
#define PDI_UPSTREAM_EXPOSURE 2.8

/* Score text (the unit's content) as a unit named name: 0 and *ret, or negative (-ENOENT: no
 * systemd-analyze here). The text is copied to a private temporary directory first, so that
 * nothing of the audited tree is opened by the tool. */
int pdi_unit_exposure(const char *name, const char *text, size_t len, double *ret);
/* The unit check's part: a foreign unit scored against ours and upstream's. */
void pdi_check_exposure(const struct pdi_target *t, struct pdi_check_ctx *c);
