/* SPDX-License-Identifier: Apache-2.0 */
/* The release manifest, schema 1: strict parsing into struct pdi_manifest and the canonical
 * serialisation used by `manifest create`. Every refusal names the JSON path and the reason;
 * manifests/README.md is the contract this file implements. */
#include "trust/manifest.h"
#include "base/encoding.h"
#include "trust/manifest_values.h"
#include "trust/jfield.h"

#include <errno.h>
#include <stdarg.h>

static const char *const role_names[_PDI_ROLE_MAX] = {
    [PDI_ROLE_NODE] = "node",
    [PDI_ROLE_PREPARE_WORKER] = "prepare-worker",
    [PDI_ROLE_EXECUTE_WORKER] = "execute-worker",
};

static const char *const role_files[_PDI_ROLE_MAX] = {
    [PDI_ROLE_NODE] = "polkadot",
    [PDI_ROLE_PREPARE_WORKER] = "polkadot-prepare-worker",
    [PDI_ROLE_EXECUTE_WORKER] = "polkadot-execute-worker",
};

static const char *const format_names[_PDI_FORMAT_MAX] = {
    [PDI_FORMAT_BINARY] = "binary",   [PDI_FORMAT_TAR] = "tar",
    [PDI_FORMAT_TAR_GZ] = "tar.gz",   [PDI_FORMAT_TAR_XZ] = "tar.xz",
    [PDI_FORMAT_TAR_ZST] = "tar.zst",
};

static const char *const manifest_keys[] = {
    "schema", "product", "version",     "sequence",   "created", "expires", "artifacts",
    "chains", "rotate",  "release_tag", "docker_tag", NULL}; /* rotate.c, manifest_names.c */
static const char *const artifact_keys[] = {"name", "role",   "url",   "mirrors", "sha256",
                                            "size", "format", "files", NULL};
static const char *const file_keys[] = {"path", "sha256", "size", NULL};

const char *pdi_role_name(enum pdi_role role)
{
        return role >= 0 && role < _PDI_ROLE_MAX ? role_names[role] : NULL;
}

const char *pdi_role_file(enum pdi_role role)
{
        return role >= 0 && role < _PDI_ROLE_MAX ? role_files[role] : NULL;
}

const char *pdi_format_name(enum pdi_format format)
{
        return format >= 0 && format < _PDI_FORMAT_MAX ? format_names[format] : NULL;
}

static int lookup(const char *const *table, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (streq(table[i], s))
                        return (int)i;
        return -1;
}

