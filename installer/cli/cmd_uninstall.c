/* SPDX-License-Identifier: Apache-2.0 */
/* uninstall: stop and disable the service, remove the units, links and releases this tool
 * made (an edited unit, a hand install or a package stay). Chain data
 * and keys (the base path), the settings and the users stay unless --purge, which asks first
 * on a TTY and otherwise needs --yes: it deletes a validator's keys. */
#include "cli/auto_upgrade.h"
#include "cli/cli.h"
#include "pipeline/adopt.h"
#include "release/state_owned.h"
#include "host/apparmor.h"
#include "host/conffile.h"
#include "host/users.h"
#include "base/diff.h"
#include "base/exec.h"
#include "release/layout.h"
#include "release/lock.h"
#include "base/log.h"
#include "base/report.h"
#include "host/settings.h"
#include "release/state.h"
#include "host/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

struct uninstall {
        struct pdi_ctx *ctx;
        const struct pdi_root *root;
        struct pdi_layout l;
        struct pdi_report rep;
        bool purge;
        bool check;            /* --check: say what would go, remove nothing */
        bool diff;             /* --diff: the rendered files before and after */
        struct pdi_diff files; /* for --diff */
};

/* --check: path would go; the diff's files at or below it become absent. */
static int would_remove(struct uninstall *u, const char *path)
{
        size_t n = strlen(path);
        pdi_report_action(&u->rep, "would remove %s", path);
        for (size_t i = 0; i < u->files.n; i++) {
                const char *p = u->files.files[i].path;
                if (strncmp(p, path, n) == 0 && (p[n] == '\0' || p[n] == '/'))
                        pdi_diff_set_after(&u->files, u->root, p, NULL);
        }
        return 0;
}

/* Remove an absolute in-root path (file, link or tree); absent is fine. */
static int remove_path(struct uninstall *u, const char *path)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(u->root, path, 0, &base);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (u->check)
                return would_remove(u, path);
        int k = pdi_rm_rf_at(dfd, base);
        if (k == 0) {
                (void)fsync(dfd);
                pdi_report_action(&u->rep, "removed %s", path);
        }
        return k;
}

static int stop_service(struct uninstall *u)
{
        struct pdi_error *err = &u->ctx->err;
        if (u->check && pdi_systemd_live(u->root)) {
                pdi_report_action(&u->rep, "would stop and disable %s", u->l.service);
                return 0;
        }
        if (u->check)
                return remove_path(u, u->l.wants_link);
        if (!pdi_systemd_live(u->root))
                return pdi_systemd_disable_offline(u->root, &u->l, &u->rep, err);
        int k = pdi_systemd_stop(u->l.service, err);
        if (k == 0)
                k = pdi_systemd_disable(u->l.service, err);
        if (k == 0)
                pdi_report_action(&u->rep, "stopped and disabled %s", u->l.service);
        return k;
}

/* A unit or environment file: removed only when it is ours as we wrote it (with the .new
 * we may have put beside an edited one); the operator's edit stays, with a warning. */
static int remove_conffile(struct uninstall *u, struct pdi_state *st, const char *path)
{
        enum pdi_conffile_owner owner = pdi_conffile_owner(u->root, st, path);
        _cleanup_free_ char *newpath = NULL;
        if (asprintf(&newpath, "%s.new", path) < 0)
                return -ENOMEM;
        int k = remove_path(u, newpath);
        if (k == 0 && owner == PDI_CONFFILE_OURS)
                k = remove_path(u, path);
        else if (k == 0 && owner == PDI_CONFFILE_THEIRS)
                pdi_report_warn(&u->rep,
                                "left %s alone: it was edited or not written by the "
                                "installer; remove it by hand",
                                path);
        pdi_state_set_rendered(st, path, NULL);
        return k;
}

/* The release tree: our entries (releases/, current), then the prefix if nothing else is
 * in it; first the AppArmor profiles, which name the releases. */
static int remove_tree(struct uninstall *u)
{
        int k = pdi_apparmor_remove(u->root, &u->l, &u->rep, &u->ctx->err);
        if (k == 0)
                k = remove_path(u, u->l.current);
        if (k == 0)
                k = remove_path(u, u->l.releases);
        if (k < 0)
                return k;
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(u->root, u->l.prefix, 0, &base);
        if (u->check)
                return 0; /* the prefix goes if nothing but ours is in it */
        if (dfd >= 0 && unlinkat(dfd, base, AT_REMOVEDIR) == 0)
                pdi_report_action(&u->rep, "removed %s", u->l.prefix);
        else if (dfd >= 0 && errno == ENOTEMPTY)
                pdi_report_warn(&u->rep, "left %s: it holds files the installer did not make",
                                u->l.prefix);
        return 0;
}

