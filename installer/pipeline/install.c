#include "pipeline/install_internal.h"
#include "fetch/cache.h"
#include "checks/checks.h"
#include "base/fault.h"
#include "fetch/fetch.h"
#include "pipeline/host.h"
#include "release/lock.h"
#include "base/log.h"
#include "release/release.h"
#include "release/stage.h"
#include "release/state.h"
#include "host/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

void pdi_run_done(struct run *r)
{
        if (r->host_ready)
                pdi_host_done(&r->host);
        pdi_report_done(&r->report);
        for (size_t i = 0; r->fds && r->v.manifest && i < r->v.manifest->n_artifacts; i++)
                if (r->fds[i] >= 0)
                        close(r->fds[i]);
        free(r->fds);
        free(r->tree_current);
        pdi_state_done(&r->state);
        pdi_verified_done(&r->v);
        if (r->trust_loaded)
                pdi_trust_done(&r->trust);
        pdi_sigtexts_free(r->sigs, r->n_sigs);
        free(r->sigs);
        free(r->bytes);
        free(r->manifest_src);
        if (r->cache_fd >= 0)
                close(r->cache_fd);
        pdi_lock_release(r->root, r->layout.lock, r->lock_fd);
        pdi_layout_done(&r->layout);
}

char *pdi_run_join(const char *dir, const char *name)
{
        char *s = NULL;
        return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

/* --- manifest ---------------------------------------------------------------------------- */

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

static int load_manifest(struct run *r)
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
        if (k < 0)
                return k;
        k = fetch_signatures(r);
        if (k == 0)
                k = pdi_trust_load(&r->trust, r->root, o->keys, o->n_keys, o->threshold, err);
        r->trust_loaded = k == 0;
        if (k == 0)
                k = pdi_release_verify(&r->trust, r->manifest_src, r->bytes, r->len, r->sigs,
                                       r->n_sigs, time(NULL), &r->v, err);
        if (k < 0)
                return k;
        const struct pdi_manifest *m = r->v.manifest;
        log_notice("manifest %s: verified: %s %s, sequence %llu, signed by key %s", r->manifest_src,
                   m->product, m->version, (unsigned long long)m->sequence,
                   r->v.signers.signers[0].keyid);
        k = pdi_state_load(r->root, &r->state, err);
        if (k == 0)
                k = pdi_state_check_sequence(&r->state, m, r->v.manifest_sha256, o->allow_downgrade,
                                             err);
        if (k == 0 && o->allow_downgrade &&
            m->sequence < pdi_state_highest_sequence(&r->state, m->product, NULL))
                log_warn(
                    "DOWNGRADE on purpose (--allow-downgrade): accepting sequence %llu "
                    "below the highest accepted %llu",
                    (unsigned long long)m->sequence,
                    (unsigned long long)pdi_state_highest_sequence(&r->state, m->product, NULL));
        if (k < 0)
                pdi_error_prefix(err, "manifest %s: ", r->manifest_src);
        return k;
}

/* --- artifacts --------------------------------------------------------------------------- */

static const char *last_segment(const char *url)
{
        const char *s = strrchr(url, '/');
        return s ? s + 1 : url;
}

/* Sources of one artifact in order: its URL then its mirrors, resolved against the
 * manifest's location; with --from only the file of that name in the folder. */
