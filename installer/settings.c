#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

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

static int parse_bool(const char *key, const char *value, bool *ret, struct pdi_error *err)
{
        if (streq(value, "yes") || streq(value, "true") || streq(value, "1"))
                *ret = true;
        else if (streq(value, "no") || streq(value, "false") || streq(value, "0") || !*value)
                *ret = false;
        else
                return bad(err, key, value, "is not yes or no");
        return 0;
}

static int parse_port(const char *key, const char *value, unsigned *ret, struct pdi_error *err)
{
        char *end;
        if (!*value) {
                *ret = 0;
                return 0;
        }
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || *end || !isdigit((unsigned char)value[0]) || v < 1 || v > 65535)
                return bad(err, key, value, "is not a port from 1 to 65535");
        *ret = (unsigned)v;
        return 0;
}

static int check_chain(const char *v, struct pdi_error *err)
{
        for (size_t i = 0; i < ELEMENTSOF(known_chains); i++)
                if (streq(v, known_chains[i]))
                        return 0;
        if (v[0] == '/' && !has_space_or_ctl(v))
                return 0; /* a chain-spec file */
        return bad(err, "chain", v,
                   "is neither polkadot, kusama, westend, paseo nor an absolute chain-spec path");
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

/* One table maps every setting: its name in the config file and as a flag (with '-'). */
int pdi_settings_set(struct pdi_settings *s, const char *key, const char *value,
                     struct pdi_error *err)
{
        if (has_space_or_ctl(value) && !streq(key, "node_args") && !streq(key, "telemetry_url"))
                return bad(err, key, value, "has blanks, quotes or control characters");
        if (streq(key, "chain")) {
                int r = check_chain(value, err);
                return r < 0 ? r : set_string(&s->chain, value);
        }
        if (streq(key, "node_name"))
                return set_string(&s->node_name, value);
        if (streq(key, "base_path")) {
                const char *why = base_path_problem(value);
                return why ? bad(err, key, value, why) : set_string(&s->base_path, value);
        }
        if (streq(key, "validator"))
                return parse_bool(key, value, &s->validator, err);
        if (streq(key, "no_telemetry"))
                return parse_bool(key, value, &s->no_telemetry, err);
        if (streq(key, "rpc_port"))
                return parse_port(key, value, &s->rpc_port, err);
        if (streq(key, "prometheus_port"))
                return parse_port(key, value, &s->prometheus_port, err);
        if (streq(key, "telemetry_url")) {
                /* The node wants "URL VERBOSITY"; one blank is allowed, between the two. */
                const char *sp = strchr(value, ' ');
                if (*value && (strncmp(value, "wss://", 6) != 0 && strncmp(value, "ws://", 5)))
                        return bad(err, key, value, "is not a ws:// or wss:// URL");
                if (strpbrk(value, "\"\\$%'\t\n"))
                        return bad(err, key, value, "has quotes, $, % or control characters");
                if (sp && (strchr(sp + 1, ' ') || !isdigit((unsigned char)sp[1]) || sp[2]))
                        return bad(err, key, value, "must be 'URL' or 'URL VERBOSITY' (0-9)");
                return set_string(&s->telemetry_url, value);
        }
        if (streq(key, "node_args")) {
                for (const char *p = value; *p; p++)
                        if (iscntrl((unsigned char)*p) || *p == '"' || *p == '\\' || *p == '$')
                                return bad(err, key, value, "has quotes, $ or control characters");
                return set_string(&s->node_args, value);
        }
        return pdi_error_set(err, -PDI_E_USAGE, "setting %s: unknown", key);
}

int pdi_settings_load(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_settings *s,
                      struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        int k = pdi_root_read_file(r, l->config, SETTINGS_MAX_BYTES, &text, NULL);
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->config, strerror(-k));
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
        char *t = NULL;
        int k = append(&t,
                       "# polkadot-installer settings, read by install and upgrade. Edit freely:\n"
                       "# your edits are kept, and the files rendered from them are updated.\n"
                       "chain=%s\nnode_name=%s\nbase_path=%s\nvalidator=%s\n",
                       s->chain, s->node_name ? s->node_name : "", s->base_path,
                       s->validator ? "yes" : "no");
        char rpc[12] = "", prom[12] = "";
        if (s->rpc_port)
                snprintf(rpc, sizeof(rpc), "%u", s->rpc_port);
        if (s->prometheus_port)
                snprintf(prom, sizeof(prom), "%u", s->prometheus_port);
        if (k == 0)
                k = append(&t, "rpc_port=%s\nprometheus_port=%s\n", rpc, prom);
        if (k == 0)
                k = append(&t, "telemetry_url=%s\nno_telemetry=%s\nnode_args=%s\n",
                           s->telemetry_url ? s->telemetry_url : "", s->no_telemetry ? "yes" : "no",
                           s->node_args ? s->node_args : "");
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
