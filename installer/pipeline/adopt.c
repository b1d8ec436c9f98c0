/* SPDX-License-Identifier: Apache-2.0 */
/* See adopt.h. */
#include "pipeline/adopt.h"
#include "base/log.h"
#include "checks/checks_nodekey.h"
#include "checks/existing.h"
#include "checks/paths.h"
#include "host/systemd.h"
#include "host/unitlinks.h"
#include "host/users.h"
#include "release/state_owned.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

/* The node flags our settings name (settings.h); every other argument is kept, in order, in
 * node_args. */
static const struct known {
        const char *flag, *shrt, *key;
        bool value;
} known[] = {
    {"--chain", NULL, "chain", true},
    {"--name", NULL, "node_name", true},
    {"--base-path", "-d", "base_path", true},
    {"--validator", NULL, "validator", false},
    {"--rpc-port", NULL, "rpc_port", true},
    {"--prometheus-port", NULL, "prometheus_port", true},
    {"--telemetry-url", NULL, "telemetry_url", true},
    {"--no-telemetry", NULL, "no_telemetry", false},
};

static int add(struct run *r, const char *key, const char *value)
{
        if (r->n_adopt >= ELEMENTSOF(r->adopt))
                return -E2BIG;
        if (asprintf(&r->adopt[r->n_adopt], "%s=%s", key, value) < 0)
                return -ENOMEM;
        r->n_adopt++;
        return 0;
}

/* args[*i] as one of ours: its value (NULL for a switch) and key; advances *i past it. */
static const struct known *match(char *const *args, size_t *i, const char **ret_value)
{
        for (size_t j = 0; j < ELEMENTSOF(known); j++) {
                const struct known *kn = &known[j];
                size_t n = strlen(kn->flag);
                const char *a = args[*i];
                if (kn->value && strncmp(a, kn->flag, n) == 0 && a[n] == '=') {
                        *ret_value = a + n + 1;
                        return kn;
                }
                if (!streq(a, kn->flag) && !(kn->shrt && streq(a, kn->shrt)))
                        continue;
                if (kn->value && !args[*i + 1])
                        return NULL; /* a flag without its value: kept as it is */
                *ret_value = kn->value ? args[++*i] : NULL;
                return kn;
        }
        return NULL;
}

static int append_arg(char **rest, const char *a)
{
        char *n = NULL;
        if (asprintf(&n, "%s%s%s", *rest ? *rest : "", *rest ? " " : "", a) < 0)
                return -ENOMEM;
        free(*rest);
        *rest = n;
        return 0;
}

/* The base path the node uses when its arguments name none: $HOME/.local/share/polkadot of
 * the user the unit runs as (the node's default; the Debian package relies on it). */
static int default_base(struct run *r, const char *user)
{
        struct pdi_user u;
        if (pdi_user_lookup(r->root, user, &u) < 0)
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "adopting %s: its user %s is not in the root's passwd",
                                     r->existing.what, user);
        _cleanup_free_ char *b = pdi_path_join(u.home, ".local/share/polkadot");
        pdi_user_done(&u);
        return b ? add(r, "base_path", b) : -ENOMEM;
}

/* The key the node uses today (its default place, or --node-key-file): named explicitly, so
 * that the installer never makes it a new network identity (host/nodekey.h would otherwise
 * generate one for a validator at its own place). */
static int keep_node_key(struct run *r, const char *base, char **rest)
{
        if (pdi_args_value(r->existing.args, "--node-key-file", NULL) ||
            pdi_args_value(r->existing.args, "--node-key", NULL))
                return 0; /* carried over as it is, in node_args */
        _cleanup_free_ char *key = pdi_node_key_location(r->existing.args, base);
        _cleanup_close_ int fd = key ? pdi_root_open_regular(r->root, key, O_NOFOLLOW) : -1;
        if (fd < 0)
                return 0;
        _cleanup_free_ char *arg = NULL;
        if (asprintf(&arg, "--node-key-file=%s", key) < 0)
                return -ENOMEM;
        return append_arg(rest, arg);
}

/* The base path the adopted settings name. */
static const char *adopted_base(const struct run *r)
{
        for (size_t i = r->n_adopt; i-- > 0;)
                if (strncmp(r->adopt[i], "base_path=", 10) == 0)
                        return r->adopt[i] + 10;
        return NULL;
}

