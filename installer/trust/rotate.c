/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/rotate.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>

static int bad(struct pdi_error *err, const char *what, const char *why)
{
        return pdi_error_set(err, -PDI_E_MANIFEST, "manifest %s: rotate: %s", what, why);
}

/* "rotate" as an object of exactly "retire" and "key"; ret->new_key_text built. */
static int parse_field(json_t *rot, const char *what, struct pdi_rotation *ret,
                       struct pdi_minisign_pubkey *pk, struct pdi_error *err)
{
        const char *retire = json_string_value(json_object_get(rot, "retire"));
        const char *key = json_string_value(json_object_get(rot, "key"));
        if (!json_is_object(rot) || json_object_size(rot) != 2 || !retire || !key)
                return bad(err, what, "must be an object with exactly \"retire\" and \"key\"");
        if (strlen(retire) != 16 || strspn(retire, "0123456789abcdefABCDEF") != 16)
                return bad(err, what, "\"retire\" is not a key id (16 hex digits)");
        if (strlen(key) > 100 || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789+/=") != strlen(key))
                return bad(err, what, "\"key\" is not a minisign public key (base64)");
        char *text = NULL;
        if (asprintf(&text, "untrusted comment: key rotated in by a signed manifest\n%s\n", key) <
            0)
                return -ENOMEM;
        struct pdi_error perr = {0};
        if (pdi_minisign_pubkey_parse(text, strlen(text), pk, &perr) < 0) {
                free(text);
                return bad(err, what, "\"key\" is not a minisign public key");
        }
        ret->new_key_text = text;
        for (size_t i = 0; i < 16; i++)
                ret->retire[i] = (char)(retire[i] >= 'a' ? retire[i] - 'a' + 'A' : retire[i]);
        ret->retire[16] = '\0';
        pdi_minisign_keyid_str(pk->keyid, ret->new_id);
        if (streq(ret->retire, ret->new_id))
                return bad(err, what, "\"retire\" and \"key\" name the same key");
        return 0;
}

/* One of the signature files is the new key's and verifies. */
static bool signed_by(const struct pdi_minisign_pubkey *pk, const char *bytes, size_t len,
                      const struct pdi_sigtext *sigs, size_t n_sigs)
{
        bool ok = false;
        for (size_t i = 0; i < n_sigs && !ok; i++) {
                struct pdi_minisign_sig sig = {0};
                struct pdi_error ignored = {0};
                if (pdi_minisign_sig_parse(sigs[i].text, sigs[i].len, &sig, &ignored) == 0 &&
                    memcmp(sig.keyid, pk->keyid, sizeof(sig.keyid)) == 0)
                        ok = pdi_minisign_verify(pk, &sig, bytes, len, &ignored) == 0;
                pdi_minisign_sig_done(&sig);
        }
        return ok;
}

static bool trusted(const struct pdi_trust *t, const char *id)
{
        char s[17];
        for (size_t i = 0; i < t->n_keys; i++) {
                pdi_minisign_keyid_str(t->keys[i].pk.keyid, s);
                if (streq(s, id))
                        return true;
        }
        return false;
}

static bool among_signers(const struct pdi_trust_result *res, const char *id)
{
        for (size_t i = 0; i < res->n_signers; i++)
                if (streq(res->signers[i].keyid, id))
                        return true;
        return false;
}

static int judge(const struct pdi_trust *t, const char *what, const struct pdi_trust_result *res,
                 struct pdi_rotation *ret, struct pdi_error *err)
{
        if (among_signers(res, ret->retire)) {
                ret->pending = !trusted(t, ret->new_id) || trusted(t, ret->retire);
                return 0;
        }
        if (!trusted(t, ret->retire) && trusted(t, ret->new_id))
                return 0; /* applied before: a kept release's manifest, or the same run again */
        return pdi_error_set(err, -PDI_E_SIGNATURE,
                             "manifest %s: rotation from key %s to %s is not signed by the "
                             "retired key %s; refusing it",
                             what, ret->retire, ret->new_id, ret->retire);
}

int pdi_rotation_check(const struct pdi_trust *t, const char *what, const char *bytes, size_t len,
                       const struct pdi_sigtext *sigs, size_t n_sigs,
                       const struct pdi_trust_result *res, struct pdi_rotation *ret,
                       struct pdi_error *err)
{
        struct pdi_rotation r = {0};
        json_auto_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *rot = json_object_get(root, "rotate");
        if (!rot) {
                *ret = r;
                return 0;
        }
        r.present = true;
        struct pdi_minisign_pubkey pk;
        int k = parse_field(rot, what, &r, &pk, err);
        if (k == 0 && !signed_by(&pk, bytes, len, sigs, n_sigs))
                k = pdi_error_set(err, -PDI_E_SIGNATURE,
                                  "manifest %s: rotation to key %s is not signed by that key; "
                                  "refusing it",
                                  what, r.new_id);
        if (k == 0)
                k = judge(t, what, res, &r, err);
        if (k < 0) {
                pdi_rotation_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

void pdi_rotation_done(struct pdi_rotation *r)
{
        free(r->new_key_text);
        r->new_key_text = NULL;
}
