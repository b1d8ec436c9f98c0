/* SPDX-License-Identifier: Apache-2.0 */
/* The manifest's artifacts: each one's name, role, URL and mirrors, hash, size, format and
 * (for an archive) its files, and the rules across them (unique names and roles, every role
 * present). Part of the manifest module (manifest.c). */
#include "trust/manifest_internal.h"
#include "base/encoding.h"
#include "trust/manifest_values.h"

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
        return r < 0 ? r : pdi_manifest_dup(name, &f->path);
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
        int i = pdi_manifest_lookup(table, n, s);
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
                        r = pdi_manifest_dup(json_string_value(v), &a->mirrors[i]);
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
        r = pdi_manifest_dup(name, &a->name);
        if (r >= 0)
                r = pdi_jfield_get_string(obj, parent, "url", &url, err);
        if (r >= 0)
                r = check_url(url, pdi_jfield_join(path, parent, "url"), err);
        if (r >= 0)
                r = pdi_manifest_dup(url, &a->url);
        return r;
}

/* Artifact names and roles are unique in a list: compare with the artifacts of the list
 * parsed before this one (from l->from on). */
struct list {
        const char *name; /* "artifacts", "worker_sets[0].artifacts" */
        size_t from;      /* its first index in m->artifacts */
        size_t set;       /* 0: the node's set; k: sets[k - 1] */
};

static int check_previous(const struct pdi_manifest *m, const struct list *l, size_t i,
                          const char *parent, struct pdi_error *err)
{
        const struct pdi_manifest_artifact *a = &m->artifacts[i];
        for (size_t k = l->from; k < i; k++) {
                if (streq(m->artifacts[k].name, a->name))
                        return pdi_jfield_fail(err, "%s.name: duplicate name \"%s\" (also %s[%zu])",
                                               parent, a->name, l->name, k - l->from);
                if (m->artifacts[k].role == a->role)
                        return pdi_jfield_fail(err,
                                               "%s.role: role %s appears twice (also %s[%zu]); "
                                               "%s needs exactly one",
                                               parent, pdi_role_name(a->role), l->name, k - l->from,
                                               l->set ? "a worker set" : "schema 1");
        }
        return 0;
}

/* A worker set's two workers are plain binaries in their own directory. */
static int check_set_member(const struct pdi_manifest_artifact *a, const char *parent,
                            struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        if (a->role == PDI_ROLE_NODE)
                return pdi_jfield_fail(err, "%s: a worker set holds workers, not a node",
                                       pdi_jfield_join(path, parent, "role"));
        if (a->format != PDI_FORMAT_BINARY)
                return pdi_jfield_fail(err, "%s: a worker set's workers are binary artifacts",
                                       pdi_jfield_join(path, parent, "format"));
        return 0;
}

static int parse_roles(json_t *obj, const char *parent, struct pdi_manifest_artifact *a,
                       struct pdi_error *err)
{
        int role = 0, format = 0;
        int r = parse_enum(obj, parent, "role", role_names, _PDI_ROLE_MAX, &role, err);
        if (r >= 0)
                r = parse_enum(obj, parent, "format", format_names, _PDI_FORMAT_MAX, &format, err);
        a->role = (enum pdi_role)role;
        a->format = (enum pdi_format)format;
        return r;
}

static int parse_artifact(json_t *obj, const char *parent, struct pdi_manifest *m,
                          const struct list *l, size_t i, struct seen_names *seen,
                          struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        struct pdi_manifest_artifact *a = &m->artifacts[i];
        a->set = l->set;
        int r = pdi_jfield_want_type(obj, JSON_OBJECT, parent, err);
        if (r >= 0)
                r = pdi_jfield_check_keys(obj, parent, artifact_keys, err);
        if (r >= 0)
                r = parse_name_and_url(obj, parent, a, err);
        if (r >= 0)
                r = parse_roles(obj, parent, a, err);
        if (r >= 0)
                r = check_previous(m, l, i, parent, err);
        if (r >= 0 && l->set)
                r = check_set_member(a, parent, err);
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
        if (r >= 0 && l->set && asprintf(&a->path, "%s/%s", m->sets[l->set - 1].dir, a->name) < 0)
                r = -ENOMEM;
        return r;
}

/* The node's set is exactly one node and its two workers (schema 1's rule); an extra worker
 * set is exactly the two workers. */
static int check_roles(const struct pdi_manifest *m, const struct list *l, struct pdi_error *err)
{
        for (size_t role = l->set ? PDI_ROLE_PREPARE_WORKER : 0; role < _PDI_ROLE_MAX; role++) {
                bool found = false;
                for (size_t i = l->from; i < m->n_artifacts; i++)
                        found = found || m->artifacts[i].role == role;
                if (!found && !l->set)
                        return pdi_jfield_fail(err,
                                               "artifacts: no artifact with role %s (schema 1 "
                                               "needs node, prepare-worker and execute-worker)",
                                               role_names[role]);
                if (!found)
                        return pdi_jfield_fail(err,
                                               "%s: no artifact with role %s (a worker set "
                                               "needs prepare-worker and execute-worker)",
                                               l->name, role_names[role]);
        }
        return 0;
}

/* The array arr appended to m->artifacts as list l. */
static int parse_list(json_t *arr, struct pdi_manifest *m, const struct list *l,
                      struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *v;
        size_t i;
        _cleanup_free_ struct seen_names *seen = calloc(1, sizeof(*seen));
        struct pdi_manifest_artifact *grown =
            seen ? realloc(m->artifacts, (l->from + json_array_size(arr)) * sizeof(*grown)) : NULL;
        if (!grown)
                return -ENOMEM;
        m->artifacts = grown;
        memset(grown + l->from, 0, json_array_size(arr) * sizeof(*grown));
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "%s[%zu]", l->name, i);
                m->n_artifacts++;
                int r = parse_artifact(v, path, m, l, l->from + i, seen, err);
                if (r < 0)
                        return r;
        }
        return check_roles(m, l, err);
}

int pdi_manifest_parse_artifacts(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        json_t *arr;
        int r = pdi_jfield_get_array(root, "", "artifacts", true, 1, PDI_MANIFEST_MAX_ARTIFACTS,
                                     &arr, err);
        struct list l = {.name = "artifacts", .from = 0, .set = 0};
        return r < 0 ? r : parse_list(arr, m, &l, err);
}

int pdi_manifest_parse_set_artifacts(json_t *set, const char *parent, struct pdi_manifest *m,
                                     size_t k, struct pdi_error *err)
{
        char name[PDI_JFIELD_PATH_MAX];
        json_t *arr;
        int r = pdi_jfield_get_array(set, parent, "artifacts", true, 2, 2, &arr, err);
        struct list l = {
            .name = pdi_jfield_join(name, parent, "artifacts"), .from = m->n_artifacts, .set = k};
        return r < 0 ? r : parse_list(arr, m, &l, err);
}

const char *pdi_artifact_path(const struct pdi_manifest_artifact *a)
{
        return a->path ? a->path : a->name;
}
