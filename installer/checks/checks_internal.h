/* Helpers shared by target discovery and the checks: a root-confined realpath, the root's
 * passwd/group, and a small reader of systemd unit files with their drop-ins. Everything
 * reads through the root fd (fsroot.h); nothing here follows a path out of the root. */
#pragma once

#include "checks/checks.h"
#include "base/child.h"
#include "host/units.h"
#include "host/users.h"

#include <sys/types.h>

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

/* A user of the root's /etc/passwd, with the groups it belongs to (/etc/group). */
/* Could u read (mask 4) / write (2) / search (1) a file of this owner and mode? (Not root.) */
bool pdi_user_may(const struct pdi_user *u, uid_t owner, gid_t group, mode_t mode, int mask);

/* Whom a child that stands in for the node runs as (the version check, the sandbox probes):
 * never root, since the node does not run as root. As root: the service user of the root's
 * passwd with its groups (as systemd's User= sets them), else nobody (65534, no groups). As
 * non-root: as we are (creds.drop false); service is false when the root has a service user
 * and we are not it, which a caller that needs that user's rights says. */
struct pdi_run_as {
        struct pdi_creds creds;
        char label[64]; /* "polkadot", "nobody (65534)", "uid 1000 (this user)" */
        bool service;   /* runs as the service user, or there is none */
};
void pdi_run_as_pick(const struct pdi_target *t, struct pdi_run_as *ret);

/* A unit file as assignments in the order systemd applies them: the unit, then its drop-ins
 * (<name>.d/NAME.conf from /usr/lib, /lib and /etc; /etc wins for one file name; sorted). */
struct pdi_unit_kv {
        char *section, *key, *value;
        char *file; /* where it was read, for findings */
};
struct pdi_unit {
        struct pdi_unit_kv *kv;
        size_t n;
};
int pdi_unit_load(const struct pdi_root *r, const char *path, struct pdi_unit *ret);
void pdi_unit_done(struct pdi_unit *u);
/* Last value of [section] key (an empty assignment resets: NULL then). */
const char *pdi_unit_get(const struct pdi_unit *u, const char *section, const char *key);

/* Split a command line as systemd does (quotes, backslash escapes), expanding $VAR (into
 * words) and ${VAR} (one word) from env (a NULL-terminated "K=V" list). */
int pdi_cmdline_split(const char *s, char *const *env, char ***ret_argv, size_t *ret_n);
void pdi_argv_free(char **v);

/* All files of the install tree (node, workers, release directory, unit), without their
 * parents, as in-root paths. */
int pdi_target_files(const struct pdi_target *t, char ***ret, size_t *ret_n);

/* What a host check found out that a later check of the same audit needs again (each probe
 * forks a child for up to 10 s): landlock and userns-pivot-root probe, sandbox reuses it. */
struct pdi_probe_memo {
        bool done;
        int r; /* the probe's return */
        char why[1000];
};
struct pdi_audit_memo {
        struct pdi_probe_memo landlock, userns;
};
/* This run's memo (zeroed when the audit starts). */
struct pdi_audit_memo *pdi_check_memo(struct pdi_check_ctx *c);

/* Checks that live in their own files. */
void pdi_check_elf_run(const struct pdi_target *t, struct pdi_check_ctx *c);
void pdi_check_unit_run(const struct pdi_target *t, struct pdi_check_ctx *c);
