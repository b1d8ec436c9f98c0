/* SPDX-License-Identifier: Apache-2.0 */
/* Strict reading of JSON objects for the manifest parser: a field of one type, a key set
 * with nothing unknown, bounded integers and arrays. Every refusal is -PDI_E_MANIFEST with a
 * message that names the JSON path ("artifacts[2].sha256: missing"). */
#pragma once

#include "base/error.h"

#include <jansson.h>
#include <stdint.h>

#define PDI_JFIELD_PATH_MAX 96 /* longest JSON path we build: "artifacts[2].files[63].sha256" */

int pdi_jfield_fail(struct pdi_error *err, const char *fmt, ...) _printf_(2, 3);
/* "artifacts[2]" + "sha256" -> "artifacts[2].sha256"; the top level has the empty path. */
const char *pdi_jfield_pathf(char out[PDI_JFIELD_PATH_MAX], const char *fmt, ...) _printf_(2, 3);
const char *pdi_jfield_join(char out[PDI_JFIELD_PATH_MAX], const char *parent, const char *key);
/* "an object", "a string" …: what v is, for messages. */
const char *pdi_jfield_type_name(const json_t *v);
int pdi_jfield_want_type(const json_t *v, json_type type, const char *path, struct pdi_error *err);
int pdi_jfield_check_keys(json_t *obj, const char *path, const char *const *allowed,
                          struct pdi_error *err);
/* Fetch obj[key] of the given type. A missing optional field gives *ret = NULL. */
int pdi_jfield_get_field(json_t *obj, const char *parent, const char *key, json_type type,
                         bool required, json_t **ret, struct pdi_error *err);
int pdi_jfield_get_string(json_t *obj, const char *parent, const char *key, const char **ret,
                          struct pdi_error *err);
int pdi_jfield_get_uint(json_t *obj, const char *parent, const char *key, uint64_t min,
                        uint64_t max, const char *what, uint64_t *ret, struct pdi_error *err);
int pdi_jfield_get_array(json_t *obj, const char *parent, const char *key, bool required,
                         size_t min, size_t max, json_t **ret, struct pdi_error *err);
