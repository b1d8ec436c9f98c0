/* SPDX-License-Identifier: Apache-2.0 */
/* The fake PVF worker: the same source as the fake node, built as a worker. Both
 * polkadot-prepare-worker and polkadot-execute-worker are copies of this binary. */
#define FAKE_WORKER 1
#include "fake-polkadot.c"
