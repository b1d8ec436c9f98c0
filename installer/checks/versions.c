/* SPDX-License-Identifier: Apache-2.0 */
#include "checks/versions.h"
#include "base/confine.h"

#include <errno.h>
#include <fcntl.h>

/* ---- running `<binary> --version`, confined -------------------------------------------- */

/* Whatever the tree's passwd says, it runs as the host chooses, in namespaces (confine.h). */
static void version_child(void *arg)
{
        pdi_confine_exec(arg);
}

int pdi_check_run_flag(const struct pdi_target *t, const char *path, const char *flag,
                       struct pdi_child_out *res)
{
        _cleanup_close_ int fd = pdi_root_open(t->root, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        /* The node clears the environment of everything but RUST_LOG (pvf/src/lib.rs). */
        _cleanup_free_ char *rust_log = NULL;
        if (getenv("RUST_LOG") && asprintf(&rust_log, "RUST_LOG=%s", getenv("RUST_LOG")) < 0)
                return -ENOMEM;
        char *envp[] = {rust_log, NULL};
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        char *argv[] = {(char *)base, (char *)flag, NULL};
        struct pdi_confine a = {.exe_fd = fd, .argv = argv, .envp = envp};
        return pdi_child_run(version_child, &a, PDI_VERSION_TIMEOUT_MS, res);
}

/* Rust's str::trim(): whitespace off both ends. */
char *pdi_check_trim(char *s)
{
        s += strspn(s, " \t\r\n\v\f");
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r\n\v\f", s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* "polkadot 1.16.0-87971b3e927" (the real node) or "1.16.0" (a stand-in) → "1.16.0": the
 * last word, without a trailing -<commit hash>, which the node does not compare either. */
void pdi_check_node_version(char *out, char *buf, size_t size)
{
        char *s = pdi_check_trim(out), *sp = strrchr(s, ' ');
        snprintf(buf, size, "%s", sp ? sp + 1 : s);
        char *dash = strrchr(buf, '-');
        size_t n = dash ? strlen(dash + 1) : 0;
        if (dash && n >= 7 && strspn(dash + 1, "0123456789abcdef") == n)
                *dash = '\0';
}
