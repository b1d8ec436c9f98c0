/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/trust/manifest_schema2.c: a schema-2 manifest with two extra worker sets
 * read field by field (their artifacts after the node's own three, installed under
 * workers/<env>/), one case per refusal rule, the host check (min_installer_version,
 * compatible) and the round trip through pdi_manifest_dump. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trust/manifest.h"
#include "testhex.h"

#define WORKER(role, sha) WORKER_AT(role, sha, "")
/* A worker; its url's file name ends in `where`, which keeps the sets' apart. */
#define WORKER_AT(role, sha, where)                                                                \
        "{\"name\": \"polkadot-" role "-worker\", \"role\": \"" role                               \
        "-worker\", \"url\": \"w/" role where "\", \"sha256\": \"" sha                             \
        "\", \"size\": 7, \"format\": \"binary\"}"
#define SET(env, a, b)                                                                             \
        "{\"executor_environment\": \"" env "\", \"artifacts\": [" WORKER_AT(                      \
            "prepare", a, "." env) ", " WORKER_AT("execute", b, "." env) "]}"
#define P24 WORKER_AT("prepare", HD, ".wasmtime-24")
#define E24 WORKER_AT("execute", HE, ".wasmtime-24")
#define P24B WORKER_AT("prepare", HE, ".wasmtime-24")
#define DOC                                                                                        \
        "{\"schema\": 2, \"product\": \"polkadot\", \"version\": \"1.20.0\", \"sequence\": 3,\n"   \
        " \"created\": \"2026-11-20T10:00:00Z\", \"expires\": \"2027-02-20T10:00:00Z\",\n"         \
        " \"min_installer_version\": \"0.1.0\",\n"                                                 \
        " \"compatible\": {\"architecture\": \"x86_64\", \"libc\": \"gnu\"},\n"                    \
        " \"artifacts\": [{\"name\": \"polkadot\", \"role\": \"node\", \"url\": \"polkadot\", "    \
        "\"sha256\": \"" HA                                                                        \
        "\", \"size\": 9, \"format\": \"binary\"}, " WORKER("prepare", HB) ", " WORKER(            \
            "execute", HC) "],\n"                                                                  \
                           " \"worker_sets\": [" SET("wasmtime-24", HD,                            \
                                                     HE) ", " SET("wasmtime-21.0", HE, HD) "]}\n"

static time_t now(void)
{
        time_t t;
        assert_int_equal(pdi_rfc3339_parse("2026-12-01T00:00:00Z", &t), 0);
        return t;
}

static struct pdi_manifest *parse_ok(const char *text)
{
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL;
        if (pdi_manifest_parse(text, strlen(text), now(), &m, &err) < 0)
                fail_msg("%s", err.msg);
        return m;
}

static char *mutate(const char *from, const char *to)
{
        const char *p = strstr(DOC, from);
        if (!p)
                fail_msg("not in DOC: %s", from);
        char *s = NULL;
        assert_true(asprintf(&s, "%.*s%s%s", (int)(p - DOC), DOC, to, p + strlen(from)) > 0);
        return s;
}

static void test_valid(void **state)
{
        (void)state;
        struct pdi_manifest *m = parse_ok(DOC);
        assert_int_equal(m->schema, 2);
        assert_string_equal(m->min_installer_version, "0.1.0");
        assert_string_equal(m->compat_arch, "x86_64");
        assert_string_equal(m->compat_libc, "gnu");
        assert_int_equal(m->n_sets, 2);
        assert_string_equal(m->sets[0].env, "wasmtime-24");
        assert_string_equal(m->sets[0].dir, "workers/wasmtime-24");
        assert_string_equal(m->sets[1].dir, "workers/wasmtime-21.0");
        assert_int_equal(m->n_artifacts, 7);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(m->artifacts[i].set, 0);
                assert_string_equal(pdi_artifact_path(&m->artifacts[i]), m->artifacts[i].name);
        }
        const struct pdi_manifest_artifact *a = &m->artifacts[3];
        assert_int_equal(a->set, 1);
        assert_int_equal(a->role, PDI_ROLE_PREPARE_WORKER);
        assert_string_equal(a->sha256, HD);
        assert_string_equal(pdi_artifact_path(a), "workers/wasmtime-24/polkadot-prepare-worker");
        a = &m->artifacts[6];
        assert_int_equal(a->set, 2);
        assert_int_equal(a->role, PDI_ROLE_EXECUTE_WORKER);
        assert_string_equal(pdi_artifact_path(a), "workers/wasmtime-21.0/polkadot-execute-worker");
        pdi_manifest_free(m);

        /* Every schema-2 field is optional: a schema-2 manifest without them is schema 1's. */
        char *t = mutate(" \"min_installer_version\": \"0.1.0\",\n", "");
        char *u = NULL;
        assert_true(asprintf(&u, "%.*s}\n", (int)(strstr(t, ",\n \"worker_sets\"") - t), t) > 0);
        m = parse_ok(u);
        assert_int_equal(m->n_sets, 0);
        assert_int_equal(m->n_artifacts, 3);
        assert_null(m->min_installer_version);
        pdi_manifest_free(m);
        free(t), free(u);
}

