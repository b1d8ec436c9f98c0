/* SPDX-License-Identifier: Apache-2.0 */
/* Files of templates/ compiled into the program (cmake/embed.cmake), so that a copied
 * polkadot-installer binary carries its unit templates with it. */
#pragma once

#include "base/common.h"

struct pdi_template {
        const char *name; /* file name in templates/ */
        const char *text;
};

extern const struct pdi_template pdi_templates[];

/* The template's text, or NULL if there is none of that name. */
const char *pdi_template_get(const char *name);
