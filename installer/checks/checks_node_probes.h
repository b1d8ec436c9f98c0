/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own --check-can-* sandbox probes, run as the service user. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

/* The node's probes in the order it runs them (landlock, seccomp, unshare+pivot_root, secure
 * clone): the argument, a short name, and whether a directory follows the argument. */
#define PDI_NODE_PROBES 4
struct pdi_node_probe {
        const char *arg;
        const char *name;
        bool with_dir;
};
extern const struct pdi_node_probe pdi_node_probes[PDI_NODE_PROBES];
/* A worker's output that says it does not know the probe's argument (one from before the
 * probes): the probe is then not supported rather than failed. */
bool pdi_node_probe_unknown(const char *out);

void pdi_check_node_probes_run(const struct pdi_target *t, struct pdi_check_ctx *c);
