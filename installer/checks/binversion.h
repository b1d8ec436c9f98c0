/* SPDX-License-Identifier: Apache-2.0 */
/* What a binary we do not trust says it is: `<binary> --version` run confined
 * (base/confine.h: no privileges, namespaces, no network, cleared environment but RUST_LOG,
 * a deadline and an output cap), read as the node reads its workers' answer. Used by import,
 * whose binaries are upstream's downloads, before anything is written from them. */
#pragma once

#include "base/common.h"

#define PDI_BINVERSION_TIMEOUT_MS 10000

/* Run the file open at fd (O_PATH will do) as `name --version`. 0 with the version in ret
 * ("polkadot 1.16.0-87971b3e927" or "1.16.0" both give "1.16.0": the last word, less a
 * -<commit> suffix the node does not compare), or -PDI_E_FAILED with why ("exit status 2",
 * "no answer within 10 s" …). */
int pdi_binary_version(int fd, const char *name, char *ret, size_t n, char *why, size_t why_n);
