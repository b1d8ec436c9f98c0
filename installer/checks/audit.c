/* SPDX-License-Identifier: Apache-2.0 */
/* The check runner and its three outputs: a table for people, a JSON document
 * (docs/audit-json.md) and a node_exporter textfile. Checks only report; what to do with an
 * error-level finding (stop an install, exit 4) is the caller's decision. */
#include "checks/audit.h"
#include "checks/checks_apparmor.h"
#include "checks/checks_service.h"
#include "checks/checks_elf.h"
#include "checks/checks_files.h"
#include "checks/checks_host.h"
#include "checks/checks_node_probes.h"
#include "checks/checks_nodekey.h"
#include "checks/checks_perms.h"
#include "checks/checks_system.h"
#include "checks/checks_unit.h"
#include "checks/checks_unit_probes.h"
#include "base/encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

/* Every check, in run order (the order of the table and the JSON): the release and install
 * checks, then the host checks. The ids are stable (docs/audit-json.md). */
static const struct pdi_check check_table[] = {
    {"version-alignment", "node and workers print the same version", PDI_SCOPE_RELEASE, false,
     pdi_check_versions_run},
    {"integrity", "files match the signed manifest", PDI_SCOPE_RELEASE, false,
     pdi_check_integrity_run},
    {"ownership", "owned by root, not group/other-writable, up to /",
     PDI_SCOPE_RELEASE | PDI_SCOPE_INSTALL, false, pdi_check_ownership_run},
    {"writable-by-service-user", "nothing writable by polkadot or pvf-worker",
     PDI_SCOPE_RELEASE | PDI_SCOPE_INSTALL, false, pdi_check_writable_run},
    {"exec-path", "the node user can reach and run the node and workers",
     PDI_SCOPE_RELEASE | PDI_SCOPE_INSTALL, false, pdi_check_exec_path_run},
    {"elf", "built for this host, hardened, no W+X", PDI_SCOPE_RELEASE, false, pdi_check_elf_run},
    {"base-path-owner", "base path not owned by root", PDI_SCOPE_INSTALL, false,
     pdi_check_base_owner_run},
    {"keys-readable-by-worker", "keys not readable by pvf-worker", PDI_SCOPE_INSTALL, true,
     pdi_check_keys_run},
    {"node-key", "a validator's network key exists, the node user's alone", PDI_SCOPE_INSTALL,
     false, pdi_check_node_key_run},
    {"unit", "unit present, enabled, unchanged, not over-hardened", PDI_SCOPE_INSTALL, false,
     pdi_check_unit_run},
    {"service", "the node's service runs, not in a restart loop", PDI_SCOPE_INSTALL, false,
     pdi_check_service_run},
    {"competing-installs", "no second node or worker set", PDI_SCOPE_INSTALL, false,
     pdi_check_competing_run},
    {"seccomp", "seccomp filter can be installed", PDI_SCOPE_HOST, false, pdi_check_seccomp_run},
    {"landlock", "Landlock is available", PDI_SCOPE_HOST, false, pdi_check_landlock_run},
    {"userns-pivot-root", "user namespace and pivot_root work", PDI_SCOPE_HOST, false,
     pdi_check_userns_run},
    {"sandbox", "Landlock or unshare+pivot_root works", PDI_SCOPE_HOST, false,
     pdi_check_sandbox_run},
    {"cgroups", "cgroup v2 with its controllers", PDI_SCOPE_HOST, false, pdi_check_cgroups_run},
    {"selinux", "SELinux state", PDI_SCOPE_HOST, false, pdi_check_selinux_run},
    {"apparmor", "AppArmor leaves the workers their user namespace", PDI_SCOPE_HOST, false,
     pdi_check_apparmor_run},
    {"noexec", "release and base path allow execution", PDI_SCOPE_HOST | PDI_SCOPE_INSTALL, false,
     pdi_check_noexec_run},
    {"free-space", "free space on the base path", PDI_SCOPE_HOST | PDI_SCOPE_INSTALL, false,
     pdi_check_free_space_run},
    {"node-probes", "the node's own sandbox probes", PDI_SCOPE_HOST, false,
     pdi_check_node_probes_run},
    {"unit-sandbox-probes", "the node's probes under the unit's sandbox match ours", PDI_SCOPE_HOST,
     false, pdi_check_unit_probes_run},
};

