/* SPDX-License-Identifier: Apache-2.0 */
#include "release/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pdi_state_load(const struct pdi_root *r, struct pdi_state *ret, struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int k = pdi_root_read_file(r, PDI_STATE_FILE, PDI_STATE_MAX_BYTES, &text, &len);
        if (k == -ENOENT) {
                ret->root = json_pack("{s:i, s:{}}", "schema", 1, "products");
                return ret->root ? 0 : -ENOMEM;
        }
        if (k < 0)
                return pdi_error_set(err, k, "state %s: %s", PDI_STATE_FILE, pdi_read_strerror(k));
        json_error_t je;
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!j || !json_is_object(j) || json_integer_value(json_object_get(j, "schema")) != 1 ||
            !json_is_object(json_object_get(j, "products"))) {
                json_decref(j);
                return pdi_error_set(err, -PDI_E_FAILED,
                                     "state %s: damaged (%s); restore it from a backup, it holds "
                                     "the highest accepted release sequence",
                                     PDI_STATE_FILE, j ? "unexpected structure" : je.text);
        }
        ret->root = j;
        return 0;
}

/* The state file holds exactly `text` already, ours and 0600: then a run that changed
 * nothing leaves it alone, mtime included (an Ansible run reporting changed=false). */
static bool state_file_holds(const struct pdi_root *r, const char *text, size_t len)
{
        _cleanup_close_ int fd = pdi_root_open_regular(r, PDI_STATE_FILE, O_NOFOLLOW);
        _cleanup_free_ char *old = NULL;
        size_t old_len;
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & 07777) != 0600 ||
            st.st_uid != geteuid() || pdi_read_fd(fd, PDI_STATE_MAX_BYTES, &old, &old_len) < 0)
                return false;
        return old_len == len && memcmp(old, text, len) == 0;
}

int pdi_state_save(const struct pdi_root *r, const struct pdi_state *s, struct pdi_error *err)
{
        int k = pdi_root_mkdir_p(r, PDI_STATE_DIR, 0700);
        if (k < 0)
                return pdi_error_set(err, k, "state %s: %s", PDI_STATE_DIR, strerror(-k));
        _cleanup_free_ char *text = json_dumps(s->root, JSON_INDENT(2) | JSON_SORT_KEYS);
        _cleanup_free_ char *line = NULL;
        if (!text || asprintf(&line, "%s\n", text) < 0)
                return -ENOMEM;
        if (state_file_holds(r, line, strlen(line)))
                return 0;
        k = pdi_root_write_atomic(r, PDI_STATE_FILE, line, strlen(line), 0600);
        if (k < 0)
                return pdi_error_set(err, k, "state %s: cannot write: %s", PDI_STATE_FILE,
                                     strerror(-k));
        return 0;
}

void pdi_state_done(struct pdi_state *s)
{
        json_decref(s->root);
        s->root = NULL;
}

static json_t *product_entry(const struct pdi_state *s, const char *product)
{
        return json_object_get(json_object_get(s->root, "products"), product);
}

uint64_t pdi_state_highest_sequence(const struct pdi_state *s, const char *product,
                                    const char **ret_manifest_sha256)
{
        json_t *p = product_entry(s, product);
        if (ret_manifest_sha256)
                *ret_manifest_sha256 = json_string_value(json_object_get(p, "manifest_sha256"));
        json_int_t v = json_integer_value(json_object_get(p, "highest_sequence"));
        return v > 0 ? (uint64_t)v : 0;
}

int pdi_state_check_sequence(const struct pdi_state *s, const struct pdi_manifest *m,
                             const char *manifest_sha256, bool allow_downgrade,
                             struct pdi_error *err)
{
        const char *seen_sha = NULL;
        uint64_t highest = pdi_state_highest_sequence(s, m->product, &seen_sha);
        if (allow_downgrade || m->sequence > highest)
                return 0;
        if (m->sequence < highest)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest sequence %llu is lower than the highest accepted "
                                     "sequence %llu for %s (an old release replayed?); "
                                     "--allow-downgrade overrides this on purpose",
                                     (unsigned long long)m->sequence, (unsigned long long)highest,
                                     m->product);
        if (seen_sha && !streq(seen_sha, manifest_sha256))
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest sequence %llu was already accepted for %s with "
                                     "different content (sha256 %.16s…, now %.16s…)",
                                     (unsigned long long)m->sequence, m->product, seen_sha,
                                     manifest_sha256);
        return 0;
}