/* The bin link only if it is ours (points into current). */
static int remove_link(struct uninstall *u)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        char target[512];
        if (pdi_path_split(u->l.bin_link, &parent, &base) < 0)
                return -ENOMEM;
        _cleanup_close_ int dfd = pdi_root_open(u->root, parent, O_PATH | O_DIRECTORY, 0);
        ssize_t n = dfd >= 0 ? readlinkat(dfd, base, target, sizeof(target) - 1) : -1;
        if (n < 0)
                return 0;
        target[n] = '\0';
        if (strncmp(target, u->l.current, strlen(u->l.current)) != 0) {
                pdi_report_warn(&u->rep, "left %s alone: it points to %s, not into %s",
                                u->l.bin_link, target, u->l.current);
                return 0;
        }
        return remove_path(u, u->l.bin_link);
}

static int delete_user(struct uninstall *u, const char *name)
{
        _cleanup_free_ char *userdel = NULL;
        char out[1024] = "";
        int status = -1;
        struct pdi_user pw;
        if (u->check && pdi_user_lookup(u->root, name, &pw) == 0) {
                pdi_user_done(&pw);
                pdi_report_action(&u->rep, "would delete user %s", name);
        }
        if (u->check)
                return 0;
        if (pdi_exec_find("userdel", &userdel) < 0) {
                pdi_report_warn(&u->rep, "userdel not found: remove user %s by hand", name);
                return 0;
        }
        char *argv[] = {userdel, "--root", u->root->path, (char *)name, NULL};
        char *host_argv[] = {userdel, (char *)name, NULL};
        int k = pdi_exec_run(userdel, u->root->is_host ? host_argv : argv, -1, out, sizeof(out),
                             &status);
        if (k == 0 && status == 0)
                pdi_report_action(&u->rep, "deleted user %s", name);
        else if (k < 0)
                pdi_report_warn(&u->rep, "userdel %s: %s", name, strerror(-k));
        else if (status != 6) /* 6: no such user */
                pdi_report_warn(&u->rep, "userdel %s failed: %s", name, out);
        return 0;
}

/* Ours to delete: recorded as created (release/state_owned.h). A state written before
 * those records existed, of an install that adopted nothing, keeps the old rule (the base
 * path and the users were made by the install). */
static bool made_here(const struct pdi_state *st, const char *instance, const char *kind,
                      const char *name)
{
        if (pdi_state_was_created(st, kind, name))
                return true;
        return !json_object_get(st->root, "created") && !pdi_state_adopted(st, instance);
}

static int purge(struct uninstall *u, const struct pdi_state *st)
{
        struct pdi_settings s;
        pdi_settings_init(&s, &u->l);
        struct pdi_error ignored = {0};
        (void)pdi_settings_load(u->root, &u->l, &s, &ignored); /* the base path may be moved */
        int k = 0;
        if (made_here(st, u->l.instance, "dirs", s.base_path))
                k = remove_path(u, s.base_path);
        else
                pdi_report_note(&u->rep, "kept %s: this tool did not create it", s.base_path);
        const char *paths[] = {u->l.config_dir, u->l.cache, u->l.sysusers, u->l.tmpfiles};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(paths); i++)
                k = remove_path(u, paths[i]);
        /* What we wrote beside an edited snippet (conffile .new) goes too. */
        const char *snippets[] = {u->l.sysusers, u->l.tmpfiles};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(snippets); i++) {
                _cleanup_free_ char *newpath = NULL;
                k = asprintf(&newpath, "%s.new", snippets[i]) < 0 ? -ENOMEM
                                                                  : remove_path(u, newpath);
        }
        pdi_settings_done(&s);
        const char *users[] = {u->l.user, u->l.worker_user};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(users); i++) {
                if (made_here(st, u->l.instance, "users", users[i]))
                        k = delete_user(u, users[i]);
                else
                        pdi_report_note(&u->rep, "kept user %s: this tool did not create it",
                                        users[i]);
        }
        return k;
}

static int confirm_purge(struct uninstall *u)
{
        struct pdi_ctx *ctx = u->ctx;
        if (ctx->yes || u->check)
                return 0;
        if (ctx->non_interactive)
                return pdi_usage(ctx, "uninstall --purge deletes the chain data and the keys in "
                                      "the base path; add --yes to confirm without a prompt");
        fprintf(stderr,
                "--purge deletes the chain data and the validator keys in the base "
                "path, the settings and the users.\nType '%s' to confirm: ",
                u->l.instance);
        char answer[128] = "";
        if (!fgets(answer, sizeof(answer), stdin))
                answer[0] = '\0';
        answer[strcspn(answer, "\n")] = '\0';
        if (!streq(answer, u->l.instance))
                return pdi_error_set(&ctx->err, -PDI_E_FAILED,
                                     "uninstall: not confirmed ('%s'); nothing was removed",
                                     answer);
        return 0;
}

