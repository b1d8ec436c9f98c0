/* SPDX-License-Identifier: Apache-2.0 */
/* status: what is installed, what is current, and where the node and its workers are.
 * It reports an interrupted run and a pending health check; it never restarts the node. */
#include "cli/cli.h"
#include "checks/checks_service.h"
#include "host/systemd.h"
#include "release/layout.h"
#include "release/lock.h"
#include "base/log.h"
#include "trust/manifest.h"
#include "release/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static json_t *binary_info(const struct pdi_root *root, const struct pdi_layout *l,
                           const char *name)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", l->current, name) < 0)
                return NULL;
        _cleanup_close_ int fd = pdi_root_open_regular(root, path, 0);
        struct stat st;
        bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        return json_pack("{s:s, s:b, s:b}", "path", path, "present", ok, "executable",
                         ok && (st.st_mode & 0111));
}

static json_t *collect(const struct pdi_root *root, const struct pdi_layout *l,
                       const struct pdi_state *st, const char *tree_current)
{
        json_t *o = json_object();
        const char *state_current = pdi_state_current(st, l->instance);
        json_object_set_new(o, "instance", json_string(l->instance));
        /* On the live host: whether the service runs, and since when. */
        if (pdi_systemd_live(root)) {
                char svc[512];
                pdi_service_describe(l->service, svc, sizeof(svc));
                json_object_set_new(o, "service", json_string(svc));
        }
        json_object_set_new(o, "current", tree_current ? json_string(tree_current) : json_null());
        json_object_set_new(o, "previous", json_string(pdi_state_previous(st, l->instance) ?: ""));
        json_object_set_new(o, "interrupted_run",
                            json_boolean(tree_current && !streq(tree_current, state_current)));
        json_t *inst = json_object_get(json_object_get(st->root, "instances"), l->instance);
        json_t *failed = json_object_get(inst, "failed");
        json_object_set_new(o, "failed_releases", failed ? json_incref(failed) : json_object());
        json_t *pending = pdi_state_pending(st, l->instance);
        json_object_set(o, "pending_health_check", pending ? pending : json_null());
        json_object_set_new(
            o, "highest_accepted_sequence",
            json_integer((json_int_t)pdi_state_highest_sequence(st, "polkadot", NULL)));
        char **v = NULL;
        size_t n = 0;
        json_t *rels = json_array();
        if (pdi_layout_list_releases(root, l, &v, &n) == 0)
                for (size_t i = n; i-- > 0;) {
                        json_t *rec = pdi_state_release(st, l->instance, v[i]);
                        json_array_append_new(
                            rels, json_pack("{s:s, s:b, s:O?, s:O?, s:O?, s:O?}", "version", v[i],
                                            "current", streq(v[i], tree_current), "sequence",
                                            json_object_get(rec, "sequence"), "installed_at",
                                            json_object_get(rec, "installed_at"), "release_tag",
                                            json_object_get(rec, "release_tag"), "docker_tag",
                                            json_object_get(rec, "docker_tag")));
                }
        pdi_strv_free(v, n);
        json_object_set_new(o, "releases", rels);
        json_t *bins = json_object();
        for (enum pdi_role role = 0; role < _PDI_ROLE_MAX; role++)
                json_object_set_new(bins, pdi_role_name(role),
                                    binary_info(root, l, pdi_role_file(role)));
        json_object_set_new(o, "binaries", bins);
        json_object_set_new(o, "link", json_string(l->bin_link));
        json_t *hist = json_object_get(inst, "history");
        json_object_set_new(o, "history", hist ? json_incref(hist) : json_array());
        return o;
}

static void print_text(const json_t *o)
{
        const char *cur = json_string_value(json_object_get(o, "current"));
        printf("instance:  %s\n", json_string_value(json_object_get(o, "instance")));
        printf("current:   %s\n", cur ? cur : "(nothing installed)");
        if (json_object_get(o, "service"))
                printf("service:   %s\n", json_string_value(json_object_get(o, "service")));
        json_t *p = json_object_get(o, "pending_health_check");
        if (json_is_object(p))
                printf("pending:   the health check of %s (%s from %s, since %s) did not finish: "
                       "the next upgrade or rollback finishes it\n",
                       json_string_value(json_object_get(p, "to")),
                       json_string_value(json_object_get(p, "action")),
                       json_string_value(json_object_get(p, "from")) ?: "nothing",
                       json_string_value(json_object_get(p, "since")));
        printf("highest accepted sequence: %lld\n",
               (long long)json_integer_value(json_object_get(o, "highest_accepted_sequence")));
        size_t i;
        json_t *e;
        printf("releases:\n");
        json_array_foreach(json_object_get(o, "releases"), i, e)
        {
                printf("  %s %-12s sequence %-6lld installed %s\n",
                       json_is_true(json_object_get(e, "current")) ? "*" : " ",
                       json_string_value(json_object_get(e, "version")),
                       (long long)json_integer_value(json_object_get(e, "sequence")),
                       json_string_value(json_object_get(e, "installed_at")) ?: "(unknown)");
                if (json_object_get(e, "release_tag"))
                        printf("    upstream release %s, Docker tag %s\n",
                               json_string_value(json_object_get(e, "release_tag")),
                               json_string_value(json_object_get(e, "docker_tag")) ?: "-");
        }
        const char *key;
        json_object_foreach(json_object_get(o, "binaries"), key, e)
        {
                printf("%-15s %s%s\n", key, json_string_value(json_object_get(e, "path")),
                       !json_is_true(json_object_get(e, "present"))      ? "  (MISSING)"
                       : !json_is_true(json_object_get(e, "executable")) ? "  (not executable)"
                                                                         : "");
        }
        json_object_foreach(json_object_get(o, "failed_releases"), key, e)
        {
                printf("failed:    %s on %s, not retried by upgrade: %s\n", key,
                       json_string_value(json_object_get(e, "time")),
                       json_string_value(json_object_get(e, "reason")));
        }
        json_t *h = json_object_get(o, "history");
        size_t n = json_array_size(h);
        if (n)
                printf("history (latest last):\n");
        for (i = n > 10 ? n - 10 : 0; i < n; i++) {
                e = json_array_get(h, i);
                printf("  %s  %-9s %s -> %s  %s\n", json_string_value(json_object_get(e, "time")),
                       json_string_value(json_object_get(e, "action")),
                       json_string_value(json_object_get(e, "from")) ?: "-",
                       json_string_value(json_object_get(e, "to")) ?: "-",
                       json_string_value(json_object_get(e, "outcome")));
        }
}

