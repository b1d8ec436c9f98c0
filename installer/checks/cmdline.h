/* SPDX-License-Identifier: Apache-2.0 */
/* Command lines and environments as systemd reads them from a unit (systemd.service(5),
 * "Command lines"; systemd.exec(5), Environment= and EnvironmentFile=). */
#pragma once

#include "checks/unitfile.h"

/* Split a command line as systemd does (quotes, backslash escapes), expanding $VAR (into
 * words) and ${VAR} (one word) from env (a NULL-terminated "K=V" list). */
int pdi_cmdline_split(const char *s, char *const *env, char ***ret_argv, size_t *ret_n);
void pdi_argv_free(char **v);
/* The [Service] environment of u: Environment= in order, then the EnvironmentFile= files
 * read from the root, as a NULL-terminated "K=V" list (or NULL when empty) with the last
 * assignment of a name winning in pdi_cmdline_split. Free with pdi_argv_free. */
int pdi_unit_environment(const struct pdi_root *r, const struct pdi_unit *u, char ***ret_env);
/* ExecStart='s words (prefixes -@!:+ dropped), variables expanded from that environment:
 * the program first, NULL-terminated, *ret_n words. -ENOENT when there is no command. */
int pdi_unit_exec_argv(const struct pdi_root *r, const struct pdi_unit *u, char ***ret_argv,
                       size_t *ret_n);
