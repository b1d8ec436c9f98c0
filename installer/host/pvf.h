/* SPDX-License-Identifier: Apache-2.0 */
/* Worker isolation (worker_isolation=systemd, DESIGN §7): the PVF workers run as pvf-worker
 * under polkadot-pvf.service, in polkadot-pvf.slice. The release directories stay exactly as
 * their manifests say; beside them, pvf/<version>/ holds what the node runs: `polkadot` (a
 * hard link of the release's node, so the node finds its workers there), and the relay
 * (pvf/relay.c, embedded in this program) as polkadot-prepare-worker and
 * polkadot-execute-worker. The spawner's allow list (pvf/workers.list) names, for each relay,
 * the real worker of the same release with its sha256 and size from the state. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "base/report.h"
#include "host/settings.h"
#include "host/units.h"
#include "release/layout.h"
#include "release/state.h"

/* The slice's memory floor: the 16 GiB the chain lets a PVF use during preparation, plus
 * 2 GiB for the workers' own runtime and an execute job beside it. */
#define PDI_PVF_MEMORY_FLOOR (UINT64_C(18) << 30)

/* polkadot-pvf.service, .socket and .slice for these settings and host. */
int pdi_pvf_render_units(const struct pdi_layout *l, const struct pdi_settings *s,
                         const struct pdi_host_facts *f, char **ret_service, char **ret_socket,
                         char **ret_slice);
/* MemoryMax of the workers' slice: 75% of the RAM, never below PDI_PVF_MEMORY_FLOOR. */
uint64_t pdi_pvf_memory_max(uint64_t mem_bytes);

/* In systemd mode: the spawner, pvf/<version>/ for every release in releases/ (and none for
 * a release that is gone), pvf/current as `current`, the allow list from st, the three
 * units (conffiles) and their enable links when offline. In none mode: what an earlier
 * systemd mode left (units, links, pvf/) is removed. */
int pdi_pvf_configure(const struct pdi_root *r, const struct pdi_layout *l,
                      const struct pdi_settings *s, const struct pdi_host_facts *f,
                      struct pdi_state *st, struct pdi_report *rep, struct pdi_error *err);
/* Worker isolation taken away (none mode, uninstall): live, the spawner and its socket
 * stopped and disabled; then its units, their links and pvf/ removed. */
int pdi_pvf_remove(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_report *rep,
                   struct pdi_error *err);
/* The enable links of the socket and the spawner, where systemd does not run. */
int pdi_pvf_enable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                           struct pdi_error *err);
/* Rewrite the allow list from st (a release recorded, a release pruned); nothing when there
 * is no pvf/ directory. */
int pdi_pvf_write_list(const struct pdi_root *r, const struct pdi_layout *l,
                       const struct pdi_state *st, struct pdi_error *err);
/* Whether pvf/ exists under the root (the install is in systemd mode). */
bool pdi_pvf_enabled(const struct pdi_root *r, const struct pdi_layout *l);
/* The relay this program installs: its bytes. */
void pdi_pvf_relay(const unsigned char **ret_data, size_t *ret_len);
