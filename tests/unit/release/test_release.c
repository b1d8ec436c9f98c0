/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/release/release.c: reading a local manifest and its signature files (default
 * names probed up to the first gap, or an explicit list, with size caps), and verification
 * in its order: signatures over the exact bytes first, then the schema, each failure with
 * its own code and a message naming the manifest. */
#include "release/release.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define ART(name, role, h)                                                                         \
        "{\"name\": \"" name "\", \"role\": \"" role "\", \"url\": \"" name "\", \"sha256\": \"" h \
        "\", \"size\": 10, \"format\": \"binary\"}"
#define MANIFEST(version, expires)                                                                 \
        "{\"schema\": 1, \"product\": \"polkadot\", \"version\": \"" version "\", \"sequence\": "  \
        "7, \"created\": \"2026-11-20T10:00:00Z\", \"expires\": \"" expires "\", "                 \
        "\"artifacts\": [" ART("polkadot", "node", H64("a1")) ", " ART(                            \
            "polkadot-prepare-worker", "prepare-worker",                                           \
            H64("b2")) ", " ART("polkadot-execute-worker", "execute-worker", H64("c3")) "]}\n"

static const char good[] = MANIFEST("1.0.0", "2027-02-20T10:00:00Z");
static const char no_version[] = "{\"schema\": 1, \"product\": \"polkadot\"}\n";
static const char expired[] = MANIFEST("1.0.0", "2026-11-21T10:00:00Z");

static struct pdi_minisign_seckey sk;
static struct pdi_minisign_pubkey pk;
static struct pdi_trust trust;

static time_t now(void)
{
        time_t t;
        assert_int_equal(pdi_rfc3339_parse("2026-12-01T00:00:00Z", &t), 0);
        return t;
}

static const char *at(const char *name)
{
        static char buf[4][512];
        static unsigned n;
        char *b = buf[n++ % 4];
        snprintf(b, sizeof(buf[0]), "%s/%s", tmpl, name);
        return b;
}

static void put(const char *name, const void *data, size_t len)
{
        _cleanup_close_ int dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(pdi_write_atomic_at(dfd, name, data, len, 0644), 0);
}

static struct pdi_sigtext sign(const char *msg, size_t len)
{
        char *text = NULL;
        struct pdi_error err = {0};
        assert_int_equal(pdi_minisign_sign(&sk, msg, len, "u", "t", &text, &err), 0);
        return (struct pdi_sigtext){
            .source = strdup("m.minisig"), .text = text, .len = strlen(text)};
}

static int setup(void **state)
{
        (void)state;
        if (pdi_minisign_keygen(&sk, &pk) < 0 || testroot_setup() < 0)
                return -1;
        trust = (struct pdi_trust){.n_keys = 1, .threshold = 1};
        trust.keys[0] = (struct pdi_trusted_key){.pk = pk, .source = strdup("test.pub")};
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        pdi_trust_done(&trust);
        pdi_minisign_seckey_wipe(&sk);
        return testroot_teardown();
}

static void read_default_names_until_gap(void **state)
{
        (void)state;
        put("m.json", good, strlen(good));
        put("m.json.minisig", "one", 3);
        put("m.json.minisig.2", "two", 3);
        put("m.json.minisig.4", "four", 4); /* after the gap at .3: not read */
        char *bytes = NULL;
        size_t len = 0, n = 0;
        struct pdi_sigtext *sigs = NULL;
        struct pdi_error err = {0};
        assert_int_equal(
            pdi_release_read_local(at("m.json"), NULL, 0, &bytes, &len, &sigs, &n, &err), 0);
        assert_int_equal(len, strlen(good));
        assert_memory_equal(bytes, good, len);
        assert_int_equal(n, 2);
        assert_string_equal(sigs[0].source, at("m.json.minisig"));
        assert_memory_equal(sigs[0].text, "one", 3);
        assert_int_equal(sigs[1].len, 3);
        assert_string_equal(sigs[1].source, at("m.json.minisig.2"));
        pdi_sigtexts_free(sigs, n);
        free(sigs);
        free(bytes);

        /* No signature file at all is not an error here (trust decides later). */
        put("bare.json", good, strlen(good));
        assert_int_equal(
            pdi_release_read_local(at("bare.json"), NULL, 0, &bytes, &len, &sigs, &n, &err), 0);
        assert_int_equal(n, 0);
        free(sigs);
        free(bytes);
}

