#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

static char *const exec_env[] = {"PATH=" PDI_EXEC_PATH, "LC_ALL=C", NULL};

int pdi_exec_find(const char *name, char **ret_path)
{
        static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
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

static int setup_actions(posix_spawn_file_actions_t *fa, int stdin_fd, int out_fd)
{
        int k = stdin_fd >= 0 ? posix_spawn_file_actions_adddup2(fa, stdin_fd, 0)
                              : posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
        if (k == 0)
                k = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
        if (k == 0)
                k = posix_spawn_file_actions_adddup2(fa, out_fd, 2);
        return -k;
}

/* Keep the first out_size-1 bytes, drain the rest so the child never blocks on a full pipe. */
static void collect(int fd, char *out, size_t out_size)
{
        size_t len = 0;
        char buf[4096];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                size_t room = out_size > len + 1 ? out_size - len - 1 : 0;
                size_t take = (size_t)n < room ? (size_t)n : room;
                memcpy(out + len, buf, take);
                len += take;
        }
        if (out_size > 0)
                out[len] = '\0';
}

static int wait_child(pid_t pid, int *ret_status)
{
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return 0;
}

int pdi_exec_run(const char *path, char *const argv[], int stdin_fd, char *out, size_t out_size,
                 int *ret_status)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        pid_t pid;
        int k = setup_actions(&fa, stdin_fd, pipefd[1]);
        if (k == 0)
                k = -posix_spawn(&pid, path, &fa, NULL, argv, exec_env);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (k < 0) {
                close(pipefd[0]);
                return k;
        }
        char dummy[1];
        collect(pipefd[0], out ? out : dummy, out ? out_size : sizeof(dummy));
        close(pipefd[0]);
        return wait_child(pid, ret_status);
}
