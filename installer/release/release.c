/* SPDX-License-Identifier: Apache-2.0 */
#include "release/release.h"
#include "trust/hash.h"

#include <errno.h>

int pdi_release_verify(const struct pdi_trust *t, const char *what, const char *bytes, size_t len,
                       const struct pdi_sigtext *sigs, size_t n_sigs, time_t now,
                       struct pdi_verified *ret, struct pdi_error *err)
{
        *ret = (struct pdi_verified){0};
        if (len > PDI_MANIFEST_MAX_BYTES)
                return pdi_error_set(err, -PDI_E_MANIFEST,
                                     "manifest %s: larger than the %d byte limit", what,
                                     PDI_MANIFEST_MAX_BYTES);
        int r = pdi_trust_verify(t, what, bytes, len, sigs, n_sigs, &ret->signers, err);
        if (r < 0) {
                /* Signers found before the refusal (below a threshold of 2, say) are freed
                 * here, as on every other failure: the caller has nothing to release. */
                pdi_trust_result_done(&ret->signers);
                return r;
        }
        r = pdi_manifest_parse(bytes, len, now, &ret->manifest, err);
        if (r < 0) {
                pdi_error_prefix(err, "manifest %s: ", what);
                pdi_trust_result_done(&ret->signers);
                return r;
        }
        r = pdi_rotation_check(t, what, bytes, len, sigs, n_sigs, &ret->signers, &ret->rotation,
                               err);
        if (r < 0) {
                pdi_verified_done(ret);
                return r;
        }
        r = pdi_sha256_buf(bytes, len, ret->manifest_sha256);
        if (r < 0) {
                pdi_verified_done(ret);
                return pdi_error_set(err, r, "manifest %s: SHA-256 failed: %s", what, strerror(-r));
        }
        return 0;
}

int pdi_release_check_machine(const struct pdi_verified *v, const char *what, struct pdi_error *err)
{
        struct pdi_machine_facts h;
        pdi_machine_facts_self(&h);
        int r = pdi_manifest_check_host(v->manifest, &h, err);
        if (r < 0)
                pdi_error_prefix(err, "manifest %s: ", what);
        return r;
}

void pdi_verified_done(struct pdi_verified *v)
{
        pdi_manifest_free(v->manifest);
        v->manifest = NULL;
        pdi_trust_result_done(&v->signers);
        pdi_rotation_done(&v->rotation);
}

int pdi_release_read_sigs(const char *manifest_src, char *const *listed, size_t n_listed,
                          pdi_sig_read_fn read, void *userdata, struct pdi_sigtext *sigs,
                          size_t *ret_n, struct pdi_error *err)
{
        size_t n = 0;
        int r = 0;
        if (n_listed > PDI_TRUST_MAX_SIGS)
                return pdi_error_set(err, -PDI_E_USAGE, "more than %d --signature files",
                                     PDI_TRUST_MAX_SIGS);
        size_t want = n_listed ? n_listed : PDI_TRUST_MAX_SIGS;
        for (size_t i = 0; r == 0 && i < want; i++) {
                char *src = n_listed ? strdup(listed[i]) : pdi_trust_sig_name(manifest_src, i);
                if (!src) {
                        r = -ENOMEM;
                        break;
                }
                sigs[n] = (struct pdi_sigtext){0};
                r = read(userdata, src, &sigs[n], err);
                if (r == -ENOENT && !n_listed) {
                        free(src);
                        r = 0;
                        break; /* the default names end at the first gap */
                }
                if (r == -ENOENT)
                        r = pdi_error_set(err, -PDI_E_SIGNATURE, "signature %s: %s", src,
                                          strerror(ENOENT));
                if (r < 0) {
                        free(sigs[n].text);
                        sigs[n].text = NULL;
                        free(src);
                        break;
                }
                sigs[n++].source = src;
        }
        *ret_n = n;
        return r;
}

/* A signature file the operator names on this host (symlinks followed). -ENOENT comes back
 * without a message: pdi_release_read_sigs knows what it means. */
static int read_host_sig(void *userdata, const char *path, struct pdi_sigtext *ret,
                         struct pdi_error *err)
{
        (void)userdata;
        int r = pdi_read_host_file(path, PDI_MINISIGN_FILE_MAX, &ret->text, &ret->len);
        if (r == -EFBIG)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "signature %s: larger than %d bytes",
                                     path, PDI_MINISIGN_FILE_MAX);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return pdi_error_set(err, r, "signature %s: %s", path, pdi_read_strerror(r));
        return 0;
}

