/* SPDX-License-Identifier: Apache-2.0 */
/* Host checks around the node rather than its sandbox calls: the cgroup hierarchy the
 * slice's limits need, SELinux and our policy module, and the filesystems the node, its
 * workers and its base path live on (not noexec, enough free space) under --root. */
#include "checks/checks_system.h"
#include "checks/finding.h"
#include "host/cgroups.h"
#include "host/selinux.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#define GIB (1024ULL * 1024 * 1024)

/* ---- cgroups, SELinux ----------------------------------------------------------------------- */

static const char *host_note(const struct pdi_target *t)
{
        return t->root->is_host ? "" : " (the running host, not --root)";
}

void pdi_check_cgroups_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct pdi_cgroups cg;
        char text[512];
        int r = pdi_cgroups_detect("/sys/fs/cgroup", &cg);
        if (r < 0) {
                pdi_check_skip(c, "/sys/fs/cgroup: %s",
                               r == -ENOMEDIUM ? "no cgroup file system mounted" : strerror(-r));
                return;
        }
        if (pdi_cgroups_limits_text(&cg, text, sizeof(text)))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "boot with the unified hierarchy "
                                  "(systemd.unified_cgroup_hierarchy=1) so every limit of the "
                                  "slice applies",
                                  "%s%s", text, host_note(t));
}

/* Enforcing but our module not in the policy store, or the node not labelled by it. */
static bool selinux_module_loaded(const struct pdi_root *r)
{
        static const char *const prio[] = {"100", "200", "300", "400"};
        _cleanup_free_ char *cfg = NULL;
        char type[64] = "targeted", path[256];
        const char *p;

        if (pdi_root_read_file(r, "/etc/selinux/config", 65536, &cfg, NULL) >= 0 &&
            (p = strstr(cfg, "\nSELINUXTYPE=")))
                sscanf(p + strlen("\nSELINUXTYPE="), "%63[A-Za-z0-9_-]", type);
        for (size_t i = 0; i < ELEMENTSOF(prio); i++) {
                snprintf(path, sizeof(path), "/var/lib/selinux/%s/active/modules/%s/polkadot", type,
                         prio[i]);
                _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH | O_DIRECTORY, 0);
                if (fd >= 0)
                        return true;
        }
        return false;
}

static bool selinux_node_labelled(const struct pdi_target *t)
{
        _cleanup_close_ int fd = t->node ? pdi_root_open_regular(t->root, t->node, 0) : -1;
        char label[256] = "";

        if (fd < 0 || fgetxattr(fd, "security.selinux", label, sizeof(label) - 1) < 0)
                return false;
        return strstr(label, ":polkadot_exec_t:") != NULL;
}

void pdi_check_selinux_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *state = pdi_selinux_state(t->root);

        pdi_check_finding(c, PDI_SEV_INFO, NULL, "SELinux %s%s", state,
                          t->root->is_host ? "" : " (judged on the running host only)");
        if (!streq(state, "enforcing"))
                return;
        if (!selinux_module_loaded(t->root))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "load it: semodule -i polkadot.pp, then restorecon -R the "
                                  "install",
                                  "SELinux is enforcing and the polkadot policy module is not "
                                  "loaded");
        else if (t->node && !selinux_node_labelled(t))
                pdi_check_finding(c, PDI_SEV_WARN, "restorecon -RF /opt/polkadot",
                                  "%s is not labelled polkadot_exec_t", t->node);
}

/* ---- filesystems ---------------------------------------------------------------------------- */

/* statvfs of path inside the root, or of its nearest existing parent (a base path the node
 * will create later lives on its parent's filesystem). */
static int root_statvfs(const struct pdi_root *r, const char *path, struct statvfs *ret)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (;;) {
                _cleanup_close_ int fd = pdi_root_open(r, p, O_PATH, 0);
                if (fd >= 0)
                        return fstatvfs(fd, ret) < 0 ? -errno : 0;
                char *slash = strrchr(p, '/');
                if (fd != -ENOENT || !slash)
                        return fd;
                if (slash == p)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

static char *node_dir(const struct pdi_target *t)
{
        char *parent = NULL;
        const char *base;

        if (!t->node || pdi_path_split(t->node, &parent, &base) < 0)
                return NULL;
        return parent;
}

static void noexec_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                       const char *what, const char *why)
{
        struct statvfs sv;
        _cleanup_free_ char *shown = NULL;

        if (!path || root_statvfs(t->root, path, &sv) < 0 || !(sv.f_flag & ST_NOEXEC))
                return;
        shown = pdi_root_display(t->root, path);
        pdi_check_finding(c, PDI_SEV_ERROR,
                          "remount without noexec (fix /etc/fstab) or move it to a filesystem "
                          "that allows execution",
                          "%s %s is on a noexec filesystem: %s", what, shown ? shown : path, why);
}

void pdi_check_noexec_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *nd = node_dir(t);

        noexec_one(t, c, nd, "node directory", "the node cannot be executed");
        if (!streq(nd, t->worker_dir))
                noexec_one(t, c, t->worker_dir, "worker directory",
                           "the node cannot execute its PVF workers");
        noexec_one(t, c, t->base_path, "base path",
                   "the workers map compiled PVF artifacts from it executable");
}

static void space_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                      const char *what, unsigned long long min_bytes, unsigned min_pct)
{
        struct statvfs sv;
        _cleanup_free_ char *shown = NULL;

        if (!path || root_statvfs(t->root, path, &sv) < 0 || sv.f_blocks == 0)
                return;
        unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
        unsigned long long total = (unsigned long long)sv.f_blocks * sv.f_frsize;
        unsigned pct = (unsigned)(avail * 100 / total);
        if (avail >= min_bytes && pct >= min_pct)
                return;
        char want[64];
        if (min_pct)
                snprintf(want, sizeof(want), "%llu GiB and %u%%", min_bytes / GIB, min_pct);
        else
                snprintf(want, sizeof(want), "%llu GiB", min_bytes / GIB);
        shown = pdi_root_display(t->root, path);
        pdi_check_finding(c, PDI_SEV_WARN, "free space or grow the filesystem",
                          "%s %s: %.2f GiB free (%u%% of %.2f GiB), want at least %s free", what,
                          shown ? shown : path, (double)avail / GIB, pct, (double)total / GIB,
                          want);
}

void pdi_check_free_space_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *nd = node_dir(t);

        /* The chain database grows without bound; a release needs a few hundred MB per upgrade. */
        space_one(t, c, t->base_path, "base path", 10 * GIB, 5);
        space_one(t, c, t->release_dir ? t->release_dir : nd, "release directory", 1 * GIB, 0);
}
