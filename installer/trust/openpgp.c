/* SPDX-License-Identifier: Apache-2.0 */
/* OpenPGP verification with GPGME on a throwaway GNUPGHOME (openpgp.h). */
#include "trust/openpgp.h"
#include "base/common.h"
#include "base/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* gpg reads this from our GNUPGHOME: no agent (nothing here needs a secret key), no key
 * fetched from anywhere, no trust database consulted: the pins are the whole policy. */
static const char gpg_conf[] = "no-autostart\n"
                               "no-auto-key-retrieve\n"
                               "no-auto-key-locate\n"
                               "no-greeting\n";

struct pdi_openpgp {
        char home[256];
        gpgme_ctx_t ctx;
        char pins[PDI_OPENPGP_MAX_PINS][PDI_OPENPGP_FPR_MAX + 1];
        size_t n_pins;
};

bool pdi_openpgp_fpr_normalize(const char *in, char out[PDI_OPENPGP_FPR_MAX + 1])
{
        size_t n = 0;
        for (const char *c = in; *c; c++) {
                if (*c == ' ')
                        continue;
                if (n >= PDI_OPENPGP_FPR_MAX || !strchr("0123456789abcdefABCDEF", *c))
                        return false;
                out[n++] = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
        }
        out[n] = '\0';
        return n == 40 || n == 64;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)ftw;
        return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static int make_home(struct pdi_openpgp *p)
{
        const char *tmp = getenv("TMPDIR");
        if (snprintf(p->home, sizeof(p->home), "%s/pdi-gnupg-XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
            (int)sizeof(p->home))
                return -ENAMETOOLONG;
        if (!mkdtemp(p->home)) {
                p->home[0] = '\0';
                return -errno;
        }
        _cleanup_close_ int dfd = open(p->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        return pdi_write_atomic_at(dfd, "gpg.conf", gpg_conf, sizeof(gpg_conf) - 1, 0600);
}

static int gpg_fail(struct pdi_error *err, int code, const char *what, gpgme_error_t e)
{
        return pdi_error_set(err, code, "%s: %s", what, gpgme_strerror(e));
}

static int open_ctx(struct pdi_openpgp *p, struct pdi_error *err)
{
        gpgme_check_version(NULL);
        gpgme_error_t e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
        if (!e)
                e = gpgme_new(&p->ctx);
        if (!e)
                e = gpgme_set_protocol(p->ctx, GPGME_PROTOCOL_OpenPGP);
        if (!e)
                e = gpgme_ctx_set_engine_info(p->ctx, GPGME_PROTOCOL_OpenPGP, NULL, p->home);
        if (e)
                return gpg_fail(err, -PDI_E_FAILED, "OpenPGP (gpg through GPGME)", e);
        gpgme_set_offline(p->ctx, 1);
        gpgme_set_armor(p->ctx, 0);
        return 0;
}

static int import_keys(struct pdi_openpgp *p, const char *text, size_t len, struct pdi_error *err)
{
        gpgme_data_t d = NULL;
        gpgme_error_t e = gpgme_data_new_from_mem(&d, text, len, 0);
        if (!e)
                e = gpgme_op_import(p->ctx, d);
        gpgme_data_release(d);
        if (e)
                return gpg_fail(err, -PDI_E_SIGNATURE, "OpenPGP key file", e);
        gpgme_import_result_t res = gpgme_op_import_result(p->ctx);
        if (!res || res->considered == 0 || res->imported + res->unchanged == 0)
                return pdi_error_set(err, -PDI_E_SIGNATURE,
                                     "OpenPGP key file: holds no public key");
        return 0;
}

/* A pin whose key the file lacks is a mistake to say now, not a "signed by an untrusted key"
 * later; one pinned key present is enough (the older key may be pinned and not supplied). */
static int check_pins_present(struct pdi_openpgp *p, struct pdi_error *err)
{
        for (size_t i = 0; i < p->n_pins; i++) {
                gpgme_key_t key = NULL;
                gpgme_error_t e = gpgme_get_key(p->ctx, p->pins[i], &key, 0);
                bool ok =
                    !e && key && key->subkeys && strcasecmp(key->subkeys->fpr, p->pins[i]) == 0;
                gpgme_key_unref(key);
                if (ok)
                        return 0;
        }
        return pdi_error_set(err, -PDI_E_SIGNATURE,
                             "OpenPGP key file: no key with the pinned fingerprint %s%s",
                             p->pins[0], p->n_pins > 1 ? " (nor any other pin)" : "");
}

int pdi_openpgp_new(const char *key_text, size_t key_len, char *const *pins, size_t n_pins,
                    struct pdi_openpgp **ret, struct pdi_error *err)
{
        if (n_pins == 0 || n_pins > PDI_OPENPGP_MAX_PINS)
                return pdi_error_set(err, -EINVAL, "OpenPGP: 1 to %d pinned fingerprints",
                                     PDI_OPENPGP_MAX_PINS);
        _cleanup_(pdi_openpgp_freep) struct pdi_openpgp *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        for (; p->n_pins < n_pins; p->n_pins++)
                if (!pdi_openpgp_fpr_normalize(pins[p->n_pins], p->pins[p->n_pins]))
                        return pdi_error_set(err, -EINVAL, "OpenPGP: '%.80s' is not a fingerprint",
                                             pins[p->n_pins]);
        int r = make_home(p);
        if (r < 0)
                return pdi_error_set(err, -PDI_E_FAILED, "OpenPGP: private GNUPGHOME: %s",
                                     strerror(-r));
        r = open_ctx(p, err);
        if (r == 0)
                r = import_keys(p, key_text, key_len, err);
        if (r == 0)
                r = check_pins_present(p, err);
        if (r == 0)
                *ret = TAKE_PTR(p);
        return r;
}

void pdi_openpgp_free(struct pdi_openpgp *p)
{
        if (!p)
                return;
        if (p->ctx)
                gpgme_release(p->ctx);
        if (p->home[0])
                (void)nftw(p->home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(p);
}

static bool pinned(const struct pdi_openpgp *p, const char *fpr)
{
        for (size_t i = 0; fpr && i < p->n_pins; i++)
                if (strcasecmp(p->pins[i], fpr) == 0)
                        return true;
        return false;
}

/* The subkey that made sig: gpg names it by fingerprint, or by key id (its tail). */
static gpgme_subkey_t signing_subkey(gpgme_key_t key, const char *fpr)
{
        size_t n = strlen(fpr);
        for (gpgme_subkey_t s = key->subkeys; s; s = s->next) {
                size_t m = s->fpr ? strlen(s->fpr) : 0;
                if (m >= n && strcasecmp(s->fpr + m - n, fpr) == 0)
                        return s;
        }
        return NULL;
}

/* Why sig does not count (NULL: it does), with the pinned primary fingerprint. */
static const char *judge(struct pdi_openpgp *p, gpgme_signature_t sig, char *pin, char *buf,
                         size_t n)
{
        if (gpg_err_code(sig->status) != GPG_ERR_NO_ERROR ||
            (sig->summary & (GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED |
                             GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)))
                return snprintf(buf, n, "signature by %s does not verify: %s",
                                sig->fpr ? sig->fpr : "an unknown key",
                                gpgme_strerror(sig->status)),
                       buf;
        if (sig->wrong_key_usage)
                return snprintf(buf, n, "key %s may not sign", sig->fpr), buf;
        gpgme_key_t key = NULL;
        if (gpgme_get_key(p->ctx, sig->fpr, &key, 0) || !key || !key->subkeys)
                return snprintf(buf, n, "signed by %s, a key not in the key file", sig->fpr), buf;
        gpgme_subkey_t sub = signing_subkey(key, sig->fpr);
        const char *primary = key->subkeys->fpr;
        const char *why = NULL;
        if (!pinned(p, primary) && !(sub && pinned(p, sub->fpr)))
                why = "not a pinned fingerprint (--openpgp-fingerprint)";
        else if (!sub || !sub->can_sign || sub->revoked || sub->expired || sub->invalid ||
                 key->revoked || key->expired || key->disabled || key->invalid)
                why = "revoked, expired or not a signing key";
        if (why)
                snprintf(buf, n, "signed by key %s: %s", primary, why);
        else
                snprintf(pin, PDI_OPENPGP_FPR_MAX + 1, "%s", primary);
        gpgme_key_unref(key);
        return why ? buf : NULL;
}

static gpgme_error_t verify_data(struct pdi_openpgp *p, int fd, const char *sig, size_t len)
{
        gpgme_data_t s = NULL, d = NULL;
        gpgme_error_t e = gpgme_data_new_from_mem(&s, sig, len, 0);
        if (!e)
                e = gpgme_data_new_from_fd(&d, fd);
        if (!e)
                e = gpgme_op_verify(p->ctx, s, d, NULL);
        gpgme_data_release(s);
        gpgme_data_release(d);
        return e;
}

int pdi_openpgp_verify(struct pdi_openpgp *p, const char *what, int data_fd, const char *sig,
                       size_t sig_len, char ret_pin[PDI_OPENPGP_FPR_MAX + 1], struct pdi_error *err)
{
        if (lseek(data_fd, 0, SEEK_SET) < 0)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: %s", what, strerror(errno));
        gpgme_error_t e = verify_data(p, data_fd, sig, sig_len);
        if (e)
                return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: not an OpenPGP signature: %s",
                                     what, gpgme_strerror(e));
        gpgme_verify_result_t res = gpgme_op_verify_result(p->ctx);
        char pin[PDI_OPENPGP_FPR_MAX + 1], why[300] = "no signature in it";
        for (gpgme_signature_t s = res ? res->signatures : NULL; s; s = s->next) {
                if (!judge(p, s, pin, why, sizeof(why))) {
                        memcpy(ret_pin, pin, sizeof(pin));
                        return 0;
                }
        }
        return pdi_error_set(err, -PDI_E_SIGNATURE, "%s: %s", what, why);
}
