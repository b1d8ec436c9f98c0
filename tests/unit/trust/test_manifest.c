/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/trust/manifest.c: one valid manifest read field by field, then one case per
 * refusal rule of manifests/README.md, each checking the code and the message. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trust/manifest.h"
#include "testhex.h"

#define HEAD                                                                                       \
        "{\n"                                                                                      \
        "  \"schema\": 1,\n"                                                                       \
        "  \"product\": \"polkadot\",\n"                                                           \
        "  \"version\": \"1.16.0\",\n"                                                             \
        "  \"sequence\": 42,\n"                                                                    \
        "  \"created\": \"2026-11-20T10:00:00Z\",\n"                                               \
        "  \"expires\": \"2027-02-20T10:00:00Z\",\n"                                               \
        "  \"chains\": [\"polkadot\", \"kusama\"],\n"                                              \
        "  \"artifacts\": [\n"
#define TAIL "\n  ]\n}\n"
#define ART_NODE                                                                                   \
        "    {\"name\": \"polkadot\", \"role\": \"node\", \"url\": \"polkadot\", \"sha256\": "     \
        "\"" HA "\", \"size\": 123456789, \"format\": \"binary\"}"
#define ART_PREP                                                                                   \
        "    {\"name\": \"polkadot-prepare-worker\", \"role\": \"prepare-worker\", "               \
        "\"url\": \"https://mirror.example/1.16.0/polkadot-prepare-worker\", "                     \
        "\"mirrors\": [\"http://m2.example/p\", \"file:///srv/p\"], \"sha256\": \"" HB             \
        "\", \"size\": 123, \"format\": \"binary\"}"
#define ART_EXEC                                                                                   \
        "    {\"name\": \"workers.tar.zst\", \"role\": \"execute-worker\", "                       \
        "\"url\": \"sub/workers.tar.zst\", \"sha256\": \"" HC "\", \"size\": 456, "                \
        "\"format\": \"tar.zst\", \"files\": [{\"path\": \"polkadot-execute-worker\", "            \
        "\"sha256\": \"" HD "\", \"size\": 789}, {\"path\": \"LICENSE\", \"sha256\": \"" HE        \
        "\", \"size\": 10}]}"
#define BASE HEAD ART_NODE ",\n" ART_PREP ",\n" ART_EXEC TAIL

#define MINI(arts)                                                                                 \
        "{\"schema\": 1, \"product\": \"polkadot\", \"version\": \"1.0.0\", \"sequence\": 1, "     \
        "\"created\": \"2026-11-20T10:00:00Z\", \"expires\": \"2027-02-20T10:00:00Z\", "           \
        "\"artifacts\": " arts "}"

static time_t now(void)
{
        time_t t;
        assert_int_equal(pdi_rfc3339_parse("2026-12-01T00:00:00Z", &t), 0);
        return t;
}

static int parse(const char *text, struct pdi_manifest **ret, struct pdi_error *err)
{
        return pdi_manifest_parse(text, strlen(text), now(), ret, err);
}

/* BASE with the first occurrence of `from` replaced by `to`; from == NULL: `to` alone. */
static char *mutate(const char *from, const char *to)
{
        if (!from)
                return strdup(to);
        const char *p = strstr(BASE, from);
        assert_non_null(p);
        char *s = NULL;
        assert_true(asprintf(&s, "%.*s%s%s", (int)(p - BASE), BASE, to, p + strlen(from)) > 0);
        return s;
}

static void expect_refusal(const char *text, size_t len, int code, const char *substr)
{
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL;
        int r = pdi_manifest_parse(text, len, now(), &m, &err);
        if (r != code || !strstr(err.msg, substr))
                print_error("expected %d '%s', got %d '%s'\n", code, substr, r, err.msg);
        assert_int_equal(r, code);
        assert_int_equal(err.code, code);
        assert_non_null(strstr(err.msg, substr));
        assert_null(m);
}

