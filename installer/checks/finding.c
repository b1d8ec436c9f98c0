/* SPDX-License-Identifier: Apache-2.0 */
/* Findings and skip reasons, recorded into the result of the check that runs. */
#include "checks/finding.h"
#include "base/encoding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define ESC_FLAGS PDI_ESC_CONTROLS

struct pdi_audit_memo *pdi_check_memo(struct pdi_check_ctx *c)
{
        return c->memo;
}

/* Texts name things of the tree (paths, unit lines, a binary's output): bytes that are not UTF-8
 * and control characters become \xNN here, once, so that every output shows them the same
 * way and none reaches a terminal raw. Frees text. */
static char *escaped(char *text)
{
        char *e = pdi_escape(text, ESC_FLAGS);
        free(text);
        return e;
}

void pdi_check_finding(struct pdi_check_ctx *c, enum pdi_severity sev, const char *hint,
                       const char *fmt, ...)
{
        struct pdi_check_result *r = c->res;
        struct pdi_finding *f = realloc(r->findings, (r->n_findings + 1) * sizeof(*f));
        if (!f)
                return;
        r->findings = f;
        char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        if (!text)
                return;
        char *shown = escaped(text);
        if (!shown)
                return;
        f[r->n_findings++] = (struct pdi_finding){c->id, sev, shown, hint};
}

void pdi_check_skip(struct pdi_check_ctx *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(c->res->skip_reason);
        char *text = NULL;
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        c->res->skip_reason = text ? escaped(text) : NULL;
        c->res->skipped = true;
}
