/* SPDX-License-Identifier: Apache-2.0 */
/* What a value may look like before it reaches a file the installer renders: a systemd unit,
 * the environment file, the tmpfiles and sysusers snippets, the config file. One table of
 * forms, checked at every source (flag, config file, prompt answer), so that no value can
 * become a directive, a second line or a second word where one was meant. Every form is
 * printable ASCII without quotes, backslash, '$' or '`': none of those files gives such a
 * value any meaning but its text. The one escape a legitimate value needs (a URL's '%',
 * which systemd would take for a specifier) is done by the unit renderer (units.h). */
#pragma once

#include "base/common.h"

enum pdi_value_form {
        PDI_VALUE_DIR,       /* a directory the installer creates or chowns (base path, prefix) */
        PDI_VALUE_PATH,      /* a file it names but does not own (chain spec, the installer) */
        PDI_VALUE_NAME,      /* the node's name */
        PDI_VALUE_URL,       /* http(s):// or file:// URL, or an absolute path */
        PDI_VALUE_TELEMETRY, /* "ws[s]://URL" or "ws[s]://URL VERBOSITY" (0-9) */
        PDI_VALUE_CALENDAR,  /* a systemd calendar spec ("daily", "Mon *-*-* 04:00") */
        PDI_VALUE_ARGS,      /* node arguments: words separated by blanks */
};

/* The longest value of any form (node arguments); a config file line holds key, '=' and it. */
#define PDI_VALUE_MAX 3072

/* NULL if v has the form, else why not, as a phrase after the value ("has a control
 * character"). An empty value is refused: callers treat "" as "not set" before asking. */
const char *pdi_value_problem(enum pdi_value_form form, const char *v);

/* v for a message: at most 64 bytes, anything but printable ASCII as \xNN (a refused value
 * may hold a newline or terminal escapes; the error must stay one line). */
void pdi_value_quote(const char *v, char *buf, size_t n);
