/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a release bundle (bundle.h) with libarchive, tar only and no filter: whatever
 * else the file claims to be is refused as "not a tar archive". */
#include "fetch/bundle.h"
#include "base/encoding.h"
#include "base/fsroot.h"
#include "trust/hash.h"
#include "trust/minisign.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#define CHUNK (256 * 1024)

struct reader {
        const char *path;
        struct archive *a;
        int dirfd;
        struct pdi_error *err;
        char *manifest;
        size_t manifest_len;
        struct pdi_sigtext sigs[PDI_TRUST_MAX_SIGS];
        size_t n_sigs;
        const struct pdi_manifest *m;
        bool seen[PDI_MANIFEST_MAX_ARTIFACTS];
        char name[128]; /* the current member's name, escaped for messages */
};

static int fail(struct reader *r, int code, const char *why)
{
        return pdi_error_set(r->err, code, "bundle %s: member '%s': %s", r->path, r->name, why);
}

static int open_out(struct reader *r, const char *name, mode_t mode)
{
        int fd = openat(r->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        return fd < 0 ? pdi_error_set(r->err, -errno, "%s: %s", name, strerror(errno)) : fd;
}

/* Exactly size bytes of the member, hashed (and written when extracting). */
static int copy_member(struct reader *r, uint64_t size, const char *out_name, mode_t mode,
                       char *ret_hex, char *buf, size_t buf_max)
{
        struct pdi_sha256 h;
        _cleanup_close_ int fd = r->dirfd >= 0 && out_name ? open_out(r, out_name, mode) : -1;
        if (r->dirfd >= 0 && out_name && fd < 0)
                return fd;
        int k = pdi_sha256_init(&h);
        _cleanup_free_ char *chunk = k == 0 ? malloc(CHUNK) : NULL;
        uint64_t have = 0;
        while (k == 0 && chunk) {
                la_ssize_t n = archive_read_data(r->a, chunk, CHUNK);
                if (n < 0)
                        k = fail(r, -PDI_E_ARCHIVE, archive_error_string(r->a) ?: "read error");
                if (n <= 0)
                        break;
                if ((uint64_t)n > size - have)
                        k = fail(r, -PDI_E_INTEGRITY, "more bytes than its header says");
                if (k == 0 && buf && have + (uint64_t)n <= buf_max)
                        memcpy(buf + have, chunk, (size_t)n);
                if (k == 0)
                        k = pdi_sha256_update(&h, chunk, (size_t)n);
                if (k == 0 && fd >= 0 && (k = pdi_write_all(fd, chunk, (size_t)n)) < 0)
                        pdi_error_set(r->err, k, "%s: writing: %s", out_name, strerror(-k));
                have += (uint64_t)n;
        }
        if (k == 0 && !chunk)
                k = -ENOMEM;
        if (k == 0 && have != size)
                k = fail(r, -PDI_E_INTEGRITY, "shorter than its header says");
        if (k == 0)
                k = pdi_sha256_final(&h, ret_hex);
        pdi_sha256_done(&h);
        if (k == 0 && fd >= 0 && fsync(fd) < 0)
                k = pdi_error_set(r->err, -errno, "%s: %s", out_name, strerror(errno));
        return k;
}

static int read_small(struct reader *r, uint64_t size, size_t max, char **ret, size_t *ret_len)
{
        char hex[65];
        if (size > max)
                return fail(r, -PDI_E_ARCHIVE, "larger than it may be");
        _cleanup_free_ char *buf = malloc((size_t)size + 1);
        if (!buf)
                return -ENOMEM;
        /* Written out only once verified: the caller writes what it keeps. */
        int k = copy_member(r, size, NULL, 0, hex, buf, (size_t)size);
        if (k < 0)
                return k;
        buf[size] = '\0';
        *ret_len = (size_t)size;
        *ret = TAKE_PTR(buf);
        return 0;
}

static bool is_sig_name(const char *name, size_t i)
{
        char want[64];
        if (i == 0)
                snprintf(want, sizeof(want), "%s.minisig", PDI_BUNDLE_MANIFEST);
        else
                snprintf(want, sizeof(want), "%s.minisig.%zu", PDI_BUNDLE_MANIFEST, i + 1);
        return streq(name, want);
}

static int write_kept(struct reader *r, const char *name, const char *text, size_t len)
{
        if (r->dirfd < 0)
                return 0;
        int k = pdi_write_atomic_at(r->dirfd, name, text, len, 0644);
        return k < 0 ? pdi_error_set(r->err, k, "%s: writing: %s", name, strerror(-k)) : 0;
}

/* The first member after the signatures: the manifest and signatures judged now. */
static int verify_manifest(struct reader *r, pdi_bundle_verify_fn verify, void *userdata)
{
        if (!r->manifest)
                return pdi_error_set(r->err, -PDI_E_ARCHIVE, "bundle %s: does not start with %s",
                                     r->path, PDI_BUNDLE_MANIFEST);
        if (r->n_sigs == 0)
                return pdi_error_set(r->err, -PDI_E_SIGNATURE,
                                     "bundle %s: no %s.minisig after the manifest", r->path,
                                     PDI_BUNDLE_MANIFEST);
        int k = verify(userdata, r->manifest, r->manifest_len, r->sigs, r->n_sigs, &r->m, r->err);
        if (k < 0)
                return k;
        k = write_kept(r, PDI_BUNDLE_MANIFEST, r->manifest, r->manifest_len);
        for (size_t i = 0; k == 0 && i < r->n_sigs; i++)
                k = write_kept(r, r->sigs[i].source, r->sigs[i].text, r->sigs[i].len);
        return k;
}

static int artifact_member(struct reader *r, const char *name, uint64_t size)
{
        const struct pdi_manifest *m = r->m;
        size_t i = 0;
        while (i < m->n_artifacts && !streq(m->artifacts[i].name, name))
                i++;
        if (i == m->n_artifacts)
                return fail(r, -PDI_E_ARCHIVE, "not an artifact of the manifest");
        if (r->seen[i])
                return fail(r, -PDI_E_ARCHIVE, "given twice");
        r->seen[i] = true;
        const struct pdi_manifest_artifact *a = &m->artifacts[i];
        char hex[65], why[200];
        if (size != a->size) {
                snprintf(why, sizeof(why), "size %llu, signed %llu", (unsigned long long)size,
                         (unsigned long long)a->size);
                return fail(r, -PDI_E_INTEGRITY, why);
        }
        /* Extracted under the last part of its URL, where install --from looks for it. */
        const char *last = strrchr(a->url, '/');
        int k = copy_member(r, size, last ? last + 1 : a->url, 0644, hex, NULL, 0);
        if (k == 0 && strcasecmp(hex, a->sha256) != 0) {
                snprintf(why, sizeof(why), "sha256 %s, signed %s", hex, a->sha256);
                return fail(r, -PDI_E_INTEGRITY, why);
        }
        return k;
}

/* Only plain regular files with plain names: a link, a directory, a device or a path is
 * refused whatever it is called. */
static int check_entry(struct reader *r, struct archive_entry *e, uint64_t *ret_size)
{
        const char *name = archive_entry_pathname(e);
        pdi_escape_into(r->name, sizeof(r->name), name ? name : "", PDI_ESC_CONTROLS);
        if (!name || !name[0] || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return fail(r, -PDI_E_ARCHIVE, "not a plain file name");
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
            archive_entry_symlink(e))
                return fail(r, -PDI_E_ARCHIVE, "not a regular file");
        if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
            (uint64_t)archive_entry_size(e) > PDI_MANIFEST_MAX_SIZE)
                return fail(r, -PDI_E_ARCHIVE, "no size or larger than any artifact may be");
        *ret_size = (uint64_t)archive_entry_size(e);
        return 0;
}

