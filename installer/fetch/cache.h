/* SPDX-License-Identifier: Apache-2.0 */
/* The content-addressed download cache, /var/cache/polkadot-installer (root 0700): one file
 * per artifact, named by its sha256. Downloads go to <sha256>.part (kept across runs, so an
 * interrupted download resumes) and are renamed into place only once size and hash match. */
#pragma once

#include "fetch/fetch.h"
#include "base/fsroot.h"

#include <stdint.h>
#include <sys/stat.h>

/* fd is a regular file of exactly size bytes whose sha256 is sha256 (it is read to the end);
 * *ret_st is its stat, for callers that check more (mode, owner). */
bool pdi_cache_file_matches(int fd, const char *sha256, uint64_t size, struct stat *ret_st);

int pdi_cache_open(const struct pdi_root *r, const char *dir, int *ret_dirfd,
                   struct pdi_error *err);

/* A readable fd (at offset 0) on the cached artifact, whose size and sha256 were checked in
 * this call: a fresh download is hashed while it streams in; a cache hit is hashed again
 * (the disk may have rotted since), and a damaged entry is dropped and downloaded anew.
 * *ret_downloaded says whether the bytes were fetched in this call. */
int pdi_cache_get(int dirfd, const struct pdi_fetch_opts *o, const char *const *urls, size_t n_urls,
                  const char *sha256, uint64_t size, int *ret_fd, bool *ret_downloaded,
                  struct pdi_error *err);

/* Remove the entries, and leftover <sha256>.part downloads, whose sha256 is not in keep (the
 * artifacts of the releases still on disk), so the cache does not grow with every release.
 * Names the cache does not write are left alone. The number removed, or a negative errno. */
int pdi_cache_prune(int dirfd, char *const *keep, size_t n_keep);