struct refusal {
        const char *from, *to, *msg;
};

static const struct refusal refusals[] = {
    {"\"wasmtime-21.0\"", "\"wasmtime-24\"",
     "worker_sets[1].executor_environment: duplicate executor environment \"wasmtime-24\""},
    {"\"wasmtime-24\"", "\"../x\"",
     "worker_sets[0].executor_environment: \"../x\" is not an executor-environment id"},
    {"\"wasmtime-24\"", "\".hidden\"", "is not an executor-environment id"},
    {"\"wasmtime-24\"", "\"Wasmtime\"", "is not an executor-environment id"},
    {"\"wasmtime-24\"", "\"\"", "is not an executor-environment id"},
    {"{\"executor_environment\": \"wasmtime-24\", ",
     "{\"executor_environment\": \"wasmtime-24\", \"path\": \"x\", ",
     "worker_sets[0]: unknown key \"path\""},
    {"{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [" P24 ", " E24 "]}",
     "{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [" P24 "]}",
     "worker_sets[0].artifacts: has 1 entries, must have 2 to 2"},
    {"{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [" P24 ", " E24 "]}",
     "{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [" P24 ", " P24B "]}",
     "worker_sets[0].artifacts[1].name: duplicate name \"polkadot-prepare-worker\" (also "
     "worker_sets[0].artifacts[0])"},
    {"{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [{\"name\": "
     "\"polkadot-prepare-worker\", \"role\": \"prepare-worker\"",
     "{\"executor_environment\": \"wasmtime-24\", \"artifacts\": [{\"name\": \"polkadot\", "
     "\"role\": \"node\"",
     "worker_sets[0].artifacts[0].role: a worker set holds workers, not a node"},
    {"\"url\": \"w/prepare.wasmtime-24\", \"sha256\": \"" HD
     "\", \"size\": 7, \"format\": \"binary\"",
     "\"url\": \"w/prepare.wasmtime-24\", \"sha256\": \"" HD "\", \"size\": 7, \"format\": \"tar\"",
     "worker_sets[0].artifacts[0].format: a worker set's workers are binary artifacts"},
    {"\"worker_sets\": [", "\"worker_sets\": [{}, ",
     "worker_sets[0].executor_environment: missing"},
    {"\"worker_sets\": [" SET("wasmtime-24", HD, HE) ", " SET("wasmtime-21.0", HE, HD) "]",
     "\"worker_sets\": []", "worker_sets: has 0 entries, must have 1 to 8"},
    {"\"url\": \"w/execute.wasmtime-21.0\"", "\"url\": \"elsewhere/execute\"",
     "workers/wasmtime-21.0/polkadot-execute-worker: url's file name \"execute\" is also "
     "polkadot-execute-worker's"},
    {"\"0.1.0\"", "\"v2\"", "min_installer_version: \"v2\" is not a plain version"},
    {"\"0.1.0\"", "1", "min_installer_version: expected a string, got an integer"},
    {"\"architecture\": \"x86_64\"", "\"architecture\": \"x86 64\"",
     "compatible.architecture: \"x86 64\" is not a machine name"},
    {"\"architecture\": \"x86_64\", ", "", "compatible.architecture: missing"},
    {"\"libc\": \"gnu\"", "\"libc\": \"glibc\"", "compatible.libc: \"glibc\" is not gnu or musl"},
    {"\"libc\": \"gnu\"", "\"libc\": \"gnu\", \"kernel\": \"6\"",
     "compatible: unknown key \"kernel\""},
    {"\"artifacts\": [{\"name\": \"polkadot\", \"role\": \"node\", \"url\": \"polkadot\", "
     "\"sha256\": \"" HA "\", \"size\": 9, \"format\": \"binary\"}",
     "\"artifacts\": [{\"name\": \"n.tar\", \"role\": \"node\", \"url\": \"polkadot\", "
     "\"sha256\": \"" HA "\", \"size\": 9, \"format\": \"tar\", \"files\": [{\"path\": "
     "\"polkadot\", \"sha256\": \"" HA "\", \"size\": 1}, {\"path\": \"workers\", \"sha256\": "
     "\"" HA "\", \"size\": 1}]}",
     "artifacts[0]: installs a file named \"workers\", the directory of the worker sets"},
};

