/* SPDX-License-Identifier: Apache-2.0 */
/* The sequence floor recovered from the release tree: each releases/<version>/ keeps the
 * manifest it was installed from and its signatures (DESIGN.md §3), so a deleted or stale
 * state.json does not forget what was accepted. Only a manifest whose signatures verify with
 * the trust policy now (expiry aside: it was accepted when installed) and that names its
 * directory's version counts; any other file there (an attacker who can delete state.json
 * can plant them) raises nothing, lowers nothing, and is not reported as an error. */
#pragma once

#include "release/layout.h"
#include "release/state.h"
#include "trust/trust.h"

/* Raise the state's floor for l's instance to the highest sequence of the verified stored
 * manifests, and record a verified release the state has no record of (so its product is
 * known again). Never lowers anything. 0 or -errno (unreadable releases/, no memory). */
int pdi_floor_recover(const struct pdi_root *r, const struct pdi_layout *l,
                      const struct pdi_trust *t, struct pdi_state *s);
