/* SPDX-License-Identifier: Apache-2.0 */
#include "base/error.h"

int pdi_error_setv(struct pdi_error *err, int code, const char *fmt, va_list ap)
{
        if (!err || err->msg[0])
                return code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        err->code = code;
        return code;
}

int pdi_error_set(struct pdi_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = pdi_error_setv(err, code, fmt, ap);
        va_end(ap);
        return r;
}

void pdi_error_prefix(struct pdi_error *err, const char *fmt, ...)
{
        if (!err)
                return;
        char prefix[PDI_ERROR_MSG_MAX], old[PDI_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        size_t n = strlen(prefix);
        if (n >= sizeof(err->msg))
                n = sizeof(err->msg) - 1;
        memcpy(err->msg, prefix, n);
        size_t m = strnlen(old, sizeof(err->msg) - 1 - n);
        memcpy(err->msg + n, old, m);
        err->msg[n + m] = '\0';
}

static const char *const pdi_error_text[] = {
    [PDI_E_USAGE - PDI_E_BASE] = "usage error",
    [PDI_E_SIGNATURE - PDI_E_BASE] = "signature refused",
    [PDI_E_MANIFEST - PDI_E_BASE] = "manifest refused",
    [PDI_E_POLICY - PDI_E_BASE] = "refused by policy",
    [PDI_E_INTEGRITY - PDI_E_BASE] = "integrity check failed",
    [PDI_E_ARCHIVE - PDI_E_BASE] = "archive refused",
    [PDI_E_FINDINGS - PDI_E_BASE] = "audit found problems",
    [PDI_E_FAILED - PDI_E_BASE] = "failed",
    [PDI_E_HELP_SHOWN - PDI_E_BASE] = "help shown",
};

const char *pdi_strerror(int code)
{
        int c = code < 0 ? -code : code;
        if (c > PDI_E_BASE && c < PDI_E_MAX)
                return pdi_error_text[c - PDI_E_BASE];
        return strerror(c);
}

int pdi_exit_code(int code)
{
        switch (-code) {
        case 0:
        case PDI_E_HELP_SHOWN:
                return PDI_EXIT_OK;
        case PDI_E_USAGE:
                return PDI_EXIT_USAGE;
        case PDI_E_SIGNATURE:
        case PDI_E_MANIFEST:
        case PDI_E_POLICY:
        case PDI_E_INTEGRITY:
        case PDI_E_ARCHIVE:
                return PDI_EXIT_REFUSED;
        case PDI_E_FINDINGS:
                return PDI_EXIT_FINDINGS;
        default:
                return PDI_EXIT_FAILED;
        }
}
