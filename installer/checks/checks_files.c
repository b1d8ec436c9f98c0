/* SPDX-License-Identifier: Apache-2.0 */
/* The release and install checks: version alignment (each binary run confined), integrity
 * against the signed manifest, and competing installs. Who may do what to
 * the tree (ownership, modes) is in checks_perms.c; ELF and unit checks live in checks_elf.c,
 * checks_unit.c. */
#include "checks/checks_files.h"
#include "checks/binversion.h"
#include "checks/versions.h"
#include "checks/checks_passwd.h"
#include "checks/paths.h"
#include "base/child.h"
#include "base/confine.h"
#include "trust/hash.h"
#include "release/layout.h"
#include "release/state.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static bool ran_ok(struct pdi_check_ctx *c, const char *path, int k, const struct pdi_child_out *r)
{
        const char *hint = "run it by hand with --version; reinstall the release if it fails";
        if (k < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: %s", path, strerror(-k));
        else if (r->timed_out)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: no answer within %d s",
                                  path, PDI_BINVERSION_TIMEOUT_MS / 1000);
        else if (r->truncated)
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s --version: wrote more than %u KiB; stopped it", path,
                                  PDI_CHILD_OUTPUT_MAX / 1024);
        else if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == PDI_CONFINE_EXIT &&
                 strncmp(r->err, PDI_CONFINE_FAILED, strlen(PDI_CONFINE_FAILED)) == 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: not run: %s", path,
                                  pdi_version_trim((char *)r->err));
        else if (!pdi_child_ok(r))
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s --version: %s %d%s%s", path,
                                  WIFEXITED(r->status) ? "exit status" : "killed by signal",
                                  WIFEXITED(r->status) ? WEXITSTATUS(r->status)
                                                       : WTERMSIG(r->status),
                                  *r->err ? ": " : "", pdi_version_trim((char *)r->err));
        else
                return true;
        return false;
}

static void check_worker(const struct pdi_target *t, struct pdi_check_ctx *c, const char *dir,
                         enum pdi_role role, const char *want)
{
        _cleanup_free_ char *p = pdi_path_join(dir, pdi_role_file(role));
        if (!p)
                return;
        struct stat st;
        _cleanup_close_ int fd = pdi_root_open(t->root, p, O_PATH, 0);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                pdi_check_finding(c, PDI_SEV_ERROR, "install both workers of the node's release",
                                  fd < 0 ? "%s is missing: \"Worker binaries could not be "
                                           "found\""
                                         : "%s is not an executable file: \"Worker binaries "
                                           "not executable\"",
                                  p);
                return;
        }
        struct pdi_child_out r;
        int k = pdi_check_run_flag(t, p, "--version", &r);
        if (!ran_ok(c, p, k, &r) || !want)
                return;
        const char *got = pdi_version_trim(r.out);
        if (!streq(got, want))
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "install the workers of the node's own release next to it",
                                  "%s prints %s, the node is %s: \"Version of worker binary "
                                  "is different from node version\"",
                                  p, *got ? got : "(nothing)", want);
}

/* Schema 2: each extra worker set of our release (workers/<env>/) is held to the node's
 * version the same way, since a node that uses it will judge it so. */
static void check_extra_sets(const struct pdi_target *t, struct pdi_check_ctx *c, const char *want)
{
        for (size_t i = 0; t->manifest && t->release_dir && i < t->manifest->n_sets; i++) {
                _cleanup_free_ char *dir = pdi_path_join(t->release_dir, t->manifest->sets[i].dir);
                for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER;
                     dir && role <= PDI_ROLE_EXECUTE_WORKER; role++)
                        check_worker(t, c, dir, role, want);
        }
}

/* The node's search order finds no set. A set in PATH (Parity's image since v1.18.0: the
 * node in /usr/bin, the workers in /usr/local/bin) is named: the node never looks there. */
static void no_workers(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        static const char *const dirs[] = {PDI_PATH_DIRS};
        const char *in_path = NULL;
        for (size_t i = 0; i < ELEMENTSOF(dirs) && !in_path; i++)
                if (pdi_worker_set_in(t->root, dirs[i]))
                        in_path = dirs[i];
        if (in_path)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "put the node and its workers in one directory, or start the "
                                  "node with --workers-path naming the workers' directory",
                                  "the workers are in %s, where the node does not look (only "
                                  "next to %s, then in " PDI_DEB_WORKER_DIR
                                  "; never PATH): \"Worker binaries could not be found\"",
                                  in_path, t->node);
        else
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "put polkadot-prepare-worker and polkadot-execute-worker "
                                  "next to the node, or pass --workers-path",
                                  "no worker set next to %s or in " PDI_DEB_WORKER_DIR
                                  ": \"Worker binaries could not be found\"",
                                  t->node);
}

void pdi_check_versions_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->node) {
                pdi_check_skip(c, "no node found");
                return;
        }
        struct pdi_child_out r;
        char ver[128] = "";
        int k = pdi_check_run_flag(t, t->node, "--version", &r);
        bool node_ok = ran_ok(c, t->node, k, &r);
        if (node_ok)
                pdi_version_word(r.out, ver, sizeof(ver));
        if (node_ok && t->manifest && !streq(ver, t->manifest->version))
                pdi_check_finding(c, PDI_SEV_ERROR, "reinstall the release",
                                  "%s prints %s, the signed manifest says %s", t->node, ver,
                                  t->manifest->version);
        if (!t->worker_dir) {
                no_workers(t, c);
                return;
        }
        for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER; role <= PDI_ROLE_EXECUTE_WORKER; role++)
                check_worker(t, c, t->worker_dir, role, node_ok ? ver : NULL);
        check_extra_sets(t, c, node_ok ? ver : NULL);
        if (node_ok && !t->manifest) /* no signed manifest: what the binaries say, and builds */
                pdi_check_builds(t, c, r.out, ver);
}

