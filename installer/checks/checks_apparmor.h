/* SPDX-License-Identifier: Apache-2.0 */
/* AppArmor's state and whether kernel.apparmor_restrict_unprivileged_userns takes away the
 * workers' user namespace (Ubuntu 24.04), and what that costs Secure Validator Mode. */
#pragma once

#include "checks/finding.h"
#include "checks/target.h"

void pdi_check_apparmor_run(const struct pdi_target *t, struct pdi_check_ctx *c);
