/* SPDX-License-Identifier: Apache-2.0 */
/* Safe extraction of release archives (see extract.h). libarchive only parses: we decide which
 * entries are acceptable, where their bytes go (a fresh 0600 file named after the manifest),
 * and we hash and count every byte ourselves. Nothing the archive says about mode, owner,
 * times, xattrs or ACLs is applied. */
#include "fetch/extract.h"

#include "base/fsroot.h"
#include "trust/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>

#define EXTRACT_BLOCK (64 * 1024)
#define SHOW_MAX 128 /* longest entry name quoted in a message */

/* Each declared format gets exactly one decompressor; tar has none, so compressed bytes
 * declared as "tar" are not recognised as an archive at all. filter_code is what
 * archive_filter_code() reports for the outer layer once reading has started. */
static const struct {
        enum pdi_format format;
        int (*support)(struct archive *);
        int filter_code;
} format_filters[] = {
    {PDI_FORMAT_TAR, NULL, ARCHIVE_FILTER_NONE},
    {PDI_FORMAT_TAR_GZ, archive_read_support_filter_gzip, ARCHIVE_FILTER_GZIP},
    {PDI_FORMAT_TAR_XZ, archive_read_support_filter_xz, ARCHIVE_FILTER_XZ},
    {PDI_FORMAT_TAR_ZST, archive_read_support_filter_zstd, ARCHIVE_FILTER_ZSTD},
};

struct extract {
        const struct pdi_manifest_artifact *a;
        int dirfd;
        struct archive *ar;
        bool *seen;    /* per a->files[] */
        bool seen_dot; /* the one "." directory entry */
        size_t n_entries;
        char *buf;
        struct pdi_error *err;
};

static void archive_read_freep(struct archive **ar)
{
        if (*ar)
                archive_read_free(*ar);
}

/* Entry names come from an untrusted archive: quote them without control characters. */
static void show_name(const char *s, char out[SHOW_MAX * 4 + 4])
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;
        for (size_t i = 0; s[i] && i < SHOW_MAX; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == 0x7f || c == '\\') {
                        memcpy(out + o, "\\x", 2);
                        out[o + 2] = hex[c >> 4];
                        out[o + 3] = hex[c & 15];
                        o += 4;
                } else
                        out[o++] = (char)c;
        }
        if (strlen(s) > SHOW_MAX) {
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = '\0';
}

static int entry_fail(struct extract *x, const char *name, int code, const char *fmt, ...)
    _printf_(4, 5);

static int entry_fail(struct extract *x, const char *name, int code, const char *fmt, ...)
{
        char reason[512], shown[SHOW_MAX * 4 + 4];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        show_name(name, shown);
        return pdi_error_set(x->err, code, "archive %s: entry '%s': %s", x->a->name, shown, reason);
}

static int reader_new(const struct pdi_manifest_artifact *a, struct archive **ret,
                      struct pdi_error *err)
{
        for (size_t i = 0; i < ELEMENTSOF(format_filters); i++) {
                if (format_filters[i].format != a->format)
                        continue;
                _cleanup_(archive_read_freep) struct archive *ar = archive_read_new();
                if (!ar)
                        return -ENOMEM;
                /* ARCHIVE_WARN means libarchive would run an external program: refuse. */
                if (archive_read_support_format_tar(ar) != ARCHIVE_OK ||
                    (format_filters[i].support && format_filters[i].support(ar) != ARCHIVE_OK))
                        return pdi_error_set(err, -PDI_E_FAILED,
                                             "archive %s: libarchive has no built-in %s support",
                                             a->name, pdi_format_name(a->format));
                *ret = TAKE_PTR(ar);
                return 0;
        }
        return pdi_error_set(err, -EINVAL, "archive %s: format %s is not an archive", a->name,
                             pdi_format_name(a->format));
}

/* Exactly the declared layer: a tar.gz inside another gzip is not what was signed. */
static int check_filters(struct extract *x)
{
        for (size_t i = 0; i < ELEMENTSOF(format_filters); i++) {
                if (format_filters[i].format != x->a->format)
                        continue;
                int want = format_filters[i].filter_code == ARCHIVE_FILTER_NONE ? 1 : 2;
                if (archive_filter_count(x->ar) != want ||
                    archive_filter_code(x->ar, 0) != format_filters[i].filter_code)
                        return pdi_error_set(x->err, -PDI_E_ARCHIVE,
                                             "archive %s: compression layers differ from %s",
                                             x->a->name, pdi_format_name(x->a->format));
        }
        return 0;
}

