/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 through OpenSSL's EVP interface. */
#include "trust/hash.h"
#include "base/encoding.h"
#include "base/timing.h"

#include <errno.h>
#include <openssl/evp.h>

#define HASH_CHUNK (1024 * 1024)

int pdi_sha256_init(struct pdi_sha256 *h)
{
        *h = (struct pdi_sha256){.ctx = EVP_MD_CTX_new()};
        if (!h->ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
                pdi_sha256_done(h);
                return -EIO;
        }
        return 0;
}

int pdi_sha256_update(struct pdi_sha256 *h, const void *buf, size_t len)
{
        if (!h->ctx)
                return -EINVAL;
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_HASH);
        int ok = EVP_DigestUpdate(h->ctx, buf, len) == 1;
        pdi_phase_leave(was);
        if (!ok)
                return -EIO;
        h->size += len;
        return 0;
}

int pdi_sha256_final(struct pdi_sha256 *h, char ret_hex[65])
{
        uint8_t md[32];
        unsigned int n = 0;
        if (!h->ctx)
                return -EINVAL;
        int ok = EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == sizeof(md);
        pdi_sha256_done(h);
        if (!ok)
                return -EIO;
        pdi_hex_encode(md, sizeof(md), ret_hex);
        return 0;
}

void pdi_sha256_done(struct pdi_sha256 *h)
{
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
}

/* Reading the bytes back is part of hashing them: charged to PDI_PHASE_HASH. */
static int update_fd(struct pdi_sha256 *h, int fd, uint64_t max)
{
        _cleanup_free_ uint8_t *buf = malloc(HASH_CHUNK);
        if (!buf)
                return -ENOMEM;
        uint64_t done = 0;
        while (done < max) {
                size_t want = max - done < HASH_CHUNK ? (size_t)(max - done) : HASH_CHUNK;
                ssize_t n = read(fd, buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                int r = pdi_sha256_update(h, buf, (size_t)n);
                if (r < 0)
                        return r;
                done += (uint64_t)n;
        }
        return 0;
}

int pdi_sha256_update_fd(struct pdi_sha256 *h, int fd, uint64_t max)
{
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_HASH);
        int r = update_fd(h, fd, max);
        pdi_phase_leave(was);
        return r;
}

int pdi_sha256_fd(int fd, char ret_hex[65], uint64_t *ret_size)
{
        struct pdi_sha256 h;
        int r = pdi_sha256_init(&h);
        if (r == 0)
                r = pdi_sha256_update_fd(&h, fd, UINT64_MAX);
        if (r < 0) {
                pdi_sha256_done(&h);
                return r;
        }
        uint64_t size = h.size;
        r = pdi_sha256_final(&h, ret_hex);
        if (r == 0 && ret_size)
                *ret_size = size;
        return r;
}

int pdi_sha256_buf(const void *buf, size_t len, char ret_hex[65])
{
        struct pdi_sha256 h;
        int r = pdi_sha256_init(&h);
        if (r < 0)
                return r;
        r = pdi_sha256_update(&h, buf, len);
        if (r < 0) {
                pdi_sha256_done(&h);
                return r;
        }
        return pdi_sha256_final(&h, ret_hex);
}
