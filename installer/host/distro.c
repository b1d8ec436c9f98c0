/* SPDX-License-Identifier: Apache-2.0 */
#include "host/distro.h"

#include <errno.h>

#define OS_RELEASE_MAX (64 * 1024)

/* One adapter per family; `ids` are the os-release IDs (or ID_LIKE words) it handles. */
struct adapter {
        struct pdi_distro d;
        const char *ids[6];
};

static const struct adapter adapters[] = {
    {{"debian", "Debian", PDI_INIT_SYSTEMD, "/usr/sbin/nologin", {"sudo", "adm"}},
     {"debian", "raspbian"}},
    {{"ubuntu", "Ubuntu", PDI_INIT_SYSTEMD, "/usr/sbin/nologin", {"sudo", "adm", "admin"}},
     {"ubuntu"}},
    {{"fedora", "Fedora", PDI_INIT_SYSTEMD, "/usr/sbin/nologin", {"wheel", "adm"}}, {"fedora"}},
    {{"rhel", "RHEL, Rocky Linux, AlmaLinux", PDI_INIT_SYSTEMD, "/sbin/nologin", {"wheel", "adm"}},
     {"rhel", "rocky", "almalinux", "centos"}},
    {{"arch", "Arch Linux", PDI_INIT_SYSTEMD, "/usr/bin/nologin", {"wheel", "adm"}}, {"arch"}},
    {{"opensuse", "openSUSE / SLES", PDI_INIT_SYSTEMD, "/usr/sbin/nologin", {"wheel"}},
     {"opensuse-leap", "opensuse-tumbleweed", "sles", "opensuse", "suse"}},
    {{"alpine", "Alpine Linux", PDI_INIT_OPENRC, "/sbin/nologin", {"wheel", "adm"}}, {"alpine"}},
    {{"nixos", "NixOS", PDI_INIT_NIXOS, "/run/current-system/sw/bin/nologin", {"wheel"}},
     {"nixos"}},
};

static const struct pdi_distro *find_adapter(const char *id, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(adapters); i++)
                for (size_t j = 0; j < ELEMENTSOF(adapters[i].ids) && adapters[i].ids[j]; j++)
                        if (strlen(adapters[i].ids[j]) == len &&
                            strncmp(adapters[i].ids[j], id, len) == 0)
                                return &adapters[i].d;
        return NULL;
}

/* Unquote an os-release value in place: "…" with backslash escapes, '…' literal, or bare. */
static void unquote(char *v)
{
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
                v[--n] = '\0';
        char q = v[0];
        if ((q != '"' && q != '\'') || n < 2 || v[n - 1] != q)
                return;
        char *w = v;
        for (char *p = v + 1; p < v + n - 1; p++) {
                if (q == '"' && *p == '\\' && p + 1 < v + n - 1)
                        p++;
                *w++ = *p;
        }
        *w = '\0';
}

/* Value of key in the os-release text (newly allocated), NULL if absent. */
static char *os_release_get(const char *text, const char *key)
{
        size_t klen = strlen(key);
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                while (len > 0 && (*line == ' ' || *line == '\t'))
                        line++, len--;
                if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        char *v = strndup(line + klen + 1, len - klen - 1);
                        if (v)
                                unquote(v);
                        return v;
                }
                line = end ? end + 1 : NULL;
        }
        return NULL;
}

static int read_os_release(const struct pdi_root *r, char **ret_text, const char **ret_path,
                           struct pdi_error *err)
{
        static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};
        int k = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                k = pdi_root_read_file(r, paths[i], OS_RELEASE_MAX, ret_text, NULL);
                if (k == 0) {
                        *ret_path = paths[i];
                        return 0;
                }
                if (k != -ENOENT)
                        return pdi_error_set(err, -PDI_E_FAILED, "%s: %s", paths[i],
                                             pdi_read_strerror(k));
        }
        if (!r->is_host)
                return -ENOENT; /* a bare tree: the caller may use the generic adapter */
        return pdi_error_set(err, -PDI_E_FAILED,
                             "cannot tell the distribution: no /etc/os-release or "
                             "/usr/lib/os-release under %s",
                             r->path);
}

/* For a --root tree that is not a whole system (no os-release: an image being assembled, the
 * demo): systemd and the common paths. */
static const struct pdi_distro generic = {"generic",
                                          "a tree without os-release",
                                          PDI_INIT_SYSTEMD,
                                          "/usr/sbin/nologin",
                                          {"sudo", "wheel", "adm"}};

/* First word of ID_LIKE (space-separated, in order of preference) with an adapter. */
static const struct pdi_distro *match_like(const char *like)
{
        for (const char *p = like; p && *p;) {
                size_t n = strcspn(p, " \t");
                const struct pdi_distro *d = n ? find_adapter(p, n) : NULL;
                if (d)
                        return d;
                p += n;
                p += strspn(p, " \t");
        }
        return NULL;
}

int pdi_distro_detect(const struct pdi_root *r, const struct pdi_distro **ret,
                      struct pdi_error *err)
{
        _cleanup_free_ char *text = NULL;
        const char *path = NULL;
        int k = read_os_release(r, &text, &path, err);
        if (k == -ENOENT) {
                *ret = &generic;
                return 1;
        }
        if (k < 0)
                return k;
        _cleanup_free_ char *id = os_release_get(text, "ID");
        _cleanup_free_ char *like = os_release_get(text, "ID_LIKE");
        const struct pdi_distro *d = id ? find_adapter(id, strlen(id)) : NULL;
        if (!d)
                d = match_like(like);
        if (!d)
                return pdi_error_set(err, -PDI_E_FAILED,
                                     "%s: unsupported distribution ID=%s%s%s (supported: "
                                     "Debian, Ubuntu, Fedora, RHEL/Rocky/AlmaLinux, Arch, "
                                     "openSUSE/SLES, Alpine, NixOS)",
                                     path, id ? id : "(none)", like ? " ID_LIKE=" : "",
                                     like ? like : "");
        *ret = d;
        return 0;
}
