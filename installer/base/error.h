/* SPDX-License-Identifier: Apache-2.0 */
/* Errors: every function returns 0 or a negative code, either -errno or -PDI_E_*. Functions
 * that can say more than a code take a `struct pdi_error *` and fill its message with the
 * thing and the reason; the caller prints it once. pdi_exit_code() maps a code to the exit
 * codes documented in --help and the man page. */
#pragma once

#include "base/common.h"

#include <stdarg.h>

enum {
        PDI_E_BASE = 4096, /* above every errno value */
        PDI_E_USAGE,       /* bad command line: exit 2 */
        PDI_E_SIGNATURE,   /* signature missing, malformed, untrusted or not verifying: exit 3 */
        PDI_E_MANIFEST,    /* manifest malformed or violating the schema: exit 3 */
        PDI_E_POLICY,      /* manifest valid but refused by policy (sequence, expiry …): exit 3 */
        PDI_E_INTEGRITY,   /* bytes differ from what was signed (hash, size): exit 3 */
        PDI_E_ARCHIVE,     /* archive entry refused: exit 3 */
        PDI_E_FINDINGS,    /* audit found error-level problems: exit 4 */
        PDI_E_FAILED,      /* operation failed; message says why: exit 1 */
        PDI_E_HELP_SHOWN,  /* --help was printed: exit 0 */
        PDI_E_MAX,
};

enum {
        PDI_EXIT_OK = 0,
        PDI_EXIT_FAILED = 1,
        PDI_EXIT_USAGE = 2,
        PDI_EXIT_REFUSED = 3,
        PDI_EXIT_FINDINGS = 4,
};

#define PDI_ERROR_MSG_MAX 1024

struct pdi_error {
        int code; /* negative */
        char msg[PDI_ERROR_MSG_MAX];
};

/* Record code and message in *err (if err is non-NULL) and return code (negative).
 * An existing message is kept, so the innermost, most specific reason wins. */
int pdi_error_set(struct pdi_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* The same with a va_list, for functions that take a format of their own. */
int pdi_error_setv(struct pdi_error *err, int code, const char *fmt, va_list ap) _printf_(3, 0);

/* Prefix an existing message with context ("manifest X: " + msg). */
void pdi_error_prefix(struct pdi_error *err, const char *fmt, ...) _printf_(2, 3);

/* Text for a code alone (strerror for errno values). */
const char *pdi_strerror(int code);

int pdi_exit_code(int code);
