/* SPDX-License-Identifier: Apache-2.0 */
/* worker-isolation: which mode the PVF workers run in (none: as the node's user; systemd:
 * as pvf-worker under polkadot-pvf.service, host/pvf.h), and in systemd mode that it is
 * intact: the node runs from pvf/<version>/, which holds the release's own node and this
 * installer's relay in place of both workers; the allow list names the release's workers
 * with their current hashes; the spawner's units are there and enabled; live, the socket is
 * a socket of root and the node's group, 0660. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_worker_isolation_run(const struct pdi_target *t, struct pdi_check_ctx *c);
