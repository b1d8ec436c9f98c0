/* SPDX-License-Identifier: Apache-2.0 */
/* The enable links of a unit (/etc/systemd/system/TARGET.wants/NAME, .requires/, .upholds/),
 * as systemctl enable made them: found, removed and put back exactly, so that an adopted
 * node's unit can be disabled and later come back as it was (pipeline/adopt.h). A link is
 * {"link": PATH, "target": TEXT}. Everything under the root goes through the root fd. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "base/report.h"

#include <jansson.h>

/* Every link named unit in the unit directory's *.wants, *.requires and *.upholds folders,
 * into a new array (empty when the unit is not enabled). */
int pdi_unit_links_find(const struct pdi_root *r, const char *unit, json_t **ret);
/* Remove each link that still points where it did; others are left and reported. */
int pdi_unit_links_remove(const struct pdi_root *r, json_t *links, struct pdi_report *rep,
                          struct pdi_error *err);
/* Make each link again (replacing whatever is at its path now: ours, for a unit of the same
 * name). */
int pdi_unit_links_restore(const struct pdi_root *r, json_t *links, struct pdi_report *rep,
                           struct pdi_error *err);
