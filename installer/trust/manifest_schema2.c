/* SPDX-License-Identifier: Apache-2.0 */
/* Schema 2's additions to the manifest (manifests/README.md): extra worker sets, one per PVF
 * executor environment, installed in <release>/workers/<env>/; "min_installer_version"; and
 * "compatible" (architecture, libc), judged against this host before anything is fetched.
 * Part of the manifest module (manifest.c). */
#include "trust/manifest_internal.h"
#include "trust/manifest_values.h"

#include <stdio.h>
#include <sys/utsname.h>

static const char *const set_keys[] = {"executor_environment", "artifacts", NULL};
static const char *const compat_keys[] = {"architecture", "libc", NULL};
static const char *const libcs[] = {"gnu", "musl", NULL};

/* An id that is also a safe directory name: [a-z0-9][a-z0-9._-]{0,63}. */
static bool env_valid(const char *s)
{
        size_t n = strlen(s);
        return n >= 1 && n <= PDI_EXECUTOR_ENV_MAX &&
               strchr("abcdefghijklmnopqrstuvwxyz0123456789", *s) &&
               strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* uname(2) machine names: [a-z0-9_]{1,32}. */
static bool arch_valid(const char *s)
{
        size_t n = strlen(s);
        return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int parse_env(json_t *set, const char *parent, struct pdi_manifest *m, size_t k,
                     struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        const char *env;
        int r = pdi_jfield_get_string(set, parent, "executor_environment", &env, err);
        if (r < 0)
                return r;
        pdi_jfield_join(path, parent, "executor_environment");
        if (!env_valid(env))
                return pdi_jfield_fail(err,
                                       "%s: \"%.64s\" is not an executor-environment id (1 to 64 "
                                       "of a-z 0-9 . _ -, starting with a letter or digit)",
                                       path, env);
        for (size_t i = 0; i < k; i++)
                if (streq(m->sets[i].env, env))
                        return pdi_jfield_fail(err, "%s: duplicate executor environment \"%s\"",
                                               path, env);
        struct pdi_worker_set *s = &m->sets[k];
        if (pdi_manifest_dup(env, &s->env) < 0 ||
            asprintf(&s->dir, "%s/%s", PDI_WORKER_SETS_DIR, env) < 0)
                return -ENOMEM;
        return 0;
}

/* The node's set installs into the release directory itself: nothing of it may be named
 * like the directory the extra sets live in. */
static int check_no_clash(const struct pdi_manifest *m, struct pdi_error *err)
{
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                bool clash = a->set == 0 && a->format == PDI_FORMAT_BINARY &&
                             streq(a->name, PDI_WORKER_SETS_DIR);
                for (size_t f = 0; a->set == 0 && f < a->n_files; f++)
                        clash = clash || streq(a->files[f].path, PDI_WORKER_SETS_DIR);
                if (clash)
                        return pdi_jfield_fail(err,
                                               "artifacts[%zu]: installs a file named \"%s\", the "
                                               "directory of the worker sets",
                                               i, PDI_WORKER_SETS_DIR);
        }
        return 0;
}

static const char *file_of(const char *url)
{
        const char *s = strrchr(url, '/');
        return s ? s + 1 : url;
}

/* A release folder (install --from DIR) holds each artifact under the last segment of its
 * url, so with extra sets those must differ: the sets' workers have the same names as the
 * node's own. */
static int check_sources(const struct pdi_manifest *m, struct pdi_error *err)
{
        for (size_t i = 0; i < m->n_artifacts; i++)
                for (size_t k = 0; k < i; k++)
                        if (streq(file_of(m->artifacts[i].url), file_of(m->artifacts[k].url)))
                                return pdi_jfield_fail(
                                    err,
                                    "%s: url's file name \"%.64s\" is also %s's (a release "
                                    "folder holds each artifact under its file name)",
                                    pdi_artifact_path(&m->artifacts[i]),
                                    file_of(m->artifacts[i].url),
                                    pdi_artifact_path(&m->artifacts[k]));
        return 0;
}

static int parse_sets(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        char path[PDI_JFIELD_PATH_MAX];
        json_t *arr, *v;
        size_t i;
        int r = pdi_jfield_get_array(root, "", "worker_sets", false, 1, PDI_MANIFEST_MAX_SETS, &arr,
                                     err);
        if (r < 0 || !arr)
                return r;
        m->sets = calloc(json_array_size(arr), sizeof(*m->sets));
        if (!m->sets)
                return -ENOMEM;
        json_array_foreach(arr, i, v)
        {
                pdi_jfield_pathf(path, "worker_sets[%zu]", i);
                r = pdi_jfield_want_type(v, JSON_OBJECT, path, err);
                if (r >= 0)
                        r = pdi_jfield_check_keys(v, path, set_keys, err);
                m->n_sets += r >= 0;
                if (r >= 0)
                        r = parse_env(v, path, m, i, err);
                if (r >= 0)
                        r = pdi_manifest_parse_set_artifacts(v, path, m, i + 1, err);
                if (r < 0)
                        return r;
        }
        r = check_no_clash(m, err);
        return r < 0 ? r : check_sources(m, err);
}

static int parse_min_version(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        json_t *v;
        int r =
            pdi_jfield_get_field(root, "", "min_installer_version", JSON_STRING, false, &v, err);
        if (r < 0 || !v)
                return r;
        const char *s = json_string_value(v);
        if (!pdi_version_valid(s))
                return pdi_jfield_fail(err,
                                       "min_installer_version: \"%.64s\" is not a plain version "
                                       "(MAJOR.MINOR.PATCH)",
                                       s);
        return pdi_manifest_dup(s, &m->min_installer_version);
}

static int parse_compat(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        json_t *o, *lv;
        const char *arch;
        int r = pdi_jfield_get_field(root, "", "compatible", JSON_OBJECT, false, &o, err);
        if (r < 0 || !o)
                return r;
        r = pdi_jfield_check_keys(o, "compatible", compat_keys, err);
        if (r >= 0)
                r = pdi_jfield_get_string(o, "compatible", "architecture", &arch, err);
        if (r < 0)
                return r;
        if (!arch_valid(arch))
                return pdi_jfield_fail(err,
                                       "compatible.architecture: \"%.64s\" is not a machine name "
                                       "as uname -m prints it (x86_64, aarch64)",
                                       arch);
        r = pdi_jfield_get_field(o, "compatible", "libc", JSON_STRING, false, &lv, err);
        if (r < 0)
                return r;
        if (lv && pdi_manifest_lookup(libcs, 2, json_string_value(lv)) < 0)
                return pdi_jfield_fail(err, "compatible.libc: \"%.64s\" is not gnu or musl",
                                       json_string_value(lv));
        r = pdi_manifest_dup(arch, &m->compat_arch);
        return r < 0 || !lv ? r : pdi_manifest_dup(json_string_value(lv), &m->compat_libc);
}

int pdi_manifest_parse_schema2(json_t *root, struct pdi_manifest *m, struct pdi_error *err)
{
        int r = parse_min_version(root, m, err);
        if (r >= 0)
                r = parse_compat(root, m, err);
        if (r >= 0)
                r = parse_sets(root, m, err);
        return r;
}

void pdi_manifest_schema2_free(struct pdi_manifest *m)
{
        for (size_t i = 0; i < m->n_sets; i++) {
                free(m->sets[i].env);
                free(m->sets[i].dir);
        }
        free(m->sets);
        free(m->min_installer_version);
        free(m->compat_arch);
        free(m->compat_libc);
}

/* --- judging the host ---------------------------------------------------------------------- */

/* MAJOR.MINOR.PATCH compared as numbers; a -prerelease is older than its release. */
static int version_cmp(const char *a, const char *b)
{
        unsigned long x[3] = {0}, y[3] = {0};
        int na = sscanf(a, "%lu.%lu.%lu", &x[0], &x[1], &x[2]);
        int nb = sscanf(b, "%lu.%lu.%lu", &y[0], &y[1], &y[2]);
        for (size_t i = 0; i < 3; i++)
                if (x[i] != y[i])
                        return x[i] < y[i] ? -1 : 1;
        if (na != nb)
                return na < nb ? -1 : 1;
        bool pa = strchr(a, '-') != NULL, pb = strchr(b, '-') != NULL;
        return pa == pb ? 0 : pa ? -1 : 1;
}

void pdi_machine_facts_self(struct pdi_machine_facts *ret)
{
        static struct utsname u;
        if (!u.machine[0] && uname(&u) < 0)
                snprintf(u.machine, sizeof(u.machine), "unknown");
#ifdef __GLIBC__
        const char *libc = "gnu";
#else
        const char *libc = "musl";
#endif
        *ret = (struct pdi_machine_facts){
            .installer_version = PDI_VERSION, .arch = u.machine, .libc = libc};
}

int pdi_manifest_check_host(const struct pdi_manifest *m, const struct pdi_machine_facts *h,
                            struct pdi_error *err)
{
        if (m->min_installer_version &&
            version_cmp(h->installer_version, m->min_installer_version) < 0)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "min_installer_version: needs polkadot-installer %s or newer, "
                                     "this is %s",
                                     m->min_installer_version, h->installer_version);
        if (m->compat_arch && !streq(m->compat_arch, h->arch))
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "compatible: built for %s, this machine is %s", m->compat_arch,
                                     h->arch);
        if (m->compat_libc && !streq(m->compat_libc, h->libc))
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "compatible: built for libc %s, this machine's is %s",
                                     m->compat_libc, h->libc);
        return 0;
}