int pdi_run_artifact_urls(struct run *r, const struct pdi_manifest_artifact *a, char ***ret,
                          size_t *ret_n)
{
        size_t n = r->o->from ? 1 : 1 + a->n_mirrors;
        bool remote = pdi_url_scheme_length(r->manifest_src) > 0 &&
                      !pdi_url_scheme_is(r->manifest_src, "file");
        char **v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *ref = i == 0 ? a->url : a->mirrors[i - 1];
                v[i] = r->o->from ? pdi_run_join(r->o->from, last_segment(ref))
                                  : pdi_url_resolve(r->manifest_src, ref);
                if (!v[i]) {
                        pdi_strv_free(v, n);
                        return -ENOMEM;
                }
                /* A manifest from the network may not point us at files on this machine. */
                if (remote && pdi_url_scheme_is(v[i], "file")) {
                        pdi_strv_free(v, n);
                        return pdi_error_set(&r->ctx->err, -PDI_E_MANIFEST,
                                             "manifest %s: artifact %s: a file:// source in a "
                                             "manifest fetched over the network",
                                             r->manifest_src, a->name);
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int fetch_artifacts(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        int k = pdi_cache_open(r->root, r->layout.cache, &r->cache_fd, &r->ctx->err);
        if (k < 0)
                return k;
        r->fds = malloc(m->n_artifacts * sizeof(int));
        if (!r->fds)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_artifacts; i++)
                r->fds[i] = -1;
        json_t *got = json_array();
        json_object_set_new(r->out, "downloaded", got);
        for (size_t i = 0; k == 0 && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                char **urls = NULL;
                size_t n = 0;
                bool downloaded = false;
                k = pdi_run_artifact_urls(r, a, &urls, &n);
                if (k < 0)
                        return k;
                struct pdi_fetch_opts f = r->fetch;
                f.label = a->name;
                log_debug("%s: %llu bytes from %s", a->name, (unsigned long long)a->size, urls[0]);
                k = pdi_cache_get(r->cache_fd, &f, (const char *const *)urls, n, a->sha256, a->size,
                                  &r->fds[i], &downloaded, &r->ctx->err);
                if (k == 0 && downloaded) {
                        log_notice("%s: downloaded and verified (%llu bytes, sha256 %.16s…)",
                                   a->name, (unsigned long long)a->size, a->sha256);
                        json_array_append_new(got, json_string(a->name));
                }
                pdi_strv_free(urls, n);
                pdi_fault("fetched-artifact");
        }
        return k;
}

static struct pdi_release_src release_src(const struct run *r)
{
        return (struct pdi_release_src){
            .manifest = r->v.manifest,
            .manifest_bytes = r->bytes,
            .manifest_len = r->len,
            .sigs = r->sigs,
            .n_sigs = r->n_sigs,
            .artifact_fds = r->fds,
        };
}

/* --- the tree ---------------------------------------------------------------------------- */

static void report_leftover(const char *what, void *userdata)
{
        struct run *r = userdata;
        log_notice("removed %s/%s left by an interrupted run", r->layout.releases, what);
}

/* Bring the state in line with the tree: the `current` symlink is the truth, since it is
 * switched by one atomic rename. */
int pdi_run_reconcile(struct run *r)
{
        int k = pdi_layout_cleanup(r->root, &r->layout, report_leftover, r);
        if (k < 0)
                log_warn("cleaning up %s: %s", r->layout.releases, strerror(-k));
        k = pdi_layout_current(r->root, &r->layout, &r->tree_current);
        if (k == -EUCLEAN)
                return pdi_error_set(&r->ctx->err, -PDI_E_FAILED,
                                     "%s: not a link into releases/; refusing to touch an "
                                     "install this tool did not make (see 'audit')",
                                     r->layout.current);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "%s: %s", r->layout.current, strerror(-k));
        k = pdi_state_follow_tree(&r->state, r->layout.instance, r->tree_current);
        if (k > 0)
                log_notice("an interrupted run switched to %s; recorded it", r->tree_current);
        return k < 0 ? k : 0;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
        char **nv = realloc(*v, (*n + 1) * sizeof(**v));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(s)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

/* The sha256 of every artifact of the given releases, from their stored manifests. A
 * manifest that cannot be read fails the whole list: then nobody knows what is still needed. */
static int release_artifacts(struct run *r, char *const *versions, size_t n, char ***ret,
                             size_t *ret_n)
{
        int k = 0;
        for (size_t i = 0; k == 0 && i < n; i++) {
                _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, versions[i]);
                _cleanup_free_ char *path = dir ? pdi_run_join(dir, PDI_RELEASE_MANIFEST) : NULL;
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                struct pdi_manifest *m = NULL;
                struct pdi_error err = {0};
                k = path ? pdi_root_read_file(r->root, path, PDI_MANIFEST_MAX_BYTES, &buf, &len)
                         : -ENOMEM;
                if (k == 0) /* expiry does not matter: the release was accepted */
                        k = pdi_manifest_parse(buf, len, 0, &m, &err);
                if (k < 0)
                        log_warn("%s: %s; keeping every cache entry", path ? path : versions[i],
                                 err.msg[0] ? err.msg : strerror(-k));
                for (size_t a = 0; k == 0 && m && a < m->n_artifacts; a++)
                        k = strv_push(ret, ret_n, m->artifacts[a].sha256);
                pdi_manifest_free(m);
        }
        return k;
}

