/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: render polkadot.service and polkadot.slice into a directory, for a layout
 * under a scratch prefix, so scenario tests can run systemd-analyze on them without
 * touching the host. Usage: render-units OUTDIR PREFIX BASE_PATH SYSTEMD_VERSION MEM_GIB
 * [isolated]; with "isolated" the node's unit for worker_isolation=systemd and the three PVF
 * units (polkadot-pvf.service, .socket, .slice) beside it. */
#include "host/pvf.h"
#include "host/units.h"

#include <errno.h>
#include <stdint.h>

static int write_file(const char *dir, const char *name, const char *text)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
        if (argc != 6 && !(argc == 7 && !strcmp(argv[6], "isolated"))) {
                fprintf(stderr,
                        "usage: %s OUTDIR PREFIX BASE_PATH SYSTEMD_VERSION MEM_GIB [isolated]\n",
                        argv[0]);
                return 2;
        }
        struct pdi_layout l;
        if (pdi_layout_init(&l, NULL, argv[2]) < 0)
                return 1;
        struct pdi_settings s = {.base_path = argv[3], .isolate_workers = argc == 7};
        struct pdi_host_facts f = {
            .ncpu = 8,
            .mem_bytes = strtoull(argv[5], NULL, 10) << 30,
            .systemd_version = (unsigned)strtoul(argv[4], NULL, 10),
        };
        _cleanup_free_ char *service = NULL, *slice = NULL;
        int r = pdi_units_render_service(&l, &s, &f, &service);
        if (r >= 0)
                r = pdi_units_render_slice(&l, &f, &slice);
        if (r >= 0)
                r = write_file(argv[1], l.service, service);
        if (r >= 0)
                r = write_file(argv[1], l.slice, slice);
        _cleanup_free_ char *ps = NULL, *pk = NULL, *pl = NULL;
        if (r >= 0 && s.isolate_workers)
                r = pdi_pvf_render_units(&l, &s, &f, &ps, &pk, &pl);
        if (r >= 0 && s.isolate_workers)
                r = write_file(argv[1], l.pvf_service, ps) ?: write_file(argv[1], l.pvf_socket_unit, pk)
                                                          ?: write_file(argv[1], l.pvf_slice, pl);
        pdi_layout_done(&l);
        if (r < 0)
                fprintf(stderr, "render-units: %s\n", strerror(-r));
        return r < 0;
}
