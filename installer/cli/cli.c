/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>

int pdi_usage(struct pdi_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = pdi_error_setv(&ctx->err, -PDI_E_USAGE, fmt, ap);
        va_end(ap);
        return r;
}

/* Whether word is "--NAME=…" for a common long option (or its abbreviation) whose value is
 * c: glibc sets optopt to the long option's value when it refuses "--quiet=1". */
static bool long_form_of(const char *word, int c)
{
        static const struct option common[] = {PDI_COMMON_LONGOPTS};
        if (strncmp(word, "--", 2) != 0 || !strchr(word, '='))
                return false;
        size_t n = strcspn(word + 2, "=");
        for (size_t i = 0; i < ELEMENTSOF(common); i++)
                if (common[i].val == c && n > 0 && n <= strlen(common[i].name) &&
                    strncmp(word + 2, common[i].name, n) == 0)
                        return true;
        return false;
}

/* --root as an absolute path: a relative one is taken from the current directory, as an
 * operator typing "--root image" means. The string lives as long as the process. */
static int root_option(struct pdi_ctx *ctx, const struct pdi_command *cmd, const char *arg)
{
        static char abs_root[PATH_MAX];
        char cwd[PATH_MAX];
        if (!arg || !arg[0])
                return pdi_usage(ctx, "%s: --root needs a directory, got ''", cmd->name);
        if (arg[0] == '/') {
                ctx->root_path = arg;
                return 0;
        }
        if (!getcwd(cwd, sizeof(cwd)))
                return pdi_error_set(&ctx->err, -errno, "%s: --root '%s': current directory: %s",
                                     cmd->name, arg, strerror(errno));
        while (arg[0] == '.' && arg[1] == '/')
                arg += 2;
        int n =
            snprintf(abs_root, sizeof(abs_root), "%s%s%s", cwd, streq(cwd, "/") ? "" : "/", arg);
        if (n < 0 || (size_t)n >= sizeof(abs_root))
                return pdi_usage(ctx, "%s: --root '%s': path too long", cmd->name, arg);
        ctx->root_path = abs_root;
        return 0;
}

/* getopt has moved optind past the offending word (or is still on it for a bundled short
 * option); name it as the user typed it. */
static const char *bad_option(const struct pdi_ctx *ctx)
{
        static char shortopt[3];
        const char *word = ctx->argv && optind > 0 ? ctx->argv[optind - 1] : NULL;
        if (optopt > 0 && optopt < 128 && isalnum(optopt) &&
            !(word && long_form_of(word, optopt))) {
                snprintf(shortopt, sizeof(shortopt), "-%c", optopt);
                return shortopt;
        }
        return word ? word : "?";
}

int pdi_cli_common(struct pdi_ctx *ctx, const struct pdi_command *cmd, int c, const char *arg)
{
        switch (c) {
        case 'h':
                pdi_command_help(cmd, stdout);
                return -PDI_E_HELP_SHOWN;
        case 'q':
                ctx->verbosity = -1;
                return 0;
        case 'v':
                ctx->verbosity = 1;
                return 0;
        case 'y':
                ctx->yes = true;
                return 0;
        case PDI_OPT_ROOT:
                return root_option(ctx, cmd, arg);
        case PDI_OPT_JSON:
                ctx->json = true;
                return 0;
        case PDI_OPT_NON_INTERACTIVE:
                ctx->non_interactive = true;
                return 0;
        case PDI_OPT_NO_COLOR:
                ctx->no_color = true;
                return 0;
        case ':':
                return pdi_usage(ctx, "%s: option '%s' needs a value", cmd->name, bad_option(ctx));
        default:
                return pdi_usage(ctx, "%s: unknown option '%s'", cmd->name, bad_option(ctx));
        }
}

int pdi_cli_done(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                 int max_positional)
{
        pdi_log_setup(ctx->verbosity < 0   ? PDI_LOG_WARN
                      : ctx->verbosity > 0 ? PDI_LOG_DEBUG
                                           : PDI_LOG_NOTICE,
                      ctx->no_color);
        if (argc - optind > max_positional)
                return pdi_usage(ctx, "%s: unexpected argument '%s'", cmd->name, argv[optind]);
        /* No terminal and no -y: as --non-interactive (never a prompt, no default for a
         * required answer). -y takes the defaults, with or without --non-interactive. */
        if (!ctx->yes && !isatty(STDIN_FILENO))
                ctx->non_interactive = true;
        if (ctx->yes)
                ctx->non_interactive = false;
        return 0;
}

int pdi_cli_uint(struct pdi_ctx *ctx, const char *opt, const char *arg, unsigned long long max,
                 unsigned long long *ret)
{
        if (!arg || arg[0] < '0' || arg[0] > '9')
                return pdi_usage(ctx, "%s: '%s' is not a number", opt, arg ? arg : "");
        errno = 0;
        char *end;
        unsigned long long v = strtoull(arg, &end, 10);
        if (errno || *end || v > max)
                return pdi_usage(ctx, "%s: '%s' is not a number from 0 to %llu", opt, arg, max);
        *ret = v;
        return 0;
}

void pdi_command_help(const struct pdi_command *cmd, FILE *f)
{
        fprintf(f, "Usage: %s %s\n\n%s\n%s\n", PDI_PROGRAM, cmd->usage, cmd->summary, cmd->help);
        fputs(PDI_COMMON_HELP, f);
        if (cmd->examples)
                fprintf(f, "\nExamples:\n%s", cmd->examples);
        fputs("\n" PDI_EXIT_HELP, f);
}

int pdi_cli_parse(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                  const struct pdi_cli_opt *opts, size_t n)
{
        static const struct option common[] = {PDI_COMMON_LONGOPTS};
        struct option all[ELEMENTSOF(common) + 16 + 1];
        if (n > 16)
                return -EINVAL;
        memcpy(all, common, sizeof(common));
        for (size_t i = 0; i < n; i++)
                all[ELEMENTSOF(common) + i] =
                    (struct option){opts[i].name, opts[i].value ? required_argument : no_argument,
                                    NULL, PDI_OPT_OWN + (int)i};
        all[ELEMENTSOF(common) + n] = (struct option){0};
        int c, r = 0;
        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, all, NULL)) != -1) {
                size_t i = (size_t)(c - PDI_OPT_OWN);
                if (c < PDI_OPT_OWN || i >= n)
                        r = pdi_cli_common(ctx, cmd, c, optarg);
                else if (opts[i].value)
                        *opts[i].value = optarg;
                else
                        *opts[i].flag = true;
        }
        return r < 0 ? r : pdi_cli_done(ctx, cmd, argc, argv, 0);
}
