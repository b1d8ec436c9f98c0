/* SPDX-License-Identifier: Apache-2.0 */
/* See pvf.h. Everything under the root goes through its fd: pvf/ and each pvf/<version>/ are
 * opened O_NOFOLLOW, the node is hard-linked from the release directory's fd. */
#include "host/pvf.h"

#include "host/conffile.h"
#include "host/systemd.h"
#include "host/templates.h"
#include "host/values.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)
#define SPAWNER_NAME "polkadot-pvf-spawner"
#define SOCKET_FILE "spawner-socket" /* pvf/proto.h PVF_SOCKET_FILE */

/* The relay and the spawner, built beside this program and embedded (pvf_embedded.c). */
extern const unsigned char pdi_pvf_relay_start[], pdi_pvf_relay_end[];
extern const unsigned char pdi_pvf_spawner_start[], pdi_pvf_spawner_end[];

static const char *const worker_names[] = {"polkadot-prepare-worker", "polkadot-execute-worker"};

void pdi_pvf_relay(const unsigned char **ret_data, size_t *ret_len)
{
        *ret_data = pdi_pvf_relay_start;
        *ret_len = (size_t)(pdi_pvf_relay_end - pdi_pvf_relay_start);
}

uint64_t pdi_pvf_memory_max(uint64_t mem)
{
        uint64_t max = mem / 4 * 3 / MIB * MIB;
        return max < PDI_PVF_MEMORY_FLOOR ? PDI_PVF_MEMORY_FLOOR : max;
}

static bool path_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int render(const char *name, const struct pdi_units_var *vars, size_t n,
                  const struct pdi_host_facts *f, char **ret)
{
        const char *tmpl = pdi_template_get(name);
        return tmpl ? pdi_units_render(tmpl, vars, n, f->systemd_version, ret) : -ENOENT;
}

int pdi_pvf_render_units(const struct pdi_layout *l, const struct pdi_settings *s,
                         const struct pdi_host_facts *f, char **ret_service, char **ret_socket,
                         char **ret_slice)
{
        const char *base = s && s->base_path ? s->base_path : l->base_path;
        bool in_home =
            path_below(base, "/home") || path_below(base, "/root") || path_below(base, "/run/user");
        char version[32] = "unknown (assumed current)", mem[32], floor[32], max[32], tasks[24];
        if (f->systemd_version > 0)
                snprintf(version, sizeof(version), "%u", f->systemd_version);
        snprintf(mem, sizeof(mem), "%" PRIu64 " MiB of RAM", f->mem_bytes / MIB);
        snprintf(floor, sizeof(floor), "%" PRIu64 " GiB", PDI_PVF_MEMORY_FLOOR / GIB);
        snprintf(max, sizeof(max), "%" PRIu64 "M", pdi_pvf_memory_max(f->mem_bytes) / MIB);
        snprintf(tasks, sizeof(tasks), "%" PRIu64, pdi_units_tasks_max(f->ncpu, f->pid_max));
        if (pdi_value_problem(PDI_VALUE_PATH, base) || pdi_value_problem(PDI_VALUE_PATH, l->prefix))
                return -EINVAL;
        const struct pdi_units_var vars[] = {
            {"INSTANCE", l->instance},
            {"SERVICE", l->service},
            {"USER", l->user},
            {"WORKER_USER", l->worker_user},
            {"SLICE", l->slice},
            {"PVF_SLICE", l->pvf_slice},
            {"PVF_SERVICE", l->pvf_service},
            {"PVF_SOCKET_UNIT", l->pvf_socket_unit},
            {"PVF_SOCKET", l->pvf_socket},
            {"PVF_LIST", l->pvf_list},
            {"PVF_DIR", l->pvf_dir},
            {"PVF_SPAWNER", l->pvf_spawner},
            {"BASE_PATH", base},
            {"PROTECT_HOME", in_home ? "read-only" : "yes"},
            {"SYSTEMD_VERSION", version},
            {"MEM_TOTAL", mem},
            {"PVF_MEMORY_FLOOR", floor},
            {"PVF_MEMORY_MAX", max},
            {"TASKS_MAX", tasks},
        };
        _cleanup_free_ char *service = NULL, *socket = NULL, *slice = NULL;
        size_t n = ELEMENTSOF(vars);
        int k = render("polkadot-pvf.service.in", vars, n, f, &service);
        if (k == 0)
                k = render("polkadot-pvf.socket.in", vars, n, f, &socket);
        if (k == 0)
                k = render("polkadot-pvf.slice.in", vars, n, f, &slice);
        if (k < 0)
                return k;
        *ret_service = TAKE_PTR(service);
        *ret_socket = TAKE_PTR(socket);
        *ret_slice = TAKE_PTR(slice);
        return 0;
}

