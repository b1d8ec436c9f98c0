/* SPDX-License-Identifier: Apache-2.0 */
/* Running a binary of the audited tree the way the node runs its workers' --version: confined
 * (base/confine.h), the environment cleared but RUST_LOG, 10 s; and reading the answer as the
 * node does. Shared by the version-alignment check and the build report. */
#pragma once

#include "base/child.h"
#include "checks/target.h"

#define PDI_VERSION_TIMEOUT_MS 10000

/* `path flag` (path inside the root), its output in *res. */
int pdi_check_run_flag(const struct pdi_target *t, const char *path, const char *flag,
                       struct pdi_child_out *res);
/* Rust's str::trim(), in place. */
char *pdi_check_trim(char *s);
/* The node's --version output → the version it compares: "polkadot 1.16.0-87971b3e927" and
 * "1.16.0" both give "1.16.0". */
void pdi_check_node_version(char *out, char *buf, size_t size);
