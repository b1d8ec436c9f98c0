/* SPDX-License-Identifier: Apache-2.0 */
/* The checks folder as the rest of the installer uses it (cli/cmd_audit.c, the pipeline's
 * release checks before activation): find what is installed (target.h), run the checks and
 * report (audit.h). Files inside checks/ include the headers they need, never this one. */
#pragma once

#include "checks/audit.h"
#include "checks/target.h"
