/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the audit framework in installer/checks/audit.c (the checks themselves have their own
 * tests): a hand-built audit with an ok, info, warn, error and skipped result goes through
 * the JSON document (docs/audit-json.md), the table for people and the node_exporter
 * textfile, whose labels are escaped and which is written atomically. */
#include "checks/checks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static char dir[] = "/tmp/pdi-unit-checks.XXXXXX";

static int setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd);
}

static struct pdi_finding finding(const char *id, enum pdi_severity sev, const char *text,
                                  const char *hint)
{
        return (struct pdi_finding){id, sev, strdup(text), hint};
}

/* Results: ok, info, warn, error (with an info too), skipped. */
static struct pdi_audit audit(void)
{
        struct pdi_audit a = {.n_results = 5};
        a.results = calloc(a.n_results, sizeof(*a.results));
        assert_non_null(a.results);
        struct pdi_check_result *r = a.results;
        r[0] = (struct pdi_check_result){.id = "release-hashes", .title = "files match"};
        r[1] = (struct pdi_check_result){.id = "node-version", .title = "node version"};
        r[1].n_findings = 1;
        r[1].findings = malloc(sizeof(struct pdi_finding));
        r[1].findings[0] = finding("node-version", PDI_SEV_INFO, "node prints 1.16.0", NULL);
        r[2] = (struct pdi_check_result){.id = "worker-version", .title = "workers match"};
        r[2].n_findings = 1;
        r[2].findings = malloc(sizeof(struct pdi_finding));
        r[2].findings[0] = finding("worker-version", PDI_SEV_WARN, "prepare worker is 1.15.0",
                                   "install the workers of the node's release");
        r[3] = (struct pdi_check_result){.id = "unit-user", .title = "unit user"};
        r[3].n_findings = 2;
        r[3].findings = malloc(2 * sizeof(struct pdi_finding));
        r[3].findings[0] = finding("unit-user", PDI_SEV_INFO, "User= is polkadot", NULL);
        r[3].findings[1] =
            finding("unit-user", PDI_SEV_ERROR, "the unit runs as root", "set User=");
        r[4] = (struct pdi_check_result){.id = "selinux",
                                         .title = "SELinux",
                                         .skipped = true,
                                         .skip_reason = strdup("needs root")};
        return a;
}

static const struct pdi_target target = {
    .kind = "polkadot-installer",
    .node = "/opt/polkadot/current/polkadot",
    .worker_dir = "/opt/polkadot/current",
    .unit_path = "/etc/systemd/system/polkadot.service",
    .release_dir = (char *)"/opt/polkadot/releases/1.0\"x\\y\nz",
};

static void assert_count(const struct pdi_audit *a, unsigned errors, unsigned warnings)
{
        unsigned e = 99, w = 99;
        pdi_audit_count(a, &e, &w);
        assert_int_equal(e, errors);
        assert_int_equal(w, warnings);
}

static void errors_first_and_count(void **state)
{
        (void)state;
        struct pdi_audit a = audit();
        assert_count(&a, 1, 1);
        const struct pdi_finding *f = pdi_audit_first_error(&a);
        assert_non_null(f);
        assert_string_equal(f->text, "the unit runs as root");
        assert_string_equal(f->check_id, "unit-user");
        /* Without the error-level finding: warnings alone are not errors. */
        a.results[3].n_findings = 1;
        assert_count(&a, 0, 1);
        assert_null(pdi_audit_first_error(&a));
        a.results[3].n_findings = 2;
        pdi_audit_done(&a);
        assert_null(a.results);
        assert_int_equal(a.n_results, 0);
        struct pdi_audit empty = {0};
        assert_count(&empty, 0, 0);
}

static const char *str(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);
        if (!json_is_string(v))
                fail_msg("%s is not a string", key);
        return json_string_value(v);
}

