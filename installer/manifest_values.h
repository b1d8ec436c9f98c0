/* The value forms of the release manifest (names, versions, times, URLs), kept apart
 * from the parser so each rule of manifests/README.md sits in one small function. For the
 * manifest module and for `manifest create`, which checks its options with them before it
 * hashes anything; pdi_version_valid() and pdi_rfc3339_parse() are public in manifest.h. */
#pragma once

#include "common.h"

#include <stdint.h>

/* 1 to 255 bytes, no '/', not "." or "..", no control characters. */
bool pdi_manifest_plain_name(const char *s);
/* ^[a-z][a-z0-9-]{0,63}$ */
bool pdi_manifest_product_valid(const char *s);
/* 1 to 64 of [a-z0-9_-] */
bool pdi_manifest_chain_valid(const char *s);
/* NULL if s is an acceptable artifact URL, else the reason (possibly written into buf). */
const char *pdi_manifest_url_problem(const char *s, char *buf, size_t bufsz);
