/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/accept.h"
#include "base/log.h"
#include "release/floor.h"
#include "trust/keystore.h"

#include <errno.h>

/* --- a fetched manifest (install, upgrade, --dry-run) ------------------------------------ */

/* One signature file through the fetcher: a 404 (or a missing local file) is -ENOENT with
 * the fetch's message dropped, since it may only end the probing of .minisig.N names. */
static int fetch_sig(void *userdata, const char *src, struct pdi_sigtext *ret,
                     struct pdi_error *err)
{
        struct run *r = userdata;
        int k = pdi_fetch_memory(&r->fetch, src, PDI_MINISIGN_FILE_MAX, &ret->text, &ret->len, err);
        if (k == -ENOENT)
                *err = (struct pdi_error){0};
        return k;
}

static int fetch_signatures(struct run *r)
{
        r->sigs = calloc(PDI_TRUST_MAX_SIGS, sizeof(*r->sigs));
        if (!r->sigs)
                return -ENOMEM;
        return pdi_release_read_sigs(r->manifest_src, r->o->sigs, r->o->n_sigs, fetch_sig, r,
                                     r->sigs, &r->n_sigs, &r->ctx->err);
}

static int fetch_manifest(struct run *r)
{
        const struct pdi_install_opts *o = r->o;
        struct pdi_error *err = &r->ctx->err;
        r->manifest_src =
            o->from && !o->manifest ? pdi_run_join(o->from, "manifest.json") : strdup(o->manifest);
        if (!r->manifest_src)
                return -ENOMEM;
        int k = pdi_fetch_memory(&r->fetch, r->manifest_src, PDI_MANIFEST_MAX_BYTES, &r->bytes,
                                 &r->len, err);
        if (k == -ENOENT) {
                err->msg[0] = '\0'; /* replace the fetch's "HTTP 404" by what it means here */
                return pdi_error_set(err, -PDI_E_FAILED, "manifest %s: not found", r->manifest_src);
        }
        if (k == -PDI_E_INTEGRITY) { /* more than the manifest limit */
                k = err->code = -PDI_E_MANIFEST;
                pdi_error_prefix(err, "manifest ");
        }
        return k;
}

/* --remember-keys: the keys this run was given, kept for the runs after it (rollback, the
 * timer), only once they verified a manifest and never by --dry-run. */
static int remember_keys(struct run *r)
{
        for (size_t i = 0; i < r->o->n_keys; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                int k = pdi_read_host_file(r->o->keys[i], PDI_MINISIGN_FILE_MAX, &text, &len);
                if (k < 0)
                        return pdi_error_set(&r->ctx->err, -PDI_E_SIGNATURE, "trusted key %s: %s",
                                             r->o->keys[i], pdi_read_strerror(k));
                k = pdi_keystore_add(r->root, text, len, r->o->keys[i], &r->ctx->err);
                if (k < 0)
                        return k;
                if (k == 1) {
                        pdi_report_action(&r->report, "kept trusted key %s in %s/", r->o->keys[i],
                                          PDI_TRUST_KEYS_DIR);
                        json_object_set_new(r->out, "changed", json_true());
                }
        }
        return 0;
}

static int verify_manifest(struct run *r, time_t now)
{
        struct pdi_error *err = &r->ctx->err;
        int k = pdi_trust_load(&r->trust, r->root, r->o->keys, r->o->n_keys, r->o->threshold, err);
        r->trust_loaded = k == 0;
        if (k == 0)
                k = pdi_release_verify(&r->trust, r->manifest_src, r->bytes, r->len, r->sigs,
                                       r->n_sigs, now, &r->v, err);
        if (k == 0)
                k = pdi_release_check_machine(&r->v, r->manifest_src, err);
        if (k == 0 && r->o->expect_manifest_sha256 &&
            !streq(r->v.manifest_sha256, r->o->expect_manifest_sha256))
                k = pdi_error_set(err, -PDI_E_FAILED,
                                  "manifest %s: changed since the plan was shown (now %s %s); "
                                  "nothing was written, run again",
                                  r->manifest_src, r->v.manifest->product, r->v.manifest->version);
        return k;
}

/* install and upgrade replace the installed product (of the release `current` names, which
 * reconcile will make the truth) only on purpose; the floor stays. */
