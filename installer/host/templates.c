/* SPDX-License-Identifier: Apache-2.0 */
#include "host/templates.h"

const char *pdi_template_get(const char *name)
{
        for (const struct pdi_template *t = pdi_templates; t->name; t++)
                if (streq(t->name, name))
                        return t->text;
        return NULL;
}
