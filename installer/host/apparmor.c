/* SPDX-License-Identifier: Apache-2.0 */
#include "host/apparmor.h"
#include "base/exec.h"
#include "host/templates.h"
#include "host/units.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#define APPARMOR_DIR "/etc/apparmor.d"
#define TEMPLATE "apparmor/polkadot.in"
/* Where the state keeps the sha256 of the profile that apparmor_parser last loaded. */
#define LOADED_KEY "apparmor loaded "

/* A small procfs/sysfs file: st_size is 0 there, so read() it rather than pdi_read_fd. */
static int read_small(const struct pdi_root *r, const char *path, char *buf, size_t n)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
        ssize_t k = read(fd, buf, n - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        return 0;
}

bool pdi_apparmor_enabled(const struct pdi_root *r)
{
        char v[8];
        if (!r->is_host)
                return false;
        _cleanup_close_ int fd =
            pdi_root_open(r, "/sys/kernel/security/apparmor", O_PATH | O_DIRECTORY, 0);
        if (fd >= 0)
                return true;
        return read_small(r, "/sys/module/apparmor/parameters/enabled", v, sizeof(v)) == 0 &&
               v[0] == 'Y';
}

int pdi_apparmor_restrict_userns(const struct pdi_root *r)
{
        char v[32], *end;
        if (!r->is_host)
                return -EOPNOTSUPP;
        int k = read_small(r, PDI_APPARMOR_RESTRICT_USERNS, v, sizeof(v));
        if (k < 0)
                return k;
        long x = strtol(v, &end, 10);
        if (end == v || x < 0 || x > 1000)
                return -EINVAL;
        return (int)x;
}

bool pdi_apparmor_profile_loaded(const struct pdi_root *r, const char *suffix)
{
        _cleanup_free_ char *text = NULL;
        size_t n = strlen(suffix);
        _cleanup_close_ int fd =
            r->is_host ? pdi_root_open(r, PDI_APPARMOR_PROFILES, O_RDONLY, 0) : -EOPNOTSUPP;
        /* "name (mode)" per line; securityfs too has st_size 0 */
        if (fd < 0 || pdi_read_fd(fd, 1 << 20, &text, NULL) < 0)
                return false;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *sp = strstr(line, " (");
                size_t len = sp ? (size_t)(sp - line) : strlen(line);
                if (len >= n && strncmp(line + len - n, suffix, n) == 0)
                        return true;
        }
        return false;
}

/* Only what AppArmor reads literally in an attachment: no globs, quotes, spaces. */
static bool plain_path(const char *p)
{
        for (; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-",
                            *p))
                        return false;
        return true;
}

static bool root_has(const struct pdi_root *r, const char *path)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH, 0);
        return fd >= 0;
}

int pdi_apparmor_render(const struct pdi_root *r, const struct pdi_layout *l, char **ret_text)
{
        _cleanup_free_ char *worker = NULL;
        const char *tmpl = pdi_template_get(TEMPLATE);
        bool v4 = root_has(r, APPARMOR_DIR "/abi/4.0");
        bool v3 = root_has(r, APPARMOR_DIR "/abi/3.0");

        if (!tmpl)
                return -ENOENT;
        if (!plain_path(l->releases) || !plain_path(l->instance))
                return -EINVAL;
        if (asprintf(&worker, "%s" PDI_APPARMOR_WORKER_SUFFIX, l->instance) < 0)
                return -ENOMEM;
        const struct pdi_units_var vars[] = {
            {"INSTANCE", l->instance},
            {"NODE_PROFILE", l->instance},
            {"WORKER_PROFILE", worker},
            {"RELEASES", l->releases},
            {"LOCAL_DIR", APPARMOR_DIR "/local"},
            {"ABI_LINE", v4   ? "abi <abi/4.0>,"
                         : v3 ? "abi <abi/3.0>,"
                              : "# (no " APPARMOR_DIR "/abi here: AppArmor before 3.0)"},
            {"USERNS_RULE",
             v4 ? "userns," : "# (AppArmor before 4.0 does not mediate user namespaces)"},
        };
        return pdi_units_render(tmpl, vars, ELEMENTSOF(vars), 0, ret_text);
}

char *pdi_apparmor_profile_path(const struct pdi_layout *l)
{
        char *p = NULL;
        return asprintf(&p, APPARMOR_DIR "/%s", l->instance) < 0 ? NULL : p;
}