static void json_document(void **state)
{
        (void)state;
        struct pdi_audit a = audit();
        json_t *j = pdi_audit_to_json(&a, &target);
        assert_non_null(j);
        assert_int_equal(json_integer_value(json_object_get(j, "schema")), 1);
        json_t *t = json_object_get(j, "target");
        assert_string_equal(str(t, "kind"), "polkadot-installer");
        assert_string_equal(str(t, "node"), "/opt/polkadot/current/polkadot");
        assert_string_equal(str(t, "worker_dir"), "/opt/polkadot/current");
        assert_string_equal(str(t, "unit"), "/etc/systemd/system/polkadot.service");
        assert_string_equal(str(t, "version"), "1.0\"x\\y\nz");
        assert_true(json_is_null(json_object_get(t, "other_worker_dir")));
        assert_true(json_is_null(json_object_get(t, "base_path")));

        json_t *checks = json_object_get(j, "checks");
        assert_int_equal(json_array_size(checks), 5);
        static const char *const status[] = {"ok", "info", "warn", "error", "skipped"};
        static const size_t n_findings[] = {0, 1, 1, 2, 0};
        for (size_t i = 0; i < 5; i++) {
                json_t *c = json_array_get(checks, i);
                assert_string_equal(str(c, "id"), a.results[i].id);
                assert_string_equal(str(c, "title"), a.results[i].title);
                assert_string_equal(str(c, "status"), status[i]);
                assert_int_equal(json_array_size(json_object_get(c, "findings")), n_findings[i]);
                if (i == 4)
                        assert_string_equal(str(c, "skip_reason"), "needs root");
                else
                        assert_true(json_is_null(json_object_get(c, "skip_reason")));
        }
        json_t *w = json_array_get(json_object_get(json_array_get(checks, 2), "findings"), 0);
        assert_string_equal(str(w, "severity"), "warn");
        assert_string_equal(str(w, "text"), "prepare worker is 1.15.0");
        assert_string_equal(str(w, "hint"), "install the workers of the node's release");
        json_t *e = json_array_get(json_object_get(json_array_get(checks, 3), "findings"), 1);
        assert_string_equal(str(e, "severity"), "error");
        json_t *i0 = json_array_get(json_object_get(json_array_get(checks, 1), "findings"), 0);
        assert_string_equal(str(i0, "severity"), "info");
        assert_true(json_is_null(json_object_get(i0, "hint")));

        json_t *sum = json_object_get(j, "summary");
        assert_int_equal(json_integer_value(json_object_get(sum, "errors")), 1);
        assert_int_equal(json_integer_value(json_object_get(sum, "warnings")), 1);
        json_decref(j);

        /* A manifest's version wins over the directory name; nothing known is null. */
        struct pdi_manifest m = {.version = (char *)"1.16.0"};
        struct pdi_target t2 = {.manifest = &m};
        j = pdi_audit_to_json(&a, &t2);
        assert_string_equal(str(json_object_get(j, "target"), "version"), "1.16.0");
        assert_true(json_is_null(json_object_get(json_object_get(j, "target"), "kind")));
        json_decref(j);
        pdi_audit_done(&a);
}

static void table(void **state)
{
        (void)state;
        struct pdi_audit a = audit();
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        pdi_audit_print(&a, &target, f);
        fclose(f);
        static const char *const want[] = {
            "install:  polkadot-installer, version 1.0\"x\\y\\x0az\n",
            "node:     /opt/polkadot/current/polkadot\n",
            "base:     -\n",
            "CHECK",
            "release-hashes             OK     files match\n",
            "node-version               INFO   node prints 1.16.0\n",
            "worker-version             WARN   prepare worker is 1.15.0\n",
            "                                  hint: install the workers of the node's release\n",
            "unit-user                  INFO   User= is polkadot\n",
            "                           ERROR  the unit runs as root\n",
            "selinux                    SKIP   skipped: needs root\n",
            "\n1 error, 1 warning\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                if (!strstr(buf, want[i]))
                        fail_msg("missing %s in:\n%s", want[i], buf);
        free(buf);
        pdi_audit_done(&a);
}

static size_t count_lines(const char *text, const char *prefix)
{
        size_t n = 0;
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, strlen(prefix)) == 0;
        return n;
}

