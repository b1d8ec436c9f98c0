/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the manifest parser. Besides "no crash, no leak", it checks the
 * property `manifest create` relies on: whatever parses, dumps to text that parses again
 * and dumps identically. */
#include "trust/manifest.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed clock (2026-12-01T00:00:00Z) so runs are reproducible. */
#define FUZZ_NOW ((time_t)1796083200)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pdi_error err = {0};
        struct pdi_manifest *m = NULL, *m2 = NULL;
        char *text = NULL, *text2 = NULL;
        if (pdi_manifest_parse((const char *)data, size, FUZZ_NOW, &m, &err) < 0) {
                if (!err.msg[0])
                        abort(); /* every refusal must say why */
                return 0;
        }
        if (pdi_manifest_dump(m, &text) < 0 ||
            pdi_manifest_parse(text, strlen(text), FUZZ_NOW, &m2, &err) < 0 ||
            pdi_manifest_dump(m2, &text2) < 0 || !streq(text, text2))
                abort();
        free(text);
        free(text2);
        pdi_manifest_free(m);
        pdi_manifest_free(m2);
        return 0;
}
