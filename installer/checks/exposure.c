/* SPDX-License-Identifier: Apache-2.0 */
/* See exposure.h. */
#include "checks/exposure.h"
#include "base/exec.h"
#include "base/fsroot.h"
#include "host/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* "→ Overall exposure level for NAME: 9.2 UNSAFE". */
static int parse(const char *out, double *ret)
{
        const char *p = strstr(out, "Overall exposure level for ");
        p = p ? strstr(p, ": ") : NULL;
        if (!p)
                return -EBADMSG;
        char *end;
        double v = strtod(p + 2, &end);
        if (end == p + 2 || v < 0 || v > 10)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int score_file(const char *tool, const char *file, double *ret)
{
        _cleanup_close_ int fd = memfd_create("pdi-exposure", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        char *const argv[] = {"systemd-analyze", "security",   "--offline=yes",
                              "--no-pager",      (char *)file, NULL};
        int status = 0;
        int k = pdi_exec_run_into(tool, argv, fd, &status);
        if (k < 0)
                return k;
        if (status != 0)
                return -EBADMSG;
        _cleanup_free_ char *out = NULL;
        if (lseek(fd, 0, SEEK_SET) < 0 || pdi_read_fd(fd, 1 << 20, &out, NULL) < 0)
                return -EIO;
        return parse(out, ret);
}

int pdi_unit_exposure(const char *name, const char *text, size_t len, double *ret)
{
        _cleanup_free_ char *tool = NULL;
        if (pdi_exec_find("systemd-analyze", &tool) < 0)
                return -ENOENT;
        char dir[] = "/tmp/pdi-exposure.XXXXXX";
        if (!mkdtemp(dir))
                return -errno;
        char file[PATH_MAX];
        snprintf(file, sizeof(file), "%s/%s", dir, name);
        int k = 0;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || pdi_write_atomic_at(dfd, name, text, len, 0600) < 0)
                k = -EIO;
        if (k == 0)
                k = score_file(tool, file, ret);
        (void)unlink(file);
        (void)rmdir(dir);
        return k;
}

static bool ours_score(const struct pdi_target *t, double *ret)
{
        struct pdi_layout l;
        struct pdi_host_facts f;
        _cleanup_free_ char *text = NULL;
        bool ok = pdi_layout_init(&l, NULL, NULL) == 0;
        if (ok)
                ok = pdi_host_facts_detect(t->root, &f) == 0 &&
                     pdi_units_render_service(&l, NULL, &f, &text) == 0 &&
                     pdi_unit_exposure("polkadot.service", text, strlen(text), ret) == 0;
        pdi_layout_done(&l);
        return ok;
}

void pdi_check_exposure(const struct pdi_target *t, struct pdi_check_ctx *c)
{
        if (streq(t->kind, "polkadot-installer") || !t->unit_path)
                return; /* ours: test_units.sh holds it to 2.5 */
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        double score, ours = 0;
        const char *name = strrchr(t->unit_path, '/') + 1;
        if (pdi_root_read_file(t->root, t->unit_path, 1 << 20, &text, &len) < 0 ||
            pdi_unit_exposure(name, text, len, &score) < 0)
                return; /* no systemd-analyze, or it could not score it: the rest still judges */
        bool have_ours = ours_score(t, &ours);
        char cmp[96] = "";
        if (have_ours)
                snprintf(cmp, sizeof(cmp), "the unit polkadot-installer renders scores %.1f, ",
                         ours);
        pdi_check_finding(c, score > PDI_UPSTREAM_EXPOSURE ? PDI_SEV_WARN : PDI_SEV_INFO,
                          score > PDI_UPSTREAM_EXPOSURE
                              ? "harden it (polkadot-installer install --adopt renders one)"
                              : NULL,
                          "%s: systemd-analyze security exposure %.1f (0 best, 10 worst); %s"
                          "upstream's %.1f",
                          t->unit_path, score, cmp, PDI_UPSTREAM_EXPOSURE);
}
