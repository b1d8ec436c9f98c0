/* SPDX-License-Identifier: Apache-2.0 */
/* The `unit` check: the service is there, enabled, as we rendered it, and not hardened so far
 * that Secure Validator Mode breaks. The syscall filter is evaluated the way systemd applies
 * SystemCallFilter= lines: in order, the first line choosing allow-list (which starts from
 * @default, as systemd adds it) or deny-list (~) mode, later lines adding to or taking from
 * it, an empty assignment resetting; groups as the root's systemd defines them (its version
 * read from the root's files, never by running it; the newest when it cannot be told). */
#include "checks/checks_unit.h"
#include "checks/exposure.h"
#include "checks/unitfile.h"
#include "host/units.h"
#include "trust/hash.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

/* What the workers' sandbox calls (security.rs, the worker's unshare + pivot_root). */
static const char *const svm_calls[] = {
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "seccomp",
    "mount",
    "umount2",
    "pivot_root",
    "unshare",
};

/* The systemd syscall groups that hold any of svm_calls (systemd.exec(5), @known all), and
 * since which systemd: @sandbox came in 254 (an older systemd ignores the unknown group),
 * and 257 put it into @default, so into @system-service and every allow list (systemd adds
 * @default to each). */
#define SANDBOX_CALLS "landlock_create_ruleset landlock_add_rule landlock_restrict_self seccomp"
static const struct {
        const char *group;
        const char *calls; /* space-separated */
        unsigned since;
} groups[] = {
    {"@mount", "mount umount2 pivot_root", 0},
    {"@privileged", "pivot_root", 0},
    {"@process", "unshare", 0},
    {"@system-service", "unshare", 0},
    {"@sandbox", SANDBOX_CALLS, 254},
    {"@default", SANDBOX_CALLS, 257},
    {"@system-service", SANDBOX_CALLS, 257},
    {"@known", SANDBOX_CALLS " mount umount2 pivot_root unshare", 0},
};

/* Judged as this systemd when the root's cannot be told (no libsystemd-shared, no
 * systemd.pc): the newest, as units.c renders for. */
#define SYSTEMD_NEWEST UINT_MAX

static bool item_holds(const char *item, const char *call, unsigned systemd)
{
        if (streq(item, call))
                return true;
        for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                if (!streq(item, groups[g].group) || systemd < groups[g].since)
                        continue;
                size_t n = strlen(call);
                for (const char *p = groups[g].calls; (p = strstr(p, call)); p += n)
                        if ((p == groups[g].calls || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
                                return true;
        }
        return false;
}

struct filter {
        int mode; /* 0 none yet, 1 allow list, 2 deny list */
        bool allowed[ELEMENTSOF(svm_calls)];
        unsigned systemd;
};

static void filter_set(struct filter *f, const char *item, bool allow)
{
        for (size_t i = 0; i < ELEMENTSOF(svm_calls); i++)
                if (item_holds(item, svm_calls[i], f->systemd))
                        f->allowed[i] = allow;
}

/* One SystemCallFilter= line applied to f. */
static void filter_apply(const char *value, struct filter *f)
{
        const size_t n = ELEMENTSOF(svm_calls);
        value += strspn(value, " \t");
        if (!*value) {
                f->mode = 0;
                for (size_t i = 0; i < n; i++)
                        f->allowed[i] = true;
                return;
        }
        bool deny = *value == '~';
        if (f->mode == 0) {
                f->mode = deny ? 2 : 1;
                for (size_t i = 0; i < n; i++)
                        f->allowed[i] = deny; /* an allow list starts from @default alone */
                if (!deny)
                        filter_set(f, "@default", true);
        }
        _cleanup_free_ char *copy = strdup(value + deny);
        char *save = NULL;
        for (char *w = copy ? strtok_r(copy, " \t", &save) : NULL; w;
             w = strtok_r(NULL, " \t", &save)) {
                w[strcspn(w, ":")] = '\0'; /* "name:errno" */
                filter_set(f, w, !deny);
        }
}

static void check_filter(const struct pdi_target *t, const struct pdi_unit *u,
                         struct pdi_check_ctx *c)
{
        unsigned v = pdi_root_systemd_version(t->root);
        struct filter f = {.systemd = v ? v : SYSTEMD_NEWEST};
        for (size_t i = 0; i < ELEMENTSOF(svm_calls); i++)
                f.allowed[i] = true;
        const char *last_file = NULL;
        for (size_t i = 0; i < u->n; i++)
                if (streq(u->kv[i].section, "Service") && streq(u->kv[i].key, "SystemCallFilter")) {
                        filter_apply(u->kv[i].value, &f);
                        last_file = u->kv[i].file;
                }
        for (size_t i = 0; i < ELEMENTSOF(svm_calls); i++)
                if (!f.allowed[i])
                        pdi_check_finding(c, PDI_SEV_ERROR,
                                          "allow landlock_*, seccomp, mount, umount2, pivot_root "
                                          "and unshare: the PVF sandbox needs them",
                                          "SystemCallFilter= (last set in %s) denies %s: Secure "
                                          "Validator Mode cannot start its workers",
                                          last_file, svm_calls[i]);
}

static bool is_false(const char *v)
{
        return !v || streq(v, "no") || streq(v, "false") || streq(v, "0") || streq(v, "off");
}

static bool is_true(const char *v)
{
        return v && (streq(v, "yes") || streq(v, "true") || streq(v, "1") || streq(v, "on"));
}

static void check_hardening(const struct pdi_unit *u, struct pdi_check_ctx *c)
{
        const char *ns = pdi_unit_get(u, "Service", "RestrictNamespaces");
        if (!is_false(ns))
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "set RestrictNamespaces=no: workers create user, mount, "
                                  "cgroup, ipc, net, pid and uts namespaces",
                                  "RestrictNamespaces=%s: the workers cannot unshare their "
                                  "namespaces (\"Cannot unshare user namespace\")",
                                  ns);
        if (is_true(pdi_unit_get(u, "Service", "MemoryDenyWriteExecute")))
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "remove MemoryDenyWriteExecute=: wasmtime compiles PVFs and "
                                  "the runtime to machine code at run time",
                                  "MemoryDenyWriteExecute=yes breaks the executor's JIT");
        /* PrivateUsers=yes is fine: upstream's unit sets it and nested user namespaces work. */
}

