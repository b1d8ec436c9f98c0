/* SPDX-License-Identifier: Apache-2.0 */
/* The SELinux policy module (selinux/polkadot.te/.fc/.if, built to polkadot.pp): loaded with
 * semodule and the install relabelled with restorecon where SELinux is enabled; elsewhere
 * one line says so. The state remembers the loaded module's sha256, so an unchanged install
 * neither reloads it nor walks the chain database again. */
#pragma once

#include "base/error.h"
#include "release/layout.h"
#include "base/report.h"
#include "release/state.h"

/* "enforcing", "permissive" or "disabled" (also when the root is not the host). */
const char *pdi_selinux_state(const struct pdi_root *r);
/* Load the module (when it changed), label a base path other than the default like the
 * default (semanage fcontext -e), and relabel; base NULL: the layout's. */
int pdi_selinux_apply(const struct pdi_root *r, const struct pdi_layout *l, const char *base,
                      struct pdi_state *st, struct pdi_report *rep, struct pdi_error *err);