static void test_valid(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL;
        assert_int_equal(parse(BASE, &m, &err), 0);
        assert_string_equal(err.msg, "");
        assert_int_equal(m->schema, 1);
        assert_string_equal(m->product, "polkadot");
        assert_string_equal(m->version, "1.16.0");
        assert_int_equal(m->sequence, 42);
        assert_string_equal(m->created_str, "2026-11-20T10:00:00Z");
        assert_int_equal(m->created, 1795168800);
        assert_int_equal(m->expires, 1803117600);
        assert_int_equal(m->n_chains, 2);
        assert_string_equal(m->chains[1], "kusama");
        assert_int_equal(m->n_artifacts, 3);

        const struct pdi_manifest_artifact *a = &m->artifacts[0];
        assert_string_equal(a->name, "polkadot");
        assert_int_equal(a->role, PDI_ROLE_NODE);
        assert_int_equal(a->format, PDI_FORMAT_BINARY);
        assert_string_equal(a->url, "polkadot");
        assert_string_equal(a->sha256, HA);
        assert_int_equal(a->size, 123456789);
        assert_int_equal(a->n_mirrors, 0);
        assert_int_equal(a->n_files, 0);

        a = &m->artifacts[1];
        assert_int_equal(a->role, PDI_ROLE_PREPARE_WORKER);
        assert_int_equal(a->n_mirrors, 2);
        assert_string_equal(a->mirrors[1], "file:///srv/p");

        a = &m->artifacts[2];
        assert_string_equal(a->name, "workers.tar.zst");
        assert_int_equal(a->role, PDI_ROLE_EXECUTE_WORKER);
        assert_int_equal(a->format, PDI_FORMAT_TAR_ZST);
        assert_int_equal(a->n_files, 2);
        assert_string_equal(a->files[0].path, "polkadot-execute-worker");
        assert_string_equal(a->files[0].sha256, HD);
        assert_int_equal(a->files[0].size, 789);
        assert_string_equal(a->files[1].path, "LICENSE");
        pdi_manifest_free(m);
}

static void test_names(void **state)
{
        (void)state;
        assert_string_equal(pdi_role_name(PDI_ROLE_PREPARE_WORKER), "prepare-worker");
        assert_string_equal(pdi_role_file(PDI_ROLE_EXECUTE_WORKER), "polkadot-execute-worker");
        assert_string_equal(pdi_role_file(PDI_ROLE_NODE), "polkadot");
        assert_string_equal(pdi_format_name(PDI_FORMAT_TAR_XZ), "tar.xz");
        assert_null(pdi_role_name(_PDI_ROLE_MAX));
        assert_null(pdi_format_name(_PDI_FORMAT_MAX));
}

struct refusal {
        const char *from, *to; /* see mutate() */
        int code;
        const char *msg;
};

