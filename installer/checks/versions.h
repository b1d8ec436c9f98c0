/* SPDX-License-Identifier: Apache-2.0 */
/* For an install without a signed manifest: what its node and workers print, whether that
 * matches as the node judges it, and whether they are one build (commit, ELF build id).
 * Findings of the version-alignment check; the facts go to the audit's memo for the
 * report's target (docs/audit-json.md: target.binaries). The binaries run through
 * binversion.h, the one confined runner; its parser reads what they print. */
#pragma once

#include "base/child.h"
#include "checks/finding.h"
#include "checks/target.h"

/* `path flag` of the audited tree (path inside the root), run by pdi_binary_flag_run with
 * the usual deadline; its output in *res. */
int pdi_check_run_flag(const struct pdi_target *t, const char *path, const char *flag,
                       struct pdi_child_out *res);

/* node_out: the node's --version output (trimmed here); node_version: as the node compares. */
void pdi_check_builds(const struct pdi_target *t, struct pdi_check_ctx *c, char *node_out,
                      const char *node_version);

/* The commit in "<version>-<hex, 7 or more>" (also after a word: "polkadot 1.0.0-fa4e000")
 * into ret; false if printed is not that form for this version. */
bool pdi_build_commit(const char *printed, const char *version, char *ret, size_t size);
/* The ELF GNU build id of fd in lowercase hex: -ENOEXEC (not ELF), -ENODATA (none). */
int pdi_build_id_fd(int fd, char *ret, size_t size);
