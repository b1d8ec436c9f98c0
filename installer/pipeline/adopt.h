/* SPDX-License-Identifier: Apache-2.0 */
/* Taking over a node this tool did not install (issue 14). `install` never does it silently:
 * a foreign node (checks/existing.h) refuses the run (exit 3) unless --adopt. With --adopt
 * the node's own settings (chain, name, ports, validator, every other argument; its base
 * path, so its database, network key and keystore stay where they are) become the settings,
 * under any flag given; its user must be the node user (polkadot). Nothing of its data is
 * moved, copied, chowned or rewritten. Its unit is stopped and disabled (its enable links
 * removed; the file stays its package's), ours starts with the usual health check, and if
 * that fails the old unit comes back as it was. state.json records the adoption
 * (release/state_owned.h), so that `uninstall` gives the old unit back and `--purge` deletes
 * nothing this tool did not create.
 *   adopted: {unit, unit_path, kind, user, base_path, was_active, same_name, links}
 */
#pragma once

#include "pipeline/run.h"

/* Before the run's setup (install only): look for a foreign node; refuse, or fill the run's
 * adopted settings. */
int pdi_adopt_detect(struct run *r);
/* Before the host is configured: record the adoption (state saved first), then stop the old
 * unit (live) and remove its enable links. No-op when not adopting. */
int pdi_adopt_take(struct run *r);
/* Our unit failed its check: stop and disable it, bring the old unit back as it was, forget
 * the adoption. The run's error stays, with what was done appended. */
void pdi_adopt_fall_back(struct run *r);
/* uninstall: after our unit is gone, the adopted unit's links again and, live, the unit
 * started if it ran when adopted. */
int pdi_adopt_give_back(const struct pdi_root *root, json_t *rec, bool live, struct pdi_report *rep,
                        struct pdi_error *err);
/* dry-run: what adoption would do, as comment lines of the plan. */
void pdi_adopt_plan(const struct run *r, void (*line)(const char *text, void *userdata),
                    void *userdata);
