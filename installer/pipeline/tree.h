/* SPDX-License-Identifier: Apache-2.0 */
/* The release tree: the artifacts into the cache, releases/<version> staged (or, when this
 * manifest is installed, every file verified and a damaged one repaired), a kept release's
 * files checked, old releases and their cache entries pruned. Nothing here moves `current`
 * (activate.h does). */
#pragma once

#include "pipeline/run.h"

/* Stage the manifest's release, or verify (and repair) it if it is installed: 1 if it
 * repaired something, 0 if not. */
int pdi_run_put_release(struct run *r);
/* --check: how many files of the installed release (this manifest's) a real run would
 * repair; nothing is written. */
int pdi_run_count_damaged(struct run *r, size_t *ret_n);
/* Every file of the kept release `version` as its stored manifest says (rollback). */
int pdi_run_check_kept(struct run *r, const char *version);
/* Keep the newest --keep releases and never `current`, `previous` or one in use; then the
 * cache entries no kept release was built from. */
int pdi_run_prune(struct run *r, const char *current, const char *previous);
