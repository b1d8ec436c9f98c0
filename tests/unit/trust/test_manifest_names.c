/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/trust/manifest_names.c: the optional release_tag and docker_tag of a
 * manifest, read through the manifest parser (strict key check included) and written back. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trust/manifest.h"

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define ART(name, role, h)                                                                         \
        "{\"name\": \"" name "\", \"role\": \"" role "\", \"url\": \"" name "\", \"sha256\": \"" h \
        "\", \"size\": 1, \"format\": \"binary\"}"
#define DOC(extra)                                                                                 \
        "{\"schema\": 1, \"product\": \"polkadot\", \"version\": \"1.16.0\", \"sequence\": 1, "    \
        "\"created\": \"2026-11-20T10:00:00Z\", \"expires\": \"2027-02-20T10:00:00Z\", " extra     \
        "\"artifacts\": [" ART("polkadot", "node", H64("a1")) ", " ART(                            \
            "polkadot-prepare-worker", "prepare-worker",                                           \
            H64("b2")) ", " ART("polkadot-execute-worker", "execute-worker", H64("c3")) "]}"

static time_t now(void)
{
        time_t t;
        assert_int_equal(pdi_rfc3339_parse("2026-12-01T00:00:00Z", &t), 0);
        return t;
}

static void test_present(void **state)
{
        (void)state;
        const char *text =
            DOC("\"release_tag\": \"polkadot-stable2603-1\", \"docker_tag\": \"stable2603-1\", ");
        struct pdi_manifest *m = NULL;
        struct pdi_error err = {0};
        assert_int_equal(pdi_manifest_parse(text, strlen(text), now(), &m, &err), 0);
        assert_string_equal(m->names.release_tag, "polkadot-stable2603-1");
        assert_string_equal(m->names.docker_tag, "stable2603-1");
        char *dump = NULL;
        assert_int_equal(pdi_manifest_dump(m, &dump), 0);
        assert_non_null(strstr(dump, "\"release_tag\": \"polkadot-stable2603-1\""));
        assert_non_null(strstr(dump, "\"docker_tag\": \"stable2603-1\""));
        struct pdi_manifest *again = NULL;
        assert_int_equal(pdi_manifest_parse(dump, strlen(dump), now(), &again, &err), 0);
        assert_string_equal(again->names.release_tag, "polkadot-stable2603-1");
        free(dump);
        pdi_manifest_free(again);
        pdi_manifest_free(m);
}

static void test_absent(void **state)
{
        (void)state;
        const char *text = DOC("");
        struct pdi_manifest *m = NULL;
        struct pdi_error err = {0};
        assert_int_equal(pdi_manifest_parse(text, strlen(text), now(), &m, &err), 0);
        assert_string_equal(m->names.release_tag, "");
        char *dump = NULL;
        assert_int_equal(pdi_manifest_dump(m, &dump), 0);
        assert_null(strstr(dump, "release_tag"));
        assert_null(strstr(dump, "docker_tag"));
        free(dump);
        pdi_manifest_free(m);
}

static void refused(const char *text, const char *want)
{
        struct pdi_manifest *m = NULL;
        struct pdi_error err = {0};
        assert_int_equal(pdi_manifest_parse(text, strlen(text), now(), &m, &err), -PDI_E_MANIFEST);
        assert_null(m);
        if (!strstr(err.msg, want))
                fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_refused(void **state)
{
        (void)state;
        refused(DOC("\"release_tag\": 7, "), "release_tag");
        refused(DOC("\"release_tag\": \"../x\", "), "release_tag: \"../x\" is not a tag");
        refused(DOC("\"release_tag\": \"\", "), "release_tag");
        refused(DOC("\"docker_tag\": \"a b\", "), "docker_tag: \"a b\" is not a tag");
        refused(DOC("\"docker_tag\": \"-x\", "), "docker_tag");
        assert_true(pdi_docker_tag_valid("_x.1-2"));
        assert_false(pdi_release_tag_valid("_x"));
        char long_tag[PDI_RELEASE_TAG_MAX + 2];
        memset(long_tag, 'a', sizeof(long_tag) - 1);
        long_tag[sizeof(long_tag) - 1] = '\0';
        assert_false(pdi_release_tag_valid(long_tag));
        long_tag[PDI_RELEASE_TAG_MAX] = '\0';
        assert_true(pdi_release_tag_valid(long_tag));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_present),
            cmocka_unit_test(test_absent),
            cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
