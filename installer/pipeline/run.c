/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/run.h"
#include "base/fault.h"
#include "base/log.h"
#include "checks/checks.h"
#include "release/lock.h"
#include "release/state_owned.h"

#include <errno.h>
#include <fcntl.h>

int pdi_run_init(struct run *r, struct pdi_ctx *ctx, const struct pdi_install_opts *o)
{
        *r = (struct run){.ctx = ctx, .o = o, .lock_fd = -1, .cache_fd = -1, .out = ctx->out};
        json_object_set_new(r->out, "changed", json_false());
        return pdi_report_init(&r->report) < 0 ? -ENOMEM : 0;
}

void pdi_run_end(struct run *r, int k)
{
        pdi_report_to_json(&r->report, r->out);
        if (k < 0 && !r->ctx->err.msg[0])
                pdi_error_set(&r->ctx->err, k, "%s: %s", r->o->action, pdi_strerror(k));
}

static void close_artifacts(struct run *r)
{
        for (size_t i = 0; r->fds && r->v.manifest && i < r->v.manifest->n_artifacts; i++)
                if (r->fds[i] >= 0)
                        close(r->fds[i]);
        free(r->fds);
}

void pdi_run_done(struct run *r)
{
        if (r->host_ready)
                pdi_host_done(&r->host);
        pdi_report_done(&r->report);
        close_artifacts(r);
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
        pdi_existing_done(&r->existing);
        for (size_t i = 0; i < r->n_adopt; i++)
                free(r->adopt[i]);
        pdi_diff_done(&r->diff);
}