static int next_member(struct reader *r, struct archive_entry *e, pdi_bundle_verify_fn verify,
                       void *userdata)
{
        uint64_t size = 0;
        int k = check_entry(r, e, &size);
        const char *name = archive_entry_pathname(e);
        if (k < 0)
                return k;
        if (!r->manifest && streq(name, PDI_BUNDLE_MANIFEST))
                return read_small(r, size, PDI_MANIFEST_MAX_BYTES, &r->manifest, &r->manifest_len);
        if (r->manifest && !r->m && r->n_sigs < PDI_TRUST_MAX_SIGS &&
            is_sig_name(name, r->n_sigs)) {
                struct pdi_sigtext *s = &r->sigs[r->n_sigs];
                k = read_small(r, size, PDI_MINISIGN_FILE_MAX, &s->text, &s->len);
                if (k == 0 && !(s->source = strdup(name)))
                        k = -ENOMEM;
                r->n_sigs += s->text != NULL;
                return k;
        }
        if (!r->m && (k = verify_manifest(r, verify, userdata)) < 0)
                return k;
        return artifact_member(r, name, size);
}

static int read_all(struct reader *r, pdi_bundle_verify_fn verify, void *userdata)
{
        struct archive_entry *e;
        int k = 0, ar;
        while (k == 0 && (ar = archive_read_next_header(r->a, &e)) == ARCHIVE_OK)
                k = next_member(r, e, verify, userdata);
        if (k < 0)
                return k;
        if (ar != ARCHIVE_EOF)
                return pdi_error_set(r->err, -PDI_E_ARCHIVE, "bundle %s: not a tar archive: %s",
                                     r->path, archive_error_string(r->a) ?: "read error");
        if (!r->m && (k = verify_manifest(r, verify, userdata)) < 0)
                return k;
        for (size_t i = 0; i < r->m->n_artifacts; i++)
                if (!r->seen[i])
                        return pdi_error_set(r->err, -PDI_E_ARCHIVE,
                                             "bundle %s: artifact %s is missing", r->path,
                                             r->m->artifacts[i].name);
        return 0;
}

int pdi_bundle_read(const char *path, int dirfd, pdi_bundle_verify_fn verify, void *userdata,
                    struct pdi_error *err)
{
        struct reader r = {.path = path, .dirfd = dirfd, .err = err};
        struct stat st;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return pdi_error_set(err, -errno, "bundle %s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return pdi_error_set(err, -PDI_E_ARCHIVE, "bundle %s: not a regular file", path);
        r.a = archive_read_new();
        if (!r.a)
                return -ENOMEM;
        int k = archive_read_support_format_tar(r.a) == ARCHIVE_OK &&
                        archive_read_open_fd(r.a, fd, CHUNK) == ARCHIVE_OK
                    ? read_all(&r, verify, userdata)
                    : pdi_error_set(err, -PDI_E_ARCHIVE, "bundle %s: not a tar archive: %s", path,
                                    archive_error_string(r.a) ?: "cannot open");
        archive_read_free(r.a);
        free(r.manifest);
        for (size_t i = 0; i < r.n_sigs; i++) {
                free(r.sigs[i].text);
                free(r.sigs[i].source);
        }
        return k;
}
