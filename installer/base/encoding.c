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

size_t pdi_utf8_bad_offset(const unsigned char *s, size_t len)
{
        size_t i = 0;
        while (i < len) {
                unsigned char c = s[i];
                size_t n;
                uint32_t cp, min;
                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xe0) == 0xc0)
                        n = 1, cp = c & 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        n = 2, cp = c & 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        n = 3, cp = c & 0x07, min = 0x10000;
                else
                        return i;
                if (len - i <= n)
                        return i;
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return i;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return i;
                i += n + 1;
        }
        return len;
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