int pdi_state_accept(struct pdi_state *s, const struct pdi_manifest *m, const char *manifest_sha256)
{
        if (m->sequence <= pdi_state_highest_sequence(s, m->product, NULL))
                return 0;
        json_t *products = json_object_get(s->root, "products");
        json_t *p = json_pack("{s:I, s:s, s:s}", "highest_sequence", (json_int_t)m->sequence,
                              "manifest_sha256", manifest_sha256, "version", m->version);
        if (!p || json_object_set_new(products, m->product, p) < 0)
                return -ENOMEM;
        return 0;
}

static json_t *instance_entry(const struct pdi_state *s, const char *instance, bool create)
{
        json_t *all = json_object_get(s->root, "instances");
        if (!all && create) {
                all = json_object();
                if (!all || json_object_set_new(s->root, "instances", all) < 0)
                        return NULL;
        }
        json_t *i = json_object_get(all, instance);
        if (!i && create) {
                i = json_pack("{s:{}, s:[]}", "releases", "history");
                if (!i || json_object_set_new(all, instance, i) < 0)
                        return NULL;
        }
        return i;
}

const char *pdi_state_current(const struct pdi_state *s, const char *instance)
{
        return json_string_value(json_object_get(instance_entry(s, instance, false), "current"));
}

const char *pdi_state_previous(const struct pdi_state *s, const char *instance)
{
        return json_string_value(json_object_get(instance_entry(s, instance, false), "previous"));
}

json_t *pdi_state_release(const struct pdi_state *s, const char *instance, const char *version)
{
        return json_object_get(json_object_get(instance_entry(s, instance, false), "releases"),
                               version);
}

void pdi_state_now(char buf[32])
{
        time_t now = time(NULL);
        struct tm tm;
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

static int append_file(json_t *files, const char *path, const char *sha256, uint64_t size)
{
        return json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "path", path, "sha256",
                                                      sha256, "size", (json_int_t)size));
}

int pdi_state_record_release(struct pdi_state *s, const char *instance,
                             const struct pdi_manifest *m, const char *manifest_sha256)
{
        json_t *inst = instance_entry(s, instance, true);
        json_t *files = json_array();
        char now[32];
        pdi_state_now(now);
        if (!inst || !files)
                return -ENOMEM;
        /* The same signed manifest again (a repair, a rerun) is no new install: its time stays. */
        json_t *old = json_object_get(json_object_get(inst, "releases"), m->version);
        const char *at = json_string_value(json_object_get(old, "installed_at"));
        if (at &&
            streq(json_string_value(json_object_get(old, "manifest_sha256")), manifest_sha256))
                snprintf(now, sizeof(now), "%s", at);
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                if (a->format == PDI_FORMAT_BINARY)
                        append_file(files, a->name, a->sha256, a->size);
                for (size_t k = 0; k < a->n_files; k++)
                        append_file(files, a->files[k].path, a->files[k].sha256, a->files[k].size);
        }
        json_t *rec = json_pack("{s:s, s:I, s:s, s:s, s:o}", "product", m->product, "sequence",
                                (json_int_t)m->sequence, "manifest_sha256", manifest_sha256,
                                "installed_at", now, "files", files);
        if (rec && pdi_manifest_names_to_json(&m->names, rec) < 0)
                json_decref(TAKE_PTR(rec));
        if (!rec || json_object_set_new(json_object_get(inst, "releases"), m->version, rec) < 0)
                return -ENOMEM;
        return pdi_state_raise_floor(s, instance, m, manifest_sha256);
}

/* The highest of the sequences seen, and whether a manifest with sha256 `want` was accepted
 * at it (two products may have accepted the same number before there was one floor). */
struct floor_scan {
        uint64_t sequence;
        const char *want;
        bool match;
};

static void scan_one(struct floor_scan *f, json_t *entry, const char *seq_key)
{
        json_int_t v = json_integer_value(json_object_get(entry, seq_key));
        const char *sha = json_string_value(json_object_get(entry, "manifest_sha256"));
        if (v <= 0)
                return;
        if ((uint64_t)v > f->sequence) {
                f->sequence = (uint64_t)v;
                f->match = false;
        }
        if ((uint64_t)v == f->sequence && streq(sha, f->want))
                f->match = true;
}

