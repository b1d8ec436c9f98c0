/* SPDX-License-Identifier: Apache-2.0 */
#include "base/diff.h"

#include <errno.h>
#include <stdint.h>

/* The files rendered are small (a unit is a few KiB); a pair beyond this many line pairs is
 * shown as all of one replaced by all of the other rather than searched for common lines. */
#define DIFF_MAX_CELLS (4u * 1024 * 1024)
#define DIFF_CONTEXT 3
#define DIFF_FILE_MAX (1024 * 1024)

void pdi_diff_done(struct pdi_diff *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->files[i].path);
                free(d->files[i].shown);
                free(d->files[i].before);
                free(d->files[i].after);
        }
        free(d->files);
        *d = (struct pdi_diff){0};
}

static char *read_or_null(const struct pdi_root *r, const char *path)
{
        char *text = NULL;
        size_t len = 0;
        if (pdi_root_read_file(r, path, DIFF_FILE_MAX, &text, &len) < 0)
                return NULL;
        return text;
}

struct pdi_diff_file *pdi_diff_track(struct pdi_diff *d, const struct pdi_root *r, const char *path)
{
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->files[i].path, path))
                        return &d->files[i];
        struct pdi_diff_file *v = realloc(d->files, (d->n + 1) * sizeof(*v));
        if (!v)
                return NULL;
        d->files = v;
        struct pdi_diff_file *f = &v[d->n];
        *f = (struct pdi_diff_file){.path = strdup(path), .shown = pdi_root_display(r, path)};
        if (!f->path || !f->shown) {
                free(f->path);
                free(f->shown);
                return NULL;
        }
        f->before = read_or_null(r, path);
        d->n++;
        return f;
}

int pdi_diff_set_after(struct pdi_diff *d, const struct pdi_root *r, const char *path,
                       const char *text)
{
        struct pdi_diff_file *f = pdi_diff_track(d, r, path);
        char *copy = text ? strdup(text) : NULL;
        if (!f || (text && !copy)) {
                free(copy);
                return -ENOMEM;
        }
        free(f->after);
        f->after = copy;
        return 0;
}

int pdi_diff_keep(struct pdi_diff *d)
{
        for (size_t i = 0; i < d->n; i++) {
                char *copy = d->files[i].before ? strdup(d->files[i].before) : NULL;
                if (d->files[i].before && !copy)
                        return -ENOMEM;
                free(d->files[i].after);
                d->files[i].after = copy;
        }
        return 0;
}

int pdi_diff_read_after(struct pdi_diff *d, const struct pdi_root *r)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->files[i].after);
                d->files[i].after = read_or_null(r, d->files[i].path);
        }
        return 0;
}

static bool differs(const struct pdi_diff_file *f)
{
        return !streq(f->before ? f->before : "", f->after ? f->after : "") ||
               !f->before != !f->after;
}

bool pdi_diff_changed(const struct pdi_diff *d)
{
        for (size_t i = 0; i < d->n; i++)
                if (differs(&d->files[i]))
                        return true;
        return false;
}

json_t *pdi_diff_to_json(const struct pdi_diff *d)
{
        json_t *list = json_array();
        for (size_t i = 0; list && i < d->n; i++) {
                const struct pdi_diff_file *f = &d->files[i];
                if (!differs(f))
                        continue;
                json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "before_header",
                                                      f->shown, "after_header", f->shown, "before",
                                                      f->before ? f->before : "", "after",
                                                      f->after ? f->after : ""));
        }
        return list;
}

/* ---- the unified diff ---- */

struct lines {
        const char **at;
        size_t *len;
        size_t n;
        bool last_open; /* the text does not end in a newline */
};

static void lines_done(struct lines *l)
{
        free(l->at);
        free(l->len);
}

static int lines_split(const char *text, struct lines *ret)
{
        struct lines l = {0};
        size_t cap = 1;
        for (const char *p = text ? text : ""; *p; p++)
                cap += *p == '\n';
        l.at = calloc(cap, sizeof(*l.at));
        l.len = calloc(cap, sizeof(*l.len));
        if (!l.at || !l.len) {
                lines_done(&l);
                return -ENOMEM;
        }
        for (const char *p = text ? text : ""; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                l.at[l.n] = p;
                l.len[l.n++] = n;
                l.last_open = !nl;
                p += n + (nl ? 1 : 0);
        }
        *ret = l;
        return 0;
}

