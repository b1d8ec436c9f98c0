/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/trust.h"
#include "base/encoding.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

static int add_key(struct pdi_trust *t, const char *source, const char *text, size_t len,
                   struct pdi_error *err)
{
        /* The file names the key in messages and in --json ("key_file"). */
        size_t bad;
        if (!pdi_utf8_valid(source, &bad))
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "trusted key %.*s…: the path is not valid UTF-8 (byte %zu)",
                                     (int)bad, source, bad);
        struct pdi_minisign_pubkey pk;
        int r = pdi_minisign_pubkey_parse(text, len, &pk, err);
        if (r < 0) {
                pdi_error_prefix(err, "trusted key %s: ", source);
                return r;
        }
        for (size_t i = 0; i < t->n_keys; i++)
                if (memcmp(t->keys[i].pk.keyid, pk.keyid, sizeof(pk.keyid)) == 0) {
                        if (memcmp(t->keys[i].pk.pk, pk.pk, sizeof(pk.pk)) != 0) {
                                char id[17];
                                pdi_minisign_keyid_str(pk.keyid, id);
                                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                                     "trusted key %s: key id %s is also used by "
                                                     "a different key in %s",
                                                     source, id, t->keys[i].source);
                        }
                        return 0; /* the same key twice counts once */
                }
        if (t->n_keys >= PDI_TRUST_MAX_KEYS)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "trusted key %s: more than %d keys",
                                     source, PDI_TRUST_MAX_KEYS);
        t->keys[t->n_keys].pk = pk;
        t->keys[t->n_keys].source = strdup(source);
        if (!t->keys[t->n_keys].source)
                return -ENOMEM;
        t->n_keys++;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.pub in the keys directory, sorted so that messages are stable. A missing directory is
 * fine (keys may come from --trusted-key). */
static int load_key_dir(struct pdi_trust *t, const struct pdi_root *root, struct pdi_error *err)
{
        DIR *d = NULL;
        int k = pdi_root_opendir(root, PDI_TRUST_KEYS_DIR, &d);
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", PDI_TRUST_KEYS_DIR, strerror(-k));
        char *names[PDI_TRUST_MAX_KEYS];
        size_t n = 0;
        int r = 0;
        struct dirent *de;
        /* Every name is looked at: stopping early would drop keys by readdir order. */
        while (r == 0 && (de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 5 || !streq(de->d_name + l - 4, ".pub"))
                        continue;
                if (n == PDI_TRUST_MAX_KEYS)
                        r = pdi_error_set(err, -PDI_E_SIGNATURE,
                                          "%s: more than %d *.pub files; at most %d keys can be "
                                          "trusted",
                                          PDI_TRUST_KEYS_DIR, PDI_TRUST_MAX_KEYS,
                                          PDI_TRUST_MAX_KEYS);
                else if (!(names[n] = strdup(de->d_name)))
                        r = -ENOMEM;
                else
                        n++;
        }
        qsort(names, n, sizeof(names[0]), cmp_str);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = NULL, *src = NULL;
                size_t len;
                if (r == 0 && asprintf(&src, "%s/%s", PDI_TRUST_KEYS_DIR, names[i]) < 0)
                        r = -ENOMEM;
                if (r == 0) {
                        r = pdi_read_file_at(dirfd(d), names[i], PDI_MINISIGN_FILE_MAX, &text,
                                             &len);
                        if (r < 0)
                                r = pdi_error_set(err, -PDI_E_SIGNATURE, "trusted key %s: %s", src,
                                                  pdi_read_strerror(r));
                }
                if (r == 0)
                        r = add_key(t, src, text, len, err);
                free(names[i]);
        }
        closedir(d);
        return r;
}

static int load_threshold(const struct pdi_root *root, unsigned *ret, struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        int r = pdi_root_read_file(root, PDI_TRUST_THRESHOLD_FILE, 64, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: %s", PDI_TRUST_THRESHOLD_FILE,
                                     strerror(-r));
        char *end;
        errno = 0;
        unsigned long v = strtoul(text, &end, 10);
        while (*end == '\n' || *end == ' ')
                end++;
        if (errno || end == text || *end || v < 1 || v > PDI_TRUST_MAX_SIGS)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: not a number from 1 to %d",
                                     PDI_TRUST_THRESHOLD_FILE, PDI_TRUST_MAX_SIGS);
        *ret = (unsigned)v;
        return 0;
}