static void check_enabled(const struct pdi_target *t, const struct pdi_unit *u,
                          struct pdi_check_ctx *c)
{
        const char *name = strrchr(t->unit_path, '/') + 1;
        const char *wanted = pdi_unit_get(u, "Install", "WantedBy");
        _cleanup_free_ char *copy = strdup(wanted ? wanted : "multi-user.target");
        char *save = NULL;
        for (char *w = copy ? strtok_r(copy, " \t", &save) : NULL; w;
             w = strtok_r(NULL, " \t", &save)) {
                _cleanup_free_ char *link = NULL;
                if (asprintf(&link, "/etc/systemd/system/%s.wants/%s", w, name) < 0)
                        return;
                _cleanup_close_ int fd = pdi_root_open(t->root, link, O_PATH | O_NOFOLLOW, 0);
                if (fd >= 0)
                        return;
        }
        pdi_check_finding(c, PDI_SEV_WARN, "systemctl enable polkadot.service",
                          "%s is not enabled: the node does not start at boot", t->unit_path);
}

static void check_unchanged(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->unit_expected_sha256)
                return;
        _cleanup_close_ int fd = pdi_root_open_regular(t->root, t->unit_path, 0);
        char hex[65];
        struct stat st;
        /* One that grew past the cap since it was loaded is not hashed (not read) either. */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_size > PDI_UNIT_MAX_BYTES)
                return;
        if (pdi_sha256_fd(fd, hex, NULL) < 0 || streq(hex, t->unit_expected_sha256))
                return;
        pdi_check_finding(c, PDI_SEV_WARN,
                          "put changes in a drop-in (polkadot.service.d/*.conf); the next "
                          "install renders the unit again",
                          "%s was changed since polkadot-installer rendered it", t->unit_path);
}

void pdi_check_unit_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (streq(t->kind, "docker")) {
                pdi_check_skip(c, "no systemd in the Docker layout");
                return;
        }
        if (t->container && !t->unit_path) {
                pdi_check_skip(c, "container mode: no systemd; the image's ENTRYPOINT starts "
                                  "the node");
                return;
        }
        if (!t->unit_path) {
                pdi_check_finding(
                    c, streq(t->kind, "polkadot-installer") ? PDI_SEV_ERROR : PDI_SEV_WARN,
                    "polkadot-installer install renders a hardened unit",
                    "no polkadot.service: nothing starts the node or restarts it");
                return;
        }
        struct pdi_unit u;
        int k = pdi_unit_load(t->root, t->unit_path, &u);
        if (k < 0) {
                pdi_check_finding(c, PDI_SEV_ERROR, NULL, "%s: cannot read: %s", t->unit_path,
                                  strerror(-k));
                return;
        }
        for (size_t i = 0; i < u.n_big; i++)
                pdi_check_finding(
                    c, PDI_SEV_ERROR, "a unit file or drop-in is a few KiB: replace it",
                    "%s is too large: %" PRIu64 " bytes, a unit file may have %u (not read)",
                    u.big[i].file, u.big[i].size, PDI_UNIT_MAX_BYTES);
        if (u.n_big && streq(u.big[0].file, t->unit_path)) {
                pdi_unit_done(&u); /* nothing of the unit itself to judge */
                return;
        }
        check_enabled(t, &u, c);
        check_unchanged(t, c);
        check_filter(t, &u, c);
        check_hardening(&u, c);
        pdi_check_exposure(t, c);
        pdi_unit_done(&u);
}
