/* SPDX-License-Identifier: Apache-2.0 */
#include "host/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#define SKIP_CODE 77

/* What /proc/self/mountinfo says, independently of the code under test. */
static bool mounted(const char *where, const char *fstype)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096], pat[512];
        bool found = false;
        snprintf(pat, sizeof(pat), " %s ", where);
        while (f && !found && fgets(line, sizeof(line), f)) {
                char *sep = strstr(line, " - ");
                found = strstr(line, pat) && sep && strncmp(sep + 3, fstype, strlen(fstype)) == 0 &&
                        sep[3 + strlen(fstype)] == ' ';
        }
        if (f)
                fclose(f);
        return found;
}

/* This host: v2, hybrid (the CI machine) or plain v1; whichever it is, detection agrees. */
static void host_detection(void **state)
{
        (void)state;
        struct pdi_cgroups c;
        assert_int_equal(pdi_cgroups_detect("/sys/fs/cgroup", &c), 0);
        bool v2 = mounted("/sys/fs/cgroup", "cgroup2");
        bool hybrid = !v2 && mounted("/sys/fs/cgroup/unified", "cgroup2");
        print_message("host: %s, controllers 0x%x\n",
                      v2       ? "v2"
                      : hybrid ? "hybrid"
                               : "v1",
                      c.controllers);
        assert_int_equal(c.v2, v2);
        assert_int_equal(c.hybrid, hybrid);
        if (hybrid)
                assert_int_equal(c.controllers & PDI_CG_MEMORY, 0); /* memory is on v1 */
}

/* The note a run prints about the slice's limits on each kind of host. */
static void limits_text(void **state)
{
        (void)state;
        static const struct {
                struct pdi_cgroups c;
                const char *text; /* NULL: nothing to say */
        } cases[] = {
            {{.v2 = true, .controllers = PDI_CG_MEMORY | PDI_CG_CPU | PDI_CG_IO | PDI_CG_PIDS},
             NULL},
            {{.v2 = true, .controllers = PDI_CG_CPU | PDI_CG_IO | PDI_CG_PIDS},
             "cgroup v2 without the memory controller: MemoryHigh= and MemoryMax= in the slice "
             "cannot apply"},
            {{.v2 = true, .controllers = PDI_CG_MEMORY | PDI_CG_CPU},
             "cgroup v2 without the io controller: IOWeight= in the slice cannot apply; cgroup "
             "v2 without the pids controller: TasksMax= in the slice cannot apply"},
            {{.hybrid = true},
             "cgroup hybrid (controllers on v1): MemoryHigh= in the slice cannot apply; "
             "MemoryMax=, CPUWeight=, IOWeight= and TasksMax= apply through their v1 "
             "equivalents (memory limit, cpu.shares, blkio.weight, pids.max)"},
            {{0},
             "cgroup v1: MemoryHigh= in the slice cannot apply; MemoryMax=, CPUWeight=, "
             "IOWeight= and TasksMax= apply through their v1 equivalents (memory limit, "
             "cpu.shares, blkio.weight, pids.max)"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[512] = "untouched";
                bool said = pdi_cgroups_limits_text(&cases[i].c, text, sizeof(text));
                assert_int_equal(said, cases[i].text != NULL);
                if (cases[i].text)
                        assert_string_equal(text, cases[i].text);
        }
}

static void not_cgroup(void **state)
{
        (void)state;
        struct pdi_cgroups c;
        assert_int_equal(pdi_cgroups_detect("/proc", &c), -ENOMEDIUM);
        assert_int_equal(pdi_cgroups_detect("/nonexistent-pdi", &c), -ENOENT);
}

/* In a child with a private mount namespace: cgroup2 on dir, then a controllers list bound
 * over its cgroup.controllers (on a hybrid host the real list is empty). */
static int child(const char *dir)
{
        char ctl[512], fake[512];
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("none", dir, "cgroup2", 0, NULL) < 0) {
                fprintf(stderr, "cannot mount cgroup2 in a private namespace: %s\n",
                        strerror(errno));
                return SKIP_CODE;
        }
        struct pdi_cgroups c;
        if (pdi_cgroups_detect(dir, &c) < 0 || !c.v2 || c.hybrid)
                return 1;
        snprintf(fake, sizeof(fake), "%s.controllers", dir);
        snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", dir);
        FILE *f = fopen(fake, "we");
        if (!f || fputs("cpuset cpu io memory hugetlb pids rdma misc\n", f) < 0 || fclose(f))
                return 2;
        if (mount(fake, ctl, NULL, MS_BIND, NULL) < 0)
                return SKIP_CODE;
        if (pdi_cgroups_detect(dir, &c) < 0 || !c.v2)
                return 3;
        unsigned all = PDI_CG_MEMORY | PDI_CG_CPU | PDI_CG_IO | PDI_CG_PIDS;
        return c.controllers == all ? 0 : 4;
}

static void v2_in_private_namespace(void **state)
{
        (void)state;
        char dir[] = "/tmp/pdi-cgroup2.XXXXXX";
        assert_non_null(mkdtemp(dir));
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(child(dir));
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        char fake[64];
        snprintf(fake, sizeof(fake), "%s.controllers", dir);
        unlink(fake);
        rmdir(dir);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == SKIP_CODE) {
                print_message("skipped: mounting cgroup2 in a private mount namespace is not "
                              "permitted here\n");
                skip();
        }
        assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(host_detection),
            cmocka_unit_test(not_cgroup),
            cmocka_unit_test(limits_text),
            cmocka_unit_test(v2_in_private_namespace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
