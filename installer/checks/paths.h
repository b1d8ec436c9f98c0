/* SPDX-License-Identifier: Apache-2.0 */
/* Paths inside the root, resolved as the kernel does it there, and the lists the checks build
 * of them. Everything reads through the root fd (fsroot.h); nothing here follows a path out
 * of the root. */
#pragma once

#include "base/fsroot.h"

/* Where the Debian package puts the workers, and the node's fallback worker directory. */
#define PDI_DEB_WORKER_DIR "/usr/lib/polkadot"
/* The directories a bare ExecStart= name is looked up in, in systemd's order (its
 * compiled-in search path, sbin before bin), which a root shell's PATH also holds: where
 * discovery looks for a node without a unit, and where a competing one would be found. */
#define PDI_PATH_DIRS "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"

/* dir/name ("/" + name for the root directory), or NULL when out of memory or either is NULL. */
char *pdi_path_join(const char *dir, const char *name);
/* Append p (taken over: freed when already there or on failure; NULL is -ENOMEM) to the
 * list unless an equal string is in it. 1 appended, 0 already there. */
int pdi_strv_add_unique(char ***v, size_t *n, char *p);
/* Both workers (polkadot-prepare-worker, polkadot-execute-worker) exist in dir. */
bool pdi_worker_set_in(const struct pdi_root *r, const char *dir);

/* Resolve every symlink of path inside the root (as the kernel does with RESOLVE_IN_ROOT)
 * and return the absolute in-root path of what it names. -ENOENT if it does not exist. */
int pdi_root_realpath(const struct pdi_root *r, const char *path, char **ret);
bool pdi_root_exists(const struct pdi_root *r, const char *path);

/* dpkg's status file (read whole, up to 64 MiB) says the package polkadot is installed. */
bool pdi_dpkg_has_polkadot(const struct pdi_root *r);
