/* SPDX-License-Identifier: Apache-2.0 */
#include "release/floor.h"
#include "release/release.h"

#include <errno.h>

/* releases/<version>'s stored manifest, verified: 0 with ret filled, else <0 (err set). */
static int verify_stored(const struct pdi_root *r, const char *path, const struct pdi_trust *t,
                         struct pdi_verified *ret, struct pdi_error *err)
{
        _cleanup_free_ char *bytes = NULL;
        struct pdi_sigtext *sigs = NULL;
        size_t len = 0, n = 0;
        int k = pdi_release_read_stored(r, path, &bytes, &len, &sigs, &n, err);
        if (k == 0)
                k = pdi_release_verify(t, path, bytes, len, sigs, n, 0, ret, err);
        pdi_sigtexts_free(sigs, n);
        free(sigs);
        return k;
}

static int recover_one(const struct pdi_root *r, const struct pdi_layout *l,
                       const struct pdi_trust *t, struct pdi_state *s, const char *version)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s/manifest.json", l->releases, version) < 0)
                return -ENOMEM;
        struct pdi_verified v;
        struct pdi_error err = {0};
        int k = verify_stored(r, path, t, &v, &err);
        if (k == -ENOMEM)
                return k;
        if (k < 0) /* not believed: it counts for nothing */
                return 0;
        const struct pdi_manifest *m = v.manifest;
        if (!streq(m->version, version))
                k = 0;
        else if (!pdi_state_release(s, l->instance, version))
                k = pdi_state_record_release(s, l->instance, m, v.manifest_sha256);
        else
                k = pdi_state_raise_floor(s, l->instance, m, v.manifest_sha256);
        pdi_verified_done(&v);
        return k;
}

int pdi_floor_recover(const struct pdi_root *r, const struct pdi_layout *l,
                      const struct pdi_trust *t, struct pdi_state *s)
{
        char **versions = NULL;
        size_t n = 0;
        int k = pdi_layout_list_releases(r, l, &versions, &n);
        for (size_t i = 0; k == 0 && i < n; i++)
                k = recover_one(r, l, t, s, versions[i]);
        pdi_strv_free(versions, n);
        return k;
}
