/* SPDX-License-Identifier: Apache-2.0 */
/* What a service user of the target root (users.c reads them) may read, write or search,
 * and whom a child that stands in for the node runs as. */
#include "checks/checks_passwd.h"

#include <errno.h>
#include <stdint.h>

bool pdi_user_may(const struct pdi_user *u, uid_t owner, gid_t group, mode_t mode, int mask)
{
        if (owner == u->uid)
                return (mode >> 6) & (mode_t)mask;
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == group)
                        return (mode >> 3) & (mode_t)mask;
        return mode & (mode_t)mask;
}

#define NOBODY_ID 65534

void pdi_run_as_pick(const struct pdi_target *t, struct pdi_run_as *ret)
{
        struct pdi_user u = {0};
        bool have = t->service_user && pdi_user_lookup(t->root, t->service_user, &u) == 0;
        *ret = (struct pdi_run_as){.service = true};
        if (geteuid() != 0) {
                ret->service = !have || u.uid == geteuid();
                snprintf(ret->label, sizeof(ret->label), "uid %u (this user)", (unsigned)geteuid());
        } else if (have) {
                ret->creds = (struct pdi_creds){.drop = true, .uid = u.uid, .gid = u.gid};
                ret->creds.n_groups = u.n_groups;
                _Static_assert(sizeof(ret->creds.groups) == sizeof(u.groups), "group lists");
                memcpy(ret->creds.groups, u.groups, sizeof(ret->creds.groups));
                snprintf(ret->label, sizeof(ret->label), "%s", u.name);
        } else {
                ret->creds = (struct pdi_creds){.drop = true, .uid = NOBODY_ID, .gid = NOBODY_ID};
                snprintf(ret->label, sizeof(ret->label), "nobody (%u)", NOBODY_ID);
        }
        pdi_user_done(&u);
}
