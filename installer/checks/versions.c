/* SPDX-License-Identifier: Apache-2.0 */
/* Part of version-alignment for an install we did not make (no signed manifest to say what it
 * is): what the node and each worker print, whether that matches as the node will judge it,
 * and whether the three are one build where that can be seen. The node compares versions
 * only (POLKADOT.md), so a node and workers of one version from different commits pass; the
 * commit each prints for --full-version (the node also in --version) tells them apart, and
 * the ELF build ids are noted for the record. */
#include "checks/versions.h"
#include "checks/binversion.h"
#include "checks/paths.h"
#include "base/encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/wait.h>

int pdi_check_run_flag(const struct pdi_target *t, const char *path, const char *flag,
                       struct pdi_child_out *res)
{
        _cleanup_close_ int fd = pdi_root_open(t->root, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        /* Whatever the tree's passwd says, it runs as the host chooses, in namespaces. */
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        return pdi_binary_flag_run(fd, base, flag, PDI_BINVERSION_TIMEOUT_MS, res);
}

bool pdi_build_commit(const char *printed, const char *version, char *ret, size_t size)
{
        const char *s = strrchr(printed, ' ');
        s = s ? s + 1 : printed;
        size_t vn = strlen(version);
        if (vn == 0 || strncmp(s, version, vn) != 0 || s[vn] != '-')
                return false;
        const char *h = s + vn + 1;
        size_t n = strlen(h);
        if (n < 7 || n >= size || strspn(h, "0123456789abcdef") != n)
                return false;
        memcpy(ret, h, n + 1);
        return true;
}

static void note_hex(const uint8_t *b, size_t n, char *ret, size_t size)
{
        if (n > 0 && 2 * n < size)
                pdi_hex_encode(b, n, ret);
}

/* NT_GNU_BUILD_ID of the first note section or segment that has one. */
static void elf_build_id(Elf *e, char *ret, size_t size)
{
        size_t n = 0;
        for (size_t i = 0; elf_getphdrnum(e, &n) == 0 && i < n && !*ret; i++) {
                GElf_Phdr ph;
                if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
                        continue;
                Elf_Data *d =
                    elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
                GElf_Nhdr nh;
                size_t off = 0, name_off, desc_off;
                while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0)
                        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                            memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0) {
                                note_hex((uint8_t *)d->d_buf + desc_off, nh.n_descsz, ret, size);
                                break;
                        }
        }
}

int pdi_build_id_fd(int fd, char *ret, size_t size)
{
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -EIO;
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!e || elf_kind(e) != ELF_K_ELF) {
                if (e)
                        elf_end(e);
                return -ENOEXEC;
        }
        char id[81] = "";
        elf_build_id(e, id, sizeof(id));
        elf_end(e);
        if (!*id)
                return -ENODATA;
        snprintf(ret, size, "%s", id);
        return 0;
}

static void read_build_id(const struct pdi_target *t, struct pdi_binary_report *b)
{
        _cleanup_close_ int fd = pdi_root_open_regular(t->root, b->path, 0);
        if (fd >= 0)
                (void)pdi_build_id_fd(fd, b->build_id, sizeof(b->build_id));
}

/* `--full-version` prints "<version>-<commit>"; anything else (an old worker, a stand-in)
 * leaves the commit unknown. */
static void full_version(const struct pdi_target *t, struct pdi_binary_report *b)
{
        struct pdi_child_out r;
        if (pdi_check_run_flag(t, b->path, "--full-version", &r) == 0 && pdi_child_ok(&r))
                (void)pdi_build_commit(pdi_version_trim(r.out), b->version, b->commit,
                                       sizeof(b->commit));
}