static void read_explicit_list(void **state)
{
        (void)state;
        put("x.sig", "xx", 2);
        put("y.sig", "yyy", 3);
        char *paths[] = {(char *)at("y.sig"), (char *)at("x.sig")};
        char *bytes = NULL;
        size_t len = 0, n = 0;
        struct pdi_sigtext *sigs = NULL;
        struct pdi_error err = {0};
        assert_int_equal(
            pdi_release_read_local(at("m.json"), paths, 2, &bytes, &len, &sigs, &n, &err), 0);
        assert_int_equal(n, 2); /* the listed ones only, not m.json.minisig */
        assert_string_equal(sigs[0].source, paths[0]);
        assert_int_equal(sigs[0].len, 3);
        assert_string_equal(sigs[1].source, paths[1]);
        pdi_sigtexts_free(sigs, n);
        free(sigs);
        free(bytes);

        /* A listed file that is missing is a signature error naming it. */
        char *missing[] = {(char *)at("x.sig"), (char *)at("gone.sig")};
        bytes = NULL;
        assert_int_equal(
            pdi_release_read_local(at("m.json"), missing, 2, &bytes, &len, &sigs, &n, &err),
            -PDI_E_SIGNATURE);
        assert_null(bytes);
        assert_non_null(strstr(err.msg, "signature "));
        assert_non_null(strstr(err.msg, "gone.sig: No such file or directory"));

        /* More files than the trust policy can count. */
        char *many[PDI_TRUST_MAX_SIGS + 1];
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = (char *)at("x.sig");
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_release_read_local(at("m.json"), many, ELEMENTSOF(many), &bytes, &len,
                                                &sigs, &n, &err),
                         -PDI_E_USAGE);
        assert_non_null(strstr(err.msg, "more than 8 --signature files"));
}

static void read_caps(void **state)
{
        (void)state;
        char *bytes = NULL;
        size_t len = 0, n = 0;
        struct pdi_sigtext *sigs = NULL;
        struct pdi_error err = {0};
        size_t big_len = PDI_MANIFEST_MAX_BYTES + 1;
        _cleanup_free_ char *big = malloc(big_len);
        assert_non_null(big);
        memset(big, ' ', big_len);
        put("big.json", big, big_len);
        assert_int_equal(
            pdi_release_read_local(at("big.json"), NULL, 0, &bytes, &len, &sigs, &n, &err),
            -PDI_E_MANIFEST);
        assert_non_null(strstr(err.msg, "big.json: larger than the 1048576 byte limit"));
        /* Exactly at the cap is read. */
        put("cap.json", big, PDI_MANIFEST_MAX_BYTES);
        assert_int_equal(
            pdi_release_read_local(at("cap.json"), NULL, 0, &bytes, &len, &sigs, &n, &err), 0);
        assert_int_equal(len, PDI_MANIFEST_MAX_BYTES);
        free(bytes);
        free(sigs);
        /* A signature file above its cap. */
        put("cap.json.minisig", big, PDI_MINISIGN_FILE_MAX + 1);
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            pdi_release_read_local(at("cap.json"), NULL, 0, &bytes, &len, &sigs, &n, &err),
            -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "cap.json.minisig: larger than 16384 bytes"));
        /* A missing manifest names itself. */
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            pdi_release_read_local(at("none.json"), NULL, 0, &bytes, &len, &sigs, &n, &err),
            -ENOENT);
        assert_non_null(strstr(err.msg, "none.json: No such file or directory"));
}

/* Paths the operator typed are host paths: symlinks are followed. A signature file that
 * exists but cannot be read fails the same way whether it was listed or found by its default
 * name; only a listed file that does not exist is a missing signature. */
static void read_host_paths(void **state)
{
        (void)state;
        put("real.json", good, strlen(good));
        put("real.sig", "sig", 3);
        assert_int_equal(symlink("real.json", at("link.json")), 0);
        assert_int_equal(symlink("real.sig", at("link.json.minisig")), 0);
        char *bytes = NULL;
        size_t len = 0, n = 0;
        struct pdi_sigtext *sigs = NULL;
        struct pdi_error err = {0};
        assert_int_equal(
            pdi_release_read_local(at("link.json"), NULL, 0, &bytes, &len, &sigs, &n, &err), 0);
        assert_int_equal(len, strlen(good));
        assert_int_equal(n, 1);
        assert_memory_equal(sigs[0].text, "sig", 3);
        pdi_sigtexts_free(sigs, n);
        free(sigs);
        free(bytes);

        /* A directory where a signature should be: listed or default, one code and message. */
        assert_int_equal(mkdir(at("dir.json.minisig"), 0755), 0);
        put("dir.json", good, strlen(good));
        char want[600];
        snprintf(want, sizeof(want), "signature %s: not a regular file", at("dir.json.minisig"));
        bytes = NULL;
        assert_int_equal(
            pdi_release_read_local(at("dir.json"), NULL, 0, &bytes, &len, &sigs, &n, &err),
            -EINVAL);
        assert_string_equal(err.msg, want);
        assert_null(bytes);
        char *listed[] = {(char *)at("dir.json.minisig")};
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            pdi_release_read_local(at("dir.json"), listed, 1, &bytes, &len, &sigs, &n, &err),
            -EINVAL);
        assert_string_equal(err.msg, want);
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            pdi_release_read_local(at("dir.json.minisig"), NULL, 0, &bytes, &len, &sigs, &n, &err),
            -EINVAL);
        snprintf(want, sizeof(want), "manifest %s: not a regular file", at("dir.json.minisig"));
        assert_string_equal(err.msg, want);
}

