/* SPDX-License-Identifier: Apache-2.0 */
/* The node's own word on its health: `system_health` over JSON-RPC on 127.0.0.1, used after
 * a restart when an RPC port is configured (the unit staying active is checked first). */
#pragma once

#include "base/error.h"

/* Ask until a well-formed answer with a "result" object arrives or timeout_s passes. */
int pdi_health_rpc(unsigned port, unsigned timeout_s, struct pdi_error *err);
