/* SPDX-License-Identifier: Apache-2.0 */
/* The node's service as systemd runs it now (issue 14 §3), on the live host only: a
 * validator that is stopped, failed or restarting in a loop is an error (it misses its
 * duties, and a crash loop hides in Restart=always); for a non-validator a warning. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

#include <stddef.h>

void pdi_check_service_run(const struct pdi_target *t, struct pdi_check_ctx *c);
/* "active, running since 2026-12-07 10:02:11 UTC (pid 42)" or "failed (exit-code)". */
void pdi_service_describe(const char *unit, char *buf, size_t n);
