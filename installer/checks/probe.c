/* SPDX-License-Identifier: Apache-2.0 */
/* What the host probes share: a forked child reports on stdout (a line) and by exit code,
 * pdi_child_run() collects both, and pdi_probe_describe() turns them into the reason a
 * finding gives; a probe that stands in for the node first becomes the node's user. */
#include "checks/probe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The probes run through pdi_child_run() and report on stdout, which pdi_probe_describe() reads. */
void pdi_probe_say(const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void)!write(STDOUT_FILENO, buf,
                             (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void pdi_probe_fail(const char *fmt, ...)
{
        char buf[400];
        va_list ap;
        int e = errno;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        pdi_probe_say("%s: %s", buf, strerror(e));
        _exit(1);
}

void pdi_probe_describe(const struct pdi_child_out *o, char *buf, size_t n)
{
        pdi_child_describe(o, PDI_PROBE_TIMEOUT_MS, buf, n);
}

void pdi_probe_become(const struct pdi_run_as *u)
{
        char why[128];

        if (pdi_child_become(&u->creds, why, sizeof(why)) < 0) {
                pdi_probe_say("%s", why);
                _exit(1);
        }
}
