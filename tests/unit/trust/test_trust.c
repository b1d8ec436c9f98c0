/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

static struct pdi_minisign_seckey sk[3];
static struct pdi_minisign_pubkey pk[3];
static const char msg[] = "{\"schema\": 1}";

static void write_pub(const char *path, int i)
{
        char *text = NULL;
        assert_int_equal(pdi_minisign_pubkey_format(&pk[i], "test key", &text), 0);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), 0644), 0);
        free(text);
}

static struct pdi_sigtext sig_by(int i, const char *m)
{
        char *text = NULL;
        struct pdi_error err = {0};
        assert_int_equal(pdi_minisign_sign(&sk[i], m, strlen(m), "u", "t", &text, &err), 0);
        return (struct pdi_sigtext){.source = strdup("sig"), .text = text, .len = strlen(text)};
}

static int setup(void **state)
{
        (void)state;
        for (int i = 0; i < 3; i++)
                assert_int_equal(pdi_minisign_keygen(&sk[i], &pk[i]), 0);
        assert_int_equal(testroot_setup(), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, PDI_TRUST_KEYS_DIR, 0755), 0);
        write_pub(PDI_TRUST_KEYS_DIR "/a.pub", 0);
        write_pub(PDI_TRUST_KEYS_DIR "/b.pub", 1);
        write_pub(PDI_TRUST_KEYS_DIR "/a-again.pub", 0);    /* same key twice: counts once */
        write_pub(PDI_TRUST_KEYS_DIR "/c.pub.disabled", 2); /* not *.pub: ignored */
        return 0;
}

static void loads_keys_once(void **state)
{
        (void)state;
        struct pdi_trust t;
        struct pdi_error err = {0};
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 0, &err), 0);
        assert_int_equal(t.n_keys, 2);
        assert_int_equal(t.threshold, 1);
        pdi_trust_done(&t);
}

static void threshold_counts_distinct_keys(void **state)
{
        (void)state;
        struct pdi_trust t;
        struct pdi_trust_result res;
        struct pdi_error err = {0};
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 2, &err), 0);
        struct pdi_sigtext sigs[3] = {sig_by(0, msg), sig_by(0, msg), sig_by(1, msg)};
        assert_int_equal(pdi_trust_verify(&t, "m", msg, strlen(msg), sigs, 2, &res, &err),
                         -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "signed by 1 distinct trusted key(s), 2 required"));
        pdi_trust_result_done(&res);
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_trust_verify(&t, "m", msg, strlen(msg), sigs, 3, &res, &err), 0);
        assert_int_equal(res.n_signers, 2);
        pdi_trust_result_done(&res);
        pdi_sigtexts_free(sigs, 3);
        pdi_trust_done(&t);
}

static void untrusted_and_bad_signatures(void **state)
{
        (void)state;
        struct pdi_trust t;
        struct pdi_trust_result res;
        struct pdi_error err = {0};
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 0, &err), 0);
        /* Only an untrusted key signed. */
        struct pdi_sigtext s1[1] = {sig_by(2, msg)};
        assert_int_equal(pdi_trust_verify(&t, "m", msg, strlen(msg), s1, 1, &res, &err),
                         -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "not signed by any trusted key"));
        pdi_trust_result_done(&res);
        /* A trusted key's signature over other bytes refuses even if another one is good. */
        memset(&err, 0, sizeof(err));
        struct pdi_sigtext s2[2] = {sig_by(1, msg), sig_by(0, "{\"schema\": 2}")};
        assert_int_equal(pdi_trust_verify(&t, "m", msg, strlen(msg), s2, 2, &res, &err),
                         -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "manifest m: signature sig: signature by key "));
        assert_non_null(strstr(err.msg, " does not verify"));
        pdi_trust_result_done(&res);
        /* No signature at all. */
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_trust_verify(&t, "m", msg, strlen(msg), NULL, 0, &res, &err),
                         -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "no signature"));
        pdi_sigtexts_free(s1, 1);
        pdi_sigtexts_free(s2, 2);
        pdi_trust_done(&t);
}

static void threshold_file_and_limits(void **state)
{
        (void)state;
        struct pdi_trust t;
        struct pdi_error err = {0};
        assert_int_equal(pdi_root_write_atomic(&root, PDI_TRUST_THRESHOLD_FILE, "2\n", 2, 0644), 0);
        /* --threshold 1 does not lower the configured 2. */
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 1, &err), 0);
        assert_int_equal(t.threshold, 2);
        pdi_trust_done(&t);
        /* More than there are keys cannot ever be met: refused up front. */
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 3, &err), -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "threshold 3 is more than the 2 trusted key(s)"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_root_write_atomic(&root, PDI_TRUST_THRESHOLD_FILE, "two", 3, 0644), 0);
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 0, &err), -PDI_E_SIGNATURE);
        assert_non_null(strstr(err.msg, "trust-threshold: not a number"));
        assert_int_equal(unlinkat(root.fd, "etc/polkadot-installer/trust-threshold", 0), 0);
}

