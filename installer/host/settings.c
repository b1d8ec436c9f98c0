#include "host/settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#define SETTINGS_MAX_BYTES (64 * 1024)

static const char *const known_chains[] = {"polkadot", "kusama", "westend", "paseo"};

void pdi_settings_init(struct pdi_settings *s, const struct pdi_layout *l)
{
        *s = (struct pdi_settings){.chain = strdup("polkadot"), .base_path = strdup(l->base_path)};
}

void pdi_settings_done(struct pdi_settings *s)
{
        free(s->chain);
        free(s->node_name);
        free(s->base_path);
        free(s->telemetry_url);
        free(s->node_args);
        *s = (struct pdi_settings){0};
}

static int bad(struct pdi_error *err, const char *key, const char *value, const char *why)
{
        return pdi_error_set(err, -PDI_E_USAGE, "setting %s: '%s' %s", key, value, why);
}

static bool has_space_or_ctl(const char *v)
{
        for (; *v; v++)
                if (isspace((unsigned char)*v) || iscntrl((unsigned char)*v) || *v == '"' ||
                    *v == '\\' || *v == '$' || *v == '%')
                        return true;
        return false;
}

static int set_string(char **field, const char *value)
{
        char *c = value && *value ? strdup(value) : NULL;
        if (value && *value && !c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

static const char *bool_problem(const char *v, bool *ret)
{
        if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
                *ret = true;
        else if (streq(v, "no") || streq(v, "false") || streq(v, "0") || !*v)
                *ret = false;
        else
                return "is not yes or no";
        return NULL;
}

static const char *port_problem(const char *v, unsigned *ret)
{
        char *end;
        if (!*v) {
                *ret = 0;
                return NULL;
        }
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (errno || *end || !isdigit((unsigned char)v[0]) || n < 1 || n > 65535)
                return "is not a port from 1 to 65535";
        *ret = (unsigned)n;
        return NULL;
}

static const char *chain_problem(const char *v)
{
        for (size_t i = 0; i < ELEMENTSOF(known_chains); i++)
                if (streq(v, known_chains[i]))
                        return NULL;
        if (v[0] == '/' && !has_space_or_ctl(v))
                return NULL; /* a chain-spec file */
        return "is neither polkadot, kusama, westend, paseo nor an absolute chain-spec path";
}

/* The node wants "URL VERBOSITY"; one blank is allowed, between the two. */
static const char *telemetry_problem(const char *v)
{
        const char *sp = strchr(v, ' ');
        if (*v && (strncmp(v, "wss://", 6) != 0 && strncmp(v, "ws://", 5)))
                return "is not a ws:// or wss:// URL";
        if (strpbrk(v, "\"\\$%'\t\n"))
                return "has quotes, $, % or control characters";
        if (sp && (strchr(sp + 1, ' ') || !isdigit((unsigned char)sp[1]) || sp[2]))
                return "must be 'URL' or 'URL VERBOSITY' (0-9)";
        return NULL;
}

static const char *node_args_problem(const char *v)
{
        for (; *v; v++)
                if (iscntrl((unsigned char)*v) || *v == '"' || *v == '\\' || *v == '$')
                        return "has quotes, $ or control characters";
        return NULL;
}

/* The base path is chowned to the node's user and made 0750: it must name a directory of its
 * own, spelled so that it cannot resolve to its parent or a system directory. */
static const char *base_path_problem(const char *v)
{
        static const char *const system_dirs[] = {
            "/",          "/bin",       "/boot",      "/etc",      "/home",      "/lib",
            "/lib32",     "/lib64",     "/media",     "/mnt",      "/opt",       "/root",
            "/run",       "/sbin",      "/srv",       "/tmp",      "/usr",       "/usr/bin",
            "/usr/lib",   "/usr/lib64", "/usr/local", "/usr/sbin", "/usr/share", "/var",
            "/var/cache", "/var/lib",   "/var/log",   "/var/tmp",  "/var/spool", "/var/opt",
            "/var/mail",
        };
        static const char *const virtual_fs[] = {"/proc", "/sys", "/dev"};
        if (v[0] != '/')
                return "is not an absolute directory path";
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++)
                if (streq(v, system_dirs[i]))
                        return "is a system directory; name a directory of its own below it";
        if (strstr(v, "//") || v[strlen(v) - 1] == '/')
                return "has an empty component ('//' or a trailing '/'); spell it plainly";
        for (const char *c = v; c; c = strchr(c + 1, '/'))
                if (strncmp(c, "/.", 2) == 0 &&
                    (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
                        return "has a '.' or '..' component; spell it without them";
        for (size_t i = 0; i < ELEMENTSOF(virtual_fs); i++) {
                size_t n = strlen(virtual_fs[i]);
                if (strncmp(v, virtual_fs[i], n) == 0 && (v[n] == '/' || v[n] == '\0'))
                        return "is on a kernel file system (/proc, /sys, /dev)";
        }
        return NULL;
}

enum kind { TEXT, YESNO, PORT };

/* One table maps every setting: its name in the config file (and, with '-', as a flag),
 * where it is kept, and what a value must be. In the config file's order. */
static const struct setting {
        const char *key;
        enum kind kind;
        size_t offset;
        bool blanks;                         /* may hold blanks (its check refuses the rest) */
        const char *(*check)(const char *v); /* TEXT: NULL if fine, else why not */
} table[] = {
    {"chain", TEXT, offsetof(struct pdi_settings, chain), false, chain_problem},
    {"node_name", TEXT, offsetof(struct pdi_settings, node_name), false, NULL},
    {"base_path", TEXT, offsetof(struct pdi_settings, base_path), false, base_path_problem},
    {"validator", YESNO, offsetof(struct pdi_settings, validator), false, NULL},
    {"rpc_port", PORT, offsetof(struct pdi_settings, rpc_port), false, NULL},
    {"prometheus_port", PORT, offsetof(struct pdi_settings, prometheus_port), false, NULL},
    {"telemetry_url", TEXT, offsetof(struct pdi_settings, telemetry_url), true, telemetry_problem},
    {"no_telemetry", YESNO, offsetof(struct pdi_settings, no_telemetry), false, NULL},
    {"node_args", TEXT, offsetof(struct pdi_settings, node_args), true, node_args_problem},
};

static const struct setting *find(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(key, table[i].key))
                        return &table[i];
        return NULL;
}

int pdi_settings_set(struct pdi_settings *s, const char *key, const char *value,
                     struct pdi_error *err)
{
        const struct setting *e = find(key);
        void *field = e ? (char *)s + e->offset : NULL;
        const char *why = NULL;
        if (!e)
                return pdi_error_set(err, -PDI_E_USAGE, "setting %s: unknown", key);
        if (!e->blanks && has_space_or_ctl(value))
                why = "has blanks, quotes or control characters";
        else if (e->kind == YESNO)
                why = bool_problem(value, field);
        else if (e->kind == PORT)
                why = port_problem(value, field);
        else if (e->check)
                why = e->check(value);
        if (why)
                return bad(err, key, value, why);
        return e->kind == TEXT ? set_string(field, value) : 0;
}

int pdi_settings_get(const struct pdi_settings *s, const char *key, char *buf, size_t n)
{
        const struct setting *e = find(key);
        if (!e)
                return -ENOENT;
        const void *field = (const char *)s + e->offset;
        buf[0] = '\0';
        if (e->kind == YESNO)
                snprintf(buf, n, "%s", *(const bool *)field ? "yes" : "no");
        else if (e->kind == PORT && *(const unsigned *)field)
                snprintf(buf, n, "%u", *(const unsigned *)field);
        else if (e->kind == TEXT && *(char *const *)field)
                snprintf(buf, n, "%s", *(char *const *)field);
        return 0;
}

int pdi_settings_load(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_settings *s,
                      struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        int k = pdi_root_read_file(r, l->config, SETTINGS_MAX_BYTES, &text, NULL);
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->config, pdi_read_strerror(k));
        unsigned lineno = 0;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                lineno++;
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                char *eq = strchr(line, '=');
                if (!eq)
                        return pdi_error_set(err, -PDI_E_FAILED, "%s:%u: not KEY=value: '%s'",
                                             l->config, lineno, line);
                *eq = '\0';
                k = pdi_settings_set(s, line, eq + 1, err);
                if (k < 0) {
                        err->code = -PDI_E_FAILED;
                        pdi_error_prefix(err, "%s:%u: ", l->config, lineno);
                        return -PDI_E_FAILED;
                }
        }
        return 1;
}

