/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/prompt.h"

#include <errno.h>

#define PROMPT_TRIES 3

struct question {
        const char *key;  /* setting name, as in the config file */
        const char *flag; /* the flag that answers it without a prompt */
        const char *text;
};

static const struct question questions[] = {
    {"chain", "--chain", "Chain (polkadot, kusama, westend, paseo, or a chain-spec path)"},
    {"node_name", "--node-name", "Node name (no blanks; empty: the node picks one)"},
    {"validator", "--validator", "Run as a validator? (yes/no)"},
    {"rpc_port", "--rpc-port", "JSON-RPC port on 127.0.0.1 (empty: none)"},
    {"prometheus_port", "--prometheus-port", "Prometheus metrics port (empty: none)"},
};

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

static int ask(struct pdi_settings *s, const struct question *q, FILE *in, FILE *out,
               struct pdi_error *err)
{
        char def[256];
        _cleanup_free_ char *line = NULL;
        size_t size = 0, len = 0;
        pdi_settings_get(s, q->key, def, sizeof(def));
        for (int i = 0; i < PROMPT_TRIES; i++) {
                fprintf(out, "%s [%s]: ", q->text, def);
                fflush(out);
                if (!read_answer(in, &line, &size, &len))
                        return pdi_error_set(err, -PDI_E_USAGE,
                                             "setup: no answer for %s; pass %s (or -y for the "
                                             "defaults)",
                                             q->key, q->flag);
                struct pdi_error why = {0};
                if (strlen(line) != len)
                        pdi_error_set(&why, -PDI_E_USAGE, "setting %s: the answer has a NUL byte",
                                      q->key);
                else if (pdi_settings_set(s, q->key, line[0] ? line : def, &why) == 0)
                        return 0;
                fprintf(out, "  %s\n", why.msg);
        }
        return pdi_error_set(err, -PDI_E_USAGE, "setup: no valid answer for %s after %d tries",
                             q->key, PROMPT_TRIES);
}

int pdi_prompt_settings(struct pdi_settings *s, FILE *in, FILE *out, struct pdi_error *err)
{
        fprintf(out, "First install: a few settings (Enter takes the default in brackets; "
                     "they are kept in /etc/polkadot-installer/config).\n");
        for (size_t i = 0; i < ELEMENTSOF(questions); i++) {
                int k = ask(s, &questions[i], in, out, err);
                if (k < 0)
                        return k;
        }
        return pdi_settings_validate(s, err);
}
