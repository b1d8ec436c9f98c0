/* SPDX-License-Identifier: Apache-2.0 */
/* See checks_pvf.h. Everything is read inside the root through its fd. */
#include "checks/checks_pvf.h"
#include "host/users.h"
#include "host/pvf.h"
#include "host/systemd.h"
#include "release/layout.h"
#include "trust/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define REINSTALL "run polkadot-installer install again (it restores pvf/ from the state)"

static const char *const worker_names[] = {"polkadot-prepare-worker", "polkadot-execute-worker"};

/* The version pvf/current names, or NULL. */
static char *pvf_version(const struct pdi_root *r, const struct pdi_layout *l)
{
        _cleanup_close_ int fd = pdi_root_open(r, l->pvf_dir, O_RDONLY | O_DIRECTORY, 0);
        char v[256];
        if (fd < 0 || pdi_readlink_at(fd, "current", v, sizeof(v)) < 0 || strchr(v, '/'))
                return NULL;
        return strdup(v);
}

static void relays(const struct pdi_target *t, int vfd, const char *dir, struct pdi_check_ctx *c)
{
        const unsigned char *relay;
        size_t len;
        pdi_pvf_relay(&relay, &len);
        for (size_t i = 0; i < ELEMENTSOF(worker_names); i++) {
                _cleanup_free_ char *got = NULL;
                size_t n = 0;
                int k = pdi_read_file_at(vfd, worker_names[i], len + 1, &got, &n);
                if (k < 0 || n != len || memcmp(got, relay, len) != 0)
                        pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                          "%s/%s is not this installer's PVF relay%s: the node "
                                          "would run something else as its worker",
                                          dir, worker_names[i], k < 0 ? " (missing)" : "");
        }
        (void)t;
}

static void node_link(int rel, int vfd, const char *dir, const char *version,
                      struct pdi_check_ctx *c)
{
        struct stat a, b;
        _cleanup_free_ char *src = NULL;
        if (asprintf(&src, "%s/polkadot", version) < 0)
                return;
        if (rel < 0 || fstatat(rel, src, &a, AT_SYMLINK_NOFOLLOW) < 0 ||
            fstatat(vfd, "polkadot", &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev)
                pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                  "%s/polkadot is not the release's node (a hard link of "
                                  "releases/%s/polkadot)",
                                  dir, version);
}

/* The allow list has each worker of the release with the hash its file has now. */
static void allow_list(const struct pdi_target *t, const struct pdi_layout *l, const char *dir,
                       const char *version, struct pdi_check_ctx *c)
{
        _cleanup_free_ char *list = NULL;
        if (pdi_root_read_file(t->root, l->pvf_list, 1 << 20, &list, NULL) < 0) {
                pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                  "%s is missing: the spawner starts no worker", l->pvf_list);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(worker_names); i++) {
                _cleanup_free_ char *real = NULL, *line = NULL;
                char sha[65] = "";
                struct stat st;
                if (asprintf(&real, "%s/%s/%s", l->releases, version, worker_names[i]) < 0)
                        return;
                _cleanup_close_ int fd = pdi_root_open_regular(t->root, real, O_RDONLY);
                if (fd < 0 || fstat(fd, &st) < 0 || pdi_sha256_fd(fd, sha, NULL) < 0)
                        continue; /* the integrity check reports the release's files */
                if (asprintf(&line, "%s %lld %s/%s %s\n", sha, (long long)st.st_size, dir,
                             worker_names[i], real) < 0)
                        return;
                if (!strstr(list, line))
                        pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                          "%s does not allow %s with its sha256 %.16s…: the "
                                          "spawner refuses it and the node cannot validate",
                                          l->pvf_list, real, sha);
        }
}

static bool exists(const struct pdi_root *r, const char *path)
{
        _cleanup_close_ int fd = pdi_root_open(r, path, O_PATH, 0);
        return fd >= 0;
}

static void units(const struct pdi_target *t, const struct pdi_layout *l, struct pdi_check_ctx *c)
{
        const char *names[] = {l->pvf_service, l->pvf_socket_unit, l->pvf_slice};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = pdi_units_join(l->unit_dir, names[i]);
                if (p && !exists(t->root, p))
                        pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL, "%s is missing", p);
        }
        _cleanup_free_ char *link = NULL;
        if (asprintf(&link, "%s/sockets.target.wants/%s", l->unit_dir, l->pvf_socket_unit) >= 0 &&
            !exists(t->root, link))
                pdi_check_finding(c, PDI_SEV_ERROR, "systemctl enable polkadot-pvf.socket",
                                  "%s is not enabled: after a reboot the node finds no spawner",
                                  l->pvf_socket_unit);
}

/* Live only: /run is the running system's. */
static void socket_perms(const struct pdi_target *t, const struct pdi_layout *l,
                         struct pdi_check_ctx *c)
{
        struct stat st;
        struct pdi_user u = {0};
        if (!t->root->is_host || !pdi_systemd_live(t->root))
                return;
        if (stat(l->pvf_socket, &st) < 0) {
                pdi_check_finding(c, PDI_SEV_ERROR, "systemctl start polkadot-pvf.socket",
                                  "%s does not exist: the node's workers cannot start",
                                  l->pvf_socket);
                return;
        }
        bool group_ok = pdi_user_lookup(t->root, l->user, &u) == 0 && st.st_gid == u.gid;
        pdi_user_done(&u);
        if (!S_ISSOCK(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0660 || !group_ok)
                pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                  "%s is mode %04o, uid %u, gid %u: only root and the group %s "
                                  "may reach the spawner",
                                  l->pvf_socket, (unsigned)(st.st_mode & 07777),
                                  (unsigned)st.st_uid, (unsigned)st.st_gid, l->user);
}

static void systemd_mode(const struct pdi_target *t, const struct pdi_layout *l,
                         struct pdi_check_ctx *c)
{
        _cleanup_free_ char *version = pvf_version(t->root, l);
        _cleanup_free_ char *dir = version ? pdi_units_join(l->pvf_dir, version) : NULL;
        _cleanup_close_ int vfd = dir ? pdi_root_open(t->root, dir, O_RDONLY | O_DIRECTORY, 0) : -1;
        _cleanup_close_ int rel = pdi_root_open(t->root, l->releases, O_RDONLY | O_DIRECTORY, 0);
        pdi_check_finding(c, PDI_SEV_INFO, NULL,
                          "worker isolation: systemd (the PVF workers run as %s under %s)",
                          l->worker_user, l->pvf_service);
        if (vfd < 0) {
                pdi_check_finding(c, PDI_SEV_ERROR, REINSTALL,
                                  "%s/current does not name a directory of relays", l->pvf_dir);
                return;
        }
        relays(t, vfd, dir, c);
        node_link(rel, vfd, dir, version, c);
        allow_list(t, l, dir, version, c);
        units(t, l, c);
        socket_perms(t, l, c);
}

void pdi_check_worker_isolation_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        struct pdi_layout l;
        if (!t->release_dir) {
                pdi_check_skip(c, "not an install of polkadot-installer");
                return;
        }
        if (pdi_layout_init(&l, NULL, NULL) < 0)
                return;
        if (pdi_pvf_enabled(t->root, &l))
                systemd_mode(t, &l, c);
        else
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "worker isolation: none (the PVF workers run as the node's "
                                  "user %s, as upstream; install --worker-isolation systemd "
                                  "runs them as %s)",
                                  l.user, l.worker_user);
        pdi_layout_done(&l);
}
