/* SPDX-License-Identifier: Apache-2.0 */
/* Where an install lives, derived from one instance name in one place (named instances,
 * e.g. a Polkadot and a Kusama node on one host, must never share a worker set), and the
 * directory operations that keep the tree consistent: the atomic switch of `current`,
 * removal that never leaves a half release looking complete, and pruning that never deletes
 * a release a running process executes. */
#pragma once

#include "base/fsroot.h"

#define PDI_INSTANCE_DEFAULT "polkadot"
#define PDI_KEEP_DEFAULT 3

struct pdi_layout {
        char *instance;  /* "polkadot" */
        char *prefix;    /* /opt/polkadot */
        char *releases;  /* /opt/polkadot/releases */
        char *current;   /* /opt/polkadot/current */
        char *bin_link;  /* /usr/local/bin/polkadot */
        char *cache;     /* /var/cache/polkadot-installer */
        char *state_dir; /* /var/lib/polkadot-installer */
        char *lock;      /* /var/lib/polkadot-installer/lock */
        /* host configuration */
        char *service;      /* polkadot.service */
        char *slice;        /* polkadot.slice */
        char *unit_dir;     /* /etc/systemd/system */
        char *service_path; /* /etc/systemd/system/polkadot.service */
        char *slice_path;   /* /etc/systemd/system/polkadot.slice */
        char *dropin_dir;   /* /etc/systemd/system/polkadot.service.d (the operator's) */
        char *wants_link;   /* /etc/systemd/system/multi-user.target.wants/polkadot.service */
        char *config_dir;   /* /etc/polkadot-installer */
        char *config;       /* /etc/polkadot-installer/config (operator settings) */
        char *env_file;     /* /etc/polkadot-installer/polkadot.env (read by the unit) */
        char *sysusers;     /* /etc/sysusers.d/polkadot.conf */
        char *tmpfiles;     /* /etc/tmpfiles.d/polkadot.conf */
        char *base_path;    /* /var/lib/polkadot (default; settings may move it) */
        char *user;         /* polkadot */
        char *worker_user;  /* pvf-worker */
        /* worker isolation (host/pvf.h) */
        char *pvf_dir;         /* /opt/polkadot/pvf: pvf/<version>/ is what the node runs */
        char *pvf_list;        /* /opt/polkadot/pvf/workers.list (the spawner's allow list) */
        char *pvf_spawner;     /* /opt/polkadot/pvf/polkadot-pvf-spawner */
        char *pvf_service;     /* polkadot-pvf.service */
        char *pvf_socket_unit; /* polkadot-pvf.socket */
        char *pvf_slice;       /* polkadot-pvf.slice */
        char *pvf_socket;      /* /run/polkadot-pvf/spawner.sock */
};

int pdi_layout_init(struct pdi_layout *l, const char *instance, const char *prefix);
void pdi_layout_done(struct pdi_layout *l);

/* Version `current` points at (NULL if there is no current). Only "releases/<version>"
 * targets are recognised; anything else is -EUCLEAN. */
int pdi_layout_current(const struct pdi_root *r, const struct pdi_layout *l, char **ret_version);

/* Point `current` at releases/<version>: a new symlink renamed over the old one, then fsync of
 * the directory. */
/* Replace dfd/name atomically by a symlink to target: a temporary link renamed over it, then
 * fsync(dfd). */
int pdi_symlink_replace(int dfd, const char *name, const char *target);
/* readlinkat into buf (NUL-terminated); -EEXIST when name is not a symlink, -ENOENT when it
 * does not exist. */
int pdi_readlink_at(int dfd, const char *name, char *buf, size_t size);

int pdi_layout_switch(const struct pdi_root *r, const struct pdi_layout *l, const char *version);

/* Make link (absolute path in root) a symlink to target, atomically. A regular file or a
 * foreign symlink at link is left alone and reported as -EEXIST. */
int pdi_layout_link(const struct pdi_root *r, const char *link, const char *target);

/* Remove dirfd/name recursively without following symlinks. Directories are first renamed
 * to a hidden ".delete-" name so an interrupted removal never looks like a release. */
int pdi_rm_rf_at(int dirfd, const char *name);

/* True if a process on this host executes a file below dir (a path inside root). */
bool pdi_layout_in_use(const struct pdi_root *r, const char *dir);

/* Release versions present in releases/ (complete directories only: no files, no links),
 * sorted oldest first by version order. */
int pdi_layout_list_releases(const struct pdi_root *r, const struct pdi_layout *l,
                             char ***ret_versions, size_t *ret_n);
void pdi_strv_free(char **v, size_t n);

/* Compare two plain versions (1.16.0 < 1.16.1 < 1.17.0; 1.16.0-rc1 < 1.16.0). */
int pdi_version_cmp(const char *a, const char *b);

/* Remove leftovers of interrupted runs: releases/ *.partial, .delete-*, .repair-*, stale
 * symlink temporaries. Reports each through the callback. */
int pdi_layout_cleanup(const struct pdi_root *r, const struct pdi_layout *l,
                       void (*report)(const char *what, void *userdata), void *userdata);
