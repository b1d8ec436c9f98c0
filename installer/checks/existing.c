/* SPDX-License-Identifier: Apache-2.0 */
/* See existing.h: a node that is not ours, found the way systemd would run it. */
#include "checks/existing.h"
#include "base/encoding.h"
#include "checks/cmdline.h"
#include "checks/paths.h"
#include "checks/unitfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

/* In systemd's order: a name in an earlier directory hides the same name later. */
static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                        "/usr/lib/systemd/system", "/lib/systemd/system"};
static const char *const path_dirs[] = {PDI_PATH_DIRS};

void pdi_existing_done(struct pdi_existing *e)
{
        free(e->what);
        free(e->kind);
        free(e->unit);
        free(e->unit_path);
        free(e->node);
        pdi_argv_free(e->args);
        free(e->user);
        *e = (struct pdi_existing){0};
}

const char *pdi_args_value(char *const *args, const char *lng, const char *shrt)
{
        const char *v = NULL;
        size_t len = strlen(lng);
        for (size_t i = 0; args && args[i]; i++) {
                if (streq(args[i], lng) || (shrt && streq(args[i], shrt)))
                        v = args[i + 1];
                else if (strncmp(args[i], lng, len) == 0 && args[i][len] == '=')
                        v = args[i] + len + 1;
        }
        return v;
}

static bool named_polkadot(const char *path)
{
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        return streq(b, "polkadot") || streq(b, "polkadot (deleted)");
}

static bool below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static bool ours(const struct pdi_layout *l, const char *path, const char *program)
{
        _cleanup_free_ char *node = pdi_path_join(l->current, "polkadot");
        /* With worker isolation the node runs from pvf/current (host/pvf.h). */
        _cleanup_free_ char *pvf = pdi_path_join(l->pvf_dir, "current/polkadot");
        return streq(path, l->service_path) && node && pvf &&
               (streq(program, node) || streq(program, pvf));
}

static int take_unit(const struct pdi_root *r, const char *dir, const char *name,
                     const struct pdi_unit *u, char **argv, size_t n, struct pdi_existing *e)
{
        const char *user = pdi_unit_get(u, "Service", "User");
        e->unit = strdup(name);
        e->unit_path = pdi_path_join(dir, name);
        e->node = argv[0];
        memmove(argv, argv + 1, n * sizeof(*argv)); /* keeps the NULL */
        e->args = argv;
        e->user = user ? strdup(user) : NULL;
        bool packaged = !below(e->unit_path ? e->unit_path : "", "/etc") &&
                        !below(e->unit_path ? e->unit_path : "", "/run");
        e->kind = strdup(packaged && pdi_dpkg_has_polkadot(r) ? "debian-package" : "manual");
        if (asprintf(&e->what, "%s (%s) runs %s", name, e->unit_path, e->node) < 0)
                e->what = NULL;
        return e->unit && e->unit_path && e->kind && e->what && (!user || e->user) ? 1 : -ENOMEM;
}

/* One unit file: 1 if it runs a polkadot that is not ours. */
static int judge_unit(const struct pdi_root *r, const struct pdi_layout *l, const char *dir,
                      const char *name, struct pdi_existing *e)
{
        _cleanup_free_ char *path = pdi_path_join(dir, name);
        struct pdi_unit u = {0};
        char **argv = NULL;
        size_t n = 0;
        if (!path)
                return -ENOMEM;
        if (pdi_unit_load(r, path, &u) < 0)
                return 0; /* a link (alias, mask) or unreadable: not a unit of its own here */
        int k = pdi_unit_exec_argv(r, &u, &argv, &n);
        if (k == 0 && named_polkadot(argv[0]) && !ours(l, path, argv[0])) {
                k = take_unit(r, dir, name, &u, argv, n, e);
                argv = NULL;
        } else {
                k = k == -ENOMEM ? k : 0;
        }
        pdi_argv_free(argv);
        pdi_unit_done(&u);
        return k;
}

static bool is_service(const char *name)
{
        size_t n = strlen(name);
        return n > 8 && streq(name + n - 8, ".service") && !strchr(name, '@') && name[0] != '.';
}