/* --- files ------------------------------------------------------------------------------ */

/* dfd/name holds exactly data (mode included), or is made to. 1 when it was written. */
static int put_file(int dfd, const char *name, const void *data, size_t len, mode_t mode)
{
        _cleanup_free_ char *old = NULL;
        size_t old_len = 0;
        struct stat st;
        if (pdi_read_file_at(dfd, name, len + 1, &old, &old_len) == 0 && old_len == len &&
            memcmp(old, data, len) == 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            (st.st_mode & 07777) == mode && st.st_uid == 0)
                return 0;
        int k = pdi_write_atomic_at(dfd, name, data, len, mode);
        return k < 0 ? k : 1;
}

static int open_dir_at(int dfd, const char *name, bool create)
{
        if (create && mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static bool same_inode(int a_dfd, const char *a, int b_dfd, const char *b)
{
        struct stat x, y;
        return fstatat(a_dfd, a, &x, AT_SYMLINK_NOFOLLOW) == 0 &&
               fstatat(b_dfd, b, &y, AT_SYMLINK_NOFOLLOW) == 0 && x.st_dev == y.st_dev &&
               x.st_ino == y.st_ino;
}

/* pvf/<v>/polkadot: the release's node itself (a hard link: same inode, same bytes). */
static int link_node(int rel_dfd, int vfd, const char *version)
{
        _cleanup_free_ char *src = pdi_units_join(version, "polkadot");
        if (!src)
                return -ENOMEM;
        if (same_inode(rel_dfd, src, vfd, "polkadot"))
                return 0;
        (void)unlinkat(vfd, "polkadot.tmp", 0);
        if (linkat(rel_dfd, src, vfd, "polkadot.tmp", 0) < 0 ||
            renameat(vfd, "polkadot.tmp", vfd, "polkadot") < 0)
                return -errno;
        return fsync(vfd) < 0 ? -errno : 1;
}

static int fill_release(const struct pdi_layout *l, int rel_dfd, int pvfd, const char *version)
{
        _cleanup_close_ int vfd = open_dir_at(pvfd, version, true);
        const unsigned char *relay;
        size_t relay_len;
        if (vfd < 0)
                return vfd;
        pdi_pvf_relay(&relay, &relay_len);
        _cleanup_free_ char *sock = NULL;
        if (asprintf(&sock, "%s\n", l->pvf_socket) < 0)
                return -ENOMEM;
        int k = link_node(rel_dfd, vfd, version), changed = k > 0;
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(worker_names); i++)
                changed |= (k = put_file(vfd, worker_names[i], relay, relay_len, 0755)) > 0;
        if (k >= 0)
                changed |= (k = put_file(vfd, SOCKET_FILE, sock, strlen(sock), 0644)) > 0;
        return k < 0 ? k : changed;
}

static bool listed(char *const *v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], name))
                        return true;
        return false;
}

/* pvf/<v> of a release that is gone. */
static int drop_stale(int pvfd, char *const *versions, size_t n, struct pdi_report *rep)
{
        int dup = fcntl(pvfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup < 0 ? NULL : fdopendir(dup);
        if (!d) {
                if (dup >= 0)
                        close(dup);
                return -errno;
        }
        int k = 0;
        for (struct dirent *e; k == 0 && (e = readdir(d));)
                if (e->d_type == DT_DIR && e->d_name[0] != '.' && !listed(versions, n, e->d_name)) {
                        k = pdi_rm_rf_at(pvfd, e->d_name);
                        if (k == 0)
                                pdi_report_action(rep, "removed pvf/%s (its release is gone)",
                                                  e->d_name);
                }
        closedir(d);
        return k;
}

static int sync_current(const struct pdi_root *r, const struct pdi_layout *l, int pvfd)
{
        _cleanup_free_ char *now = NULL;
        char old[256];
        int k = pdi_layout_current(r, l, &now);
        if (k < 0 || !now)
                return k;
        if (pdi_readlink_at(pvfd, "current", old, sizeof(old)) == 0 && streq(old, now))
                return 0;
        return pdi_symlink_replace(pvfd, "current", now);
}

/* --- the allow list ---------------------------------------------------------------------- */

static int list_release(FILE *out, const struct pdi_layout *l, json_t *rec, const char *version)
{
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(rec, "files"), i, f)
        {
                const char *path = json_string_value(json_object_get(f, "path"));
                const char *sha = json_string_value(json_object_get(f, "sha256"));
                json_int_t size = json_integer_value(json_object_get(f, "size"));
                for (size_t w = 0; path && sha && w < ELEMENTSOF(worker_names); w++)
                        if (streq(path, worker_names[w]))
                                fprintf(out, "%s %lld %s/%s/%s %s/%s/%s\n", sha, (long long)size,
                                        l->pvf_dir, version, path, l->releases, version, path);
        }
        return 0;
}