static bool same_line(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
        return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0;
}

/* One step of the edit script: ' ' both, '-' a only, '+' b only. */
struct op {
        char kind;
        size_t ai, bj;
};

/* The longest common subsequence table, suffixes: t[i][j] for a[i:] and b[j:]. */
static uint32_t *lcs_table(const struct lines *a, const struct lines *b)
{
        size_t w = b->n + 1;
        if ((a->n + 1) * w > DIFF_MAX_CELLS)
                return NULL;
        uint32_t *t = calloc((a->n + 1) * w, sizeof(*t));
        for (size_t i = a->n; t && i-- > 0;)
                for (size_t j = b->n; j-- > 0;)
                        t[i * w + j] = same_line(a, i, b, j) ? t[(i + 1) * w + j + 1] + 1
                                       : t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j]
                                                                                : t[i * w + j + 1];
        return t;
}

static struct op *edit_script(const struct lines *a, const struct lines *b, size_t *ret_n)
{
        _cleanup_free_ uint32_t *t = lcs_table(a, b); /* NULL: too large, no common lines */
        size_t w = b->n + 1, i = 0, j = 0, n = 0;
        struct op *ops = calloc(a->n + b->n + 1, sizeof(*ops));
        if (!ops)
                return NULL;
        while (i < a->n || j < b->n) {
                if (t && i < a->n && j < b->n && same_line(a, i, b, j))
                        ops[n++] = (struct op){' ', i++, j++};
                else if (i < a->n && (j == b->n || !t || t[(i + 1) * w + j] >= t[i * w + j + 1]))
                        ops[n++] = (struct op){'-', i++, j};
                else
                        ops[n++] = (struct op){'+', i, j++};
        }
        *ret_n = n;
        return ops;
}

static void print_line(FILE *f, char kind, const struct lines *l, size_t i)
{
        fprintf(f, "%c%.*s\n", kind, (int)l->len[i], l->at[i]);
        if (i + 1 == l->n && l->last_open)
                fputs("\\ No newline at end of file\n", f);
}

/* The hunk of ops[s, e): its header with 1-based starts, then its lines. */
static void print_hunk(FILE *f, const struct op *ops, size_t s, size_t e, const struct lines *a,
                       const struct lines *b)
{
        size_t na = 0, nb = 0;
        for (size_t k = s; k < e; k++) {
                na += ops[k].kind != '+';
                nb += ops[k].kind != '-';
        }
        fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", ops[s].ai + (na ? 1 : 0), na,
                ops[s].bj + (nb ? 1 : 0), nb);
        for (size_t k = s; k < e; k++)
                print_line(f, ops[k].kind, ops[k].kind == '+' ? b : a,
                           ops[k].kind == '+' ? ops[k].bj : ops[k].ai);
}

static void print_hunks(FILE *f, const struct op *ops, size_t n, const struct lines *a,
                        const struct lines *b)
{
        for (size_t k = 0; k < n;) {
                if (ops[k].kind == ' ') {
                        k++;
                        continue;
                }
                size_t s = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0, last = k;
                for (size_t m = k; m < n && m <= last + 2 * DIFF_CONTEXT; m++)
                        if (ops[m].kind != ' ')
                                last = m;
                size_t e = last + 1 + DIFF_CONTEXT < n ? last + 1 + DIFF_CONTEXT : n;
                print_hunk(f, ops, s, e, a, b);
                k = e;
        }
}

static int print_file(const struct pdi_diff_file *df, FILE *f)
{
        struct lines a = {0}, b = {0};
        size_t n = 0;
        int k = lines_split(df->before, &a);
        if (k == 0)
                k = lines_split(df->after, &b);
        _cleanup_free_ struct op *ops = k == 0 ? edit_script(&a, &b, &n) : NULL;
        if (k == 0 && !ops)
                k = -ENOMEM;
        if (k == 0) {
                fprintf(f, "--- %s\n+++ %s\n", df->before ? df->shown : "/dev/null",
                        df->after ? df->shown : "/dev/null");
                print_hunks(f, ops, n, &a, &b);
        }
        lines_done(&a);
        lines_done(&b);
        return k;
}

int pdi_diff_print(const struct pdi_diff *d, FILE *f)
{
        for (size_t i = 0; i < d->n; i++)
                if (differs(&d->files[i])) {
                        int k = print_file(&d->files[i], f);
                        if (k < 0)
                                return k;
                }
        return 0;
}
