/* SPDX-License-Identifier: Apache-2.0 */
/* polkadot-installer: picks the subcommand and turns its result into output and an exit
 * code. Everything else lives in the library (the installer/ modules). */
#include "cli/cli.h"
#include "base/encoding.h"
#include "base/log.h"

#include <locale.h>

#ifndef PDI_VERSION
#define PDI_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: %s COMMAND [OPTIONS]\n\n"
                "Installs, verifies and audits signed Polkadot releases (the node and its PVF\n"
                "workers, always together and always the same version).\n\n"
                "Commands:\n",
                PDI_PROGRAM);
        pdi_commands_list(f);
        fprintf(f,
                "  %-16s %s\n\n"
                "Run '%s COMMAND --help' or '%s help COMMAND' for a command's options and "
                "examples.\n\n" PDI_COMMON_HELP
                "  --version           print the version\n\n" PDI_EXIT_HELP,
                "help COMMAND", "show a command's help", PDI_PROGRAM, PDI_PROGRAM);
}

/* --json's "msg" when the command set none: what happened, in one line. */
static json_t *success_msg(const struct pdi_command *cmd, json_t *o)
{
        bool changed = json_is_true(json_object_get(o, "changed"));
        return json_sprintf("%s: %s", cmd ? cmd->name : PDI_PROGRAM,
                            changed ? "changed" : "nothing changed");
}

/* A run refused while parsing (a bad value before --json was reached) still owes --json
 * its one object: the words are looked at as they are. */
static bool json_asked(const struct pdi_ctx *ctx)
{
        for (char **a = ctx->argv; a && *a && !streq(*a, "--"); a++)
                if (streq(*a, "--json"))
                        return true;
        return false;
}

static int finish(struct pdi_ctx *ctx, const struct pdi_command *cmd, int r)
{
        if (r < 0 && !ctx->json)
                ctx->json = json_asked(ctx);
        if (r == -PDI_E_HELP_SHOWN)
                r = 0;
        if (r < 0 && !ctx->err.msg[0])
                snprintf(ctx->err.msg, sizeof(ctx->err.msg), "%s: %s", cmd ? cmd->name : "",
                         pdi_strerror(r));
        if (r < 0)
                log_error("%s", ctx->err.msg);
        if (r == -PDI_E_USAGE)
                fprintf(stderr, "Try '%s %s%s--help'.\n", PDI_PROGRAM, cmd ? cmd->name : "",
                        cmd ? " " : "");
        if (ctx->json) {
                json_t *o = ctx->out ? ctx->out : json_object();
                json_object_set_new(o, "failed", json_boolean(r < 0));
                if (!json_object_get(o, "changed"))
                        json_object_set_new(o, "changed", json_false());
                /* A path the operator typed may be in any encoding; JSON is UTF-8. */
                pdi_utf8_sanitize(ctx->err.msg);
                if (r < 0)
                        json_object_set_new(o, "msg", json_string(ctx->err.msg));
                else if (!json_object_get(o, "msg"))
                        json_object_set_new(o, "msg", success_msg(cmd, o));
                json_object_set_new(o, "exit_code", json_integer(pdi_exit_code(r)));
                json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
                fputc('\n', stdout);
                json_decref(o);
                ctx->out = NULL;
        }
        return pdi_exit_code(r);
}

/* "manifest", "manifest --help", "help manifest": the first word of two-word commands.
 * Help exits 0; anything else after the word is a usage error naming it. */
static int group_usage(int argc, char **argv, bool help)
{
        const char *w = argv[1];
        bool asked = help || (argc > 2 && (streq(argv[2], "--help") || streq(argv[2], "-h")));
        if (!asked) {
                if (argc > 2)
                        log_error("%s: unknown command '%s %s'; run '%s %s --help' for the list", w,
                                  w, argv[2], PDI_PROGRAM, w);
                else
                        log_error("%s: a command must follow; run '%s %s --help' for the list", w,
                                  PDI_PROGRAM, w);
                return PDI_EXIT_USAGE;
        }
        printf("Usage: %s %s COMMAND [OPTIONS]\n\nCommands:\n", PDI_PROGRAM, w);
        pdi_command_group(w, stdout);
        printf("\nRun '%s %s COMMAND --help' for a command's options and examples.\n", PDI_PROGRAM,
               w);
        return PDI_EXIT_OK;
}

int main(int argc, char **argv)
{
        setlocale(LC_ALL, "C");
        struct pdi_ctx ctx = {.root.fd = -1};
        pdi_log_setup(PDI_LOG_NOTICE, false);

        if (argc < 2) {
                usage(stderr);
                return PDI_EXIT_USAGE;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                usage(stdout);
                return PDI_EXIT_OK;
        }
        if (streq(argv[1], "--version")) {
                printf("%s %s\n", PDI_PROGRAM, PDI_VERSION);
                return PDI_EXIT_OK;
        }
        int words = 0;
        if (streq(argv[1], "help")) {
                const struct pdi_command *c =
                    argc > 2 ? pdi_command_find(argc - 2, argv + 2, &words) : NULL;
                if (argc == 2) {
                        usage(stdout);
                        return PDI_EXIT_OK;
                }
                if (!c && argc == 3 && pdi_command_group(argv[2], NULL))
                        return group_usage(argc - 1, argv + 1, true);
                if (!c) {
                        log_error("help: unknown command '%s'", argv[2]);
                        return PDI_EXIT_USAGE;
                }
                pdi_command_help(c, stdout);
                return PDI_EXIT_OK;
        }
        const struct pdi_command *cmd = pdi_command_find(argc - 1, argv + 1, &words);
        if (!cmd && pdi_command_group(argv[1], NULL))
                return group_usage(argc, argv, false);
        if (!cmd) {
                log_error("unknown command '%s'; run '%s --help' for the list", argv[1],
                          PDI_PROGRAM);
                return PDI_EXIT_USAGE;
        }
        ctx.out = json_object();
        ctx.argv = argv + words;
        opterr = 0; /* we report bad options ourselves, once, naming the command */
        /* The command sees its own name as argv[0], options after it. */
        int r = cmd->run(&ctx, cmd, argc - words, argv + words);
        int code = finish(&ctx, cmd, r);
        json_decref(ctx.out);
        if (ctx.root_open)
                pdi_root_done(&ctx.root);
        return code;
}