/* The report, --check's list and --diff's files into the output. */
static void show(struct uninstall *u)
{
        json_t *actions;
        if (u->diff && !u->check)
                pdi_diff_read_after(&u->files, u->root);
        pdi_report_to_json(&u->rep, u->ctx->out);
        actions = json_object_get(u->ctx->out, "actions");
        if (u->check) {
                json_object_set(u->ctx->out, "changes", actions);
                json_object_set_new(
                    u->ctx->out, "msg",
                    json_sprintf("uninstall --check: %zu change(s)", json_array_size(actions)));
                if (!u->ctx->json)
                        for (size_t i = 0; i < json_array_size(actions); i++)
                                printf("%s\n", json_string_value(json_array_get(actions, i)));
        }
        if (u->diff && u->ctx->json)
                json_object_set_new(u->ctx->out, "diff", pdi_diff_to_json(&u->files));
        else if (u->diff)
                pdi_diff_print(&u->files, stdout);
}

/* Everything of an install this tool made, and an adopted unit given back. */
static int remove_ours(struct uninstall *u, struct pdi_state *st)
{
        struct pdi_ctx *ctx = u->ctx;
        /* A unit we wrote is stopped and disabled even if the operator edited it since (the
         * edited file itself stays); one we never wrote is left running. */
        enum pdi_conffile_owner unit = pdi_conffile_owner(u->root, st, u->l.service_path);
        int k = 0;
        if (unit != PDI_CONFFILE_THEIRS || pdi_state_rendered(st, u->l.service_path))
                k = stop_service(u);
        else
                pdi_report_warn(&u->rep,
                                "%s was not written by the installer: left it running and "
                                "enabled",
                                u->l.service);
        bool timer =
            pdi_conffile_owner(u->root, st, PDI_AUTO_UPGRADE_TIMER_PATH) != PDI_CONFFILE_ABSENT;
        if (k == 0 && timer && u->check)
                pdi_report_action(&u->rep, "would disable and remove %s",
                                  PDI_AUTO_UPGRADE_TIMER_PATH);
        else if (k == 0 && timer)
                k = pdi_auto_upgrade_disable(ctx, u->root, st, &u->rep);
        const char *conffiles[] = {u->l.service_path, u->l.slice_path, u->l.env_file};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(conffiles); i++)
                k = remove_conffile(u, st, conffiles[i]);
        if (k == 0)
                k = remove_tree(u);
        if (k == 0)
                k = remove_link(u);
        /* An adopted node's unit comes back as it was when we took it over. */
        json_t *adopted = pdi_state_adopted(st, u->l.instance);
        if (k == 0 && adopted && u->check)
                pdi_report_action(&u->rep, "would give %s back as it was adopted",
                                  json_string_value(json_object_get(adopted, "unit")));
        else if (k == 0 && adopted)
                k = pdi_adopt_give_back(u->root, adopted, pdi_systemd_live(u->root), &u->rep,
                                        &ctx->err);
        return k;
}

/* --diff: the files uninstall may remove, with their text now. */
static int track_files(struct uninstall *u)
{
        const char *paths[] = {u->l.service_path,
                               u->l.slice_path,
                               u->l.env_file,
                               u->l.config,
                               u->l.sysusers,
                               u->l.tmpfiles,
                               PDI_AUTO_UPGRADE_TIMER_PATH,
                               PDI_AUTO_UPGRADE_UNIT_DIR "/polkadot-installer-upgrade.service"};
        for (size_t i = 0; u->diff && i < ELEMENTSOF(paths); i++)
                if (!pdi_diff_track(&u->files, u->root, paths[i]))
                        return -ENOMEM;
        return u->check ? pdi_diff_keep(&u->files) : 0;
}

