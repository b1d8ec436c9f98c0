/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/guided.h"
#include "cli/prompt.h"
#include "host/values.h"
#include "pipeline/plan.h"
#include "trust/keystore.h"
#include "trust/minisign.h"

#include <ctype.h>
#include <errno.h>

enum choice { CHOICE_NONE, CHOICE_PROCEED, CHOICE_CUSTOMISE, CHOICE_CANCEL };

/* The settings that are ports: no two may be the same. */
static const char *const port_keys[] = {"rpc_port", "prometheus_port"};

void pdi_guided_done(struct pdi_guided *g)
{
        free(g->key);
        g->key = NULL;
}

/* The strings of v (an array in a struct: it stays). */
static void free_each(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
}

static bool names_key(const char *kv, const char *key)
{
        size_t n = key ? strlen(key) : 0;
        return key && strncmp(kv, key, n) == 0 && kv[n] == '=';
}

/* The name a setting is given by: its flag (--node-name) or its environment variable
 * (POLKADOT_INSTALLER_NODE_NAME). */
static void source_name(const char *key, bool env, char *buf, size_t n)
{
        size_t at = (size_t)snprintf(buf, n, "%s", env ? PDI_SETTINGS_ENV_PREFIX : "--");
        for (const char *c = key; *c && at + 1 < n; c++)
                buf[at++] = env ? (char)toupper((unsigned char)*c) : *c == '_' ? '-' : *c;
        buf[at < n ? at : n - 1] = '\0';
}

/* Where the answer to q was given, into source: the one applied last (a flag wins over the
 * environment, cli/cmd_install.c adds it after); false if neither gave it. */
static bool given(const struct pdi_guided *g, const struct pdi_question *q, char *source, size_t n)
{
        for (size_t i = g->o->n_settings; i-- > 0;) {
                const char *kv = g->o->settings[i];
                const char *key = names_key(kv, q->key)    ? q->key
                                  : names_key(kv, q->also) ? q->also
                                                           : NULL;
                if (key) {
                        source_name(key, i < g->o->n_env_settings, source, n);
                        return true;
                }
        }
        return false;
}

/* Every question in order; one a flag answered is shown, not asked, unless flags_too
 * (customise: everything may change). */
