/* SPDX-License-Identifier: Apache-2.0 */
#include "base/exec.h"
#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

static char *const exec_env[] = {"PATH=" PDI_EXEC_PATH, "LC_ALL=C", NULL};

int pdi_exec_find(const char *name, char **ret_path)
{
        static const char *const fixed[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
        const char *dirs[ELEMENTSOF(fixed) + 1] = {NULL};
        size_t n = 0;
#ifdef PDI_TESTING
        /* Test hook: fake tools (semodule, restorecon …) found before the real ones. */
        if (getenv("PDI_TEST_EXEC_DIR"))
                dirs[n++] = getenv("PDI_TEST_EXEC_DIR");
#endif
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                dirs[n++] = fixed[i];
        for (size_t i = 0; i < n; i++) {
                char *p = NULL;
                if (asprintf(&p, "%s/%s", dirs[i], name) < 0)
                        return -ENOMEM;
                if (access(p, X_OK) == 0) {
                        *ret_path = p;
                        return 0;
                }
                free(p);
        }
        return -ENOENT;
}

struct exec_args {
        const char *path;
        char *const *argv;
        int stdin_fd;
        int out_fd; /* -1: the capture pipes */
};

/* In the child (stdin /dev/null, stdout and stderr on the capture pipes): both streams
 * into one, as the caller's message wants them in order. */
static void exec_child(void *p)
{
        const struct exec_args *a = p;
        if (a->stdin_fd >= 0 && dup2(a->stdin_fd, 0) < 0)
                _exit(127);
        if (a->out_fd >= 0 && dup2(a->out_fd, 1) < 0)
                _exit(127);
        if (dup2(1, 2) < 0)
                _exit(127);
        execve(a->path, a->argv, exec_env);
        _exit(127);
}

int pdi_exec_run_deadline(const char *path, char *const argv[], int stdin_fd, char *out,
                          size_t out_size, unsigned timeout_ms, int *ret_status)
{
        struct exec_args a = {path, argv, stdin_fd, -1};
        struct pdi_child_out o;
        if (access(path, X_OK) < 0)
                return -errno;
        int k = pdi_child_run(exec_child, &a, timeout_ms, &o);
        if (k < 0)
                return k;
        if (out && out_size > 0)
                snprintf(out, out_size, "%s", o.out);
        if (o.timed_out)
                return -ETIMEDOUT;
        *ret_status = WIFEXITED(o.status) ? WEXITSTATUS(o.status) : 128 + WTERMSIG(o.status);
        return 0;
}

int pdi_exec_run_into(const char *path, char *const argv[], int out_fd, int *ret_status)
{
        struct exec_args a = {path, argv, -1, out_fd};
        struct pdi_child_out o;
        if (access(path, X_OK) < 0)
                return -errno;
        int k = pdi_child_run(exec_child, &a, PDI_EXEC_TIMEOUT_MS, &o);
        if (k < 0)
                return k;
        if (o.timed_out)
                return -ETIMEDOUT;
        *ret_status = WIFEXITED(o.status) ? WEXITSTATUS(o.status) : 128 + WTERMSIG(o.status);
        return 0;
}

int pdi_exec_run(const char *path, char *const argv[], int stdin_fd, char *out, size_t out_size,
                 int *ret_status)
{
        return pdi_exec_run_deadline(path, argv, stdin_fd, out, out_size, PDI_EXEC_TIMEOUT_MS,
                                     ret_status);
}

int pdi_exec_tool(const char *tool, char *const argv[], int stdin_fd, struct pdi_error *err)
{
        _cleanup_free_ char *path = NULL;
        char out[1024] = "";
        int status = 0;
        int k = pdi_exec_find(tool, &path);
        if (k == -ENOENT)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: not found in %s", tool,
                                     PDI_EXEC_PATH);
        if (k == 0)
                k = pdi_exec_run(path, argv, stdin_fd, out, sizeof(out), &status);
        if (k == -ETIMEDOUT)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: still running after %u s; stopped it",
                                     tool, PDI_EXEC_TIMEOUT_MS / 1000);
        if (k < 0)
                return pdi_error_set(err, -PDI_E_FAILED, "%s: %s", tool, pdi_strerror(k));
        if (status != 0) {
                out[strcspn(out, "\n")] = '\0';
                return pdi_error_set(err, -PDI_E_FAILED, "%s%s%s failed (exit %d): %s", tool,
                                     argv[1] ? " " : "", argv[1] ? argv[1] : "", status, out);
        }
        return 0;
}
