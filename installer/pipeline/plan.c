/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/plan.h"
#include "pipeline/check.h"
#include "pipeline/adopt.h"
#include "base/log.h"
#include "pipeline/accept.h"
#include "base/shellquote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

/* One conversion of a plan line's format at *p (a '%') into f, its argument from ap: %s is a
 * word for the shell and goes through pdi_shell_quote; numbers (%u, %llu, %04o …) are
 * digits and print as they are. */
static int convert(FILE *f, const char **p, va_list *ap)
{
        const char *s = *p;
        size_t n = 1 + strspn(s + 1, "0123456789#");
        bool ll = strncmp(s + n, "ll", 2) == 0;
        n += ll ? 2 : 0;
        char c = s[n], spec[16];
        *p = s + n + 1;
        if (c == '%')
                return fputc('%', f) == EOF ? -EIO : 0;
        if (c == 's') {
                const char *w = va_arg(*ap, const char *);
                _cleanup_free_ char *q = pdi_shell_quote(w ? w : "(null)");
                return !q ? -ENOMEM : fputs(q, f) == EOF ? -EIO : 0;
        }
        if (n + 2 > sizeof(spec) || !strchr("ouxX", c))
                return -EINVAL;
        memcpy(spec, s, n + 1);
        spec[n + 1] = '\0';
        _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"");
        int k = ll ? fprintf(f, spec, va_arg(*ap, unsigned long long))
                   : fprintf(f, spec, va_arg(*ap, unsigned));
        _Pragma("GCC diagnostic pop");
        return k < 0 ? -EIO : 0;
}

/* A plan line in printf's form, every %s a shell word, quoted as the shell needs it: pasted,
 * the line runs exactly its words whatever a path, setting or URL holds. */
static char *render(const char *fmt, va_list *ap)
{
        char *line = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&line, &len);
        int k = f ? 0 : -ENOMEM;
        for (const char *p = fmt; k == 0 && *p;)
                k = *p == '%' ? convert(f, &p, ap) : fputc(*p++, f) == EOF ? -EIO : 0;
        if (f && fclose(f) != 0 && k == 0)
                k = -ENOMEM;
        if (k < 0) {
                free(line);
                return NULL;
        }
        return line;
}

/* A rendered line into the JSON plan, the guided setup's preview, or stdout. */
static void plan_line(struct run *r, const char *line)
{
        if (r->o->plan_to)
                fprintf(r->o->plan_to, "%s\n", line);
        else if (r->ctx->json)
                json_array_append_new(json_object_get(r->out, "plan"), json_string(line));
        else
                printf("%s\n", line);
}

/* A line that cannot be rendered (out of memory) is left out, as before. */
static void plan(struct run *r, const char *fmt, ...) _printf_(2, 3);
static void plan(struct run *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *line = render(fmt, &ap);
        va_end(ap);
        if (!line)
                return;
        plan_line(r, line);
}

/* A word made of several values with blanks between them (a line of a file, a checksum
 * line), to be passed to plan() as one %s. */
static char *word(const char *fmt, ...) _printf_(1, 2);
static char *word(const char *fmt, ...)
{
        char *w = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&w, fmt, ap);
        va_end(ap);
        return k < 0 ? NULL : w;
}

/* Paths as a person at this machine would type them: under --root, with the root in front. */
struct shown {
        char *prefix, *releases, *current, *cache, *bin_link, *bin_target;
};

static void shown_done(struct shown *s)
{
        char **f[] = {&s->prefix, &s->releases, &s->current,
                      &s->cache,  &s->bin_link, &s->bin_target};
        for (size_t i = 0; i < ELEMENTSOF(f); i++)
                free(*f[i]);
}

