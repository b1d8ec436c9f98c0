/* SPDX-License-Identifier: Apache-2.0 */
#include "host/selinux.h"
#include "base/exec.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif
#define SELINUXFS "/sys/fs/selinux"

/* Where the state keeps that a base path was made equivalent to the module's default. */
#define EQUIV_KEY "selinux fcontext equivalence "

/* Only the host's SELinux counts: a --root tree is labelled when it boots, not by us. */
const char *pdi_selinux_state(const struct pdi_root *r)
{
        struct statfs sfs;
        _cleanup_free_ char *text = NULL;
#ifdef PDI_TESTING
        /* Test hook: pretend SELinux is on ("enforcing", "permissive") for the host root. */
        if (r->is_host && getenv("PDI_TEST_SELINUX"))
                return getenv("PDI_TEST_SELINUX");
#endif
        if (!r->is_host || statfs(SELINUXFS, &sfs) < 0 ||
            (unsigned long)sfs.f_type != SELINUX_MAGIC)
                return "disabled";
        if (pdi_read_file_at(AT_FDCWD, SELINUXFS "/enforce", 16, &text, NULL) < 0)
                return "disabled";
        return text[0] == '1' ? "enforcing" : "permissive";
}

/* The installed module; in test builds also a fake one or the build tree's. */
static const char *module_path(void)
{
#ifdef PDI_TESTING
        if (getenv("PDI_TEST_SELINUX_PP"))
                return getenv("PDI_TEST_SELINUX_PP");
#endif
        if (access(PDI_SELINUX_PP, R_OK) == 0)
                return PDI_SELINUX_PP;
#ifdef PDI_SELINUX_BUILD_PP
        if (access(PDI_SELINUX_BUILD_PP, R_OK) == 0)
                return PDI_SELINUX_BUILD_PP;
#endif
        return NULL;
}

/* Load the module unless the state says this very file is loaded: semodule -i rebuilds the
 * whole policy. 1 if it was loaded now. */
static int load_module(const char *pp, const char *state, struct pdi_state *st,
                       struct pdi_report *rep, struct pdi_error *err)
{
        char sha[65];
        _cleanup_close_ int fd = open(pp, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int k = fd < 0 ? -errno : pdi_sha256_fd(fd, sha, NULL);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", pp, pdi_strerror(k));
        if (streq(pdi_state_rendered(st, pp), sha))
                return 0;
        char *argv[] = {"semodule", "-i", (char *)pp, NULL};
        k = pdi_exec_tool("semodule", argv, -1, err);
        if (k == 0)
                k = pdi_state_set_rendered(st, pp, sha);
        if (k < 0)
                return k;
        pdi_report_action(rep, "loaded SELinux policy module %s (SELinux %s)", pp, state);
        return 1;
}

/* The module's file contexts name the default base path; another one gets the same labels
 * through an equivalence rule. 1 if it was added now. */
static int equivalence(const struct pdi_layout *l, const char *base, struct pdi_state *st,
                       struct pdi_report *rep, struct pdi_error *err)
{
        _cleanup_free_ char *key = NULL;
        char sha[65];
        if (streq(base, l->base_path))
                return 0;
        if (asprintf(&key, EQUIV_KEY "%s", base) < 0 ||
            pdi_sha256_buf(l->base_path, strlen(l->base_path), sha) < 0)
                return pdi_error_set(err, -ENOMEM, "%s: %s", base, pdi_strerror(-ENOMEM));
        if (streq(pdi_state_rendered(st, key), sha))
                return 0;
        char *add[] = {"semanage", "fcontext", "-a", "-e", l->base_path, (char *)base, NULL};
        char *mod[] = {"semanage", "fcontext", "-m", "-e", l->base_path, (char *)base, NULL};
        struct pdi_error first = {0};
        int k = pdi_exec_tool("semanage", add, -1, &first);
        if (k < 0) /* defined before (by hand, or a state that was lost): make it ours */
                k = pdi_exec_tool("semanage", mod, -1, &first);
        if (k < 0)
                return pdi_error_set(err, k, "%s", first.msg);
        k = pdi_state_set_rendered(st, key, sha);
        if (k < 0)
                return pdi_error_set(err, k, "state: %s", pdi_strerror(k));
        pdi_report_action(rep, "labelled %s like %s (semanage fcontext -e)", base, l->base_path);
        return 1;
}

/* "relabelled A, B and C with restorecon": the paths restorecon was given. */
static void report_relabelled(struct pdi_report *rep, char *const *paths, size_t n)
{
        char list[2048] = "";
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof(list); i++)
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                        i == 0       ? ""
                                        : i + 1 == n ? " and "
                                                     : ", ",
                                        paths[i]);
        pdi_report_action(rep, "relabelled %s with restorecon", list);
}

/* Each run relabels the small trees we write (a new release's binaries need their exec
 * type); the base path, which holds the chain database, only by its top directory unless
 * the rules that label it just changed. */
static int relabel(const struct pdi_layout *l, const char *base, bool fresh, struct pdi_report *rep,
                   struct pdi_error *err)
{
        const char *dirs[] = {l->prefix,   l->config_dir,   l->sysusers,
                              l->tmpfiles, l->service_path, l->slice_path};
        char *argv[ELEMENTSOF(dirs) + 4] = {"restorecon", "-RF"};
        size_t n = 2;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (dirs[i] && access(dirs[i], F_OK) == 0)
                        argv[n++] = (char *)dirs[i];
        if (fresh && access(base, F_OK) == 0)
                argv[n++] = (char *)base;
        int k = n > 2 ? pdi_exec_tool("restorecon", argv, -1, err) : 0;
        if (k == 0 && !fresh && access(base, F_OK) == 0)
                k = pdi_exec_tool("restorecon", (char *[]){"restorecon", "-F", (char *)base, NULL},
                                  -1, err);
        if (k == 0 && fresh && n > 2)
                report_relabelled(rep, argv + 2, n - 2);
        return k;
}

int pdi_selinux_apply(const struct pdi_root *r, const struct pdi_layout *l, const char *base,
                      struct pdi_state *st, struct pdi_report *rep, struct pdi_error *err)
{
        const char *state = pdi_selinux_state(r);
        if (streq(state, "disabled")) {
                pdi_report_note(rep,
                                "SELinux is not enabled here; the policy module is not loaded");
                return 0;
        }
        const char *pp = module_path();
        if (!pp) {
                pdi_report_warn(rep,
                                "SELinux is %s but the policy module is missing (%s); the node "
                                "runs in the default domain for services",
                                state, PDI_SELINUX_PP);
                return 0;
        }
        base = base ? base : l->base_path;
        int loaded = load_module(pp, state, st, rep, err);
        if (loaded < 0)
                return loaded;
        int equiv = equivalence(l, base, st, rep, err);
        if (equiv < 0)
                return equiv;
        return relabel(l, base, loaded || equiv, rep, err);
}