/* Write path with text unless it holds it already; 1 if written now. */
static int write_profile(const struct pdi_root *r, const char *path, const char *text,
                         struct pdi_report *rep, struct pdi_error *err)
{
        _cleanup_free_ char *old = NULL;
        size_t len = strlen(text);
        if (pdi_root_read_file(r, path, 1 << 20, &old, NULL) >= 0 && streq(old, text))
                return 0;
        int k = pdi_root_write_atomic(r, path, text, len, 0644);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", path, pdi_strerror(k));
        pdi_report_action(rep, "wrote AppArmor profiles to %s", path);
        return 1;
}

/* apparmor_parser -r unless the state says this very text is loaded. */
static int load_profile(const char *path, const char *text, struct pdi_state *st,
                        struct pdi_report *rep, struct pdi_error *err)
{
        _cleanup_free_ char *key = NULL;
        char sha[65];
        if (asprintf(&key, LOADED_KEY "%s", path) < 0 ||
            pdi_sha256_buf(text, strlen(text), sha) < 0)
                return pdi_error_set(err, -ENOMEM, "%s: %s", path, pdi_strerror(-ENOMEM));
        if (st && streq(pdi_state_rendered(st, key), sha))
                return 0;
        _cleanup_free_ char *tool = NULL;
        if (pdi_exec_find("apparmor_parser", &tool) < 0) {
                pdi_report_warn(rep,
                                "AppArmor is enabled but apparmor_parser is not installed "
                                "(package apparmor): %s is not loaded until it is",
                                path);
                return 0;
        }
        char *argv[] = {"apparmor_parser", "-r", (char *)path, NULL};
        int k = pdi_exec_tool("apparmor_parser", argv, -1, err);
        if (k == 0 && st)
                k = pdi_state_set_rendered(st, key, sha);
        if (k < 0)
                return k;
        pdi_report_action(rep, "loaded AppArmor profiles from %s (apparmor_parser -r)", path);
        return 1;
}

int pdi_apparmor_apply(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_state *st,
                       struct pdi_report *rep, struct pdi_error *err)
{
        bool enabled = pdi_apparmor_enabled(r);
        _cleanup_free_ char *path = pdi_apparmor_profile_path(l);
        _cleanup_free_ char *text = NULL;

        if (!enabled && (r->is_host || !root_has(r, APPARMOR_DIR))) {
                pdi_report_note(rep, "AppArmor is not enabled here; no AppArmor profile installed");
                return 0;
        }
        int k = path ? pdi_apparmor_render(r, l, &text) : -ENOMEM;
        if (k == -EINVAL) {
                pdi_report_warn(rep,
                                "no AppArmor profile written: %s is not a plain path (letters, "
                                "digits, /._+-) that a profile can name",
                                l->releases);
                return 0;
        }
        if (k < 0)
                return pdi_error_set(err, k, "AppArmor profile: %s", pdi_strerror(k));
        k = write_profile(r, path, text, rep, err);
        if (k < 0)
                return k;
        if (!enabled) {
                pdi_report_note(rep, "%s is loaded when that system boots with AppArmor", path);
                return 0;
        }
        return load_profile(path, text, st, rep, err) < 0 ? -PDI_E_FAILED : 0;
}

int pdi_apparmor_remove(const struct pdi_root *r, const struct pdi_layout *l,
                        struct pdi_report *rep, struct pdi_error *err)
{
        _cleanup_free_ char *path = pdi_apparmor_profile_path(l);
        const char *name;
        if (!path)
                return pdi_error_set(err, -ENOMEM, "AppArmor profile: %s", pdi_strerror(-ENOMEM));
        _cleanup_close_ int dfd = pdi_root_open_parent(r, path, 0, &name);
        if (dfd < 0 || faccessat(dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        if (pdi_apparmor_enabled(r)) {
                char *argv[] = {"apparmor_parser", "-R", path, NULL};
                struct pdi_error ignored = {0}; /* not loaded (any more) is fine */
                if (pdi_exec_tool("apparmor_parser", argv, -1, &ignored) == 0)
                        pdi_report_action(rep, "unloaded the AppArmor profiles of %s", path);
        }
        if (unlinkat(dfd, name, 0) < 0)
                return pdi_error_set(err, -errno, "%s: %s", path, strerror(errno));
        pdi_report_action(rep, "removed %s", path);
        return 0;
}