static int shown_init(struct run *r, struct shown *s)
{
        const struct pdi_layout *l = &r->layout;
        _cleanup_free_ char *target = pdi_run_join(l->current, "polkadot");
        *s = (struct shown){
            .prefix = pdi_root_display(r->root, l->prefix),
            .releases = pdi_root_display(r->root, l->releases),
            .current = pdi_root_display(r->root, l->current),
            .cache = pdi_root_display(r->root, l->cache),
            .bin_link = pdi_root_display(r->root, l->bin_link),
            .bin_target = target ? strdup(target) : NULL,
        };
        if (!s->prefix || !s->releases || !s->current || !s->cache || !s->bin_link ||
            !s->bin_target) {
                shown_done(s);
                return -ENOMEM;
        }
        return 0;
}

static void plan_verify(struct run *r)
{
        const struct pdi_manifest *m = r->v.manifest;
        plan(r, "# %s %s, sequence %llu (highest accepted so far: %llu)", m->product, m->version,
             (unsigned long long)m->sequence,
             (unsigned long long)pdi_state_highest_sequence(&r->state, m->product, NULL));
        plan(r, "curl -fL -o manifest.json %s", r->manifest_src);
        for (size_t i = 0; i < r->n_sigs; i++) {
                _cleanup_free_ char *name = pdi_trust_sig_name("manifest.json", i);
                plan(r, "curl -fL -o %s %s", name, r->sigs[i].source);
        }
        for (size_t i = 0; i < r->v.signers.n_signers; i++) {
                const struct pdi_signer *sg = &r->v.signers.signers[i];
                bool configured = strncmp(sg->key_source, PDI_TRUST_KEYS_DIR "/",
                                          strlen(PDI_TRUST_KEYS_DIR) + 1) == 0;
                _cleanup_free_ char *key =
                    configured ? pdi_root_display(r->root, sg->key_source) : strdup(sg->key_source);
                plan(r, "minisign -Vm manifest.json -x %s -p %s   # key %s",
                     i == 0 ? "manifest.json.minisig" : "manifest.json.minisig.N",
                     key ? key : sg->key_source, sg->keyid);
        }
}

static void plan_fetch(struct run *r, const struct shown *s)
{
        const struct pdi_manifest *m = r->v.manifest;
        /* No cd that outlives a line: the manifest stays where the plan started. */
        plan(r, "install -d -m 0700 %s", s->cache);
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                char **urls = NULL;
                size_t n = 0;
                if (pdi_run_artifact_urls(r, a, &urls, &n) < 0)
                        return;
                _cleanup_free_ char *part = word("%s/%s.part", s->cache, a->sha256);
                _cleanup_free_ char *file = word("%s/%s", s->cache, a->sha256);
                _cleanup_free_ char *check = word("%s  %s.part", a->sha256, a->sha256);
                if (part && file && check) {
                        plan(r, "curl -fL --proto '=https,http' --max-filesize %llu -o %s %s",
                             (unsigned long long)a->size, part, urls[0]);
                        plan(r, "(cd %s && echo %s | sha256sum -c) && mv %s %s", s->cache, check,
                             part, file);
                }
                pdi_strv_free(urls, n);
        }
}

/* One file extracted from an archive: its hash checked, its mode set. */
static void plan_file(struct run *r, const struct shown *s, const struct pdi_manifest_file *f)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *v = m->version;
        _cleanup_free_ char *check =
            word("%s  %s/%s.partial/%s", f->sha256, s->releases, v, f->path);
        if (check)
                plan(r, "echo %s | sha256sum -c && chmod %04o %s/%s.partial/%s", check,
                     pdi_stage_mode(m, f->path), s->releases, v, f->path);
}

