/* SPDX-License-Identifier: Apache-2.0 */
/* The installer's memory: /var/lib/polkadot-installer/state.json (root 0600). It holds the
 * highest manifest sequence accepted per product (the rollback-attack guard) and, for
 * installs, the releases, current/previous and the history. Kept as a JSON tree so a newer
 * installer's fields survive an older one's write. Written tmp → fsync → rename → fsync(dir).
 * A damaged state file is an error, never silently reset: resetting would forget the
 * highest accepted sequence. */
#pragma once

#include "base/fsroot.h"
#include "trust/manifest.h"

#include <jansson.h>
#include <stdint.h>

#define PDI_STATE_DIR "/var/lib/polkadot-installer"
#define PDI_STATE_FILE PDI_STATE_DIR "/state.json"
#define PDI_STATE_MAX_BYTES (16 * 1024 * 1024)

struct pdi_state {
        json_t *root;
};

int pdi_state_load(const struct pdi_root *r, struct pdi_state *ret, struct pdi_error *err);
int pdi_state_save(const struct pdi_root *r, const struct pdi_state *s, struct pdi_error *err);
void pdi_state_done(struct pdi_state *s);

/* Highest accepted sequence for product (0 if none) and the sha256 of that manifest. */
uint64_t pdi_state_highest_sequence(const struct pdi_state *s, const char *product,
                                    const char **ret_manifest_sha256);

/* Refuse a manifest whose sequence is lower than the highest accepted, or equal to it with
 * different bytes (two different manifests may not share a sequence). allow_downgrade lets a
 * lower one through (the caller says so loudly). -PDI_E_POLICY naming both numbers. */
int pdi_state_check_sequence(const struct pdi_state *s, const struct pdi_manifest *m,
                             const char *manifest_sha256, bool allow_downgrade,
                             struct pdi_error *err);

/* Record that the manifest was accepted (raises the highest sequence, never lowers it). */
int pdi_state_accept(struct pdi_state *s, const struct pdi_manifest *m,
                     const char *manifest_sha256);

/* The install's floor: the highest sequence accepted on this instance whatever the product
 * (state.instances.<instance>.floor = {sequence, manifest_sha256, product, version}), and
 * at least what its recorded releases and the products they are of say. A product change
 * (--allow-product-change) does not reset it: the new product starts above it. */
uint64_t pdi_state_floor(const struct pdi_state *s, const char *instance);
/* Raise the instance's floor to m's sequence (never lowers it). */
int pdi_state_raise_floor(struct pdi_state *s, const char *instance, const struct pdi_manifest *m,
                          const char *manifest_sha256);
/* Refuse a manifest below the floor, or at it with other bytes than a manifest accepted at
 * that sequence; allow_downgrade lets a lower one through. -PDI_E_POLICY naming both. */
int pdi_state_check_floor(const struct pdi_state *s, const char *instance,
                          const struct pdi_manifest *m, const char *manifest_sha256,
                          bool allow_downgrade, struct pdi_error *err);
/* The product of the installed release `version` (its record), or NULL when unknown. */
const char *pdi_state_product(const struct pdi_state *s, const char *instance, const char *version);
/* Refuse a manifest of another product than the installed release `version` (NULL: nothing
 * installed) unless allow_change. -PDI_E_POLICY naming both products and the flag. */
int pdi_state_check_product(const struct pdi_state *s, const char *instance, const char *version,
                            const struct pdi_manifest *m, bool allow_change, struct pdi_error *err);

/* Per-instance install records: state.instances.<instance> = {current, previous,
 * releases: {<version>: {sequence, manifest_sha256, installed_at, files: [...]}}, history}. */
const char *pdi_state_current(const struct pdi_state *s, const char *instance);
const char *pdi_state_previous(const struct pdi_state *s, const char *instance);
/* The record of one release, or NULL. Borrowed reference. */
json_t *pdi_state_release(const struct pdi_state *s, const char *instance, const char *version);
/* Record a staged release: version, sequence, manifest hash, every installed file; raises
 * the instance's floor to its sequence. */
int pdi_state_record_release(struct pdi_state *s, const char *instance,
                             const struct pdi_manifest *m, const char *manifest_sha256);
void pdi_state_forget_release(struct pdi_state *s, const char *instance, const char *version);
/* current := version; previous := the old current when it differs. */
int pdi_state_set_current(struct pdi_state *s, const char *instance, const char *version);
/* The `current` symlink (one atomic rename) is the truth: when the state names another
 * release than tree, current := tree and a "recover" history entry. 1 when it changed the
 * state, 0 when they agreed (or tree is NULL), -errno. */
int pdi_state_follow_tree(struct pdi_state *s, const char *instance, const char *tree);
/* previous := version, or none for NULL (after a fallback, the one before the upgrade). */
int pdi_state_set_previous(struct pdi_state *s, const char *instance, const char *version);
int pdi_state_history_add(struct pdi_state *s, const char *instance, const char *action,
                          const char *from, const char *to, const char *outcome,
                          const char *detail);
/* RFC 3339 UTC for now, for records. */
void pdi_state_now(char buf[32]);

/* sha256 of what the installer last wrote to a configuration file (unit, env file …), so an
 * operator's edit can be told from our own content. NULL if never written. */
const char *pdi_state_rendered(const struct pdi_state *s, const char *path);
int pdi_state_set_rendered(struct pdi_state *s, const char *path, const char *sha256);

/* A switch of `current` under way: state.instances.<instance>.pending = {action, from, to,
 * previous, phase, since}. Saved before `current` moves from `from` to `to` (phase
 * "switch"), and again before a failed health check switches back (phase "fallback");
 * removed once the check passed or the fallback is done. previous is what `previous` was
 * before the switch (a fallback restores it). A run killed in between leaves it, and the
 * next install, upgrade or rollback finishes the switch; status reports it. from and
 * previous may be NULL. */
int pdi_state_set_pending(struct pdi_state *s, const char *instance, const char *action,
                          const char *from, const char *to, const char *previous,
                          const char *phase);
void pdi_state_clear_pending(struct pdi_state *s, const char *instance);
/* The pending record (one with string action, to and phase), or NULL. Borrowed. */
json_t *pdi_state_pending(const struct pdi_state *s, const char *instance);

/* A release that failed its health check after an upgrade (the run fell back). */
int pdi_state_record_failure(struct pdi_state *s, const char *instance, const char *version,
                             const char *reason);
/* Forget that version failed: it has since passed a health check. */
void pdi_state_clear_failure(struct pdi_state *s, const char *instance, const char *version);
/* Its record {time, reason}, or NULL if it never failed. Borrowed reference. */
json_t *pdi_state_failure(const struct pdi_state *s, const char *instance, const char *version);
