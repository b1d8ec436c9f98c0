/* SPDX-License-Identifier: Apache-2.0 */
/* The kept trusted keys: /etc/polkadot-installer/trusted-keys/<KEYID>.pub (root, 0644) under
 * a root, what `trust add | list | remove` and `install --remember-keys` change and every later
 * run (rollback, the upgrade timer) reads through trust.h. A key is named by its minisign key
 * id; one file per key, written atomically, never over another key's file. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "trust/minisign.h"

struct pdi_kept_key {
        char *file;     /* in-root path */
        char keyid[17]; /* "" when the file does not parse */
        char *comment;  /* the file's untrusted comment, escaped for a terminal; or why not */
        bool broken;    /* the file is not a public key: comment says why */
};

/* Every *.pub of the keys directory, sorted by name; an absent directory is none. */
int pdi_keystore_list(const struct pdi_root *r, struct pdi_kept_key **ret, size_t *ret_n,
                      struct pdi_error *err);
void pdi_kept_keys_free(struct pdi_kept_key *k, size_t n);

/* The key file's id and comment (as list shows them); -PDI_E_SIGNATURE if it is no key. */
int pdi_keystore_describe(const char *text, size_t len, struct pdi_kept_key *ret,
                          struct pdi_error *err);

/* Keep a public key (its file text, source names it in messages): 1 written, 0 already kept
 * (same key under the same id); -PDI_E_SIGNATURE for no key or another key under its id. */
int pdi_keystore_add(const struct pdi_root *r, const char *text, size_t len, const char *source,
                     struct pdi_error *err);

/* Remove every kept file of key id (16 hex digits, either case): the number removed, or
 * -ENOENT (message set) when no kept key has that id. */
int pdi_keystore_remove(const struct pdi_root *r, const char *keyid, struct pdi_error *err);
