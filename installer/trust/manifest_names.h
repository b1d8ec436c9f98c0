/* SPDX-License-Identifier: Apache-2.0 */
/* The release's other names, optional top-level manifest fields (manifests/README.md):
 * "release_tag", upstream's tag of the release (polkadot-stable2603-1), and "docker_tag",
 * the tag of its Docker image (stable2603-1). "version" stays what the binaries print. Kept
 * apart from manifest.c so that the schema's own rules and these two names change apart. */
#pragma once

#include "base/error.h"

#include <jansson.h>

#define PDI_RELEASE_TAG_MAX 64
#define PDI_DOCKER_TAG_MAX 128

struct pdi_manifest_names {
        char release_tag[PDI_RELEASE_TAG_MAX + 1]; /* "" when absent */
        char docker_tag[PDI_DOCKER_TAG_MAX + 1];
};

/* The manifest's top-level keys this module reads, for the strict key check. */
#define PDI_MANIFEST_NAMES_KEYS "release_tag", "docker_tag"

/* 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
bool pdi_release_tag_valid(const char *s);
/* Docker's tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool pdi_docker_tag_valid(const char *s);

/* Read the optional fields of root: -PDI_E_MANIFEST naming the field when one is malformed. */
int pdi_manifest_names_parse(json_t *root, struct pdi_manifest_names *ret, struct pdi_error *err);
/* Add the fields that are set to o: 0, or -1 when out of memory. */
int pdi_manifest_names_to_json(const struct pdi_manifest_names *n, json_t *o);