static void test_refusals(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(refusals); i++) {
                char *text = mutate(refusals[i].from, refusals[i].to);
                struct pdi_error err = {0};
                struct pdi_manifest *m = NULL;
                int r = pdi_manifest_parse(text, strlen(text), now(), &m, &err);
                if (r != -PDI_E_MANIFEST || !strstr(err.msg, refusals[i].msg))
                        fail_msg("case %zu: expected '%s', got %d '%s'", i, refusals[i].msg, r,
                                 err.msg);
                assert_null(m);
                free(text);
        }
}

static void test_host(void **state)
{
        (void)state;
        struct pdi_manifest *m = parse_ok(DOC);
        struct pdi_error err = {0};
        struct pdi_machine_facts h = {
            .installer_version = "0.1.0", .arch = "x86_64", .libc = "gnu"};
        assert_int_equal(pdi_manifest_check_host(m, &h, &err), 0);
        static const struct {
                const char *ver, *arch, *libc, *msg;
        } no[] = {
            {"0.0.9", "x86_64", "gnu",
             "min_installer_version: needs polkadot-installer 0.1.0 or newer, this is 0.0.9"},
            {"0.1.0-rc1", "x86_64", "gnu", "needs polkadot-installer 0.1.0 or newer"},
            {"0.1.0", "aarch64", "gnu", "compatible: built for x86_64, this machine is aarch64"},
            {"0.1.0", "x86_64", "musl", "compatible: built for libc gnu, this machine's is musl"},
        };
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                h = (struct pdi_machine_facts){no[i].ver, no[i].arch, no[i].libc};
                err = (struct pdi_error){0};
                assert_int_equal(pdi_manifest_check_host(m, &h, &err), -PDI_E_POLICY);
                if (!strstr(err.msg, no[i].msg))
                        fail_msg("case %zu: '%s'", i, err.msg);
        }
        /* Newer installers pass; 0.10.0 is newer than 0.9.0 (numbers, not text). */
        h = (struct pdi_machine_facts){"0.10.0", "x86_64", "gnu"};
        free(m->min_installer_version);
        m->min_installer_version = strdup("0.9.0");
        assert_int_equal(pdi_manifest_check_host(m, &h, &err), 0);
        pdi_manifest_free(m);
        /* This machine's own facts are what uname and the C library say. */
        pdi_machine_facts_self(&h);
        assert_string_equal(h.installer_version, PDI_VERSION);
        assert_true(strlen(h.arch) > 0);
        assert_true(streq(h.libc, "gnu") || streq(h.libc, "musl"));
}

static void test_round_trip(void **state)
{
        (void)state;
        struct pdi_manifest *m = parse_ok(DOC);
        char *text = NULL;
        assert_int_equal(pdi_manifest_dump(m, &text), 0);
        struct pdi_manifest *again = parse_ok(text);
        char *text2 = NULL;
        assert_int_equal(pdi_manifest_dump(again, &text2), 0);
        assert_string_equal(text, text2);
        assert_int_equal(again->n_sets, 2);
        assert_int_equal(again->n_artifacts, 7);
        assert_string_equal(again->compat_libc, "gnu");
        assert_string_equal(pdi_artifact_path(&again->artifacts[5]),
                            "workers/wasmtime-21.0/polkadot-prepare-worker");
        pdi_manifest_free(m);
        pdi_manifest_free(again);
        free(text), free(text2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),
            cmocka_unit_test(test_refusals),
            cmocka_unit_test(test_host),
            cmocka_unit_test(test_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
