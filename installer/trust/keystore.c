/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/keystore.h"
#include "base/encoding.h"
#include "trust/trust.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#define COMMENT_PREFIX "untrusted comment: "

int pdi_keystore_describe(const char *text, size_t len, struct pdi_kept_key *ret,
                          struct pdi_error *err)
{
        struct pdi_minisign_pubkey pk;
        int k = pdi_minisign_pubkey_parse(text, len, &pk, err);
        if (k < 0)
                return k;
        size_t skip =
            strncmp(text, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) == 0 ? strlen(COMMENT_PREFIX) : 0;
        _cleanup_free_ char *raw = strndup(text + skip, strcspn(text + skip, "\n"));
        char shown[256];
        if (!raw)
                return -ENOMEM;
        pdi_escape_into(shown, sizeof(shown), raw, PDI_ESC_CONTROLS);
        char *c = strdup(shown);
        if (!c)
                return -ENOMEM;
        pdi_minisign_keyid_str(pk.keyid, ret->keyid);
        ret->comment = c;
        ret->broken = false;
        return 0;
}

static int cmp_keys(const void *a, const void *b)
{
        return strcmp(((const struct pdi_kept_key *)a)->file,
                      ((const struct pdi_kept_key *)b)->file);
}

static int describe_file(int dirfd, const char *name, struct pdi_kept_key *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        struct pdi_error err = {0};
        if (asprintf(&e->file, "%s/%s", PDI_TRUST_KEYS_DIR, name) < 0)
                return -ENOMEM;
        int k = pdi_read_file_at(dirfd, name, PDI_MINISIGN_FILE_MAX, &text, &len);
        if (k == 0)
                k = pdi_keystore_describe(text, len, e, &err);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                char shown[sizeof(err.msg)];
                pdi_escape_into(shown, sizeof(shown), err.msg[0] ? err.msg : pdi_read_strerror(k),
                                PDI_ESC_CONTROLS);
                e->broken = true;
                e->comment = strdup(shown);
        }
        return e->comment ? 0 : -ENOMEM;
}

int pdi_keystore_list(const struct pdi_root *r, struct pdi_kept_key **ret, size_t *ret_n,
                      struct pdi_error *err)
{
        DIR *d = NULL;
        int k = pdi_root_opendir(r, PDI_TRUST_KEYS_DIR, &d);
        if (k == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", PDI_TRUST_KEYS_DIR, pdi_strerror(k));
        struct pdi_kept_key *v = calloc(PDI_TRUST_MAX_KEYS + 1, sizeof(*v));
        size_t n = 0;
        struct dirent *de;
        k = v ? 0 : -ENOMEM;
        while (k == 0 && (de = readdir(d)) && n <= PDI_TRUST_MAX_KEYS) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 5 || !streq(de->d_name + l - 4, ".pub"))
                        continue;
                k = describe_file(dirfd(d), de->d_name, &v[n++]);
        }
        closedir(d);
        if (k < 0) {
                pdi_kept_keys_free(v, n);
                return pdi_error_set(err, k, "%s: %s", PDI_TRUST_KEYS_DIR, pdi_strerror(k));
        }
        qsort(v, n, sizeof(*v), cmp_keys);
        *ret = v;
        *ret_n = n;
        return 0;
}

void pdi_kept_keys_free(struct pdi_kept_key *k, size_t n)
{
        for (size_t i = 0; k && i < n; i++) {
                free(k[i].file);
                free(k[i].comment);
        }
        free(k);
}

/* The kept key with this id, if any (its index), -1 if none. */
static ssize_t find_kept(const struct pdi_kept_key *v, size_t n, const char *keyid)
{
        for (size_t i = 0; i < n; i++)
                if (!v[i].broken && strcasecmp(v[i].keyid, keyid) == 0)
                        return (ssize_t)i;
        return -1;
}

static int same_key(const struct pdi_root *r, const char *file,
                    const struct pdi_minisign_pubkey *pk)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        struct pdi_minisign_pubkey old;
        struct pdi_error ignored = {0};
        int k = pdi_root_read_file(r, file, PDI_MINISIGN_FILE_MAX, &text, &len);
        if (k == 0)
                k = pdi_minisign_pubkey_parse(text, len, &old, &ignored);
        return k == 0 && memcmp(old.pk, pk->pk, sizeof(old.pk)) == 0;
}

static int write_new(const struct pdi_root *r, const char *keyid, const char *text, size_t len,
                     struct pdi_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s.pub", PDI_TRUST_KEYS_DIR, keyid) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH, 0);
        if (fd >= 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "%s exists and is not key %s; move it away first", path,
                                     keyid);
        int k = pdi_root_mkdir_p(r, PDI_TRUST_KEYS_DIR, 0755);
        if (k == 0)
                k = pdi_root_write_atomic(r, path, text, len, 0644);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", path, pdi_strerror(k));
        return 1;
}

int pdi_keystore_add(const struct pdi_root *r, const char *text, size_t len, const char *source,
                     struct pdi_error *err)
{
        struct pdi_minisign_pubkey pk;
        int k = pdi_minisign_pubkey_parse(text, len, &pk, err);
        if (k < 0) {
                pdi_error_prefix(err, "key %s: ", source);
                return k;
        }
        char id[17];
        pdi_minisign_keyid_str(pk.keyid, id);
        struct pdi_kept_key *v = NULL;
        size_t n = 0;
        k = pdi_keystore_list(r, &v, &n, err);
        ssize_t i = k == 0 ? find_kept(v, n, id) : -1;
        if (k == 0 && i >= 0)
                k = same_key(r, v[i].file, &pk)
                        ? 0
                        : pdi_error_set(err, -PDI_E_SIGNATURE,
                                        "key %s: key id %s is already kept for a different key in "
                                        "%s; refusing it",
                                        source, id, v[i].file);
        else if (k == 0)
                k = write_new(r, id, text, len, err);
        pdi_kept_keys_free(v, n);
        return k;
}

int pdi_keystore_remove(const struct pdi_root *r, const char *keyid, struct pdi_error *err)
{
        struct pdi_kept_key *v = NULL;
        size_t n = 0;
        int k = pdi_keystore_list(r, &v, &n, err), removed = 0;
        for (size_t i = 0; k == 0 && i < n; i++) {
                if (v[i].broken || strcasecmp(v[i].keyid, keyid) != 0)
                        continue;
                const char *name;
                _cleanup_close_ int dirfd = pdi_root_open_parent(r, v[i].file, 0, &name);
                k = dirfd < 0 ? dirfd : unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
                if (k == 0 && fsync(dirfd) < 0)
                        k = -errno;
                if (k < 0)
                        pdi_error_set(err, k, "%s: %s", v[i].file, pdi_strerror(k));
                else
                        removed++;
        }
        pdi_kept_keys_free(v, n);
        if (k == 0 && removed == 0)
                return pdi_error_set(err, -ENOENT,
                                     "no kept trusted key has id %s (see 'trust list')", keyid);
        return k < 0 ? k : removed;
}
