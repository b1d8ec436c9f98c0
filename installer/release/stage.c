/* SPDX-License-Identifier: Apache-2.0 */
#include "release/stage.h"
#include "fetch/cache.h"
#include "fetch/extract.h"
#include "base/fault.h"
#include "base/timing.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>

/* Roles' files run, in the release directory or a worker set's (workers/<env>/); anything
 * else an archive carries (licences, notes) is data. */
unsigned pdi_stage_mode(const struct pdi_manifest *m, const char *path)
{
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        for (size_t i = 0; i < m->n_artifacts; i++)
                if (streq(base, pdi_role_file(m->artifacts[i].role)))
                        return 0755;
        return 0644;
}

/* A regular file at path beneath dfd, no symlink anywhere on the way (a worker set's file is
 * two directories down). */
static int open_beneath(int dfd, const char *path)
{
        struct open_how how = {.flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
        long fd = syscall(SYS_openat2, dfd, path, &how, sizeof(how));
        if (fd < 0)
                return -errno;
        struct stat st;
        int k = fstat((int)fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
        if (k < 0) {
                close((int)fd);
                return k;
        }
        return (int)fd;
}

static int copy_fd(int src, int dst, uint64_t size)
{
        uint64_t done = 0;
        while (done < size) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, size - done, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP))
                        break; /* fall back to read/write below */
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* source shorter than signed: cannot happen after hashing */
                done += (uint64_t)n;
        }
        char buf[1 << 16];
        while (done < size) {
                ssize_t n = read(src, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                int k = pdi_write_all(dst, buf, (size_t)n);
                if (k < 0)
                        return k;
                done += (uint64_t)n;
        }
        return 0;
}

/* A reflink: a new inode of our own sharing the verified blocks (btrfs, XFS). The empty file
 * goes again when the filesystem cannot. Only an fd of the signed size: the copy below
 * reports any other. */
static int clone_into(int dfd, const char *name, int src, uint64_t size)
{
        struct stat st;
        if (fstat(src, &st) < 0 || (uint64_t)st.st_size != size)
                return -EINVAL;
        _cleanup_close_ int fd =
            openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, FICLONE, src) == 0)
                return 0;
        int k = -errno;
        (void)unlinkat(dfd, name, 0);
        return k;
}

/* Only an inode nobody else can have written since it was hashed is linked: ours, without
 * group or other write bits (an ACL granting writes shows in the group bits) nor set-id
 * bits, held read-only (a writable fd would make the release unexecutable, ETXTBSY), and
 * named by the cache alone: two releases, or two files of one release, never share an inode,
 * so damage to one cannot spread to another. A fresh download always qualifies (0600 in a
 * 0700 directory). */
static bool link_safe(int src, uint64_t size)
{
        struct stat st;
        int fl = fcntl(src, F_GETFL);
        return fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && fstat(src, &st) == 0 &&
               S_ISREG(st.st_mode) && (uint64_t)st.st_size == size && st.st_nlink == 1 &&
               st.st_uid == geteuid() && (st.st_mode & 07022) == 0;
}

/* A second name for the very inode src verified (by fd, never by name, so nothing swapped in
 * under the cache's name after hashing can be picked up). AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH; /proc/self/fd names the same inode without it. */
static int link_into(int dfd, const char *name, int src, uint64_t size)
{
        if (!link_safe(src, size))
                return -EPERM;
        if (linkat(src, "", dfd, name, AT_EMPTY_PATH) == 0)
                return 0;
        if (errno != EPERM && errno != ENOENT && errno != EINVAL)
                return -errno;
        char proc[40];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src);
        return linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

static int copy_into(int dfd, const char *name, int src, uint64_t size)
{
        _cleanup_close_ int fd =
            openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        return fd < 0 ? -errno : copy_fd(src, fd, size);
}

/* Each byte of a binary is written once, by the download: the release file is a reflink or a
 * hard link of the verified cache file when both are on one filesystem (the cache keeps its
 * name, for repairs and re-installs), a copy only when they are not. */
static int stage_binary(int dfd, const struct pdi_manifest_artifact *a, int src,
                        struct pdi_error *err)
{
        const char *path = pdi_artifact_path(a);
        int k = clone_into(dfd, path, src, a->size);
        if (k < 0 && k != -EEXIST)
                k = link_into(dfd, path, src, a->size);
        if (k < 0 && k != -EEXIST)
                k = copy_into(dfd, path, src, a->size);
        if (k < 0)
                return pdi_error_set(err, k, "stage %s: %s", path, strerror(-k));
        return 0;
}