static void scan_floor(const struct pdi_state *s, const char *instance, struct floor_scan *f)
{
        json_t *inst = instance_entry(s, instance, false);
        scan_one(f, json_object_get(inst, "floor"), "sequence");
        const char *version;
        json_t *rec;
        json_object_foreach(json_object_get(inst, "releases"), version, rec)
        {
                scan_one(f, rec, "sequence");
                const char *product = json_string_value(json_object_get(rec, "product"));
                if (product)
                        scan_one(f, product_entry(s, product), "highest_sequence");
        }
}

uint64_t pdi_state_floor(const struct pdi_state *s, const char *instance)
{
        struct floor_scan f = {0};
        scan_floor(s, instance, &f);
        return f.sequence;
}

int pdi_state_raise_floor(struct pdi_state *s, const char *instance, const struct pdi_manifest *m,
                          const char *manifest_sha256)
{
        json_t *inst = instance_entry(s, instance, true);
        if (!inst)
                return -ENOMEM;
        json_int_t had =
            json_integer_value(json_object_get(json_object_get(inst, "floor"), "sequence"));
        if (had > 0 && m->sequence <= (uint64_t)had)
                return 0;
        json_t *f = json_pack("{s:I, s:s, s:s, s:s}", "sequence", (json_int_t)m->sequence,
                              "manifest_sha256", manifest_sha256, "product", m->product, "version",
                              m->version);
        return f && json_object_set_new(inst, "floor", f) == 0 ? 0 : -ENOMEM;
}

int pdi_state_check_floor(const struct pdi_state *s, const char *instance,
                          const struct pdi_manifest *m, const char *manifest_sha256,
                          bool allow_downgrade, struct pdi_error *err)
{
        struct floor_scan f = {.want = manifest_sha256};
        scan_floor(s, instance, &f);
        if (allow_downgrade || m->sequence > f.sequence)
                return 0;
        if (m->sequence < f.sequence)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest sequence %llu is lower than the highest sequence "
                                     "%llu accepted on this install (whatever the product; an "
                                     "old release replayed?); --allow-downgrade overrides this "
                                     "on purpose",
                                     (unsigned long long)m->sequence,
                                     (unsigned long long)f.sequence);
        if (!f.match)
                return pdi_error_set(err, -PDI_E_POLICY,
                                     "manifest sequence %llu was already accepted on this "
                                     "install with different content",
                                     (unsigned long long)m->sequence);
        return 0;
}

const char *pdi_state_product(const struct pdi_state *s, const char *instance, const char *version)
{
        if (!version)
                return NULL;
        return json_string_value(
            json_object_get(pdi_state_release(s, instance, version), "product"));
}

int pdi_state_check_product(const struct pdi_state *s, const char *instance, const char *version,
                            const struct pdi_manifest *m, bool allow_change, struct pdi_error *err)
{
        const char *installed = version ? pdi_state_product(s, instance, version) : NULL;
        if (!installed || streq(installed, m->product) || allow_change)
                return 0;
        return pdi_error_set(err, -PDI_E_POLICY,
                             "it is for product %s but the installed release %s is %s; "
                             "--allow-product-change replaces one product by another on purpose",
                             m->product, version, installed);
}

void pdi_state_forget_release(struct pdi_state *s, const char *instance, const char *version)
{
        json_object_del(json_object_get(instance_entry(s, instance, false), "releases"), version);
}

int pdi_state_set_current(struct pdi_state *s, const char *instance, const char *version)
{
        json_t *inst = instance_entry(s, instance, true);
        if (!inst)
                return -ENOMEM;
        const char *old = json_string_value(json_object_get(inst, "current"));
        if (old && !streq(old, version) &&
            json_object_set_new(inst, "previous", json_string(old)) < 0)
                return -ENOMEM;
        return json_object_set_new(inst, "current", json_string(version)) < 0 ? -ENOMEM : 0;
}