bool pdi_pvf_enabled(const struct pdi_root *r, const struct pdi_layout *l)
{
        _cleanup_close_ int fd = pdi_root_open(r, l->pvf_dir, O_RDONLY | O_DIRECTORY, 0);
        return fd >= 0;
}

int pdi_pvf_write_list(const struct pdi_root *r, const struct pdi_layout *l,
                       const struct pdi_state *st, struct pdi_error *err)
{
        if (!pdi_pvf_enabled(r, l))
                return 0;
        char **v = NULL;
        size_t n = 0;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int k = pdi_layout_list_releases(r, l, &v, &n);
        FILE *out = k == 0 ? open_memstream(&text, &len) : NULL;
        if (k == 0 && !out)
                k = -ENOMEM;
        if (out)
                fputs("# Written by polkadot-installer from its state: the workers the PVF "
                      "spawner may start.\n# sha256 size relay worker\n",
                      out);
        for (size_t i = 0; out && i < n; i++) {
                json_t *rec = pdi_state_release(st, l->instance, v[i]);
                if (rec)
                        list_release(out, l, rec, v[i]);
        }
        if (out && fclose(out) != 0)
                k = -ENOMEM;
        pdi_strv_free(v, n);
        if (k == 0)
                k = pdi_root_write_atomic(r, l->pvf_list, text, len, 0644);
        return k < 0 ? pdi_error_set(err, k, "%s: %s", l->pvf_list, pdi_strerror(k)) : 0;
}

/* --- the tree and the units --------------------------------------------------------------- */

static int tree(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_report *rep)
{
        char **v = NULL;
        size_t n = 0;
        int k = pdi_root_mkdir_p(r, l->pvf_dir, 0755);
        _cleanup_close_ int pvfd =
            k < 0 ? k : pdi_root_open(r, l->pvf_dir, O_RDONLY | O_DIRECTORY, 0);
        _cleanup_close_ int rel = pdi_root_open(r, l->releases, O_RDONLY | O_DIRECTORY, 0);
        if (pvfd < 0 || rel < 0)
                return pvfd < 0 ? pvfd : rel;
        k = pdi_layout_list_releases(r, l, &v, &n);
        for (size_t i = 0; k >= 0 && i < n; i++)
                if ((k = fill_release(l, rel, pvfd, v[i])) > 0)
                        pdi_report_action(rep, "%s/%s: the node and the PVF relays", l->pvf_dir,
                                          v[i]);
        if (k >= 0)
                k = drop_stale(pvfd, v, n, rep);
        pdi_strv_free(v, n);
        if (k >= 0 &&
            (k = put_file(pvfd, SPAWNER_NAME, pdi_pvf_spawner_start,
                          (size_t)(pdi_pvf_spawner_end - pdi_pvf_spawner_start), 0755)) > 0)
                pdi_report_action(rep, "installed %s", l->pvf_spawner);
        if (k >= 0)
                k = sync_current(r, l, pvfd);
        return k < 0 ? k : 0;
}

/* unit_dir/<target>.wants/<unit> → the unit file (offline; live, systemctl enable does it). */
static int want(const struct pdi_root *r, const struct pdi_layout *l, const char *target,
                const char *unit)
{
        _cleanup_free_ char *link = NULL, *dest = pdi_units_join(l->unit_dir, unit);
        if (!dest || asprintf(&link, "%s/%s.wants/%s", l->unit_dir, target, unit) < 0)
                return -ENOMEM;
        return pdi_layout_link(r, link, dest);
}