static int ask_all(struct pdi_guided *g, struct pdi_settings *s, bool flags_too,
                   struct pdi_error *err)
{
        for (size_t i = 0; i < pdi_n_questions; i++) {
                const struct pdi_question *q = &pdi_questions[i];
                char source[64];
                int k = 0;
                if (!flags_too && given(g, q, source, sizeof(source)))
                        pdi_prompt_show(q, s, source, g->out);
                else
                        k = pdi_prompt_question(q, s, g->in, g->out, err);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* Two port settings with the same port: the later one is at fault. */
static const struct pdi_question *port_twice(const struct pdi_settings *s, struct pdi_error *why)
{
        char a[16], b[16];
        for (size_t j = 1; j < ELEMENTSOF(port_keys); j++)
                for (size_t i = 0; i < j; i++) {
                        pdi_settings_get(s, port_keys[i], a, sizeof(a));
                        pdi_settings_get(s, port_keys[j], b, sizeof(b));
                        if (!a[0] || !streq(a, b))
                                continue;
                        pdi_error_set(why, -PDI_E_USAGE, "setting %s: port %s is the %s already",
                                      port_keys[j], b, port_keys[i]);
                        return pdi_question_find(port_keys[j]);
                }
        return NULL;
}

/* The checks that join answers, as the run makes them: the question at fault (why says
 * why), or NULL. */
static const struct pdi_question *joint_fault(const struct pdi_settings *s,
                                              const struct pdi_layout *l, struct pdi_error *why)
{
        const struct pdi_question *q = port_twice(s, why);
        if (q)
                return q;
        if (pdi_settings_check_layout(s, l, why) < 0)
                return pdi_question_find("base_path");
        if (pdi_settings_validate(s, why) < 0) /* what is left: the telemetry pair */
                return pdi_question_find("telemetry_url");
        return NULL;
}

/* Every setting as key=value, as the config file will hold them: the preview applies them
 * over whatever it loads, so it plans exactly these answers. */
static int as_overrides(const struct pdi_settings *s, char **v, size_t max, size_t *ret_n)
{
        _cleanup_free_ char *cfg = pdi_settings_render_config(s);
        size_t n = 0;
        if (!cfg)
                return -ENOMEM;
        for (char *line = cfg, *next; *line; line = next) {
                next = line + strcspn(line, "\n");
                if (*next)
                        *next++ = '\0';
                if (line[0] == '#' || !line[0])
                        continue;
                if (n >= max || !(v[n] = strdup(line))) {
                        free_each(v, n);
                        return -ENOMEM;
                }
                n++;
        }
        *ret_n = n;
        return 0;
}

/* What --dry-run would print for these answers, into *ret_plan; nothing is written. On a
 * refusal the message is in ctx->err and *ret_fault names the answer it is about. */
static int preview(struct pdi_guided *g, const struct pdi_settings *s, char **ret_plan,
                   enum pdi_plan_fault *ret_fault)
{
        struct pdi_install_opts n = *g->o;
        _cleanup_free_ char *plan = NULL;
        size_t len = 0;
        *ret_fault = PDI_PLAN_FAULT_NONE;
        int k = as_overrides(s, n.settings, ELEMENTSOF(n.settings), &n.n_settings);
        if (k < 0)
                return k;
        FILE *f = open_memstream(&plan, &len);
        json_t *out = g->ctx->out, *scratch = json_object();
        bool json = g->ctx->json;
        n.dry_run = n.plan = true; /* the plan, and neither --check's lines nor --diff's */
        n.check = n.diff = false;
        n.n_env_settings = 0;
        n.plan_to = f;
        n.ask_settings = NULL;
        g->ctx->out = scratch; /* the preview's results are not this run's */
        g->ctx->json = false;
        k = f && scratch ? pdi_plan_preview(g->ctx, &n, ret_fault, g->planned_sha256) : -ENOMEM;
        g->ctx->out = out;
        g->ctx->json = json;
        json_decref(scratch);
        if (f && fclose(f) != 0 && k == 0)
                k = -ENOMEM;
        free_each(n.settings, n.n_settings);
        if (k == 0)
                *ret_plan = TAKE_PTR(plan);
        return k;
}

/* A refusal the operator answers: shown, then forgotten (the next message is the next
 * refusal's, not this one's). */
static void explain(struct pdi_guided *g, const struct pdi_error *why)
{
        fprintf(g->out, "  %s\n", why->msg);
        g->ctx->err = (struct pdi_error){0};
}

/* A key file named at the prompt: a minisign public key, replacing the one named before. */
static int take_key(const char *path, void *userdata, struct pdi_error *why)
{
        struct pdi_guided *g = userdata;
        _cleanup_free_ char *text = NULL, *copy = NULL;
        struct pdi_kept_key kk = {0};
        size_t len = 0;
        int k = path[0] ? pdi_read_host_file(path, PDI_MINISIGN_FILE_MAX, &text, &len) : -ENOENT;
        if (k < 0)
                return pdi_error_set(why, -PDI_E_USAGE, "trusted key '%s': %s", path,
                                     path[0] ? pdi_read_strerror(k) : "a key file is needed");
        if ((k = pdi_keystore_describe(text, len, &kk, why)) < 0) {
                pdi_error_prefix(why, "trusted key %s: ", path);
                return k;
        }
        free(kk.file);
        free(kk.comment);
        if (!(copy = strdup(path)))
                return -ENOMEM;
        if (!g->key && g->o->n_keys >= PDI_TRUST_MAX_KEYS)
                return pdi_error_set(why, -PDI_E_USAGE, "trusted key: at most %d keys",
                                     PDI_TRUST_MAX_KEYS);
        if (!g->key)
                g->o->n_keys++;
        free(g->key);
        g->key = TAKE_PTR(copy);
        g->o->keys[g->o->n_keys - 1] = g->key;
        g->o->remember_keys = true;
        return 0;
}

static int ask_key(struct pdi_guided *g, struct pdi_error *err)
{
        const struct pdi_ask a = {
            .text = "Public key that signs these releases (a minisign .pub file; it is kept "
                    "in " PDI_TRUST_KEYS_DIR "/)",
            .def = g->key ? g->key : "",
            .what = "the trusted key",
            .subject = "trusted key",
            .hint = "pass --trusted-key FILE (and --remember-keys to keep it)",
            .accept = take_key,
            .userdata = g,
        };
        return pdi_prompt_until(g->in, g->out, &a, err);
}

/* Joint checks, then the manifest and the plan: a fault asks its answer again and checks
 * again; a refusal no answer can change ends the setup (the message in ctx->err). */
static int settle(struct pdi_guided *g, struct pdi_settings *s, const struct pdi_layout *l,
                  char **ret_plan, struct pdi_error *err)
{
        for (;;) {
                struct pdi_error why = {0};
                enum pdi_plan_fault fault = PDI_PLAN_FAULT_NONE;
                const struct pdi_question *q = joint_fault(s, l, &why);
                int k;
                if (!q) {
                        k = preview(g, s, ret_plan, &fault);
                        if (k == 0 || fault == PDI_PLAN_FAULT_NONE)
                                return k;
                        why = g->ctx->err;
                        q = pdi_question_find("chain");
                }
                explain(g, &why);
                k = fault == PDI_PLAN_FAULT_TRUST ? ask_key(g, err)
                                                  : pdi_prompt_question(q, s, g->in, g->out, err);
                if (k < 0)
                        return k;
        }
}

/* Before the first question, the manifest with the flags' settings: a release that cannot
 * be had ends the setup before anything is asked, one no trusted key signed asks for the
 * key first. Refusals about answers still to come (the chain, the flags' ports) wait. */
static int preflight(struct pdi_guided *g, struct pdi_settings *s, const struct pdi_layout *l,
                     struct pdi_error *err)
{
        struct pdi_error why = {0};
        enum pdi_plan_fault fault = PDI_PLAN_FAULT_NONE;
        if (joint_fault(s, l, &why))
                return 0;
        for (;;) {
                _cleanup_free_ char *plan = NULL;
                int k = preview(g, s, &plan, &fault);
                if (k == 0 || fault == PDI_PLAN_FAULT_CHAIN) {
                        g->ctx->err = (struct pdi_error){0};
                        return 0;
                }
                if (fault == PDI_PLAN_FAULT_NONE)
                        return k;
                explain(g, &g->ctx->err);
                if ((k = ask_key(g, err)) < 0)
                        return k;
        }
}

static int take_choice(const char *answer, void *userdata, struct pdi_error *why)
{
        static const char *const words[][3] = {
            {"1", "proceed", "p"}, {"2", "customise", "customize"}, {"3", "cancel", "q"}};
        char shown[80];
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                for (size_t w = 0; w < ELEMENTSOF(words[i]); w++)
                        if (streq(answer, words[i][w])) {
                                *(enum choice *)userdata = (enum choice)(CHOICE_PROCEED + i);
                                return 0;
                        }
        pdi_value_quote(answer, shown, sizeof(shown));
        return pdi_error_set(why, -PDI_E_USAGE,
                             "'%s': answer 1 (proceed), 2 (customise) or 3 "
                             "(cancel)",
                             shown);
}

/* text's lines, each indented. */
static void indented(FILE *out, const char *text, bool skip_comments)
{
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, "\n");
                if (!(skip_comments && p[0] == '#'))
                        fprintf(out, "  %.*s\n", (int)n, p);
                p += n + (p[n] == '\n');
        }
}

