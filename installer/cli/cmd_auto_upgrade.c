/* SPDX-License-Identifier: Apache-2.0 */
/* auto-upgrade: the opt-in timer that runs `upgrade` against a configured manifest URL, for
 * operators who want what apt's unattended-upgrades gives them. Off by default; the risks
 * are in INSTALL.md next to how to turn it on. */
#include "cli/auto_upgrade.h"
#include "cli/cli.h"
#include "host/conffile.h"
#include "release/layout.h"
#include "release/lock.h"
#include "base/exec.h"
#include "base/log.h"
#include "base/report.h"
#include "release/state.h"
#include "host/systemd.h"
#include "host/templates.h"
#include "host/units.h"
#include "host/values.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

enum { OPT_ENABLE = PDI_OPT_OWN, OPT_DISABLE, OPT_MANIFEST, OPT_ON_CALENDAR, OPT_INSTALLER };

struct auto_args {
        bool enable, disable;
        const char *manifest, *on_calendar, *installer;
};

#define TIMER PDI_AUTO_UPGRADE_TIMER
#define SERVICE "polkadot-installer-upgrade.service"
#define UNIT_DIR PDI_AUTO_UPGRADE_UNIT_DIR
#define WANTS UNIT_DIR "/timers.target.wants/" TIMER

/* A flag's value that goes into a unit file (values.h has the forms): usage error naming the
 * flag and why. */
static int check_value(struct pdi_ctx *ctx, const char *flag, enum pdi_value_form form,
                       const char *v)
{
        char shown[300];
        const char *why = pdi_value_problem(form, v);
        if (!why)
                return 0;
        pdi_value_quote(v, shown, sizeof(shown));
        return pdi_usage(ctx, "auto-upgrade: %s '%s' %s", flag, shown, why);
}

/* The form check keeps a spec from becoming a directive; whether systemd can read it as a
 * calendar is systemd's to say: a timer whose OnCalendar= it cannot parse never fires, and
 * the only sign is a line in the journal. Asked of this machine's systemd-analyze where there
 * is one (the target's may be older, so a spec it lacks still fails there); without it, the
 * form check alone, said in a warning. */
static int check_calendar(struct pdi_ctx *ctx, const char *spec)
{
        _cleanup_free_ char *tool = NULL;
        char out[512];
        int status = 0;
        if (pdi_exec_find("systemd-analyze", &tool) < 0) {
                log_warn("--on-calendar '%s': not checked (no systemd-analyze here)", spec);
                return 0;
        }
        char *const argv[] = {"systemd-analyze", "calendar", (char *)spec, NULL};
        int k = pdi_exec_run(tool, argv, -1, out, sizeof(out), &status);
        if (k == 0 && status == 0)
                return 0;
        return pdi_usage(ctx,
                         "auto-upgrade: --on-calendar '%s' is not a calendar spec systemd "
                         "reads (systemd-analyze calendar '%s' says so)",
                         spec, spec);
}

static int render(const struct auto_args *a, const char *name, const char *installer, char **ret)
{
        _cleanup_free_ char *tmpl_name = NULL;
        struct pdi_layout l;
        if (asprintf(&tmpl_name, "%s.in", name) < 0 || pdi_layout_init(&l, NULL, NULL) < 0)
                return -ENOMEM;
        const struct pdi_units_var vars[] = {
            {"INSTANCE", l.instance},        {"SERVICE", l.service},
            {"INSTALLER", installer},        {"MANIFEST_URL", a->manifest},
            {"ON_CALENDAR", a->on_calendar},
        };
        const char *tmpl = pdi_template_get(tmpl_name);
        int k = tmpl ? pdi_units_render(tmpl, vars, ELEMENTSOF(vars), 0, ret) : -ENOENT;
        pdi_layout_done(&l);
        return k;
}

