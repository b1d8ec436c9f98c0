/* SPDX-License-Identifier: Apache-2.0 */
#include "trust/jfield.h"
#include "base/encoding.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pdi_jfield_fail(struct pdi_error *err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = pdi_error_setv(err, -PDI_E_MANIFEST, fmt, ap);
        va_end(ap);
        /* The message quotes the signer's strings: a control byte or a stray UTF-8 sequence in
         * them is shown as \xNN, so the error stays one line and nothing reaches a terminal
         * raw. */
        if (err && pdi_needs_escape(err->msg, PDI_ESC_CONTROLS)) {
                char shown[sizeof(err->msg)];
                pdi_escape_into(shown, sizeof(shown), err->msg, PDI_ESC_CONTROLS);
                memcpy(err->msg, shown, sizeof(shown));
        }
        return r;
}

/* "artifacts[2]" + "sha256" → "artifacts[2].sha256"; the top level has the empty path. */
const char *pdi_jfield_pathf(char out[PDI_JFIELD_PATH_MAX], const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out, PDI_JFIELD_PATH_MAX, fmt, ap);
        va_end(ap);
        return out;
}

const char *pdi_jfield_join(char out[PDI_JFIELD_PATH_MAX], const char *parent, const char *key)
{
        return pdi_jfield_pathf(out, "%s%s%s", parent, parent[0] ? "." : "", key);
}

static const char *const type_names[] = {
    [JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array",     [JSON_STRING] = "a string",
    [JSON_INTEGER] = "an integer", [JSON_REAL] = "a real number", [JSON_TRUE] = "a boolean",
    [JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
};

const char *pdi_jfield_type_name(const json_t *v)
{
        return type_names[json_typeof(v)];
}

int pdi_jfield_want_type(const json_t *v, json_type type, const char *path, struct pdi_error *err)
{
        if (json_typeof(v) == type)
                return 0;
        return pdi_jfield_fail(err, "%s: expected %s, got %s", path[0] ? path : "manifest",
                               type_names[type], type_names[json_typeof(v)]);
}

int pdi_jfield_check_keys(json_t *obj, const char *path, const char *const *allowed,
                          struct pdi_error *err)
{
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v)
        {
                bool ok = false;
                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = streq(allowed[i], key);
                if (!ok)
                        return pdi_jfield_fail(err, "%s%sunknown key \"%.64s\"", path,
                                               path[0] ? ": " : "", key);
        }
        return 0;
}

/* Fetch obj[key] of the given type. A missing optional field gives *ret = NULL. */
int pdi_jfield_get_field(json_t *obj, const char *parent, const char *key, json_type type,
                         bool required, json_t **ret, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *v = json_object_get(obj, key);
        *ret = v;
        if (!v)
                return required
                           ? pdi_jfield_fail(err, "%s: missing", pdi_jfield_join(path, parent, key))
                           : 0;
        return pdi_jfield_want_type(v, type, pdi_jfield_join(path, parent, key), err);
}

int pdi_jfield_get_string(json_t *obj, const char *parent, const char *key, const char **ret,
                          struct pdi_error *err)
{
        json_t *v;
        int r = pdi_jfield_get_field(obj, parent, key, JSON_STRING, true, &v, err);
        if (r < 0)
                return r;
        *ret = json_string_value(v);
        return 0;
}

int pdi_jfield_get_uint(json_t *obj, const char *parent, const char *key, uint64_t min,
                        uint64_t max, const char *what, uint64_t *ret, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *v;
        int r = pdi_jfield_get_field(obj, parent, key, JSON_INTEGER, true, &v, err);
        if (r < 0)
                return r;
        json_int_t i = json_integer_value(v);
        if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
                return pdi_jfield_fail(err, "%s: %lld is %s", pdi_jfield_join(path, parent, key),
                                       (long long)i, what);
        *ret = (uint64_t)i;
        return 0;
}

int pdi_jfield_get_array(json_t *obj, const char *parent, const char *key, bool required,
                         size_t min, size_t max, json_t **ret, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        int r = pdi_jfield_get_field(obj, parent, key, JSON_ARRAY, required, ret, err);
        if (r < 0 || !*ret)
                return r;
        size_t n = json_array_size(*ret);
        if (n < min || n > max)
                return pdi_jfield_fail(err, "%s: has %zu entries, must have %zu to %zu",
                                       pdi_jfield_join(path, parent, key), n, min, max);
        return 0;
}
