/* SPDX-License-Identifier: Apache-2.0 */
/* The node-key check: a validator's network key exists and is the node user's alone
 * (polkadot >= 1.11 refuses --validator without one, polkadot-sdk #3852), and the node's
 * arguments do not ask it to make a new identity silently. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_node_key_run(const struct pdi_target *t, struct pdi_check_ctx *c);
/* Where a node with these arguments and base path reads its key: --node-key-file, else
 * BASE/chains/ID/network/secret_ed25519 for a built-in chain; NULL when it cannot be told
 * (a chain-spec file, no base path) or on ENOMEM. */
char *pdi_node_key_location(char *const *args, const char *base_path);
