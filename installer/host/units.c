/* SPDX-License-Identifier: Apache-2.0 */
/* systemd units from the embedded templates: a renderer for @NAME@ placeholders and
 * @SINCE_n@ / @BEFORE_n@ line gates (keys a given systemd version knows), the values
 * computed from the layout, the settings and the host. */
#include "host/units.h"

#include "host/templates.h"
#include "host/values.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

/* Length of a placeholder name at s (just after an '@'): [A-Z][A-Z0-9_]* followed by '@';
 * 0 if s does not start one (lowercase "@system-service" is text). */
static size_t placeholder_len(const char *s)
{
        size_t n = 0;
        if (!isupper((unsigned char)s[0]))
                return 0;
        while (isupper((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '_')
                n++;
        return s[n] == '@' ? n : 0;
}

/* A gate at the start of a line: 1 keep the line, 0 drop it, -1 not a gate. */
static int line_gate(const char *name, size_t n, unsigned version, size_t *ret_len)
{
        bool since = n > 6 && strncmp(name, "SINCE_", 6) == 0;
        bool before = n > 7 && strncmp(name, "BEFORE_", 7) == 0;
        if (!since && !before)
                return -1;
        const char *num = name + (since ? 6 : 7);
        unsigned v = 0;
        for (const char *p = num; p < name + n; p++) {
                if (!isdigit((unsigned char)*p) || v > 100000)
                        return -1;
                v = v * 10 + (unsigned)(*p - '0');
        }
        *ret_len = n + 2;
        bool modern = version == 0 || version >= v; /* 0: unknown, assume current */
        return since == modern;
}

static const char *lookup(const struct pdi_units_var *vars, size_t nvars, const char *name,
                          size_t n)
{
        for (size_t k = 0; k < nvars; k++)
                if (strlen(vars[k].name) == n && strncmp(vars[k].name, name, n) == 0)
                        return vars[k].value;
        return NULL;
}

/* The gates at the start of line (several may follow each other): 1 keep the line, 0 drop
 * it, -EINVAL for an @IF_X@ gate without its variable; *ret_skip is their length. @IF_X@
 * keeps a line when the variable IF_X is "1" (a mode of the unit, e.g. worker isolation). */
static int line_gates(const char *line, const struct pdi_units_var *vars, size_t nvars,
                      unsigned version, size_t *ret_skip)
{
        size_t at = 0;
        int keep = 1;
        for (;;) {
                size_t n = line[at] == '@' ? placeholder_len(line + at + 1) : 0;
                size_t len = 0;
                int k = n ? line_gate(line + at + 1, n, version, &len) : -1;
                if (k < 0 && n > 3 && strncmp(line + at + 1, "IF_", 3) == 0) {
                        const char *v = lookup(vars, nvars, line + at + 1, n);
                        if (!v)
                                return -EINVAL;
                        k = streq(v, "1");
                        len = n + 2;
                }
                if (k < 0)
                        break;
                keep = keep && k;
                at += len;
        }
        *ret_skip = at;
        return keep;
}

/* A value as unit text: every '%' doubled, so that systemd reads no specifier in it (a URL's
 * percent-encoding stays what it was). A control character or a byte outside ASCII is
 * -EINVAL: whatever the source of a value and whatever its checks missed, it cannot end a
 * line here and start a directive of its own (values.h checks the forms before). */
static int put_value(FILE *out, const char *v)
{
        for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
                if (*c < 0x20 || *c >= 0x7f)
                        return -EINVAL;
                if (*c == '%')
                        fputc('%', out);
                fputc(*c, out);
        }
        return 0;
}

/* Copy one line (up to and including its newline) into out, substituting placeholders. */
static int render_line(FILE *out, const char *line, size_t len, const struct pdi_units_var *vars,
                       size_t nvars)
{
        for (size_t i = 0; i < len; i++) {
                size_t n = line[i] == '@' ? placeholder_len(line + i + 1) : 0;
                if (n == 0) {
                        fputc(line[i], out);
                        continue;
                }
                const char *v = lookup(vars, nvars, line + i + 1, n);
                if (!v || put_value(out, v) < 0)
                        return -EINVAL;
                i += n + 1;
        }
        return 0;
}

int pdi_units_render(const char *tmpl, const struct pdi_units_var *vars, size_t nvars,
                     unsigned version, char **ret_text)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = 0;
        for (const char *p = tmpl; *p && r == 0;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
                size_t skip = 0;
                int keep = line_gates(p, vars, nvars, version, &skip);
                if (keep < 0)
                        r = keep;
                else if (keep)
                        r = render_line(out, p + skip, len - skip, vars, nvars);
                p += len;
        }
        if (fclose(out) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

char *pdi_units_join(const char *dir, const char *name)
{
        char *p = NULL;
        return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static bool path_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int pdi_units_render_service(const struct pdi_layout *l, const struct pdi_settings *s,
                             const struct pdi_host_facts *f, char **ret_text)
{
        const char *tmpl = pdi_template_get("polkadot.service.in");
        if (!tmpl)
                return -ENOENT;
        const char *base = s && s->base_path ? s->base_path : l->base_path;
        /* Checked where they came from (values.h); again here, as this is where a blank or
         * a quote would become a second path or a broken line. */
        if (pdi_value_problem(PDI_VALUE_PATH, base) ||
            pdi_value_problem(PDI_VALUE_PATH, l->current) ||
            (s && s->telemetry_url && pdi_value_problem(PDI_VALUE_TELEMETRY, s->telemetry_url)))
                return -EINVAL;
        /* ProtectHome=yes hides a base path an operator put below a home directory; there
         * read-only plus ReadWritePaths= keeps the rest of /home out of reach of writes. */
        bool in_home =
            path_below(base, "/home") || path_below(base, "/root") || path_below(base, "/run/user");
        /* The telemetry endpoint is "URL VERBOSITY": one argument with a blank, which the
         * word-splitting of $POLKADOT_ARGS would cut; it goes into ExecStart quoted. */
        _cleanup_free_ char *telemetry = NULL;
        if (s && s->telemetry_url &&
            asprintf(&telemetry, " \"--telemetry-url=%s\"", s->telemetry_url) < 0)
                return -ENOMEM;
        char version[32] = "unknown (assumed current)";
        if (f->systemd_version > 0)
                snprintf(version, sizeof(version), "%u", f->systemd_version);
        bool iso = s && s->isolate_workers;
        _cleanup_free_ char *pvf_current = pdi_units_join(l->pvf_dir, "current");
        if (!pvf_current)
                return -ENOMEM;
        const struct pdi_units_var vars[] = {
            {"INSTANCE", l->instance},
            {"SERVICE", l->service},
            {"USER", l->user},
            {"SLICE", l->slice},
            {"ENV_FILE", l->env_file},
            {"EXEC_DIR", iso ? pvf_current : l->current},
            {"IF_ISOLATED", iso ? "1" : "0"},
            {"IF_SANDBOX", iso ? "0" : "1"},
            {"PVF_SERVICE", l->pvf_service},
            {"PVF_SOCKET_UNIT", l->pvf_socket_unit},
            {"WORKER_USER", l->worker_user},
            {"BASE_PATH", base},
            {"PROTECT_HOME", in_home ? "read-only" : "yes"},
            {"SYSTEMD_VERSION", version},
            {"TELEMETRY_ARG", telemetry ? telemetry : ""},
        };
        return pdi_units_render(tmpl, vars, ELEMENTSOF(vars), f->systemd_version, ret_text);
}

/* See units.h. 8 GiB is what a node needs to run at all; the rest of the host keeps at
 * least 512 MiB even then. */
void pdi_units_memory_limits(uint64_t mem, uint64_t *ret_high, uint64_t *ret_max)
{
        uint64_t max = mem / 100 * 92;
        uint64_t floor = mem > 512 * MIB ? mem - 512 * MIB : 0;
        if (floor > 8 * GIB)
                floor = 8 * GIB;
        if (max < floor)
                max = floor;
        *ret_max = max / MIB * MIB;
        *ret_high = max / 92 * 85 / MIB * MIB;
}

static void format_limit(char *buf, size_t n, uint64_t bytes)
{
        if (bytes == 0)
                snprintf(buf, n, "infinity");
        else
                snprintf(buf, n, "%" PRIu64 "M", bytes / MIB);
}

uint64_t pdi_units_tasks_max(unsigned ncpu, uint64_t pid_max)
{
        uint64_t tasks = (uint64_t)ncpu * 1024;
        if (tasks < 4096)
                tasks = 4096;
        if (pid_max > 0 && tasks > pid_max / 2)
                tasks = pid_max / 2;
        return tasks;
}

int pdi_units_render_slice(const struct pdi_layout *l, const struct pdi_host_facts *f,
                           char **ret_text)
{
        const char *tmpl = pdi_template_get("polkadot.slice.in");
        if (!tmpl)
                return -ENOENT;
        uint64_t high, max;
        pdi_units_memory_limits(f->mem_bytes, &high, &max);
        char shigh[32], smax[32], stotal[32], ncpu[16], tasks[24];
        format_limit(shigh, sizeof(shigh), high);
        format_limit(smax, sizeof(smax), max);
        snprintf(stotal, sizeof(stotal), "%" PRIu64 " MiB", f->mem_bytes / MIB);
        snprintf(ncpu, sizeof(ncpu), "%u", f->ncpu);
        snprintf(tasks, sizeof(tasks), "%" PRIu64, pdi_units_tasks_max(f->ncpu, f->pid_max));
        const struct pdi_units_var vars[] = {
            {"INSTANCE", l->instance}, {"SLICE", l->slice},  {"MEM_TOTAL", stotal}, {"NCPU", ncpu},
            {"MEMORY_HIGH", shigh},    {"MEMORY_MAX", smax}, {"TASKS_MAX", tasks},
        };
        return pdi_units_render(tmpl, vars, ELEMENTSOF(vars), f->systemd_version, ret_text);
}

/* The leading number of s ("252" of "252.so", "245.4-4ubuntu3.so"), 0 if none. */
static unsigned leading_version(const char *s)
{
        unsigned v = 0;
        for (; isdigit((unsigned char)*s) && v < 100000; s++)
                v = v * 10 + (unsigned)(*s - '0');
        return v;
}

static unsigned lower_known(unsigned a, unsigned b)
{
        return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* The lowest version among the libsystemd-shared-<version>*.so in dir of the root. */
static unsigned version_in_dir(const struct pdi_root *r, const char *dir)
{
        static const char prefix[] = "libsystemd-shared-";
        int fd = pdi_root_open(r, dir, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return 0;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        unsigned v = 0;
        for (struct dirent *e; (e = readdir(d));) {
                size_t n = strlen(e->d_name);
                if (strncmp(e->d_name, prefix, sizeof(prefix) - 1) == 0 && n > 3 &&
                    streq(e->d_name + n - 3, ".so"))
                        v = lower_known(v, leading_version(e->d_name + sizeof(prefix) - 1));
        }
        return v;
}

/* libsystemd-shared-<version>*.so, which every systemd since 231 installs next to its
 * helpers; the directory differs between distributions (Debian: multiarch, /usr/lib/<arch>).
 * Looked up inside the root: the unit is for the systemd that will load it. */
static unsigned version_from_shared_lib(const struct pdi_root *r)
{
        static const char *const dirs[] = {"/usr/lib/systemd", "/usr/lib64/systemd",
                                           "/lib/systemd"};
        unsigned v = 0;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                v = lower_known(v, version_in_dir(r, dirs[i]));
        int fd = pdi_root_open(r, "/usr/lib", O_RDONLY | O_DIRECTORY, 0);
        _cleanup_closedir_ DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (fd >= 0 && !d)
                close(fd);
        for (struct dirent *e; d && (e = readdir(d));) {
                _cleanup_free_ char *sub = NULL;
                if (e->d_name[0] == '.' || streq(e->d_name, "systemd") ||
                    asprintf(&sub, "/usr/lib/%s/systemd", e->d_name) < 0)
                        continue;
                v = lower_known(v, version_in_dir(r, sub));
        }
        return v;
}

/* "Version: 252" of systemd.pc, which distributions ship in the systemd package itself. */
static unsigned version_from_pkgconfig(const struct pdi_root *r)
{
        _cleanup_free_ char *text = NULL;
        if (pdi_root_read_file(r, "/usr/share/pkgconfig/systemd.pc", 64 * 1024, &text, NULL) < 0)
                return 0;
        for (const char *line = text; line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
                if (strncmp(line, "Version:", 8) == 0)
                        return leading_version(line + 8 + strspn(line + 8, " \t"));
        return 0;
}

/* The root's systemd version without running it (no exec, no bus: this works the same
 * in a container, under --root and before systemd runs). Where several are found, the
 * lowest wins: a unit for an older systemd still loads on a newer one, the reverse may not. */
unsigned pdi_root_systemd_version(const struct pdi_root *r)
{
        unsigned v = version_from_shared_lib(r);
        if (v == 0)
                v = version_from_pkgconfig(r);
        return v;
}

/* kernel.pid_max (procfs reports size 0, so not pdi_read_file_at); 0 if unreadable. */
static uint64_t pid_max(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
        unsigned long long v = 0;
        if (!f || fscanf(f, "%llu", &v) != 1)
                return 0;
        return v;
}

int pdi_host_facts_detect(const struct pdi_root *r, struct pdi_host_facts *ret)
{
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        long pages = sysconf(_SC_PHYS_PAGES);
        long page_size = sysconf(_SC_PAGESIZE);
        if (ncpu < 1 || pages < 1 || page_size < 1)
                return errno ? -errno : -EIO;
        *ret = (struct pdi_host_facts){
            .ncpu = (unsigned)ncpu,
            .pid_max = pid_max(),
            .mem_bytes = (uint64_t)pages * (uint64_t)page_size,
            .systemd_version = pdi_root_systemd_version(r),
        };
        return 0;
}
