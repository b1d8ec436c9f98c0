/* SPDX-License-Identifier: Apache-2.0 */
/* A temporary --root for a unit test program: `root` on a fresh directory under /tmp, made
 * by testroot_setup() and removed with everything in it by testroot_teardown(). */
#pragma once

#include "base/fsroot.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpl[] = "/tmp/pdi-unit.XXXXXX";
static struct pdi_root root;

static int testroot_setup(void)
{
        if (!mkdtemp(tmpl))
                return -1;
        return pdi_root_init(&root, tmpl);
}

static int testroot_teardown(void)
{
        char cmd[128];
        pdi_root_done(&root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        return system(cmd);
}

/* cmocka group setup/teardown for tests that need nothing more. */
static inline int testroot_group_setup(void **state)
{
        (void)state;
        return testroot_setup();
}

static inline int testroot_group_teardown(void **state)
{
        (void)state;
        return testroot_teardown();
}

/* The host path of a path inside the test root (four rotating buffers, so a few can be
 * used in one call). */
static inline const char *testroot_at(const char *path)
{
        static char buf[4][512];
        static unsigned n;
        char *b = buf[n++ % 4];
        snprintf(b, sizeof(buf[0]), "%s%s", tmpl, path);
        return b;
}

/* Something (even a dangling link) is at path inside the test root. */
static inline bool testroot_exists(const char *path)
{
        struct stat st;
        return lstat(testroot_at(path), &st) == 0;
}
