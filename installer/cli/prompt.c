/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/prompt.h"
#include "host/values.h"

#include <errno.h>

/* Telemetry is one question over two settings: "default" (the chain's telemetry), "off"
 * (no_telemetry), or a URL of its own (telemetry_url). */
static int telemetry_get(const struct pdi_settings *s, const char *key, char *buf, size_t n)
{
        (void)key;
        snprintf(buf, n, "%s",
                 s->no_telemetry    ? "off"
                 : s->telemetry_url ? s->telemetry_url
                                    : "default");
        return 0;
}

static int telemetry_set(struct pdi_settings *s, const char *key, const char *value,
                         struct pdi_error *err)
{
        (void)key;
        bool off = streq(value, "off");
        const char *url = off || streq(value, "default") || !*value ? "" : value;
        int k = pdi_settings_set(s, "telemetry_url", url, err);
        if (k == 0)
                k = pdi_settings_set(s, "no_telemetry", off ? "yes" : "no", err);
        return k;
}

/* In the order asked. A setting added to the installer that an operator should decide on is
 * one row here (its flag and config key are host/settings.c's). */
const struct pdi_question pdi_questions[] = {
    {"chain", NULL, "--chain", "Chain (polkadot, kusama, westend, paseo, or a chain-spec path)",
     pdi_settings_get, pdi_settings_set},
    {"node_name", NULL, "--node-name", "Node name (no blanks; empty: the node picks one)",
     pdi_settings_get, pdi_settings_set},
    {"base_path", NULL, "--base-path", "Base path (chain database, keystore, network key)",
     pdi_settings_get, pdi_settings_set},
    {"validator", NULL, "--validator", "Run as a validator? (yes/no)", pdi_settings_get,
     pdi_settings_set},
    {"rpc_port", NULL, "--rpc-port", "JSON-RPC port on 127.0.0.1 (empty: none)", pdi_settings_get,
     pdi_settings_set},
    {"prometheus_port", NULL, "--prometheus-port", "Prometheus metrics port (empty: none)",
     pdi_settings_get, pdi_settings_set},
    {"telemetry_url", "no_telemetry", "--telemetry-url",
     "Telemetry (default: the chain's; off; or 'wss://URL VERBOSITY')", telemetry_get,
     telemetry_set},
    {"worker_isolation", NULL, "--worker-isolation",
     "PVF worker isolation (systemd: workers in their own unit as pvf-worker; none)",
     pdi_settings_get, pdi_settings_set},
};
const size_t pdi_n_questions = ELEMENTSOF(pdi_questions);

const struct pdi_question *pdi_question_find(const char *key)
{
        for (size_t i = 0; i < pdi_n_questions; i++)
                if (streq(key, pdi_questions[i].key) ||
                    (pdi_questions[i].also && streq(key, pdi_questions[i].also)))
                        return &pdi_questions[i];
        return NULL;
}

/* One answer line without its end ("\n", or "\r\n" from a terminal in raw mode): 1, or 0 at
 * the end of input. Anything else in it stays, so that the setting's check sees and refuses
 * it: a '\r' or a NUL inside an answer never cuts it short silently. */
static int read_answer(FILE *in, char **line, size_t *size, size_t *ret_len)
{
        ssize_t n = getline(line, size, in);
        if (n < 0)
                return 0;
        if (n > 0 && (*line)[n - 1] == '\n')
                (*line)[--n] = '\0';
        if (n > 0 && (*line)[n - 1] == '\r')
                (*line)[--n] = '\0';
        *ret_len = (size_t)n;
        return 1;
}

/* The answer accept judges: Enter is the default, "-" nothing. */
static int judge(const char *line, size_t len, const struct pdi_ask *a, struct pdi_error *why)
{
        if (strlen(line) != len)
                return pdi_error_set(why, -PDI_E_USAGE, "%s: the answer has a NUL byte",
                                     a->subject);
        return a->accept(!line[0] ? a->def : streq(line, "-") ? "" : line, a->userdata, why);
}

int pdi_prompt_until(FILE *in, FILE *out, const struct pdi_ask *a, struct pdi_error *err)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0, len = 0;
        for (int i = 0; i < PDI_PROMPT_TRIES; i++) {
                fprintf(out, "%s [%s]: ", a->text, a->def);
                fflush(out);
                if (!read_answer(in, &line, &size, &len))
                        return pdi_error_set(err, -PDI_E_USAGE,
                                             "setup: no answer for %s; nothing was changed; %s",
                                             a->what, a->hint);
                struct pdi_error why = {0};
                if (judge(line, len, a, &why) == 0)
                        return 0;
                fprintf(out, "  %s\n", why.msg);
        }
        return pdi_error_set(err, -PDI_E_USAGE,
                             "setup: no valid answer for %s after %d tries; nothing was changed",
                             a->what, PDI_PROMPT_TRIES);
}

struct answer {
        const struct pdi_question *q;
        struct pdi_settings *s;
};

static int take(const char *value, void *userdata, struct pdi_error *why)
{
        struct answer *an = userdata;
        return an->q->set(an->s, an->q->key, value, why);
}

int pdi_prompt_question(const struct pdi_question *q, struct pdi_settings *s, FILE *in, FILE *out,
                        struct pdi_error *err)
{
        char def[PDI_VALUE_MAX + 1], hint[80], subject[64];
        struct answer an = {q, s};
        q->get(s, q->key, def, sizeof(def));
        snprintf(hint, sizeof(hint), "pass %s (or -y for the defaults)", q->flag);
        snprintf(subject, sizeof(subject), "setting %s", q->key);
        const struct pdi_ask a = {q->text, def, q->key, subject, hint, take, &an};
        return pdi_prompt_until(in, out, &a, err);
}

void pdi_prompt_show(const struct pdi_question *q, const struct pdi_settings *s, const char *source,
                     FILE *out)
{
        char value[PDI_VALUE_MAX + 1];
        q->get(s, q->key, value, sizeof(value));
        fprintf(out, "%s: %s (given by %s)\n", q->key, value[0] ? value : "(none)", source);
}
