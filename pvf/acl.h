/* SPDX-License-Identifier: Apache-2.0 */
/* The relay runs as the node's user and owns the worker directory and socket the node made
 * for this worker; it lets pvf-worker (the spawner's uid) reach exactly those: search (x) on
 * each ancestor directory the node owns, rwx on the worker directory (and a default ACL so
 * that what either side creates in it stays usable by both), rw on the socket. An owner may
 * set ACLs on its own files without any privilege. Nothing else of the base path gets an
 * entry: its keys and databases stay 0600/0640 and unreadable to pvf-worker. */
#pragma once

#include <sys/types.h>

/* A named-user entry with at least perm (bits 4=r 2=w 1=x) on path; 0 or -errno. */
int pvf_acl_grant(const char *path, uid_t uid, unsigned perm);
/* The worker directory's default ACL: owner, uid and node rwx; group and other none. */
int pvf_acl_default(const char *dir, uid_t uid, uid_t node);
/* Grant x on every ancestor of path (nearest first) that owner owns; stops at the first that
 * it does not. 0 or the first error. */
int pvf_acl_ancestors(const char *path, uid_t uid, uid_t owner);
