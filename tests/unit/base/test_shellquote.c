/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/base/shellquote.c: the forms it picks, and that bash reads every
 * quoted word back byte for byte without running anything (a real bash, in a child). */
#include "base/shellquote.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

static void expect_quote(const char *word, const char *want)
{
        char *q = pdi_shell_quote(word);
        assert_non_null(q);
        assert_string_equal(q, want);
        free(q);
}

static void safe_words_stay(void **state)
{
        (void)state;
        expect_quote("/opt/polkadot/releases/1.2.3.partial",
                     "/opt/polkadot/releases/1.2.3.partial");
        expect_quote("https://r.example:8443/p/a,b@c%20+d=e",
                     "https://r.example:8443/p/a,b@c%20+d=e");
        expect_quote("--root=/srv/image_1", "--root=/srv/image_1");
}

static void single_quotes(void **state)
{
        (void)state;
        expect_quote("", "''");
        expect_quote("a b", "'a b'");
        expect_quote("a';id>F;'", "'a'\\'';id>F;'\\'''");
        expect_quote("$(touch x)`id`", "'$(touch x)`id`'");
        expect_quote("~root", "'~root'");
        expect_quote("*", "'*'");
        expect_quote("a\\b", "'a\\b'");
}

static void dollar_quotes(void **state)
{
        (void)state;
        expect_quote("a\nb", "$'a\\x0ab'");
        expect_quote("\x1b[2J'\\", "$'\\x1b[2J\\'\\\\'");
        expect_quote("Z\xc3\xbcrich", "$'Z\\xc3\\xbcrich'");
        expect_quote("\x01"
                     "f",
                     "$'\\x01f'"); /* two hex digits always: \x01 then f */
}

static char *read_all(FILE *f)
{
        char *out = NULL;
        size_t cap = 0;
        FILE *mem = open_memstream(&out, &cap);
        assert_non_null(mem);
        for (int c; (c = fgetc(f)) != EOF;)
                fputc(c, mem);
        fclose(mem);
        return out;
}

/* A script `printf %s <quoted word>`, run by bash in a scratch directory, prints the word
 * back and creates nothing (every hostile word tries to). */
static void bash_reads_back(const char *word)
{
        char dir[] = "/tmp/pdi-shellquote.XXXXXX", *script = NULL, *cmd = NULL;
        assert_non_null(mkdtemp(dir));
        char *q = pdi_shell_quote(word);
        assert_non_null(q);
        assert_true(asprintf(&script, "%s/script", dir) > 0);
        FILE *f = fopen(script, "we");
        assert_non_null(f);
        fprintf(f, "printf %%s %s\n", q);
        fclose(f);
        assert_true(asprintf(&cmd, "cd %s && bash script", dir) > 0);
        f = popen(cmd, "r");
        assert_non_null(f);
        char *out = read_all(f);
        assert_int_equal(pclose(f), 0);
        assert_string_equal(out, word);
        assert_int_equal(unlink(script), 0);
        assert_int_equal(rmdir(dir), 0); /* empty: nothing else was created */
        free(out);
        free(cmd);
        free(script);
        free(q);
}

static void round_trip_in_bash(void **state)
{
        (void)state;
        const char *hostile[] = {
            "plain",
            "a b",
            "a';touch canary;'",
            "$(touch canary)",
            "`touch canary`",
            "x;touch canary",
            "a\ntouch canary",
            "\"$HOME\"",
            "it's",
            "'",
            "''\\'",
            "tab\there",
            "\x1b]0;t\x07",
            "Z\xc3\xbcrich",
            "a\\",
            "-n",
            "%s%n",
            "!!",
        };
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++)
                bash_reads_back(hostile[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(safe_words_stay),
            cmocka_unit_test(single_quotes),
            cmocka_unit_test(dollar_quotes),
            cmocka_unit_test(round_trip_in_bash),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