/* After releases were pruned, the cache keeps only what the remaining ones were built from
 * (a repair takes its files from there). A failure here costs disk space, not the run. */
static void prune_cache(struct run *r)
{
        char **v = NULL, **keep = NULL;
        size_t n = 0, n_keep = 0;
        int k = pdi_layout_list_releases(r->root, &r->layout, &v, &n);
        if (k == 0 && release_artifacts(r, v, n, &keep, &n_keep) == 0) {
                _cleanup_close_ int cfd =
                    pdi_root_open(r->root, r->layout.cache, O_RDONLY | O_DIRECTORY, 0);
                k = cfd >= 0 ? pdi_cache_prune(cfd, keep, n_keep) : cfd == -ENOENT ? 0 : cfd;
        }
        if (k > 0)
                log_notice("removed %d cache entr%s no kept release uses from %s", k,
                           k == 1 ? "y" : "ies", r->layout.cache);
        if (k < 0)
                log_warn("pruning %s: %s", r->layout.cache, strerror(-k));
        pdi_strv_free(keep, n_keep);
        pdi_strv_free(v, n);
}

int pdi_run_prune(struct run *r, const char *current, const char *previous)
{
        char **v = NULL;
        size_t n = 0;
        int k = pdi_layout_list_releases(r->root, &r->layout, &v, &n);
        json_t *pruned = json_array();
        json_object_set_new(r->out, "pruned", pruned);
        _cleanup_close_ int rfd =
            k == 0 ? pdi_root_open(r->root, r->layout.releases, O_RDONLY | O_DIRECTORY, 0) : -1;
        size_t excess = n > r->o->keep ? n - r->o->keep : 0;
        for (size_t i = 0; rfd >= 0 && i < n && excess > 0; i++) { /* oldest first */
                _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, v[i]);
                if (streq(v[i], current) || streq(v[i], previous))
                        continue;
                if (dir && pdi_layout_in_use(r->root, dir)) {
                        log_notice("keeping release %s: a running process executes it", v[i]);
                        continue;
                }
                if (pdi_rm_rf_at(rfd, v[i]) == 0) {
                        log_notice("removed old release %s (keeping %u)", v[i], r->o->keep);
                        pdi_state_forget_release(&r->state, r->layout.instance, v[i]);
                        json_array_append_new(pruned, json_string(v[i]));
                        excess--;
                }
                pdi_fault("pruned-one");
        }
        if (rfd >= 0)
                (void)fsync(rfd);
        pdi_strv_free(v, n);
        if (k == 0)
                prune_cache(r);
        return k;
}

int pdi_run_save_state(struct run *r)
{
        return pdi_state_save(r->root, &r->state, &r->ctx->err);
}

/* Record the release and the accepted sequence before the switch: after a crash between the
 * two, the next run finds state that already knows the release `current` may point at. */
