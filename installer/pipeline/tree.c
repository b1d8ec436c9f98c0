/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/tree.h"
#include "base/fault.h"
#include "base/log.h"
#include "fetch/cache.h"
#include "release/stage.h"

#include <errno.h>
#include <fcntl.h>

/* --- staging ----------------------------------------------------------------------------- */

/* One artifact from the cache, or downloaded into it (and reported so). */
static int fetch_artifact(struct run *r, size_t i, json_t *got)
{
        const struct pdi_manifest_artifact *a = &r->v.manifest->artifacts[i];
        char **urls = NULL;
        size_t n = 0;
        bool downloaded = false;
        int k = pdi_run_artifact_urls(r, a, &urls, &n);
        if (k < 0)
                return k;
        struct pdi_fetch_opts f = r->fetch;
        f.label = a->name;
        log_debug("%s: %llu bytes from %s", a->name, (unsigned long long)a->size, urls[0]);
        k = pdi_cache_get(r->cache_fd, &f, (const char *const *)urls, n, a->sha256, a->size,
                          &r->fds[i], &downloaded, &r->ctx->err);
        if (k == 0 && downloaded) {
                log_notice("%s: downloaded and verified (%llu bytes, sha256 %.16s…)", a->name,
                           (unsigned long long)a->size, a->sha256);
                json_array_append_new(got, json_string(a->name));
        }
        pdi_strv_free(urls, n);
        pdi_fault("fetched-artifact");
        return k;
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
        for (size_t i = 0; k == 0 && i < m->n_artifacts; i++)
                k = fetch_artifact(r, i, got);
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

static void remove_partial(struct run *r, const char *partial)
{
        _cleanup_close_ int rfd =
            pdi_root_open(r->root, r->layout.releases, O_RDONLY | O_DIRECTORY, 0);
        if (rfd >= 0)
                (void)pdi_rm_rf_at(rfd, partial);
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
                remove_partial(r, partial);
                return k;
        }
        log_notice("staged %s/%s", r->layout.releases, m->version);
        json_object_set_new(r->out, "changed", json_true());
        return k;
}

/* --- already installed: verify, repair ---------------------------------------------------- */

static void report_damaged(struct run *r, char **damaged, size_t n)
{
        json_t *rep = json_array();
        json_object_set_new(r->out, "repaired", rep);
        for (size_t i = 0; i < n; i++) {
                log_warn("%s/%s/%s is damaged (content, owner or mode differs from the signed "
                         "release); repairing it",
                         r->layout.releases, r->v.manifest->version, damaged[i]);
                json_array_append_new(rep, json_string(damaged[i]));
        }
}

/* Damaged files rebuilt from the cache (or downloaded again) and swapped in by rename. */
static int repair(struct run *r, struct pdi_release_src *src, char **damaged, size_t n)
{
        const struct pdi_manifest *m = r->v.manifest;
        _cleanup_free_ char *dir = NULL;
        int k = asprintf(&dir, ".repair-%s", m->version) < 0 ? -ENOMEM : 0;
        if (k == 0)
                k = fetch_artifacts(r);
        src->artifact_fds = r->fds;
        if (k == 0)
                k = pdi_stage_build(r->root, &r->layout, src, dir, &r->ctx->err);
        if (k == 0)
                k = pdi_stage_repair(r->root, &r->layout, m->version, dir, damaged, n,
                                     &r->ctx->err);
        return k;
}

/* The same manifest was installed before and its directory exists: check every file. 1 if
 * something was repaired. */
static int verify_or_repair(struct run *r)
{
        struct pdi_release_src src = release_src(r);
        char **damaged = NULL;
        size_t n = 0;
        int k = pdi_stage_check(r->root, &r->layout, &src, &damaged, &n);
        if (k == 0 && n > 0) {
                report_damaged(r, damaged, n);
                k = repair(r, &src, damaged, n);
                if (k == 0)
                        k = 1;
        }
        pdi_strv_free(damaged, n);
        return k;
}

int pdi_run_count_damaged(struct run *r, size_t *ret_n)
{
        struct pdi_release_src src = release_src(r);
        char **damaged = NULL;
        size_t n = 0;
        int k = pdi_stage_check(r->root, &r->layout, &src, &damaged, &n);
        pdi_strv_free(damaged, n);
        if (k == 0)
                *ret_n = n;
        return k;
}

int pdi_run_put_release(struct run *r)
{
        const char *version = r->v.manifest->version;
        if (!pdi_run_already_installed(r))
                return stage_new(r);
        int k = verify_or_repair(r);
        if (k == 0 && streq(r->tree_current, version))
                log_notice("polkadot %s is installed and every file verifies: nothing to do",
                           version);
        if (k > 0)
                json_object_set_new(r->out, "changed", json_true());
        return k;
}

