/* SPDX-License-Identifier: Apache-2.0 */
/* The questions of the guided setup (cli/guided.h runs them): one row per question, each
 * answering one setting (or two, telemetry) with the same checks as its flag, and the one
 * way of asking anything on a terminal: the question, its default in brackets, the reason a
 * refused answer is refused, and the question again. Questions go to `out` (stderr), answers
 * come from `in` (stdin). */
#pragma once

#include "host/settings.h"

#include <stdio.h>

/* How often a refused answer is asked again before the setup gives up (a usage error). */
#define PDI_PROMPT_TRIES 3

struct pdi_question {
        const char *key;  /* the setting it answers, as the config file spells it */
        const char *also; /* a second setting the same answer sets, or NULL */
        const char *flag; /* the flag that answers it without a question */
        const char *text;
        /* The current answer as the question shows it, and setting it (the setting's own
         * check: a refusal is a usage error saying why, the settings unchanged). */
        int (*get)(const struct pdi_settings *s, const char *key, char *buf, size_t n);
        int (*set)(struct pdi_settings *s, const char *key, const char *value,
                   struct pdi_error *err);
};

extern const struct pdi_question pdi_questions[];
extern const size_t pdi_n_questions;

/* The row that answers setting key (its key or its `also`), or NULL. */
const struct pdi_question *pdi_question_find(const char *key);

/* Decides on one answer: 0 to take it, a negative code with the reason in *why to ask
 * again. */
typedef int (*pdi_prompt_accept_t)(const char *answer, void *userdata, struct pdi_error *why);

/* One question: "text [def]: ", asked until accept takes the answer. */
struct pdi_ask {
        const char *text, *def;
        const char *what;    /* named at end of input: "no answer for WHAT" */
        const char *subject; /* names a refused answer: "SUBJECT: the answer has a NUL byte" */
        const char *hint;    /* how to answer it without a question */
        pdi_prompt_accept_t accept;
        void *userdata;
};

/* Ask a until its accept takes the answer. Enter takes def, "-" an empty answer. End of
 * input or PDI_PROMPT_TRIES refusals: -PDI_E_USAGE, nothing changed. */
int pdi_prompt_until(FILE *in, FILE *out, const struct pdi_ask *a, struct pdi_error *err);

/* Ask question q, setting its answer in s. */
int pdi_prompt_question(const struct pdi_question *q, struct pdi_settings *s, FILE *in, FILE *out,
                        struct pdi_error *err);

/* A question a flag or an environment variable (source) answered, shown instead of asked:
 * "chain: kusama (given by --chain)". */
void pdi_prompt_show(const struct pdi_question *q, const struct pdi_settings *s, const char *source,
                     FILE *out);