static void plan_stage(struct run *r, const struct shown *s)
{
        const struct pdi_manifest *m = r->v.manifest;
        const char *v = m->version;
        plan(r, "install -d -m 0700 %s/%s.partial", s->releases, v);
        for (size_t i = 0; i < m->n_sets; i++)
                plan(r, "install -d -m 0755 %s/%s.partial/%s", s->releases, v, m->sets[i].dir);
        for (size_t i = 0; i < m->n_artifacts; i++) {
                const struct pdi_manifest_artifact *a = &m->artifacts[i];
                const char *path = pdi_artifact_path(a);
                if (a->format == PDI_FORMAT_BINARY) {
                        plan(r, "install -o root -g root -m %04o %s/%s %s/%s.partial/%s",
                             pdi_stage_mode(m, path), s->cache, a->sha256, s->releases, v, path);
                        continue;
                }
                plan(r, "tar -x --no-same-owner --no-same-permissions -f %s/%s -C %s/%s.partial",
                     s->cache, a->sha256, s->releases, v);
                for (size_t f = 0; f < a->n_files; f++)
                        plan_file(r, s, &a->files[f]);
        }
        plan(r, "cp manifest.json manifest.json.minisig %s/%s.partial/", s->releases, v);
        plan(r, "chmod 0755 %s/%s.partial && sync", s->releases, v);
        plan(r, "mv -T %s/%s.partial %s/%s", s->releases, v, s->releases, v);
}

/* The config file is written when it is missing or flags changed it, as the real run does. */
static bool config_changes(struct run *r)
{
        _cleanup_free_ char *old = NULL;
        _cleanup_free_ char *cfg = pdi_settings_render_config(&r->host.settings);
        int k = pdi_root_read_file(r->root, r->layout.config, 64 * 1024, &old, NULL);
        return k == -ENOENT || (k == 0 && r->host.settings_given && cfg && !streq(old, cfg));
}

/* Users, base path, settings and environment file (INSTALL.md sections 5 and 6). */
static void plan_files(struct run *r)
{
        const struct pdi_layout *l = &r->layout;
        const char *base_path = r->host.settings.base_path;
        _cleanup_free_ char *args = pdi_settings_node_args(&r->host.settings);
        _cleanup_free_ char *sysusers = pdi_root_display(r->root, l->sysusers);
        _cleanup_free_ char *tmpfiles = pdi_root_display(r->root, l->tmpfiles);
        _cleanup_free_ char *config = pdi_root_display(r->root, l->config);
        _cleanup_free_ char *env = pdi_root_display(r->root, l->env_file);
        _cleanup_free_ char *base = pdi_root_display(r->root, base_path);
        _cleanup_free_ char *tmpfiles_line = word("d %s 0750 %s %s -", base_path, l->user, l->user);
        _cleanup_free_ char *env_line = word("POLKADOT_ARGS=\"%s\"", args ? args : "");
        if (!args || !sysusers || !tmpfiles || !config || !env || !base || !tmpfiles_line ||
            !env_line)
                return;
        plan(r, "# users %s and %s, no login (INSTALL.md section 5)", l->user, l->worker_user);
        plan(r, "install -D -m 0644 polkadot.conf %s   # the sysusers.d lines of INSTALL.md",
             sysusers);
        if (r->root->is_host)
                plan(r, "systemd-sysusers %s", sysusers);
        else
                plan(r, "systemd-sysusers --root=%s %s", r->root->path, sysusers);
        if (r->adopting) { /* the adopted node's base path stays exactly as it is */
                plan(r, "test -d %s   # the adopted base path, owned by %s: left as it is", base,
                     l->user);
        } else { /* tmpfiles resolves the user in the root's own passwd, as we do */
                plan(r, "echo %s | install -D -m 0644 /dev/stdin %s", tmpfiles_line, tmpfiles);
                if (r->root->is_host)
                        plan(r, "systemd-tmpfiles --create %s   # %s, 0750, owned by %s", tmpfiles,
                             base, l->user);
                else
                        plan(r, "systemd-tmpfiles --root=%s --create %s   # %s, 0750, owned by %s",
                             r->root->path, tmpfiles, base, l->user);
        }
        if (config_changes(r))
                plan(r, "install -D -m 0600 config %s   # the settings, KEY=value (section 6)",
                     config);
        plan(r, "echo %s | install -D -m 0600 /dev/stdin %s", env_line, env);
}

