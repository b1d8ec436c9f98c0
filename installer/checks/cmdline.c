/* SPDX-License-Identifier: Apache-2.0 */
/* Command lines and environments as systemd reads them from a unit: ExecStart= split into
 * words with quotes, escapes and $VAR/${VAR} expanded, from Environment= and
 * EnvironmentFile= (systemd.service(5), systemd.exec(5)). */
#include "checks/cmdline.h"

#include <ctype.h>
#include <errno.h>

struct words {
        char **v;
        size_t n;
};

static int words_add(struct words *w, const char *s, size_t len)
{
        char **nv = realloc(w->v, (w->n + 2) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        w->v = nv;
        w->v[w->n] = strndup(s, len);
        if (!w->v[w->n])
                return -ENOMEM;
        w->v[++w->n] = NULL;
        return 0;
}

/* The last assignment wins, as in systemd (a drop-in's Environment= overrides the unit's). */
static const char *env_get(char *const *env, const char *name, size_t len)
{
        const char *v = NULL;
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
                        v = env[i] + len + 1;
        return v;
}

static bool is_var_name(const char *s, size_t len)
{
        if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
                        return false;
        return true;
}

/* One word, unquoted. A word that is exactly $NAME as written splits into words when
 * expanded; ${NAME} stays one word (systemd.service(5), "Command lines"). An open quote at
 * the end is refused as systemd does ("Unbalanced quoting"), unless relaxed. */
static int word_next(const char **sp, char *buf, size_t size, bool relaxed, bool *ret_split_var)
{
        const char *s = *sp;
        size_t n = 0, raw = strcspn(s, " \t");
        char q = 0;
        *ret_split_var = s[0] == '$' && is_var_name(s + 1, raw - 1);
        for (; *s && (q || !strchr(" \t", *s)); s++) {
                if (!q && (*s == '"' || *s == '\'')) {
                        q = *s;
                        continue;
                }
                if (q && *s == q) {
                        q = 0;
                        continue;
                }
                if (*s == '\\' && s[1] && q != '\'')
                        s++;
                if (n + 1 >= size)
                        return -E2BIG;
                buf[n++] = *s;
        }
        if (q && !relaxed)
                return -EINVAL;
        buf[n] = '\0';
        *sp = s;
        return 0;
}

/* A $NAME value splits at blanks with its quotes respected, then removed. */
static int split_value(struct words *w, const char *v)
{
        char buf[4096];
        bool ignored;
        int k = 0;
        while (k == 0) {
                v += strspn(v, " \t");
                if (!*v)
                        break;
                k = word_next(&v, buf, sizeof(buf), true, &ignored);
                if (k == 0)
                        k = words_add(w, buf, strlen(buf));
        }
        return k;
}

static int expand(struct words *w, const char *word, bool split, char *const *env)
{
        if (split)
                return split_value(w, env_get(env, word + 1, strlen(word + 1)) ?: "");
        char out[4096];
        size_t n = 0;
        for (const char *p = word; *p && n + 1 < sizeof(out);) {
                if (p[0] == '$' && p[1] == '$') { /* a literal dollar */
                        out[n++] = '$';
                        p += 2;
                        continue;
                }
                const char *end = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
                if (!end) {
                        out[n++] = *p++;
                        continue;
                }
                const char *v = env_get(env, p + 2, (size_t)(end - p - 2));
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", v ? v : "");
                n = n < sizeof(out) ? n : sizeof(out) - 1;
                p = end + 1;
        }
        return words_add(w, out, n);
}

int pdi_cmdline_split(const char *s, char *const *env, char ***ret_argv, size_t *ret_n)
{
        struct words w = {0};
        char buf[4096];
        int k = words_add(&w, "", 0); /* makes v non-NULL and terminated */
        free(w.v[0]);
        w.n = 0;
        w.v[0] = NULL;
        while (k == 0) {
                s += strspn(s, " \t");
                if (!*s)
                        break;
                bool split;
                k = word_next(&s, buf, sizeof(buf), false, &split);
                if (k == 0)
                        k = expand(&w, buf, split, env);
        }
        if (k < 0) {
                pdi_argv_free(w.v);
                return k;
        }
        *ret_argv = w.v;
        *ret_n = w.n;
        return 0;
}

void pdi_argv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static void rstrip(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r", s[n - 1]))
                s[--n] = '\0';
}

/* KEY=VALUE lines of an EnvironmentFile (quotes stripped), appended to env. */
static void env_file_read(const struct pdi_root *r, const char *path, struct words *env)
{
        _cleanup_free_ char *buf = NULL;
        if (pdi_root_read_file(r, path, 1 << 20, &buf, NULL) < 0)
                return;
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                l += strspn(l, " \t");
                if (strncmp(l, "export ", 7) == 0)
                        l += 7;
                char *eq = strchr(l, '=');
                if (*l == '#' || !eq)
                        continue;
                rstrip(l);
                size_t vlen = strlen(eq + 1);
                if (vlen >= 2 && (eq[1] == '"' || eq[1] == '\'') && eq[vlen] == eq[1]) {
                        memmove(eq + 1, eq + 2, vlen - 2);
                        eq[vlen - 1] = '\0';
                }
                (void)words_add(env, l, strlen(l));
        }
}

static void words_truncate(struct words *w, size_t n)
{
        while (w->n > n)
                free(w->v[--w->n]);
        if (w->v)
                w->v[w->n] = NULL;
}

/* Environment= in order, then EnvironmentFile= in order: with env_get()'s last-wins lookup
 * the files override Environment= and later settings earlier ones; an empty assignment
 * resets the list before it (systemd.exec(5)). Values are not expanded. */
static void unit_env(const struct pdi_root *r, const struct pdi_unit *u, struct words *env)
{
        size_t start = env->n;
        for (size_t i = 0; i < u->n; i++) {
                if (!streq(u->kv[i].section, "Service") || !streq(u->kv[i].key, "Environment"))
                        continue;
                if (!*u->kv[i].value)
                        words_truncate(env, start);
                else
                        (void)split_value(env, u->kv[i].value);
        }
        size_t files = env->n;
        for (size_t i = 0; i < u->n; i++) {
                if (!streq(u->kv[i].section, "Service") || !streq(u->kv[i].key, "EnvironmentFile"))
                        continue;
                const char *p = u->kv[i].value;
                if (!*p)
                        words_truncate(env, files);
                else
                        env_file_read(r, p + (*p == '-'), env);
        }
}

int pdi_unit_environment(const struct pdi_root *r, const struct pdi_unit *u, char ***ret_env)
{
        struct words env = {0};
        unit_env(r, u, &env);
        *ret_env = env.v;
        return 0;
}

int pdi_unit_exec_argv(const struct pdi_root *r, const struct pdi_unit *u, char ***ret_argv,
                       size_t *ret_n)
{
        const char *exec = pdi_unit_get(u, "Service", "ExecStart");
        if (!exec)
                return -ENOENT;
        exec += strspn(exec, "-@!:+");
        char **env = NULL, **argv = NULL;
        size_t n = 0;
        int k = pdi_unit_environment(r, u, &env);
        if (k == 0)
                k = pdi_cmdline_split(exec, env, &argv, &n);
        pdi_argv_free(env);
        if (k == 0 && n == 0)
                k = -ENOENT;
        if (k < 0) {
                pdi_argv_free(argv);
                return k;
        }
        *ret_argv = argv;
        *ret_n = n;
        return 0;
}
