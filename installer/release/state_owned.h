/* SPDX-License-Identifier: Apache-2.0 */
/* What this tool made and what it took over, in state.json, so that `uninstall --purge`
 * removes only its own and gives back what it adopted (issue 14):
 *   "created": {"users": [NAME…], "dirs": [PATH…]}   made by this tool (shared by instances)
 *   "adopted": {INST: {…}}                           the node it took over (pipeline/adopt.h)
 *   "modes": {INST: "container"}                     an install made for an image
 * A name is recorded once; records are never inferred from the tree. */
#pragma once

#include "release/state.h"

/* kind: "users" or "dirs". */
int pdi_state_mark_created(struct pdi_state *s, const char *kind, const char *name);
bool pdi_state_was_created(const struct pdi_state *s, const char *kind, const char *name);

/* Container mode (pipeline/host.h): "modes": {INST: "container"}. Recorded by the run that
 * chose it, so that every later run on the tree (upgrade, rollback, a reinstall without the
 * flag) stays in it and never writes units into an image. */
bool pdi_state_container(const struct pdi_state *s, const char *instance);
int pdi_state_set_container(struct pdi_state *s, const char *instance);

/* The adoption record of the instance (borrowed), or NULL. */
json_t *pdi_state_adopted(const struct pdi_state *s, const char *instance);
/* Takes a reference to rec; NULL removes the record. */
int pdi_state_set_adopted(struct pdi_state *s, const char *instance, json_t *rec);
