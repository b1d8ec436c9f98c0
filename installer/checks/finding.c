/* Findings and skip reasons, recorded into the result of the check that runs. */
#include "checks/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct pdi_audit_memo *pdi_check_memo(struct pdi_check_ctx *c)
{
        return c->memo;
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
        f[r->n_findings++] = (struct pdi_finding){c->id, sev, text, hint};
}

void pdi_check_skip(struct pdi_check_ctx *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(c->res->skip_reason);
        if (vasprintf(&c->res->skip_reason, fmt, ap) < 0)
                c->res->skip_reason = NULL;
        va_end(ap);
        c->res->skipped = true;
}
