/* SPDX-License-Identifier: Apache-2.0 */
/* AppArmor, the counterpart of selinux.h: what the host's AppArmor does to the node (is it
 * enabled, does kernel.apparmor_restrict_unprivileged_userns deny the workers their user
 * namespace), and the profiles of apparmor/polkadot.in (embedded), rendered for the
 * install's paths into /etc/apparmor.d/<instance> and loaded with apparmor_parser -r where
 * AppArmor is enabled; elsewhere one line says so. */
#pragma once

#include "base/error.h"
#include "base/report.h"
#include "release/layout.h"
#include "release/state.h"

#define PDI_APPARMOR_RESTRICT_USERNS "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
#define PDI_APPARMOR_PROFILES "/sys/kernel/security/apparmor/profiles"

/* AppArmor runs: /sys/kernel/security/apparmor exists, or
 * /sys/module/apparmor/parameters/enabled says Y. Only the host's counts (read through the
 * root-fd layer, so a test root can stand in for it); false for any other root. */
bool pdi_apparmor_enabled(const struct pdi_root *r);
/* kernel.apparmor_restrict_unprivileged_userns of the host: 0 or 1 (any other number as
 * it is), -ENOENT where the kernel has no such knob, -EOPNOTSUPP for a root that is not the
 * host. */
int pdi_apparmor_restrict_userns(const struct pdi_root *r);
/* Is a profile whose name ends in suffix loaded (PDI_APPARMOR_PROFILES)? */
bool pdi_apparmor_profile_loaded(const struct pdi_root *r, const char *suffix);

/* The profile names: "<instance>" for the node, "<instance>-pvf-worker" for the workers. */
#define PDI_APPARMOR_WORKER_SUFFIX "-pvf-worker"
/* The profile text for the layout: with `userns,` where the root's AppArmor knows ABI 4.0
 * (/etc/apparmor.d/abi/4.0: user namespaces are mediated since 4.0), else without it. A
 * releases path AppArmor would read as a pattern (anything but letters, digits and
 * "/._+-") is -EINVAL. */
int pdi_apparmor_render(const struct pdi_root *r, const struct pdi_layout *l, char **ret_text);
/* /etc/apparmor.d/<instance>. */
char *pdi_apparmor_profile_path(const struct pdi_layout *l);
/* Write the profile (when it changed) and load it (when AppArmor is enabled and it is not
 * loaded as it is now); under --root it is written where the root has /etc/apparmor.d (its
 * AppArmor loads it at boot). Elsewhere a note says nothing was installed. */
int pdi_apparmor_apply(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_state *st,
                       struct pdi_report *rep, struct pdi_error *err);
/* uninstall: remove the profile file (the loaded profiles go with the next boot or
 * apparmor_parser -R, which is run where AppArmor is enabled). */
int pdi_apparmor_remove(const struct pdi_root *r, const struct pdi_layout *l,
                        struct pdi_report *rep, struct pdi_error *err);