static int settings_from_args(struct run *r)
{
        char *const *args = r->existing.args;
        _cleanup_free_ char *rest = NULL;
        bool have_base = false;
        int k = 0;
        for (size_t i = 0; k == 0 && args && args[i]; i++) {
                const char *v = NULL;
                const struct known *kn = match(args, &i, &v);
                if (kn) {
                        have_base = have_base || streq(kn->key, "base_path");
                        k = add(r, kn->key, kn->value ? v : "yes");
                } else {
                        k = append_arg(&rest, args[i]);
                }
        }
        if (k == 0 && !have_base)
                k = default_base(r, r->existing.user);
        if (k == 0)
                k = keep_node_key(r, adopted_base(r), &rest);
        if (k == 0 && rest)
                k = add(r, "node_args", rest);
        return k == -E2BIG ? pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                           "adopting %s: too many settings", r->existing.what)
                           : k;
}

static int refuse(struct run *r)
{
        return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                             "found a node this tool did not install: %s; pass --adopt to take "
                             "it over (its settings, data and keys stay where they are; "
                             "INSTALL.md, \"Taking over a running node\"), or remove it first",
                             r->existing.what);
}

static int check_user(struct run *r)
{
        const struct pdi_existing *e = &r->existing;
        if (!e->unit)
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "--adopt: %s; only a node that a systemd unit runs can be "
                                     "adopted (its settings come from the unit)",
                                     e->what);
        if (!e->user || streq(e->user, "root") || streq(e->user, "0"))
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "--adopt: %s as root; run it as user %s first (its data "
                                     "would have to change owner, which adoption never does)",
                                     e->what, r->layout.user);
        if (!streq(e->user, r->layout.user))
                return pdi_error_set(&r->ctx->err, -PDI_E_POLICY,
                                     "--adopt: %s as user %s; the installer runs the node as "
                                     "%s and adoption changes no owner: rename the account or "
                                     "run the node as %s first",
                                     e->what, e->user, r->layout.user, r->layout.user);
        return 0;
}

int pdi_adopt_detect(struct run *r)
{
        struct pdi_state st = {0};
        struct pdi_error ignored = {0};
        int k = pdi_run_open(r);
        if (k < 0)
                return k;
        const char *adopted = NULL;
        if (pdi_state_load(r->root, &st, &ignored) == 0)
                adopted = json_string_value(
                    json_object_get(pdi_state_adopted(&st, r->layout.instance), "unit"));
        k = pdi_existing_find(r->root, &r->layout, adopted, &r->existing, &r->ctx->err);
        pdi_state_done(&st);
        if (k <= 0)
                return k;
        if (!r->o->adopt)
                return refuse(r);
        k = check_user(r);
        if (k == 0)
                k = settings_from_args(r);
        r->adopting = k == 0;
        return k;
}

static const char *rec_str(json_t *rec, const char *key)
{
        return json_string_value(json_object_get(rec, key));
}

/* What the adopted unit was, into the state: saved before anything is stopped. */
static int record(struct run *r, json_t **ret)
{
        const struct pdi_existing *e = &r->existing;
        struct pdi_unit_status us;
        struct pdi_error ignored = {0};
        bool active = r->host.live && pdi_systemd_status(e->unit, &us, &ignored) == 0 &&
                      (streq(us.active_state, "active") || streq(us.active_state, "activating"));
        json_t *links = NULL;
        int k = pdi_unit_links_find(r->root, e->unit, &links);
        if (k < 0)
                return pdi_error_set(&r->ctx->err, k, "adopting %s: %s", e->unit, pdi_strerror(k));
        json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "unit", e->unit,
                                "unit_path", e->unit_path, "kind", e->kind, "user", e->user,
                                "base_path", r->host.settings.base_path, "was_active", active,
                                "same_name", streq(e->unit, r->layout.service), "links", links);
        k = rec ? pdi_state_set_adopted(&r->state, r->layout.instance, rec) : -ENOMEM;
        json_decref(rec);
        *ret = pdi_state_adopted(&r->state, r->layout.instance);
        return k < 0 ? k : pdi_run_save_state(r);
}

