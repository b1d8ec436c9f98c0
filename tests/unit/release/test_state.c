/* SPDX-License-Identifier: Apache-2.0 */
#include "release/state.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testroot.h"

static struct pdi_manifest manifest(uint64_t seq)
{
        return (struct pdi_manifest){.product = "polkadot", .version = "1.16.0", .sequence = seq};
}

static const char sha_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char sha_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void empty_then_accept_and_persist(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        assert_int_equal(pdi_state_highest_sequence(&st, "polkadot", NULL), 0);
        struct pdi_manifest m = manifest(42);
        assert_int_equal(pdi_state_check_sequence(&st, &m, sha_a, false, &err), 0);
        assert_int_equal(pdi_state_accept(&st, &m, sha_a), 0);
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        pdi_state_done(&st);

        char path[256];
        struct stat s;
        snprintf(path, sizeof(path), "%s%s", tmpl, PDI_STATE_FILE);
        assert_int_equal(stat(path, &s), 0);
        assert_int_equal(s.st_mode & 07777, 0600);

        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        const char *sha = NULL;
        assert_int_equal(pdi_state_highest_sequence(&st, "polkadot", &sha), 42);
        assert_string_equal(sha, sha_a);
        pdi_state_done(&st);
}

static void lower_and_equal_sequences(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        struct pdi_manifest lower = manifest(41), same = manifest(42), higher = manifest(43);
        assert_int_equal(pdi_state_check_sequence(&st, &lower, sha_a, false, &err), -PDI_E_POLICY);
        assert_non_null(strstr(err.msg, "sequence 41 is lower than the highest accepted "
                                        "sequence 42"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_state_check_sequence(&st, &lower, sha_a, true, &err), 0);
        assert_int_equal(pdi_state_check_sequence(&st, &same, sha_a, false, &err), 0);
        assert_int_equal(pdi_state_check_sequence(&st, &same, sha_b, false, &err), -PDI_E_POLICY);
        assert_non_null(strstr(err.msg, "different content"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_state_check_sequence(&st, &higher, sha_b, false, &err), 0);
        /* Accepting a lower one (allowed downgrade) never lowers the mark. */
        assert_int_equal(pdi_state_accept(&st, &lower, sha_b), 0);
        assert_int_equal(pdi_state_highest_sequence(&st, "polkadot", NULL), 42);
        /* Products are independent. */
        struct pdi_manifest other = {.product = "kusama-tools", .version = "1.0.0", .sequence = 1};
        assert_int_equal(pdi_state_check_sequence(&st, &other, sha_b, false, &err), 0);
        pdi_state_done(&st);
}

static void damaged_state_is_an_error(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        assert_int_equal(pdi_root_write_atomic(&root, PDI_STATE_FILE, "{\"schema\": 1", 12, 0600),
                         0);
        assert_int_equal(pdi_state_load(&root, &st, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "damaged"));
        memset(&err, 0, sizeof(err));
        assert_int_equal(pdi_root_write_atomic(&root, PDI_STATE_FILE, "[]", 2, 0600), 0);
        assert_int_equal(pdi_state_load(&root, &st, &err), -PDI_E_FAILED);
}

/* An empty state: no state file (the tests before may have left a damaged one). */
static void fresh(struct pdi_state *st)
{
        char path[256];
        struct pdi_error err = {0};
        snprintf(path, sizeof(path), "%s%s", tmpl, PDI_STATE_FILE);
        unlink(path);
        assert_int_equal(pdi_state_load(&root, st, &err), 0);
}

/* current/previous: a new current moves the old one to previous; the same again does not;
 * previous can be set and dropped; the tree is followed with a "recover" entry. */
static void current_previous_and_follow_tree(void **state)
{
        (void)state;
        struct pdi_state st;
        fresh(&st);
        assert_null(pdi_state_current(&st, "polkadot"));
        assert_int_equal(pdi_state_set_current(&st, "polkadot", "1.0.0"), 0);
        assert_null(pdi_state_previous(&st, "polkadot"));
        assert_int_equal(pdi_state_set_current(&st, "polkadot", "2.0.0"), 0);
        assert_string_equal(pdi_state_previous(&st, "polkadot"), "1.0.0");
        assert_int_equal(pdi_state_set_current(&st, "polkadot", "2.0.0"), 0);
        assert_string_equal(pdi_state_previous(&st, "polkadot"), "1.0.0");
        assert_int_equal(pdi_state_set_previous(&st, "polkadot", NULL), 0);
        assert_null(pdi_state_previous(&st, "polkadot"));

        assert_int_equal(pdi_state_follow_tree(&st, "polkadot", "2.0.0"), 0);
        assert_int_equal(pdi_state_follow_tree(&st, "polkadot", NULL), 0);
        assert_int_equal(pdi_state_follow_tree(&st, "polkadot", "3.0.0"), 1);
        assert_string_equal(pdi_state_current(&st, "polkadot"), "3.0.0");
        assert_string_equal(pdi_state_previous(&st, "polkadot"), "2.0.0");
        json_t *h = json_object_get(
            json_object_get(json_object_get(st.root, "instances"), "polkadot"), "history");
        json_t *last = json_array_get(h, json_array_size(h) - 1);
        assert_string_equal(json_string_value(json_object_get(last, "action")), "recover");
        assert_string_equal(json_string_value(json_object_get(last, "from")), "2.0.0");
        assert_string_equal(json_string_value(json_object_get(last, "to")), "3.0.0");
        pdi_state_done(&st);
}

/* The history keeps the last 200 entries, oldest dropped first. */
static void history_is_capped(void **state)
{
        (void)state;
        struct pdi_state st;
        fresh(&st);
        char v[16];
        for (int i = 0; i < 205; i++) {
                snprintf(v, sizeof(v), "%d.0.0", i);
                assert_int_equal(
                    pdi_state_history_add(&st, "polkadot", "upgrade", NULL, v, "ok", NULL), 0);
        }
        json_t *h = json_object_get(
            json_object_get(json_object_get(st.root, "instances"), "polkadot"), "history");
        assert_int_equal(json_array_size(h), 200);
        assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "to")),
                            "5.0.0");
        pdi_state_done(&st);
}

