/* SPDX-License-Identifier: Apache-2.0 */
#include "base/shellquote.h"

static bool safe_char(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("_@%+=:,./-", c));
}

static bool printable(unsigned char c)
{
        return c >= 0x20 && c < 0x7f;
}

static bool all(const char *w, bool (*ok)(unsigned char))
{
        for (; *w; w++)
                if (!ok((unsigned char)*w))
                        return false;
        return true;
}

static char *put(char *out, const char *s)
{
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return out + n;
}

/* '…' with ' as '\'': at most 4 bytes out per byte in, plus the quotes. */
static void single_quoted(const char *w, char *out)
{
        *out++ = '\'';
        for (; *w; w++)
                out = *w == '\'' ? put(out, "'\\''") : (*out = *w, out + 1);
        put(out, "'");
}

/* $'…' with \xHH for every byte outside printable ASCII: at most 4 bytes out per byte in. */
static void dollar_quoted(const char *w, char *out)
{
        static const char hex[] = "0123456789abcdef";
        out = put(out, "$'");
        for (; *w; w++) {
                unsigned char c = (unsigned char)*w;
                if (c == '\'' || c == '\\')
                        *out++ = '\\';
                if (printable(c)) {
                        *out++ = (char)c;
                        continue;
                }
                out = put(out, "\\x");
                *out++ = hex[c >> 4];
                *out++ = hex[c & 15];
        }
        put(out, "'");
}

char *pdi_shell_quote(const char *word)
{
        if (*word && all(word, safe_char))
                return strdup(word);
        char *out = malloc(4 * strlen(word) + 4);
        if (!out)
                return NULL;
        if (all(word, printable))
                single_quoted(word, out);
        else
                dollar_quoted(word, out);
        return out;
}
