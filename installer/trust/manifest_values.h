/* SPDX-License-Identifier: Apache-2.0 */
/* The value forms of the release manifest (names, versions, times, URLs), kept apart
 * from the parser so each rule of manifests/README.md sits in one small function. For the
 * manifest module and for `manifest create`, which checks its options with them before it
 * hashes anything. manifest.h includes this header: its users see these rules too. */
#pragma once

#include "base/common.h"

#include <stdint.h>
#include <time.h>

#define PDI_MANIFEST_MAX_URL 2048

/* Strict RFC 3339 ("2026-11-20T10:00:00Z", fraction and ±hh:mm offsets allowed). */
int pdi_rfc3339_parse(const char *s, time_t *ret);
/* Plain version as the node prints it: MAJOR.MINOR.PATCH with an optional -prerelease. */
bool pdi_version_valid(const char *s);

/* 1 to 255 bytes, no '/', not "." or "..", no control characters. */
bool pdi_manifest_plain_name(const char *s);
/* ^[a-z][a-z0-9-]{0,63}$ */
bool pdi_manifest_product_valid(const char *s);
/* 1 to 64 of [a-z0-9_-] */
bool pdi_manifest_chain_valid(const char *s);
/* NULL if s is an acceptable artifact URL, else the reason (possibly written into buf). */
const char *pdi_manifest_url_problem(const char *s, char *buf, size_t bufsz);