#define M -PDI_E_MANIFEST
static const struct refusal refusals[] = {
    /* encoding and JSON */
    {"\"product\": \"polkadot\"", "\"product\": \"pol\xff\"", M, "not valid UTF-8 at byte"},
    {"\"product\": \"polkadot\"", "\"product\": \"\xc0\xaf\"", M, "not valid UTF-8"},
    {"\"product\": \"polkadot\"", "\"product\": \"\xed\xa0\x80\"", M, "not valid UTF-8"},
    {"\"product\": \"polkadot\"", "\"product\": \"\xf4\x90\x80\x80\"", M, "not valid UTF-8"},
    {"\"schema\": 1,", "\"schema\": 1,,", M, "not valid JSON at line 2, column"},
    {NULL, "", M, "not valid JSON"},
    {NULL, "[]", M, "top level is an array, expected an object"},
    {NULL, "\"x\"", M, "top level is a string"},
    {"\"schema\": 1,", "\"schema\": 1, \"schema\": 1,", M, "duplicate"},
    {"\"sha256\": \"" HE "\"", "\"sha256\": \"" HE "\", \"sha256\": \"" HE "\"", M, "duplicate"},
    /* unknown keys at each level */
    {"\"schema\": 1,", "\"schema\": 1, \"extra\": 2,", M, "unknown key \"extra\""},
    {"\"format\": \"binary\"}", "\"format\": \"binary\", \"signature\": \"x\"}", M,
     "artifacts[0]: unknown key \"signature\""},
    {"\"size\": 789}", "\"size\": 789, \"mode\": 493}", M,
     "artifacts[2].files[0]: unknown key \"mode\""},
    /* schema */
    {"\"schema\": 1,", "\"schema\": 3,", M,
     "unknown schema 3 (this installer knows schemas 1 and 2)"},
    /* schema 1 stays strict: schema 2's fields are unknown keys there */
    {"\"schema\": 1,", "\"schema\": 1, \"worker_sets\": [],", M, "unknown key \"worker_sets\""},
    {"\"schema\": 1,", "\"schema\": 1, \"min_installer_version\": \"0.1.0\",", M,
     "unknown key \"min_installer_version\""},
    {"\"schema\": 1,", "\"schema\": 1, \"compatible\": {},", M, "unknown key \"compatible\""},
    {"\"schema\": 1,", "\"schema\": 0,", M, "unknown schema 0"},
    {"\"schema\": 1,", "\"schema\": \"1\",", M, "schema: expected an integer, got a string"},
    {"\"schema\": 1,", "\"schema\": 1.0,", M, "schema: expected an integer, got a real"},
    {"\"schema\": 1,", "", M, "schema: missing"},
    /* header fields */
    {"\"product\": \"polkadot\",", "", M, "product: missing"},
    {"\"product\": \"polkadot\"", "\"product\": \"Polkadot\"", M,
     "product: \"Polkadot\" is not a product name"},
    {"\"product\": \"polkadot\"", "\"product\": \"1dot\"", M, "product:"},
    {"\"product\": \"polkadot\"", "\"product\": \"" H64("ab") "a\"", M, "product:"},
    {"\"product\": \"polkadot\"", "\"product\": null", M, "product: expected a string, got null"},
    {"\"version\": \"1.16.0\"", "\"version\": \"v1.16.0\"", M,
     "version: \"v1.16.0\" is not a plain version"},
    {"\"version\": \"1.16.0\"", "\"version\": \"1.16.0+abc\"", M, "version:"},
    {"\"version\": \"1.16.0\"", "\"version\": 1.16", M, "version: expected a string"},
    {"\"sequence\": 42", "\"sequence\": 0", M, "sequence: 0 is not a positive integer"},
    {"\"sequence\": 42", "\"sequence\": -3", M, "sequence: -3 is not a positive integer"},
    {"\"sequence\": 42", "\"sequence\": 1.5", M, "sequence: expected an integer, got a real"},
    {"\"sequence\": 42", "\"sequence\": 4.2e1", M, "sequence: expected an integer"},
    {"\"sequence\": 42", "\"sequence\": 99999999999999999999", M, "not valid JSON"},
    {"\"sequence\": 42", "\"sequence\": true", M, "got a boolean"},
    {"\"sequence\": 42,", "", M, "sequence: missing"},
    /* times */
    {"2026-11-20T10:00:00Z", "2026-11-20 10:00:00Z", M,
     "created: \"2026-11-20 10:00:00Z\" is not an RFC 3339 time"},
    {"2026-11-20T10:00:00Z", "2026-11-20t10:00:00z", M, "created:"},
    {"2027-02-20T10:00:00Z", "2027-02-29T10:00:00Z", M, "expires: \"2027-02-29T10:00:00Z\""},
    {"\"created\": \"2026-11-20T10:00:00Z\"", "\"created\": 1795168800", M,
     "created: expected a string"},
    {"2026-11-20T10:00:00Z", "2027-03-01T00:00:00Z", M,
     "created: 2027-03-01T00:00:00Z is after expires 2027-02-20T10:00:00Z"},
    {"2027-02-20T10:00:00Z", "2026-11-30T23:59:59Z", -PDI_E_POLICY,
     "expired at 2026-11-30T23:59:59Z"},
    {"2027-02-20T10:00:00Z", "2026-12-01T01:00:00+02:00", -PDI_E_POLICY, "expired at"},
    /* chains */
    {"[\"polkadot\", \"kusama\"]", "[]", M, "chains: has 0 entries"},
    {"[\"polkadot\", \"kusama\"]", "[\"polkadot\", \"Kusama\"]", M,
     "chains[1]: \"Kusama\" is not a chain name"},
    {"[\"polkadot\", \"kusama\"]", "[\"polkadot\", \"\"]", M, "chains[1]:"},
    {"[\"polkadot\", \"kusama\"]", "[\"kusama\", \"kusama\"]", M,
     "chains[1]: duplicate chain \"kusama\""},
    {"[\"polkadot\", \"kusama\"]", "\"kusama\"", M, "chains: expected an array"},
    {"[\"polkadot\", \"kusama\"]", "[1]", M, "chains[0]: expected a string, got an integer"},
    /* the artifacts list and roles */
    {NULL, MINI("[]"), M, "artifacts: has 0 entries, must have 1 to 3"},
    {NULL, MINI("{}"), M, "artifacts: expected an array, got an object"},
    {NULL, MINI("[1]"), M, "artifacts[0]: expected an object, got an integer"},
    {NULL, HEAD ART_NODE ",\n" ART_PREP TAIL, M, "no artifact with role execute-worker"},
    {NULL, HEAD ART_PREP ",\n" ART_EXEC TAIL, M, "no artifact with role node"},
    {"\"role\": \"execute-worker\"", "\"role\": \"prepare-worker\"", M,
     "artifacts[2].role: role prepare-worker appears twice (also artifacts[1])"},
    {"\"role\": \"node\"", "\"role\": \"collator\"", M,
     "artifacts[0].role: unknown role \"collator\""},
    {"\"format\": \"tar.zst\"", "\"format\": \"zip\"", M,
     "artifacts[2].format: unknown format \"zip\""},
    {"\"format\": \"tar.zst\"", "\"format\": \"TAR.ZST\"", M, "unknown format"},
    {"\"format\": \"binary\"}", "\"format\": \"binary\", \"files\": []}", M,
     "artifacts[0].files: has 0 entries"},
    {"\"format\": \"binary\"}",
     "\"format\": \"binary\", \"files\": [{\"path\": \"x\", \"sha256\": \"" HA "\", \"size\": 1}]}",
     M, "artifacts[0].files: a binary artifact has no files"},
    {"\"role\": \"node\",", "", M, "artifacts[0].role: missing"},
    /* names */
    {"workers.tar.zst\", \"role\"", "polkadot\", \"role\"", M,
     "artifacts[2].name: duplicate name \"polkadot\" (also artifacts[0])"},
    {"workers.tar.zst\", \"role\"", "../w.tar.zst\", \"role\"", M,
     "artifacts[2].name: \"../w.tar.zst\" is not a plain file name"},
    {"workers.tar.zst\", \"role\"", "..\", \"role\"", M, "not a plain file name"},
    {"workers.tar.zst\", \"role\"", "\", \"role\"", M, "not a plain file name"},
    {"workers.tar.zst\", \"role\"", "w\\u0001\", \"role\"", M, "not a plain file name"},
    {"workers.tar.zst\", \"role\"", "w\\u0000\", \"role\"", M, "not valid JSON"},
    {"\"name\": \"polkadot\",", "\"name\": \"polkadot-node\",", M,
     "artifacts[0].name: a binary artifact of role node must be named \"polkadot\""},
    /* archive files */
    {", \"files\": [", ", \"filez\": [", M, "unknown key \"filez\""},
    {NULL,
     HEAD ART_NODE ",\n" ART_PREP ",\n    {\"name\": \"w.tar\", \"role\": \"execute-worker\", "
                   "\"url\": \"w.tar\", \"sha256\": \"" HC
                   "\", \"size\": 1, \"format\": \"tar\"}" TAIL,
     M, "artifacts[2].files: missing (an archive must list its files)"},
    {"\"path\": \"LICENSE\"", "\"path\": \"sub/LICENSE\"", M,
     "artifacts[2].files[1].path: \"sub/LICENSE\" is not a plain file name"},
    {"\"path\": \"LICENSE\"", "\"path\": \".\"", M, "not a plain file name"},
    {"\"path\": \"LICENSE\"", "\"path\": \"a\\nb\"", M, "not a plain file name"},
    {"\"path\": \"LICENSE\"", "\"path\": \"" H64("ab") H64("cd") H64("ef") H64("gh") "\"", M,
     "not a plain file name"},
    {"\"path\": \"polkadot-execute-worker\"", "\"path\": \"polkadot-exec\"", M,
     "artifacts[2].files: does not contain \"polkadot-execute-worker\""},
    {"\"path\": \"LICENSE\"", "\"path\": \"polkadot-execute-worker\"", M,
     "artifacts[2].files[1].path: duplicate installed file \"polkadot-execute-worker\" (also "
     "artifacts[2].files[0].path)"},
    {"\"path\": \"LICENSE\"", "\"path\": \"polkadot\"", M,
     "artifacts[2].files[1].path: duplicate installed file \"polkadot\" (also "
     "artifacts[0].name)"},
    {"\"size\": 789", "\"size\": 0", M, "artifacts[2].files[0].size: 0 is not a sane size"},
    {", \"size\": 789}", "}", M, "artifacts[2].files[0].size: missing"},
    {"\"sha256\": \"" HD "\"", "\"sha256\": \"" HA "0\"", M,
     "artifacts[2].files[0].sha256: not 64 lowercase hex digits"},
    /* digests and sizes */
    {"\"sha256\": \"" HB "\"", "\"sha256\": \"" H64("B2") "\"", M,
     "artifacts[1].sha256: not 64 lowercase hex digits"},
    {"\"sha256\": \"" HB "\"", "\"sha256\": \"" H64("g2") "\"", M, "not 64 lowercase hex"},
    {"\"sha256\": \"" HB "\"", "\"sha256\": \"\"", M, "not 64 lowercase hex"},
    {"\"size\": 123456789", "\"size\": 0", M, "artifacts[0].size: 0 is not a sane size"},
    {"\"size\": 123456789", "\"size\": 4294967297", M,
     "4294967297 is not a sane size (1 byte to 4 GiB; 0 or more than 4 GiB is absurd)"},
    {"\"size\": 123456789", "\"size\": -1", M, "artifacts[0].size: -1"},
    {"\"size\": 123456789", "\"size\": \"1\"", M, "artifacts[0].size: expected an integer"},
    /* URLs */
    {"\"url\": \"polkadot\"", "\"url\": \"ftp://x/polkadot\"", M,
     "artifacts[0].url: URL scheme \"ftp\" is not allowed"},
    {"\"url\": \"polkadot\"", "\"url\": \"HTTPS://x/polkadot\"", M, "URL scheme \"HTTPS\""},
    {"\"url\": \"polkadot\"", "\"url\": \"javascript:alert(1)\"", M, "\"javascript\""},
    {"\"url\": \"polkadot\"", "\"url\": \"https://\"", M, "nothing after the scheme"},
    {"\"url\": \"polkadot\"", "\"url\": \"/srv/polkadot\"", M, "must not start with '/'"},
    {"\"url\": \"polkadot\"", "\"url\": \"//evil/polkadot\"", M, "must not start with '/'"},
    {"\"url\": \"polkadot\"", "\"url\": \"a/../../polkadot\"", M, "'..' segment"},
    {"\"url\": \"polkadot\"", "\"url\": \"..\"", M, "'..' segment"},
    {"\"url\": \"polkadot\"", "\"url\": \"a\\\\b\"", M, "'\\'"},
    {"\"url\": \"polkadot\"", "\"url\": \"polkadot?x=1\"", M, "'?' or '#'"},
    {"\"url\": \"polkadot\"", "\"url\": \"polka dot\"", M, "a space"},
    {"\"url\": \"polkadot\"", "\"url\": \"polka\\tdot\"", M, "control character"},
    {"\"url\": \"polkadot\"", "\"url\": \"p\\u00e9\"", M, "non-ASCII"},
    {"\"url\": \"polkadot\"", "\"url\": \"1a:b\"", M, "':' in its first segment"},
    {"\"url\": \"polkadot\"", "\"url\": \"\"", M, "artifacts[0].url: empty URL"},
    {"\"url\": \"polkadot\",", "", M, "artifacts[0].url: missing"},
    {"\"mirrors\": [\"http://m2.example/p\"", "\"mirrors\": [\"scp://m2.example/p\"", M,
     "artifacts[1].mirrors[0]: URL scheme \"scp\""},
    {"\"file:///srv/p\"", "null", M, "artifacts[1].mirrors[1]: expected a string, got null"},
    {"\"mirrors\": [", "\"mirrors\": {}, \"x\": [", M, "unknown key \"x\""},
    {"\"mirrors\": [\"http://m2.example/p\", \"file:///srv/p\"]", "\"mirrors\": \"x\"", M,
     "artifacts[1].mirrors: expected an array, got a string"},
};