/* --- output -------------------------------------------------------------------------------- */

static json_t *set_to_json(const struct pdi_manifest *m, size_t k,
                           json_t *(*artifact_to_json)(const struct pdi_manifest_artifact *))
{
        json_auto_t *arr = json_array();
        for (size_t i = 0; arr && i < m->n_artifacts; i++)
                if (m->artifacts[i].set == k + 1 &&
                    json_array_append_new(arr, artifact_to_json(&m->artifacts[i])) < 0)
                        return NULL;
        return arr ? json_pack("{s:s, s:O}", "executor_environment", m->sets[k].env, "artifacts",
                               arr)
                   : NULL;
}

int pdi_manifest_schema2_to_json(const struct pdi_manifest *m, json_t *o,
                                 json_t *(*artifact_to_json)(const struct pdi_manifest_artifact *))
{
        int r = 0;
        if (m->min_installer_version)
                r = json_object_set_new(o, "min_installer_version",
                                        json_string(m->min_installer_version));
        if (r == 0 && m->compat_arch) {
                json_t *c = json_pack("{s:s}", "architecture", m->compat_arch);
                if (c && m->compat_libc)
                        json_object_set_new(c, "libc", json_string(m->compat_libc));
                r = json_object_set_new(o, "compatible", c);
        }
        json_auto_t *sets = m->n_sets ? json_array() : NULL;
        for (size_t k = 0; r == 0 && k < m->n_sets; k++)
                r = sets ? json_array_append_new(sets, set_to_json(m, k, artifact_to_json)) : -1;
        if (r == 0 && sets)
                r = json_object_set(o, "worker_sets", sets);
        return r < 0 ? -1 : 0;
}
