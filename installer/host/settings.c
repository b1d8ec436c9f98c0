/* SPDX-License-Identifier: Apache-2.0 */
#include "host/settings.h"
#include "host/values.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

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
        if (v[0] != '/')
                return "is neither polkadot, kusama, westend, paseo nor an absolute chain-spec "
                       "path";
        return pdi_value_problem(PDI_VALUE_PATH, v); /* a chain-spec file */
}

static const char *name_problem(const char *v)
{
        return pdi_value_problem(PDI_VALUE_NAME, v);
}

/* The base path is chowned to the node's user and made 0750: it must name a directory of its
 * own, spelled so that it cannot resolve to its parent or a system directory. */
static const char *base_path_problem(const char *v)
{
        return pdi_value_problem(PDI_VALUE_DIR, v);
}

static const char *telemetry_problem(const char *v)
{
        return pdi_value_problem(PDI_VALUE_TELEMETRY, v);
}

static const char *node_args_problem(const char *v)
{
        return pdi_value_problem(PDI_VALUE_ARGS, v);
}

/* worker_isolation: "systemd" or "none" (the default until the end-to-end test has proved
 * the relay on real hosts for long enough). */
static const char *isolation_problem(const char *v, bool *ret)
{
        if (!streq(v, "systemd") && !streq(v, "none"))
                return "is neither systemd nor none";
        *ret = streq(v, "systemd");
        return NULL;
}

enum kind { TEXT, YESNO, PORT, ISOLATION };

/* One table maps every setting: its name in the config file (and, with '-', as a flag),
 * where it is kept, and what a value must be (values.h has the forms). In the config file's
 * order. */
static const struct setting {
        const char *key;
        enum kind kind;
        size_t offset;
        bool optional;                       /* TEXT: "" unsets it (else "" is refused) */
        const char *(*check)(const char *v); /* TEXT: NULL if fine, else why not */
} table[] = {
    {"chain", TEXT, offsetof(struct pdi_settings, chain), false, chain_problem},
    {"node_name", TEXT, offsetof(struct pdi_settings, node_name), true, name_problem},
    {"base_path", TEXT, offsetof(struct pdi_settings, base_path), false, base_path_problem},
    {"validator", YESNO, offsetof(struct pdi_settings, validator), false, NULL},
    {"rpc_port", PORT, offsetof(struct pdi_settings, rpc_port), false, NULL},
    {"prometheus_port", PORT, offsetof(struct pdi_settings, prometheus_port), false, NULL},
    {"telemetry_url", TEXT, offsetof(struct pdi_settings, telemetry_url), true, telemetry_problem},
    {"no_telemetry", YESNO, offsetof(struct pdi_settings, no_telemetry), false, NULL},
    {"node_args", TEXT, offsetof(struct pdi_settings, node_args), true, node_args_problem},
    {"worker_isolation", ISOLATION, offsetof(struct pdi_settings, isolate_workers), false, NULL},
};

static const struct setting *find(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(key, table[i].key))
                        return &table[i];
        return NULL;
}

/* Why value is refused for e (NULL: fine); a YESNO or PORT value is stored in field. */
static const char *problem(const struct setting *e, const char *value, void *field)
{
        bool b;
        unsigned port;
        if (e->kind == YESNO)
                return bool_problem(value, field ? field : &b);
        if (e->kind == PORT)
                return port_problem(value, field ? field : &port);
        if (e->kind == ISOLATION)
                return isolation_problem(value, field ? field : &b);
        if (e->optional && !*value)
                return NULL;
        return e->check(value);
}

const char *pdi_settings_problem(const char *key, const char *value)
{
        const struct setting *e = find(key);
        return e ? problem(e, value, NULL) : "is not a setting";
}

int pdi_settings_set(struct pdi_settings *s, const char *key, const char *value,
                     struct pdi_error *err)
{
        const struct setting *e = find(key);
        char shown[300];
        if (!e)
                return pdi_error_set(err, -PDI_E_USAGE, "setting %s: unknown", key);
        void *field = (char *)s + e->offset;
        const char *why = problem(e, value, field);
        if (why) {
                pdi_value_quote(value, shown, sizeof(shown));
                return pdi_error_set(err, -PDI_E_USAGE, "setting %s: '%s' %s", key, shown, why);
        }
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
        else if (e->kind == ISOLATION)
                snprintf(buf, n, "%s", *(const bool *)field ? "systemd" : "none");
        else if (e->kind == PORT && *(const unsigned *)field)
                snprintf(buf, n, "%u", *(const unsigned *)field);
        else if (e->kind == TEXT && *(char *const *)field)
                snprintf(buf, n, "%s", *(char *const *)field);
        return 0;
}

/* A deep copy of a into ret (all or nothing). */
static int settings_copy(const struct pdi_settings *a, struct pdi_settings *ret)
{
        struct pdi_settings t = *a;
        t.chain = t.node_name = t.base_path = t.telemetry_url = t.node_args = NULL;
        int k = set_string(&t.chain, a->chain);
        if (k == 0)
                k = set_string(&t.node_name, a->node_name);
        if (k == 0)
                k = set_string(&t.base_path, a->base_path);
        if (k == 0)
                k = set_string(&t.telemetry_url, a->telemetry_url);
        if (k == 0)
                k = set_string(&t.node_args, a->node_args);
        if (k < 0) {
                pdi_settings_done(&t);
                return k;
        }
        *ret = t;
        return 0;
}

