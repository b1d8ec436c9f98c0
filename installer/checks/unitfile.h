/* A small reader of systemd unit files: a unit as assignments in the order systemd applies
 * them, the unit, then its drop-ins (<name>.d/NAME.conf from /usr/lib, /lib and /etc; /etc
 * wins for one file name; sorted). Read through the root fd (fsroot.h). */
#pragma once

#include "base/fsroot.h"

struct pdi_unit_kv {
        char *section, *key, *value;
        char *file; /* where it was read, for findings */
};
struct pdi_unit {
        struct pdi_unit_kv *kv;
        size_t n;
};
int pdi_unit_load(const struct pdi_root *r, const char *path, struct pdi_unit *ret);
void pdi_unit_done(struct pdi_unit *u);
/* Last value of [section] key (an empty assignment resets: NULL then). */
const char *pdi_unit_get(const struct pdi_unit *u, const char *section, const char *key);
