/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for pvf/acl.c: after the relay's grants another user (nobody, standing in for
 * pvf-worker) can search the ancestors, use the worker directory and what either side
 * creates in it, and connect-write the socket; it still cannot list an ancestor or read a
 * key file beside the worker directory, and the owning group gains nothing. As root only
 * (the other user is reached with setresuid in a child). */
#include "acl.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#define NOBODY 65534

static char dir[] = "/tmp/pdi-acl.XXXXXX";
static char base[64], work[128], key[128];

static int setup(void **state)
{
        (void)state;
        if (getuid() != 0 || !mkdtemp(dir))
                return 0;
        snprintf(base, sizeof(base), "%s/base", dir);
        snprintf(work, sizeof(work), "%s/chains/pvf-artifacts", base);
        snprintf(key, sizeof(key), "%s/chains/keystore", base);
        char cmd[2048];
        snprintf(cmd, sizeof(cmd),
                 "chmod 0755 %s && mkdir -p %s && chmod 0750 %s %s/chains && chmod 0700 %s && "
                 "echo secret > %s && chmod 0640 %s",
                 dir, work, base, base, work, key, key);
        return system(cmd);
}

static int teardown(void **state)
{
        char cmd[300];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return getuid() == 0 ? system(cmd) : 0;
}

/* Run fn as nobody in a child; its exit code. */
static int as_nobody(int (*fn)(void))
{
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                if (setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY))
                        _exit(99);
                _exit(fn());
        }
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

static int make_in_work(void)
{
        char p[400];
        snprintf(p, sizeof(p), "%s/artifact", work);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        return fd < 0 ? 1 : (close(fd), 0);
}

static int read_key(void)
{
        int fd = open(key, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? 1 : (close(fd), 0);
}

static int list_base(void)
{
        int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? 1 : (close(fd), 0);
}

static void test_worker_dir_reachable(void **state)
{
        char p[400];
        struct stat st;

        (void)state;
        if (getuid() != 0)
                skip();
        assert_int_equal(as_nobody(make_in_work), 1);
        assert_int_equal(pvf_acl_ancestors(work, NOBODY, 0), 0);
        assert_int_equal(pvf_acl_grant(work, NOBODY, 7), 0);
        assert_int_equal(pvf_acl_default(work, NOBODY, 0), 0);
        assert_int_equal(as_nobody(make_in_work), 0);
        /* What nobody made, the node (here root without its capabilities being the point:
         * the file's ACL) can use: it inherited a named entry for the node. */
        snprintf(p, sizeof(p), "%s/artifact", work);
        assert_true(getxattr(p, "system.posix_acl_access", NULL, 0) > 0);
        /* Nothing else: the key beside it and listing the base path stay closed. */
        assert_int_equal(as_nobody(read_key), 1);
        assert_int_equal(as_nobody(list_base), 1);
        /* The owning group's bits are unchanged: 0700 stays ---. */
        assert_int_equal(stat(work, &st), 0);
        assert_int_equal(st.st_mode & 0070, 0070); /* the mask shows there ... */
        char buf[256];
        ssize_t n = getxattr(work, "system.posix_acl_access", buf, sizeof(buf));
        assert_true(n > 4);
        /* ... but GROUP_OBJ (tag 4) keeps perm 0. */
        bool seen = false;
        for (ssize_t i = 4; i + 8 <= n; i += 8) {
                unsigned short tag, perm;
                memcpy(&tag, buf + i, 2);
                memcpy(&perm, buf + i + 2, 2);
                if (tag == 4) {
                        assert_int_equal(perm, 0);
                        seen = true;
                }
        }
        assert_true(seen);
}

static void test_grant_keeps_existing_entries(void **state)
{
        char buf[256];

        (void)state;
        if (getuid() != 0)
                skip();
        assert_int_equal(pvf_acl_grant(base, 1234, 1), 0);
        assert_int_equal(pvf_acl_grant(base, NOBODY, 1), 0);
        ssize_t n = getxattr(base, "system.posix_acl_access", buf, sizeof(buf));
        /* user::, user:1234, user:nobody, group::, mask::, other:: */
        assert_int_equal(n, 4 + 6 * 8);
        assert_int_equal(pvf_acl_grant("/nonexistent/x", NOBODY, 1), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_worker_dir_reachable),
            cmocka_unit_test(test_grant_keeps_existing_entries),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
