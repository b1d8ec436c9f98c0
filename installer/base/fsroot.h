/* SPDX-License-Identifier: Apache-2.0 */
/* Every filesystem access of the installer goes through here. A `struct pdi_root` holds an
 * fd on the target root (--root, default "/"); paths are resolved with openat2(2) and
 * RESOLVE_IN_ROOT, so no path or planted symlink can reach outside the root, and the final
 * component is never followed when we create or replace something. Writes are durable:
 * tmp file → fsync → rename → fsync of the directory. */
#pragma once

#include "base/common.h"

#include <dirent.h>
#include <sys/types.h>

struct pdi_root {
        int fd;       /* O_PATH|O_DIRECTORY fd of the root */
        char *path;   /* as given, for messages; "/" by default */
        bool is_host; /* root is "/" */
};

int pdi_root_init(struct pdi_root *r, const char *path);
void pdi_root_done(struct pdi_root *r);

/* Open an absolute path ("/etc/…") inside the root. O_CLOEXEC is always added. With
 * O_CREAT or for writing, the last component is opened with O_NOFOLLOW. */
int pdi_root_open(const struct pdi_root *r, const char *path, int flags, mode_t mode);

/* Open a directory inside the root for reading its entries (dirfd(d) serves *at calls).
 * -ENOENT and other errors as -errno. */
int pdi_root_opendir(const struct pdi_root *r, const char *path, DIR **ret);

static inline void pdi_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(pdi_closedirp)

/* Create path and its parents (like mkdir -p): a new path gets mode, new parents 0755. */
int pdi_root_mkdir_p(const struct pdi_root *r, const char *path, mode_t mode);

/* Open a regular file for reading without ever blocking on the open: O_NONBLOCK (a FIFO
 * would wait for a writer forever), fstat, -EINVAL for anything but a regular file, then
 * O_NONBLOCK cleared. flags may add O_NOFOLLOW. Every reader of a file under --root uses
 * these (or the read helpers below, which do), with a size cap for its kind of file. */
int pdi_root_open_regular(const struct pdi_root *r, const char *path, int flags);
int pdi_open_regular_at(int dirfd, const char *name, int flags);

/* Read a regular file of at most max bytes (-EFBIG above), NUL-terminated for convenience.
 * Opened as pdi_root_open_regular does: a FIFO or device is -EINVAL, never a hang. */
int pdi_root_read_file(const struct pdi_root *r, const char *path, size_t max, char **ret_buf,
                       size_t *ret_len);

/* Same on a plain fd-relative path (dirfd may be AT_FDCWD), O_NOFOLLOW on the last part. */
int pdi_read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len);
int pdi_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len);
/* A host path the operator named on the command line (--manifest, --signature, --key …):
 * symlinks are followed, as any command-line tool does; never a path under --root. A FIFO or
 * device is refused without blocking (-EINVAL, as for any file that is not regular). */
int pdi_read_host_file(const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* Text for an error of the pdi_read_* functions: -EINVAL is "not a regular file". */
const char *pdi_read_strerror(int r);

/* Durably replace dirfd/name with data: tmp → fsync → rename → fsync(dir). */
int pdi_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
int pdi_root_write_atomic(const struct pdi_root *r, const char *path, const void *data, size_t len,
                          mode_t mode);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int pdi_write_all(int fd, const void *buf, size_t len);

/* Split "/a/b/c" into a newly allocated parent ("/a/b") and a pointer to "c". */
int pdi_path_split(const char *path, char **ret_parent, const char **ret_base);

/* Open the directory that holds path inside the root (O_RDONLY | O_DIRECTORY) and point
 * *ret_base at path's last component, for the *at calls on it. With create_mode, missing
 * parents are made first (pdi_root_mkdir_p); with 0, a missing parent is -ENOENT. */
int pdi_root_open_parent(const struct pdi_root *r, const char *path, mode_t create_mode,
                         const char **ret_base);

/* Join root-relative display path: "<root>/<path>" without doubled slashes (for messages). */
char *pdi_root_display(const struct pdi_root *r, const char *path);
