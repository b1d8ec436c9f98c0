/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/diff.c: the unified diff (hunks with three lines of context, one
 * change far from another in hunks of their own, an absent side as /dev/null, a last line
 * without its newline) and Ansible's diff list, which names only files that differ. */
#include "base/diff.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

static struct pdi_root root;
static char dir[] = "/tmp/pdi-test-diff.XXXXXX";

static int setup(void **state)
{
        (void)state;
        assert_non_null(mkdtemp(dir));
        return pdi_root_init(&root, dir);
}

static int teardown(void **state)
{
        (void)state;
        char cmd[64];
        pdi_root_done(&root);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd);
}

static char *printed(const struct pdi_diff *d)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(pdi_diff_print(d, f), 0);
        fclose(f);
        return buf;
}

static void one_change_with_context(void **state)
{
        (void)state;
        struct pdi_diff d = {0};
        struct pdi_diff_file *f = pdi_diff_track(&d, &root, "/etc/a"); /* absent */
        assert_non_null(f);
        assert_null(f->before);
        f->before = strdup("1\n2\n3\n4\nname=x\n6\n7\n8\n9\n");
        assert_int_equal(
            pdi_diff_set_after(&d, &root, "/etc/a", "1\n2\n3\n4\nname=y\n6\n7\n8\n9\n"), 0);
        assert_true(pdi_diff_changed(&d));
        char *out = printed(&d);
        char want[512];
        snprintf(
            want, sizeof(want),
            "--- %s/etc/a\n+++ %s/etc/a\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-name=x\n+name=y\n 6\n 7\n"
            " 8\n",
            dir, dir);
        assert_string_equal(out, want);
        free(out);
        pdi_diff_done(&d);
}

static void far_changes_are_two_hunks(void **state)
{
        (void)state;
        struct pdi_diff d = {0};
        assert_non_null(pdi_diff_track(&d, &root, "/b"));
        d.files[0].before = strdup("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n");
        pdi_diff_set_after(&d, &root, "/b", "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n");
        char *out = printed(&d);
        assert_non_null(strstr(out, "@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"));
        assert_non_null(strstr(out, "@@ -9,4 +9,4 @@\n i\n j\n k\n-l\n+L\n"));
        free(out);
        pdi_diff_done(&d);
}

static void absent_sides_and_open_last_line(void **state)
{
        (void)state;
        /* Written: before absent. */
        struct pdi_diff d = {0};
        assert_non_null(pdi_diff_track(&d, &root, "/new"));
        pdi_diff_set_after(&d, &root, "/new", "x\ny");
        char *out = printed(&d);
        assert_non_null(strstr(out, "--- /dev/null\n+++ "));
        assert_non_null(strstr(out, "@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"));
        free(out);
        /* Removed: after absent; the same text on both sides is no change at all. */
        free(d.files[0].before);
        d.files[0].before = strdup("x\n");
        pdi_diff_set_after(&d, &root, "/new", NULL);
        out = printed(&d);
        assert_non_null(strstr(out, "+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n"));
        free(out);
        pdi_diff_set_after(&d, &root, "/new", "x\n");
        assert_false(pdi_diff_changed(&d));
        pdi_diff_done(&d);
}

static void ansible_list(void **state)
{
        (void)state;
        struct pdi_diff d = {0};
        assert_non_null(pdi_diff_track(&d, &root, "/same"));
        assert_int_equal(pdi_diff_keep(&d), 0); /* absent both sides: no entry */
        pdi_diff_set_after(&d, &root, "/changed", "new\n");
        json_t *list = pdi_diff_to_json(&d);
        assert_int_equal(json_array_size(list), 1);
        json_t *e = json_array_get(list, 0);
        char want[128];
        snprintf(want, sizeof(want), "%s/changed", dir);
        assert_string_equal(json_string_value(json_object_get(e, "before_header")), want);
        assert_string_equal(json_string_value(json_object_get(e, "after_header")), want);
        assert_string_equal(json_string_value(json_object_get(e, "before")), "");
        assert_string_equal(json_string_value(json_object_get(e, "after")), "new\n");
        assert_int_equal(json_object_size(e), 4);
        json_decref(list);
        pdi_diff_done(&d);
}

/* A file read from the root: the before side is its text now; read_after reads it again. */
static void before_and_after_from_the_root(void **state)
{
        (void)state;
        struct pdi_diff d = {0};
        assert_int_equal(pdi_root_write_atomic(&root, "/f", "one\n", 4, 0644), 0);
        struct pdi_diff_file *f = pdi_diff_track(&d, &root, "/f");
        assert_string_equal(f->before, "one\n");
        assert_ptr_equal(pdi_diff_track(&d, &root, "/f"), f); /* tracked once */
        assert_int_equal(pdi_root_write_atomic(&root, "/f", "two\n", 4, 0644), 0);
        assert_int_equal(pdi_diff_read_after(&d, &root), 0);
        assert_string_equal(d.files[0].after, "two\n");
        assert_true(pdi_diff_changed(&d));
        pdi_diff_done(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(one_change_with_context),
            cmocka_unit_test(far_changes_are_two_hunks),
            cmocka_unit_test(absent_sides_and_open_last_line),
            cmocka_unit_test(ansible_list),
            cmocka_unit_test(before_and_after_from_the_root),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
