/* SPDX-License-Identifier: Apache-2.0 */
#include "host/cgroups.h"
#include "base/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

/* Each controller and the slice settings that need it. */
static const struct {
        unsigned bit;
        const char *name;
        const char *settings;
} controllers[] = {
    {PDI_CG_MEMORY, "memory", "MemoryHigh= and MemoryMax="},
    {PDI_CG_CPU, "cpu", "CPUWeight="},
    {PDI_CG_IO, "io", "IOWeight="},
    {PDI_CG_PIDS, "pids", "TasksMax="},
};

static bool is_fs(int dirfd, const char *path, long magic)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        struct statfs sfs;
        return fd >= 0 && fstatfs(fd, &sfs) == 0 && (long)sfs.f_type == magic;
}

/* Controllers listed (space-separated) in <dir>/cgroup.controllers. */
static unsigned read_controllers(int dirfd, const char *dir)
{
        _cleanup_close_ int dfd = openat(dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *text = NULL;
        unsigned set = 0;
        if (dfd < 0 || pdi_read_file_at(dfd, "cgroup.controllers", 4096, &text, NULL) < 0)
                return 0;
        for (char *p = text; *p;) {
                size_t n = strcspn(p, " \t\n");
                for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
                        if (strlen(controllers[i].name) == n &&
                            strncmp(p, controllers[i].name, n) == 0)
                                set |= controllers[i].bit;
                p += n;
                p += strspn(p, " \t\n");
        }
        return set;
}

int pdi_cgroups_detect(const char *mountpoint, struct pdi_cgroups *ret)
{
        _cleanup_close_ int fd = open(mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct pdi_cgroups c = {0};
        if (is_fs(fd, ".", CGROUP2_SUPER_MAGIC)) {
                c.v2 = true;
                c.controllers = read_controllers(fd, ".");
        } else if (is_fs(fd, ".", TMPFS_MAGIC) && is_fs(fd, "unified", CGROUP2_SUPER_MAGIC)) {
                c.hybrid = true;
                c.controllers = read_controllers(fd, "unified");
        } else if (!is_fs(fd, ".", TMPFS_MAGIC)) {
                return -ENOMEDIUM; /* no cgroup file system there at all */
        }
        *ret = c;
        return 0;
}

bool pdi_cgroups_limits_text(const struct pdi_cgroups *c, char *buf, size_t n)
{
        /* systemd keeps v1 controllers on v1 and hybrid hosts and translates what it can. */
        if (!c->v2) {
                snprintf(buf, n,
                         "cgroup %s: MemoryHigh= in the slice cannot apply; MemoryMax=, "
                         "CPUWeight=, IOWeight= and TasksMax= apply through their v1 "
                         "equivalents (memory limit, cpu.shares, blkio.weight, pids.max)",
                         c->hybrid ? "hybrid (controllers on v1)" : "v1");
                return true;
        }
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(controllers) && len < n; i++)
                if (!(c->controllers & controllers[i].bit))
                        len += (size_t)snprintf(buf + len, n - len,
                                                "%scgroup v2 without the %s controller: %s in "
                                                "the slice cannot apply",
                                                len ? "; " : "", controllers[i].name,
                                                controllers[i].settings);
        return len > 0;
}

void pdi_cgroups_report(const struct pdi_cgroups *c, struct pdi_report *rep)
{
        char text[512];
        if (pdi_cgroups_limits_text(c, text, sizeof(text)))
                pdi_report_note(rep, "%s", text);
}