static void test_refusals(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(refusals); i++) {
                const struct refusal *c = &refusals[i];
                char *text = mutate(c->from, c->to);
                print_message("case %zu: %s\n", i, c->msg);
                expect_refusal(text, strlen(text), c->code, c->msg);
                free(text);
        }
}

static void test_too_big(void **state)
{
        (void)state;
        size_t n = PDI_MANIFEST_MAX_BYTES + 1;
        char *buf = malloc(n);
        assert_non_null(buf);
        memset(buf, ' ', n);
        memcpy(buf, BASE, strlen(BASE));
        expect_refusal(buf, n, -PDI_E_MANIFEST, "manifest is 1048577 bytes, limit 1048576");
        /* exactly the limit is fine */
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL;
        assert_int_equal(pdi_manifest_parse(buf, n - 1, now(), &m, &err), 0);
        pdi_manifest_free(m);
        free(buf);
}

static void test_nul_byte(void **state)
{
        (void)state;
        char buf[] = BASE;
        buf[10] = '\0';
        expect_refusal(buf, sizeof(buf) - 1, -PDI_E_MANIFEST, "not valid JSON");
}

static char *repeat_join(const char *item, size_t n)
{
        size_t len = strlen(item);
        char *s = calloc(n, len + 1);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        strcat(s, ",");
                strcat(s, item);
        }
        return s;
}