/* The whole file or nothing: a NUL, an over-long line or a line that is not KEY=value (a
 * setting named twice included) refuses it before any value is applied, so a damaged file
 * never leaves a node half configured from it. */
static int config_shape(const char *path, const char *text, size_t len, struct pdi_error *err)
{
        const char *nul = memchr(text, '\0', len);
        if (nul)
                return pdi_error_set(err, -PDI_E_FAILED,
                                     "%s: has a NUL byte (at offset %zu); refusing the whole file",
                                     path, (size_t)(nul - text));
        unsigned lineno = 1;
        for (const char *p = text; p < text + len; lineno++) {
                const char *nl = memchr(p, '\n', (size_t)(text + len - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
                if (n >= PDI_SETTINGS_LINE_MAX)
                        return pdi_error_set(err, -PDI_E_FAILED,
                                             "%s:%u: line longer than %d bytes; refusing the "
                                             "whole file",
                                             path, lineno, PDI_SETTINGS_LINE_MAX - 1);
                p += n + 1;
        }
        return 0;
}

static int config_line(struct pdi_settings *s, char *line, unsigned lineno, bool *seen,
                       struct pdi_error *err)
{
        char shown[300];
        char *eq = strchr(line, '=');
        if (!eq) {
                pdi_value_quote(line, shown, sizeof(shown));
                return pdi_error_set(err, -PDI_E_FAILED, "%u: not KEY=value: '%s'", lineno, shown);
        }
        *eq = '\0';
        const struct setting *e = find(line);
        if (e && seen[e - table])
                return pdi_error_set(err, -PDI_E_FAILED, "%u: setting %s: given twice", lineno,
                                     line);
        if (e)
                seen[e - table] = true;
        int k = pdi_settings_set(s, line, eq + 1, err);
        if (k < 0) {
                err->code = -PDI_E_FAILED;
                pdi_error_prefix(err, "%u: ", lineno);
        }
        return k < 0 ? -PDI_E_FAILED : 0;
}

int pdi_settings_load(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_settings *s,
                      struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int k = pdi_root_read_file(r, l->config, PDI_SETTINGS_MAX_BYTES, &text, &len);
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->config, pdi_read_strerror(k));
        k = config_shape(l->config, text, len, err);
        if (k < 0)
                return k;
        /* Applied to a copy: s changes only when every line was accepted. */
        struct pdi_settings t;
        bool seen[ELEMENTSOF(table)] = {0};
        k = settings_copy(s, &t);
        unsigned lineno = 0;
        for (char *line = text, *next; k == 0 && line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                lineno++;
                if (line[0] != '#' && line[0] != '\0')
                        k = config_line(&t, line, lineno, seen, err);
        }
        if (k < 0) {
                if (k != -ENOMEM)
                        pdi_error_prefix(err, "%s:", l->config);
                pdi_settings_done(&t);
                return k;
        }
        pdi_settings_done(s);
        *s = t;
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

static bool path_within(const char *a, const char *b)
{
        size_t n = strlen(b);
        return strncmp(a, b, n) == 0 && (a[n] == '/' || a[n] == '\0');
}

int pdi_settings_check_layout(const struct pdi_settings *s, const struct pdi_layout *l,
                              struct pdi_error *err)
{
        const char *b = s->base_path;
        if (b && (path_within(b, l->prefix) || path_within(l->prefix, b)))
                return pdi_error_set(err, -PDI_E_USAGE,
                                     "settings: base_path %s and the release tree %s overlap: "
                                     "the node would own its own binaries",
                                     b, l->prefix);
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
        char *t = NULL, value[PDI_VALUE_MAX + 1];
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

/* The operator's own node arguments name a key (--node-key HEX, --node-key-file PATH). */
static bool own_node_key(const char *args)
{
        static const char *const names[] = {"--node-key", "--node-key-file"};
        for (const char *w = args; w && *w; w += strcspn(w, " \t"), w += strspn(w, " \t"))
                for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                        size_t n = strlen(names[i]);
                        if (strncmp(w, names[i], n) == 0 && strchr(" \t=", w[n]))
                                return true;
                }
        return false;
}

int pdi_settings_node_key(const struct pdi_settings *s, char **ret)
{
        if (!s->validator || own_node_key(s->node_args) || !s->base_path) {
                *ret = NULL;
                return 0;
        }
        return asprintf(ret, "%s/" PDI_NODE_KEY_NAME, s->base_path) < 0 ? -ENOMEM : 1;
}

char *pdi_settings_node_args(const struct pdi_settings *s)
{
        _cleanup_free_ char *key = NULL;
        if (pdi_settings_node_key(s, &key) < 0)
                return NULL;
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
        if (k == 0 && key)
                k = append(&a, " --node-key-file %s", key);
        if (k < 0) {
                free(a);
                return NULL;
        }
        return a;
}
