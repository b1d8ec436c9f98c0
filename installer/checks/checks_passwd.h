/* SPDX-License-Identifier: Apache-2.0 */
/* What a service user of the target root (host/users.c reads them) may read, write or
 * search, and whom a child that stands in for the node runs as. */
#pragma once

#include "checks/target.h"
#include "base/child.h"
#include "host/users.h"

#include <sys/types.h>

/* Could u read (mask 4) / write (2) / search (1) a file of this owner and mode? (Not root.)
 * As the kernel decides: the owner class if u owns it, else the group class if u is in the
 * group, else other. */
bool pdi_user_may(const struct pdi_user *u, uid_t owner, gid_t group, mode_t mode, int mask);

/* Whom a child that stands in for the node runs as (the version check, the sandbox probes):
 * never root, since the node does not run as root. As root: the service user of the root's
 * passwd with its groups (as systemd's User= sets them), else nobody (65534, no groups). As
 * non-root: as we are (creds.drop false); service is false when the root has a service user
 * and we are not it, which a caller that needs that user's rights says. */
struct pdi_run_as {
        struct pdi_creds creds;
        char label[64]; /* "polkadot", "nobody (65534)", "uid 1000 (this user)" */
        bool service;   /* runs as the service user, or there is none */
};
void pdi_run_as_pick(const struct pdi_target *t, struct pdi_run_as *ret);