/* Two different keys under one key id: a signature could not say which one it means. */
static void key_id_clash_refused(void **state)
{
        (void)state;
        struct pdi_minisign_pubkey clash = pk[1];
        memcpy(clash.keyid, pk[0].keyid, sizeof(clash.keyid));
        char *text = NULL;
        assert_int_equal(pdi_minisign_pubkey_format(&clash, "clash", &text), 0);
        assert_int_equal(pdi_root_write_atomic(&root, "/clash.pub", text, strlen(text), 0644), 0);
        free(text);
        char path[256], id[17], want[512];
        snprintf(path, sizeof(path), "%s/clash.pub", tmpl);
        pdi_minisign_keyid_str(pk[0].keyid, id);
        snprintf(want, sizeof(want),
                 "trusted key %s: key id %s is also used by a different key in " PDI_TRUST_KEYS_DIR
                 "/a-again.pub",
                 path, id);
        char *extra[] = {path};
        struct pdi_trust t;
        struct pdi_error err = {0};
        assert_int_equal(pdi_trust_load(&t, &root, extra, 1, 0, &err), -PDI_E_SIGNATURE);
        assert_string_equal(err.msg, want);
        assert_int_equal(t.n_keys, 0);
}

/* More *.pub files than keys can be trusted is refused, never cut short at some readdir
 * position (which would drop a trusted key depending on directory order). */
static void too_many_key_files(void **state)
{
        (void)state;
        char name[128];
        struct pdi_trust t;
        struct pdi_error err = {0};
        /* 3 in setup + 61 = 64 files, all of two keys: fine. */
        for (int i = 0; i < PDI_TRUST_MAX_KEYS - 3; i++) {
                snprintf(name, sizeof(name), PDI_TRUST_KEYS_DIR "/k%02d.pub", i);
                write_pub(name, i % 2);
        }
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 0, &err), 0);
        assert_int_equal(t.n_keys, 2);
        pdi_trust_done(&t);
        /* A 65th file, whatever its place in the directory, refuses the whole set. */
        write_pub(PDI_TRUST_KEYS_DIR "/zz.pub", 2);
        assert_int_equal(pdi_trust_load(&t, &root, NULL, 0, 0, &err), -PDI_E_SIGNATURE);
        assert_string_equal(err.msg, PDI_TRUST_KEYS_DIR
                            ": more than 64 *.pub files; at most 64 keys can be trusted");
        assert_int_equal(t.n_keys, 0);
        _cleanup_close_ int dfd =
            pdi_root_open(&root, PDI_TRUST_KEYS_DIR, O_RDONLY | O_DIRECTORY, 0);
        assert_true(dfd >= 0);
        for (int i = 0; i < PDI_TRUST_MAX_KEYS - 3; i++) {
                snprintf(name, sizeof(name), "k%02d.pub", i);
                assert_int_equal(unlinkat(dfd, name, 0), 0);
        }
        assert_int_equal(unlinkat(dfd, "zz.pub", 0), 0);
}

/* A key file's path names it in messages and in --json: it must be UTF-8. */
static void key_path_not_utf8(void **state)
{
        (void)state;
        char path[256];
        snprintf(path, sizeof(path), "%s/caf\xe9.pub", tmpl);
        write_pub("/caf\xe9.pub", 0);
        char want[512];
        snprintf(want, sizeof(want), "trusted key %s/caf…: the path is not valid UTF-8 (byte %zu)",
                 tmpl, strlen(tmpl) + 4);
        char *extra[] = {path};
        struct pdi_trust t;
        struct pdi_error err = {0};
        assert_int_equal(pdi_trust_load(&t, &root, extra, 1, 0, &err), -PDI_E_SIGNATURE);
        assert_string_equal(err.msg, want);
}

static void sig_names(void **state)
{
        (void)state;
        char *a = pdi_trust_sig_name("m.json", 0), *b = pdi_trust_sig_name("m.json", 1);
        assert_string_equal(a, "m.json.minisig");
        assert_string_equal(b, "m.json.minisig.2");
        free(a);
        free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(loads_keys_once),
            cmocka_unit_test(threshold_counts_distinct_keys),
            cmocka_unit_test(untrusted_and_bad_signatures),
            cmocka_unit_test(threshold_file_and_limits),
            cmocka_unit_test(key_id_clash_refused),
            cmocka_unit_test(too_many_key_files),
            cmocka_unit_test(key_path_not_utf8),
            cmocka_unit_test(sig_names),
        };
        return cmocka_run_group_tests(tests, setup, testroot_group_teardown);
}
