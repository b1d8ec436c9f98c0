/* SPDX-License-Identifier: Apache-2.0 */
#include "base/log.h"

#include <stdarg.h>
#include <sys/stat.h>

static int log_max = PDI_LOG_NOTICE;
static bool log_colored;
static bool log_journal;

/* JOURNAL_STREAM is "dev:ino" of the stream systemd connected; only trust it if it is ours. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void pdi_log_setup(int max_level, bool no_color)
{
        /* no-color.org: only a NO_COLOR that is set and not empty turns colour off. */
        const char *nc = getenv("NO_COLOR");
        log_max = max_level;
        log_journal = stderr_is_journal();
        log_colored = !no_color && !(nc && nc[0]) && !log_journal && isatty(STDERR_FILENO);
}

static const char *level_prefix(enum pdi_log_level level)
{
        switch (level) {
        case PDI_LOG_ERROR:
                return log_colored ? "\033[1;31merror:\033[0m " : "error: ";
        case PDI_LOG_WARN:
                return log_colored ? "\033[1;33mwarning:\033[0m " : "warning: ";
        default:
                return "";
        }
}

void pdi_log(enum pdi_log_level level, const char *fmt, ...)
{
        if ((int)level > log_max)
                return;
        char line[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (log_journal)
                fprintf(stderr, "<%d>%s%s\n", level, level_prefix(level), line);
        else
                fprintf(stderr, "%s%s\n", level_prefix(level), line);
}
