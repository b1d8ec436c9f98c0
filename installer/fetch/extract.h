/* SPDX-License-Identifier: Apache-2.0 */
/* Safe extraction of a release archive with libarchive: only tar, with only the one
 * compression filter the manifest declares. Nothing from the archive decides where bytes go
 * or what they become: only regular-file entries whose name is listed in the artifact's
 * `files` are written, into the staging directory, each created fresh (O_EXCL, O_NOFOLLOW,
 * mode 0600; the installer sets owner and mode afterwards), hashed while written and
 * checked against the signed sha256 and size. Nothing is fsynced here: the caller makes the
 * files and the directory durable (stage.c does, once it has set owner and mode). */
#pragma once

#include "trust/manifest.h"

/* Extract archive_fd (positioned at 0) into dirfd. -PDI_E_ARCHIVE for a refused entry
 * (absolute path, "..", link, device, FIFO, setuid/setgid/sticky, duplicate, unlisted,
 * too many entries or bytes, listed file missing), -PDI_E_INTEGRITY for a hash or size that
 * differs from the manifest; the message names the archive, the entry and the reason. On
 * error, files already written stay in dirfd: the caller removes the staging directory. */
int pdi_extract(int archive_fd, const struct pdi_manifest_artifact *a, int dirfd,
                struct pdi_error *err);