static void test_too_many(void **state)
{
        (void)state;
        char *mirrors = repeat_join("\"http://m.example/p\"", PDI_MANIFEST_MAX_MIRRORS + 1);
        char *to = NULL;
        assert_true(asprintf(&to, "\"mirrors\": [%s]", mirrors) > 0);
        char *text = mutate("\"mirrors\": [\"http://m2.example/p\", \"file:///srv/p\"]", to);
        expect_refusal(text, strlen(text), -PDI_E_MANIFEST,
                       "artifacts[1].mirrors: has 17 entries, must have 0 to 16");
        free(text), free(to), free(mirrors);

        char *arts = repeat_join("{}", PDI_MANIFEST_MAX_ARTIFACTS + 1);
        assert_true(asprintf(&to, MINI("[%s]"), arts) > 0);
        expect_refusal(to, strlen(to), -PDI_E_MANIFEST,
                       "artifacts: has 4 entries, must have 1 to 3");
        free(to), free(arts);

        char *url = calloc(1, PDI_MANIFEST_MAX_URL + 2);
        memset(url, 'u', PDI_MANIFEST_MAX_URL + 1);
        assert_true(asprintf(&to, "\"url\": \"%s\"", url) > 0);
        text = mutate("\"url\": \"polkadot\"", to);
        expect_refusal(text, strlen(text), -PDI_E_MANIFEST, "artifacts[0].url: URL longer than");
        free(text), free(to);
        url[PDI_MANIFEST_MAX_URL] = '\0'; /* exactly the limit is fine */
        assert_true(asprintf(&to, "\"url\": \"%s\"", url) > 0);
        text = mutate("\"url\": \"polkadot\"", to);
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL;
        assert_int_equal(parse(text, &m, &err), 0);
        pdi_manifest_free(m);
        free(text), free(to), free(url);
}