/* Owner root:root and our mode on every installed file, then fsync it. */
static int finish_file(int dfd, const char *name, unsigned mode, struct pdi_error *err)
{
        _cleanup_close_ int fd = open_beneath(dfd, name);
        if (fd < 0)
                return pdi_error_set(err, fd, "stage %s: %s", name, pdi_read_strerror(fd));
        if (fchown(fd, 0, 0) < 0 && !(errno == EPERM && geteuid() != 0))
                return pdi_error_set(err, -errno, "stage %s: chown: %s", name, strerror(errno));
        if (fchmod(fd, mode) < 0 || pdi_fsync_timed(fd) < 0)
                return pdi_error_set(err, -errno, "stage %s: %s", name, strerror(errno));
        return 0;
}

static int store_manifest(int dfd, const struct pdi_release_src *src, struct pdi_error *err)
{
        int k = pdi_write_atomic_at(dfd, PDI_RELEASE_MANIFEST, src->manifest_bytes,
                                    src->manifest_len, 0644);
        for (size_t i = 0; k == 0 && i < src->n_sigs; i++) {
                _cleanup_free_ char *name = pdi_trust_sig_name(PDI_RELEASE_MANIFEST, i);
                k = name ? pdi_write_atomic_at(dfd, name, src->sigs[i].text, src->sigs[i].len, 0644)
                         : -ENOMEM;
        }
        return k < 0 ? pdi_error_set(err, k, "stage manifest: %s", strerror(-k)) : 0;
}

/* workers/ and one directory per extra worker set (schema 2), root:root 0755 once filled:
 * pass 0 makes them, pass 1 finishes and fsyncs them. */
static int set_dirs(int dfd, const struct pdi_manifest *m, int pass)
{
        for (size_t i = 0; i <= m->n_sets && m->n_sets > 0; i++) {
                const char *d = i == 0 ? PDI_WORKER_SETS_DIR : m->sets[i - 1].dir;
                if (pass == 0 && mkdirat(dfd, d, 0700) < 0)
                        return -errno;
                if (pass == 0)
                        continue;
                _cleanup_close_ int fd =
                    openat(dfd, d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || (fchown(fd, 0, 0) < 0 && geteuid() == 0) || fchmod(fd, 0755) < 0 ||
                    pdi_fsync_timed(fd) < 0)
                        return -errno;
        }
        return 0;
}

static int fill(int dfd, const struct pdi_release_src *src, struct pdi_error *err)
{
        const struct pdi_manifest *m = src->manifest;
        int k = set_dirs(dfd, m, 0);
        if (k < 0)
                return pdi_error_set(err, k, "stage %s/: %s", PDI_WORKER_SETS_DIR, strerror(-k));
        for (size_t i = 0; k == 0 && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                if (lseek(src->artifact_fds[i], 0, SEEK_SET) < 0)
                        return -errno;
                k = a->format == PDI_FORMAT_BINARY ? stage_binary(dfd, a, src->artifact_fds[i], err)
                                                   : pdi_extract(src->artifact_fds[i], a, dfd, err);
                pdi_fault("staged-artifact");
        }
        for (size_t i = 0; k == 0 && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                const char *path = pdi_artifact_path(a);
                if (a->format == PDI_FORMAT_BINARY)
                        k = finish_file(dfd, path, pdi_stage_mode(m, path), err);
                for (size_t f = 0; k == 0 && f < a->n_files; f++)
                        k = finish_file(dfd, a->files[f].path, pdi_stage_mode(m, a->files[f].path),
                                        err);
        }
        if (k == 0 && (k = set_dirs(dfd, m, 1)) < 0)
                pdi_error_set(err, k, "stage %s/: %s", PDI_WORKER_SETS_DIR, strerror(-k));
        if (k == 0)
                k = store_manifest(dfd, src, err);
        if (k == 0 && ((fchown(dfd, 0, 0) < 0 && geteuid() == 0) || fchmod(dfd, 0755) < 0 ||
                       pdi_fsync_timed(dfd) < 0))
                k = pdi_error_set(err, -errno, "stage: %s", strerror(errno));
        return k;
}

int pdi_stage_build(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_release_src *src, const char *dirname, struct pdi_error *err)
{
        int k = pdi_root_mkdir_p(r, l->releases, 0755);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->releases, strerror(-k));
        _cleanup_close_ int rfd = pdi_root_open(r, l->releases, O_RDONLY | O_DIRECTORY, 0);
        if (rfd < 0)
                return pdi_error_set(err, rfd, "%s: %s", l->releases, strerror(-rfd));
        (void)pdi_rm_rf_at(rfd, dirname);
        /* 0700 while incomplete: nobody runs a half-staged binary. */
        if (mkdirat(rfd, dirname, 0700) < 0)
                return pdi_error_set(err, -errno, "%s/%s: %s", l->releases, dirname,
                                     strerror(errno));
        _cleanup_close_ int dfd =
            openat(rfd, dirname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        k = dfd < 0 ? -errno : fill(dfd, src, err);
        if (k < 0) {
                (void)pdi_rm_rf_at(rfd, dirname);
                (void)pdi_fsync_timed(rfd);
                return pdi_error_set(err, k, "%s/%s: %s", l->releases, dirname, strerror(-k));
        }
        return pdi_fsync_timed(rfd) < 0 ? -errno : 0;
}

