/* SPDX-License-Identifier: Apache-2.0 */
#include "host/conffile.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define CONFFILE_MAX (1024 * 1024)

int pdi_conffile_narrow_mode(const struct pdi_root *r, const char *path, unsigned mode,
                             struct pdi_report *rep, struct pdi_error *err)
{
        struct stat st;
        _cleanup_close_ int fd =
            pdi_root_open(r, path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0)
                return fd == -ENOENT ? 0 : pdi_error_set(err, fd, "%s: %s", path, strerror(-fd));
        if (fstat(fd, &st) < 0)
                return pdi_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode) || (st.st_mode & 07777 & ~(mode_t)mode) == 0)
                return 0;
        if (fchmod(fd, st.st_mode & 07777 & (mode_t)mode) < 0)
                return pdi_error_set(err, -errno, "%s: narrowing its mode: %s", path,
                                     strerror(errno));
        pdi_report_action(rep, "narrowed the mode of %s from %04o to %04o", path,
                          (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 07777 & mode));
        return 0;
}

int pdi_conffile_write(const struct pdi_root *r, struct pdi_state *st, const char *path,
                       const char *content, unsigned mode, struct pdi_report *rep,
                       enum pdi_conffile_result *ret, struct pdi_error *err)
{
        char want[65], have[65] = "";
        size_t len = strlen(content);
        _cleanup_free_ char *old = NULL, *newbase = NULL;
        const char *base;
        int k = pdi_sha256_buf(content, len, want);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", path, strerror(-k));
        _cleanup_close_ int pfd = pdi_root_open_parent(r, path, 0755, &base);
        if (pfd < 0)
                return pdi_error_set(err, pfd, "%s: %s", path, strerror(-pfd));
        size_t oldlen = 0;
        k = pdi_root_read_file(r, path, CONFFILE_MAX, &old, &oldlen);
        if (k < 0 && k != -ENOENT)
                return pdi_error_set(err, k, "%s: %s", path, pdi_read_strerror(k));
        if (k == 0)
                pdi_sha256_buf(old, oldlen, have);
        const char *ours = pdi_state_rendered(st, path);
        if (k == 0 && streq(have, want)) {
                *ret = PDI_CONFFILE_UNCHANGED;
                k = pdi_conffile_narrow_mode(r, path, mode, rep, err);
                return k < 0 ? k : pdi_state_set_rendered(st, path, want);
        }
        /* Edited by the operator: an existing file we never wrote, or not what we wrote. */
        if (k == 0 && !streq(have, ours)) {
                if (asprintf(&newbase, "%s.new", base) < 0)
                        return -ENOMEM;
                k = pdi_write_atomic_at(pfd, newbase, content, len, mode);
                if (k < 0)
                        return pdi_error_set(err, k, "%s.new: %s", path, strerror(-k));
                pdi_report_warn(rep,
                                "%s was edited by hand: kept it; the installer's version "
                                "is in %s.new (compare and merge, then delete it)",
                                path, path);
                *ret = PDI_CONFFILE_KEPT;
                return 0;
        }
        k = pdi_write_atomic_at(pfd, base, content, len, mode);
        if (k < 0)
                return pdi_error_set(err, k, "%s: cannot write: %s", path, strerror(-k));
        pdi_report_action(rep, "wrote %s", path);
        *ret = PDI_CONFFILE_WRITTEN;
        return pdi_state_set_rendered(st, path, want);
}

enum pdi_conffile_owner pdi_conffile_owner(const struct pdi_root *r, const struct pdi_state *st,
                                           const char *path)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char have[65];
        int k = pdi_root_read_file(r, path, CONFFILE_MAX, &buf, &len);
        if (k == -ENOENT)
                return PDI_CONFFILE_ABSENT;
        if (k == 0 && pdi_sha256_buf(buf, len, have) == 0 &&
            streq(have, pdi_state_rendered(st, path)))
                return PDI_CONFFILE_OURS;
        return PDI_CONFFILE_THEIRS;
}