static int activate(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *inst = r->layout.instance;
        bool switching = !streq(r->tree_current, m->version);
        int k = pdi_state_record_release(&r->state, inst, m, r->v.manifest_sha256);
        if (k == 0)
                k = pdi_state_accept(&r->state, m, r->v.manifest_sha256);
        if (k == 0 && switching)
                k = pdi_run_begin_switch(r, r->tree_current, m->version);
        if (k == 0)
                k = pdi_run_save_state(r);
        pdi_fault("state-recorded");
        if (k == 0 && switching) {
                k = pdi_layout_switch(r->root, &r->layout, m->version);
                if (k < 0)
                        return pdi_error_set(&r->ctx->err, k, "switch %s to %s: %s",
                                             r->layout.current, m->version, strerror(-k));
                log_notice("%s -> releases/%s (was %s)", r->layout.current, m->version,
                           r->tree_current ? r->tree_current : "nothing");
                json_object_set_new(r->out, "changed", json_true());
        }
        pdi_fault("switched");
        _cleanup_free_ char *target = pdi_run_join(r->layout.current, "polkadot");
        int l = target ? pdi_layout_link(r->root, r->layout.bin_link, target) : -ENOMEM;
        if (l == -EEXIST)
                log_warn("left %s alone: it is not a link this installer made; remove it to "
                         "let the installer manage it",
                         r->layout.bin_link);
        else if (l < 0)
                log_warn("%s: %s", r->layout.bin_link, strerror(-l));
        if (k == 0)
                k = pdi_state_set_current(&r->state, inst, m->version);
        return k;
}

/* --- already installed: verify, repair ---------------------------------------------------- */

/* The same manifest was installed before and its directory exists: check every file; a
 * damaged one is rebuilt from the cache (or downloaded again) and swapped in by rename. */
static int verify_or_repair(struct run *r, bool *ret_repaired)
{
        const struct pdi_manifest *m = r->v.manifest;
        struct pdi_release_src src = release_src(r);
        char **damaged = NULL;
        size_t n = 0;
        *ret_repaired = false;
        int k = pdi_stage_check(r->root, &r->layout, &src, &damaged, &n);
        if (k < 0 || n == 0) {
                pdi_strv_free(damaged, n);
                return k;
        }
        json_t *rep = json_array();
        json_object_set_new(r->out, "repaired", rep);
        for (size_t i = 0; i < n; i++) {
                log_warn("%s/%s/%s is damaged (content, owner or mode differs from the signed "
                         "release); repairing it",
                         r->layout.releases, m->version, damaged[i]);
                json_array_append_new(rep, json_string(damaged[i]));
        }
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, ".repair-%s", m->version) < 0)
                k = -ENOMEM;
        if (k == 0)
                k = fetch_artifacts(r);
        src.artifact_fds = r->fds;
        if (k == 0)
                k = pdi_stage_build(r->root, &r->layout, &src, dir, &r->ctx->err);
        if (k == 0)
                k = pdi_stage_repair(r->root, &r->layout, m->version, dir, damaged, n,
                                     &r->ctx->err);
        pdi_strv_free(damaged, n);
        *ret_repaired = k == 0;
        return k;
}

bool pdi_run_already_installed(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        json_t *rec = pdi_state_release(&r->state, r->layout.instance, m->version);
        const char *sha = json_string_value(json_object_get(rec, "manifest_sha256"));
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, m->version);
        _cleanup_close_ int fd = dir ? pdi_root_open(r->root, dir, O_PATH | O_DIRECTORY, 0) : -1;
        return streq(sha, r->v.manifest_sha256) && fd >= 0;
}

/* The release checks on the staged tree, before anything points at it: an error-level
 * finding (a worker of another version, a W+X segment, a foreign architecture) stops the
 * run with the current release untouched. Nothing skips version alignment. */
int pdi_run_check_release(struct run *r, const char *dirname)
{
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, dirname);
        struct pdi_target t;
        struct pdi_audit a = {0};
        int k = dir ? pdi_target_for_release(r->root, dir, r->v.manifest, &t) : -ENOMEM;
        if (k < 0)
                return k;
        /* Staging hashed every byte (download, extraction) and rollback re-checked every file
         * just before: the integrity check would read them all a second time. */
        t.bytes_verified = true;
        k = pdi_audit_run(&t, PDI_SCOPE_RELEASE, &a);
        const struct pdi_finding *f = k == 0 ? pdi_audit_first_error(&a) : NULL;
        if (f)
                k = pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                  "release %s refused before activation: [%s] %s (%s)",
                                  r->v.manifest->version, f->check_id, f->text, f->hint);
        for (size_t i = 0; k == 0 && i < a.n_results; i++)
                for (size_t j = 0; j < a.results[i].n_findings; j++)
                        if (a.results[i].findings[j].severity == PDI_SEV_WARN)
                                pdi_report_warn(&r->report, "[%s] %s", a.results[i].id,
                                                a.results[i].findings[j].text);
        pdi_audit_done(&a);
        pdi_target_done(&t);
        return k;
}

