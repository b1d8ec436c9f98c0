#include "state.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(empty_then_accept_and_persist),
            cmocka_unit_test(lower_and_equal_sequences),
            cmocka_unit_test(damaged_state_is_an_error),
        };
        return cmocka_run_group_tests(tests, testroot_group_setup, testroot_group_teardown);
}
