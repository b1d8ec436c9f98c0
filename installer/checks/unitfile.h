/* SPDX-License-Identifier: Apache-2.0 */
/* A small reader of systemd unit files: a unit as assignments in the order systemd applies
 * them, the unit, then its drop-ins (<name>.d/NAME.conf from /usr/lib, /lib and /etc; /etc
 * wins for one file name; sorted). Read through the root fd (fsroot.h). */
#pragma once

#include "base/fsroot.h"

#include <stdint.h>

struct pdi_unit_kv {
        char *section, *key, *value;
        char *file; /* where it was read, for findings */
};
/* A unit file or drop-in of more than this is not read at all (systemd refuses it too). */
#define PDI_UNIT_MAX_BYTES (1u << 20)
struct pdi_unit_big {
        char *file;
        uint64_t size;
};
struct pdi_unit {
        struct pdi_unit_kv *kv;
        size_t n;
        struct pdi_unit_big *big; /* files over PDI_UNIT_MAX_BYTES, skipped (the unit first) */
        size_t n_big;
};
/* The unit and its drop-ins; one that is too large is recorded in big, not read. -ENOENT
 * (and the like) when the unit itself cannot be opened. */
int pdi_unit_load(const struct pdi_root *r, const char *path, struct pdi_unit *ret);
void pdi_unit_done(struct pdi_unit *u);
/* Last value of [section] key (an empty assignment resets: NULL then). */
const char *pdi_unit_get(const struct pdi_unit *u, const char *section, const char *key);
