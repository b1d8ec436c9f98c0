/* SPDX-License-Identifier: Apache-2.0 */
/* The manifest as JSON: for verify --json and status, and the canonical serialisation of
 * `manifest create`. Part of the manifest module (manifest.c). */
#include "trust/manifest_internal.h"

#include <errno.h>

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
                if (m->artifacts[i].set == 0 &&
                    json_array_append_new(arr, artifact_to_json(&m->artifacts[i])) < 0)
                        return NULL;
        if (json_object_set(o, "artifacts", arr) < 0)
                return NULL;
        if (m->schema == 2 && pdi_manifest_schema2_to_json(m, o, artifact_to_json) < 0)
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
