/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: a table of subcommands (one file each, cmd_*.c), the options every
 * command shares, and the context a command runs in. main.c only picks the command. */
#pragma once

#include "base/context.h"

#include <getopt.h>
#include <jansson.h>

#define PDI_PROGRAM "polkadot-installer"

struct pdi_command {
        const char *name; /* may be two words: "manifest create" */
        const char *summary;
        const char *usage;
        const char *help;     /* description and the command's own options */
        const char *examples; /* shown by --help, one per line */
        int (*run)(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv);
};

/* Options every command accepts. Command-specific option values start at PDI_OPT_OWN. */
enum {
        PDI_OPT_ROOT = 0x100,
        PDI_OPT_JSON,
        PDI_OPT_NON_INTERACTIVE,
        PDI_OPT_NO_COLOR,
        PDI_OPT_OWN = 0x200,
};

#define PDI_COMMON_SHORTOPTS ":hqvy"
#define PDI_COMMON_LONGOPTS                                                                        \
        {"help", no_argument, NULL, 'h'}, {"quiet", no_argument, NULL, 'q'},                       \
            {"verbose", no_argument, NULL, 'v'}, {"yes", no_argument, NULL, 'y'},                  \
            {"root", required_argument, NULL, PDI_OPT_ROOT},                                       \
            {"json", no_argument, NULL, PDI_OPT_JSON},                                             \
            {"non-interactive", no_argument, NULL, PDI_OPT_NON_INTERACTIVE},                       \
        {                                                                                          \
                "no-color", no_argument, NULL, PDI_OPT_NO_COLOR                                    \
        }

#define PDI_COMMON_HELP                                                                            \
        "Common options:\n"                                                                        \
        "  --root DIR          operate on the tree under DIR instead of the host (no systemd);\n"  \
        "                      a relative DIR is taken from the current directory\n"               \
        "  --json              print one JSON document on stdout; messages go to stderr\n"         \
        "  -q, --quiet         only warnings and errors\n"                                         \
        "  -v, --verbose       more detail\n"                                                      \
        "  -y, --yes           never prompt; take the defaults, confirm what a prompt would\n"     \
        "  --non-interactive   never prompt and take no default for a required answer (a\n"        \
        "                      first validator's --chain): exit 2 naming it. Without a\n"          \
        "                      terminal on stdin and without -y, every run is this\n"              \
        "  --no-color          no colour (as is a non-empty NO_COLOR)\n"                           \
        "  -h, --help          this help\n"

#define PDI_EXIT_HELP                                                                              \
        "Exit codes: 0 done, 1 failed, 2 usage error, 3 refused by verification or policy,\n"      \
        "            4 audit found error-level problems.\n"

/* Handle one option that is not the command's own. Returns 0 if consumed,
 * -PDI_E_HELP_SHOWN after printing help, -PDI_E_USAGE (message in ctx->err) otherwise. */
int pdi_cli_common(struct pdi_ctx *ctx, const struct pdi_command *cmd, int c, const char *arg);

/* Called after option parsing: applies -q/-v/--no-color and checks that no positional
 * arguments beyond max_positional remain. */
int pdi_cli_done(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                 int max_positional);

/* Commands whose own options are plain values and flags parse them from a table: each
 * entry stores its argument in *value, or sets *flag. Common options are handled too, and
 * pdi_cli_done() is called with max_positional 0. */
struct pdi_cli_opt {
        const char *name;
        const char **value; /* required_argument */
        bool *flag;         /* no_argument */
};
int pdi_cli_parse(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                  const struct pdi_cli_opt *opts, size_t n);

/* Parse an unsigned decimal number (no sign, no junk, no overflow) for option opt. */
int pdi_cli_uint(struct pdi_ctx *ctx, const char *opt, const char *arg, unsigned long long max,
                 unsigned long long *ret);

/* Usage error with message. */
int pdi_usage(struct pdi_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

void pdi_command_help(const struct pdi_command *cmd, FILE *f);
const struct pdi_command *pdi_command_find(int argc, char **argv, int *ret_words);
void pdi_commands_list(FILE *f);
/* How many commands are named "word …" (a two-word command's first word); each is listed on
 * f unless f is NULL. */
size_t pdi_command_group(const char *word, FILE *f);

extern const struct pdi_command *const pdi_commands[];
