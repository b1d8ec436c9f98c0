/* Running the few host programs the installer needs (systemd-sysusers, useradd, semodule,
 * restorecon): found in a fixed PATH, started with posix_spawn and an argv array, never a
 * shell, with a minimal environment; their output is kept for the caller's message. */
#pragma once

#include "common.h"

#define PDI_EXEC_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Absolute path of an executable named name in PDI_EXEC_PATH, or -ENOENT. */
int pdi_exec_find(const char *name, char **ret_path);

/* Run path with argv (argv[0] included, NULL-terminated). stdin_fd becomes its stdin (-1:
 * /dev/null). Its stdout and stderr go to out (NUL-terminated, truncated to out_size).
 * Returns 0 if it ran and *ret_status holds its exit code (128+N for death by signal N). */
int pdi_exec_run(const char *path, char *const argv[], int stdin_fd, char *out, size_t out_size,
                 int *ret_status);