int pdi_state_follow_tree(struct pdi_state *s, const char *instance, const char *tree)
{
        const char *cur = pdi_state_current(s, instance);
        if (!tree || streq(cur, tree))
                return 0;
        /* A copy: set_current frees the string the state holds. */
        _cleanup_free_ char *was = cur ? strdup(cur) : NULL;
        if (cur && !was)
                return -ENOMEM;
        int k = pdi_state_set_current(s, instance, tree);
        if (k == 0)
                k = pdi_state_history_add(s, instance, "recover", was, tree, "ok",
                                          "state follows tree");
        return k < 0 ? k : 1;
}

int pdi_state_set_previous(struct pdi_state *s, const char *instance, const char *version)
{
        json_t *inst = instance_entry(s, instance, true);
        if (!inst)
                return -ENOMEM;
        if (!version) {
                json_object_del(inst, "previous");
                return 0;
        }
        return json_object_set_new(inst, "previous", json_string(version)) < 0 ? -ENOMEM : 0;
}

#define PDI_STATE_HISTORY_MAX 200

int pdi_state_history_add(struct pdi_state *s, const char *instance, const char *action,
                          const char *from, const char *to, const char *outcome, const char *detail)
{
        json_t *inst = instance_entry(s, instance, true);
        json_t *h = json_object_get(inst, "history");
        char now[32];
        pdi_state_now(now);
        json_t *e = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?}", "time", now, "action", action,
                              "from", from, "to", to, "outcome", outcome, "detail", detail);
        if (!h || !e || json_array_append_new(h, e) < 0)
                return -ENOMEM;
        while (json_array_size(h) > PDI_STATE_HISTORY_MAX)
                json_array_remove(h, 0);
        return 0;
}

const char *pdi_state_rendered(const struct pdi_state *s, const char *path)
{
        return json_string_value(json_object_get(json_object_get(s->root, "rendered"), path));
}

int pdi_state_set_rendered(struct pdi_state *s, const char *path, const char *sha256)
{
        json_t *r = json_object_get(s->root, "rendered");
        if (!r) {
                r = json_object();
                if (!r || json_object_set_new(s->root, "rendered", r) < 0)
                        return -ENOMEM;
        }
        if (!sha256) {
                json_object_del(r, path);
                return 0;
        }
        return json_object_set_new(r, path, json_string(sha256)) < 0 ? -ENOMEM : 0;
}

int pdi_state_set_pending(struct pdi_state *s, const char *instance, const char *action,
                          const char *from, const char *to, const char *previous, const char *phase)
{
        json_t *inst = instance_entry(s, instance, true);
        char now[32];
        pdi_state_now(now);
        json_t *e = json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:s}", "action", action, "from", from,
                              "to", to, "previous", previous, "phase", phase, "since", now);
        return inst && e && json_object_set_new(inst, "pending", e) == 0 ? 0 : -ENOMEM;
}

void pdi_state_clear_pending(struct pdi_state *s, const char *instance)
{
        json_object_del(instance_entry(s, instance, false), "pending");
}

json_t *pdi_state_pending(const struct pdi_state *s, const char *instance)
{
        json_t *p = json_object_get(instance_entry(s, instance, false), "pending");
        return json_is_string(json_object_get(p, "action")) &&
                       json_is_string(json_object_get(p, "to")) &&
                       json_is_string(json_object_get(p, "phase"))
                   ? p
                   : NULL;
}

json_t *pdi_state_failure(const struct pdi_state *s, const char *instance, const char *version)
{
        return json_object_get(json_object_get(instance_entry(s, instance, false), "failed"),
                               version);
}

void pdi_state_clear_failure(struct pdi_state *s, const char *instance, const char *version)
{
        json_object_del(json_object_get(instance_entry(s, instance, false), "failed"), version);
}

int pdi_state_record_failure(struct pdi_state *s, const char *instance, const char *version,
                             const char *reason)
{
        json_t *inst = instance_entry(s, instance, true);
        json_t *failed = json_object_get(inst, "failed");
        char now[32];
        pdi_state_now(now);
        if (!failed) {
                failed = json_object();
                if (!failed || json_object_set_new(inst, "failed", failed) < 0)
                        return -ENOMEM;
        }
        json_t *e = json_pack("{s:s, s:s}", "time", now, "reason", reason);
        return e && json_object_set_new(failed, version, e) == 0 ? 0 : -ENOMEM;
}