int pdi_run_check_kept(struct run *r, const char *version)
{
        struct pdi_release_src src = {
            .manifest = r->v.manifest, .manifest_bytes = r->bytes, .manifest_len = r->len};
        char **damaged = NULL;
        size_t n = 0;
        int k = pdi_stage_check(r->root, &r->layout, &src, &damaged, &n);
        if (k == 0 && n > 0)
                k = pdi_error_set(&r->ctx->err, -PDI_E_INTEGRITY,
                                  "release %s is damaged (%s%s): reinstall it with 'install "
                                  "--manifest … --allow-downgrade' instead",
                                  version, damaged[0], n > 1 ? " and more" : "");
        pdi_strv_free(damaged, n);
        return k;
}

/* --- pruning ----------------------------------------------------------------------------- */

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

/* The sha256 of every artifact of one release, from its stored manifest. */
static int release_artifacts_one(struct run *r, const char *version, char ***ret, size_t *ret_n)
{
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, version);
        _cleanup_free_ char *path = dir ? pdi_run_join(dir, PDI_RELEASE_MANIFEST) : NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct pdi_manifest *m = NULL;
        struct pdi_error err = {0};
        int k =
            path ? pdi_root_read_file(r->root, path, PDI_MANIFEST_MAX_BYTES, &buf, &len) : -ENOMEM;
        if (k == 0) /* expiry does not matter: the release was accepted */
                k = pdi_manifest_parse(buf, len, 0, &m, &err);
        if (k < 0)
                log_warn("%s: %s; keeping every cache entry", path ? path : version,
                         err.msg[0] ? err.msg : strerror(-k));
        for (size_t a = 0; k == 0 && m && a < m->n_artifacts; a++)
                k = strv_push(ret, ret_n, m->artifacts[a].sha256);
        pdi_manifest_free(m);
        return k;
}

/* A manifest that cannot be read fails the whole list: then nobody knows what is still
 * needed. */
static int release_artifacts(struct run *r, char *const *versions, size_t n, char ***ret,
                             size_t *ret_n)
{
        int k = 0;
        for (size_t i = 0; k == 0 && i < n; i++)
                k = release_artifacts_one(r, versions[i], ret, ret_n);
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

/* Remove one old release unless it is in use: true if it went. */
static bool prune_one(struct run *r, int rfd, const char *version, json_t *pruned)
{
        _cleanup_free_ char *dir = pdi_run_join(r->layout.releases, version);
        if (dir && pdi_layout_in_use(r->root, dir)) {
                log_notice("keeping release %s: a running process executes it", version);
                return false;
        }
        bool removed = pdi_rm_rf_at(rfd, version) == 0;
        if (removed) {
                log_notice("removed old release %s (keeping %u)", version, r->o->keep);
                pdi_state_forget_release(&r->state, r->layout.instance, version);
                json_array_append_new(pruned, json_string(version));
        }
        pdi_fault("pruned-one");
        return removed;
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
        const char *inst = r->layout.instance;
        /* After a fallback the release this run brought is the failed one: what `current`
         * points to now is the one kept. */
        _cleanup_free_ char *now = NULL;
        if (pdi_layout_current(r->root, &r->layout, &now) == 0 && now &&
            pdi_state_failure(&r->state, inst, current))
                current = now;
        /* The newest release that did not fail its health check, besides current: the one
         * to roll back to, never pruned. A failed previous release is no fallback. */
        const char *last_good = NULL;
        for (size_t i = n; k == 0 && i-- > 0 && !last_good;)
                if (!streq(v[i], current) && !pdi_state_failure(&r->state, inst, v[i]))
                        last_good = v[i];
        if (previous && pdi_state_failure(&r->state, inst, previous))
                previous = NULL;
        /* Failed releases go first, then the oldest. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; rfd >= 0 && i < n && excess > 0; i++)
                        if (v[i] && !streq(v[i], current) && !streq(v[i], previous) &&
                            !streq(v[i], last_good) &&
                            (pass == 1 || pdi_state_failure(&r->state, inst, v[i])) &&
                            prune_one(r, rfd, v[i], pruned)) {
                                excess--;
                                free(v[i]);
                                v[i] = NULL;
                        }
        if (rfd >= 0)
                (void)fsync(rfd);
        pdi_strv_free(v, n);
        if (k == 0)
                prune_cache(r);
        return k;
}
