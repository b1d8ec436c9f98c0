/* SPDX-License-Identifier: Apache-2.0 */
/* What the host probes share (checks_host.c, checks_node_probes.c): each runs in a child of
 * pdi_child_run() that reports one line on stdout and by its exit code. */
#pragma once

#include "checks/checks_passwd.h"
#include "base/child.h"

/* How long a probe may take before it counts as failed. */
#define PDI_PROBE_TIMEOUT_MS 10000

/* In the child: write a line for the parent to read; fail says errno's text after it and
 * exits 1. */
void pdi_probe_say(const char *fmt, ...) _printf_(1, 2);
_Noreturn void pdi_probe_fail(const char *fmt, ...) _printf_(1, 2);
/* In the child: become u (pdi_run_as_pick) or exit 1 saying why. */
void pdi_probe_become(const struct pdi_run_as *u);
/* In the parent: what the child said, or how it ended. */
void pdi_probe_describe(const struct pdi_child_out *o, char *buf, size_t n);
