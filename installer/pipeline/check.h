/* SPDX-License-Identifier: Apache-2.0 */
/* --check (and --dry-run, quietly): what a run would change, nothing written (no lock, no state, no
 * file). Each change is one line "would …", on stdout for people and in the output's "changes" for
 * --json; "changed" says whether there is any, so that a check of an install that is
 * already in place says false and the real run then changes nothing. With --diff the files
 * the run renders, before and after (base/diff.h). What it does not foresee: SELinux
 * labels, pruning old releases and the bin link, none of which make a run "changed". */
#pragma once

#include "pipeline/run.h"

/* "would …": a change the real run makes; sets "changed". */
void pdi_check_would(struct run *r, const char *fmt, ...) _printf_(2, 3);
/* install and upgrade, after the manifest verified and the host's settings are prepared. */
int pdi_check_install(struct run *r);
/* rollback to target (a kept release, verified again). */
int pdi_check_rollback(struct run *r, const char *target);
/* The diff of r->diff into the output: a unified diff on stdout for people, "diff" for
 * --json. No-op without --diff. */
void pdi_check_show_diff(struct run *r);