int pdi_trust_load(struct pdi_trust *t, const struct pdi_root *root, char *const *extra_keys,
                   size_t n_extra, unsigned min_threshold, struct pdi_error *err)
{
        *t = (struct pdi_trust){.threshold = 1};
        int r = load_key_dir(t, root, err);
        for (size_t i = 0; r == 0 && i < n_extra; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                r = pdi_read_host_file(extra_keys[i], PDI_MINISIGN_FILE_MAX, &text, &len);
                if (r < 0)
                        r = pdi_error_set(err, -PDI_E_SIGNATURE, "trusted key %s: %s",
                                          extra_keys[i], pdi_read_strerror(r));
                else
                        r = add_key(t, extra_keys[i], text, len, err);
        }
        if (r == 0)
                r = load_threshold(root, &t->threshold, err);
        if (r == 0 && min_threshold > t->threshold)
                t->threshold = min_threshold;
        if (r == 0 && t->n_keys == 0)
                r = pdi_error_set(err, -PDI_E_SIGNATURE,
                                  "no trusted keys: put a minisign public key in %s/ or pass "
                                  "--trusted-key FILE",
                                  PDI_TRUST_KEYS_DIR);
        if (r == 0 && t->threshold > t->n_keys)
                r = pdi_error_set(err, -PDI_E_SIGNATURE,
                                  "threshold %u is more than the %zu trusted key(s)", t->threshold,
                                  t->n_keys);
        if (r < 0)
                pdi_trust_done(t);
        return r;
}

void pdi_trust_done(struct pdi_trust *t)
{
        for (size_t i = 0; i < t->n_keys; i++)
                free(t->keys[i].source);
        t->n_keys = 0;
}

static const struct pdi_trusted_key *find_key(const struct pdi_trust *t,
                                              const uint8_t keyid[PDI_MINISIGN_KEYID_LEN])
{
        for (size_t i = 0; i < t->n_keys; i++)
                if (memcmp(t->keys[i].pk.keyid, keyid, PDI_MINISIGN_KEYID_LEN) == 0)
                        return &t->keys[i];
        return NULL;
}

static bool already_signed(const struct pdi_trust_result *res, const char *keyid)
{
        for (size_t i = 0; i < res->n_signers; i++)
                if (streq(res->signers[i].keyid, keyid))
                        return true;
        return false;
}

/* One signature file: parse, look the key up by id (before any math), verify. */
static int check_one(const struct pdi_trust *t, const char *what, const void *msg, size_t len,
                     const struct pdi_sigtext *s, struct pdi_trust_result *res,
                     struct pdi_error *err)
{
        struct pdi_minisign_sig sig = {0};
        int r = pdi_minisign_sig_parse(s->text, s->len, &sig, err);
        if (r < 0) {
                pdi_error_prefix(err, "manifest %s: signature %s: ", what, s->source);
                return r;
        }
        char id[17];
        pdi_minisign_keyid_str(sig.keyid, id);
        const struct pdi_trusted_key *k = find_key(t, sig.keyid);
        if (!k)
                res->n_untrusted++;
        else
                r = pdi_minisign_verify(&k->pk, &sig, msg, len, err);
        if (r < 0)
                pdi_error_prefix(err, "manifest %s: signature %s: ", what, s->source);
        if (r == 0 && k && !already_signed(res, id)) {
                struct pdi_signer *sg = &res->signers[res->n_signers];
                memcpy(sg->keyid, id, sizeof(id));
                sg->key_source = strdup(k->source);
                sg->trusted_comment = strdup(sig.trusted_comment ? sig.trusted_comment : "");
                res->n_signers++;
                if (!sg->key_source || !sg->trusted_comment)
                        r = -ENOMEM;
        }
        pdi_minisign_sig_done(&sig);
        return r;
}

int pdi_trust_verify(const struct pdi_trust *t, const char *what, const void *msg, size_t len,
                     const struct pdi_sigtext *sigs, size_t n_sigs, struct pdi_trust_result *res,
                     struct pdi_error *err)
{
        *res = (struct pdi_trust_result){0};
        if (n_sigs == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "manifest %s: no signature found",
                                     what);
        if (n_sigs > PDI_TRUST_MAX_SIGS)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "manifest %s: %zu signature files, at most %d", what, n_sigs,
                                     PDI_TRUST_MAX_SIGS);
        for (size_t i = 0; i < n_sigs; i++) {
                int r = check_one(t, what, msg, len, &sigs[i], res, err);
                if (r < 0)
                        return r;
        }
        if (res->n_signers >= t->threshold)
                return 0;
        if (res->n_signers == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "manifest %s: not signed by any trusted key (%zu "
                                     "signature(s) by unknown keys)",
                                     what, res->n_untrusted);
        return pdi_error_set(err, -PDI_E_SIGNATURE,
                             "manifest %s: signed by %zu distinct trusted key(s), %u required",
                             what, res->n_signers, t->threshold);
}

void pdi_trust_result_done(struct pdi_trust_result *res)
{
        for (size_t i = 0; i < res->n_signers; i++) {
                free(res->signers[i].key_source);
                free(res->signers[i].trusted_comment);
        }
        res->n_signers = 0;
}

char *pdi_trust_sig_name(const char *manifest, size_t i)
{
        char *s = NULL;
        int k = i == 0 ? asprintf(&s, "%s.minisig", manifest)
                       : asprintf(&s, "%s.minisig.%zu", manifest, i + 1);
        return k < 0 ? NULL : s;
}

void pdi_sigtexts_free(struct pdi_sigtext *sigs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(sigs[i].source);
                free(sigs[i].text);
        }
}
