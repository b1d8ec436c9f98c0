/* SPDX-License-Identifier: Apache-2.0 */
#include "base/encoding.h"

#include <errno.h>

static const char hexdigits[] = "0123456789abcdef";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void pdi_hex_encode(const uint8_t *in, size_t len, char *out)
{
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = hexdigits[in[i] >> 4];
                out[2 * i + 1] = hexdigits[in[i] & 15];
        }
        out[2 * len] = '\0';
}

bool pdi_is_sha256_hex(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

size_t pdi_base64_encoded_len(size_t len)
{
        return PDI_BASE64_LEN(len);
}

void pdi_base64_encode(const uint8_t *in, size_t len, char *out)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t)in[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t)in[i + 1] << 8;
                if (i + 2 < len)
                        v |= in[i + 2];
                out[o++] = b64[v >> 18 & 63];
                out[o++] = b64[v >> 12 & 63];
                out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
                out[o++] = i + 2 < len ? b64[v & 63] : '=';
        }
        out[o] = '\0';
}

static int b64val(char c)
{
        const char *p = c ? strchr(b64, c) : NULL;
        return p ? (int)(p - b64) : -1;
}

int pdi_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax, size_t *ret_len)
{
        if (inlen % 4 != 0)
                return -EINVAL;
        size_t pad = 0;
        if (inlen >= 1 && in[inlen - 1] == '=')
                pad = (inlen >= 2 && in[inlen - 2] == '=') ? 2 : 1;
        size_t n = inlen / 4 * 3 - pad;
        if (n > outmax)
                return -EMSGSIZE;
        size_t o = 0;
        for (size_t i = 0; i < inlen; i += 4) {
                bool last = i + 4 == inlen;
                int v[4];
                for (int k = 0; k < 4; k++) {
                        bool padpos = last && k >= 4 - (int)pad;
                        v[k] = padpos ? 0 : b64val(in[i + k]);
                        if (v[k] < 0 || (padpos && in[i + k] != '='))
                                return -EINVAL;
                }
                uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                             (uint32_t)v[3];
                /* Non-zero bits hidden under padding would give a second encoding. */
                if ((pad == 1 && last && (w & 0xff)) || (pad == 2 && last && (w & 0xffff)))
                        return -EINVAL;
                uint8_t bytes[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
                for (int k = 0; k < 3 && o < n; k++)
                        out[o++] = bytes[k];
        }
        *ret_len = n;
        return 0;
}

/* The length of the valid UTF-8 sequence at s (1 for ASCII), or 0 if s[0] starts none. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
        unsigned char c = s[0];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80)
                return 1;
        else if ((c & 0xe0) == 0xc0)
                n = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
                n = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
                n = 3, cp = c & 0x07, min = 0x10000;
        else
                return 0;
        if (len <= n)
                return 0;
        for (size_t k = 1; k <= n; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n + 1;
}

size_t pdi_utf8_bad_offset(const unsigned char *s, size_t len)
{
        size_t i = 0;
        while (i < len) {
                size_t n = utf8_seq_len(s + i, len - i);
                if (n == 0)
                        return i;
                i += n;
        }
        return len;
}

/* Whether the sequence of n bytes at s is shown as \xNN escapes. */
static bool esc_seq(const unsigned char *s, size_t n, unsigned flags)
{
        if (n == 0)
                return true;
        if (!(flags & PDI_ESC_CONTROLS))
                return false;
        if (n == 1)
                return s[0] < 0x20 || s[0] == 0x7f;
        return n == 2 && s[0] == 0xc2 && s[1] < 0xa0; /* C1: U+0080..U+009F */
}

size_t pdi_escape_into(char *out, size_t size, const char *s, unsigned flags)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), o = 0;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_seq_len(u + i, len - i);
                bool esc = esc_seq(u + i, n, flags);
                n = n ? n : 1;
                for (size_t k = 0; k < n; k++, i++) {
                        char b[5] = {u[i], 0};
                        if (esc)
                                snprintf(b, sizeof(b), "\\x%02x", u[i]);
                        for (const char *c = b; *c; c++, o++)
                                if (o + 1 < size)
                                        out[o] = *c;
                }
        }
        if (size)
                out[o < size ? o : size - 1] = 0;
        return o;
}

char *pdi_escape(const char *s, unsigned flags)
{
        size_t n = pdi_escape_into(NULL, 0, s, flags);
        char *out = malloc(n + 1);
        if (out)
                pdi_escape_into(out, n + 1, s, flags);
        return out;
}

bool pdi_needs_escape(const char *s, unsigned flags)
{
        return pdi_escape_into(NULL, 0, s, flags) != strlen(s);
}

void pdi_utf8_sanitize(char *s)
{
        size_t len = strlen(s), i = 0;
        while (i < len) {
                i += pdi_utf8_bad_offset((const unsigned char *)s + i, len - i);
                if (i < len)
                        s[i++] = '?';
        }
}
