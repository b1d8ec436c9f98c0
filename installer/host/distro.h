/* SPDX-License-Identifier: Apache-2.0 */
/* Distributions, detected from /etc/os-release (under --root) and handled by a table of
 * adapters: how users are created, where nologin is, which init runs services. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"

enum pdi_init_system {
        PDI_INIT_SYSTEMD,
        PDI_INIT_OPENRC, /* Alpine: no systemd units; the operator is told what to do */
        PDI_INIT_NIXOS,  /* NixOS: we refuse to modify the system (see INSTALL.md) */
};

struct pdi_distro {
        const char *id;   /* "debian", "ubuntu", "fedora", "rhel", "arch", "opensuse", … */
        const char *name; /* for messages */
        enum pdi_init_system init;
        const char *nologin;         /* /usr/sbin/nologin, /sbin/nologin */
        const char *admin_groups[4]; /* groups that grant root: sudo, wheel, adm */
};

/* Detect from os-release ID, then ID_LIKE. Unknown: -PDI_E_FAILED naming ID. A --root tree
 * without any os-release gets a generic systemd adapter and the return value 1 (the caller
 * says so); on the host a missing os-release is an error. */
int pdi_distro_detect(const struct pdi_root *r, const struct pdi_distro **ret,
                      struct pdi_error *err);
