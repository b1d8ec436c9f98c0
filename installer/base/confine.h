/* SPDX-License-Identifier: Apache-2.0 */
/* Running a binary we do not trust (anything of an audited tree): inside a child of
 * pdi_child_run(), confine the process and then execute the file open at an fd. Nothing of
 * the tree decides who or where it runs; a step that cannot be taken stops it (fail closed).
 *
 * Who: the host chooses. As root we first become 65534:65534 (the kernel's overflow ids,
 * Debian's nobody:nogroup) with no supplementary group, never the tree's passwd user: an id
 * that owns nothing on a sane host, and whose other processes the child cannot see or signal
 * (pid namespace, Landlock signal scope). Not as root we stay the invoking user, the only id
 * we may use; the kernel keeps that user's groups (setgroups is "deny" in the namespace).
 * Where: new user, mount, network, pid, ipc, uts and cgroup namespaces. In the user namespace
 * only our own uid and gid are mapped, to themselves. The child is pid 1 of its pid
 * namespace (its parent only relays how it ended), so everything it starts dies with it.
 * What it sees: the host's / with every mount read-only and nosuid; empty read-only tmpfs
 * over /root, /home, /var, /tmp, /run, /srv, /opt, /mnt, /media and /boot; /dev/null over
 * /etc/shadow, /etc/gshadow and their backups; a /proc of its own pid namespace (an empty
 * tmpfs where the kernel refuses one); no network but its own loopback, which is down.
 * What it may do: PR_SET_NO_NEW_PRIVS; where Landlock exists (ABI probed; absent is not an
 * error), read and execute under /usr, /bin, /sbin, /lib*, /etc and the binary itself, read
 * /proc and /sys, read and write /dev/null, /dev/zero, /dev/full, read /dev/urandom and
 * /dev/random, no TCP bind or connect (ABI 4), no signal or abstract socket outside (ABI 6),
 * nothing else. A seccomp filter denies (EPERM) ptrace, process_vm_*, every mount call,
 * pivot_root, unshare, setns, namespace flags to clone (clone3: ENOSYS, so libc uses clone),
 * kexec, bpf, perf_event_open, keyctl, add_key, request_key, module loading, swap, reboot,
 * acct, io_uring, userfaultfd, and sockets other than AF_UNIX (EAFNOSUPPORT). Limits:
 * RLIMIT_AS (mem_bytes), RLIMIT_NPROC 64 in its user namespace, RLIMIT_FSIZE 0, 256 open
 * files, no core. The deadline, the output cap and the kill of the process group are
 * pdi_child_run()'s. */
#pragma once

#include "base/common.h"

#include <stdint.h>

/* The exit status and stderr prefix of a child that could not be confined. */
#define PDI_CONFINE_EXIT 125
#define PDI_CONFINE_FAILED "cannot confine: "
/* The address-space bound when mem_bytes is 0. */
#define PDI_CONFINE_MEM_DEFAULT (2ULL << 30)

struct pdi_confine {
        int exe_fd; /* the file to run, O_PATH will do */
        char *const *argv, *const *envp;
        uint64_t mem_bytes; /* RLIMIT_AS of the binary; 0: PDI_CONFINE_MEM_DEFAULT */
};

/* In a child of pdi_child_run(): confine as above and execute c->exe_fd. Never returns: on
 * failure it writes "cannot drop privileges: <why>" or "cannot execute: <error>" (exit 127),
 * or "cannot confine: <step>: <error>" (exit PDI_CONFINE_EXIT) to stderr. */
_Noreturn void pdi_confine_exec(const struct pdi_confine *c);

/* The Landlock ABI version this kernel offers, or 0 without Landlock. */
int pdi_confine_landlock_abi(void);