/* A validator's network key, made once when missing (host/nodekey.h; INSTALL.md section 6). */
static void plan_node_key(struct run *r)
{
        _cleanup_free_ char *key = NULL, *shown = NULL, *node = NULL;
        if (r->host.container)
                return; /* made on the container's volume, never into the image */
        if (pdi_settings_node_key(&r->host.settings, &key) <= 0)
                return;
        _cleanup_close_ int fd = pdi_root_open(r->root, key, O_PATH | O_NOFOLLOW, 0);
        if (fd >= 0 || errno != ENOENT)
                return; /* kept as it is */
        _cleanup_free_ char *cur = pdi_root_display(r->root, r->layout.current);
        shown = pdi_root_display(r->root, key);
        if (!cur || !shown || asprintf(&node, "%s/polkadot", cur) < 0)
                return;
        plan(r,
             "(umask 077 && runuser -u %s -- %s key generate-node-key --file %s) && chmod 0600 "
             "%s   # a validator's key: once, never replaced",
             r->layout.user, node, shown, shown);
}

/* The units, enabled (and started, live). */
static void plan_units(struct run *r)
{
        const struct pdi_layout *l = &r->layout;
        _cleanup_free_ char *units = pdi_root_display(r->root, l->unit_dir);
        _cleanup_free_ char *wants = pdi_root_display(r->root, l->wants_link);
        if (!units || !wants)
                return;
        if (r->host.container) {
                plan(r,
                     "# container mode: no unit, slice or timer; the image's ENTRYPOINT runs "
                     "%s/polkadot",
                     r->layout.current);
                return;
        }
        plan(r,
             "install -D -m 0644 -t %s %s %s   # rendered from templates/ (INSTALL.md section 6)",
             units, l->service, l->slice);
        if (r->host.live) {
                plan(r, "systemctl daemon-reload && systemctl enable %s", l->service);
                if (!r->o->no_start)
                        plan(r, "systemctl restart %s && systemctl is-active %s", l->service,
                             l->service);
        } else {
                /* The link's target is the unit's path inside the root, as systemctl makes it. */
                char *slash = strrchr(wants, '/');
                if (slash) {
                        *slash = '\0';
                        plan(r, "install -d -m 0755 %s", wants);
                        *slash = '/';
                }
                plan(r, "ln -sfn %s %s   # enable, offline", l->service_path, wants);
        }
}

/* Host configuration, as INSTALL.md sections 5 and 6 do it by hand: each file the run writes
 * there (SELinux aside) is a line, and every location carries the root in front. */
static void plan_host(struct run *r)
{
        plan_files(r);
        plan_node_key(r);
        plan_units(r);
}

/* A comment line of the plan (text starts with '#'; control bytes already escaped). */
static void plan_comment(const char *text, void *userdata)
{
        plan_line(userdata, text);
}

static int print_plan(struct run *r)
{
        const char *v = r->v.manifest->version;
        struct shown s;
        if (shown_init(r, &s) < 0)
                return -ENOMEM;
        json_object_set_new(r->out, "plan", json_array());
        json_t *p = pdi_state_pending(&r->state, r->layout.instance);
        if (p)
                plan(r,
                     "# first: an interrupted %s to %s never finished its health check; the "
                     "real run finishes it (and may fall back to %s and stop there)",
                     json_string_value(json_object_get(p, "action")),
                     json_string_value(json_object_get(p, "to")),
                     json_string_value(json_object_get(p, "from")) ?: "nothing");
        plan_verify(r);
        if (pdi_run_already_installed(r))
                plan(r,
                     "# %s/%s is installed from this manifest: every file is checked against "
                     "it, a damaged one is replaced",
                     s.releases, v);
        else {
                plan_fetch(r, &s);
                plan_stage(r, &s);
        }
        if (!streq(r->tree_current, v))
                plan(r, "ln -sfn releases/%s %s/.current.new && mv -T %s/.current.new %s", v,
                     s.prefix, s.prefix, s.current);
        plan(r, "ln -sfn %s %s", s.bin_target, s.bin_link);
        pdi_adopt_plan(r, plan_comment, r);
        plan_host(r);
        shown_done(&s);
        return 0;
}