/* The pending switch survives a save and load, is cleared, and a damaged record (no action,
 * to or phase) does not count as one. Failures are kept by version. */
static void pending_and_failures(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        fresh(&st);
        assert_null(pdi_state_pending(&st, "polkadot"));
        pdi_state_clear_pending(&st, "polkadot"); /* nothing to clear: fine */
        assert_int_equal(
            pdi_state_set_pending(&st, "polkadot", "upgrade", "1.0.0", "2.0.0", NULL, "switch"), 0);
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        pdi_state_done(&st);
        assert_int_equal(pdi_state_load(&root, &st, &err), 0);
        json_t *p = pdi_state_pending(&st, "polkadot");
        assert_non_null(p);
        assert_string_equal(json_string_value(json_object_get(p, "from")), "1.0.0");
        assert_string_equal(json_string_value(json_object_get(p, "to")), "2.0.0");
        assert_string_equal(json_string_value(json_object_get(p, "phase")), "switch");
        assert_true(json_is_null(json_object_get(p, "previous")));
        json_object_del(p, "phase");
        assert_null(pdi_state_pending(&st, "polkadot"));
        assert_int_equal(
            pdi_state_set_pending(&st, "polkadot", "rollback", NULL, "1.0.0", "2.0.0", "fallback"),
            0);
        assert_non_null(pdi_state_pending(&st, "polkadot"));
        pdi_state_clear_pending(&st, "polkadot");
        assert_null(pdi_state_pending(&st, "polkadot"));

        assert_null(pdi_state_failure(&st, "polkadot", "3.0.0"));
        assert_int_equal(pdi_state_record_failure(&st, "polkadot", "3.0.0", "exited at start"), 0);
        json_t *f = pdi_state_failure(&st, "polkadot", "3.0.0");
        assert_string_equal(json_string_value(json_object_get(f, "reason")), "exited at start");
        assert_null(pdi_state_failure(&st, "polkadot", "2.0.0"));
        pdi_state_clear_failure(&st, "polkadot", "3.0.0");
        assert_null(pdi_state_failure(&st, "polkadot", "3.0.0"));
        pdi_state_clear_failure(&st, "polkadot", "3.0.0"); /* nothing left: fine */
        pdi_state_done(&st);
}

/* The floor binds the instance whatever the product; a product change is refused unless
 * asked for; raising never lowers. */