static int run_one(const struct pdi_check *chk, const struct pdi_target *t,
                   struct pdi_audit_memo *memo, struct pdi_check_result *res)
{
        *res = (struct pdi_check_result){.id = chk->id, .title = chk->title};
        struct pdi_check_ctx c = {res, chk->id, memo};
        if (chk->needs_root && geteuid() != 0)
                pdi_check_skip(&c, "needs root");
        else
                chk->run(t, &c);
        return 0;
}

int pdi_audit_run(const struct pdi_target *t, unsigned scope, struct pdi_audit *ret)
{
        struct pdi_audit a = {0};
        struct pdi_audit_memo memo = {0};
        for (const struct pdi_check *chk = check_table; chk < check_table + ELEMENTSOF(check_table);
             chk++) {
                if (!(chk->scope & scope))
                        continue;
                struct pdi_check_result *r = realloc(a.results, (a.n_results + 1) * sizeof(*r));
                if (!r) {
                        pdi_audit_done(&a);
                        return -ENOMEM;
                }
                a.results = r;
                run_one(chk, t, &memo, &a.results[a.n_results++]);
        }
        *ret = a;
        return 0;
}

void pdi_audit_done(struct pdi_audit *a)
{
        for (size_t i = 0; i < a->n_results; i++) {
                struct pdi_check_result *r = &a->results[i];
                for (size_t j = 0; j < r->n_findings; j++)
                        free(r->findings[j].text);
                free(r->findings);
                free(r->skip_reason);
        }
        free(a->results);
        *a = (struct pdi_audit){0};
}

const struct pdi_finding *pdi_audit_first_error(const struct pdi_audit *a)
{
        for (size_t i = 0; i < a->n_results; i++)
                for (size_t j = 0; j < a->results[i].n_findings; j++)
                        if (a->results[i].findings[j].severity == PDI_SEV_ERROR)
                                return &a->results[i].findings[j];
        return NULL;
}

/* ---- status of a result ---------------------------------------------------------------- */

enum status { ST_SKIPPED, ST_OK, ST_INFO, ST_WARN, ST_ERROR };

static enum status result_status(const struct pdi_check_result *r)
{
        if (r->skipped && r->n_findings == 0)
                return ST_SKIPPED;
        enum status s = ST_OK;
        for (size_t j = 0; j < r->n_findings; j++) {
                enum status f = r->findings[j].severity == PDI_SEV_ERROR  ? ST_ERROR
                                : r->findings[j].severity == PDI_SEV_WARN ? ST_WARN
                                                                          : ST_INFO;
                s = f > s ? f : s;
        }
        return s;
}

static const char *const status_word[] = {"skipped", "ok", "info", "warn", "error"};
static const char *const status_label[] = {"SKIP", "OK", "INFO", "WARN", "ERROR"};
static const char *const sev_word[] = {"info", "warn", "error"};
static const int status_gauge[] = {-1, 0, 1, 2, 3};

void pdi_audit_count(const struct pdi_audit *a, unsigned *ret_err, unsigned *ret_warn)
{
        *ret_err = *ret_warn = 0;
        for (size_t i = 0; i < a->n_results; i++)
                for (size_t j = 0; j < a->results[i].n_findings; j++) {
                        enum pdi_severity s = a->results[i].findings[j].severity;
                        *ret_err += s == PDI_SEV_ERROR;
                        *ret_warn += s == PDI_SEV_WARN;
                }
}

/* The version the target runs: the manifest's, else our release directory's name. */
static const char *target_version(const struct pdi_target *t)
{
        if (t->manifest)
                return t->manifest->version;
        const char *slash = t->release_dir ? strrchr(t->release_dir, '/') : NULL;
        return slash ? slash + 1 : NULL;
}

/* ---- table ------------------------------------------------------------------------------ */

/* A target line of the table: its strings come from the tree, escaped for the terminal. */
static void target_line(FILE *f, const char *label, const char *a, const char *b, const char *c,
                        const char *d)
{
        const char *v[] = {a, b, c, d};
        fputs(label, f);
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *e = v[i] ? pdi_escape(v[i], PDI_ESC_CONTROLS) : NULL;
                fputs(e ?: "", f);
        }
        fputc('\n', f);
}