/* Everything the plan is made from, as the real run would find it; *fault names the answer
 * a refusal is about (the guided setup asks it again). */
static int plan_prepare(struct run *r, enum pdi_plan_fault *fault)
{
        int k = streq(r->o->action, "install") ? pdi_adopt_detect(r) : 0;
        if (k == 0)
                k = pdi_run_setup(r);
        if (k == 0 && (k = pdi_run_load_manifest(r)) == -PDI_E_SIGNATURE)
                *fault = PDI_PLAN_FAULT_TRUST;
        if (k == 0 && (k = pdi_run_check_chains(r)) < 0)
                *fault = PDI_PLAN_FAULT_CHAIN;
        if (k == 0 && pdi_layout_current(r->root, &r->layout, &r->tree_current) < 0)
                r->tree_current = NULL;
        if (k == 0)
                k = pdi_run_container_mode(r);
        /* Refused as the real upgrade would be: nothing installed, or not forward. */
        if (k == 0 && streq(r->o->action, "upgrade"))
                k = pdi_run_check_upgrade(r);
        return k;
}

/* What --dry-run and --check say besides the plan: whether the real run would change
 * anything (and, with --check, what), --diff's before and after, the one-line msg. */
static int plan_check(struct run *r)
{
        int k = pdi_check_install(r);
        if (k == 0 && r->o->diff && !r->diff.n)
                k = pdi_host_render(&r->host, &r->state, &r->diff);
        if (k == 0)
                pdi_check_show_diff(r);
        if (k == 0 && r->o->check && !json_is_true(json_object_get(r->out, "changed")) &&
            !r->ctx->json)
                printf("no changes: %s is as this run would leave it\n", r->layout.prefix);
        if (k == 0) {
                json_t *c = json_object_get(r->out, "changes");
                const char *how = r->o->check ? "--check" : "--dry-run";
                json_object_set_new(r->out, "msg",
                                    c ? json_sprintf("%s %s %s: %zu change(s)", r->o->action, how,
                                                     r->v.manifest->version, json_array_size(c))
                                      : json_sprintf("%s %s %s: no changes", r->o->action, how,
                                                     r->v.manifest->version));
        }
        return k;
}

int pdi_plan_preview(struct pdi_ctx *ctx, const struct pdi_install_opts *o,
                     enum pdi_plan_fault *ret_fault, char *ret_sha256)
{
        enum pdi_plan_fault fault = PDI_PLAN_FAULT_NONE;
        struct run r;
        int k = pdi_run_init(&r, ctx, o);
        if (k < 0)
                return k;
        k = plan_prepare(&r, &fault);
        if (k == 0 && o->plan)
                k = print_plan(&r);
        if (k == 0)
                k = plan_check(&r);
        if (k == 0) {
                json_object_set_new(r.out, "version", json_string(r.v.manifest->version));
                json_object_set_new(r.out, "current", json_string(r.layout.current));
                if (ret_sha256)
                        memcpy(ret_sha256, r.v.manifest_sha256, sizeof(r.v.manifest_sha256));
        }
        pdi_run_end(&r, k);
        pdi_run_done(&r);
        if (ret_fault)
                *ret_fault = k < 0 ? fault : PDI_PLAN_FAULT_NONE;
        return k;
}

int pdi_plan_run(struct pdi_ctx *ctx, const struct pdi_install_opts *o)
{
        return pdi_plan_preview(ctx, o, NULL, NULL);
}
