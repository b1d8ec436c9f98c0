/* SPDX-License-Identifier: Apache-2.0 */
#include "base/report.h"
#include "base/log.h"

#include <stdarg.h>

int pdi_report_init(struct pdi_report *r)
{
        *r = (struct pdi_report){.actions = json_array(), .warnings = json_array()};
        return r->actions && r->warnings ? 0 : -1;
}

void pdi_report_done(struct pdi_report *r)
{
        json_decref(r->actions);
        json_decref(r->warnings);
        r->actions = r->warnings = NULL;
}

__attribute__((format(printf, 3, 0))) static void add(json_t *list, enum pdi_log_level level,
                                                      const char *fmt, va_list ap)
{
        char line[2048];
        vsnprintf(line, sizeof(line), fmt, ap);
        pdi_log(level, "%s", line);
        if (list)
                json_array_append_new(list, json_string(line));
}

void pdi_report_action(struct pdi_report *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add(r->actions, PDI_LOG_NOTICE, fmt, ap);
        va_end(ap);
        r->changed = true;
}

void pdi_report_note(struct pdi_report *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add(NULL, PDI_LOG_NOTICE, fmt, ap);
        va_end(ap);
        (void)r;
}

void pdi_report_warn(struct pdi_report *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add(r->warnings, PDI_LOG_WARN, fmt, ap);
        va_end(ap);
}

void pdi_report_to_json(const struct pdi_report *r, json_t *out)
{
        json_object_set(out, "actions", r->actions);
        json_object_set(out, "warnings", r->warnings);
}