static int link_timer(const struct pdi_root *r, bool on, struct pdi_report *rep)
{
        const char *base;
        _cleanup_close_ int dfd = pdi_root_open_parent(r, WANTS, 0755, &base);
        if (dfd < 0)
                return dfd;
        if (!on) {
                if (unlinkat(dfd, base, 0) == 0)
                        pdi_report_action(rep, "removed %s", WANTS);
                return 0;
        }
        if (symlinkat(UNIT_DIR "/" TIMER, dfd, base) == 0)
                pdi_report_action(rep, "enabled %s (offline link)", TIMER);
        else if (errno != EEXIST)
                return -errno;
        return 0;
}

static int enable(struct pdi_ctx *ctx, const struct pdi_root *r, const struct auto_args *a,
                  struct pdi_state *st, struct pdi_report *rep)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        const char *installer = a->installer;
        if (!installer && r->is_host && n > 0) {
                self[n] = '\0';
                installer = self;
        }
        if (!installer)
                installer = "/usr/local/sbin/polkadot-installer";
        int k = check_value(ctx, a->installer ? "--installer" : "this installer's path",
                            PDI_VALUE_PATH, installer);
        if (k < 0)
                return k;
        const char *names[] = {SERVICE, TIMER};
        enum pdi_conffile_result res;
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *text = NULL, *path = NULL;
                k = render(a, names[i], installer, &text);
                if (k == 0 && asprintf(&path, UNIT_DIR "/%s", names[i]) < 0)
                        k = -ENOMEM;
                if (k == 0)
                        k = pdi_conffile_write(r, st, path, text, 0644, rep, &res, &ctx->err);
        }
        if (k == 0 && pdi_systemd_live(r)) {
                k = pdi_systemd_daemon_reload(&ctx->err);
                if (k == 0)
                        k = pdi_systemd_enable(TIMER, &ctx->err);
                if (k == 0)
                        k = pdi_systemd_restart(TIMER, &ctx->err);
                if (k == 0)
                        pdi_report_action(rep, "%s is enabled and started", TIMER);
        } else if (k == 0) {
                k = link_timer(r, true, rep);
        }
        return k;
}

int pdi_auto_upgrade_disable(struct pdi_ctx *ctx, const struct pdi_root *r, struct pdi_state *st,
                             struct pdi_report *rep)
{
        int k = 0;
        if (pdi_systemd_live(r)) {
                (void)pdi_systemd_stop(TIMER, &ctx->err);
                ctx->err = (struct pdi_error){0}; /* not loaded: nothing to stop */
                k = pdi_systemd_disable(TIMER, &ctx->err);
        } else {
                k = link_timer(r, false, rep);
        }
        const char *paths[] = {UNIT_DIR "/" TIMER, UNIT_DIR "/" SERVICE};
        for (size_t i = 0; k == 0 && i < ELEMENTSOF(paths); i++) {
                const char *base;
                _cleanup_close_ int dfd = pdi_root_open_parent(r, paths[i], 0, &base);
                if (dfd >= 0 && unlinkat(dfd, base, 0) == 0)
                        pdi_report_action(rep, "removed %s", paths[i]);
                pdi_state_set_rendered(st, paths[i], NULL);
        }
        return k;
}

static int parse(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv,
                 struct auto_args *a)
{
        static const struct option opts[] = {
            PDI_COMMON_LONGOPTS,
            {"enable", no_argument, NULL, OPT_ENABLE},
            {"disable", no_argument, NULL, OPT_DISABLE},
            {"manifest", required_argument, NULL, OPT_MANIFEST},
            {"on-calendar", required_argument, NULL, OPT_ON_CALENDAR},
            {"installer", required_argument, NULL, OPT_INSTALLER},
            {0},
        };
        int c, r = 0;
        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, opts, NULL)) != -1)
                switch (c) {
                case OPT_ENABLE:
                        a->enable = true;
                        break;
                case OPT_DISABLE:
                        a->disable = true;
                        break;
                case OPT_MANIFEST:
                        a->manifest = optarg;
                        break;
                case OPT_ON_CALENDAR:
                        a->on_calendar = optarg;
                        break;
                case OPT_INSTALLER:
                        a->installer = optarg;
                        break;
                default:
                        r = pdi_cli_common(ctx, cmd, c, optarg);
                }
        if (r == 0)
                r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0 && a->enable == a->disable)
                r = pdi_usage(ctx, "auto-upgrade: say --enable or --disable");
        if (r == 0 && a->enable && !a->manifest)
                r = pdi_usage(ctx, "auto-upgrade --enable: --manifest URL is required");
        if (r == 0 && a->enable)
                r = check_value(ctx, "--manifest", PDI_VALUE_URL, a->manifest);
        if (r == 0 && a->installer)
                r = check_value(ctx, "--installer", PDI_VALUE_PATH, a->installer);
        if (!a->on_calendar)
                a->on_calendar = "daily";
        if (r == 0)
                r = check_value(ctx, "--on-calendar", PDI_VALUE_CALENDAR, a->on_calendar);
        if (r == 0)
                r = check_calendar(ctx, a->on_calendar);
        return r;
}

