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
/* The "artifacts" of the worker set object `set` (at JSON path parent), appended to
 * m->artifacts as set k (m->sets[k - 1], whose dir is known): exactly the two workers. */
int pdi_manifest_parse_set_artifacts(json_t *set, const char *parent, struct pdi_manifest *m,
                                     size_t k, struct pdi_error *err);

/* Schema 2's fields (manifest_schema2.c): "worker_sets", "min_installer_version",
 * "compatible". Called for schema 2 only, after the node's own artifacts. */
#define PDI_MANIFEST_SCHEMA2_KEYS "worker_sets", "min_installer_version", "compatible"
int pdi_manifest_parse_schema2(json_t *root, struct pdi_manifest *m, struct pdi_error *err);
void pdi_manifest_schema2_free(struct pdi_manifest *m);
/* Schema 2's fields and the worker sets into o (the sets' artifacts under "worker_sets"). */
int pdi_manifest_schema2_to_json(const struct pdi_manifest *m, json_t *o,
                                 json_t *(*artifact_to_json)(const struct pdi_manifest_artifact *));
