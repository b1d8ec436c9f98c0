/* SPDX-License-Identifier: Apache-2.0 */
#include "base/timing.h"
#include "base/common.h"
#include "base/fsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *const names[PDI_PHASE__N] = {
    [PDI_PHASE_OTHER] = "other",       [PDI_PHASE_PREPARE] = "prepare",
    [PDI_PHASE_DOWNLOAD] = "download", [PDI_PHASE_WRITE] = "write",
    [PDI_PHASE_HASH] = "hash",         [PDI_PHASE_STAGE] = "stage",
    [PDI_PHASE_FSYNC] = "fsync",       [PDI_PHASE_CHECKS] = "checks",
    [PDI_PHASE_HOST] = "host",         [PDI_PHASE_ACTIVATE] = "activate",
};

static uint64_t spent[PDI_PHASE__N];
static enum pdi_phase running = PDI_PHASE_OTHER;
static uint64_t since, started;

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The first call starts the clock; the program calls pdi_phase_enter(OTHER) first thing. */
static void charge(uint64_t t)
{
        if (!started)
                started = since = t;
        spent[running] += t - since;
        since = t;
}

enum pdi_phase pdi_phase_enter(enum pdi_phase p)
{
        enum pdi_phase was = running;
        charge(now_ns());
        running = p < PDI_PHASE__N ? p : PDI_PHASE_OTHER;
        return was;
}

void pdi_phase_leave(enum pdi_phase previous)
{
        (void)pdi_phase_enter(previous);
}

int pdi_fsync_timed(int fd)
{
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_FSYNC);
        int r = fsync(fd);
        int e = errno;
        pdi_phase_leave(was);
        errno = e;
        return r;
}

int pdi_write_behind(int fd, const void *data, size_t len, uint64_t end, uint64_t *kicked)
{
        enum pdi_phase was = pdi_phase_enter(PDI_PHASE_WRITE);
        int r = pdi_write_all(fd, data, len);
        if (r == 0 && end >= *kicked && end - *kicked >= PDI_WRITEBACK_CHUNK) {
                (void)sync_file_range(fd, (off_t)*kicked, (off_t)(end - *kicked),
                                      SYNC_FILE_RANGE_WRITE);
                *kicked = end;
        }
        pdi_phase_leave(was);
        return r;
}

double pdi_phase_seconds(enum pdi_phase p)
{
        charge(now_ns());
        return p < PDI_PHASE__N ? (double)spent[p] / 1e9 : 0;
}

const char *pdi_phase_name(enum pdi_phase p)
{
        return p < PDI_PHASE__N ? names[p] : "?";
}

void pdi_timing_print(FILE *f)
{
        charge(now_ns());
        for (enum pdi_phase p = 0; p < PDI_PHASE__N; p++)
                fprintf(f, "%s %.6f\n", names[p], (double)spent[p] / 1e9);
        fprintf(f, "total %.6f\n", (double)(since - started) / 1e9);
}

int pdi_timing_write_env(void)
{
        const char *path = getenv("PDI_TIMING");
        if (!path || !*path)
                return 0;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
                int k = -errno;
                if (fd >= 0)
                        close(fd);
                return k;
        }
        pdi_timing_print(f);
        return fclose(f) == 0 ? 0 : -errno;
}
