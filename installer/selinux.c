#include "selinux.h"
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif
#define SELINUXFS "/sys/fs/selinux"

/* Only the host's SELinux counts: a --root tree is labelled when it boots, not by us. */
const char *pdi_selinux_state(const struct pdi_root *r)
{
        struct statfs sfs;
        _cleanup_free_ char *text = NULL;
        if (!r->is_host || statfs(SELINUXFS, &sfs) < 0 ||
            (unsigned long)sfs.f_type != SELINUX_MAGIC)
                return "disabled";
        if (pdi_read_file_at(AT_FDCWD, SELINUXFS "/enforce", 16, &text, NULL) < 0)
                return "disabled";
        return text[0] == '1' ? "enforcing" : "permissive";
}

/* The installed module, else the one a build tree made (running from the build tree). */
static const char *module_path(void)
{
        if (access(PDI_SELINUX_PP, R_OK) == 0)
                return PDI_SELINUX_PP;
        if (access(PDI_SELINUX_BUILD_PP, R_OK) == 0)
                return PDI_SELINUX_BUILD_PP;
        return NULL;
}

static int relabel(const struct pdi_layout *l, struct pdi_report *rep, struct pdi_error *err)
{
        const char *dirs[] = {l->prefix,   l->base_path,    l->config_dir, l->sysusers,
                              l->tmpfiles, l->service_path, l->slice_path};
        char *argv[ELEMENTSOF(dirs) + 3] = {"restorecon", "-RF"};
        size_t n = 2;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (dirs[i] && access(dirs[i], F_OK) == 0)
                        argv[n++] = (char *)dirs[i];
        if (n == 2)
                return 0;
        int k = pdi_exec_tool("restorecon", argv, -1, err);
        if (k == 0)
                pdi_report_action(rep, "relabelled %s, %s and %s with restorecon", l->prefix,
                                  l->base_path, l->config_dir);
        return k;
}

int pdi_selinux_apply(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_report *rep,
                      struct pdi_error *err)
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
        char *argv[] = {"semodule", "-i", (char *)pp, NULL};
        int k = pdi_exec_tool("semodule", argv, -1, err);
        if (k < 0)
                return k;
        pdi_report_action(rep, "loaded SELinux policy module %s (SELinux %s)", pp, state);
        return relabel(l, rep, err);
}
