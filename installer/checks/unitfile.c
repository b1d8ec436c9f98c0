/* SPDX-License-Identifier: Apache-2.0 */
/* A small reader of systemd unit files with their drop-ins, through the root fd. */
#include "checks/unitfile.h"
#include "release/layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static int unit_add(struct pdi_unit *u, const char *file, const char *section, char *line)
{
        char *eq = strchr(line, '=');
        if (!eq)
                return 0;
        char *key = line, *val = eq + 1, *end = eq;
        while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        *end = '\0';
        val += strspn(val, " \t");
        struct pdi_unit_kv *kv = realloc(u->kv, (u->n + 1) * sizeof(*kv));
        if (!kv)
                return -ENOMEM;
        u->kv = kv;
        kv = &u->kv[u->n];
        *kv = (struct pdi_unit_kv){strdup(section), strdup(key), strdup(val), strdup(file)};
        if (!kv->section || !kv->key || !kv->value || !kv->file) {
                free(kv->section), free(kv->key), free(kv->value), free(kv->file);
                return -ENOMEM;
        }
        u->n++;
        return 0;
}

static void rstrip(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r", s[n - 1]))
                s[--n] = '\0';
}

/* One file: sections, comments, and lines continued with a trailing backslash. */
static int unit_parse(struct pdi_unit *u, const char *file, char *buf)
{
        char section[64] = "";
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                l += strspn(l, " \t");
                rstrip(l);
                if (*l == '#' || *l == ';' || *l == '\0')
                        continue;
                if (*l == '[') {
                        snprintf(section, sizeof(section), "%.*s", (int)strcspn(l + 1, "]"), l + 1);
                        continue;
                }
                size_t n = strlen(l);
                while (n > 0 && l[n - 1] == '\\' && save && *save) {
                        l[n - 1] = ' '; /* the next line continues this one */
                        char *next = strtok_r(NULL, "\n", &save);
                        if (!next)
                                break;
                        memmove(l + n, next, strlen(next) + 1);
                        rstrip(l);
                        n = strlen(l);
                }
                int k = unit_add(u, file, section, l);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* Record a file over the cap, with its size (from fstat: it is not read). */
static int unit_big(const struct pdi_root *r, struct pdi_unit *u, const char *path)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH | O_NOFOLLOW, 0);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -EFBIG;
        struct pdi_unit_big *b = realloc(u->big, (u->n_big + 1) * sizeof(*b));
        if (!b)
                return -ENOMEM;
        u->big = b;
        char *file = strdup(path);
        if (!file)
                return -ENOMEM;
        b[u->n_big++] = (struct pdi_unit_big){file, (uint64_t)st.st_size};
        return 0;
}

static int unit_read(const struct pdi_root *r, struct pdi_unit *u, const char *path)
{
        _cleanup_free_ char *buf = NULL;
        int k = pdi_root_read_file(r, path, PDI_UNIT_MAX_BYTES, &buf, NULL);
        if (k == -EFBIG)
                return unit_big(r, u, path);
        return k < 0 ? k : unit_parse(u, path, buf);
}

static int cmpstr(const void *a, const void *b)
{
        const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
        return strcmp(x, y);
}

/* Drop-in paths: the same file name in a later (higher-priority) directory replaces it. */
static int dropins_collect(const struct pdi_root *r, const char *name, char ***ret, size_t *ret_n)
{
        static const char *const dirs[] = {"/usr/lib/systemd/system", "/lib/systemd/system",
                                           "/etc/systemd/system"};
        char **v = NULL;
        size_t n = 0;
        for (size_t d = 0; d < ELEMENTSOF(dirs); d++) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/%s.d", dirs[d], name) < 0)
                        break;
                DIR *dp = NULL;
                if (pdi_root_opendir(r, dir, &dp) < 0)
                        continue;
                for (struct dirent *de; (de = readdir(dp));) {
                        size_t len = strlen(de->d_name);
                        if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                                continue;
                        for (size_t i = 0; i < n; i++)
                                if (streq(strrchr(v[i], '/') + 1, de->d_name)) {
                                        free(v[i]);
                                        v[i] = v[--n];
                                        break;
                                }
                        char **nv = realloc(v, (n + 1) * sizeof(*v));
                        if (!nv)
                                break;
                        v = nv;
                        if (asprintf(&v[n], "%s/%s", dir, de->d_name) >= 0)
                                n++;
                }
                closedir(dp);
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), cmpstr);
        *ret = v;
        *ret_n = n;
        return 0;
}

int pdi_unit_load(const struct pdi_root *r, const char *path, struct pdi_unit *ret)
{
        struct pdi_unit u = {0};
        int k = unit_read(r, &u, path);
        char **drop = NULL;
        size_t n = 0;
        if (k == 0)
                k = dropins_collect(r, strrchr(path, '/') + 1, &drop, &n);
        for (size_t i = 0; k == 0 && i < n; i++)
                if (unit_read(r, &u, drop[i]) == -ENOMEM)
                        k = -ENOMEM;
        pdi_strv_free(drop, n);
        if (k < 0) {
                pdi_unit_done(&u);
                return k;
        }
        *ret = u;
        return 0;
}

void pdi_unit_done(struct pdi_unit *u)
{
        for (size_t i = 0; i < u->n; i++) {
                free(u->kv[i].section);
                free(u->kv[i].key);
                free(u->kv[i].value);
                free(u->kv[i].file);
        }
        free(u->kv);
        for (size_t i = 0; i < u->n_big; i++)
                free(u->big[i].file);
        free(u->big);
        *u = (struct pdi_unit){0};
}

const char *pdi_unit_get(const struct pdi_unit *u, const char *section, const char *key)
{
        const char *v = NULL;
        for (size_t i = 0; i < u->n; i++)
                if (streq(u->kv[i].section, section) && streq(u->kv[i].key, key))
                        v = *u->kv[i].value ? u->kv[i].value : NULL;
        return v;
}