int pdi_settings_validate(const struct pdi_settings *s, struct pdi_error *err)
{
        if (s->rpc_port && s->rpc_port == s->prometheus_port)
                return pdi_error_set(err, -PDI_E_USAGE,
                                     "settings: rpc_port and prometheus_port are both %u",
                                     s->rpc_port);
        if (s->no_telemetry && s->telemetry_url)
                return pdi_error_set(err, -PDI_E_USAGE,
                                     "settings: --no-telemetry and --telemetry-url together");
        return 0;
}

static int append(char **buf, const char *fmt, ...) _printf_(2, 3);
static int append(char **buf, const char *fmt, ...)
{
        char *add = NULL, *joined = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&add, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        k = asprintf(&joined, "%s%s", *buf ? *buf : "", add);
        free(add);
        if (k < 0)
                return -ENOMEM;
        free(*buf);
        *buf = joined;
        return 0;
}

char *pdi_settings_render_config(const struct pdi_settings *s)
{
        char *t = NULL, value[4096];
        int k = append(&t, "# polkadot-installer settings, read by install and upgrade. Edit "
                           "freely:\n# your edits are kept, and the files rendered from them "
                           "are updated.\n");
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(table); i++) {
                pdi_settings_get(s, table[i].key, value, sizeof(value));
                k = append(&t, "%s=%s\n", table[i].key, value);
        }
        if (k < 0) {
                free(t);
                return NULL;
        }
        return t;
}

char *pdi_settings_node_args(const struct pdi_settings *s)
{
        char *a = NULL;
        int k = append(&a, "--chain %s --base-path %s", s->chain, s->base_path);
        if (k == 0 && s->node_name)
                k = append(&a, " --name %s", s->node_name);
        if (k == 0 && s->validator)
                k = append(&a, " --validator");
        if (k == 0 && s->rpc_port)
                k = append(&a, " --rpc-port %u", s->rpc_port);
        if (k == 0 && s->prometheus_port)
                k = append(&a, " --prometheus-port %u", s->prometheus_port);
        if (k == 0 && s->no_telemetry)
                k = append(&a, " --no-telemetry");
        if (k == 0 && s->node_args)
                k = append(&a, " %s", s->node_args);
        if (k < 0) {
                free(a);
                return NULL;
        }
        return a;
}
