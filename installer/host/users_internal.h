/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by users.c (policy: which accounts, refusing unsafe ones, the base path) and
 * users_db.c (the root's passwd, group, shadow and gshadow: reading them, and writing new
 * entries through the root-fd layer). Nothing else includes this. */
#pragma once

#include "host/users.h"

#include <stdint.h>

/* Text of /etc/<file> in the root: a missing file reads as empty; a symlink (-ELOOP), FIFO
 * or device (-EINVAL) is refused, never followed or waited on. */
int pdi_users_db_read(const struct pdi_root *r, const char *path, char **ret);
/* Text for an error of pdi_users_db_read. */
const char *pdi_users_db_strerror(int k);

/* Split the line whose first field is name into up to max fields (copied to *ret_line,
 * fields point into it). -ENOENT if there is none. */
int pdi_users_db_find(const char *text, const char *name, char **ret_line, char **f, size_t max);
/* The first line whose numeric field (2: uid of passwd, gid of group) is id; its name into buf
 * when buf is given. */
bool pdi_users_db_find_id(const char *text, uint32_t id, unsigned field, char *buf, size_t n);
/* name is in a comma-separated member list. */
bool pdi_users_in_members(const char *members, const char *name);
/* A uid or gid as the kernel takes one: plain decimal, 0 to 2^32 - 2. */
int pdi_users_parse_id(const char *s, uint32_t *ret);

/* Write group, gshadow, passwd and shadow entries for a locked system account name (uid and
 * gid chosen free in 100..999), the way systemd-sysusers does, every file through the
 * root-fd layer: nothing outside the root can be reached, whatever links it holds. */
int pdi_users_db_add(const struct pdi_root *r, const char *name, const char *comment,
                     const char *home, const char *shell);