int pdi_stage_publish(const struct pdi_root *r, const struct pdi_layout *l, const char *dirname,
                      const char *version, struct pdi_error *err)
{
        _cleanup_close_ int rfd = pdi_root_open(r, l->releases, O_RDONLY | O_DIRECTORY, 0);
        if (rfd < 0)
                return pdi_error_set(err, rfd, "%s: %s", l->releases, strerror(-rfd));
        pdi_fault("before-publish");
        if (renameat2(rfd, dirname, rfd, version, RENAME_NOREPLACE) == 0)
                return pdi_fsync_timed(rfd) < 0 ? -errno : 0;
        if (errno != EEXIST)
                return pdi_error_set(err, -errno, "publish %s: %s", version, strerror(errno));
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/%s", l->releases, version) < 0)
                return -ENOMEM;
        if (pdi_layout_in_use(r, dir))
                return pdi_error_set(err, -EBUSY,
                                     "release %s is installed from another manifest and a "
                                     "running process executes it; stop the node first",
                                     version);
        /* Swap both names in one step, then the old tree (now under dirname) goes. */
        if (renameat2(rfd, dirname, rfd, version, RENAME_EXCHANGE) < 0)
                return pdi_error_set(err, -errno, "publish %s: %s", version, strerror(errno));
        (void)pdi_rm_rf_at(rfd, dirname);
        return pdi_fsync_timed(rfd) < 0 ? -errno : 0;
}

static bool file_ok(int dfd, const char *name, const char *sha256, uint64_t size, unsigned mode)
{
        _cleanup_close_ int fd = open_beneath(dfd, name);
        struct stat st;
        return fd >= 0 && pdi_cache_file_matches(fd, sha256, size, &st) &&
               (st.st_mode & 07777) == mode && (st.st_uid == 0 || geteuid() != 0);
}

static int add_name(char ***v, size_t *n, const char *name)
{
        char **nv = realloc(*v, (*n + 1) * sizeof(**v));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(name)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

int pdi_stage_check(const struct pdi_root *r, const struct pdi_layout *l,
                    const struct pdi_release_src *src, char ***damaged, size_t *n_damaged)
{
        const struct pdi_manifest *m = src->manifest;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/%s", l->releases, m->version) < 0)
                return -ENOMEM;
        _cleanup_close_ int dfd = pdi_root_open(r, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
        if (dfd < 0)
                return dfd;
        int k = 0;
        for (size_t i = 0; k == 0 && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                const char *path = pdi_artifact_path(a);
                if (a->format == PDI_FORMAT_BINARY &&
                    !file_ok(dfd, path, a->sha256, a->size, pdi_stage_mode(m, path)))
                        k = add_name(damaged, n_damaged, path);
                for (size_t f = 0; k == 0 && f < a->n_files; f++) {
                        const struct pdi_manifest_file *x = &a->files[f];
                        if (!file_ok(dfd, x->path, x->sha256, x->size, pdi_stage_mode(m, x->path)))
                                k = add_name(damaged, n_damaged, x->path);
                }
        }
        char sha[65];
        if (k == 0 && pdi_sha256_buf(src->manifest_bytes, src->manifest_len, sha) == 0 &&
            !file_ok(dfd, PDI_RELEASE_MANIFEST, sha, src->manifest_len, 0644))
                k = add_name(damaged, n_damaged, PDI_RELEASE_MANIFEST);
        return k;
}

int pdi_stage_repair(const struct pdi_root *r, const struct pdi_layout *l, const char *version,
                     const char *repair_dir, char *const *names, size_t n, struct pdi_error *err)
{
        _cleanup_close_ int rfd = pdi_root_open(r, l->releases, O_RDONLY | O_DIRECTORY, 0);
        if (rfd < 0)
                return pdi_error_set(err, rfd, "%s: %s", l->releases, strerror(-rfd));
        _cleanup_close_ int from =
            openat(rfd, repair_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int to =
            openat(rfd, version, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (from < 0 || to < 0)
                return pdi_error_set(err, -errno, "repair %s: %s", version, strerror(errno));
        for (size_t i = 0; i < n; i++) {
                if (renameat(from, names[i], to, names[i]) < 0)
                        return pdi_error_set(err, -errno, "repair %s/%s: %s", version, names[i],
                                             strerror(errno));
                pdi_fault("repaired-file");
        }
        if (pdi_fsync_timed(to) < 0)
                return -errno;
        (void)pdi_rm_rf_at(rfd, repair_dir);
        return 0;
}
