/* SPDX-License-Identifier: Apache-2.0 */
/* Value forms of the manifest: see manifest_values.h. */
#include "trust/manifest_values.h"

#include <errno.h>

#define TIME_MAX_LEN 64

static bool is_control(unsigned char c)
{
        return c < 0x20 || c == 0x7f;
}

/* One name in a directory: what the installer creates, so no separators and no tricks. */
bool pdi_manifest_plain_name(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 255 || streq(s, ".") || streq(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] == '/' || is_control((unsigned char)s[i]))
                        return false;
        return true;
}

bool pdi_manifest_product_valid(const char *s)
{
        size_t n = strlen(s);
        if (n < 1 || n > 64 || s[0] < 'a' || s[0] > 'z')
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

bool pdi_manifest_chain_valid(const char *s)
{
        size_t n = strlen(s);
        return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Digits without a leading zero (a lone "0" is fine). Returns the end of the number. */
static const char *version_number(const char *s)
{
        size_t n = strspn(s, "0123456789");
        if (n == 0 || (n > 1 && s[0] == '0'))
                return NULL;
        return s + n;
}

bool pdi_version_valid(const char *s)
{
        if (!s || strlen(s) > 64)
                return false;
        const char *p = s;
        for (int i = 0; i < 3; i++) {
                p = version_number(p);
                if (!p || (i < 2 && *p++ != '.'))
                        return false;
        }
        if (*p == '\0')
                return true;
        if (*p++ != '-')
                return false;
        size_t n = strlen(p);
        if (n == 0 || p[0] == '.' || p[0] == '-' || p[n - 1] == '.' || p[n - 1] == '-')
                return false;
        return strspn(p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-") == n;
}

/* Exactly n digits at s. */
static bool digits(const char *s, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

static int days_in_month(int year, int month)
{
        static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return month == 2 && leap ? 29 : days[month - 1];
}

/* "Z" or "+hh:mm"/"-hh:mm" → offset east of UTC in seconds. */
static int parse_offset(const char *s, long *ret)
{
        int h, m;
        if (streq(s, "Z")) {
                *ret = 0;
                return 0;
        }
        if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &h) || s[3] != ':' ||
            !digits(s + 4, 2, &m) || s[6] != '\0' || h > 23 || m > 59)
                return -EINVAL;
        *ret = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
        return 0;
}

int pdi_rfc3339_parse(const char *s, time_t *ret)
{
        int Y, M, D, h, m, sec;
        if (!s || strlen(s) > TIME_MAX_LEN)
                return -EINVAL;
        if (!digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
            !digits(s + 8, 2, &D) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
            !digits(s + 14, 2, &m) || s[16] != ':' || !digits(s + 17, 2, &sec))
                return -EINVAL;
        if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || m > 59 || sec > 59)
                return -EINVAL;
        const char *p = s + 19;
        if (*p == '.') {
                size_t n = strspn(p + 1, "0123456789");
                if (n == 0)
                        return -EINVAL;
                p += 1 + n; /* the fraction is accepted but time_t keeps whole seconds */
        }
        long off;
        if (parse_offset(p, &off) < 0)
                return -EINVAL;
        struct tm tm = {.tm_year = Y - 1900,
                        .tm_mon = M - 1,
                        .tm_mday = D,
                        .tm_hour = h,
                        .tm_min = m,
                        .tm_sec = sec};
        time_t t = timegm(&tm);
        *ret = t - off;
        return 0;
}

static bool has_scheme(const char *s, size_t *ret_len)
{
        if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return false;
        size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
        *ret_len = n;
        return s[n] == ':';
}

static bool has_dotdot_segment(const char *s)
{
        for (const char *p = s; (p = strstr(p, "..")); p++)
                if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
                        return true;
        return false;
}

/* NULL if s is an acceptable artifact URL, else the reason. */
const char *pdi_manifest_url_problem(const char *s, char *buf, size_t bufsz)
{
        size_t n = strlen(s), scheme_len;
        if (n == 0)
                return "empty URL";
        if (n > PDI_MANIFEST_MAX_URL)
                return "URL longer than 2048 bytes";
        for (size_t i = 0; i < n; i++)
                if (is_control((unsigned char)s[i]) || s[i] == ' ' || (unsigned char)s[i] > 0x7e)
                        return "URL contains a space, a control character or a non-ASCII byte";
        if (has_scheme(s, &scheme_len)) {
                static const char *const ok[] = {"https://", "http://", "file://"};
                for (size_t i = 0; i < ELEMENTSOF(ok); i++)
                        if (strncmp(s, ok[i], strlen(ok[i])) == 0)
                                return s[strlen(ok[i])] ? NULL : "URL has nothing after the scheme";
                snprintf(buf, bufsz,
                         "URL scheme \"%.*s\" is not allowed (https, http, file or a relative URL)",
                         (int)(scheme_len > 32 ? 32 : scheme_len), s);
                return buf;
        }
        if (s[0] == '/')
                return "relative URL must not start with '/'";
        if (strpbrk(s, "\\?#"))
                return "relative URL must not contain '\\', '?' or '#'";
        if (strchr(s, ':') && (!strchr(s, '/') || strchr(s, ':') < strchr(s, '/')))
                return "relative URL must not have ':' in its first segment";
        if (has_dotdot_segment(s))
                return "relative URL must not contain a '..' segment";
        return NULL;
}
