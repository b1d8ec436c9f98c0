/* SPDX-License-Identifier: Apache-2.0 */
/* AppArmor and the workers' user namespace: Ubuntu 24.04 ships
 * kernel.apparmor_restrict_unprivileged_userns=1, which denies the unprivileged user
 * namespace of the change-root sandbox to every process whose AppArmor profile does not
 * allow `userns` (none, by default). Judged on the running host only (the knobs are read
 * through the root-fd layer, which is how the tests stand in for the host). */
#include "checks/checks_apparmor.h"
#include "checks/checks_host.h"
#include "host/apparmor.h"

#include <errno.h>

static const char restrict_hint[] =
    "polkadot-installer install loads a profile that allows the workers' user namespace "
    "(/etc/apparmor.d/<instance>, apparmor/polkadot.in); for another install, write one "
    "(`userns,` for the worker binaries) and load it with apparmor_parser -r; or set "
    "kernel.apparmor_restrict_unprivileged_userns=0";

void pdi_check_apparmor_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->root->is_host) {
                pdi_check_skip(c, "judged on the running host only, not under --root");
                return;
        }
        bool enabled = pdi_apparmor_enabled(t->root);
        int restrict_ = pdi_apparmor_restrict_userns(t->root);
        bool allowed = enabled && pdi_apparmor_profile_loaded(t->root, PDI_APPARMOR_WORKER_SUFFIX);

        pdi_check_finding(
            c, PDI_SEV_INFO, NULL, "AppArmor %s; %s", enabled ? "enabled" : "not enabled",
            restrict_ >= 0 ? (restrict_ ? "kernel.apparmor_restrict_unprivileged_userns=1"
                                        : "kernel.apparmor_restrict_unprivileged_userns=0")
                           : "no kernel.apparmor_restrict_unprivileged_userns");
        if (restrict_ <= 0)
                return;
        if (allowed) {
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "a loaded profile (*" PDI_APPARMOR_WORKER_SUFFIX
                                  ") allows the workers their user namespace");
                return;
        }
        bool landlock = pdi_host_probe_landlock(c)->r >= 1;
        if (landlock)
                pdi_check_finding(c, PDI_SEV_WARN, restrict_hint,
                                  "kernel.apparmor_restrict_unprivileged_userns=1 and no loaded "
                                  "AppArmor profile allows the workers a user namespace: their "
                                  "unshare+pivot_root sandbox is denied, so Secure Validator Mode "
                                  "runs degraded, on Landlock alone");
        else
                pdi_check_finding(c, PDI_SEV_ERROR, restrict_hint,
                                  "kernel.apparmor_restrict_unprivileged_userns=1 and no loaded "
                                  "AppArmor profile allows the workers a user namespace: their "
                                  "unshare+pivot_root sandbox is denied and Landlock is "
                                  "unavailable, so the node refuses to validate (Your system "
                                  "cannot securely run a validator)");
}
