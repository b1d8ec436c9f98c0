/* SPDX-License-Identifier: Apache-2.0 */
/* import (import.h): upstream's release files, verified, into a manifest. */
#include "pipeline/import.h"
#include "base/fsroot.h"
#include "base/log.h"
#include "checks/binversion.h"
#include "fetch/fetch.h"
#include "trust/manifest_values.h"

#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#define SHA256_FILE_MAX 4096

struct import {
        const struct pdi_import_opts *o;
        struct pdi_fetch_opts fetch;
        struct pdi_openpgp *pgp;
        int dirfd;
        const char *dir;
        struct pdi_error *err;
        char versions[_PDI_ROLE_MAX][80];
        char pins[_PDI_ROLE_MAX][PDI_OPENPGP_FPR_MAX + 1];
};

uint64_t pdi_import_tag_sequence(const char *tag)
{
        unsigned yymm = 0, n = 0;
        int used = 0;
        if (!tag || strncmp(tag, "polkadot-stable", 15) != 0 || strlen(tag + 15) < 4 ||
            strspn(tag + 15, "0123456789") != 4)
                return 0;
        if (sscanf(tag + 15, "%4u%n", &yymm, &used) != 1)
                return 0;
        const char *rest = tag + 15 + used;
        if (*rest == '\0')
                return (uint64_t)yymm * 1000;
        if (rest[0] != '-' || !rest[1] || strspn(rest + 1, "0123456789") != strlen(rest + 1) ||
            strlen(rest + 1) > 3 || sscanf(rest + 1, "%u", &n) != 1)
                return 0;
        return (uint64_t)yymm * 1000 + n;
}

static char *source_url(const char *source, const char *name, const char *suffix)
{
        size_t n = strlen(source);
        while (n > 1 && source[n - 1] == '/')
                n--;
        char *s = NULL;
        return asprintf(&s, "%.*s/%s%s", (int)n, source, name, suffix) < 0 ? NULL : s;
}

static int load_keys(struct import *im)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        char def[] = PDI_OPENPGP_UPSTREAM_FPR;
        char *def_pins[] = {def};
        int r = pdi_read_host_file(im->o->key_file, PDI_OPENPGP_KEY_FILE_MAX, &text, &len);
        if (r < 0)
                return pdi_error_set(im->err, r == -EFBIG ? -PDI_E_SIGNATURE : r,
                                     "OpenPGP key file %s: %s", im->o->key_file,
                                     r == -EFBIG ? "larger than 1 MiB" : pdi_read_strerror(r));
        r = im->o->n_pins
                ? pdi_openpgp_new(text, len, im->o->pins, im->o->n_pins, &im->pgp, im->err)
                : pdi_openpgp_new(text, len, def_pins, 1, &im->pgp, im->err);
        if (r < 0)
                pdi_error_prefix(im->err, "%s: ", im->o->key_file);
        return r;
}

/* The .asc is not optional: a binary without its signature is refused. */
static int fetch_asc(struct import *im, const char *url, char **ret, size_t *ret_len)
{
        int r = pdi_fetch_memory(&im->fetch, url, PDI_OPENPGP_SIG_MAX, ret, ret_len, im->err);
        if (r == -ENOENT)
                *im->err = (struct pdi_error){0}; /* "not found" says less than what follows */
        if (r == -ENOENT)
                return pdi_error_set(im->err, -PDI_E_SIGNATURE,
                                     "%s: missing (every binary of the release needs its OpenPGP "
                                     "signature)",
                                     url);
        if (r < 0)
                im->err->code = r = r == -PDI_E_INTEGRITY ? -PDI_E_SIGNATURE : r;
        return r;
}

/* A published .sha256 ("<hex>  <name>") must agree with the bytes; none is fine. */
static int check_sha256_file(struct import *im, const char *url, const char *have)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = pdi_fetch_memory(&im->fetch, url, SHA256_FILE_MAX, &text, &len, im->err);
        if (r == -ENOENT) {
                *im->err = (struct pdi_error){0};
                log_debug("%s: none published", url);
                return 0;
        }
        if (r < 0)
                return r == -PDI_E_INTEGRITY ? (im->err->code = -PDI_E_INTEGRITY) : r;
        size_t n = strspn(text, "0123456789abcdefABCDEF");
        if (n != 64 || (text[64] && !strchr(" \t\r\n", text[64])))
                return pdi_error_set(im->err, -PDI_E_INTEGRITY, "%s: not a sha256 sum file", url);
        if (strncasecmp(text, have, 64) != 0)
                return pdi_error_set(im->err, -PDI_E_INTEGRITY,
                                     "%s: says sha256 %.64s, the signed file has %s", url, text,
                                     have);
        return 0;
}