char *pdi_run_join(const char *dir, const char *name)
{
        char *s = NULL;
        return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

int pdi_run_open(struct run *r)
{
        if (r->opened)
                return 0;
        int k = pdi_ctx_root(r->ctx, &r->root);
        if (k == 0)
                k = pdi_layout_init(&r->layout, NULL, r->o->prefix);
        r->opened = k == 0;
        return k;
}

/* The adopted node's settings first, then the flags: a flag wins. */
static int overrides(struct run *r, char ***ret, size_t *ret_n)
{
        size_t n = r->n_adopt + r->o->n_settings;
        char **v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        memcpy(v, r->adopt, r->n_adopt * sizeof(*v));
        memcpy(v + r->n_adopt, r->o->settings, r->o->n_settings * sizeof(*v));
        *ret = v;
        *ret_n = n;
        return 0;
}

/* --non-interactive (or no terminal, or --json) without -y takes no default for a required answer
 * on a first install (no config file yet, nothing adopted): a validator's chain, since a validator
 * started on the default chain serves another network than its stake, with a new database and
 * keystore. A plain node's defaults (polkadot, no ports) risk nothing. */
static bool unattended(const struct run *r)
{
        /* --json: a program reads stdout, no one answers: as --non-interactive unless -y. */
        return r->ctx->non_interactive || (r->ctx->json && !r->ctx->yes);
}

static int require_answers(struct run *r)
{
        if (!unattended(r) || r->ctx->yes || r->host.config_seen || r->adopting ||
            !r->host.settings.validator)
                return 0;
        for (size_t i = 0; i < r->o->n_settings; i++)
                if (strncmp(r->o->settings[i], "chain=", 6) == 0)
                        return 0;
        return pdi_error_set(&r->ctx->err, -PDI_E_USAGE,
                             "%s: --chain is required for a validator without a terminal or "
                             "with --non-interactive or --json on a first install (no %s yet); "
                             "pass it "
                             "(or POLKADOT_INSTALLER_CHAIN), or -y to take the default",
                             r->o->action, r->layout.config);
}

int pdi_run_setup(struct run *r)
{
        _cleanup_free_ char **over = NULL;
        size_t n_over = 0;
        int k = pdi_run_open(r);
        if (k == 0)
                k = overrides(r, &over, &n_over);
        if (k < 0)
                return k;
        r->fetch = (struct pdi_fetch_opts){
            .cacert = r->o->cacert,
            .progress = isatty(STDERR_FILENO) && r->ctx->verbosity >= 0 && !r->ctx->json,
        };
        /* Settings first, outside the lock (pipeline/host.h says why), then checked again
         * under it. */
        k = pdi_host_prepare(&r->host, r->root, &r->layout, over, n_over,
                             unattended(r) || r->ctx->yes || r->o->dry_run || r->adopting
                                 ? NULL
                                 : r->o->ask_settings,
                             r->o->ask_userdata, &r->ctx->err);
        r->host_ready = true;
        if (k == 0)
                k = require_answers(r);
        if (k < 0 && r->adopting)
                pdi_error_prefix(&r->ctx->err, "adopting %s: ", r->existing.unit);
        if (k == 0 && !r->o->dry_run) {
                k = pdi_lock_take(r->root, r->layout.lock, r->o->action, r->o->lock_timeout_s,
                                  &r->lock_fd, &r->ctx->err);
                pdi_fault("locked");
        }
        if (k == 0 && !r->o->dry_run)
                k = pdi_host_settings_current(&r->host, &r->ctx->err);
        return k;
}

static void report_leftover(const char *what, void *userdata)
{
        struct run *r = userdata;
        log_notice("removed %s/%s left by an interrupted run", r->layout.releases, what);
}

/* The `current` symlink is the truth, since it is switched by one atomic rename. */
int pdi_run_reconcile(struct run *r)
{
        /* --dry-run and --check write nothing, not even the removal of leftovers. */
        int k = r->o->dry_run ? 0 : pdi_layout_cleanup(r->root, &r->layout, report_leftover, r);
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

int pdi_run_container_mode(struct run *r)
{
        const char *inst = r->layout.instance;
        bool recorded = pdi_state_container(&r->state, inst);
        if (!r->o->container && !recorded)
                return 0;
        if (!recorded && r->tree_current)
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "--container: %s holds an install with systemd units "
                                     "(release %s); container mode is for a new image tree: "
                                     "uninstall first",
                                     r->root->path, r->tree_current);
        /* The spawner is a systemd service: an image has no systemd to run it. */
        if (r->host.settings.isolate_workers)
                return pdi_error_set(&r->ctx->err, -PDI_E_USAGE,
                                     "--container: worker_isolation=systemd needs systemd to "
                                     "run the PVF spawner, and an image has none; use "
                                     "--worker-isolation none");
        r->host.container = true;
        r->host.live = false;
        return pdi_state_set_container(&r->state, inst);
}

int pdi_run_save_state(struct run *r)
{
        return pdi_state_save(r->root, &r->state, &r->ctx->err);
}

static const char *last_segment(const char *url)
{
        const char *s = strrchr(url, '/');
        return s ? s + 1 : url;
}

/* Source i of an artifact, resolved against the manifest's location. A manifest from the
 * network may not point us at files on this machine. */
static int artifact_url(struct run *r, const struct pdi_manifest_artifact *a, size_t i, char **ret)
{
        const char *ref = i == 0 ? a->url : a->mirrors[i - 1];
        bool remote = pdi_url_scheme_length(r->manifest_src) > 0 &&
                      !pdi_url_scheme_is(r->manifest_src, "file");
        char *u = r->o->from ? pdi_run_join(r->o->from, last_segment(ref))
                             : pdi_url_resolve(r->manifest_src, ref);
        if (!u)
                return -ENOMEM;
        if (remote && pdi_url_scheme_is(u, "file")) {
                free(u);
                return pdi_error_set(&r->ctx->err, -PDI_E_MANIFEST,
                                     "manifest %s: artifact %s: a file:// source in a "
                                     "manifest fetched over the network",
                                     r->manifest_src, a->name);
        }
        *ret = u;
        return 0;
}

int pdi_run_artifact_urls(struct run *r, const struct pdi_manifest_artifact *a, char ***ret,
                          size_t *ret_n)
{
        size_t n = r->o->from ? 1 : 1 + a->n_mirrors;
        char **v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int k = artifact_url(r, a, i, &v[i]);
                if (k < 0) {
                        pdi_strv_free(v, n);
                        return k;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
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

static void report_warnings(struct run *r, const struct pdi_audit *a)
{
        for (size_t i = 0; i < a->n_results; i++)
                for (size_t j = 0; j < a->results[i].n_findings; j++)
                        if (a->results[i].findings[j].severity == PDI_SEV_WARN)
                                pdi_report_warn(&r->report, "[%s] %s", a->results[i].id,
                                                a->results[i].findings[j].text);
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
        if (k == 0)
                report_warnings(r, &a);
        pdi_audit_done(&a);
        pdi_target_done(&t);
        return k;
}
