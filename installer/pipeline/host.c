/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/host.h"
#include "host/cgroups.h"
#include "host/conffile.h"
#include "base/fault.h"
#include "pipeline/health.h"
#include "host/journal.h"
#include "host/nodekey.h"
#include "host/apparmor.h"
#include "host/pvf.h"
#include "host/selinux.h"
#include "host/systemd.h"
#include "host/units.h"
#include "host/users.h"
#include "base/diff.h"

#include <errno.h>
#include <fcntl.h>

/* One "key=value" from a settings flag. */
static int override(struct pdi_host *h, const char *kv, struct pdi_error *err)
{
        const char *eq = strchr(kv, '=');
        if (!eq)
                return pdi_error_set(err, -PDI_E_USAGE, "setting '%s': not key=value", kv);
        _cleanup_free_ char *key = strndup(kv, (size_t)(eq - kv));
        if (!key)
                return pdi_error_set(err, -ENOMEM, "setting %s: %s", kv, pdi_strerror(-ENOMEM));
        h->settings_given = true;
        return pdi_settings_set(&h->settings, key, eq + 1, err);
}

int pdi_host_prepare(struct pdi_host *h, const struct pdi_root *r, const struct pdi_layout *l,
                     char *const *overrides, size_t n_overrides,
                     int (*ask)(struct pdi_settings *s, void *userdata, struct pdi_error *err),
                     void *userdata, struct pdi_error *err)
{
        *h = (struct pdi_host){.root = r, .layout = l, .live = pdi_systemd_live(r)};
        pdi_settings_init(&h->settings, l);
        int k = pdi_distro_detect(r, &h->distro, err);
        if (k == 1) {
                h->generic_distro = true;
                k = 0;
        }
        if (k == 0 && h->distro->init == PDI_INIT_NIXOS)
                k = pdi_error_set(err, -PDI_E_POLICY,
                                  "NixOS: refusing to modify the system outside its "
                                  "configuration; see the NixOS section of INSTALL.md");
        bool have_config = false;
        /* What the settings come from, for pdi_host_settings_current; a file that cannot be
         * read is settings_load's to report. */
        if (k == 0 && pdi_root_read_file(r, l->config, PDI_SETTINGS_MAX_BYTES, &h->config_seen,
                                         &h->config_seen_len) < 0)
                h->config_seen = NULL;
        if (k == 0) {
                k = pdi_settings_load(r, l, &h->settings, err);
                have_config = k == 1;
                k = k < 0 ? k : 0;
        }
        for (size_t i = 0; k == 0 && i < n_overrides; i++)
                k = override(h, overrides[i], err);
        if (k == 0 && ask && !have_config) { /* the flags' answers are shown, not asked */
                k = ask(&h->settings, userdata, err);
                h->settings_given = true;
        }
        if (k == 0)
                k = pdi_settings_validate(&h->settings, err);
        if (k == 0)
                k = pdi_settings_check_layout(&h->settings, l, err);
        return k;
}

void pdi_host_done(struct pdi_host *h)
{
        pdi_settings_done(&h->settings);
        free(h->config_seen);
        h->config_seen = NULL;
        free(h->node_exe);
        h->node_exe = NULL;
}

int pdi_host_settings_current(const struct pdi_host *h, struct pdi_error *err)
{
        _cleanup_free_ char *now = NULL;
        size_t len = 0;
        const struct pdi_layout *l = h->layout;
        int k = pdi_root_read_file(h->root, l->config, PDI_SETTINGS_MAX_BYTES, &now, &len);
        bool same = k == -ENOENT ? !h->config_seen
                                 : k == 0 && h->config_seen && len == h->config_seen_len &&
                                       memcmp(now, h->config_seen, len) == 0;
        if (same)
                return 0;
        return pdi_error_set(err, -PDI_E_FAILED,
                             "%s: changed by another run while this one prepared its settings; "
                             "nothing was written, run again",
                             l->config);
}

/* The config file is the operator's own: rewritten only when flags changed a setting (their
 * other values were loaded from it and are kept) and the result differs from it. */
static char *render_env(const struct pdi_host *h)
{
        _cleanup_free_ char *args = pdi_settings_node_args(&h->settings);
        char *env = NULL;
        if (!args || asprintf(&env,
                              "# Rendered by polkadot-installer from %s; edit that file "
                              "instead.\n"
                              "POLKADOT_ARGS=\"%s\"\n",
                              h->layout->config, args) < 0)
                return NULL;
        return env;
}

/* The config file is written when it is missing or flags changed it (and the text differs). */
static bool config_due(const struct pdi_host *h, int read, const char *old, const char *cfg)
{
        return read == -ENOENT || (read == 0 && h->settings_given && !streq(old, cfg));
}

