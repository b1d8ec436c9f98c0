/* SPDX-License-Identifier: Apache-2.0 */
/* --diff: the before and after of the files a run renders. A list of (path, before, after)
 * texts, shown as a unified diff to people and, for --json, as Ansible's diff list
 * ([{"before_header", "after_header", "before", "after"}, …]). An absent file is "" on its
 * side. Knows nothing of which files: the run names them. */
#pragma once

#include "base/fsroot.h"

#include <jansson.h>
#include <stdio.h>

struct pdi_diff_file {
        char *path;   /* in the root, as the run names it */
        char *shown;  /* as a person at this machine types it (the root in front) */
        char *before; /* NULL: absent */
        char *after;  /* NULL: absent */
};

struct pdi_diff {
        struct pdi_diff_file *files;
        size_t n;
};

void pdi_diff_done(struct pdi_diff *d);
/* The entry for path (added with before read from the root now, after unset), or the one
 * already there. NULL on -ENOMEM. A file that cannot be read (a FIFO, too large) counts as
 * absent: the diff is for people, the run's own reads decide. */
struct pdi_diff_file *pdi_diff_track(struct pdi_diff *d, const struct pdi_root *r,
                                     const char *path);
/* Set the after side of path's entry (tracking it first): text NULL means absent. */
int pdi_diff_set_after(struct pdi_diff *d, const struct pdi_root *r, const char *path,
                       const char *text);
/* Every entry's after side as its before (nothing changes until said otherwise). */
int pdi_diff_keep(struct pdi_diff *d);
/* Read the after side of every entry from the root (a real run, once it is done). */
int pdi_diff_read_after(struct pdi_diff *d, const struct pdi_root *r);
/* Some entry's before and after differ. */
bool pdi_diff_changed(const struct pdi_diff *d);
/* Ansible's list, one object per file whose sides differ. */
json_t *pdi_diff_to_json(const struct pdi_diff *d);
/* A unified diff of every file whose sides differ ("--- a\n+++ b\n@@ …"), one hunk per run
 * of changes with three lines of context. */
int pdi_diff_print(const struct pdi_diff *d, FILE *f);
