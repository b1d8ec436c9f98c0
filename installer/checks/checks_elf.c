/* SPDX-License-Identifier: Apache-2.0 */
/* The `elf` check, with libelf: the binaries are for this machine, the node is built hardened
 * (PIE, full RELRO with BIND_NOW, non-executable stack) and no binary maps memory writable and
 * executable at once. Workers: static linking is wanted (nothing for the sandboxed worker to
 * load) but upstream ships glibc-linked workers, so dynamic linking is only a warning. */
#include "checks/checks_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#else
#define HOST_MACHINE EM_NONE
#endif

struct elf_facts {
        GElf_Half type, machine;
        bool interp, relro, stack_seen, stack_exec, wx, bind_now, pie_flag;
        size_t needed;
};

static void dyn_facts(Elf *e, const GElf_Phdr *ph, struct elf_facts *f)
{
        Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_DYN);
        GElf_Dyn dyn;
        for (int i = 0; d && gelf_getdyn(d, i, &dyn); i++) {
                if (dyn.d_tag == DT_NULL)
                        break;
                f->needed += dyn.d_tag == DT_NEEDED;
                f->bind_now |= dyn.d_tag == DT_BIND_NOW ||
                               (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_BIND_NOW)) ||
                               (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_NOW));
                f->pie_flag |= dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE);
        }
}

static int elf_facts_read(int fd, struct elf_facts *f)
{
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!e || elf_kind(e) != ELF_K_ELF) {
                if (e)
                        elf_end(e);
                return -ENOEXEC;
        }
        GElf_Ehdr eh;
        size_t n = 0;
        int k = gelf_getehdr(e, &eh) && elf_getphdrnum(e, &n) == 0 ? 0 : -EBADMSG;
        f->type = eh.e_type;
        f->machine = eh.e_machine;
        for (size_t i = 0; k == 0 && i < n; i++) {
                GElf_Phdr ph;
                if (!gelf_getphdr(e, (int)i, &ph))
                        continue;
                f->interp |= ph.p_type == PT_INTERP;
                f->relro |= ph.p_type == PT_GNU_RELRO;
                f->wx |= ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && (ph.p_flags & PF_X);
                if (ph.p_type == PT_GNU_STACK) {
                        f->stack_seen = true;
                        f->stack_exec = ph.p_flags & PF_X;
                }
                if (ph.p_type == PT_DYNAMIC)
                        dyn_facts(e, &ph, f);
        }
        elf_end(e);
        return k;
}

static void judge_common(struct pdi_check_ctx *c, const char *path, const struct elf_facts *f)
{
        if (f->machine != HOST_MACHINE)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "install the release built for this machine's architecture",
                                  "%s is built for ELF machine %u, this host is %u", path,
                                  f->machine, HOST_MACHINE);
        if (f->wx)
                pdi_check_finding(c, PDI_SEV_ERROR,
                                  "a segment both writable and executable defeats W^X; do not "
                                  "run this build",
                                  "%s has a loadable segment that is writable and executable",
                                  path);
        if (!f->stack_seen || f->stack_exec)
                pdi_check_finding(c, PDI_SEV_ERROR, "rebuild with -z noexecstack",
                                  "%s asks for an executable stack%s", path,
                                  f->stack_seen ? "" : " (no PT_GNU_STACK header)");
}

static void judge_node(struct pdi_check_ctx *c, const char *path, const struct elf_facts *f)
{
        if (f->type != ET_DYN || !(f->interp || f->pie_flag))
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "rebuild the node as a position-independent "
                                  "executable (-pie)",
                                  "%s is not PIE: its addresses are not randomised", path);
        if (!f->relro)
                pdi_check_finding(c, PDI_SEV_WARN, "rebuild with -Wl,-z,relro,-z,now",
                                  "%s has no RELRO segment", path);
        if (!f->bind_now)
                pdi_check_finding(c, PDI_SEV_WARN, "rebuild with -Wl,-z,now",
                                  "%s is not linked with BIND_NOW (no full RELRO)", path);
}

static void judge_worker(struct pdi_check_ctx *c, const char *path, const struct elf_facts *f)
{
        if (f->interp || f->needed > 0)
                pdi_check_finding(c, PDI_SEV_WARN,
                                  "a statically linked worker needs no loader or libraries "
                                  "inside its sandbox; upstream ships glibc-linked workers today",
                                  "%s is dynamically linked (%zu needed librar%s)", path, f->needed,
                                  f->needed == 1 ? "y" : "ies");
}

static void elf_one(const struct pdi_target *t, struct pdi_check_ctx *c, const char *path,
                    bool node)
{
        _cleanup_close_ int fd = pdi_root_open_regular(t->root, path, 0);
        if (fd == -ENOENT)
                return; /* version-alignment names missing binaries */
        if (fd < 0) {
                pdi_check_finding(c, PDI_SEV_WARN, NULL, "%s: cannot open: %s", path,
                                  pdi_read_strerror(fd));
                return;
        }
        struct elf_facts f = {0};
        int k = elf_facts_read(fd, &f);
        if (k == -ENOEXEC) {
                /* A warning, not an error: a script stand-in is not a release anyone ships,
                 * but it is no danger either, and the other checks still judge it. */
                pdi_check_finding(c, PDI_SEV_WARN, "the release should ship ELF binaries",
                                  "%s is not an ELF binary", path);
                return;
        }
        if (k < 0) {
                pdi_check_finding(c, PDI_SEV_ERROR, "reinstall the release",
                                  "%s: malformed ELF headers", path);
                return;
        }
        judge_common(c, path, &f);
        if (node)
                judge_node(c, path, &f);
        else
                judge_worker(c, path, &f);
}

void pdi_check_elf_run(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (elf_version(EV_CURRENT) == EV_NONE) {
                pdi_check_skip(c, "libelf is not usable: %s", elf_errmsg(-1));
                return;
        }
        if (t->node)
                elf_one(t, c, t->node, true);
        for (enum pdi_role role = PDI_ROLE_PREPARE_WORKER;
             t->worker_dir && role <= PDI_ROLE_EXECUTE_WORKER; role++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", t->worker_dir, pdi_role_file(role)) < 0)
                        return;
                elf_one(t, c, p, false);
        }
}