static int write_config(struct pdi_host *h, struct pdi_state *st, struct pdi_report *rep,
                        struct pdi_error *err)
{
        const struct pdi_layout *l = h->layout;
        _cleanup_free_ char *cfg = pdi_settings_render_config(&h->settings);
        _cleanup_free_ char *env = render_env(h);
        if (!cfg || !env)
                return -ENOMEM;
        _cleanup_free_ char *old = NULL;
        int k = pdi_root_read_file(h->root, l->config, 64 * 1024, &old, NULL);
        if (config_due(h, k, old, cfg)) {
                k = pdi_root_mkdir_p(h->root, l->config_dir, 0755);
                if (k == 0)
                        k = pdi_root_write_atomic(h->root, l->config, cfg, strlen(cfg),
                                                  PDI_SETTINGS_FILE_MODE);
                if (k < 0)
                        return pdi_error_set(err, k, "%s: %s", l->config, strerror(-k));
                pdi_report_action(rep, "wrote settings to %s", l->config);
        } else if (k < 0) {
                return pdi_error_set(err, k, "%s: %s", l->config, pdi_read_strerror(k));
        } else {
                k = pdi_conffile_narrow_mode(h->root, l->config, PDI_SETTINGS_FILE_MODE, rep, err);
                if (k < 0)
                        return k;
        }
        enum pdi_conffile_result res;
        return pdi_conffile_write(h->root, st, l->env_file, env, PDI_SETTINGS_FILE_MODE, rep, &res,
                                  err);
}

static int render_units(const struct pdi_host *h, struct pdi_host_facts *facts, char **ret_service,
                        char **ret_slice)
{
        _cleanup_free_ char *service = NULL, *slice = NULL;
        int k = pdi_host_facts_detect(h->root, facts);
        if (k == 0)
                k = pdi_units_render_service(h->layout, &h->settings, facts, &service);
        if (k == 0)
                k = pdi_units_render_slice(h->layout, facts, &slice);
        if (k < 0)
                return k;
        *ret_service = TAKE_PTR(service);
        *ret_slice = TAKE_PTR(slice);
        return 0;
}

static int write_units(struct pdi_host *h, struct pdi_state *st, struct pdi_report *rep,
                       struct pdi_error *err)
{
        _cleanup_free_ char *service = NULL, *slice = NULL;
        struct pdi_host_facts facts;
        enum pdi_conffile_result res;
        int k = render_units(h, &facts, &service, &slice);
        if (k < 0)
                return pdi_error_set(err, k, "rendering units: %s", pdi_strerror(k));
        k = pdi_conffile_write(h->root, st, h->layout->service_path, service, 0644, rep, &res, err);
        if (k == 0)
                k = pdi_conffile_write(h->root, st, h->layout->slice_path, slice, 0644, rep, &res,
                                       err);
        if (k == 0)
                k = pdi_pvf_configure(h->root, h->layout, &h->settings, &facts, st, rep, err);
        return k;
}

/* The spawner's socket and service: enabled, and the socket listening before the node
 * starts (a running spawner is left alone: it reads the allow list at every request). */
static int enable_pvf(struct pdi_host *h, struct pdi_error *err)
{
        const struct pdi_layout *l = h->layout;
        struct pdi_unit_status st;
        struct pdi_error ignored = {0};
        if (!h->settings.isolate_workers)
                return 0;
        if (!h->live)
                return pdi_pvf_enable_offline(h->root, l, err);
        int k = pdi_systemd_enable(l->pvf_socket_unit, err);
        if (k == 0)
                k = pdi_systemd_enable(l->pvf_service, err);
        if (k == 0 && (pdi_systemd_status(l->pvf_service, &st, &ignored) < 0 ||
                       !streq(st.active_state, "active")))
                k = pdi_systemd_restart(l->pvf_service, err);
        return k;
}

static int enable(struct pdi_host *h, struct pdi_report *rep, struct pdi_error *err)
{
        int k = 0;
        if (!h->live)
                k = pdi_systemd_enable_offline(h->root, h->layout, rep, err);
        if (h->live)
                k = pdi_systemd_daemon_reload(err);
        if (k == 0 && h->live)
                k = pdi_systemd_enable(h->layout->service, err);
        if (k == 0)
                k = enable_pvf(h, err);
        return k;
}

int pdi_host_use_release(struct pdi_host *h, const char *version)
{
        char *exe = NULL;
        if (asprintf(&exe, "%s/%s/polkadot", h->layout->releases, version) < 0)
                return -ENOMEM;
        free(h->node_exe);
        h->node_exe = exe;
        return 0;
}

