/* SPDX-License-Identifier: Apache-2.0 */
/* What a run did and what it noticed but did not fail on. Host-configuration modules note
 * each action and warning here; the entry is logged at once for people (stderr) and kept for
 * the --json document ("actions", "warnings"). */
#pragma once

#include "base/common.h"

#include <jansson.h>

struct pdi_report {
        json_t *actions;  /* array of strings */
        json_t *warnings; /* array of strings */
        bool changed;     /* something on disk or in systemd changed */
};

int pdi_report_init(struct pdi_report *r);
void pdi_report_done(struct pdi_report *r);
/* "created user polkadot", "wrote /etc/systemd/system/polkadot.service"; sets changed. */
void pdi_report_action(struct pdi_report *r, const char *fmt, ...) _printf_(2, 3);
/* Noted without changing anything: "cgroup v1: MemoryMax cannot apply". */
void pdi_report_note(struct pdi_report *r, const char *fmt, ...) _printf_(2, 3);
void pdi_report_warn(struct pdi_report *r, const char *fmt, ...) _printf_(2, 3);
/* Move the collected lists into a JSON object (for ctx->out). */
void pdi_report_to_json(const struct pdi_report *r, json_t *out);