/* An interrupted run left the state behind the tree: the state follows it, as
 * install/upgrade/rollback do. Only under the lock (never waiting for it), with the state
 * read again under it: an installer that just finished may have saved newer records. The
 * unit is never touched from here. */
static void recover(struct pdi_ctx *ctx, const struct pdi_root *root, const struct pdi_layout *l,
                    struct pdi_state *st, const char *cur)
{
        struct pdi_error err = {0};
        int fd = -1;
        if (pdi_lock_take(root, l->lock, "status", 0, &fd, &err) < 0) {
                log_warn("an interrupted run left the state behind the tree (%s); another "
                         "installer is running and will settle it",
                         err.msg);
                return;
        }
        struct pdi_state fresh = {0};
        int k = pdi_state_load(root, &fresh, &err);
        if (k == 0)
                k = pdi_state_follow_tree(&fresh, l->instance, cur);
        bool changed = k > 0;
        if (changed)
                k = pdi_state_save(root, &fresh, &err);
        if (k < 0) {
                log_warn("could not record the interrupted switch to %s: %s", cur,
                         err.msg[0] ? err.msg : strerror(-k));
        } else if (changed) {
                log_notice("an interrupted run switched to %s; the state now says so too", cur);
                json_object_set_new(ctx->out, "recovered", json_true());
        }
        if (k == 0) {
                pdi_state_done(st);
                *st = fresh;
        } else {
                pdi_state_done(&fresh);
        }
        pdi_lock_release(root, l->lock, fd);
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        const char *prefix = NULL;
        const struct pdi_cli_opt opts[] = {{"prefix", &prefix, NULL}};
        int r = pdi_cli_parse(ctx, cmd, argc, argv, opts, ELEMENTSOF(opts));
        const struct pdi_root *root;
        if (r == 0)
                r = pdi_ctx_root(ctx, &root);
        if (r < 0)
                return r;
        struct pdi_layout l;
        struct pdi_state st = {0};
        _cleanup_free_ char *cur = NULL;
        r = pdi_layout_init(&l, NULL, prefix);
        if (r == 0)
                r = pdi_state_load(root, &st, &ctx->err);
        if (r == 0 && pdi_layout_current(root, &l, &cur) < 0)
                log_warn("%s is not a link into releases/", l.current);
        /* Without a state file no run of this tool made the tree (a hand install, INSTALL.md):
         * nothing was interrupted, and status writes nothing into it. */
        _cleanup_close_ int sfd = r == 0 ? pdi_root_open(root, PDI_STATE_FILE, O_PATH, 0) : -1;
        if (r == 0 && cur && sfd == -ENOENT)
                log_notice("no %s: an install this tool did not make (by hand?); nothing "
                           "is recorded",
                           PDI_STATE_FILE);
        else if (r == 0 && cur && !streq(cur, pdi_state_current(&st, l.instance)))
                recover(ctx, root, &l, &st, cur);
        if (r == 0) {
                json_t *o = collect(root, &l, &st, cur);
                if (ctx->json)
                        json_object_update(ctx->out, o);
                else
                        print_text(o);
                json_decref(o);
        }
        pdi_state_done(&st);
        pdi_layout_done(&l);
        return r;
}

const struct pdi_command pdi_cmd_status = {
    .name = "status",
    .summary = "show installed releases, the current one, and where the binaries are",
    .usage = "status [--prefix DIR]",
    .help = "Reads the release tree and the state. If an interrupted run left the\n"
            "state behind the `current` symlink, the state is brought in line with the\n"
            "tree (when no other installer runs); nothing else is changed. A tree with\n"
            "no state file at all (a hand install) is only read. A health\n"
            "check that a killed run left unfinished is shown as pending (JSON:\n"
            "pending_health_check); the next upgrade, install or rollback finishes it.\n"
            "Releases that failed their health check (failed_releases) are listed: upgrade\n"
            "does not retry them until one passes a health check (install\n"
            "--allow-downgrade, say).\n\n"
            "Options:\n"
            "  --prefix DIR         release tree (default /opt/polkadot)\n",
    .examples = "  polkadot-installer status\n"
                "  polkadot-installer status --root /srv/image --json\n",
    .run = run,
};
