/* SPDX-License-Identifier: Apache-2.0 */
/* The opt-in unattended-upgrade timer (cmd_auto_upgrade.c), for uninstall to remove it. */
#pragma once

#include "cli/cli.h"
#include "base/report.h"
#include "release/state.h"

#define PDI_AUTO_UPGRADE_UNIT_DIR "/etc/systemd/system"
#define PDI_AUTO_UPGRADE_TIMER "polkadot-installer-upgrade.timer"
#define PDI_AUTO_UPGRADE_TIMER_PATH PDI_AUTO_UPGRADE_UNIT_DIR "/" PDI_AUTO_UPGRADE_TIMER

/* Stop and disable the timer (live) or remove its enable link (offline), and remove the
 * timer and service units. */
int pdi_auto_upgrade_disable(struct pdi_ctx *ctx, const struct pdi_root *r, struct pdi_state *st,
                             struct pdi_report *rep);