/* Entry types: regular files and the one "." directory pass on; all else is refused. */
static const struct {
        unsigned type;
        const char *refusal;
} entry_types[] = {
    {AE_IFREG, NULL},
    {AE_IFDIR, NULL},
    {AE_IFLNK, "symlinks are not allowed"},
    {AE_IFCHR, "character devices are not allowed"},
    {AE_IFBLK, "block devices are not allowed"},
    {AE_IFIFO, "FIFOs are not allowed"},
    {AE_IFSOCK, "sockets are not allowed"},
};

static const char *type_refusal(struct archive_entry *e)
{
        if (archive_entry_hardlink(e))
                return "hardlinks are not allowed";
        for (size_t i = 0; i < ELEMENTSOF(entry_types); i++)
                if (entry_types[i].type == archive_entry_filetype(e))
                        return entry_types[i].refusal;
        return "unknown entry type";
}

static bool has_dotdot(const char *p)
{
        for (const char *s = p; s; s = strchr(s, '/')) {
                s += *s == '/';
                if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
                        return true;
        }
        return false;
}

/* Name checks on the normalised name (one leading "./" removed). */
static const char *name_refusal(const char *raw, const char *name)
{
        if (raw[0] == '/')
                return "absolute paths are not allowed";
        if (has_dotdot(raw))
                return "'..' is not allowed in paths";
        if (name[0] == '\0')
                return "empty name";
        if (strchr(name, '/'))
                return "nested paths are not allowed (only plain file names)";
        return NULL;
}

static const char *normalise(const char *raw)
{
        return strncmp(raw, "./", 2) == 0 ? raw + 2 : raw;
}

static const struct pdi_manifest_file *find_listed(struct extract *x, const char *name,
                                                   size_t *ret_index)
{
        for (size_t i = 0; i < x->a->n_files; i++)
                if (streq(x->a->files[i].path, name)) {
                        *ret_index = i;
                        return &x->a->files[i];
                }
        return NULL;
}

/* The one "." (or "./") directory entry tar -C dir . writes; it carries nothing we use. */
static int accept_dot(struct extract *x, const char *raw, struct archive_entry *e)
{
        if (archive_entry_filetype(e) != AE_IFDIR)
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "'.' is not a directory");
        if (x->seen_dot)
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "duplicate entry");
        x->seen_dot = true;
        return 0;
}

/* Everything refused regardless of the manifest, as a reason, or NULL. */
static const char *entry_refusal(struct archive_entry *e, const char *raw, bool is_dot)
{
        const char *why = type_refusal(e);
        if (!why && archive_entry_filetype(e) == AE_IFDIR && !is_dot)
                why = "directories are not allowed";
        if (!why && !is_dot)
                why = name_refusal(raw, normalise(raw));
        if (!why && (archive_entry_mode(e) & (S_ISUID | S_ISGID | S_ISVTX)))
                why = "setuid, setgid and sticky bits are not allowed";
        if (!why && archive_entry_sparse_count(e) > 0)
                why = "sparse entries are not allowed";
        return why;
}

/* A regular file entry must be listed, new, and of the signed size. */
static int match_listed(struct extract *x, struct archive_entry *e, const char *raw,
                        size_t *ret_index)
{
        const struct pdi_manifest_file *f = find_listed(x, normalise(raw), ret_index);
        if (!f)
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "not listed in the manifest");
        if (x->seen[*ret_index])
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "duplicate entry");
        if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
            (uint64_t)archive_entry_size(e) != f->size)
                return entry_fail(x, raw, -PDI_E_ARCHIVE,
                                  "size %" PRId64 " in the archive, signed %" PRIu64,
                                  (int64_t)archive_entry_size(e), f->size);
        x->seen[*ret_index] = true;
        return 1;
}

/* Decide about one header. Returns 1 with *ret_index for a file to write, 0 to skip. */
static int check_entry(struct extract *x, struct archive_entry *e, size_t *ret_index)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw)
                return entry_fail(x, "?", -PDI_E_ARCHIVE, "name not readable");
        /* Checked first, so no amount of refused-anyway entries costs more than this. */
        if (++x->n_entries > x->a->n_files + 1)
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "more entries than the %zu listed files",
                                  x->a->n_files);
        bool is_dot = streq(raw, ".") || streq(raw, "./");
        const char *why = entry_refusal(e, raw, is_dot);
        if (why)
                return entry_fail(x, raw, -PDI_E_ARCHIVE, "%s", why);
        return is_dot ? accept_dot(x, raw, e) : match_listed(x, e, raw, ret_index);
}

