/* SPDX-License-Identifier: Apache-2.0 */
/* What is installed under the root, found the way the node and systemd would find it: ours
 * (/opt/polkadot/current), Parity's Debian package, a hand install or the Docker layout; the
 * node from the unit's ExecStart (else PATH), its workers by the node's own search order
 * (polkadot/node/service/src/workers.rs), the base path from the node's arguments. */
#include "checks/target.h"
#include "base/encoding.h"
#include "checks/cmdline.h"
#include "checks/existing.h"
#include "checks/paths.h"
#include "checks/unitfile.h"
#include "host/users.h"
#include "trust/hash.h"
#include "release/layout.h"
#include "release/state.h"
#include "release/release.h"
#include "release/state_owned.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

static const char *const path_dirs[] = {PDI_PATH_DIRS};

/* ---- discovery ------------------------------------------------------------------------ */

struct found {
        char *unit_path;
        struct pdi_unit unit;
        char *node_word; /* ExecStart's program, as written */
        char **args;     /* the node's arguments, variables expanded */
        char *unit_user; /* User= */
};

static void found_done(struct found *f)
{
        free(f->unit_path);
        pdi_unit_done(&f->unit);
        free(f->node_word);
        pdi_argv_free(f->args);
        free(f->unit_user);
}

static int unit_take(const struct pdi_root *r, const char *path, struct found *f,
                     struct pdi_error *err)
{
        f->unit_path = strdup(path);
        const char *user = pdi_unit_get(&f->unit, "Service", "User");
        f->unit_user = user ? strdup(user) : NULL;
        char **argv = NULL;
        size_t n = 0;
        int k = pdi_unit_exec_argv(r, &f->unit, &argv, &n);
        if (k < 0) {
                return k == -ENOENT ? 0
                                    : pdi_error_set(err, k, "%s: ExecStart=: %s", path,
                                                    k == -EINVAL  ? "unbalanced quoting"
                                                    : k == -E2BIG ? "a word longer than 4096 bytes"
                                                                  : strerror(-k));
        }
        f->node_word = argv[0];
        memmove(argv, argv + 1, n * sizeof(*argv)); /* keeps the NULL */
        f->args = argv;
        return 0;
}

/* polkadot.service where systemd looks, else any unit that runs a polkadot (a hand install
 * may call it validator.service; existing.h finds it as install does). */
static int unit_find(const struct pdi_root *r, const struct pdi_layout *l, struct found *f,
                     struct pdi_error *err)
{
        static const char *const units[] = {"/etc/systemd/system/polkadot.service",
                                            "/lib/systemd/system/polkadot.service",
                                            "/usr/lib/systemd/system/polkadot.service"};
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (pdi_unit_load(r, units[i], &f->unit) == 0)
                        return unit_take(r, units[i], f, err);
        struct pdi_existing e = {0};
        int k = pdi_existing_find(r, l, NULL, &e, err);
        if (k > 0 && e.unit_path && pdi_unit_load(r, e.unit_path, &f->unit) == 0)
                k = unit_take(r, e.unit_path, f, err);
        pdi_existing_done(&e);
        return k < 0 ? k : 0;
}

