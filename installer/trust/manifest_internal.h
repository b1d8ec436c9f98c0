/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the files of the manifest module: manifest.c (the document, its header, the
 * entry point), manifest_artifact.c (the artifacts) and manifest_json.c (output). Not an API. */
#pragma once

#include "trust/manifest.h"
#include "trust/jfield.h"

#include <errno.h>

static inline int pdi_manifest_lookup(const char *const *table, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (streq(table[i], s))
                        return (int)i;
        return -1;
}

static inline int pdi_manifest_dup(const char *s, char **ret)
{
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* The "artifacts" array of root into m->artifacts: every artifact's rules, unique names and
 * roles, every role present. */
int pdi_manifest_parse_artifacts(json_t *root, struct pdi_manifest *m, struct pdi_error *err);
