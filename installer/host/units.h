/* SPDX-License-Identifier: Apache-2.0 */
/* systemd units rendered from templates/ (embedded in the program): polkadot.service, as
 * tight as it can be while Secure Validator Mode keeps working, and polkadot.slice with
 * accounting and limits computed from the host. */
#pragma once

#include "release/layout.h"
#include "host/settings.h"

#include <stdint.h>

struct pdi_host_facts {
        unsigned ncpu;
        uint64_t mem_bytes;
        unsigned systemd_version; /* 0: unknown (assume current) */
        uint64_t pid_max;         /* kernel.pid_max; 0: unknown */
};

/* CPUs and memory of the running host (for --root too: limits are computed from the machine
 * that will run the node, which an operator can override in a drop-in); the systemd version
 * is the root's, as that systemd loads the unit. */
/* The root's systemd version without running anything in it: the lowest
 * libsystemd-shared-<version>.so (Debian: in /usr/lib/<triplet>/systemd), else Version: of
 * systemd.pc; 0 if neither is there. Used for the unit we render and by audit. */
unsigned pdi_root_systemd_version(const struct pdi_root *r);

int pdi_host_facts_detect(const struct pdi_root *r, struct pdi_host_facts *ret);

/* systemd older than 247 cannot parse landlock_* syscall names (Ubuntu 20.04 has 245):
 * those get a unit without them in the filter's allow list (and without other keys they do
 * not know), still loadable, still letting Secure Validator Mode work. */
int pdi_units_render_service(const struct pdi_layout *l, const struct pdi_settings *s,
                             const struct pdi_host_facts *f, char **ret_text);
/* The slice's TasksMax: 1024 tasks per CPU (a node runs a few threads per CPU for each of its
 * runtimes, plus PVF workers), at least 4096, at most half of kernel.pid_max (0: unknown). */
uint64_t pdi_units_tasks_max(unsigned ncpu, uint64_t pid_max);
int pdi_units_render_slice(const struct pdi_layout *l, const struct pdi_host_facts *f,
                           char **ret_text);

/* MemoryHigh and MemoryMax (bytes, MiB-aligned) for a host with mem bytes of RAM: max 92%
 * of it but at least 8 GiB where the RAM leaves 512 MiB to the rest of the host, high
 * 85/92 of max; both 0 (no limit) when mem is 0 (unknown). */
void pdi_units_memory_limits(uint64_t mem, uint64_t *ret_high, uint64_t *ret_max);

/* dir/name, allocated; NULL when out of memory. */
char *pdi_units_join(const char *dir, const char *name);

/* The renderer: @NAME@ ([A-Z][A-Z0-9_]*) is replaced by its value; a line starting with
 * @SINCE_n@ is kept (without the gate) only for systemd >= n or unknown (0), one starting
 * with @BEFORE_n@ only for a known systemd < n, one starting with @IF_X@ only when the
 * variable IF_X is "1" (gates may follow each other). A placeholder not in vars is -EINVAL;
 * lowercase "@system-service" is text. Values are written with every '%' doubled (systemd
 * then reads no specifier in them); one with a control character or a byte outside ASCII
 * is -EINVAL. */
struct pdi_units_var {
        const char *name;
        const char *value;
};
int pdi_units_render(const char *tmpl, const struct pdi_units_var *vars, size_t nvars,
                     unsigned systemd_version, char **ret_text);
