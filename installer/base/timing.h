/* SPDX-License-Identifier: Apache-2.0 */
/* Where a run's time goes, for bench/install.sh: every moment of the process belongs to exactly
 * one phase (the innermost one entered), so the phases add up to the wall time and nothing is
 * counted twice. PDI_TIMING=FILE makes the program write "PHASE SECONDS" lines there at exit;
 * without it the bookkeeping still runs (two clock reads per phase change) and nothing is
 * written. */
#pragma once

#include <stdint.h>
#include <stdio.h>

enum pdi_phase {
        PDI_PHASE_OTHER,    /* start-up, state, pruning, exit: what no phase below claims */
        PDI_PHASE_PREPARE,  /* manifest fetch, signature check, policy, state reconciliation */
        PDI_PHASE_DOWNLOAD, /* waiting for bytes (curl, or reading a local source) */
        PDI_PHASE_WRITE,    /* writing downloaded bytes into the cache */
        PDI_PHASE_HASH,     /* sha256 of bytes in memory or read back from disk */
        PDI_PHASE_STAGE,    /* building the release directory: link, clone, copy, extract, chmod */
        PDI_PHASE_FSYNC,    /* fsync of artifact data and of the release tree */
        PDI_PHASE_CHECKS,   /* the release checks on the staged tree */
        PDI_PHASE_HOST,     /* host configuration: users, directories, units, SELinux */
        PDI_PHASE_ACTIVATE, /* switching current, starting the node, the health check */
        PDI_PHASE__N,
};

/* Time from now on is charged to p; returns the phase that was running, for pdi_phase_leave. */
enum pdi_phase pdi_phase_enter(enum pdi_phase p);
void pdi_phase_leave(enum pdi_phase previous);

/* fsync(2) charged to PDI_PHASE_FSYNC. */
int pdi_fsync_timed(int fd);
/* pdi_write_all (base/fsroot.h) charged to PDI_PHASE_WRITE, for a file written front to back
 * that ends at offset end after this write: once PDI_WRITEBACK_CHUNK bytes since *kicked are
 * written, their writeback is started (sync_file_range, best effort: a failure shows again,
 * and is reported, at the fsync that still makes them durable) and *kicked moves to end. */
#define PDI_WRITEBACK_CHUNK (8u << 20)
int pdi_write_behind(int fd, const void *data, size_t len, uint64_t end, uint64_t *kicked);

/* Seconds charged to p so far (the running phase included). */
double pdi_phase_seconds(enum pdi_phase p);
const char *pdi_phase_name(enum pdi_phase p);

/* "PHASE SECONDS" per phase, then "total SECONDS", to f. */
void pdi_timing_print(FILE *f);

/* If PDI_TIMING names a file, write pdi_timing_print there (created 0600, replaced). Errors
 * are returned, not reported: the caller decides whether a lost profile matters. */
int pdi_timing_write_env(void);
