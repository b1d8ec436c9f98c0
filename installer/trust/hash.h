/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 for artifacts: a streaming context (so a download can be hashed while it flows to
 * disk, touching each byte once) and a helper that hashes a whole fd in 1 MiB reads. Digests
 * are the manifest's form: 64 lowercase hex digits. */
#pragma once

#include "base/common.h"

#include <stdint.h>

struct evp_md_ctx_st;

struct pdi_sha256 {
        struct evp_md_ctx_st *ctx;
        uint64_t size; /* bytes fed so far */
};

int pdi_sha256_init(struct pdi_sha256 *h);
int pdi_sha256_update(struct pdi_sha256 *h, const void *buf, size_t len);
/* Writes the digest and releases the context; h can be initialised again. */
int pdi_sha256_final(struct pdi_sha256 *h, char ret_hex[65]);
/* Releases the context without a result (error paths). Safe on a zeroed or finished h. */
void pdi_sha256_done(struct pdi_sha256 *h);

/* Feed h from fd's current offset until EOF or max bytes (the offset moves along). */
int pdi_sha256_update_fd(struct pdi_sha256 *h, int fd, uint64_t max);
/* Hash everything from fd's current offset to EOF. ret_size may be NULL. */
int pdi_sha256_fd(int fd, char ret_hex[65], uint64_t *ret_size);
/* Hash a buffer in memory. */
int pdi_sha256_buf(const void *buf, size_t len, char ret_hex[65]);
