/* SPDX-License-Identifier: Apache-2.0 */
/* `<binary> --version`, confined (binversion.h). */
#include "checks/binversion.h"
#include "base/child.h"
#include "base/confine.h"
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void version_child(void *arg)
{
        pdi_confine_exec(arg);
}

char *pdi_version_trim(char *s)
{
        s += strspn(s, " \t\r\n\v\f");
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]))
                s[--n] = '\0';
        return s;
}

void pdi_version_word(char *out, char *buf, size_t size)
{
        char *s = pdi_version_trim(out), *sp = strrchr(s, ' ');
        snprintf(buf, size, "%s", sp ? sp + 1 : s);
        char *dash = strrchr(buf, '-');
        size_t n = dash ? strlen(dash + 1) : 0;
        if (dash && n >= 7 && strspn(dash + 1, "0123456789abcdef") == n)
                *dash = '\0';
}

int pdi_binary_version_run(int fd, const char *name, unsigned timeout_ms, struct pdi_child_out *out)
{
        /* The node clears the environment of everything but RUST_LOG (pvf/src/lib.rs). */
        _cleanup_free_ char *rust_log = NULL;
        if (getenv("RUST_LOG") && asprintf(&rust_log, "RUST_LOG=%s", getenv("RUST_LOG")) < 0)
                return -ENOMEM;
        char *envp[] = {rust_log, NULL};
        char *argv[] = {(char *)name, (char *)"--version", NULL};
        struct pdi_confine c = {.exe_fd = fd, .argv = argv, .envp = envp};
        return pdi_child_run(version_child, &c, timeout_ms, out);
}

int pdi_binary_version(int fd, const char *name, char *ret, size_t n, char *why, size_t why_n)
{
        struct pdi_child_out out;
        int r = pdi_binary_version_run(fd, name, PDI_BINVERSION_TIMEOUT_MS, &out);
        if (r < 0) {
                snprintf(why, why_n, "%s", strerror(-r));
                return -PDI_E_FAILED;
        }
        if (!pdi_child_ok(&out) || !pdi_version_trim(out.out)[0]) {
                pdi_child_describe(&out, PDI_BINVERSION_TIMEOUT_MS, why, why_n);
                if (pdi_child_ok(&out))
                        snprintf(why, why_n, "printed nothing");
                else if (out.err[0])
                        snprintf(why + strlen(why), why_n - strlen(why), ": %s",
                                 pdi_version_trim(out.err));
                return -PDI_E_FAILED;
        }
        pdi_version_word(out.out, ret, n);
        return 0;
}
