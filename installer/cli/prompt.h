/* SPDX-License-Identifier: Apache-2.0 */
/* Interactive setup: on a first install from a terminal (no -y, no --non-interactive, no
 * settings file yet, no settings flags), ask for the settings that matter, each with a
 * default, and validate every answer with the same rules as the flags. Questions go to
 * stderr, answers come from stdin. */
#pragma once

#include "host/settings.h"

/* Ask in (a stream on the terminal) / out. An empty answer takes the default; a refused
 * answer is explained in one line and asked again (three tries); end of input is a usage
 * error naming the flag to use instead. */
int pdi_prompt_settings(struct pdi_settings *s, FILE *in, FILE *out, struct pdi_error *err);