static int units_scan(const struct pdi_root *r, const struct pdi_layout *l, const char *adopted,
                      struct pdi_existing *e)
{
        char **seen = NULL;
        size_t n_seen = 0;
        int k = 0;
        for (size_t d = 0; k == 0 && d < ELEMENTSOF(unit_dirs); d++) {
                DIR *dp = NULL;
                if (pdi_root_opendir(r, unit_dirs[d], &dp) < 0)
                        continue;
                for (struct dirent *de; k == 0 && (de = readdir(dp));) {
                        if (!is_service(de->d_name) || streq(de->d_name, adopted ? adopted : ""))
                                continue;
                        int fresh = pdi_strv_add_unique(&seen, &n_seen, strdup(de->d_name));
                        if (fresh < 0)
                                k = fresh;
                        else if (fresh > 0)
                                k = judge_unit(r, l, unit_dirs[d], de->d_name, e);
                }
                closedir(dp);
        }
        for (size_t i = 0; i < n_seen; i++)
                free(seen[i]);
        free(seen);
        return k;
}

/* A polkadot in PATH that is not our link into current. */
static int binary_find(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_existing *e)
{
        for (size_t i = 0; i < ELEMENTSOF(path_dirs); i++) {
                _cleanup_free_ char *p = pdi_path_join(path_dirs[i], "polkadot"), *real = NULL;
                if (!p)
                        return -ENOMEM;
                if (pdi_root_realpath(r, p, &real) < 0 || below(real, l->releases))
                        continue;
                bool deb = pdi_dpkg_has_polkadot(r);
                e->node = TAKE_PTR(real);
                e->kind = strdup(deb ? "debian-package" : "manual");
                if (asprintf(&e->what, "%s%s (no unit runs it)",
                             deb ? "Parity's Debian package polkadot: " : "a polkadot binary at ",
                             p) < 0)
                        e->what = NULL;
                return e->kind && e->what ? 1 : -ENOMEM;
        }
        return 0;
}

/* On the host itself: a running process whose executable is named polkadot and is not one of
 * our releases. */
static int process_find(const struct pdi_layout *l, struct pdi_existing *e)
{
        DIR *dp = opendir("/proc");
        if (!dp)
                return 0;
        int k = 0;
        for (struct dirent *de; k == 0 && (de = readdir(dp));) {
                char link[300], exe[4096];
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
                ssize_t n = readlink(link, exe, sizeof(exe) - 1);
                if (n <= 0)
                        continue;
                exe[n] = '\0';
                if (!named_polkadot(exe) || below(exe, l->releases) || below(exe, l->pvf_dir))
                        continue;
                e->pid = (pid_t)atoi(de->d_name);
                e->node = pdi_escape(exe, PDI_ESC_CONTROLS);
                e->kind = strdup("manual");
                k = asprintf(&e->what, "a running polkadot process (pid %d, %s)", (int)e->pid,
                             e->node ? e->node : "?") < 0 ||
                            !e->kind || !e->node
                        ? -ENOMEM
                        : 1;
        }
        closedir(dp);
        return k;
}

int pdi_existing_find(const struct pdi_root *r, const struct pdi_layout *l,
                      const char *adopted_unit, struct pdi_existing *ret, struct pdi_error *err)
{
        struct pdi_existing e = {0};
        int k = units_scan(r, l, adopted_unit, &e);
        if (k == 0 && !adopted_unit)
                k = binary_find(r, l, &e);
        if (k == 0 && !adopted_unit && r->is_host)
                k = process_find(l, &e);
        if (k < 0) {
                pdi_existing_done(&e);
                return pdi_error_set(err, k, "looking for an existing node: %s", pdi_strerror(k));
        }
        if (k > 0) {
                char *shown = pdi_escape(e.what, PDI_ESC_CONTROLS);
                free(e.what);
                e.what = shown;
                *ret = e;
        }
        return k > 0 ? (e.what ? 1 : -ENOMEM) : 0;
}