static void worker_facts(const struct pdi_target *t, enum pdi_role role,
                         struct pdi_binary_report *b)
{
        _cleanup_free_ char *p = pdi_path_join(t->worker_dir, pdi_role_file(role));
        snprintf(b->role, sizeof(b->role), "%s", pdi_role_name(role));
        snprintf(b->path, sizeof(b->path), "%s", p ? p : "");
        struct pdi_child_out r;
        if (!p || pdi_check_run_flag(t, p, "--version", &r) < 0 || !pdi_child_ok(&r))
                return;
        snprintf(b->printed, sizeof(b->printed), "%s", pdi_version_trim(r.out));
        snprintf(b->version, sizeof(b->version), "%s", b->printed);
        full_version(t, b);
        read_build_id(t, b);
}

static void node_facts(const struct pdi_target *t, char *out, const char *version,
                       struct pdi_binary_report *b)
{
        snprintf(b->role, sizeof(b->role), "node");
        snprintf(b->path, sizeof(b->path), "%s", t->node);
        snprintf(b->printed, sizeof(b->printed), "%s", pdi_version_trim(out));
        snprintf(b->version, sizeof(b->version), "%s", version);
        if (!pdi_build_commit(b->printed, version, b->commit, sizeof(b->commit)))
                full_version(t, b);
        read_build_id(t, b);
}

static void report_printed(struct pdi_check_ctx *c, const struct pdi_binary_report *b, bool match)
{
        pdi_check_finding(c, PDI_SEV_INFO, NULL,
                          "no signed manifest; the binaries print: %s \"%s\", %s \"%s\", %s "
                          "\"%s\": %s as the node judges them (each worker's trimmed --version "
                          "against the node's %s)",
                          b[0].path, b[0].printed, b[1].path, b[1].printed, b[2].path, b[2].printed,
                          match ? "they match" : "they do not match", b[0].version);
}

static void report_builds(struct pdi_check_ctx *c, const struct pdi_binary_report *b)
{
        bool known = *b[0].commit && *b[1].commit && *b[2].commit;
        if (!known) {
                const struct pdi_binary_report *u = !*b[0].commit   ? &b[0]
                                                    : !*b[1].commit ? &b[1]
                                                                    : &b[2];
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "cannot tell whether node and workers are one build: %s prints "
                                  "no commit (--full-version)",
                                  u->path);
        } else if (!streq(b[0].commit, b[1].commit) || !streq(b[0].commit, b[2].commit))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "install the node and both workers of one release, one build",
                                  "same version %s, different builds: %s commit %s, %s commit %s, "
                                  "%s commit %s; the node accepts them (it compares versions, "
                                  "not commits), but they were not built together",
                                  b[0].version, b[0].path, b[0].commit, b[1].path, b[1].commit,
                                  b[2].path, b[2].commit);
        if (*b[0].build_id || *b[1].build_id || *b[2].build_id)
                pdi_check_finding(c, PDI_SEV_INFO, NULL,
                                  "ELF build ids (node and workers differ by nature; a different "
                                  "id for the same file means another build): %s %s, %s %s, %s %s",
                                  b[0].path, *b[0].build_id ? b[0].build_id : "none", b[1].path,
                                  *b[1].build_id ? b[1].build_id : "none", b[2].path,
                                  *b[2].build_id ? b[2].build_id : "none");
}

void pdi_check_builds(const struct pdi_target *t, struct pdi_check_ctx *c, char *node_out,
                      const char *node_version)
{
        struct pdi_audit_memo *memo = pdi_check_memo(c);
        struct pdi_binary_report b[3] = {0};
        node_facts(t, node_out, node_version, &b[0]);
        worker_facts(t, PDI_ROLE_PREPARE_WORKER, &b[1]);
        worker_facts(t, PDI_ROLE_EXECUTE_WORKER, &b[2]);
        bool match = streq(b[1].version, b[0].version) && streq(b[2].version, b[0].version);
        report_printed(c, b, match);
        if (match)
                report_builds(c, b);
        if (memo) {
                memcpy(memo->bins, b, sizeof(b));
                memo->n_bins = 3;
        }
}