static int dup_string(const char *s, char **ret)
{
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int check_url(const char *s, const char *path, struct pdi_error *err)
{
        char buf[160];
        const char *why = pdi_manifest_url_problem(s, buf, sizeof(buf));
        return why ? pdi_jfield_fail(err, "%s: %s", path, why) : 0;
}

/* --- the manifest's parts --- */

static int parse_sha256(json_t *obj, const char *parent, char out[65], struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        const char *s;
        int r = pdi_jfield_get_string(obj, parent, "sha256", &s, err);
        if (r < 0)
                return r;
        if (!pdi_is_sha256_hex(s))
                return pdi_jfield_fail(err, "%s: not 64 lowercase hex digits",
                                       pdi_jfield_join(path, parent, "sha256"));
        memcpy(out, s, 65);
        return 0;
}

static int parse_size(json_t *obj, const char *parent, uint64_t *ret, struct pdi_error *err)
{
        return pdi_jfield_get_uint(
            obj, parent, "size", 1, PDI_MANIFEST_MAX_SIZE,
            "not a sane size (1 byte to 4 GiB; 0 or more than 4 GiB is absurd)", ret, err);
}

/* Installed file names seen so far, across the whole release, with who installs them. Each
 * artifact installs at most PDI_MANIFEST_MAX_FILES names (a binary one), so this never fills. */
struct seen_names {
        const char *name[PDI_MANIFEST_MAX_ARTIFACTS * PDI_MANIFEST_MAX_FILES];
        char where[PDI_MANIFEST_MAX_ARTIFACTS * PDI_MANIFEST_MAX_FILES][PDI_JFIELD_PATH_MAX];
        size_t n;
};

static int claim_name(struct seen_names *seen, const char *name, const char *path,
                      struct pdi_error *err)
{
        for (size_t i = 0; i < seen->n; i++)
                if (streq(seen->name[i], name))
                        return pdi_jfield_fail(err, "%s: duplicate installed file \"%s\" (also %s)",
                                               path, name, seen->where[i]);
        seen->name[seen->n] = name;
        snprintf(seen->where[seen->n], PDI_JFIELD_PATH_MAX, "%s", path);
        seen->n++;
        return 0;
}

static int parse_file(json_t *v, const char *parent, struct pdi_manifest_file *f,
                      struct seen_names *seen, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        const char *name;
        int r = pdi_jfield_want_type(v, JSON_OBJECT, parent, err);
        if (r >= 0)
                r = pdi_jfield_check_keys(v, parent, file_keys, err);
        if (r >= 0)
                r = pdi_jfield_get_string(v, parent, "path", &name, err);
        if (r < 0)
                return r;
        pdi_jfield_join(path, parent, "path");
        if (!pdi_manifest_plain_name(name))
                return pdi_jfield_fail(err, "%s: \"%.64s\" is not a plain file name", path, name);
        r = claim_name(seen, name, path, err);
        if (r >= 0)
                r = parse_sha256(v, parent, f->sha256, err);
        if (r >= 0)
                r = parse_size(v, parent, &f->size, err);
        return r < 0 ? r : dup_string(name, &f->path);
}

static int parse_files(json_t *obj, const char *parent, struct pdi_manifest_artifact *a,
                       struct seen_names *seen, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *arr, *v;
        size_t i;
        int r =
            pdi_jfield_get_array(obj, parent, "files", false, 1, PDI_MANIFEST_MAX_FILES, &arr, err);
        if (r < 0)
                return r;
        if (a->format == PDI_FORMAT_BINARY)
                return arr ? pdi_jfield_fail(err, "%s: a binary artifact has no files",
                                             pdi_jfield_join(path, parent, "files"))
                           : claim_name(seen, a->name, pdi_jfield_join(path, parent, "name"), err);
        if (!arr)
                return pdi_jfield_fail(err, "%s: missing (an archive must list its files)",
                                       pdi_jfield_join(path, parent, "files"));
        a->files = calloc(json_array_size(arr), sizeof(*a->files));
        if (!a->files)
                return -ENOMEM;
        bool has_role_file = false;
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "%s.files[%zu]", parent, i);
                a->n_files++;
                r = parse_file(v, path, &a->files[i], seen, err);
                if (r < 0)
                        return r;
                has_role_file = has_role_file || streq(a->files[i].path, pdi_role_file(a->role));
        }
        if (!has_role_file)
                return pdi_jfield_fail(err, "%s: does not contain \"%s\", the file of role %s",
                                       pdi_jfield_join(path, parent, "files"),
                                       pdi_role_file(a->role), pdi_role_name(a->role));
        return 0;
}

static int parse_enum(json_t *obj, const char *parent, const char *key, const char *const *table,
                      size_t n, int *ret, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        const char *s;
        int r = pdi_jfield_get_string(obj, parent, key, &s, err);
        if (r < 0)
                return r;
        int i = lookup(table, n, s);
        if (i < 0)
                return pdi_jfield_fail(err, "%s: unknown %s \"%.64s\"",
                                       pdi_jfield_join(path, parent, key), key, s);
        *ret = i;
        return 0;
}

static int parse_mirrors(json_t *obj, const char *parent, struct pdi_manifest_artifact *a,
                         struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *arr, *v;
        size_t i;
        int r = pdi_jfield_get_array(obj, parent, "mirrors", false, 0, PDI_MANIFEST_MAX_MIRRORS,
                                     &arr, err);
        if (r < 0 || !arr || json_array_size(arr) == 0)
                return r;
        a->mirrors = calloc(json_array_size(arr), sizeof(char *));
        if (!a->mirrors)
                return -ENOMEM;
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "%s.mirrors[%zu]", parent, i);
                r = pdi_jfield_want_type(v, JSON_STRING, path, err);
                if (r >= 0)
                        r = check_url(json_string_value(v), path, err);
                if (r >= 0)
                        r = dup_string(json_string_value(v), &a->mirrors[i]);
                if (r < 0)
                        return r;
                a->n_mirrors++;
        }
        return 0;
}