/* ---- integrity -------------------------------------------------------------------------- */

static void check_file(const struct pdi_target *t, struct pdi_check_ctx *c, const char *name,
                       const char *sha256, uint64_t size)
{
        const char *hint = "reinstall: polkadot-installer install repairs damaged files";
        _cleanup_free_ char *p = pdi_path_join(t->release_dir, name);
        _cleanup_close_ int fd = p ? pdi_root_open_regular(t->root, p, O_NOFOLLOW) : -1;
        struct stat st;
        char hex[65];
        uint64_t got = 0;
        int k = fd < 0 ? fd : fstat(fd, &st) < 0 ? -errno : 0;
        if (k == 0 && !S_ISREG(st.st_mode))
                k = -EINVAL;
        if (k < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %s", p,
                                  k == -ELOOP    ? "is a symlink, not the signed file"
                                  : k == -EINVAL ? "is not a regular file"
                                                 : strerror(-k));
        else if ((uint64_t)st.st_size != size)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %llu bytes, the manifest says %llu",
                                  p, (unsigned long long)st.st_size, (unsigned long long)size);
        else if ((k = pdi_sha256_fd(fd, hex, &got)) < 0)
                pdi_check_finding(c, PDI_SEV_ERROR, hint, "%s: %s", p, strerror(-k));
        else if (!streq(hex, sha256) || got != size)
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s: sha256 %.16s… differs from the manifest's %.16s…", p, hex,
                                  sha256);
}

/* The stored manifest against the hash state.json recorded for the directory's version when
 * it was accepted (both read by discovery). */
static void check_manifest_record(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        const char *hint = "reinstall the release: polkadot-installer install records it again";
        if (t->record_note && !t->record_error)
                pdi_check_finding(c, PDI_SEV_INFO, NULL, "%s", t->record_note);
        if (t->record_unreadable)
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "%s/manifest.json not compared with the install record: %s",
                                  t->release_dir, t->record_error);
        else if (t->record_error)
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s/manifest.json cannot be checked against the install "
                                  "record: %s",
                                  t->release_dir, t->record_error);
        else if (!streq(t->manifest_sha256, t->recorded_sha256))
                pdi_check_finding(c, PDI_SEV_ERROR, hint,
                                  "%s/manifest.json differs from the manifest accepted at install "
                                  "time",
                                  t->release_dir);
}

void pdi_check_integrity_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (!t->release_dir) {
                pdi_check_skip(c, "not installed by polkadot-installer: no signed manifest to "
                                  "compare with");
                return;
        }
        if (t->manifest_error) {
                pdi_check_finding(c, PDI_SEV_ERROR, "reinstall the release",
                                  "%s/manifest.json: %s; the installed files cannot be "
                                  "verified",
                                  t->release_dir, t->manifest_error);
                return;
        }
        if (t->bytes_verified) {
                pdi_check_skip(c, "every file was just verified against the manifest while "
                                  "staging");
                return;
        }
        const struct pdi_manifest *m = t->manifest;
        for (size_t i = 0; m && i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                if (a->format == PDI_FORMAT_BINARY)
                        check_file(t, c, pdi_artifact_path(a), a->sha256, a->size);
                for (size_t k = 0; k < a->n_files; k++)
                        check_file(t, c, a->files[k].path, a->files[k].sha256, a->files[k].size);
        }
        if (t->manifest_owned)
                check_manifest_record(t, c);
}

/* ---- competing installs -------------------------------------------------------------------- */

static void competing_workers(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (t->other_worker_dir)
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "remove the other set (the Debian package: apt remove "
                                  "polkadot)",
                                  "a second worker set in %s: the node uses %s and logs "
                                  "\"multiple sets of worker binaries found\"; without its own "
                                  "set it would silently take that one, of whatever version",
                                  t->other_worker_dir, t->worker_dir);
        else if (!streq(t->worker_dir, PDI_DEB_WORKER_DIR) &&
                 pdi_worker_set_in(t->root, PDI_DEB_WORKER_DIR))
                pdi_check_finding(c, PDI_SEV_WARN, "remove it",
                                  "an unused worker set in " PDI_DEB_WORKER_DIR
                                  " (the node is told to use %s)",
                                  t->worker_dir ?: "another directory");
}

static void competing_nodes(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        static const char *const dirs[] = {PDI_PATH_DIRS};
        char **seen = NULL;
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = pdi_path_join(dirs[i], "polkadot"), *real = NULL;
                if (!p || pdi_root_realpath(t->root, p, &real) < 0 || streq(real, t->node) ||
                    pdi_strv_add_unique(&seen, &n, strdup(real)) <= 0)
                        continue;
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "remove it, so that a shell or script runs the same node",
                                  "another polkadot in PATH: %s (%s), not the node the service "
                                  "runs (%s)",
                                  p, real, t->node);
        }
        pdi_strv_free(seen, n);
}

void pdi_check_competing_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        competing_workers(t, c);
        if (t->node)
                competing_nodes(t, c);
        if (!streq(t->kind, "debian-package") && t->dpkg_polkadot)
                pdi_check_finding(c, PDI_SEV_WARN, "apt remove polkadot",
                                  "the Debian package polkadot is installed as well");
}