static int run_version(struct import *im, enum pdi_role role, const char *name)
{
        char why[300] = "";
        _cleanup_close_ int fd = openat(im->dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return pdi_error_set(im->err, -errno, "%s/%s: %s", im->dir, name, strerror(errno));
        int r = pdi_binary_version(fd, name, im->versions[role], sizeof(im->versions[role]), why,
                                   sizeof(why));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return pdi_error_set(im->err, -PDI_E_POLICY, "%s --version: %s", name, why);
        log_debug("%s --version: %s", name, im->versions[role]);
        return 0;
}

static int fetch_binary(struct import *im, const char *url, const char *name, char *sha256,
                        uint64_t *size)
{
        _cleanup_close_ int fd =
            openat(im->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
        if (fd < 0)
                return pdi_error_set(im->err, -errno, "%s/%s: %s", im->dir, name, strerror(errno));
        int r =
            pdi_fetch_unpinned(&im->fetch, url, fd, PDI_MANIFEST_MAX_SIZE, sha256, size, im->err);
        if (r == -ENOENT)
                *im->err = (struct pdi_error){0};
        if (r == -ENOENT)
                return pdi_error_set(im->err, -PDI_E_POLICY, "%s: missing from the release", url);
        if (r == 0 && *size == 0)
                return pdi_error_set(im->err, -PDI_E_INTEGRITY, "%s: empty", url);
        return r;
}

static int import_one(struct import *im, struct pdi_manifest_artifact *a)
{
        const char *name = pdi_role_file(a->role);
        _cleanup_free_ char *url = source_url(im->o->source, name, "");
        _cleanup_free_ char *asc_url = source_url(im->o->source, name, ".asc");
        _cleanup_free_ char *sum_url = source_url(im->o->source, name, ".sha256");
        _cleanup_free_ char *asc = NULL;
        size_t asc_len = 0;
        if (!url || !asc_url || !sum_url)
                return -ENOMEM;
        int r = fetch_asc(im, asc_url, &asc, &asc_len);
        if (r == 0)
                r = fetch_binary(im, url, name, a->sha256, &a->size);
        _cleanup_close_ int fd =
            r == 0 ? openat(im->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (r == 0 && fd < 0)
                r = pdi_error_set(im->err, -errno, "%s/%s: %s", im->dir, name, strerror(errno));
        if (r == 0)
                r = pdi_openpgp_verify(im->pgp, asc_url, fd, asc, asc_len, im->pins[a->role],
                                       im->err);
        if (r == 0)
                r = check_sha256_file(im, sum_url, a->sha256);
        if (r == 0)
                log_debug("%s: sha256 %s, signed by OpenPGP key %s", url, a->sha256,
                          im->pins[a->role]);
        return r == 0 ? run_version(im, a->role, name) : r;
}

static int check_versions(struct import *im)
{
        for (size_t role = 1; role < _PDI_ROLE_MAX; role++)
                if (!streq(im->versions[role], im->versions[0]))
                        return pdi_error_set(im->err, -PDI_E_POLICY,
                                             "%s: mixed versions: %s prints %s, %s prints %s",
                                             im->o->source, pdi_role_file(0), im->versions[0],
                                             pdi_role_file(role), im->versions[role]);
        if (!pdi_version_valid(im->versions[0]))
                return pdi_error_set(im->err, -PDI_E_POLICY,
                                     "%s: the binaries print '%.64s', not a plain version",
                                     im->o->source, im->versions[0]);
        return 0;
}

static int format_time(time_t t, char **ret)
{
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return (*ret = strdup(buf)) ? 0 : -ENOMEM;
}

/* The last part of the source names the release when it looks like upstream's tag. */
static void set_names(const struct pdi_import_opts *o, struct pdi_manifest_names *n)
{
        const char *tag = o->release_tag;
        char last[PDI_RELEASE_TAG_MAX + 1] = "";
        if (!tag) {
                size_t len = strlen(o->source);
                while (len > 1 && o->source[len - 1] == '/')
                        len--;
                const char *s = o->source + len;
                while (s > o->source && s[-1] != '/')
                        s--;
                snprintf(last, sizeof(last), "%.*s", (int)(o->source + len - s), s);
                if (strncmp(last, "polkadot-", 9) == 0 && pdi_release_tag_valid(last))
                        tag = last;
        }
        snprintf(n->release_tag, sizeof(n->release_tag), "%s", tag ? tag : "");
        if (o->docker_tag)
                snprintf(n->docker_tag, sizeof(n->docker_tag), "%s", o->docker_tag);
        else if (strncmp(n->release_tag, "polkadot-stable", 15) == 0)
                snprintf(n->docker_tag, sizeof(n->docker_tag), "%s", n->release_tag + 9);
}

static int build(const struct import *im, struct pdi_manifest *m)
{
        const struct pdi_import_opts *o = im->o;
        time_t now = time(NULL);
        unsigned days = o->expires_in_days ? o->expires_in_days : PDI_IMPORT_EXPIRES_DEFAULT_DAYS;
        m->schema = 1;
        m->sequence = o->sequence ? o->sequence : pdi_import_tag_sequence(m->names.release_tag);
        if (m->sequence == 0)
                return pdi_error_set(im->err, -PDI_E_USAGE,
                                     "import: --sequence N is required (the release tag '%s' "
                                     "gives none)",
                                     m->names.release_tag);
        m->created = now;
        m->expires = now + (time_t)days * 86400;
        if (!(m->product = strdup("polkadot")) || !(m->version = strdup(im->versions[0])))
                return -ENOMEM;
        int r = format_time(m->created, &m->created_str);
        return r < 0 ? r : format_time(m->expires, &m->expires_str);
}

static int dump_checked(const struct import *im, const struct pdi_manifest *m, char **ret_text,
                        struct pdi_manifest **ret)
{
        _cleanup_free_ char *text = NULL;
        int r = pdi_manifest_dump(m, &text);
        if (r == 0)
                r = pdi_manifest_parse(text, strlen(text), time(NULL), ret, im->err);
        if (r < 0 && r != -ENOMEM) {
                pdi_error_prefix(im->err, "import: the options give an invalid manifest: ");
                return im->err->code = -PDI_E_USAGE;
        }
        if (r == 0)
                *ret_text = TAKE_PTR(text);
        return r;
}

static int import_all(struct import *im, struct pdi_manifest *m)
{
        int r = load_keys(im);
        if (r < 0)
                return r;
        m->artifacts = calloc(_PDI_ROLE_MAX, sizeof(*m->artifacts));
        if (!m->artifacts)
                return -ENOMEM;
        set_names(im->o, &m->names);
        for (size_t role = 0; role < _PDI_ROLE_MAX; role++) {
                struct pdi_manifest_artifact *a = &m->artifacts[m->n_artifacts++];
                a->role = (enum pdi_role)role;
                a->format = PDI_FORMAT_BINARY;
                if (!(a->name = strdup(pdi_role_file(a->role))) || !(a->url = strdup(a->name)))
                        return -ENOMEM;
                if ((r = import_one(im, a)) < 0)
                        return r;
        }
        r = check_versions(im);
        return r < 0 ? r : build(im, m);
}

int pdi_import_release(const struct pdi_import_opts *o, int dirfd, const char *dir,
                       struct pdi_manifest **ret, char **ret_text, struct pdi_error *err)
{
        struct import im = {.o = o, .dirfd = dirfd, .dir = dir, .err = err};
        im.fetch.cacert = o->cacert;
        im.fetch.label = "import";
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = calloc(1, sizeof(*m));
        int r = m ? import_all(&im, m) : -ENOMEM;
        pdi_openpgp_free(im.pgp);
        if (r == 0)
                r = dump_checked(&im, m, ret_text, ret);
        if (r == -ENOMEM)
                return pdi_error_set(err, r, "import: out of memory");
        return r;
}