int pdi_release_read_local(const char *manifest_path, char *const *sig_paths, size_t n_sig_paths,
                           char **ret_bytes, size_t *ret_len, struct pdi_sigtext **ret_sigs,
                           size_t *ret_n, struct pdi_error *err)
{
        _cleanup_free_ char *bytes = NULL;
        size_t len;
        int r = pdi_read_host_file(manifest_path, PDI_MANIFEST_MAX_BYTES, &bytes, &len);
        if (r == -EFBIG)
                return pdi_error_set(err, -PDI_E_MANIFEST,
                                     "manifest %s: larger than the %d byte limit", manifest_path,
                                     PDI_MANIFEST_MAX_BYTES);
        if (r < 0)
                return pdi_error_set(err, r, "manifest %s: %s", manifest_path,
                                     pdi_read_strerror(r));
        struct pdi_sigtext *sigs = calloc(PDI_TRUST_MAX_SIGS, sizeof(*sigs));
        if (!sigs)
                return -ENOMEM;
        size_t n = 0;
        r = pdi_release_read_sigs(manifest_path, sig_paths, n_sig_paths, read_host_sig, NULL, sigs,
                                  &n, err);
        if (r < 0) {
                pdi_sigtexts_free(sigs, n);
                free(sigs);
                return r;
        }
        *ret_bytes = TAKE_PTR(bytes);
        *ret_len = len;
        *ret_sigs = sigs;
        *ret_n = n;
        return 0;
}

/* A signature stored beside a kept release's manifest, inside the root. */
static int read_stored_sig(void *userdata, const char *src, struct pdi_sigtext *ret,
                           struct pdi_error *err)
{
        int k = pdi_root_read_file(userdata, src, PDI_MINISIGN_FILE_MAX, &ret->text, &ret->len);
        if (k < 0 && k != -ENOENT)
                return pdi_error_set(err, -PDI_E_INTEGRITY, "signature %s: %s", src,
                                     pdi_read_strerror(k));
        return k;
}

int pdi_release_read_stored(const struct pdi_root *r, const char *manifest_path, char **ret_bytes,
                            size_t *ret_len, struct pdi_sigtext **ret_sigs, size_t *ret_n,
                            struct pdi_error *err)
{
        _cleanup_free_ char *bytes = NULL;
        size_t len = 0, n = 0;
        int k = pdi_root_read_file(r, manifest_path, PDI_MANIFEST_MAX_BYTES, &bytes, &len);
        if (k < 0)
                return pdi_error_set(err, k == -ENOENT ? -PDI_E_INTEGRITY : k, "%s: %s",
                                     manifest_path, pdi_read_strerror(k));
        struct pdi_sigtext *sigs = calloc(PDI_TRUST_MAX_SIGS, sizeof(*sigs));
        if (!sigs)
                return -ENOMEM;
        k = pdi_release_read_sigs(manifest_path, NULL, 0, read_stored_sig, (void *)r, sigs, &n,
                                  err);
        if (k < 0) {
                pdi_sigtexts_free(sigs, n);
                free(sigs);
                return k;
        }
        *ret_bytes = TAKE_PTR(bytes);
        *ret_len = len;
        *ret_sigs = sigs;
        *ret_n = n;
        return 0;
}

/* Every value here is UTF-8 (the manifest, the trusted comments and the key paths are checked
 * when read), so a NULL from jansson is out of memory: the whole document fails, no signer is
 * ever left out. */
json_t *pdi_verified_to_json(const struct pdi_verified *v)
{
        json_auto_t *o = pdi_manifest_to_json(v->manifest);
        if (!o || json_object_set_new(o, "signed_by", json_array()) < 0)
                return NULL;
        json_t *signers = json_object_get(o, "signed_by");
        for (size_t i = 0; i < v->signers.n_signers; i++) {
                const struct pdi_signer *s = &v->signers.signers[i];
                if (json_array_append_new(signers,
                                          json_pack("{s:s, s:s, s:s}", "key_id", s->keyid,
                                                    "key_file", s->key_source, "trusted_comment",
                                                    s->trusted_comment)) < 0)
                        return NULL;
        }
        if (json_object_set_new(o, "manifest_sha256", json_string(v->manifest_sha256)) < 0)
                return NULL;
        return TAKE_PTR(o);
}