/* Copy the entry's data into fd, hashing it; never more than the signed size. */
static int copy_data(struct extract *x, const struct pdi_manifest_file *f, int fd,
                     struct pdi_sha256 *h)
{
        for (;;) {
                la_ssize_t n = archive_read_data(x->ar, x->buf, EXTRACT_BLOCK);
                if (n == 0)
                        return 0;
                if (n < 0)
                        return entry_fail(x, f->path, -PDI_E_ARCHIVE, "%s",
                                          archive_error_string(x->ar) ?: "read error");
                if (h->size + (uint64_t)n > f->size)
                        return entry_fail(x, f->path, -PDI_E_ARCHIVE,
                                          "more data than the signed size %" PRIu64, f->size);
                int r = pdi_sha256_update(h, x->buf, (size_t)n);
                if (r < 0)
                        return r;
                r = pdi_write_all(fd, x->buf, (size_t)n);
                if (r < 0)
                        return entry_fail(x, f->path, r, "write: %s", strerror(-r));
        }
}

static int verify_data(struct extract *x, const struct pdi_manifest_file *f, struct pdi_sha256 *h)
{
        char hex[65];
        uint64_t size = h->size;
        int r = pdi_sha256_final(h, hex);
        if (r < 0)
                return r;
        if (size != f->size)
                return entry_fail(x, f->path, -PDI_E_INTEGRITY, "size %" PRIu64 ", signed %" PRIu64,
                                  size, f->size);
        if (!streq(hex, f->sha256))
                return entry_fail(x, f->path, -PDI_E_INTEGRITY, "sha256 %s, signed %s", hex,
                                  f->sha256);
        return 0;
}

static int write_file(struct extract *x, const struct pdi_manifest_file *f)
{
        _cleanup_close_ int fd =
            openat(x->dirfd, f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_fail(x, f->path, -errno, "create: %s", strerror(errno));
        struct pdi_sha256 h = {0};
        int r = pdi_sha256_init(&h);
        if (r >= 0)
                r = copy_data(x, f, fd, &h);
        if (r >= 0)
                r = verify_data(x, f, &h);
        pdi_sha256_done(&h);
        return r < 0 ? r : 0;
}

static int finish(struct extract *x)
{
        for (size_t i = 0; i < x->a->n_files; i++)
                if (!x->seen[i])
                        return pdi_error_set(
                            x->err, -PDI_E_ARCHIVE,
                            "archive %s: listed file '%s' missing from the archive", x->a->name,
                            x->a->files[i].path);
        return 0;
}

static int next_header(struct extract *x, struct archive_entry **ret)
{
        int r = archive_read_next_header(x->ar, ret);
        if (r == ARCHIVE_EOF)
                return 0;
        /* ARCHIVE_WARN too: a header libarchive had to guess about is not one we sign off. */
        if (r != ARCHIVE_OK)
                return pdi_error_set(x->err, -PDI_E_ARCHIVE, "archive %s: unreadable as %s: %s",
                                     x->a->name, pdi_format_name(x->a->format),
                                     archive_error_string(x->ar) ?: "unknown error");
        if (x->n_entries == 0) {
                r = check_filters(x);
                if (r < 0)
                        return r;
        }
        return 1;
}

static int extract_all(struct extract *x)
{
        for (;;) {
                struct archive_entry *e;
                int r = next_header(x, &e);
                if (r <= 0)
                        return r < 0 ? r : finish(x);
                size_t idx = 0;
                r = check_entry(x, e, &idx);
                if (r > 0)
                        r = write_file(x, &x->a->files[idx]);
                if (r < 0)
                        return r;
        }
}

int pdi_extract(int archive_fd, const struct pdi_manifest_artifact *a, int dirfd,
                struct pdi_error *err)
{
        if (archive_fd < 0 || !a || dirfd < 0)
                return -EINVAL;
        _cleanup_(archive_read_freep) struct archive *ar = NULL;
        int r = reader_new(a, &ar, err);
        if (r < 0)
                return r;
        _cleanup_free_ bool *seen = calloc(a->n_files ?: 1, sizeof(bool));
        _cleanup_free_ char *buf = malloc(EXTRACT_BLOCK);
        if (!seen || !buf)
                return -ENOMEM;
        if (archive_read_open_fd(ar, archive_fd, EXTRACT_BLOCK) != ARCHIVE_OK)
                return pdi_error_set(err, -PDI_E_ARCHIVE, "archive %s: unreadable as %s: %s",
                                     a->name, pdi_format_name(a->format),
                                     archive_error_string(ar) ?: "unknown error");
        struct extract x = {.a = a, .dirfd = dirfd, .ar = ar, .seen = seen, .buf = buf, .err = err};
        return extract_all(&x);
}
