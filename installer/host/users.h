/* SPDX-License-Identifier: Apache-2.0 */
/* The service users: `polkadot` (the node) and `pvf-worker` (the PVF workers). System users
 * with no login shell, no password, no real home; created from a sysusers.d snippet with
 * systemd-sysusers where it exists, else useradd --system, else busybox adduser -S; under
 * --root only inside that root. An existing user of the same name that could log in or
 * administer the machine is reported and not silently reused; base directories (base path
 * …) are created from a tmpfiles.d snippet and wrong ownership is repaired and reported. */
#pragma once

#include "host/distro.h"
#include "release/layout.h"
#include "base/report.h"
#include "host/settings.h"
#include "release/state.h"

/* The snippets are written like the units (conffile.h): st remembers what we wrote, so an
 * operator's edit is kept and ours goes beside it as .new. */
int pdi_users_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                     const struct pdi_distro *d, struct pdi_state *st, struct pdi_report *rep,
                     struct pdi_error *err);
/* The sysusers.d and tmpfiles.d snippets as pdi_users_ensure and pdi_dirs_ensure write them
 * (for --check and --diff); NULL on -ENOMEM. */
char *pdi_users_render_snippet(const struct pdi_layout *l, const struct pdi_distro *d);
char *pdi_dirs_render_snippet(const struct pdi_layout *l, const struct pdi_settings *s);
/* An adopted node's base path (issue 14): left exactly as it is (no tmpfiles line, no chown
 * or chmod), only checked to be a real directory of the node's user. */
int pdi_dirs_check_adopted(const struct pdi_root *r, const struct pdi_layout *l, const char *base,
                           struct pdi_error *err);
int pdi_dirs_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_settings *s, struct pdi_state *st, struct pdi_report *rep,
                    struct pdi_error *err);
/* A user of the root, from its own /etc/passwd and /etc/group (never NSS: under --root the
 * host's users are not the target's). */
struct pdi_user {
        char *name;
        uid_t uid;
        gid_t gid;
        char *home;
        gid_t groups[32]; /* primary first, then supplementary */
        size_t n_groups;
};
/* 0 and *ret filled; -ENOENT if there is no such user, -EBADMSG for a line with bad ids
 * (0 to 2^32 - 2: (uid_t)-1 means "unchanged" to setresuid). */
int pdi_user_lookup(const struct pdi_root *r, const char *name, struct pdi_user *ret);
void pdi_user_done(struct pdi_user *u);
