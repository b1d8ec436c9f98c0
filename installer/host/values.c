/* SPDX-License-Identifier: Apache-2.0 */
#include "host/values.h"

#include <ctype.h>
#include <stdio.h>

/* The characters each form may hold besides letters and digits, and its longest value. No
 * form holds a quote, '\', '$', '`' or anything outside printable ASCII (checked first for
 * all). Paths: no blank (a unit's list separator, a snippet's field separator), no '%'
 * (a specifier), no ':' (BindPaths= style separators). */
static const struct form {
        const char *extra;
        size_t max;
} forms[] = {
    [PDI_VALUE_DIR] = {"/._+-", 1024},
    [PDI_VALUE_PATH] = {"/._+-", 1024},
    [PDI_VALUE_NAME] = {"_+-:,~()[]", 63}, /* the node refuses 64 and more, '.', '@', '\' */
    [PDI_VALUE_URL] = {"-._~:/?#[]@!&()*+,;=%", 2048},
    [PDI_VALUE_TELEMETRY] = {"-._~:/?#[]@!&()*+,;=% ", 2050},
    [PDI_VALUE_CALENDAR] = {" *,:./~_+-", 256},
    [PDI_VALUE_ARGS] = {" !#%&()*+,-./:;<=>?@[]^_{|}~", PDI_VALUE_MAX},
};

static bool starts(const char *v, const char *prefix)
{
        return strncmp(v, prefix, strlen(prefix)) == 0;
}

static bool below(const char *v, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(v, dir, n) == 0 && (v[n] == '/' || v[n] == '\0');
}

static const char *bytes_problem(const struct form *f, const char *v)
{
        size_t n = strlen(v);
        if (n == 0)
                return "is empty";
        if (n > f->max)
                return "is too long";
        for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
                if (*c < 0x20 || *c == 0x7f)
                        return "has a control character (newline, tab, carriage return …)";
                if (*c >= 0x80)
                        return "is not printable ASCII";
                if (strchr("\"'\\$`", *c))
                        return "has a quote, '\\', '$' or '`'";
                if (!isalnum(*c) && !strchr(f->extra, *c))
                        return *c == ' ' ? "has a blank"
                                         : "has a character this setting may not hold";
        }
        return NULL;
}

/* Absolute and spelled plainly: no '//', no trailing '/', no '.' or '..' component, so that
 * the text names the directory it resolves to (before links). */
static const char *plain_path_problem(const char *v)
{
        if (v[0] != '/')
                return "is not an absolute path";
        if (strstr(v, "//") || (v[1] && v[strlen(v) - 1] == '/'))
                return "has an empty component ('//' or a trailing '/'); spell it plainly";
        for (const char *c = v; c; c = strchr(c + 1, '/'))
                if (starts(c, "/.") &&
                    (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
                        return "has a '.' or '..' component; spell it without them";
        for (const char *const *k = (const char *const[]){"/proc", "/sys", "/dev", NULL}; *k; k++)
                if (below(v, *k))
                        return "is on a kernel file system (/proc, /sys, /dev)";
        return NULL;
}

/* A directory the installer makes its own (chowns, fills, deletes on --purge) must not be
 * a system directory, nor lie in a tree that the system owns, that is wiped (/tmp), or that
 * is the installer's own memory. */
static const char *dir_problem(const char *v)
{
        static const char *const exact[] = {
            "/",        "/home",      "/media",    "/mnt",      "/opt",       "/root",
            "/srv",     "/run",       "/run/user", "/var",      "/var/cache", "/var/lib",
            "/var/log", "/var/spool", "/var/opt",  "/var/mail", "/var/local", "/var/backups",
        };
        static const char *const trees[] = {
            "/boot",
            "/bin",
            "/etc",
            "/lib",
            "/lib32",
            "/lib64",
            "/libx32",
            "/sbin",
            "/usr",
            "/tmp",
            "/var/tmp",
            "/var/lib/polkadot-installer",
            "/var/cache/polkadot-installer",
        };
        const char *why = plain_path_problem(v);
        if (why)
                return why;
        for (size_t i = 0; i < ELEMENTSOF(exact); i++)
                if (streq(v, exact[i]))
                        return "is a system directory; name a directory of its own below it";
        for (size_t i = 0; i < ELEMENTSOF(trees); i++)
                if (below(v, trees[i]))
                        return "is in a system tree (/etc, /usr, /boot, /bin, /lib, /tmp …) "
                               "or the installer's own";
        return NULL;
}

/* Every '%' starts a percent-encoded byte (two hex digits). */
static const char *percent_problem(const char *v)
{
        for (const char *p = strchr(v, '%'); p; p = strchr(p + 1, '%'))
                if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
                        return "has a '%' that is not followed by two hex digits";
        return NULL;
}

static const char *url_problem(const char *v)
{
        if (v[0] == '/')
                return plain_path_problem(v);
        if (!starts(v, "https://") && !starts(v, "http://") && !starts(v, "file://"))
                return "is neither an http://, https:// or file:// URL nor an absolute path";
        return percent_problem(v);
}

/* The node wants "URL VERBOSITY"; one blank is allowed, between the two. */
static const char *telemetry_problem(const char *v)
{
        const char *sp = strchr(v, ' ');
        if (!starts(v, "wss://") && !starts(v, "ws://"))
                return "is not a ws:// or wss:// URL";
        if (sp && (!isdigit((unsigned char)sp[1]) || sp[2]))
                return "must be 'URL' or 'URL VERBOSITY' (0-9)";
        return percent_problem(v);
}

/* systemd trims blanks around a value; a spec that differs from its text is refused. */
static const char *calendar_problem(const char *v)
{
        if (v[0] == ' ' || v[strlen(v) - 1] == ' ' || strstr(v, "  "))
                return "has a leading, trailing or double blank";
        return NULL;
}

const char *pdi_value_problem(enum pdi_value_form form, const char *v)
{
        if ((size_t)form >= ELEMENTSOF(forms) || !v)
                return "is not a known kind of value";
        const char *why = bytes_problem(&forms[form], v);
        if (why)
                return why;
        switch (form) {
        case PDI_VALUE_DIR:
                return dir_problem(v);
        case PDI_VALUE_PATH:
                return plain_path_problem(v);
        case PDI_VALUE_URL:
                return url_problem(v);
        case PDI_VALUE_TELEMETRY:
                return telemetry_problem(v);
        case PDI_VALUE_CALENDAR:
                return calendar_problem(v);
        default:
                return NULL;
        }
}

void pdi_value_quote(const char *v, char *buf, size_t n)
{
        size_t o = 0;
        if (n == 0)
                return;
        for (size_t i = 0; v && v[i] && o + 5 < n; i++) {
                unsigned char c = (unsigned char)v[i];
                if (i == 64) {
                        o += (size_t)snprintf(buf + o, n - o, "…");
                        break;
                }
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[o++] = (char)c;
                else
                        o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
        }
        buf[o < n ? o : n - 1] = '\0';
}
