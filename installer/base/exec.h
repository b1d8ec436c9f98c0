/* SPDX-License-Identifier: Apache-2.0 */
/* Running the few host programs the installer needs (systemd-sysusers, useradd, semodule,
 * restorecon): found in a fixed PATH, started with an argv array, never a shell, with a
 * minimal environment and a deadline (its whole process group is killed then, so a hung
 * tool cannot hold the install lock forever); their output is kept for the caller's message. */
#pragma once

#include "base/common.h"
#include "base/error.h"

#define PDI_EXEC_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
/* semodule -i rebuilds the whole policy: a minute or two on a slow disk. */
#define PDI_EXEC_TIMEOUT_MS (10u * 60 * 1000)

/* Absolute path of an executable named name in PDI_EXEC_PATH, or -ENOENT. */
int pdi_exec_find(const char *name, char **ret_path);

/* Run path with argv (argv[0] included, NULL-terminated). stdin_fd (3 or above) becomes its
 * stdin (-1: /dev/null). Its stdout and stderr go to out (NUL-terminated, truncated to
 * out_size and to 1023 bytes). Returns 0 if it ran and *ret_status holds its exit code
 * (128+N for death by signal N); -ETIMEDOUT if it was killed after PDI_EXEC_TIMEOUT_MS. */
int pdi_exec_run(const char *path, char *const argv[], int stdin_fd, char *out, size_t out_size,
                 int *ret_status);
/* The same, its stdout and stderr written to out_fd (a tool whose answer is longer than a
 * message: the caller reads the file). */
int pdi_exec_run_into(const char *path, char *const argv[], int out_fd, int *ret_status);
/* The same with another deadline (tests). */
int pdi_exec_run_deadline(const char *path, char *const argv[], int stdin_fd, char *out,
                          size_t out_size, unsigned timeout_ms, int *ret_status);

/* Find tool, run it, and want exit 0: else err says "TOOL ARGV1 failed (exit N): <first line
 * of its output>", "TOOL: not found in PATH…" or "TOOL: still running after N s; stopped it",
 * with -PDI_E_FAILED. */
int pdi_exec_tool(const char *tool, char *const argv[], int stdin_fd, struct pdi_error *err);
