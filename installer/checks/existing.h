/* SPDX-License-Identifier: Apache-2.0 */
/* A node this tool did not install, found before `install` writes anything (issue 14): a
 * unit of any name whose ExecStart= runs a program named polkadot (Parity's package ships
 * polkadot.service in /lib; a hand install may call it validator.service), else Parity's
 * package by dpkg's record, a polkadot binary in PATH, or (on the host itself) a running
 * polkadot process. Our own unit, our bin link and a unit recorded as adopted are not
 * foreign. The tree is the attacker's: every file is read through the root fd, regular
 * files only, size-capped (unitfile.h). */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "release/layout.h"

#include <sys/types.h>

struct pdi_existing {
        char *what;      /* one line for messages: "validator.service runs /usr/bin/polkadot" */
        char *kind;      /* "debian-package" or "manual" */
        char *unit;      /* unit name ("validator.service"), NULL when no unit runs it */
        char *unit_path; /* the unit file systemd uses for that name */
        char *node;      /* the program ExecStart= names, or the binary found */
        char **args;     /* the node's arguments, variables expanded (NULL-terminated) */
        char *user;      /* User=, NULL when the unit does not say (root) */
        pid_t pid;       /* a running node on the host, 0 if none seen */
};

/* 1 and *ret when a foreign node is there, 0 when none, negative on an error reading the
 * tree (err says which file). adopted_unit: a unit name the state records as adopted
 * (disabled by us, no longer foreign), or NULL. */
int pdi_existing_find(const struct pdi_root *r, const struct pdi_layout *l,
                      const char *adopted_unit, struct pdi_existing *ret, struct pdi_error *err);
void pdi_existing_done(struct pdi_existing *e);

/* Value of --LONG/-SHORT (as "--long V", "--long=V" or "-s V") in args, the last one wins;
 * NULL if absent. */
const char *pdi_args_value(char *const *args, const char *lng, const char *shrt);