/* What container mode leaves to the image (INSTALL.md, Docker). */
static void container_notes(const struct pdi_host *h, struct pdi_report *rep)
{
        const struct pdi_layout *l = h->layout;
        pdi_report_note(rep,
                        "container mode: no unit, slice or timer written, nothing started; the "
                        "image runs %s/polkadot as user %s (ENTRYPOINT, see INSTALL.md, Docker)",
                        l->current, l->user);
        if (h->settings.validator)
                pdi_report_warn(rep,
                                "container mode: no network key is made into the image (every "
                                "container of it would share one identity); make it once on "
                                "the container's volume: %s/polkadot key generate-node-key "
                                "--file %s/node-key",
                                l->current, h->settings.base_path);
}

int pdi_host_configure(struct pdi_host *h, struct pdi_state *st, struct pdi_report *rep,
                       struct pdi_error *err)
{
        if (h->generic_distro && !h->container)
                pdi_report_note(rep, "%s has no os-release: using generic systemd defaults",
                                h->root->path);
        int k = pdi_users_ensure(h->root, h->layout, h->distro, st, rep, err);
        if (k == 0 && h->adopted)
                k = pdi_dirs_check_adopted(h->root, h->layout, h->settings.base_path, err);
        else if (k == 0)
                k = pdi_dirs_ensure(h->root, h->layout, &h->settings, st, rep, err);
        if (k == 0)
                k = write_config(h, st, rep, err);
        if (k == 0 && h->node_exe && !h->container)
                k = pdi_node_key_ensure(h->root, h->layout, &h->settings, h->node_exe, rep, err);
        if (k < 0)
                return k;
        if (h->container) {
                container_notes(h, rep);
                return 0;
        }
        if (h->distro->init == PDI_INIT_OPENRC) {
                pdi_report_warn(rep,
                                "%s runs OpenRC, not systemd: no units were written. Run "
                                "%s/polkadot as user %s with the arguments in %s from an "
                                "OpenRC service (see INSTALL.md, Alpine)",
                                h->distro->name, h->layout->current, h->layout->user,
                                h->layout->env_file);
                return 0;
        }
        k = write_units(h, st, rep, err);
        if (k == 0)
                k = pdi_selinux_apply(h->root, h->layout, h->settings.base_path, st, rep, err);
        if (k == 0)
                k = pdi_apparmor_apply(h->root, h->layout, st, rep, err);
        if (k == 0 && h->live) {
                struct pdi_cgroups cg;
                if (pdi_cgroups_detect("/sys/fs/cgroup", &cg) == 0)
                        pdi_cgroups_report(&cg, rep);
        }
        if (k == 0)
                k = enable(h, rep, err);
        return k;
}

static int journal_error(const char *unit, struct pdi_error *err)
{
        _cleanup_free_ char *tail = NULL;
        if (pdi_journal_tail(unit, 10, &tail) == 0 && tail && *tail)
                snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
                         "; last journal lines:\n%s", tail);
        return err->code ? err->code : -PDI_E_FAILED;
}

int pdi_host_start(struct pdi_host *h, unsigned settle_s, bool restart, struct pdi_report *rep,
                   struct pdi_error *err)
{
        const char *unit = h->layout->service;
        if (h->container || (h->distro && h->distro->init != PDI_INIT_SYSTEMD))
                return 0;
        if (!h->live) {
                pdi_report_note(rep,
                                "offline (--root or no systemd): start the node with "
                                "'systemctl start %s' on the target system",
                                unit);
                return 0;
        }
        struct pdi_unit_status st;
        struct pdi_error ignored = {0};
        int k = 0;
        if (restart || pdi_systemd_status(unit, &st, &ignored) < 0 ||
            !streq(st.active_state, "active"))
                k = pdi_systemd_restart(unit, err);
        pdi_fault("restarted");
        if (k == 0)
                k = pdi_systemd_wait_active(unit, 60, settle_s, err);
        if (k == 0 && h->settings.rpc_port)
                k = pdi_health_rpc(h->settings.rpc_port, 60, err);
        if (k < 0)
                return journal_error(unit, err);
        pdi_report_action(rep, "%s is active%s", unit,
                          h->settings.rpc_port ? " and answers system_health" : "");
        return 0;
}

/* ---- --check and --diff ---- */

static char *with_new(const char *path)
{
        char *s = NULL;
        return asprintf(&s, "%s.new", path) < 0 ? NULL : s;
}

/* The paths host configuration may write, in the order it writes them. */
static void host_paths(const struct pdi_host *h, const char *paths[6])
{
        const struct pdi_layout *l = h->layout;
        const char *p[] = {l->sysusers, l->tmpfiles,     l->config,
                           l->env_file, l->service_path, l->slice_path};
        memcpy(paths, p, sizeof(p));
}