int pdi_adopt_take(struct run *r)
{
        if (!r->adopting)
                return 0;
        json_t *rec = NULL;
        int k = record(r, &rec);
        if (k < 0)
                return k;
        const char *unit = rec_str(rec, "unit");
        pdi_report_action(&r->report,
                          "adopting %s: its settings, base path %s, network key and "
                          "keystore are kept as they are",
                          r->existing.what, r->host.settings.base_path);
        if (r->host.live && json_is_true(json_object_get(rec, "was_active"))) {
                k = pdi_systemd_stop(unit, &r->ctx->err);
                if (k < 0)
                        return k;
                pdi_report_action(&r->report, "stopped %s", unit);
        }
        k = pdi_unit_links_remove(r->root, json_object_get(rec, "links"), &r->report, &r->ctx->err);
        if (k == 0 && r->host.live)
                k = pdi_systemd_daemon_reload(&r->ctx->err);
        if (k == 0)
                pdi_report_action(&r->report, "disabled %s (its file %s stays as it is)", unit,
                                  rec_str(rec, "unit_path"));
        json_object_set_new(r->out, "changed", json_true());
        return k;
}

/* Our unit out of the way of theirs: stopped, its link gone, and its file too when it has
 * their unit's name (it would hide theirs). */
static int ours_away(struct run *r, json_t *rec, struct pdi_error *err)
{
        const struct pdi_layout *l = &r->layout;
        int k = r->host.live ? pdi_systemd_stop(l->service, err) : 0;
        if (k == 0)
                k = pdi_systemd_disable_offline(r->root, l, &r->report, err);
        if (k == 0 && json_is_true(json_object_get(rec, "same_name"))) {
                const char *base;
                _cleanup_close_ int dfd = pdi_root_open_parent(r->root, l->service_path, 0, &base);
                if (dfd >= 0 && unlinkat(dfd, base, 0) == 0)
                        pdi_report_action(&r->report, "removed %s (it hid %s)", l->service_path,
                                          rec_str(rec, "unit_path"));
                (void)pdi_state_set_rendered(&r->state, l->service_path, NULL);
        }
        return k;
}

void pdi_adopt_fall_back(struct run *r)
{
        json_t *rec = pdi_state_adopted(&r->state, r->layout.instance);
        if (!r->adopting || !rec)
                return;
        struct pdi_error err = {0};
        json_incref(rec);
        int k = ours_away(r, rec, &err);
        if (k == 0)
                k = pdi_adopt_give_back(r->root, rec, r->host.live, &r->report, &err);
        /* The release failed its check, as after any fallback (pruned first, rollback
         * to it only with --force). */
        if (k == 0 && r->v.manifest &&
            !pdi_state_failure(&r->state, r->layout.instance, r->v.manifest->version))
                k = pdi_state_record_failure(&r->state, r->layout.instance, r->v.manifest->version,
                                             "failed its health check when it took over");
        if (k == 0) {
                pdi_state_set_adopted(&r->state, r->layout.instance, NULL);
                k = pdi_run_save_state(r);
        }
        const char *unit = rec_str(rec, "unit");
        if (k == 0)
                pdi_error_prefix(&r->ctx->err, "gave %s back as it was; ", unit);
        else
                pdi_error_prefix(&r->ctx->err, "could not give %s back (%s); ", unit, err.msg);
        json_decref(rec);
}

int pdi_adopt_give_back(const struct pdi_root *root, json_t *rec, bool live, struct pdi_report *rep,
                        struct pdi_error *err)
{
        const char *unit = rec_str(rec, "unit");
        int k = pdi_unit_links_restore(root, json_object_get(rec, "links"), rep, err);
        if (k == 0 && live)
                k = pdi_systemd_daemon_reload(err);
        if (k == 0 && live && json_is_true(json_object_get(rec, "was_active"))) {
                k = pdi_systemd_restart(unit, err);
                if (k == 0)
                        pdi_report_action(rep, "started %s again", unit);
        }
        return k;
}

void pdi_adopt_plan(const struct run *r, void (*line)(const char *text, void *userdata),
                    void *userdata)
{
        char buf[1024];
        if (!r->adopting)
                return;
        snprintf(buf, sizeof(buf), "# adopt %s: stop it, remove its enable links (its file stays)",
                 r->existing.what);
        line(buf, userdata);
        for (size_t i = 0; i < r->n_adopt; i++) {
                snprintf(buf, sizeof(buf), "#   carried over: %s", r->adopt[i]);
                line(buf, userdata);
        }
        line("#   its base path, database, network key and keystore stay where they are; if the "
             "new unit fails its check, the old one comes back",
             userdata);
}