static void test_too_many_files(void **state)
{
        (void)state;
        char *files = repeat_join("{\"path\": \"f\"}", PDI_MANIFEST_MAX_FILES + 1);
        char *to = NULL;
        assert_true(asprintf(&to, "\"files\": [%s]}", files) > 0);
        char *text = NULL;
        assert_true(asprintf(&text,
                             HEAD ART_NODE
                             ",\n" ART_PREP
                             ",\n{\"name\": \"w.tar\", \"role\": \"execute-worker\", \"url\": "
                             "\"w.tar\", \"sha256\": \"" HC "\", \"size\": 1, \"format\": \"tar\", "
                             "%s" TAIL,
                             to) > 0);
        expect_refusal(text, strlen(text), -PDI_E_MANIFEST,
                       "artifacts[2].files: has 65 entries, must have 1 to 64");
        free(text), free(to), free(files);
}

static void test_rfc3339(void **state)
{
        (void)state;
        static const struct {
                const char *s;
                time_t t; /* -1: refused */
        } cases[] = {
            {"1970-01-01T00:00:00Z", 0},
            {"2026-11-20T10:00:00Z", 1795168800},
            {"2026-11-20T10:00:00.123456Z", 1795168800},
            {"2026-11-20T12:30:00+02:30", 1795168800},
            {"2026-11-20T07:00:00-03:00", 1795168800},
            {"2024-02-29T00:00:00Z", 1709164800},
            {"2000-02-29T00:00:00Z", 951782400},
            {"2025-02-29T00:00:00Z", -1},
            {"1900-02-29T00:00:00Z", -1},
            {"2026-04-31T00:00:00Z", -1},
            {"2026-13-01T00:00:00Z", -1},
            {"2026-00-01T00:00:00Z", -1},
            {"2026-01-00T00:00:00Z", -1},
            {"2026-01-01T24:00:00Z", -1},
            {"2026-01-01T00:60:00Z", -1},
            {"2026-01-01T00:00:60Z", -1},
            {"2026-01-01t00:00:00Z", -1},
            {"2026-01-01T00:00:00z", -1},
            {"2026-01-01T00:00:00", -1},
            {"2026-01-01T00:00:00.Z", -1},
            {"2026-01-01T00:00:00+0200", -1},
            {"2026-01-01T00:00:00+24:00", -1},
            {"2026-01-01T00:00:00+02:60", -1},
            {"2026-01-01T00:00:00Z ", -1},
            {" 2026-01-01T00:00:00Z", -1},
            {"26-01-01T00:00:00Z", -1},
            {"2026-1-01T00:00:00Z", -1},
            {"+026-01-01T00:00:00Z", -1},
            {"2026-01-01", -1},
            {"", -1},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                time_t t = 12345;
                int r = pdi_rfc3339_parse(cases[i].s, &t);
                print_message("%s\n", cases[i].s);
                if (cases[i].t == -1) {
                        assert_int_equal(r, -EINVAL);
                        assert_int_equal(t, 12345); /* untouched on failure */
                } else {
                        assert_int_equal(r, 0);
                        assert_int_equal(t, cases[i].t);
                }
        }
}

