/* SPDX-License-Identifier: Apache-2.0 */
/* Human-facing messages. Everything for people goes to stderr, so that stdout carries only
 * the --json document or a command's primary output. Colour only on a TTY without NO_COLOR;
 * under systemd (JOURNAL_STREAM names our stderr) lines get sd-daemon(3) priority prefixes. */
#pragma once

#include "base/common.h"

enum pdi_log_level {
        PDI_LOG_ERROR = 3,
        PDI_LOG_WARN = 4,
        PDI_LOG_NOTICE = 5, /* normal progress; hidden by -q */
        PDI_LOG_DEBUG = 7,  /* shown by -v */
};

void pdi_log_setup(int max_level, bool no_color);
void pdi_log(enum pdi_log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) pdi_log(PDI_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) pdi_log(PDI_LOG_WARN, __VA_ARGS__)
#define log_notice(...) pdi_log(PDI_LOG_NOTICE, __VA_ARGS__)
#define log_debug(...) pdi_log(PDI_LOG_DEBUG, __VA_ARGS__)
