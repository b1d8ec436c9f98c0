/* SPDX-License-Identifier: Apache-2.0 */
/* Getting bytes from a release source with libcurl: http(s), file:// or a local path.
 * Small documents (manifest, signatures) go to memory with a hard cap; artifacts stream to a
 * file while being hashed in the same pass, and the transfer is cut the moment it exceeds the
 * signed size. TLS verification is always on (--cacert replaces the system's CA bundle);
 * proxies come from the usual environment variables (libcurl's own handling of http_proxy,
 * https_proxy, no_proxy). Transient errors are retried with exponential backoff; a dropped transfer
 * resumes with an HTTP range request where the server allows it. */
#pragma once

#include "base/error.h"
#include "fetch/url.h"

#include <stdint.h>

struct pdi_fetch_opts {
        const char *cacert;     /* CA bundle instead of the system's, or NULL */
        long connect_timeout_s; /* 0: default 15 */
        long low_speed_bytes;   /* abort below this many bytes/s … (0: default 1024) */
        long low_speed_time_s;  /* … for this long (0: default 30) */
        unsigned retries;       /* further attempts per URL after a transient error (0: 3) */
        unsigned backoff_ms;    /* first backoff, doubled each time (0: default 500) */
        bool progress;          /* progress bar on stderr (callers set it only on a TTY) */
        const char *label;      /* name shown in the progress bar */
};

/* Fetch a small document into memory, at most max bytes (-PDI_E_INTEGRITY "larger than"
 * beyond). Returns -ENOENT for a 404 or a missing file so callers can probe optional files. */
int pdi_fetch_memory(const struct pdi_fetch_opts *o, const char *url, size_t max, char **ret_buf,
                     size_t *ret_len, struct pdi_error *err);

/* Download the first URL that works (mirrors in order) into fd, which must be an empty or
 * partially filled regular file opened O_RDWR: existing bytes are taken as an earlier partial
 * transfer and resumed when the server honours Range (they are re-hashed first). At the end
 * size and sha256 are compared with the signed values; a resumed transfer that fails them is
 * fetched once more from byte 0 before its source is blamed. Errors: -PDI_E_INTEGRITY (too many
 * bytes, wrong hash or size: someone served other bytes), -PDI_E_FAILED (network, server),
 * the writer's -errno (e.g. -ENOSPC) when fd could not be written, each with a message naming
 * the URL and the reason. */
int pdi_fetch_artifact(const struct pdi_fetch_opts *o, const char *const *urls, size_t n_urls,
                       int fd, uint64_t expected_size, const char *expected_sha256,
                       struct pdi_error *err);

/* Download url into fd (empty, O_RDWR) when nothing pins its bytes yet (an upstream release
 * being imported, whose signature is checked afterwards): at most max bytes (-PDI_E_INTEGRITY
 * beyond), hashed while it streams, fsynced. -ENOENT for a 404 or a missing file. */
int pdi_fetch_unpinned(const struct pdi_fetch_opts *o, const char *url, int fd, uint64_t max,
                       char ret_sha256[65], uint64_t *ret_size, struct pdi_error *err);
