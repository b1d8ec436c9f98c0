/* The SELinux policy module (selinux/polkadot.te/.fc/.if, built to polkadot.pp): loaded with
 * semodule and the install relabelled with restorecon where SELinux is enabled; elsewhere
 * one line says so. */
#pragma once

#include "error.h"
#include "layout.h"
#include "report.h"

/* "enforcing", "permissive" or "disabled" (also when the root is not the host). */
const char *pdi_selinux_state(const struct pdi_root *r);
int pdi_selinux_apply(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_report *rep,
                      struct pdi_error *err);