static void verify_good(void **state)
{
        (void)state;
        struct pdi_sigtext sig = sign(good, strlen(good));
        struct pdi_verified v;
        struct pdi_error err = {0};
        assert_int_equal(
            pdi_release_verify(&trust, "m.json", good, strlen(good), &sig, 1, now(), &v, &err), 0);
        assert_non_null(v.manifest);
        assert_string_equal(v.manifest->version, "1.0.0");
        assert_int_equal(v.manifest->sequence, 7);
        char want[65];
        assert_int_equal(pdi_sha256_buf(good, strlen(good), want), 0);
        assert_string_equal(v.manifest_sha256, want);
        assert_int_equal(v.signers.n_signers, 1);
        assert_string_equal(v.signers.signers[0].key_source, "test.pub");

        json_t *j = pdi_verified_to_json(&v);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "manifest_sha256")), want);
        json_t *by = json_object_get(j, "signed_by");
        assert_int_equal(json_array_size(by), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(by, 0), "key_file")),
                            "test.pub");
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(by, 0), "trusted_comment")), "t");
        assert_string_equal(json_string_value(json_object_get(j, "version")), "1.0.0");
        json_decref(j);

        /* A value jansson cannot take fails the whole document; no signer is dropped. The
         * parser never lets such a comment through; this stands for any NULL from jansson. */
        char *tc = v.signers.signers[0].trusted_comment;
        v.signers.signers[0].trusted_comment = (char *)"caf\xe9";
        assert_null(pdi_verified_to_json(&v));
        v.signers.signers[0].trusted_comment = tc;
        pdi_verified_done(&v);
        assert_null(v.manifest);
        pdi_sigtexts_free(&sig, 1);
}

static void verify_refusals(void **state)
{
        (void)state;
        struct pdi_verified v;
        struct pdi_error err = {0};

        /* One byte changed after signing: the signature, never the parser, refuses it. */
        struct pdi_sigtext sig = sign(good, strlen(good));
        _cleanup_free_ char *changed = strdup(good);
        changed[strlen(changed) - 3] = ' '; /* still valid JSON */
        assert_int_equal(pdi_release_verify(&trust, "m.json", changed, strlen(changed), &sig, 1,
                                            now(), &v, &err),
                         -PDI_E_SIGNATURE);
        assert_null(v.manifest);
        assert_int_equal(
            strncmp(err.msg, "manifest m.json: signature m.minisig: signature by key ", 55), 0);
        assert_non_null(strstr(err.msg, " does not verify"));
        pdi_sigtexts_free(&sig, 1);

        /* Signed, but not a valid manifest: a manifest error with the prefix. */
        memset(&err, 0, sizeof(err));
        sig = sign(no_version, strlen(no_version));
        assert_int_equal(pdi_release_verify(&trust, "https://h/m.json", no_version,
                                            strlen(no_version), &sig, 1, now(), &v, &err),
                         -PDI_E_MANIFEST);
        assert_null(v.manifest);
        assert_int_equal(strncmp(err.msg, "manifest https://h/m.json: ", 27), 0);
        assert_non_null(strstr(err.msg, "version"));
        pdi_sigtexts_free(&sig, 1);

        /* Signed and valid but expired: policy, same prefix. */
        memset(&err, 0, sizeof(err));
        sig = sign(expired, strlen(expired));
        assert_int_equal(pdi_release_verify(&trust, "m.json", expired, strlen(expired), &sig, 1,
                                            now(), &v, &err),
                         -PDI_E_POLICY);
        assert_int_equal(strncmp(err.msg, "manifest m.json: manifest expired at ", 37), 0);
        pdi_sigtexts_free(&sig, 1);

        /* Too large is refused before any signature work. */
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_release_verify(&trust, "m.json", good, PDI_MANIFEST_MAX_BYTES + 1,
                                            NULL, 0, now(), &v, &err),
                         -PDI_E_MANIFEST);
        assert_non_null(strstr(err.msg, "manifest m.json: larger than the 1048576 byte limit"));

        /* A good signature below a threshold of 2: refused, and nothing is left to free. */
        memset(&err, 0, sizeof(err));
        sig = sign(good, strlen(good));
        trust.threshold = 2;
        int k = pdi_release_verify(&trust, "m.json", good, strlen(good), &sig, 1, now(), &v, &err);
        trust.threshold = 1;
        assert_int_equal(k, -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "signed by 1 distinct trusted key(s), 2 required"));
        assert_int_equal(v.signers.n_signers, 0);
        assert_null(v.manifest);
        pdi_sigtexts_free(&sig, 1);

        /* No signature at all. */
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            pdi_release_verify(&trust, "m.json", good, strlen(good), NULL, 0, now(), &v, &err),
            -PDI_E_SIGNATURE);
        assert_null(v.manifest);
        pdi_verified_done(&v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(read_default_names_until_gap),
            cmocka_unit_test(read_explicit_list),
            cmocka_unit_test(read_caps),
            cmocka_unit_test(read_host_paths),
            cmocka_unit_test(verify_good),
            cmocka_unit_test(verify_refusals),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
