/* SPDX-License-Identifier: Apache-2.0 */
/* The release manifest, schema 1: strict parsing into struct pdi_manifest. Every refusal
 * names the JSON path and the reason; manifests/README.md is the contract this module
 * implements. The artifacts are parsed in manifest_artifact.c, the output is manifest_json.c. */
#include "trust/manifest_internal.h"
#include "base/encoding.h"
#include "trust/manifest_values.h"
#include "trust/jfield.h"

#include <errno.h>
#include <stdarg.h>

/* rotate.c, manifest_names.c read some of them; schema 2 adds its own (manifest_schema2.c). */
#define SCHEMA1_KEYS                                                                               \
        "schema", "product", "version", "sequence", "created", "expires", "artifacts", "chains",   \
            "rotate", PDI_MANIFEST_NAMES_KEYS
static const char *const schema1_keys[] = {SCHEMA1_KEYS, NULL};
static const char *const schema2_keys[] = {SCHEMA1_KEYS, PDI_MANIFEST_SCHEMA2_KEYS, NULL};

static int parse_chains(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *arr, *v;
        size_t i;
        int r =
            pdi_jfield_get_array(root, "", "chains", false, 1, PDI_MANIFEST_MAX_CHAINS, &arr, err);
        if (r < 0 || !arr)
                return r;
        m->chains = calloc(json_array_size(arr), sizeof(char *));
        if (!m->chains)
                return -ENOMEM;
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "chains[%zu]", i);
                r = pdi_jfield_want_type(v, JSON_STRING, path, err);
                if (r < 0)
                        return r;
                const char *s = json_string_value(v);
                if (!pdi_manifest_chain_valid(s))
                        return pdi_jfield_fail(
                            err, "%s: \"%.64s\" is not a chain name (1 to 64 of a-z 0-9 _ -)", path,
                            s);
                for (size_t k = 0; k < i; k++)
                        if (streq(m->chains[k], s))
                                return pdi_jfield_fail(err, "%s: duplicate chain \"%s\"", path, s);
                r = pdi_manifest_dup(s, &m->chains[i]);
                if (r < 0)
                        return r;
                m->n_chains++;
        }
        return 0;
}

static int parse_time(json_t *root, const char *key, char **ret_str, time_t *ret,
                      struct pdi_error *err)
{
        const char *s;
        int r = pdi_jfield_get_string(root, "", key, &s, err);
        if (r < 0)
                return r;
        if (pdi_rfc3339_parse(s, ret) < 0)
                return pdi_jfield_fail(
                    err, "%s: \"%.64s\" is not an RFC 3339 time (2026-11-20T10:00:00Z)", key, s);
        return pdi_manifest_dup(s, ret_str);
}

static int parse_header(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        const char *product, *version;
        int r = pdi_jfield_get_string(root, "", "product", &product, err);
        if (r < 0)
                return r;
        if (!pdi_manifest_product_valid(product))
                return pdi_jfield_fail(
                    err,
                    "product: \"%.64s\" is not a product name (a-z, then up to 63 "
                    "of a-z 0-9 -)",
                    product);
        r = pdi_jfield_get_string(root, "", "version", &version, err);
        if (r < 0)
                return r;
        if (!pdi_version_valid(version))
                return pdi_jfield_fail(
                    err,
                    "version: \"%.64s\" is not a plain version (MAJOR.MINOR.PATCH with "
                    "an optional -prerelease)",
                    version);
        r = pdi_jfield_get_uint(root, "", "sequence", 1, INT64_MAX, "not a positive integer",
                                &m->sequence, err);
        if (r >= 0)
                r = pdi_manifest_dup(product, &m->product);
        if (r >= 0)
                r = pdi_manifest_dup(version, &m->version);
        if (r >= 0)
                r = parse_time(root, "created", &m->created_str, &m->created, err);
        if (r >= 0)
                r = parse_time(root, "expires", &m->expires_str, &m->expires, err);
        if (r >= 0 && m->created > m->expires)
                return pdi_jfield_fail(err, "created: %s is after expires %s", m->created_str,
                                       m->expires_str);
        return r < 0 ? r : pdi_manifest_names_parse(root, &m->names, err);
}

/* The schema decides every other rule, so it is read before the keys are judged. */
static int parse_schema(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        json_t *v;
        int r = pdi_jfield_get_field(root, "", "schema", JSON_INTEGER, true, &v, err);
        if (r < 0)
                return r;
        if (json_integer_value(v) != 1 && json_integer_value(v) != 2)
                return pdi_jfield_fail(err,
                                       "unknown schema %lld (this installer knows schemas 1 and 2)",
                                       (long long)json_integer_value(v));
        m->schema = (int)json_integer_value(v);
        return 0;
}

static int load_json(const char *buf, size_t len, json_t **ret, struct pdi_error *err)
{
        if (len > PDI_MANIFEST_MAX_BYTES)
                return pdi_jfield_fail(err, "manifest is %zu bytes, limit %d", len,
                                       PDI_MANIFEST_MAX_BYTES);
        size_t bad = pdi_utf8_bad_offset((const unsigned char *)buf, len);
        if (bad < len)
                return pdi_jfield_fail(err, "not valid UTF-8 at byte offset %zu", bad);
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
        if (!root)
                return pdi_jfield_fail(err, "not valid JSON at line %d, column %d: %s", jerr.line,
                                       jerr.column, jerr.text);
        *ret = root;
        if (!json_is_object(root))
                return pdi_jfield_fail(err, "top level is %s, expected an object",
                                       pdi_jfield_type_name(root));
        return 0;
}

int pdi_manifest_parse(const char *buf, size_t len, time_t now, struct pdi_manifest **ret,
                       struct pdi_error *err)
{
        json_auto_t *root = NULL;
        _cleanup_(pdi_manifest_freep) struct pdi_manifest *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        int r = load_json(buf, len, &root, err);
        if (r >= 0)
                r = parse_schema(root, m, err);
        if (r >= 0)
                r = pdi_jfield_check_keys(root, "", m->schema == 2 ? schema2_keys : schema1_keys,
                                          err);
        if (r >= 0)
                r = parse_header(root, m, err);
        if (r >= 0)
                r = parse_chains(root, m, err);
        if (r >= 0)
                r = pdi_manifest_parse_artifacts(root, m, err);
        if (r >= 0 && m->schema == 2)
                r = pdi_manifest_parse_schema2(root, m, err);
        if (r < 0)
                return r == -ENOMEM ? pdi_error_set(err, r, "manifest: out of memory") : r;
        /* Policy last: a malformed manifest is reported as malformed, not as expired. */
        if (m->expires <= now)
                return pdi_error_set(err, -PDI_E_POLICY, "manifest expired at %s", m->expires_str);
        *ret = TAKE_PTR(m);
        return 0;
}

static void free_strv(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

void pdi_manifest_free(struct pdi_manifest *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n_artifacts; i++) {
                struct pdi_manifest_artifact *a = &m->artifacts[i];
                free(a->name);
                free(a->path);
                free(a->url);
                free_strv(a->mirrors, a->n_mirrors);
                for (size_t k = 0; k < a->n_files; k++)
                        free(a->files[k].path);
                free(a->files);
        }
        free(m->artifacts);
        pdi_manifest_schema2_free(m);
        free_strv(m->chains, m->n_chains);
        free(m->product);
        free(m->version);
        free(m->created_str);
        free(m->expires_str);
        free(m);
}
