/* SPDX-License-Identifier: Apache-2.0 */
/* A validator's network key. Since polkadot 1.11 (polkadot-sdk #3852) a node started with
 * --validator refuses to start without a persisted key ("NetworkKeyNotFound"). The installer
 * makes it once, before the first start, with the installed release's own
 * `polkadot key generate-node-key`, keeps it in BASE/node-key (host/settings.h) owned by the
 * node's user, mode 0600, and never replaces it: upgrade, rollback, reinstall and uninstall
 * leave it alone; only `uninstall --purge` (which removes the base path) takes it away. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "base/report.h"
#include "host/settings.h"
#include "release/layout.h"

#include <stdint.h>

#define PDI_NODE_KEY_LEN 32
/* How long generate-node-key may take. */
#define PDI_NODE_KEY_TIMEOUT_MS 20000

/* The secret from generate-node-key's stdout: 64 hex digits, blanks around allowed. 0 and
 * ret filled, or -EBADMSG (ret untouched). */
int pdi_node_key_parse(const char *out, uint8_t ret[PDI_NODE_KEY_LEN]);

/* Make the key the settings call for (none: 0 at once) if it is missing: node_exe (a path in
 * the root, the release's verified node) runs `key generate-node-key` confined (base/confine.h:
 * never as root, no file it could write, its stdout is the key), and the installer writes what
 * it printed through the root-fd layer, new file only (never over anything, never through a
 * link). An existing key is kept as it is, a wrong owner or mode is a warning; anything that
 * is not a regular file is refused (-PDI_E_POLICY). */
int pdi_node_key_ensure(const struct pdi_root *r, const struct pdi_layout *l,
                        const struct pdi_settings *s, const char *node_exe, struct pdi_report *rep,
                        struct pdi_error *err);