static void floor_across_products(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        fresh(&st);
        struct pdi_manifest dot = manifest(5);
        struct pdi_manifest para = {
            .product = "polkadot-parachain", .version = "2.0.0", .sequence = 1};
        assert_int_equal(pdi_state_record_release(&st, "polkadot", &dot, sha_a), 0);
        assert_int_equal(pdi_state_accept(&st, &dot, sha_a), 0);
        assert_int_equal(pdi_state_floor(&st, "polkadot"), 5);
        assert_int_equal(pdi_state_floor(&st, "kusama"), 0);
        assert_string_equal(pdi_state_product(&st, "polkadot", "1.16.0"), "polkadot");
        assert_int_equal(pdi_state_check_product(&st, "polkadot", "1.16.0", &para, false, &err),
                         -PDI_E_POLICY);
        assert_non_null(strstr(err.msg, "--allow-product-change"));
        assert_non_null(strstr(err.msg, "polkadot-parachain"));
        assert_int_equal(pdi_state_check_product(&st, "polkadot", "1.16.0", &para, true, &err), 0);
        assert_int_equal(pdi_state_check_product(&st, "polkadot", NULL, &para, false, &err), 0);
        /* para's own product has no number: the install's 5 still binds it. */
        assert_int_equal(pdi_state_check_sequence(&st, &para, sha_b, false, &err), 0);
        err = (struct pdi_error){0};
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &para, sha_b, false, &err),
                         -PDI_E_POLICY);
        assert_non_null(strstr(err.msg, "sequence 1 is lower than the highest sequence 5"));
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &para, sha_b, true, &err), 0);
        para.sequence = 5;
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &para, sha_b, false, &err),
                         -PDI_E_POLICY);
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &dot, sha_a, false, &err), 0);
        para.sequence = 7;
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &para, sha_b, false, &err), 0);
        assert_int_equal(pdi_state_raise_floor(&st, "polkadot", &para, sha_b), 0);
        /* The old release record forgotten (pruned): the floor stays 7, and never lowers. */
        pdi_state_forget_release(&st, "polkadot", "1.16.0");
        assert_int_equal(pdi_state_raise_floor(&st, "polkadot", &dot, sha_a), 0);
        assert_int_equal(pdi_state_floor(&st, "polkadot"), 7);
        dot.sequence = 6;
        assert_int_equal(pdi_state_check_floor(&st, "polkadot", &dot, sha_a, false, &err),
                         -PDI_E_POLICY);
        pdi_state_done(&st);
}

static const char *installed_at(const struct pdi_state *st)
{
        json_t *inst = json_object_get(json_object_get(st->root, "instances"), "polkadot");
        json_t *rec = json_object_get(json_object_get(inst, "releases"), "1.16.0");
        return json_string_value(json_object_get(rec, "installed_at"));
}

static struct timespec state_mtime(void)
{
        struct stat s;
        assert_int_equal(stat(testroot_at(PDI_STATE_FILE), &s), 0);
        return s.st_mtim;
}

/* A run that changes nothing leaves state.json as it was, mtime included: the same manifest
 * recorded again keeps its installed_at, and an identical save writes nothing (unless the
 * file is not 0600). Another manifest of the same version is a new install. */
static void unchanged_state_is_not_rewritten(void **state)
{
        (void)state;
        struct pdi_state st;
        struct pdi_error err = {0};
        struct pdi_manifest m = manifest(9);
        const struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
        fresh(&st);
        assert_int_equal(pdi_state_record_release(&st, "polkadot", &m, sha_a), 0);
        json_object_set_new(
            json_object_get(json_object_get(json_object_get(st.root, "instances"), "polkadot"),
                            "releases"),
            "1.16.0",
            json_pack("{s:s, s:s, s:[]}", "manifest_sha256", sha_a, "installed_at",
                      "2001-01-01T00:00:00Z", "files"));
        assert_int_equal(pdi_state_record_release(&st, "polkadot", &m, sha_a), 0);
        assert_string_equal(installed_at(&st), "2001-01-01T00:00:00Z");
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        assert_int_equal(utimensat(AT_FDCWD, testroot_at(PDI_STATE_FILE), old, 0), 0);
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        assert_int_equal(state_mtime().tv_sec, 1000000000);
        assert_int_equal(chmod(testroot_at(PDI_STATE_FILE), 0644), 0);
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        assert_int_not_equal(state_mtime().tv_sec, 1000000000);
        struct stat s;
        assert_int_equal(stat(testroot_at(PDI_STATE_FILE), &s), 0);
        assert_int_equal(s.st_mode & 07777, 0600);

        assert_int_equal(pdi_state_record_release(&st, "polkadot", &m, sha_b), 0);
        assert_string_not_equal(installed_at(&st), "2001-01-01T00:00:00Z");
        assert_int_equal(utimensat(AT_FDCWD, testroot_at(PDI_STATE_FILE), old, 0), 0);
        assert_int_equal(pdi_state_save(&root, &st, &err), 0);
        assert_int_not_equal(state_mtime().tv_sec, 1000000000);
        pdi_state_done(&st);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(empty_then_accept_and_persist),
            cmocka_unit_test(lower_and_equal_sequences),
            cmocka_unit_test(damaged_state_is_an_error),
            cmocka_unit_test(current_previous_and_follow_tree),
            cmocka_unit_test(history_is_capped),
            cmocka_unit_test(pending_and_failures),
            cmocka_unit_test(floor_across_products),
            cmocka_unit_test(unchanged_state_is_not_rewritten),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