int pdi_host_track(const struct pdi_host *h, struct pdi_diff *d)
{
        const char *paths[6];
        host_paths(h, paths);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *new = with_new(paths[i]);
                if (!new || !pdi_diff_track(d, h->root, paths[i]) ||
                    !pdi_diff_track(d, h->root, new))
                        return -ENOMEM;
        }
        const struct pdi_layout *l = h->layout;
        const char *pvf[] = {l->pvf_service, l->pvf_socket_unit, l->pvf_slice};
        for (size_t i = 0; i < ELEMENTSOF(pvf); i++) {
                _cleanup_free_ char *path = pdi_units_join(l->unit_dir, pvf[i]);
                if (!path || !pdi_diff_track(d, h->root, path))
                        return -ENOMEM;
        }
        return 0;
}

/* A conffile's after side as pdi_conffile_write would leave it: ours, or kept (the
 * operator's edit) with ours in FILE.new. */
static int render_conffile(const struct pdi_host *h, const struct pdi_state *st, struct pdi_diff *d,
                           const char *path, const char *text)
{
        struct pdi_diff_file *f = pdi_diff_track(d, h->root, path);
        if (!f)
                return -ENOMEM;
        if (f->before && streq(f->before, text))
                return pdi_diff_set_after(d, h->root, path, text);
        if (f->before && pdi_conffile_owner(h->root, st, path) != PDI_CONFFILE_OURS) {
                _cleanup_free_ char *new = with_new(path);
                int k = new ? pdi_diff_set_after(d, h->root, path, f->before) : -ENOMEM;
                return k < 0 ? k : pdi_diff_set_after(d, h->root, new, text);
        }
        return pdi_diff_set_after(d, h->root, path, text);
}

/* The worker-isolation units as --diff shows them: their text in systemd mode; in none mode
 * absent after where an earlier systemd mode left them (pdi_pvf_remove takes them away), as
 * they were otherwise. */
static int render_pvf_units(const struct pdi_host *h, const struct pdi_state *st,
                            struct pdi_diff *d, const struct pdi_host_facts *facts)
{
        const struct pdi_layout *l = h->layout;
        _cleanup_free_ char *service = NULL, *socket = NULL, *slice = NULL;
        if (h->settings.isolate_workers) {
                int k = pdi_pvf_render_units(l, &h->settings, facts, &service, &socket, &slice);
                if (k < 0)
                        return k;
        }
        const struct {
                const char *name, *text;
        } u[] = {{l->pvf_service, service}, {l->pvf_socket_unit, socket}, {l->pvf_slice, slice}};
        if (!h->settings.isolate_workers && !pdi_pvf_enabled(h->root, l))
                return 0;
        int k = 0;
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(u); i++) {
                _cleanup_free_ char *path = pdi_units_join(l->unit_dir, u[i].name);
                if (!path)
                        return -ENOMEM;
                k = u[i].text ? render_conffile(h, st, d, path, u[i].text)
                              : pdi_diff_set_after(d, h->root, path, NULL);
        }
        return k;
}

int pdi_host_render(const struct pdi_host *h, const struct pdi_state *st, struct pdi_diff *d)
{
        const struct pdi_layout *l = h->layout;
        _cleanup_free_ char *sysusers = pdi_users_render_snippet(l, h->distro);
        _cleanup_free_ char *tmpfiles = pdi_dirs_render_snippet(l, &h->settings);
        _cleanup_free_ char *cfg = pdi_settings_render_config(&h->settings);
        _cleanup_free_ char *env = render_env(h);
        _cleanup_free_ char *service = NULL, *slice = NULL, *old = NULL;
        if (!sysusers || !tmpfiles || !cfg || !env)
                return -ENOMEM;
        int k = pdi_host_track(h, d);
        if (k == 0)
                k = pdi_diff_keep(d);
        if (k == 0)
                k = render_conffile(h, st, d, l->sysusers, sysusers);
        if (k == 0 && !h->adopted)
                k = render_conffile(h, st, d, l->tmpfiles, tmpfiles);
        int read = pdi_root_read_file(h->root, l->config, PDI_SETTINGS_MAX_BYTES, &old, NULL);
        if (k == 0 && config_due(h, read, old, cfg))
                k = pdi_diff_set_after(d, h->root, l->config, cfg);
        if (k == 0)
                k = render_conffile(h, st, d, l->env_file, env);
        if (k < 0 || h->container || (h->distro && h->distro->init == PDI_INIT_OPENRC))
                return k; /* no units (container mode, OpenRC) */
        struct pdi_host_facts facts;
        k = render_units(h, &facts, &service, &slice);
        if (k == 0)
                k = render_conffile(h, st, d, l->service_path, service);
        if (k == 0)
                k = render_conffile(h, st, d, l->slice_path, slice);
        if (k == 0)
                k = render_pvf_units(h, st, d, &facts);
        return k;
}
