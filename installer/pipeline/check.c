/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/check.h"
#include "host/systemd.h"
#include "host/users.h"
#include "pipeline/activate.h"
#include "pipeline/adopt.h"
#include "pipeline/tree.h"
#include "release/state_owned.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

void pdi_check_would(struct run *r, const char *fmt, ...)
{
        va_list ap;
        char *line = NULL, *text = NULL;
        va_start(ap, fmt);
        int k = vasprintf(&text, fmt, ap);
        va_end(ap);
        json_object_set_new(r->out, "changed", json_true());
        if (k < 0 || asprintf(&line, "would %s", text) < 0) {
                free(text);
                return;
        }
        json_t *list = json_object_get(r->out, "changes");
        if (!list) {
                list = json_array();
                json_object_set_new(r->out, "changes", list);
        }
        json_array_append_new(list, json_string(line));
        if (r->o->check && !r->ctx->json)
                printf("%s\n", line);
        free(text);
        free(line);
}

/* The release tree: staged, repaired, switched. */
static void check_release(struct run *r)
{
        const char *v = r->v.manifest->version;
        size_t damaged = 0;
        if (!pdi_run_already_installed(r))
                pdi_check_would(r, "stage release %s in %s/%s", v, r->layout.releases, v);
        else if (pdi_run_count_damaged(r, &damaged) == 0 && damaged > 0)
                pdi_check_would(r, "repair %zu damaged file(s) of %s/%s", damaged,
                                r->layout.releases, v);
        if (!streq(r->tree_current, v))
                pdi_check_would(r, "switch %s to releases/%s (now %s)", r->layout.current, v,
                                r->tree_current ? r->tree_current : "nothing");
}

static void check_users(struct run *r)
{
        const char *users[] = {r->layout.user, r->layout.worker_user};
        for (size_t i = 0; i < ELEMENTSOF(users); i++) {
                struct pdi_user u;
                int k = pdi_user_lookup(r->root, users[i], &u);
                if (k == -ENOENT)
                        pdi_check_would(r, "create system user %s", users[i]);
                else if (k == 0)
                        pdi_user_done(&u);
        }
}

/* The base path: made, or its owner and mode repaired (an adopted one stays as it is). */
static void check_base(struct run *r)
{
        const char *base = r->host.settings.base_path;
        struct pdi_user u;
        struct stat st;
        if (r->host.adopted || !base)
                return;
        _cleanup_close_ int fd = pdi_root_open(r->root, base, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        if (fd < 0) {
                pdi_check_would(r, "create %s (owner %s, mode 0750)", base, r->layout.user);
                return;
        }
        if (fstat(fd, &st) < 0 || pdi_user_lookup(r->root, r->layout.user, &u) < 0)
                return; /* no user yet: check_users said it will be made, and then chowned */
        if (st.st_uid != u.uid || st.st_gid != u.gid || (st.st_mode & 07777) != 0750)
                pdi_check_would(r, "repair the owner and mode of %s", base);
        pdi_user_done(&u);
}

static void check_node_key(struct run *r)
{
        _cleanup_free_ char *key = NULL;
        if (r->host.container || pdi_settings_node_key(&r->host.settings, &key) <= 0)
                return; /* container mode: made on the container's volume, never in the image */
        _cleanup_close_ int fd = pdi_root_open(r->root, key, O_PATH | O_NOFOLLOW, 0);
        if (fd == -ENOENT)
                pdi_check_would(r, "make the validator's network key %s (once, never replaced)",
                                key);
}

/* Every rendered file whose text would change, by the same rules as the real run. */
static int check_files(struct run *r)
{
        int k = pdi_host_render(&r->host, &r->state, &r->diff);
        for (size_t i = 0; k == 0 && i < r->diff.n; i++) {
                const struct pdi_diff_file *f = &r->diff.files[i];
                bool same = f->before && f->after && streq(f->before, f->after);
                if (!same && f->after)
                        pdi_check_would(r, "write %s", f->path);
        }
        return k;
}

static void check_enabled(struct run *r)
{
        char old[PATH_MAX];
        const char *base;
        if (r->host.live || r->host.container ||
            (r->host.distro && r->host.distro->init != PDI_INIT_SYSTEMD))
                return; /* live: enabling an enabled unit changes nothing either way */
        _cleanup_close_ int dfd = pdi_root_open_parent(r->root, r->layout.wants_link, 0, &base);
        if (dfd < 0 || pdi_readlink_at(dfd, base, old, sizeof(old)) < 0 ||
            !streq(old, r->layout.service_path))
                pdi_check_would(r, "enable %s (link %s)", r->layout.service, r->layout.wants_link);
}

/* Live: restarted when anything changed, or the node is not running the release. */
static void check_start(struct run *r)
{
        if (!r->host.live || r->host.container || r->o->no_start)
                return;
        pdi_run_check_running(r);
        if (pdi_run_must_start(r))
                pdi_check_would(r, "restart %s and check its health", r->layout.service);
}

static void adopt_line(const char *text, void *userdata)
{
        struct run *r = userdata;
        json_t *list = json_object_get(r->out, "adopt");
        if (!list) {
                list = json_array();
                json_object_set_new(r->out, "adopt", list);
        }
        json_array_append_new(list, json_string(text));
        if (r->o->check && !r->ctx->json)
                printf("%s\n", text);
}

static void check_adopt(struct run *r)
{
        if (!r->adopting)
                return;
        pdi_check_would(r, "adopt %s", r->existing.what);
        pdi_adopt_plan(r, adopt_line, r);
}

int pdi_check_install(struct run *r)
{
        r->host.adopted = r->adopting || pdi_state_adopted(&r->state, r->layout.instance);
        check_adopt(r);
        if (pdi_state_pending(&r->state, r->layout.instance))
                pdi_check_would(r, "first finish the interrupted %s",
                                json_string_value(json_object_get(
                                    pdi_state_pending(&r->state, r->layout.instance), "action")));
        check_release(r);
        check_users(r);
        check_base(r);
        int k = check_files(r);
        check_node_key(r);
        check_enabled(r);
        check_start(r);
        return k;
}

int pdi_check_rollback(struct run *r, const char *target)
{
        pdi_check_would(r, "switch %s to releases/%s (now %s)", r->layout.current, target,
                        r->tree_current);
        int k = pdi_host_use_release(&r->host, target);
        if (k == 0)
                k = check_files(r);
        if (k == 0 && r->host.live && !r->o->no_start)
                pdi_check_would(r, "restart %s and check its health", r->layout.service);
        return k;
}

void pdi_check_show_diff(struct run *r)
{
        if (!r->o->diff)
                return;
        if (r->ctx->json)
                json_object_set_new(r->out, "diff", pdi_diff_to_json(&r->diff));
        else
                pdi_diff_print(&r->diff, stdout);
}