static int uninstall(struct uninstall *u, const char *prefix)
{
        struct pdi_ctx *ctx = u->ctx;
        int lock_fd = -1;
        struct pdi_state st = {0};
        int k = pdi_ctx_root(ctx, &u->root);
        if (k == 0)
                k = pdi_layout_init(&u->l, NULL, prefix);
        if (k < 0) /* no root (its error names it) or no layout: nothing below may run */
                return k;
        if (u->purge)
                k = confirm_purge(u);
        if (k == 0 && !u->check)
                k = pdi_lock_take(u->root, u->l.lock, "uninstall", 60, &lock_fd, &ctx->err);
        if (k == 0)
                k = track_files(u);
        if (k == 0)
                k = pdi_state_load(u->root, &st, &ctx->err);
        /* Only an install this tool made: `current` a link into releases/ or the state's
         * record of the instance. A hand install or a package is not ours to remove. */
        _cleanup_free_ char *cur = NULL;
        int c = k == 0 ? pdi_layout_current(u->root, &u->l, &cur) : 0;
        bool ours = c == 0 &&
                    (cur || json_object_get(json_object_get(st.root, "instances"), u->l.instance));
        if (k == 0 && c == -EUCLEAN)
                k = pdi_error_set(&ctx->err, -PDI_E_FAILED,
                                  "uninstall: %s is not a link into releases/; refusing to "
                                  "remove an install this tool did not make (see 'audit')",
                                  u->l.current);
        else if (k == 0 && c < 0)
                k = pdi_error_set(&ctx->err, c, "uninstall: %s: %s", u->l.current, strerror(-c));
        if (k == 0 && !ours)
                pdi_report_note(&u->rep, "nothing installed by polkadot-installer under %s",
                                u->l.prefix);
        if (k == 0 && ours)
                k = remove_ours(u, &st);
        if (k == 0 && pdi_systemd_live(u->root) && !u->check)
                k = pdi_systemd_daemon_reload(&ctx->err);
        /* Purge only what is ours: an install, or the settings a plain uninstall kept. On a
         * host with Parity's package the base path and the polkadot user are not ours. */
        _cleanup_close_ int cfg = pdi_root_open(u->root, u->l.config_dir, O_PATH | O_DIRECTORY, 0);
        bool kept_settings = cfg >= 0;
        if (k == 0 && u->purge && (ours || kept_settings))
                k = purge(u, &st);
        else if (k == 0 && u->purge)
                pdi_report_note(&u->rep,
                                "--purge: no settings of polkadot-installer in %s; "
                                "nothing to purge",
                                u->l.config_dir);
        /* The highest accepted sequence stays (a reinstall must not accept an older
         * release), unless everything is purged. */
        json_object_del(json_object_get(st.root, "instances"), u->l.instance);
        if (k == 0 && u->purge && (ours || kept_settings))
                k = remove_path(u, u->l.state_dir);
        else if (k == 0 && ours && !u->check)
                k = pdi_state_save(u->root, &st, &ctx->err);
        if (k == 0 && ours && !u->purge)
                pdi_report_note(&u->rep,
                                "kept the base path, %s and the users; --purge "
                                "removes them",
                                u->l.config);
        if (k < 0 && !ctx->err.msg[0])
                pdi_error_set(&ctx->err, k, "uninstall: %s", pdi_strerror(k));
        json_object_set_new(ctx->out, "changed", json_boolean(u->rep.changed));
        show(u);
        pdi_state_done(&st);
        pdi_lock_release(u->root, u->l.lock, lock_fd);
        return k;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct uninstall u = {.ctx = ctx};
        const char *prefix = NULL;
        const struct pdi_cli_opt opts[] = {{"purge", NULL, &u.purge},
                                           {"prefix", &prefix, NULL},
                                           {"check", NULL, &u.check},
                                           {"diff", NULL, &u.diff}};
        int r = pdi_cli_parse(ctx, cmd, argc, argv, opts, ELEMENTSOF(opts));
        if (r == 0 && pdi_report_init(&u.rep) < 0)
                r = -ENOMEM;
        if (r == 0)
                r = uninstall(&u, prefix);
        pdi_report_done(&u.rep);
        pdi_diff_done(&u.files);
        pdi_layout_done(&u.l);
        return r;
}

const struct pdi_command pdi_cmd_uninstall = {
    .name = "uninstall",
    .summary = "remove the service, units, links and releases (data and keys stay)",
    .usage = "uninstall [--purge] [--prefix DIR] [--check] [--diff]",
    .help = "Stops and disables the service, removes the units, the unattended-upgrade\n"
            "timer, the links, the AppArmor profiles (/etc/apparmor.d/<instance>) and every\n"
            "release. The base path (chain data, keys), the\n"
            "settings and the users stay. Only what this tool made is removed: a unit or\n"
            "environment file the operator edited stays (with a warning), an install it\n"
            "did not make is left alone, and a foreign `current` link is refused.\n\n"
            "Options:\n"
            "  --purge              also delete the base path, the settings, the cache,\n"
            "                       the state and the users; asks first on a TTY, needs\n"
            "                       --yes otherwise\n"
            "  --prefix DIR         release tree (default /opt/polkadot)\n"
            "  --check              say what would be removed ('would …' lines); remove\n"
            "                       nothing (no confirmation asked)\n"
            "  --diff               the units, environment file, settings and snippets\n"
            "                       before and after (after: absent when removed)\n",
    .examples = "  polkadot-installer uninstall\n"
                "  polkadot-installer uninstall --purge --yes --root /srv/image\n",
    .run = run,
};
