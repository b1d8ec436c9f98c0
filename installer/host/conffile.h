/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration files the installer renders (units, the environment file) are treated like
 * dpkg conffiles: a file the operator edited is never overwritten silently. Ours is written
 * beside it as FILE.new and the run says so. The sha256 of what we last wrote is kept in the
 * state, which is how an edit is told from our own older content. */
#pragma once

#include "base/report.h"
#include "release/state.h"

enum pdi_conffile_result {
        PDI_CONFFILE_UNCHANGED, /* already exactly this content */
        PDI_CONFFILE_WRITTEN,   /* created or replaced (it was ours) */
        PDI_CONFFILE_KEPT,      /* the operator's edit stays; ours went to FILE.new */
};

/* Take away from the file at path the mode bits that mode does not have (never adds any):
 * an older install, or a file unchanged since, may be more open than it now needs to be.
 * Says so in rep; nothing at path is 0. */
int pdi_conffile_narrow_mode(const struct pdi_root *r, const char *path, unsigned mode,
                             struct pdi_report *rep, struct pdi_error *err);

/* Write content to path with mode unless the operator edited it (see above); a file that
 * already holds content keeps it and loses any mode bits beyond mode. */
int pdi_conffile_write(const struct pdi_root *r, struct pdi_state *st, const char *path,
                       const char *content, unsigned mode, struct pdi_report *rep,
                       enum pdi_conffile_result *ret, struct pdi_error *err);

/* Whose the file at path is: absent; ours, exactly as we last wrote it; or the operator's
 * (edited since, never written by us, or unreadable). uninstall removes only ours. */
enum pdi_conffile_owner {
        PDI_CONFFILE_ABSENT,
        PDI_CONFFILE_OURS,
        PDI_CONFFILE_THEIRS,
};
enum pdi_conffile_owner pdi_conffile_owner(const struct pdi_root *r, const struct pdi_state *st,
                                           const char *path);