static int stage_new(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        int k = fetch_artifacts(r);
        if (k < 0)
                return k;
        _cleanup_free_ char *partial = NULL;
        if (asprintf(&partial, "%s.partial", m->version) < 0)
                return -ENOMEM;
        struct pdi_release_src src = release_src(r);
        k = pdi_stage_build(r->root, &r->layout, &src, partial, &r->ctx->err);
        pdi_fault("staged");
        if (k < 0) /* the build removed its own directory */
                return k;
        k = pdi_run_check_release(r, partial);
        if (k == 0)
                k = pdi_stage_publish(r->root, &r->layout, partial, m->version, &r->ctx->err);
        if (k < 0) { /* refused or not published: nothing of it stays */
                _cleanup_close_ int rfd =
                    pdi_root_open(r->root, r->layout.releases, O_RDONLY | O_DIRECTORY, 0);
                if (rfd >= 0)
                        (void)pdi_rm_rf_at(rfd, partial);
                return k;
        }
        log_notice("staged %s/%s", r->layout.releases, m->version);
        json_object_set_new(r->out, "changed", json_true());
        return k;
}

/* --- the whole run ----------------------------------------------------------------------- */

int pdi_run_setup(struct run *r)
{
        int k = pdi_ctx_root(r->ctx, &r->root);
        if (k == 0)
                k = pdi_layout_init(&r->layout, NULL, r->o->prefix);
        if (k < 0)
                return k;
        r->fetch = (struct pdi_fetch_opts){
            .cacert = r->o->cacert,
            .progress = isatty(STDERR_FILENO) && r->ctx->verbosity >= 0 && !r->ctx->json,
        };
        if (!r->o->dry_run) {
                k = pdi_lock_take(r->root, r->layout.lock, r->o->action, r->o->lock_timeout_s,
                                  &r->lock_fd, &r->ctx->err);
                pdi_fault("locked");
        }
        if (k == 0) {
                k = pdi_host_prepare(
                    &r->host, r->root, &r->layout, r->o->settings, r->o->n_settings,
                    r->ctx->non_interactive || r->o->dry_run ? NULL : r->o->ask_settings,
                    &r->ctx->err);
                r->host_ready = true;
        }
        return k;
}

static bool host_running(struct run *r)
{
        struct pdi_unit_status st;
        struct pdi_error ignored = {0};
        return !r->host.live || (pdi_systemd_status(r->layout.service, &st, &ignored) == 0 &&
                                 streq(st.active_state, "active"));
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
        json_t *inst =
            json_object_get(json_object_get(r->state.root, "instances"), r->layout.instance);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(inst, "history"), i, e)
        {
                if (streq(json_string_value(json_object_get(e, "to")), m->version) ||
                    streq(json_string_value(json_object_get(e, "from")), m->version))
                        return false;
        }
        return true;
}

/* upgrade only moves forward from an existing install of the same product. The same
 * manifest again (same sequence and bytes, already current) is "up to date", not an error,
 * so a periodic upgrade (the timer) stays quiet when there is nothing new. */
static int check_upgrade(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        struct pdi_error *err = &r->ctx->err;
        if (!r->tree_current)
                return pdi_error_set(err, -PDI_E_FAILED,
                                     "upgrade: nothing is installed under %s; use 'install'",
                                     r->layout.prefix);
        json_t *rec = pdi_state_release(&r->state, r->layout.instance, r->tree_current);
        const char *product = json_string_value(json_object_get(rec, "product"));
        if (product && !streq(product, m->product))
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest %s is for product %s, the installed release is "
                                     "%s",
                                     r->manifest_src, m->product, product);
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
        json_t *failed = pdi_state_failure(&r->state, r->layout.instance, m->version);
        if (failed)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest %s: release %s failed its health check on %s and "
                                     "the node fell back; upgrade does not try it again (wait "
                                     "for a newer release, or force it with --allow-downgrade)",
                                     r->manifest_src, m->version,
                                     json_string_value(json_object_get(failed, "time")) ?: "?");
        return pdi_error_set(err, -PDI_E_POLICY,
                             "manifest %s: sequence %llu is not greater than the highest "
                             "accepted sequence %llu; upgrade only moves forward ('rollback' "
                             "returns to a kept release)",
                             r->manifest_src, (unsigned long long)m->sequence,
                             (unsigned long long)highest);
}