/* workers.rs: --workers-path only; else the executable's directory, then /usr/lib/polkadot. */
static int workers_find(const struct pdi_root *r, struct pdi_target *t, const char *workers_arg)
{
        if (workers_arg) {
                t->worker_dir = strdup(workers_arg);
                return t->worker_dir ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *dir = NULL;
        const char *base;
        int k = pdi_path_split(t->node, &dir, &base);
        if (k < 0)
                return k;
        bool own = pdi_worker_set_in(r, dir);
        bool deb = !streq(dir, PDI_DEB_WORKER_DIR) && pdi_worker_set_in(r, PDI_DEB_WORKER_DIR);
        if (own)
                t->worker_dir = TAKE_PTR(dir);
        if (own && deb)
                t->other_worker_dir = strdup(PDI_DEB_WORKER_DIR);
        else if (deb)
                t->worker_dir = strdup(PDI_DEB_WORKER_DIR);
        return 0;
}

static int node_find(const struct pdi_root *r, const struct found *f, const char *ours,
                     struct pdi_target *t, struct pdi_error *err)
{
        if (f->node_word && f->node_word[0] == '/') {
                int k = pdi_root_realpath(r, f->node_word, &t->node);
                if (k < 0)
                        return pdi_error_set(err, k, "%s runs %s: %s", f->unit_path, f->node_word,
                                             strerror(-k));
                return 0;
        }
        if (ours && pdi_root_realpath(r, ours, &t->node) == 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(path_dirs); i++) {
                _cleanup_free_ char *p = pdi_path_join(path_dirs[i], f->node_word ?: "polkadot");
                if (p && pdi_root_realpath(r, p, &t->node) == 0)
                        return 0;
        }
        char dirs[256] = "";
        for (size_t i = 0, n = 0; i < ELEMENTSOF(path_dirs) && n < sizeof(dirs); i++)
                n += (size_t)snprintf(dirs + n, sizeof(dirs) - n, "%s%s", i ? ", " : "",
                                      path_dirs[i]);
        return pdi_error_set(err, -ENOENT,
                             "no polkadot node found under %s (no unit runs one, none in %s)",
                             r->path, dirs);
}

/* ---- the root's systemd ------------------------------------------------------------------ */

/* What the install is, and the evidence that decided it (shown by audit). */
static const char *kind_of(const struct pdi_root *r, struct pdi_target *t, bool ours)
{
        if (ours) {
                t->kind_evidence = t->container ? "/opt/polkadot/current links into its "
                                                  "releases/; container mode, no systemd"
                                                : "/opt/polkadot/current links into its releases/";
                return "polkadot-installer";
        }
        if (t->dpkg_polkadot) {
                t->kind_evidence = "dpkg's status lists the package polkadot as installed";
                return "debian-package";
        }
        bool usr_bin = streq(t->node, "/usr/bin/polkadot");
        if (usr_bin && streq(t->worker_dir, PDI_DEB_WORKER_DIR)) {
                t->kind_evidence = "the node in /usr/bin with its workers in /usr/lib/polkadot, "
                                   "as Parity's package lays them out";
                return "debian-package";
        }
        bool systemd = pdi_root_exists(r, "/usr/lib/systemd/systemd") ||
                       pdi_root_exists(r, "/lib/systemd/systemd");
        if (!t->unit_path && !systemd) {
                t->kind_evidence = usr_bin && pdi_worker_set_in(r, "/usr/local/bin")
                                       ? "no systemd and no unit; the node in /usr/bin with the "
                                         "workers in /usr/local/bin, as Parity's image lays them "
                                         "out since v1.18.0"
                                       : "no systemd and no unit: a container image";
                return "docker";
        }
        t->kind_evidence = t->unit_path ? "a unit runs the node and no package owns it"
                                        : "a node in PATH that no package or unit accounts for";
        return "manual";
}

static int users_find(const struct pdi_root *r, const struct found *f, struct pdi_target *t)
{
        const char *cands[] = {f->unit_user, "polkadot", "parity"};
        for (size_t i = 0; i < ELEMENTSOF(cands) && !t->service_user; i++) {
                struct pdi_user u;
                if (!cands[i] || pdi_user_lookup(r, cands[i], &u) < 0)
                        continue;
                if (u.uid != 0)
                        t->service_user = strdup(u.name);
                pdi_user_done(&u);
        }
        struct pdi_user w;
        if (pdi_user_lookup(r, "pvf-worker", &w) == 0) {
                t->worker_user = strdup(w.name);
                pdi_user_done(&w);
        }
        return 0;
}

/* --base-path/-d, else ours: /var/lib/polkadot, else ~user/.local/share/polkadot. */
static int base_find(const struct pdi_root *r, const struct found *f, const struct pdi_layout *l,
                     bool ours, struct pdi_target *t)
{
        const char *b = pdi_args_value(f->args, "--base-path", "-d");
        if (b)
                t->base_path = strdup(b);
        else if (ours)
                t->base_path = strdup(l->base_path);
        else {
                struct pdi_user u;
                const char *user = f->unit_path ? (f->unit_user ?: "root") : t->service_user;
                if (user && pdi_user_lookup(r, user, &u) == 0) {
                        t->base_path = pdi_path_join(u.home, ".local/share/polkadot");
                        pdi_user_done(&u);
                }
        }
        return 0;
}

/* *ret = the formatted text, or NULL and -ENOMEM. */
_printf_(2, 3) static int text_set(char **ret, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (k < 0)
                *ret = NULL;
        return k < 0 ? -ENOMEM : 0;
}

/* releases/<version>/manifest.json: parsed and of the directory's version, else why not.
 * Expiry limits when a manifest may be *accepted* (a freeze attack is stopped at download
 * time); an installed release does not turn into other bytes when its manifest expires, so
 * it is judged with a clock that cannot expire it. */
static int manifest_load(const struct pdi_root *r, const char *version, struct pdi_target *t)
{
        _cleanup_free_ char *mpath = pdi_path_join(t->release_dir, "manifest.json"), *buf = NULL;
        struct pdi_error e = {0};
        size_t len;
        if (!mpath)
                return -ENOMEM;
        int k = pdi_root_read_file(r, mpath, PDI_MANIFEST_MAX_BYTES, &buf, &len);
        if (k < 0)
                return text_set(&t->manifest_error, "cannot read: %s", strerror(-k));
        if (pdi_sha256_buf(buf, len, t->manifest_sha256) < 0)
                return -ENOMEM;
        if (pdi_manifest_parse(buf, len, 0, &t->manifest_owned, &e) < 0)
                return text_set(&t->manifest_error, "not a valid manifest (%s)", e.msg);
        if (!streq(t->manifest_owned->version, version))
                return text_set(&t->manifest_error, "names release %s, not %s",
                                t->manifest_owned->version, version);
        t->manifest = t->manifest_owned;
        return 0;
}

/* No state.json at all: no run of this tool made the tree, a person following INSTALL.md
 * did. The stored manifest is believed when its signatures verify with the tree's own trust
 * policy (trusted-keys/, the threshold), as pdi_floor_recover believes it; expiry aside, it
 * was accepted when installed. */
static int hand_record(const struct pdi_root *r, struct pdi_target *t)
{
        _cleanup_free_ char *mpath = pdi_path_join(t->release_dir, "manifest.json"), *bytes = NULL;
        struct pdi_trust trust = {0};
        struct pdi_sigtext *sigs = NULL;
        struct pdi_verified v = {0};
        struct pdi_error e = {0};
        size_t len = 0, n = 0;
        int k = mpath ? pdi_trust_load(&trust, r, NULL, 0, 0, &e) : -ENOMEM;
        if (k == 0)
                k = pdi_release_read_stored(r, mpath, &bytes, &len, &sigs, &n, &e);
        if (k == 0)
                k = pdi_release_verify(&trust, mpath, bytes, len, sigs, n, 0, &v, &e);
        if (k == 0)
                k = text_set(&t->record_note,
                             "no %s (installed by hand): %s verified by trusted key %s; "
                             "without the record a lower sequence is not refused",
                             PDI_STATE_FILE, mpath, v.signers.signers[0].keyid);
        if (k == 0 && !(t->recorded_sha256 = strdup(v.manifest_sha256)))
                k = -ENOMEM;
        else if (k < 0 && k != -ENOMEM)
                k = text_set(&t->record_error, "no %s, and the stored manifest does not verify: %s",
                             PDI_STATE_FILE, e.msg);
        pdi_verified_done(&v);
        pdi_sigtexts_free(sigs, n);
        free(sigs);
        pdi_trust_done(&trust);
        return k;
}

/* What state.json says of the install: the unit as rendered, and the hash of the manifest
 * accepted for this version (looked up by the directory's version, not the manifest's). */
static int record_load(const struct pdi_root *r, const struct pdi_layout *l, const char *version,
                       struct pdi_target *t)
{
        struct pdi_state st = {0};
        struct pdi_error e = {0};
        _cleanup_close_ int fd = pdi_root_open(r, PDI_STATE_FILE, O_PATH, 0);
        if (fd == -ENOENT)
                return hand_record(r, t);
        int k = pdi_state_load(r, &st, &e);
        if (k < 0) {
                t->record_unreadable = k == -EACCES;
                return text_set(&t->record_error, "%s", e.msg);
        }
        t->container = pdi_state_container(&st, l->instance);
        const char *sha = pdi_state_rendered(&st, l->service_path);
        json_t *rec = pdi_state_release(&st, PDI_INSTANCE_DEFAULT, version);
        const char *msha = json_string_value(json_object_get(rec, "manifest_sha256"));
        k = 0;
        if (sha && !(t->unit_expected_sha256 = strdup(sha)))
                k = -ENOMEM;
        else if (msha && !(t->recorded_sha256 = strdup(msha)))
                k = -ENOMEM;
        else if (!rec)
                k = text_set(&t->record_error, "%s has no record of release %s", PDI_STATE_FILE,
                             version);
        else if (!msha)
                k = text_set(&t->record_error,
                             "%s: the record of release %s has no "
                             "manifest_sha256",
                             PDI_STATE_FILE, version);
        pdi_state_done(&st);
        return k;
}

static int ours_load(const struct pdi_root *r, const struct pdi_layout *l, const char *version,
                     struct pdi_target *t)
{
        if (asprintf(&t->release_dir, "%s/%s", l->releases, version) < 0) {
                t->release_dir = NULL;
                return -ENOMEM;
        }
        int k = manifest_load(r, version, t);
        return k < 0 ? k : record_load(r, l, version, t);
}

/* With worker isolation the unit runs pvf/<version>/polkadot, whose workers are relays
 * (host/pvf.h): the checks judge the release itself; worker-isolation judges pvf/. */
static int judge_release_not_relays(const struct pdi_layout *l, struct pdi_target *t)
{
        size_t n = strlen(l->pvf_dir);
        if (!t->node || !t->release_dir || strncmp(t->node, l->pvf_dir, n) != 0 ||
            t->node[n] != '/')
                return 0;
        char *node = pdi_path_join(t->release_dir, "polkadot"), *dir = strdup(t->release_dir);
        if (!node || !dir) {
                free(node);
                free(dir);
                return -ENOMEM;
        }
        free(t->node);
        free(t->worker_dir);
        t->node = node;
        t->worker_dir = dir;
        return 0;
}

static int discover(const struct pdi_root *r, struct pdi_target *ret, struct pdi_error *err)
{
        struct pdi_target t = {.root = r};
        struct pdi_layout l;
        struct found f = {0};
        _cleanup_free_ char *version = NULL, *ours_node = NULL;
        int k = pdi_layout_init(&l, NULL, NULL);
        if (k < 0)
                return pdi_error_set(err, k, "layout: %s", strerror(-k));
        bool ours = pdi_layout_current(r, &l, &version) == 0 && version;
        if (ours)
                ours_node = pdi_path_join(l.current, "polkadot");
        k = unit_find(r, &l, &f, err);
        if (k == 0)
                k = node_find(r, &f, ours_node, &t, err);
        if (k == 0) {
                t.unit_path = f.unit_path ? strdup(f.unit_path) : NULL;
                const char *wp = pdi_args_value(f.args, "--workers-path", NULL);
                k = workers_find(r, &t, wp);
        }
        if (k == 0 && ours)
                k = ours_load(r, &l, version, &t);
        if (k == 0 && ours)
                k = judge_release_not_relays(&l, &t);
        if (k == 0) {
                t.dpkg_polkadot = pdi_dpkg_has_polkadot(r);
                t.kind = kind_of(r, &t, ours);
                for (size_t i = 0; f.args && f.args[i]; i++)
                        t.validator = t.validator || streq(f.args[i], "--validator");
                users_find(r, &f, &t);
                base_find(r, &f, &l, ours, &t);
                t.node_args = TAKE_PTR(f.args);
        }
        found_done(&f);
        pdi_layout_done(&l);
        if (k < 0) {
                pdi_target_done(&t);
                return pdi_error_set(err, k, "%s: %s", r->path, strerror(-k));
        }
        *ret = t;
        return 0;
}

int pdi_target_discover(const struct pdi_root *r, struct pdi_target *ret, struct pdi_error *err)
{
        int k = discover(r, ret, err);
        if (k < 0 && err) {
                /* The message names what the tree holds (a unit's ExecStart=): escaped, so
                 * that no control byte of it reaches the terminal. */
                char raw[sizeof(err->msg)];
                memcpy(raw, err->msg, sizeof(raw));
                pdi_escape_into(err->msg, sizeof(err->msg), raw, PDI_ESC_CONTROLS);
        }
        return k;
}

int pdi_target_for_release(const struct pdi_root *r, const char *release_dir,
                           const struct pdi_manifest *m, struct pdi_target *ret)
{
        struct pdi_target t = {.root = r, .kind = "polkadot-installer", .manifest = m};
        struct found f = {0};
        t.release_dir = strdup(release_dir);
        t.worker_dir = strdup(release_dir);
        t.node = pdi_path_join(release_dir, "polkadot");
        if (!t.release_dir || !t.worker_dir || !t.node) {
                pdi_target_done(&t);
                return -ENOMEM;
        }
        users_find(r, &f, &t);
        *ret = t;
        return 0;
}

void pdi_target_done(struct pdi_target *t)
{
        free(t->node);
        free(t->worker_dir);
        free(t->other_worker_dir);
        free(t->unit_path);
        free(t->base_path);
        pdi_argv_free(t->node_args);
        free(t->release_dir);
        free(t->unit_expected_sha256);
        free(t->manifest_error);
        free(t->recorded_sha256);
        free(t->record_error);
        free(t->record_note);
        free(t->service_user);
        free(t->worker_user);
        pdi_manifest_free(t->manifest_owned);
        *t = (struct pdi_target){0};
}

static int release_files(const struct pdi_target *t, char ***v, size_t *n)
{
        DIR *dp = NULL;
        if (pdi_root_opendir(t->root, t->release_dir, &dp) < 0)
                return 0;
        int k = 0;
        for (struct dirent *de; k >= 0 && (de = readdir(dp));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        k = pdi_strv_add_unique(v, n, pdi_path_join(t->release_dir, de->d_name));
        closedir(dp);
        return k < 0 ? k : 0;
}

int pdi_target_files(const struct pdi_target *t, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;
        int k = t->node ? pdi_strv_add_unique(&v, &n, strdup(t->node)) : 0;
        const char *dirs[] = {t->worker_dir, t->other_worker_dir};
        for (size_t d = 0; k >= 0 && d < ELEMENTSOF(dirs); d++)
                for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER;
                     k >= 0 && dirs[d] && role <= PDI_ROLE_EXECUTE_WORKER; role++)
                        k = pdi_strv_add_unique(&v, &n,
                                                pdi_path_join(dirs[d], pdi_role_file(role)));
        if (k >= 0 && t->release_dir)
                k = release_files(t, &v, &n);
        if (k >= 0 && t->unit_path)
                k = pdi_strv_add_unique(&v, &n, strdup(t->unit_path));
        if (k < 0) {
                pdi_strv_free(v, n);
                return k;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
