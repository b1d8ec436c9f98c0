/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a release bundle (bundle.h): a pax tar whose members carry no owner and the
 * manifest's creation time, so that the same release gives the same bytes. */
#include "fetch/bundle.h"
#include "trust/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <strings.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

struct writer {
        struct archive *a;
        struct archive_entry *e;
        time_t mtime;
        struct pdi_error *err;
};

static int header(struct writer *w, const char *name, uint64_t size, mode_t mode)
{
        archive_entry_clear(w->e);
        archive_entry_set_pathname(w->e, name);
        archive_entry_set_filetype(w->e, AE_IFREG);
        archive_entry_set_perm(w->e, mode);
        archive_entry_set_size(w->e, (la_int64_t)size);
        archive_entry_set_mtime(w->e, w->mtime, 0);
        archive_entry_set_uname(w->e, "root");
        archive_entry_set_gname(w->e, "root");
        if (archive_write_header(w->a, w->e) != ARCHIVE_OK)
                return pdi_error_set(w->err, -PDI_E_FAILED, "bundle: %s: %s", name,
                                     archive_error_string(w->a) ?: "cannot write");
        return 0;
}

static int data(struct writer *w, const char *name, const void *buf, size_t len)
{
        if (archive_write_data(w->a, buf, len) != (la_ssize_t)len)
                return pdi_error_set(w->err, -PDI_E_FAILED, "bundle: %s: %s", name,
                                     archive_error_string(w->a) ?: "cannot write");
        return 0;
}

static int small(struct writer *w, const char *name, const char *text, size_t len)
{
        int r = header(w, name, len, 0644);
        return r < 0 ? r : data(w, name, text, len);
}

/* The artifact's signed size, copied while hashed: bytes that are not the signed ones stop
 * the bundle (the caller removes the partial file). */
static int artifact(struct writer *w, const struct pdi_manifest_artifact *a, int fd)
{
        struct pdi_sha256 h;
        char hex[65];
        _cleanup_free_ char *buf = malloc(CHUNK);
        int r = buf ? header(w, a->name, a->size, a->format == PDI_FORMAT_BINARY ? 0755 : 0644)
                    : -ENOMEM;
        if (r == 0)
                r = pdi_sha256_init(&h);
        if (r < 0)
                return r;
        uint64_t have = 0;
        while (r == 0 && have < a->size) {
                size_t want = a->size - have < CHUNK ? (size_t)(a->size - have) : CHUNK;
                ssize_t n = pread(fd, buf, want, (off_t)have);
                if (n <= 0) {
                        r = pdi_error_set(w->err, n < 0 ? -errno : -PDI_E_INTEGRITY, "%s: %s",
                                          a->name, n < 0 ? strerror(errno) : "shorter than signed");
                        break;
                }
                r = pdi_sha256_update(&h, buf, (size_t)n);
                if (r == 0)
                        r = data(w, a->name, buf, (size_t)n);
                have += (uint64_t)n;
        }
        if (r == 0 && pread(fd, buf, 1, (off_t)have) != 0)
                r = pdi_error_set(w->err, -PDI_E_INTEGRITY, "%s: longer than signed", a->name);
        if (r == 0 && (r = pdi_sha256_final(&h, hex)) == 0 && strcasecmp(hex, a->sha256) != 0)
                r = pdi_error_set(w->err, -PDI_E_INTEGRITY, "%s: sha256 %s, signed %s", a->name,
                                  hex, a->sha256);
        pdi_sha256_done(&h);
        return r;
}

static int write_all(struct writer *w, const char *bytes, size_t len,
                     const struct pdi_sigtext *sigs, size_t n_sigs, const struct pdi_manifest *m,
                     const int *fds)
{
        int r = small(w, PDI_BUNDLE_MANIFEST, bytes, len);
        for (size_t i = 0; r == 0 && i < n_sigs; i++) {
                char name[64];
                if (i == 0)
                        snprintf(name, sizeof(name), "%s.minisig", PDI_BUNDLE_MANIFEST);
                else
                        snprintf(name, sizeof(name), "%s.minisig.%zu", PDI_BUNDLE_MANIFEST, i + 1);
                r = small(w, name, sigs[i].text, sigs[i].len);
        }
        for (size_t i = 0; r == 0 && i < m->n_artifacts; i++)
                r = artifact(w, &m->artifacts[i], fds[i]);
        if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
                r = pdi_error_set(w->err, -PDI_E_FAILED, "bundle: %s",
                                  archive_error_string(w->a) ?: "cannot write");
        return r;
}

int pdi_bundle_write(int out_fd, const char *bytes, size_t len, const struct pdi_sigtext *sigs,
                     size_t n_sigs, const struct pdi_manifest *m, const int *fds,
                     struct pdi_error *err)
{
        struct writer w = {.a = archive_write_new(), .e = archive_entry_new(), .err = err};
        w.mtime = m->created;
        int r = w.a && w.e ? 0 : -ENOMEM;
        if (r == 0 && (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
                       archive_write_add_filter_none(w.a) != ARCHIVE_OK ||
                       archive_write_open_fd(w.a, out_fd) != ARCHIVE_OK))
                r = pdi_error_set(err, -PDI_E_FAILED, "bundle: %s",
                                  archive_error_string(w.a) ?: "cannot start");
        if (r == 0)
                r = write_all(&w, bytes, len, sigs, n_sigs, m, fds);
        archive_entry_free(w.e);
        if (w.a)
                archive_write_free(w.a);
        return r;
}
