/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 and its controllers, so the slice's limits are honest: on v1 or hybrid hosts
 * (as the CI machine) the run says which limits cannot apply and goes on. */
#pragma once

#include "base/report.h"

enum {
        PDI_CG_MEMORY = 1 << 0,
        PDI_CG_CPU = 1 << 1,
        PDI_CG_IO = 1 << 2,
        PDI_CG_PIDS = 1 << 3,
};

struct pdi_cgroups {
        bool v2;              /* the unified hierarchy is mounted */
        bool hybrid;          /* v1 controllers plus a unified hierarchy without them */
        unsigned controllers; /* PDI_CG_* available in the unified hierarchy */
};

/* Probe a cgroup mount point (normally /sys/fs/cgroup; tests pass one they mounted). */
int pdi_cgroups_detect(const char *mountpoint, struct pdi_cgroups *ret);
/* One line on the slice limits that cannot apply here; false when all can. */
bool pdi_cgroups_limits_text(const struct pdi_cgroups *c, char *buf, size_t n);
/* Note each slice limit that cannot apply here. */
void pdi_cgroups_report(const struct pdi_cgroups *c, struct pdi_report *rep);
