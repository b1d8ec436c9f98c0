/* SPDX-License-Identifier: Apache-2.0 */
/* The manifest a run works from, and whether the run may use it: fetched and verified
 * (install, upgrade, --dry-run) or the stored one of a kept release verified again
 * (rollback); then the policies on top of the signatures: the chains it is cut for, and that
 * upgrade only moves forward. */
#pragma once

#include "pipeline/run.h"

/* Fetch the manifest and its signatures, verify them, check them against the state (which
 * it loads, raising its floor from the verified manifests under releases/): another product
 * than the installed release only with --allow-product-change, the sequence not below the
 * highest accepted for the product nor on this install. */
int pdi_run_load_manifest(struct run *r);
/* releases/<version>'s stored manifest and signatures, verified with today's trust policy
 * (expiry aside: it was accepted when installed) and naming that version. */
int pdi_run_load_stored(struct run *r, const char *version);
/* A release cut for some chains only is refused for a node configured for another one. */
int pdi_run_check_chains(struct run *r);
/* upgrade only moves forward from an existing install; the same
 * manifest again is "up to date". After pdi_run_reconcile. */
int pdi_run_check_upgrade(struct run *r);