/* The answers and the plan, then the one question that decides. */
static int choose(struct pdi_guided *g, const struct pdi_settings *s, const char *plan,
                  enum choice *ret, struct pdi_error *err)
{
        _cleanup_free_ char *cfg = pdi_settings_render_config(s);
        if (!cfg)
                return -ENOMEM;
        fprintf(g->out, "\nSettings, as the config file will keep them:\n");
        indented(g->out, cfg, true);
        if (g->key)
                fprintf(g->out, "  (and the key %s, kept in " PDI_TRUST_KEYS_DIR "/)\n", g->key);
        fprintf(g->out, "\nThe plan: what this install writes, creates and starts (as --dry-run "
                        "prints it; nothing is written yet):\n");
        indented(g->out, plan, false);
        fputc('\n', g->out);
        const struct pdi_ask a = {
            .text = "1) proceed  2) customise  3) cancel",
            .def = "1",
            .what = "the plan",
            .subject = "the choice",
            .hint = "-y proceeds without questions",
            .accept = take_choice,
            .userdata = ret,
        };
        return pdi_prompt_until(g->in, g->out, &a, err);
}

static int guide(struct pdi_guided *g, struct pdi_settings *s, const struct pdi_layout *l,
                 struct pdi_error *err)
{
        enum choice choice = CHOICE_NONE;
        int k = preflight(g, s, l, err);
        for (bool again = false; k == 0 && choice != CHOICE_PROCEED; again = true) {
                _cleanup_free_ char *plan = NULL;
                if (again)
                        fprintf(g->out, "\nCustomise: Enter keeps the answer in brackets.\n");
                k = ask_all(g, s, again, err);
                if (k == 0)
                        k = settle(g, s, l, &plan, err);
                if (k == 0)
                        k = choose(g, s, plan, &choice, err);
                if (k == 0 && choice == CHOICE_CANCEL)
                        k = pdi_error_set(err, -PDI_E_FAILED,
                                          "setup cancelled; nothing was changed");
        }
        if (k == 0) /* the plan shown is what is installed, or nothing */
                g->o->expect_manifest_sha256 = g->planned_sha256;
        return k;
}

int pdi_guided_ask(struct pdi_settings *s, void *userdata, struct pdi_error *err)
{
        struct pdi_guided *g = userdata;
        struct pdi_layout l;
        int k = pdi_layout_init(&l, NULL, g->o->prefix);
        if (k < 0)
                return k;
        fprintf(g->out, "First install: a few questions (Enter takes the default in brackets, "
                        "'-' leaves an answer empty).\nNothing is written until you proceed "
                        "from the plan at the end; Ctrl-C stops with nothing changed.\n");
        k = guide(g, s, &l, err);
        pdi_layout_done(&l);
        return k;
}
