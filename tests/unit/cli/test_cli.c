/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/cli/cli.c: number parsing, the command table lookup, and the table-driven
 * option parser with its usage errors naming the option as typed. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const struct pdi_command fake_cmd = {
    .name = "frob",
    .summary = "frobnicate",
    .usage = "frob [--manifest X] [--dry-run]",
    .help = "",
};

static void uint_parsing(void **state)
{
        (void)state;
        static const char *const junk[] = {"", "-1", "+1", " 1", "1x", "0x10", "1.5", "abc"};
        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                struct pdi_ctx ctx = {.root.fd = -1};
                unsigned long long v = 77;
                assert_int_equal(pdi_cli_uint(&ctx, "--settle", junk[i], 100, &v), -PDI_E_USAGE);
                assert_non_null(strstr(ctx.err.msg, "--settle: '"));
                assert_non_null(strstr(ctx.err.msg, junk[i]));
                assert_non_null(strstr(ctx.err.msg, "is not a number"));
                assert_int_equal(v, 77); /* untouched on failure */
        }
        struct pdi_ctx ctx = {.root.fd = -1};
        unsigned long long v = 0;
        assert_int_equal(pdi_cli_uint(&ctx, "--settle", NULL, 100, &v), -PDI_E_USAGE);
        memset(&ctx.err, 0, sizeof(ctx.err));
        assert_int_equal(pdi_cli_uint(&ctx, "--settle", "0", 100, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(pdi_cli_uint(&ctx, "--settle", "100", 100, &v), 0);
        assert_int_equal(v, 100);
        assert_int_equal(pdi_cli_uint(&ctx, "--settle", "101", 100, &v), -PDI_E_USAGE);
        assert_string_equal(ctx.err.msg, "--settle: '101' is not a number from 0 to 100");
        assert_int_equal(v, 100);
        /* Overflow of unsigned long long itself, and the full range. */
        memset(&ctx.err, 0, sizeof(ctx.err));
        assert_int_equal(pdi_cli_uint(&ctx, "--n", "18446744073709551616", ULLONG_MAX, &v),
                         -PDI_E_USAGE);
        assert_non_null(strstr(ctx.err.msg, "'18446744073709551616' is not a number from 0 to "
                                            "18446744073709551615"));
        assert_int_equal(pdi_cli_uint(&ctx, "--n", "18446744073709551615", ULLONG_MAX, &v), 0);
        assert_true(v == ULLONG_MAX);
}

static void command_lookup(void **state)
{
        (void)state;
        int words = 0;
        char *a1[] = {"status", "--json"};
        const struct pdi_command *c = pdi_command_find(2, a1, &words);
        assert_non_null(c);
        assert_string_equal(c->name, "status");
        assert_int_equal(words, 1);

        char *a2[] = {"manifest", "create", "--out", "x"};
        c = pdi_command_find(4, a2, &words);
        assert_non_null(c);
        assert_string_equal(c->name, "manifest create");
        assert_int_equal(words, 2);

        words = 9;
        char *a3[] = {"manifest"}; /* first word alone is not a command */
        assert_null(pdi_command_find(1, a3, &words));
        char *a4[] = {"manifest", "remove"};
        assert_null(pdi_command_find(2, a4, &words));
        char *a5[] = {"manifes", "create"}; /* a prefix of the first word is not it */
        assert_null(pdi_command_find(2, a5, &words));
        char *a6[] = {"frobnicate"};
        assert_null(pdi_command_find(1, a6, &words));
        char *a7[] = {"statu"};
        assert_null(pdi_command_find(1, a7, &words));
        assert_null(pdi_command_find(0, a1, &words));
        assert_int_equal(words, 9); /* untouched when nothing is found */
}

struct parsed {
        const char *manifest;
        bool dry_run;
        struct pdi_ctx ctx;
};

static int parse(struct parsed *p, int argc, char **argv)
{
        *p = (struct parsed){.ctx = {.root.fd = -1, .argv = argv}};
        const struct pdi_cli_opt opts[] = {
            {"manifest", &p->manifest, NULL},
            {"dry-run", NULL, &p->dry_run},
        };
        opterr = 0; /* as main.c: the parser reports bad options itself */
        return pdi_cli_parse(&p->ctx, &fake_cmd, argc, argv, opts, ELEMENTSOF(opts));
}

static void parse_table(void **state)
{
        (void)state;
        struct parsed p;
        char *a1[] = {"frob", "--manifest", "m.json", "--dry-run", "--json", "-y", NULL};
        assert_int_equal(parse(&p, 6, a1), 0);
        assert_string_equal(p.manifest, "m.json");
        assert_true(p.dry_run);
        assert_true(p.ctx.json);
        assert_true(p.ctx.yes);
        /* -y takes the defaults: never a prompt, but not --non-interactive's refusal of a
         * missing required answer (issue 12 §4). */
        assert_false(p.ctx.non_interactive);
        assert_true(pdi_ctx_no_prompt(&p.ctx));

        /* Parsing again starts afresh (optind reset inside). */
        char *a2[] = {"frob", "--manifest=other.json", "--root", "/srv/r", NULL};
        assert_int_equal(parse(&p, 4, a2), 0);
        assert_string_equal(p.manifest, "other.json");
        assert_false(p.dry_run);
        assert_string_equal(p.ctx.root_path, "/srv/r");
        assert_false(p.ctx.json);

        char *a3[] = {"frob", "--manifest", "m", "--non-interactive", NULL};
        assert_int_equal(parse(&p, 4, a3), 0);
        assert_true(p.ctx.non_interactive);
        assert_false(p.ctx.yes);
        char *a4[] = {"frob", "--manifest", "m", "--non-interactive", "-y", NULL};
        assert_int_equal(parse(&p, 5, a4), 0);
        assert_true(p.ctx.yes); /* with both, -y's defaults apply */
        assert_false(p.ctx.non_interactive);
}

static void parse_errors(void **state)
{
        (void)state;
        struct parsed p;
        char *a1[] = {"frob", "--dry-run", "--bogus", NULL};
        assert_int_equal(parse(&p, 3, a1), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '--bogus'");
        assert_int_equal(p.ctx.err.code, -PDI_E_USAGE);

        char *a2[] = {"frob", "-x", NULL};
        assert_int_equal(parse(&p, 2, a2), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '-x'");

        /* The unknown one named even after a known long option that took a value. */
        char *a3[] = {"frob", "--manifest", "m", "--nope=1", NULL};
        assert_int_equal(parse(&p, 4, a3), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '--nope=1'");

        char *a4[] = {"frob", "--manifest", NULL};
        assert_int_equal(parse(&p, 2, a4), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: option '--manifest' needs a value");

        /* A relative --root is taken from the current directory; an empty one is refused. */
        char cwd[PATH_MAX], want[PATH_MAX + 16];
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        snprintf(want, sizeof(want), "%s%simage", cwd, strcmp(cwd, "/") ? "/" : "");
        char *a5[] = {"frob", "--root", "./image", NULL};
        assert_int_equal(parse(&p, 3, a5), 0);
        assert_string_equal(p.ctx.root_path, want);
        char *a5b[] = {"frob", "--root", "", NULL};
        assert_int_equal(parse(&p, 3, a5b), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: --root needs a directory, got ''");

        char *a6[] = {"frob", "stray", "--dry-run", NULL};
        assert_int_equal(parse(&p, 3, a6), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unexpected argument 'stray'");
        assert_true(p.dry_run); /* options after it were still read (GNU permutation) */

        /* A flag given a value is refused, naming what was typed. */
        char *a7[] = {"frob", "--dry-run=yes", NULL};
        assert_int_equal(parse(&p, 2, a7), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '--dry-run=yes'");
        /* glibc reports a common flag given a value with its short letter; the word typed is
         * named, not "-q". */
        char *a8[] = {"frob", "--quiet=1", NULL};
        assert_int_equal(parse(&p, 2, a8), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '--quiet=1'");
        char *a11[] = {"frob", "--verb=2", NULL}; /* an abbreviation, as getopt allows */
        assert_int_equal(parse(&p, 2, a11), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '--verb=2'");
        /* An unknown letter inside a bundle is named alone. */
        char *a9[] = {"frob", "--manifest=m", "-zq", NULL};
        assert_int_equal(parse(&p, 3, a9), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '-z'");
        char *a10[] = {"frob", "-qz", NULL};
        assert_int_equal(parse(&p, 2, a10), -PDI_E_USAGE);
        assert_string_equal(p.ctx.err.msg, "frob: unknown option '-z'");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(uint_parsing),
            cmocka_unit_test(command_lookup),
            cmocka_unit_test(parse_table),
            cmocka_unit_test(parse_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
