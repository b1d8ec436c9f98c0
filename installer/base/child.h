/* SPDX-License-Identifier: Apache-2.0 */
/* Running something in a child process with a deadline: a function forked in its own process
 * group (stdin /dev/null, stdout and stderr captured apart, killed with us, no core dump), and
 * helpers for that function to drop to another user and to execute a file open at an fd. The
 * whole group is killed when the child ends or the time is up, so nothing it started outlives it.
 */
#pragma once

#include "base/common.h"

#include <sys/types.h>

/* How much of each of its stdout and stderr a child may write: past that it is killed. */
#define PDI_CHILD_OUTPUT_MAX (1024u * 1024)

struct pdi_child_out {
        int status; /* wait status */
        bool timed_out;
        bool truncated; /* wrote more than PDI_CHILD_OUTPUT_MAX to one pipe: killed then */
        char out[1024]; /* stdout, NUL-terminated, what did not fit dropped */
        char err[256];  /* stderr, likewise */
};

/* Runs in the child with stdout and stderr on the capture pipes (dup2(1, 2) merges them);
 * should end with _exit(); the child exits 127 if it returns. */
typedef void (*pdi_child_fn)(void *arg);

/* Fork fn(arg) and wait for it at most timeout_ms, reading its output meanwhile (at most
 * PDI_CHILD_OUTPUT_MAX a pipe); then SIGKILL its process group (and it, on timeout or too
 * much output) and reap it. Returns 0 with ret filled once the
 * child is reaped, or -errno if it could not be started (ret untouched). */
int pdi_child_run(pdi_child_fn fn, void *arg, unsigned timeout_ms, struct pdi_child_out *ret);

/* Exited with status 0 before the deadline. */
bool pdi_child_ok(const struct pdi_child_out *o);

/* One line on how the child ended, for a finding: "timed out after N s", "wrote more than
 * 1024 KiB to stdout or stderr; stopped it", else what it wrote
 * to stdout (lines joined with spaces), else "killed by signal N (name)" or "exit status N". */
void pdi_child_describe(const struct pdi_child_out *o, unsigned timeout_ms, char *buf, size_t n);

/* Whom the child runs as. */
struct pdi_creds {
        bool drop; /* false: stay who we are */
        uid_t uid;
        gid_t gid;
        gid_t groups[32]; /* the complete group list; none when n_groups is 0 */
        size_t n_groups;
};

/* In the child: become creds (groups, then gid, then uid; all of real, effective and saved)
 * and check that it took. Returns 0, or -errno with why filled ("setgid 65534: <error>"). */
int pdi_child_become(const struct pdi_creds *c, char *why, size_t n);

/* In the child: execute the file open at fd (O_PATH will do) with execveat(AT_EMPTY_PATH)
 * from "/": no path is looked up again, and fd stays open across the exec so that a script's
 * interpreter can reopen it as /dev/fd/N. Returns -errno only when it could not. */
int pdi_child_exec(int fd, char *const argv[], char *const envp[]);