/* A release cut for some chains only is refused for a node configured for another one (an
 * emergency release for one network once crashed validators of another). */
static int check_chains(struct run *r)
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

static int install(struct run *r)
{
        int k = pdi_run_setup(r);
        if (k == 0)
                k = load_manifest(r);
        if (k == 0)
                k = check_chains(r);
        if (k == 0 && r->o->dry_run) {
                if (pdi_layout_current(r->root, &r->layout, &r->tree_current) < 0)
                        r->tree_current = NULL;
                return pdi_run_dry_run(r);
        }
        if (k == 0)
                k = pdi_run_reconcile(r);
        if (k == 0)
                k = pdi_run_resume_pending(r);
        if (k == 0 && streq(r->o->action, "upgrade"))
                k = check_upgrade(r);
        if (k < 0)
                return k;
        pdi_run_check_running(r);
        const char *version = r->v.manifest->version;
        bool repaired = false;
        if (pdi_run_already_installed(r)) {
                k = verify_or_repair(r, &repaired);
                if (k == 0 && !repaired && streq(r->tree_current, version))
                        log_notice("polkadot %s is installed and every file verifies: nothing "
                                   "to do",
                                   version);
        } else {
                k = stage_new(r);
        }
        if (repaired)
                json_object_set_new(r->out, "changed", json_true());
        _cleanup_free_ char *previous =
            r->tree_current && !streq(r->tree_current, version) ? strdup(r->tree_current) : NULL;
        if (k == 0)
                k = pdi_host_configure(&r->host, &r->state, &r->report, &r->ctx->err);
        if (k == 0 && r->report.changed)
                json_object_set_new(r->out, "changed", json_true());
        if (k == 0)
                k = activate(r);
        if (k == 0 && (json_is_true(json_object_get(r->out, "changed")) || !host_running(r) ||
                       r->restart_needed))
                k = pdi_run_start_or_fall_back(r, previous, version, true);
        bool changed = json_is_true(json_object_get(r->out, "changed"));
        if (k == 0 && changed)
                k = pdi_state_history_add(&r->state, r->layout.instance, r->o->action,
                                          r->tree_current, version, "ok",
                                          repaired ? "repaired damaged files" : NULL);
        if (k == 0)
                k = pdi_run_save_state(r);
        pdi_fault("state-final");
        if (k == 0)
                k = pdi_run_prune(r, version,
                                  previous ? previous
                                           : pdi_state_previous(&r->state, r->layout.instance));
        if (k == 0)
                k = pdi_run_save_state(r);
        return k;
}

int pdi_install_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o)
{
        struct run r = {.ctx = ctx, .o = o, .lock_fd = -1, .cache_fd = -1, .out = ctx->out};
        json_object_set_new(r.out, "changed", json_false());
        if (pdi_report_init(&r.report) < 0)
                return -ENOMEM;
        int k = install(&r);
        if (k == 0 && r.v.manifest) {
                json_object_set_new(r.out, "version", json_string(r.v.manifest->version));
                json_object_set_new(r.out, "current", json_string(r.layout.current));
                if (!o->dry_run)
                        log_notice("%s %s: %s is active", o->action, r.v.manifest->version,
                                   r.layout.current);
        }
        pdi_report_to_json(&r.report, r.out);
        if (k < 0 && !ctx->err.msg[0])
                pdi_error_set(&ctx->err, k, "%s: %s", o->action, pdi_strerror(k));
        if (k < 0 && !o->dry_run && r.v.manifest)
                pdi_error_prefix(&ctx->err, "%s %s: ", o->action, r.v.manifest->version);
        pdi_run_done(&r);
        return k;
}