void pdi_audit_print(const struct pdi_audit *a, const struct pdi_target *t, FILE *f)
{
        target_line(f, "install:  ", t->kind ?: "unknown", ", version ",
                    target_version(t) ?: "unknown (no signed manifest)", NULL);
        if (t->kind_evidence)
                target_line(f, "          (", t->kind_evidence, ")", NULL, NULL);
        if (t->manifest && t->manifest->names.release_tag[0])
                target_line(f, "release:  ", t->manifest->names.release_tag, ", Docker tag ",
                            t->manifest->names.docker_tag[0] ? t->manifest->names.docker_tag : "-",
                            NULL);
        target_line(f, "node:     ", t->node ?: "-", NULL, NULL, NULL);
        target_line(f, "workers:  ", t->worker_dir ?: "(none found)",
                    t->other_worker_dir ? "  (also a set in " : NULL, t->other_worker_dir,
                    t->other_worker_dir ? ")" : NULL);
        target_line(f, "unit:     ", t->unit_path ?: "-", NULL, NULL, NULL);
        target_line(f, "base:     ", t->base_path ?: "-", NULL, NULL, NULL);
        fputc('\n', f);
        fprintf(f, "%-26s %-6s %s\n", "CHECK", "STATUS", "FINDING");
        for (size_t i = 0; i < a->n_results; i++) {
                const struct pdi_check_result *r = &a->results[i];
                enum status s = result_status(r);
                if (r->n_findings == 0) {
                        fprintf(f, "%-26s %-6s %s%s\n", r->id, status_label[s],
                                s == ST_SKIPPED ? "skipped: " : r->title,
                                s == ST_SKIPPED ? r->skip_reason ?: "" : "");
                        continue;
                }
                for (size_t j = 0; j < r->n_findings; j++) {
                        const struct pdi_finding *fd = &r->findings[j];
                        fprintf(f, "%-26s %-6s %s\n", j == 0 ? r->id : "",
                                status_label[fd->severity + ST_INFO], fd->text);
                        if (fd->hint)
                                fprintf(f, "%-26s %-6s hint: %s\n", "", "", fd->hint);
                }
        }
        unsigned e, w;
        pdi_audit_count(a, &e, &w);
        fprintf(f, "\n%u error%s, %u warning%s\n", e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* JSON strings are UTF-8: a byte that is not part of it goes in as \xNN. */
static json_t *str_or_null(const char *s)
{
        if (!s)
                return json_null();
        _cleanup_free_ char *e = pdi_escape(s, 0);
        return e ? json_string(e) : NULL;
}

/* A path of the target; where it had to be escaped, KEY_base64 holds its exact bytes. */
static int set_path(json_t *o, const char *key, const char *s)
{
        if (json_object_set_new(o, key, str_or_null(s)) < 0)
                return -ENOMEM;
        if (!s || !pdi_needs_escape(s, 0))
                return 0;
        size_t n = strlen(s);
        _cleanup_free_ char *b64 = malloc(pdi_base64_encoded_len(n) + 1);
        _cleanup_free_ char *k = NULL;
        if (!b64 || asprintf(&k, "%s_base64", key) < 0)
                return -ENOMEM;
        pdi_base64_encode((const uint8_t *)s, n, b64);
        return json_object_set_new(o, k, json_string(b64)) < 0 ? -ENOMEM : 0;
}

static json_t *target_json(const struct pdi_target *t)
{
        json_t *o =
            json_pack("{s:o, s:o, s:o}", "kind", str_or_null(t->kind), "kind_evidence",
                      str_or_null(t->kind_evidence), "version", str_or_null(target_version(t)));
        if (o && t->manifest && pdi_manifest_names_to_json(&t->manifest->names, o) < 0)
                json_decref(TAKE_PTR(o));
        if (o && set_path(o, "node", t->node) == 0 &&
            set_path(o, "worker_dir", t->worker_dir) == 0 &&
            set_path(o, "other_worker_dir", t->other_worker_dir) == 0 &&
            set_path(o, "unit", t->unit_path) == 0 && set_path(o, "base_path", t->base_path) == 0)
                return o;
        json_decref(o);
        return NULL;
}

static json_t *result_json(const struct pdi_check_result *r)
{
        json_t *fs = json_array();
        for (size_t j = 0; j < r->n_findings; j++)
                json_array_append_new(fs, json_pack("{s:s, s:o, s:o}", "severity",
                                                    sev_word[r->findings[j].severity], "text",
                                                    str_or_null(r->findings[j].text), "hint",
                                                    str_or_null(r->findings[j].hint)));
        return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", r->id, "title", r->title, "status",
                         status_word[result_status(r)], "findings", fs, "skip_reason",
                         str_or_null(r->skipped ? r->skip_reason : NULL));
}

json_t *pdi_audit_to_json(const struct pdi_audit *a, const struct pdi_target *t)
{
        json_t *checks = json_array();
        for (size_t i = 0; i < a->n_results; i++)
                json_array_append_new(checks, result_json(&a->results[i]));
        unsigned e, w;
        pdi_audit_count(a, &e, &w);
        json_t *target = target_json(t);
        return json_pack("{s:i, s:o, s:o, s:{s:i, s:i}}", "schema", 1, "target", target, "checks",
                         checks, "summary", "errors", (int)e, "warnings", (int)w);
}

/* ---- Prometheus textfile ------------------------------------------------------------------- */

/* Label values per the exposition format: backslash, double quote and newline escaped,
 * after what is not UTF-8 or is a control character became \xNN. */
static void label(FILE *f, const char *s)
{
        _cleanup_free_ char *e = s ? pdi_escape(s, PDI_ESC_CONTROLS) : NULL;
        for (const char *c = e; c && *c; c++) {
                if (*c == '\\' || *c == '"')
                        fputc('\\', f);
                fputc(*c, f);
        }
}

static void prometheus_text(const struct pdi_audit *a, const struct pdi_target *t, FILE *f)
{
        fputs("# HELP polkadot_installer_check_status Result of an audit check: -1 skipped, "
              "0 ok, 1 info, 2 warn, 3 error.\n"
              "# TYPE polkadot_installer_check_status gauge\n",
              f);
        for (size_t i = 0; i < a->n_results; i++) {
                fputs("polkadot_installer_check_status{check=\"", f);
                label(f, a->results[i].id);
                fprintf(f, "\"} %d\n", status_gauge[result_status(&a->results[i])]);
        }
        unsigned e, w;
        pdi_audit_count(a, &e, &w);
        fprintf(f,
                "# HELP polkadot_installer_findings Audit findings by severity.\n"
                "# TYPE polkadot_installer_findings gauge\n"
                "polkadot_installer_findings{severity=\"error\"} %u\n"
                "polkadot_installer_findings{severity=\"warn\"} %u\n",
                e, w);
        fputs("# HELP polkadot_installer_info The audited install: 1, with its version, kind "
              "and node as labels.\n"
              "# TYPE polkadot_installer_info gauge\n"
              "polkadot_installer_info{version=\"",
              f);
        label(f, target_version(t) ?: "");
        fputs("\",kind=\"", f);
        label(f, t->kind ?: "");
        fputs("\",node=\"", f);
        label(f, t->node ?: "");
        fputs("\"} 1\n", f);
}

int pdi_audit_write_prometheus(const struct pdi_audit *a, const struct pdi_target *t,
                               const char *path, struct pdi_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return pdi_error_set(err, -ENOMEM, "prometheus %s: out of memory", path);
        prometheus_text(a, t, f);
        if (fclose(f) != 0)
                return pdi_error_set(err, -ENOMEM, "prometheus %s: out of memory", path);
        /* A host path (node_exporter's textfile directory), not one inside --root. */
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : NULL;
        const char *name = slash ? slash + 1 : path;
        if (!*name)
                return pdi_error_set(err, -EISDIR, "prometheus %s: names a directory", path);
        _cleanup_close_ int dfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return pdi_error_set(err, -errno, "prometheus %s: %s", path, strerror(errno));
        int k = pdi_write_atomic_at(dfd, name, buf, len, 0644);
        if (k < 0)
                return pdi_error_set(err, k, "prometheus %s: %s", path, strerror(-k));
        return 0;
}
