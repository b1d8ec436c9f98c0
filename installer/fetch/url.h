/* SPDX-License-Identifier: Apache-2.0 */
/* Release sources named by URL or by local path: telling the two apart and resolving a
 * manifest's relative references. No I/O; fetch.h includes this header. */
#pragma once

#include "base/common.h"

#include <stddef.h>

/* Resolve a reference from a manifest against the manifest's own location: absolute URLs
 * are returned as they are; a relative one replaces the last path segment of base (a URL or
 * a local path). NULL on allocation failure. */
char *pdi_url_resolve(const char *base, const char *ref);

/* The one place that recognises URLs. Length of the "scheme://" that starts s, 0 for a local
 * path (which is read directly, never through curl). */
size_t pdi_url_scheme_length(const char *s);
/* True if s is a URL of this scheme, in any case: "HTTPS://h/x" is an "https" URL. */
bool pdi_url_scheme_is(const char *s, const char *scheme);