static int parse_name_and_url(json_t *obj, const char *parent, struct pdi_manifest_artifact *a,
                              struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        const char *name, *url;
        int r = pdi_jfield_get_string(obj, parent, "name", &name, err);
        if (r < 0)
                return r;
        if (!pdi_manifest_plain_name(name))
                return pdi_jfield_fail(err, "%s: \"%.64s\" is not a plain file name",
                                       pdi_jfield_join(path, parent, "name"), name);
        r = dup_string(name, &a->name);
        if (r >= 0)
                r = pdi_jfield_get_string(obj, parent, "url", &url, err);
        if (r >= 0)
                r = check_url(url, pdi_jfield_join(path, parent, "url"), err);
        if (r >= 0)
                r = dup_string(url, &a->url);
        return r;
}

/* Artifact names and roles are unique: compare with the artifacts parsed before this one. */
static int check_previous(const struct pdi_manifest *m, size_t i, const char *parent,
                          struct pdi_error *err)
{
        const struct pdi_manifest_artifact *a = &m->artifacts[i];
        for (size_t k = 0; k < i; k++) {
                if (streq(m->artifacts[k].name, a->name))
                        return pdi_jfield_fail(
                            err, "%s.name: duplicate name \"%s\" (also artifacts[%zu])", parent,
                            a->name, k);
                if (m->artifacts[k].role == a->role)
                        return pdi_jfield_fail(
                            err,
                            "%s.role: role %s appears twice (also artifacts[%zu]); "
                            "schema 1 needs exactly one",
                            parent, pdi_role_name(a->role), k);
        }
        return 0;
}

static int parse_artifact(json_t *obj, const char *parent, struct pdi_manifest *m, size_t i,
                          struct seen_names *seen, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        struct pdi_manifest_artifact *a = &m->artifacts[i];
        int role = 0, format = 0;
        int r = pdi_jfield_want_type(obj, JSON_OBJECT, parent, err);
        if (r >= 0)
                r = pdi_jfield_check_keys(obj, parent, artifact_keys, err);
        if (r >= 0)
                r = parse_name_and_url(obj, parent, a, err);
        if (r >= 0)
                r = parse_enum(obj, parent, "role", role_names, _PDI_ROLE_MAX, &role, err);
        if (r >= 0)
                r = parse_enum(obj, parent, "format", format_names, _PDI_FORMAT_MAX, &format, err);
        if (r < 0)
                return r;
        a->role = (enum pdi_role)role;
        a->format = (enum pdi_format)format;
        r = check_previous(m, i, parent, err);
        if (r < 0)
                return r;
        if (a->format == PDI_FORMAT_BINARY && !streq(a->name, pdi_role_file(a->role)))
                return pdi_jfield_fail(err, "%s: a binary artifact of role %s must be named \"%s\"",
                                       pdi_jfield_join(path, parent, "name"),
                                       pdi_role_name(a->role), pdi_role_file(a->role));
        r = parse_mirrors(obj, parent, a, err);
        if (r >= 0)
                r = parse_sha256(obj, parent, a->sha256, err);
        if (r >= 0)
                r = parse_size(obj, parent, &a->size, err);
        if (r >= 0)
                r = parse_files(obj, parent, a, seen, err);
        return r;
}

/* Schema 1 is exactly one node and its two workers. */
static int check_roles(const struct pdi_manifest *m, struct pdi_error *err)
{
        for (size_t role = 0; role < _PDI_ROLE_MAX; role++) {
                bool found = false;
                for (size_t i = 0; i < m->n_artifacts; i++)
                        found = found || m->artifacts[i].role == role;
                if (!found)
                        return pdi_jfield_fail(
                            err,
                            "artifacts: no artifact with role %s (schema 1 needs "
                            "node, prepare-worker and execute-worker)",
                            role_names[role]);
        }
        return 0;
}

