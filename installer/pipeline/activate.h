/* SPDX-License-Identifier: Apache-2.0 */
/* Moving `current` and what follows it: the record of the switch, the switch, restart,
 * health check and automatic fallback, and finishing the switch a killed run left. The node
 * is only restarted once everything of the new release is on disk and checked, so the gap
 * between the old node's stop and the new one's start holds no download, hashing or
 * extraction. */
#pragma once

#include "pipeline/run.h"

/* Before `current` moves from `from` (NULL: nothing installed) to `to`: record the switch
 * in the state (the caller saves it before the rename), so that a run killed anywhere after
 * it is finished by the next one. Only live runs that will health-check keep a record. */
int pdi_run_begin_switch(struct run *r, const char *from, const char *to);
/* install's switch: record the release and the accepted sequence, then switch `current` to
 * the manifest's version and the bin link to `current`. */
int pdi_run_activate(struct run *r);
/* Switch `current` to a kept release and record it (rollback, fallback). */
int pdi_run_switch_to(struct run *r, const char *version);
/* Whether install must (re)start the node: something changed, it is not running, or it runs
 * another release than `current`. */
bool pdi_run_must_start(struct run *r);
/* After `current` moved from `from` to `to` (or to restart `to` in place, from NULL): start
 * the node (restart it unless restart is false and it is already active) and health-check
 * it; if that fails and the switch was recorded, switch back to its `from`, start it,
 * confirm it healthy, record the failure (exit 1). Offline: say how to start it. */
int pdi_run_start_or_fall_back(struct run *r, const char *from, const char *to, bool restart);
/* A switch that a killed run left unfinished (the state's `pending`): health-check the
 * release it had switched to (falling back if it fails), finish a fallback under way, or
 * forget a switch that never happened. Runs right after pdi_run_reconcile; a fallback ends
 * the run with -PDI_E_FAILED. */
int pdi_run_resume_pending(struct run *r);
/* Live: note when the running node is not the release `current` names (restart_needed). */
void pdi_run_check_running(struct run *r);