static int check_product(struct run *r, const char *current)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *was = pdi_state_product(&r->state, r->layout.instance, current);
        int k = pdi_state_check_product(&r->state, r->layout.instance, current, m,
                                        r->o->allow_product_change, &r->ctx->err);
        if (k == 0 && was && !streq(was, m->product))
                log_warn("PRODUCT CHANGE on purpose (--allow-product-change): %s replaces %s "
                         "under %s",
                         m->product, was, r->layout.prefix);
        return k;
}

/* The state's word on the sequence, with the floor the verified releases on disk set: not
 * below the highest accepted for the product nor on this install, unless on purpose. */
static int check_sequence(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        struct pdi_error *err = &r->ctx->err;
        int k = pdi_state_load(r->root, &r->state, err);
        if (k == 0 && (k = pdi_floor_recover(r->root, &r->layout, &r->trust, &r->state)) < 0)
                pdi_error_set(err, k, "%s: %s", r->layout.releases, strerror(-k));
        _cleanup_free_ char *current = NULL;
        if (k == 0 && pdi_layout_current(r->root, &r->layout, &current) < 0)
                current = NULL; /* not ours: pdi_run_reconcile says so */
        if (k == 0)
                k = check_product(r, current);
        if (k == 0)
                k = pdi_state_check_sequence(&r->state, m, r->v.manifest_sha256,
                                             r->o->allow_downgrade, err);
        if (k == 0)
                k = pdi_state_check_floor(&r->state, r->layout.instance, m, r->v.manifest_sha256,
                                          r->o->allow_downgrade, err);
        uint64_t highest = k == 0 ? pdi_state_floor(&r->state, r->layout.instance) : 0;
        uint64_t own = k == 0 ? pdi_state_highest_sequence(&r->state, m->product, NULL) : 0;
        highest = own > highest ? own : highest;
        if (k == 0 && r->o->allow_downgrade && m->sequence < highest)
                log_warn("DOWNGRADE on purpose (--allow-downgrade): accepting sequence %llu "
                         "below the highest accepted %llu",
                         (unsigned long long)m->sequence, (unsigned long long)highest);
        if (k < 0)
                pdi_error_prefix(err, "manifest %s: ", r->manifest_src);
        return k;
}

/* A verified, accepted manifest's rotation (trust/rotate.h): the new key kept, then the
 * retired key's kept file removed (it may have come from --trusted-key only). */
static int apply_rotation(struct run *r)
{
        const struct pdi_rotation *rot = &r->v.rotation;
        if (!rot->pending || r->o->dry_run)
                return 0;
        struct pdi_error *err = &r->ctx->err;
        const char *t = rot->new_key_text;
        int k = pdi_keystore_add(r->root, t, strlen(t), "of the rotation", err);
        if (k >= 0) {
                k = pdi_keystore_remove(r->root, rot->retire, err);
                *err = k == -ENOENT ? (struct pdi_error){0} : *err;
                k = k == -ENOENT ? 0 : k;
        }
        if (k < 0)
                return k;
        log_warn("KEY ROTATION by manifest %s (signed by both keys): key %s is trusted now, key "
                 "%s no longer",
                 r->manifest_src, rot->new_id, rot->retire);
        pdi_report_action(&r->report, "rotated trust from key %s to key %s", rot->retire,
                          rot->new_id);
        json_object_set_new(r->out, "changed", json_true());
        return 0;
}

int pdi_run_load_manifest(struct run *r)
{
        int k = fetch_manifest(r);
        if (k == 0)
                k = fetch_signatures(r);
        if (k == 0)
                k = verify_manifest(r, time(NULL));
        if (k < 0)
                return k;
        const struct pdi_manifest *m = r->v.manifest;
        log_notice("manifest %s: verified: %s %s, sequence %llu, signed by key %s", r->manifest_src,
                   m->product, m->version, (unsigned long long)m->sequence,
                   r->v.signers.signers[0].keyid);
        k = check_sequence(r);
        /* --remember-keys keeps the keys only of a manifest that is accepted: verified, for
         * this machine, not older than the floor. */
        if (k == 0 && r->o->remember_keys && !r->o->dry_run)
                k = remember_keys(r);
        return k < 0 ? k : apply_rotation(r);
}

/* --- a kept release's stored manifest (rollback) ----------------------------------------- */

static int read_stored(struct run *r, const char *version)
{
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, version);
        if (!dir)
                return -ENOMEM;
        r->manifest_src = pdi_run_join(dir, "manifest.json");
        if (!r->manifest_src)
                return -ENOMEM;
        int k = pdi_release_read_stored(r->root, r->manifest_src, &r->bytes, &r->len, &r->sigs,
                                        &r->n_sigs, &r->ctx->err);
        if (k < 0 && r->ctx->err.msg[0])
                pdi_error_prefix(&r->ctx->err, "release %s: ", version);
        return k;
}