static int run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct auto_args a = {0};
        const struct pdi_root *r;
        struct pdi_report rep;
        struct pdi_state st = {0};
        int lock_fd = -1;
        int k = parse(ctx, cmd, argc, argv, &a);
        if (k == 0)
                k = pdi_ctx_root(ctx, &r);
        if (k < 0 || pdi_report_init(&rep) < 0)
                return k < 0 ? k : -ENOMEM;
        struct pdi_layout l;
        if (pdi_layout_init(&l, NULL, NULL) < 0)
                return -ENOMEM;
        k = pdi_lock_take(r, l.lock, "auto-upgrade", 60, &lock_fd, &ctx->err);
        if (k == 0)
                k = pdi_state_load(r, &st, &ctx->err);
        if (k == 0)
                k = a.enable ? enable(ctx, r, &a, &st, &rep)
                             : pdi_auto_upgrade_disable(ctx, r, &st, &rep);
        if (k == 0)
                k = pdi_state_save(r, &st, &ctx->err);
        if (k < 0 && !ctx->err.msg[0])
                pdi_error_set(&ctx->err, k, "auto-upgrade: %s", pdi_strerror(k));
        json_object_set_new(ctx->out, "changed", json_boolean(rep.changed));
        pdi_report_to_json(&rep, ctx->out);
        pdi_report_done(&rep);
        pdi_state_done(&st);
        pdi_lock_release(r, l.lock, lock_fd);
        pdi_layout_done(&l);
        return k;
}

const struct pdi_command pdi_cmd_auto_upgrade = {
    .name = "auto-upgrade",
    .summary = "turn the opt-in unattended-upgrade timer on or off",
    .usage = "auto-upgrade --enable --manifest URL [--on-calendar SPEC] | --disable",
    .help = "Off by default. --enable writes polkadot-installer-upgrade.service and .timer\n"
            "and enables the timer: at SPEC (default daily, spread over 2 h) it runs\n"
            "'upgrade --manifest URL --non-interactive', with every check of a manual\n"
            "upgrade: signatures, sequence only forward, chains, health check and\n"
            "automatic fallback. Read the risks in INSTALL.md first (a restart per\n"
            "release, a compromised signing key reaching you unattended).\n\n"
            "Options:\n"
            "  --enable | --disable\n"
            "  --manifest URL       where new releases are announced (latest manifest)\n"
            "  --on-calendar SPEC   systemd calendar spec (default daily)\n"
            "  --installer PATH     the installer the timer runs (default: this one)\n"
            "Each value goes into a unit: printable ASCII, no quotes, '\\', '$' or control\n"
            "characters; URL and PATH without blanks (a URL's % only as %XX). SPEC must\n"
            "also be one this machine's 'systemd-analyze calendar' reads (a timer whose\n"
            "spec systemd cannot parse never fires); without systemd-analyze, a warning.\n",
    .examples = "  polkadot-installer auto-upgrade --enable --manifest "
                "https://releases.example/polkadot/latest/manifest.json\n"
                "  polkadot-installer auto-upgrade --enable --manifest URL --on-calendar "
                "'Mon..Fri 10:00'\n"
                "  polkadot-installer auto-upgrade --disable\n",
    .run = run,
};