static void prometheus_textfile(void **state)
{
        (void)state;
        struct pdi_audit a = audit();
        char path[128];
        snprintf(path, sizeof(path), "%s/polkadot.prom", dir);
        struct pdi_error err = {0};
        assert_int_equal(pdi_audit_write_prometheus(&a, &target, path, &err), 0);
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(pdi_read_file_at(AT_FDCWD, path, 1 << 16, &text, &len), 0);
        static const char *const want[] = {
            "# HELP polkadot_installer_check_status ",
            "# TYPE polkadot_installer_check_status gauge\n",
            "\npolkadot_installer_check_status{check=\"release-hashes\"} 0\n",
            "\npolkadot_installer_check_status{check=\"node-version\"} 1\n",
            "\npolkadot_installer_check_status{check=\"worker-version\"} 2\n",
            "\npolkadot_installer_check_status{check=\"unit-user\"} 3\n",
            "\npolkadot_installer_check_status{check=\"selinux\"} -1\n",
            "# TYPE polkadot_installer_findings gauge\n",
            "\npolkadot_installer_findings{severity=\"error\"} 1\n",
            "\npolkadot_installer_findings{severity=\"warn\"} 1\n",
            "# TYPE polkadot_installer_info gauge\n",
            ("\npolkadot_installer_info{version=\"1.0\\\"x\\\\y\\\\x0az\",kind=\"polkadot-"
             "installer\","
             "node=\"/opt/polkadot/current/polkadot\"} 1\n"),
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                if (!strstr(text, want[i]))
                        fail_msg("missing %s in:\n%s", want[i], text);
        assert_int_equal(count_lines(text, "polkadot_installer_check_status{"), 5);
        assert_int_equal(count_lines(text, "# HELP "), 3);
        assert_int_equal(count_lines(text, "# TYPE "), 3);
        /* Every line is a comment or a sample: the raw newline did not split one. */
        assert_int_equal(count_lines(text, "#") + count_lines(text, "polkadot_installer_"),
                         count_lines(text, ""));
        assert_int_equal(text[len - 1], '\n');

        /* Rewritten in place: only the file itself, no temporary beside it. */
        a.results[3].n_findings = 1;
        assert_int_equal(pdi_audit_write_prometheus(&a, &target, path, &err), 0);
        a.results[3].n_findings = 2;
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t entries = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        assert_string_equal(de->d_name, "polkadot.prom");
                        entries++;
                }
        closedir(d);
        assert_int_equal(entries, 1);
        free(text);
        text = NULL;
        assert_int_equal(pdi_read_file_at(AT_FDCWD, path, 1 << 16, &text, &len), 0);
        assert_non_null(strstr(text, "polkadot_installer_check_status{check=\"unit-user\"} 1\n"));
        assert_non_null(strstr(text, "polkadot_installer_findings{severity=\"error\"} 0\n"));

        /* A directory, or a missing one, is an error naming the path. */
        char bad[160];
        snprintf(bad, sizeof(bad), "%s/", dir);
        assert_int_equal(pdi_audit_write_prometheus(&a, &target, bad, &err), -EISDIR);
        assert_non_null(strstr(err.msg, "names a directory"));
        memset(&err, 0, sizeof(err));
        snprintf(bad, sizeof(bad), "%s/missing/x.prom", dir);
        assert_int_equal(pdi_audit_write_prometheus(&a, &target, bad, &err), -ENOENT);
        assert_non_null(strstr(err.msg, bad));
        pdi_audit_done(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(errors_first_and_count),
            cmocka_unit_test(json_document),
            cmocka_unit_test(table),
            cmocka_unit_test(prometheus_textfile),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