int pdi_run_load_stored(struct run *r, const char *version)
{
        int k = read_stored(r, version);
        if (k == 0)
                k = verify_manifest(r, 0);
        if (k == 0 && !streq(r->v.manifest->version, version))
                k = pdi_error_set(&r->ctx->err, -PDI_E_INTEGRITY,
                                  "release %s: its stored manifest is for %s", version,
                                  r->v.manifest->version);
        return k;
}

/* --- policy ------------------------------------------------------------------------------ */

/* (An emergency release for one network once crashed validators of another.) */
int pdi_run_check_chains(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *chain = r->host.settings.chain;
        if (m->n_chains == 0) /* for every chain */
                return 0;
        for (size_t i = 0; i < m->n_chains; i++)
                if (streq(m->chains[i], chain))
                        return 0;
        return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                             "manifest %s: release %s is only for chain(s) %s%s, this node is "
                             "configured for %s",
                             r->manifest_src, m->version, m->chains[0], m->n_chains > 1 ? " …" : "",
                             chain);
}

static bool history_names(struct run *r, const char *version)
{
        json_t *inst =
            json_object_get(json_object_get(r->state.root, "instances"), r->layout.instance);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(inst, "history"), i, e)
        {
                if (streq(json_string_value(json_object_get(e, "to")), version) ||
                    streq(json_string_value(json_object_get(e, "from")), version))
                        return true;
        }
        return false;
}

/* The highest accepted manifest, byte for byte, whose run was killed after it recorded the
 * sequence but before it switched: no history entry ever moved to or from its version and it
 * never failed. Running it again finishes that upgrade; a release that was reached once (and
 * left by a rollback) or that failed stays refused, so a timer cannot undo either. */
static bool interrupted_before_switch(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *sha = NULL;
        if (pdi_state_highest_sequence(&r->state, m->product, &sha) != m->sequence ||
            !streq(sha, r->v.manifest_sha256) ||
            !pdi_state_release(&r->state, r->layout.instance, m->version))
                return false;
        if (pdi_state_failure(&r->state, r->layout.instance, m->version))
                return false;
        return !history_names(r, m->version);
}

static int check_installed(struct run *r)
{
        if (!r->tree_current)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "upgrade: nothing is installed under %s; use 'install'",
                                     r->layout.prefix);
        return 0;
}

/* Not forward: a failed release is not tried again; anything else is simply not newer. */
static int refuse_not_forward(struct run *r, uint64_t highest)
{
        const struct pdi_manifest *m = r->v.manifest;
        json_t *failed = pdi_state_failure(&r->state, r->layout.instance, m->version);
        if (failed)
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "manifest %s: release %s failed its health check on %s and "
                                     "the node fell back; upgrade does not try it again (wait "
                                     "for a newer release, or force it with --allow-downgrade)",
                                     r->manifest_src, m->version,
                                     json_string_value(json_object_get(failed, "time")) ?: "?");
        return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                             "manifest %s: sequence %llu is not greater than the highest "
                             "accepted sequence %llu; upgrade only moves forward ('rollback' "
                             "returns to a kept release)",
                             r->manifest_src, (unsigned long long)m->sequence,
                             (unsigned long long)highest);
}

/* The same manifest again (same sequence and bytes, already current) is "up to date", not an
 * error, so a periodic upgrade (the timer) stays quiet when there is nothing new. */
int pdi_run_check_upgrade(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        int k = check_installed(r);
        if (k < 0)
                return k;
        uint64_t highest = pdi_state_highest_sequence(&r->state, m->product, NULL);
        if (m->sequence > highest || r->o->allow_downgrade)
                return 0;
        if (streq(r->tree_current, m->version) && pdi_run_already_installed(r)) {
                log_notice("polkadot %s (sequence %llu) is current: up to date", m->version,
                           (unsigned long long)m->sequence);
                return 0;
        }
        if (interrupted_before_switch(r)) {
                log_notice("manifest %s (sequence %llu) was accepted by an interrupted run that "
                           "never switched to %s: finishing that upgrade",
                           r->manifest_src, (unsigned long long)m->sequence, m->version);
                return 0;
        }
        return refuse_not_forward(r, highest);
}
