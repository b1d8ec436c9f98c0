/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the minisign signature and public key parsers on arbitrary bytes. A
 * parsed signature is also verified, against a key made from its own bytes, so the key id
 * comparison and the OpenSSL calls see hostile values too. */
#include "trust/minisign.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > PDI_MINISIGN_FILE_MAX)
                return 0;
        struct pdi_error err = {0};
        struct pdi_minisign_sig sig = {.prehashed = false};
        struct pdi_minisign_pubkey pk;
        const char *text = (const char *)data;
        int rs = pdi_minisign_sig_parse(text, size, &sig, &err);
        err = (struct pdi_error){0};
        (void)pdi_minisign_pubkey_parse(text, size, &pk, &err);
        if (rs == 0) {
                /* Input that parses as a signature (4 lines) never parses as a key (at most
                 * 2), so the key comes from the signature's own bytes: the key id matches and
                 * the math runs. */
                memcpy(pk.keyid, sig.keyid, sizeof(pk.keyid));
                memcpy(pk.pk, sig.global_sig, sizeof(pk.pk));
                err = (struct pdi_error){0};
                (void)pdi_minisign_verify(&pk, &sig, data, size, &err);
        }
        pdi_minisign_sig_done(&sig);
        return 0;
}
