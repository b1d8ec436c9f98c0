/* SPDX-License-Identifier: Apache-2.0 */
#include "fetch/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t pdi_url_scheme_length(const char *s)
{
        size_t i = 0;
        if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return 0;
        while (s[i] && (strchr("+-.", s[i]) || (s[i] >= '0' && s[i] <= '9') ||
                        (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
                i++;
        return strncmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

bool pdi_url_scheme_is(const char *s, const char *scheme)
{
        size_t n = pdi_url_scheme_length(s);
        return n == strlen(scheme) + 3 && strncasecmp(s, scheme, n - 3) == 0;
}

static char *join(const char *a, size_t a_len, const char *b)
{
        char *r = NULL;
        if (asprintf(&r, "%.*s%s", (int)a_len, a, b) < 0)
                return NULL;
        return r;
}

char *pdi_url_resolve(const char *base, const char *ref)
{
        size_t scheme = pdi_url_scheme_length(base);
        if (pdi_url_scheme_length(ref) > 0 || (!scheme && ref[0] == '/'))
                return strdup(ref);
        if (!scheme) {
                const char *slash = strrchr(base, '/');
                return join(base, slash ? (size_t)(slash - base) + 1 : 0, ref);
        }
        /* URL: drop query and fragment, then everything after the path's last slash. */
        size_t end = strcspn(base, "?#");
        size_t path = scheme + strcspn(base + scheme, "/?#");
        if (ref[0] == '/')
                return join(base, path, ref);
        if (path >= end) {
                _cleanup_free_ char *origin = join(base, path, "/");
                return origin ? join(origin, strlen(origin), ref) : NULL;
        }
        size_t dir = end;
        while (dir > path && base[dir - 1] != '/')
                dir--;
        return join(base, dir, ref);
}
