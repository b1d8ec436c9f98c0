/* SPDX-License-Identifier: Apache-2.0 */
/* Hex, strict base64 and strict UTF-8. Decoders accept exactly one canonical encoding of the data
 * (no whitespace, correct padding, zero pad bits), so a signature file has one byte form only. */
#pragma once

#include "base/common.h"

#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void pdi_hex_encode(const uint8_t *in, size_t len, char *out);
/* True if s is exactly 64 lowercase hex digits (the manifest's sha256 form). */
bool pdi_is_sha256_hex(const char *s);

/* Little-endian 64-bit load (minisign key ids, BLAKE2b message words). */
static inline uint64_t pdi_load64_le(const uint8_t *p)
{
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

/* Base64 length of len bytes, as a constant expression for array sizes. */
#define PDI_BASE64_LEN(len) (((len) + 2) / 3 * 4)
size_t pdi_base64_encoded_len(size_t len);
/* out must hold pdi_base64_encoded_len(len) + 1 bytes. */
void pdi_base64_encode(const uint8_t *in, size_t len, char *out);
/* Decodes inlen characters into at most outmax bytes; -EINVAL on any non-canonical input,
 * -EMSGSIZE if the result would not fit. */
int pdi_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax, size_t *ret_len);

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF): the offset of the
 * first bad byte, or len if all is well. */
size_t pdi_utf8_bad_offset(const unsigned char *s, size_t len);
/* Replace every byte that is not part of valid UTF-8 by '?', in place (for a message that
 * must go into JSON: a path the operator typed may be in any encoding). */
void pdi_utf8_sanitize(char *s);
/* For text from a tree an attacker shaped (a path, a unit line, a program's output): every
 * byte that is not part of valid UTF-8 written as \xNN, and with PDI_ESC_CONTROLS also the C0
 * controls, DEL and the C1 controls (U+0080..U+009F, as their two bytes), so nothing reaches a
 * terminal or a JSON document raw. pdi_escape_into writes at most size bytes (NUL included)
 * and returns the length of the whole escaped text; pdi_escape returns it in a new string
 * (NULL when out of memory). */
#define PDI_ESC_CONTROLS 1u
size_t pdi_escape_into(char *out, size_t size, const char *s, unsigned flags);
char *pdi_escape(const char *s, unsigned flags);
bool pdi_needs_escape(const char *s, unsigned flags);
/* The same for a NUL-terminated string. */
static inline bool pdi_utf8_valid(const char *s, size_t *ret_bad)
{
        size_t len = strlen(s), bad = pdi_utf8_bad_offset((const unsigned char *)s, len);
        if (ret_bad)
                *ret_bad = bad;
        return bad == len;
}
