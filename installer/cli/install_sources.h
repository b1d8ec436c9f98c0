/* SPDX-License-Identifier: Apache-2.0 */
/* Where install and upgrade take a release from: --manifest, --from DIR, and the two the
 * command line turns into a private --from DIR before the pipeline runs: --upstream (an
 * import of upstream's OpenPGP-signed release, signed with --sign-with) and --bundle FILE
 * (one signed file, verified whole before anything is extracted). The pipeline then checks
 * that directory as it checks any other: signatures under the trust policy, sizes, hashes. */
#pragma once

#include "cli/cli.h"
#include "pipeline/options.h"

/* An import option (cli/import_args.h) given to install or upgrade. */
int pdi_install_import_option(struct pdi_ctx *ctx, struct pdi_install_opts *o, int c,
                              const char *arg);
/* Exactly one source for install and upgrade; none of them for rollback. */
int pdi_install_check_source(struct pdi_ctx *ctx, const struct pdi_command *cmd,
                             const struct pdi_install_opts *o);
/* Run the install or upgrade, from the private directory --upstream or --bundle make (and
 * remove afterwards), else as given. */
int pdi_install_from_source(struct pdi_ctx *ctx, struct pdi_install_opts *o);
