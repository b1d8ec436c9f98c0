/* SPDX-License-Identifier: Apache-2.0 */
/* What a binary we do not trust says it is: `<binary> --version` run confined
 * (base/confine.h: no privileges, namespaces, no network, cleared environment but RUST_LOG,
 * a deadline and an output cap), read as the node reads its workers' answer. Used by import
 * (upstream's downloads, before anything is written from them) and by the audit's version
 * checks (checks_files.c). */
#pragma once

#include "base/child.h"
#include "base/common.h"

#define PDI_BINVERSION_TIMEOUT_MS 10000

/* Run the file open at fd (O_PATH will do) as `name --version`. 0 with the version in ret
 * ("polkadot 1.16.0-87971b3e927" or "1.16.0" both give "1.16.0": the last word, less a
 * -<commit> suffix the node does not compare), or -PDI_E_FAILED with why ("exit status 2",
 * "no answer within 10 s" …). */
int pdi_binary_version(int fd, const char *name, char *ret, size_t n, char *why, size_t why_n);

/* The run itself: `name --version` of the file at fd, confined, its result in out. The audit's
 * version checks judge out themselves (checks_files.c). */
int pdi_binary_version_run(int fd, const char *name, unsigned timeout_ms,
                           struct pdi_child_out *out);
/* Rust's str::trim(): whitespace off both ends, in place. */
char *pdi_version_trim(char *s);
/* The version word of a --version answer, as pdi_binary_version reads it. */
void pdi_version_word(char *out, char *buf, size_t size);