static int units(const struct pdi_root *r, const struct pdi_layout *l, const struct pdi_settings *s,
                 const struct pdi_host_facts *f, struct pdi_state *st, struct pdi_report *rep,
                 struct pdi_error *err)
{
        _cleanup_free_ char *service = NULL, *socket = NULL, *slice = NULL;
        int k = pdi_pvf_render_units(l, s, f, &service, &socket, &slice);
        if (k < 0)
                return pdi_error_set(err, k, "rendering the PVF units: %s", pdi_strerror(k));
        const struct {
                const char *name, *text;
        } u[] = {{l->pvf_service, service}, {l->pvf_socket_unit, socket}, {l->pvf_slice, slice}};
        enum pdi_conffile_result res;
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(u); i++) {
                _cleanup_free_ char *path = pdi_units_join(l->unit_dir, u[i].name);
                k = path ? pdi_conffile_write(r, st, path, u[i].text, 0644, rep, &res, err)
                         : -ENOMEM;
        }
        return k;
}

int pdi_pvf_enable_offline(const struct pdi_root *r, const struct pdi_layout *l,
                           struct pdi_error *err)
{
        int k = want(r, l, "sockets.target", l->pvf_socket_unit);
        if (k == 0)
                k = want(r, l, "multi-user.target", l->pvf_service);
        return k < 0 ? pdi_error_set(err, k, "enabling %s: %s", l->pvf_service, strerror(-k)) : 0;
}

/* What systemd mode left: the units, their links, pvf/. The operator's drop-ins stay. */
static int remove_isolation(const struct pdi_root *r, const struct pdi_layout *l,
                            struct pdi_report *rep, struct pdi_error *err)
{
        const char *names[] = {l->pvf_service, l->pvf_socket_unit, l->pvf_slice};
        _cleanup_close_ int ud = pdi_root_open(r, l->unit_dir, O_RDONLY | O_DIRECTORY, 0);
        for (size_t i = 0; ud >= 0 && i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *a = pdi_units_join("sockets.target.wants", names[i]);
                _cleanup_free_ char *b = pdi_units_join("multi-user.target.wants", names[i]);
                if (a && b) {
                        (void)unlinkat(ud, a, 0);
                        (void)unlinkat(ud, b, 0);
                }
                (void)unlinkat(ud, names[i], 0);
        }
        const char *base;
        _cleanup_close_ int pd = pdi_root_open_parent(r, l->pvf_dir, 0, &base);
        int k = pd < 0 ? 0 : pdi_rm_rf_at(pd, base);
        if (k < 0 && k != -ENOENT)
                return pdi_error_set(err, k, "%s: %s", l->pvf_dir, strerror(-k));
        pdi_report_action(rep, "worker isolation off: removed %s and %s", l->pvf_dir,
                          l->pvf_service);
        return 0;
}

int pdi_pvf_remove(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_report *rep,
                   struct pdi_error *err)
{
        if (!pdi_pvf_enabled(r, l))
                return 0;
        if (pdi_systemd_live(r)) {
                struct pdi_error ignored = {0};
                /* Not loaded (never started, or already gone) is fine here. */
                (void)pdi_systemd_stop(l->pvf_service, &ignored);
                (void)pdi_systemd_stop(l->pvf_socket_unit, &ignored);
                (void)pdi_systemd_disable(l->pvf_service, &ignored);
                (void)pdi_systemd_disable(l->pvf_socket_unit, &ignored);
        }
        return remove_isolation(r, l, rep, err);
}

int pdi_pvf_configure(const struct pdi_root *r, const struct pdi_layout *l,
                      const struct pdi_settings *s, const struct pdi_host_facts *f,
                      struct pdi_state *st, struct pdi_report *rep, struct pdi_error *err)
{
        if (!s->isolate_workers)
                return pdi_pvf_remove(r, l, rep, err);
        int k = tree(r, l, rep);
        if (k < 0)
                return pdi_error_set(err, k, "%s: %s", l->pvf_dir, pdi_strerror(k));
        k = pdi_pvf_write_list(r, l, st, err);
        if (k == 0)
                k = units(r, l, s, f, st, rep, err);
        return k;
}