static void test_version(void **state)
{
        (void)state;
        static const char *const good[] = {"0.0.0",        "1.16.0",         "10.200.3000",
                                           "1.16.0-rc1",   "1.16.0-rc.1",    "1.0.0-alpha-beta",
                                           "1.0.0-0A.z-9", "1.0.0-" H64("x")};
        static const char *const bad[] = {
            "",        "1",         "1.2",    "1.2.3.4",          "01.2.3",    "1.02.3",
            "1.2.03",  "v1.2.3",    "1.2.3-", "1.2.3-.rc",        "1.2.3-rc.", "1.2.3--",
            "1.2.3+b", "1.2.3-r+c", "1.2.3 ", "1.2.3-r c",        "1.2.3-r_c", "1..3",
            "1.2.3-é", "-1.2.3",    "1.2.-3", "1.0.0-" H64("xy"),
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                print_message("good %s\n", good[i]);
                assert_true(pdi_version_valid(good[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                print_message("bad %s\n", bad[i]);
                assert_false(pdi_version_valid(bad[i]));
        }
        assert_false(pdi_version_valid(NULL));
}

static void test_round_trip(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL, *m2 = NULL;
        char *text = NULL, *text2 = NULL;
        assert_int_equal(parse(BASE, &m, &err), 0);
        assert_int_equal(pdi_manifest_dump(m, &text), 0);
        assert_int_equal(parse(text, &m2, &err), 0);
        assert_int_equal(pdi_manifest_dump(m2, &text2), 0);
        assert_string_equal(text, text2);
        /* canonical order and indentation */
        const char *order[] = {"\"schema\": 1", "\"product\"", "\"version\"", "\"sequence\": 42",
                               "\"created\"",   "\"expires\"", "\"chains\"",  "\"artifacts\""};
        const char *prev = text;
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                const char *p = strstr(text, order[i]);
                assert_non_null(p);
                assert_true(p > prev);
                prev = p;
        }
        assert_true(strncmp(text, "{\n  \"schema\"", 12) == 0);
        assert_true(text[strlen(text) - 1] == '\n');

        json_t *j = pdi_manifest_to_json(m);
        json_t *orig = json_loads(BASE, 0, NULL);
        assert_true(json_equal(j, orig));
        json_decref(j);
        json_decref(orig);
        free(text), free(text2);
        pdi_manifest_free(m);
        pdi_manifest_free(m2);
        pdi_manifest_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),          cmocka_unit_test(test_names),
            cmocka_unit_test(test_refusals),       cmocka_unit_test(test_too_big),
            cmocka_unit_test(test_nul_byte),       cmocka_unit_test(test_too_many),
            cmocka_unit_test(test_too_many_files), cmocka_unit_test(test_rfc3339),
            cmocka_unit_test(test_version),        cmocka_unit_test(test_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