static int parse_artifacts(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *arr, *v;
        size_t i;
        _cleanup_free_ struct seen_names *seen = calloc(1, sizeof(*seen));
        if (!seen)
                return -ENOMEM;
        int r = pdi_jfield_get_array(root, "", "artifacts", true, 1, PDI_MANIFEST_MAX_ARTIFACTS,
                                     &arr, err);
        if (r < 0)
                return r;
        m->artifacts = calloc(json_array_size(arr), sizeof(*m->artifacts));
        if (!m->artifacts)
                return -ENOMEM;
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "artifacts[%zu]", i);
                m->n_artifacts++;
                r = parse_artifact(v, path, m, i, seen, err);
                if (r < 0)
                        return r;
        }
        return check_roles(m, err);
}

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
                r = dup_string(s, &m->chains[i]);
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
        return dup_string(s, ret_str);
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
                r = dup_string(product, &m->product);
        if (r >= 0)
                r = dup_string(version, &m->version);
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
        if (json_integer_value(v) != 1)
                return pdi_jfield_fail(err, "unknown schema %lld (this installer knows schema 1)",
                                       (long long)json_integer_value(v));
        m->schema = 1;
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
                r = pdi_jfield_check_keys(root, "", manifest_keys, err);
        if (r >= 0)
                r = parse_header(root, m, err);
        if (r >= 0)
                r = parse_chains(root, m, err);
        if (r >= 0)
                r = parse_artifacts(root, m, err);
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
                free(a->url);
                free_strv(a->mirrors, a->n_mirrors);
                for (size_t k = 0; k < a->n_files; k++)
                        free(a->files[k].path);
                free(a->files);
        }
        free(m->artifacts);
        free_strv(m->chains, m->n_chains);
        free(m->product);
        free(m->version);
        free(m->created_str);
        free(m->expires_str);
        free(m);
}

/* --- output --- */

/* Every string is UTF-8 (the parser checked it, or `manifest create` built it from checked
 * options), so NULL from jansson means out of memory; a part is never silently left out. */
static json_t *strv_to_json(char *const *v, size_t n)
{
        json_auto_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++)
                if (json_array_append_new(arr, json_string(v[i])) < 0)
                        return NULL;
        return TAKE_PTR(arr);
}

static json_t *file_to_json(const struct pdi_manifest_file *f)
{
        return json_pack("{s:s, s:s, s:I}", "path", f->path, "sha256", f->sha256, "size",
                         (json_int_t)f->size);
}

static json_t *files_to_json(const struct pdi_manifest_artifact *a)
{
        json_auto_t *files = json_array();
        for (size_t i = 0; files && i < a->n_files; i++)
                if (json_array_append_new(files, file_to_json(&a->files[i])) < 0)
                        return NULL;
        return TAKE_PTR(files);
}

static json_t *artifact_to_json(const struct pdi_manifest_artifact *a)
{
        json_auto_t *o = json_pack("{s:s, s:s, s:s}", "name", a->name, "role",
                                   pdi_role_name(a->role), "url", a->url);
        if (!o)
                return NULL;
        int r = 0;
        if (a->n_mirrors > 0)
                r = json_object_set_new(o, "mirrors", strv_to_json(a->mirrors, a->n_mirrors));
        if (r == 0)
                r = json_object_set_new(o, "sha256", json_string(a->sha256));
        if (r == 0)
                r = json_object_set_new(o, "size", json_integer((json_int_t)a->size));
        if (r == 0)
                r = json_object_set_new(o, "format", json_string(pdi_format_name(a->format)));
        if (r == 0 && a->format != PDI_FORMAT_BINARY)
                r = json_object_set_new(o, "files", files_to_json(a));
        return r == 0 ? TAKE_PTR(o) : NULL;
}

json_t *pdi_manifest_to_json(const struct pdi_manifest *m)
{
        json_auto_t *o =
            json_pack("{s:i, s:s, s:s, s:I, s:s, s:s}", "schema", m->schema, "product", m->product,
                      "version", m->version, "sequence", (json_int_t)m->sequence, "created",
                      m->created_str, "expires", m->expires_str);
        json_auto_t *arr = json_array();
        if (!o || !arr || pdi_manifest_names_to_json(&m->names, o) < 0)
                return NULL;
        if (m->n_chains > 0 &&
            json_object_set_new(o, "chains", strv_to_json(m->chains, m->n_chains)) < 0)
                return NULL;
        for (size_t i = 0; i < m->n_artifacts; i++)
                if (json_array_append_new(arr, artifact_to_json(&m->artifacts[i])) < 0)
                        return NULL;
        if (json_object_set(o, "artifacts", arr) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int pdi_manifest_dump(const struct pdi_manifest *m, char **ret_text)
{
        json_auto_t *o = pdi_manifest_to_json(m);
        if (!o)
                return -ENOMEM;
        _cleanup_free_ char *s = json_dumps(o, JSON_INDENT(2));
        if (!s)
                return -ENOMEM;
        size_t n = strlen(s);
        char *text = malloc(n + 2);
        if (!text)
                return -ENOMEM;
        memcpy(text, s, n);
        memcpy(text + n, "\n", 2);
        *ret_text = text;
        return 0;
}
