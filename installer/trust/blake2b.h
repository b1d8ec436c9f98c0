/* SPDX-License-Identifier: Apache-2.0 */
/* Unkeyed BLAKE2b (RFC 7693) with any output length from 1 to 64 bytes. OpenSSL 3.0 only
 * offers the 64-byte digest, and minisign's secret-key checksum is BLAKE2b with a 32-byte
 * output, which is not a truncation of BLAKE2b-512 (the length is part of the parameters). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PDI_BLAKE2B_OUT_MAX 64

/* out receives outlen bytes; -EINVAL if outlen is 0 or above 64. */
int pdi_blake2b(uint8_t *out, size_t outlen, const void *in, size_t inlen);
