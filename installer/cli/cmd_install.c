/* SPDX-License-Identifier: Apache-2.0 */
/* install: put a signed release on this machine (or under --root). */
#include "cli/cmd_install.h"
#include "cli/guided.h"
#include "cli/import_args.h"
#include "cli/install_sources.h"
#include "host/values.h"

#include <ctype.h>
#include <errno.h>
#include <strings.h>

enum {
        OPT_MANIFEST = PDI_OPT_OWN,
        OPT_FROM,
        OPT_SIGNATURE,
        OPT_TRUSTED_KEY,
        OPT_THRESHOLD,
        OPT_PREFIX,
        OPT_CACERT,
        OPT_KEEP,
        OPT_LOCK_TIMEOUT,
        OPT_DRY_RUN,
        OPT_ALLOW_DOWNGRADE,
        OPT_ALLOW_PRODUCT_CHANGE,
        OPT_ADOPT,
        OPT_FORCE,
        OPT_NO_START,
        OPT_SETTLE,
        OPT_TO,
        OPT_REMEMBER_KEYS,
        OPT_CONTAINER,
        OPT_CHECK,
        OPT_DIFF,
        OPT_BUNDLE,
        OPT_SETTING, /* settings flags: OPT_SETTING + index in setting_flags */
};

/* Settings flags and the config-file key each one sets. */
static const struct {
        const char *key;
        bool takes_value;
} setting_flags[] = {
    /* in the order of the OPT_SETTING + n entries of install_options */
    {"chain", true},         {"node_name", true},
    {"base_path", true},     {"validator", false},
    {"rpc_port", true},      {"prometheus_port", true},
    {"telemetry_url", true}, {"no_telemetry", false},
    {"node_args", true},     {"worker_isolation", true},
};

static const struct option install_options[] = {
    PDI_COMMON_LONGOPTS,
    {"manifest", required_argument, NULL, OPT_MANIFEST},
    {"from", required_argument, NULL, OPT_FROM},
    {"signature", required_argument, NULL, OPT_SIGNATURE},
    {"trusted-key", required_argument, NULL, OPT_TRUSTED_KEY},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"allow-downgrade", no_argument, NULL, OPT_ALLOW_DOWNGRADE},
    {"allow-product-change", no_argument, NULL, OPT_ALLOW_PRODUCT_CHANGE},
    {"adopt", no_argument, NULL, OPT_ADOPT},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-start", no_argument, NULL, OPT_NO_START},
    {"settle", required_argument, NULL, OPT_SETTLE},
    {"to", required_argument, NULL, OPT_TO},
    {"remember-keys", no_argument, NULL, OPT_REMEMBER_KEYS},
    {"container", no_argument, NULL, OPT_CONTAINER},
    {"check", no_argument, NULL, OPT_CHECK},
    {"diff", no_argument, NULL, OPT_DIFF},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    PDI_IMPORT_LONGOPTS,
    {"chain", required_argument, NULL, OPT_SETTING + 0},
    {"node-name", required_argument, NULL, OPT_SETTING + 1},
    {"base-path", required_argument, NULL, OPT_SETTING + 2},
    {"validator", no_argument, NULL, OPT_SETTING + 3},
    {"rpc-port", required_argument, NULL, OPT_SETTING + 4},
    {"prometheus-port", required_argument, NULL, OPT_SETTING + 5},
    {"telemetry-url", required_argument, NULL, OPT_SETTING + 6},
    {"no-telemetry", no_argument, NULL, OPT_SETTING + 7},
    {"node-args", required_argument, NULL, OPT_SETTING + 8},
    {"worker-isolation", required_argument, NULL, OPT_SETTING + 9},
    {0},
};

/* A refused value of a flag that reaches a rendered file: usage error naming the flag. */
static int refuse_value(struct pdi_ctx *ctx, const char *flag, const char *value, const char *why)
{
        char shown[300];
        pdi_value_quote(value, shown, sizeof(shown));
        return pdi_usage(ctx, "%s '%s' %s", flag, shown, why);
}

/* "key=value" for the host configuration, checked here already (the host configuration
 * checks it again, as it does for the config file and the prompt's answers); a refusal names
 * the source (the flag or the environment variable). */
static int add_setting_from(struct pdi_ctx *ctx, struct pdi_install_opts *o, int which,
                            const char *value, const char *source)
{
        char *kv = NULL;
        const char *why = pdi_settings_problem(setting_flags[which].key, value);
        if (why)
                return refuse_value(ctx, source, value, why);
        if (o->n_settings >= ELEMENTSOF(o->settings))
                return pdi_usage(ctx, "too many settings flags");
        if (asprintf(&kv, "%s=%s", setting_flags[which].key, value) < 0)
                return -ENOMEM;
        o->settings[o->n_settings++] = kv;
        return 0;
}

static int add_setting(struct pdi_ctx *ctx, struct pdi_install_opts *o, int which)
{
        char flag[32] = "--";
        for (const char *c = setting_flags[which].key; *c && strlen(flag) + 1 < sizeof(flag); c++)
                flag[strlen(flag)] = *c == '_' ? '-' : *c;
        return add_setting_from(ctx, o, which, setting_flags[which].takes_value ? optarg : "yes",
                                flag);
}

/* POLKADOT_INSTALLER_<KEY>, KEY the config key upper-cased: below the flags (added first,
 * so a flag applied after it wins), above the config file. An empty one is unset; a yes/no
 * setting takes yes or no (true/false, 1/0). */
static int env_settings(struct pdi_ctx *ctx, struct pdi_install_opts *o)
{
        for (size_t i = 0; i < ELEMENTSOF(setting_flags); i++) {
                char name[64] = PDI_SETTINGS_ENV_PREFIX;
                for (const char *c = setting_flags[i].key; *c && strlen(name) + 1 < sizeof(name);
                     c++)
                        name[strlen(name)] = (char)toupper((unsigned char)*c);
                const char *v = getenv(name);
                int k = v && *v ? add_setting_from(ctx, o, (int)i, v, name) : 0;
                if (k < 0)
                        return k;
        }
        return 0;
}

/* A POLKADOT_INSTALLER_ variable that names no setting is a typo that would otherwise
 * leave a default in place silently. */
static int env_unknown(struct pdi_ctx *ctx)
{
        extern char **environ;
        size_t n = strlen(PDI_SETTINGS_ENV_PREFIX);
        for (char **e = environ; e && *e; e++) {
                if (strncmp(*e, PDI_SETTINGS_ENV_PREFIX, n) != 0)
                        continue;
                size_t len = strcspn(*e + n, "=");
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(setting_flags); i++)
                        known = known || (strlen(setting_flags[i].key) == len &&
                                          strncasecmp(setting_flags[i].key, *e + n, len) == 0);
                char shown[80];
                pdi_value_quote(*e, shown, sizeof(shown));
                shown[strcspn(shown, "=")] = '\0';
                if (!known)
                        return pdi_usage(ctx,
                                         "environment: %s names no setting (see the man "
                                         "page, ENVIRONMENT)",
                                         shown);
        }
        return 0;
}

static int absolute(struct pdi_ctx *ctx, const char *opt, const char *arg)
{
        return arg[0] == '/' ? 0 : pdi_usage(ctx, "%s needs an absolute path, got '%s'", opt, arg);
}

static int add(struct pdi_ctx *ctx, const char *opt, char **v, size_t *n, size_t max, char *arg)
{
        if (*n >= max)
                return pdi_usage(ctx, "%s: at most %zu", opt, max);
        v[(*n)++] = arg;
        return 0;
}

static int one(struct pdi_ctx *ctx, const struct pdi_command *cmd, int c,
               struct pdi_install_opts *o)
{
        unsigned long long v = 0;
        const char *why;
        int r = 0;
        switch (c) {
        case OPT_MANIFEST:
                o->manifest = optarg;
                return 0;
        case OPT_FROM:
                o->from = optarg;
                return 0;
        case OPT_SIGNATURE:
                return add(ctx, "--signature", o->sigs, &o->n_sigs, PDI_TRUST_MAX_SIGS, optarg);
        case OPT_TRUSTED_KEY:
                return add(ctx, "--trusted-key", o->keys, &o->n_keys, PDI_TRUST_MAX_KEYS, optarg);
        case OPT_THRESHOLD:
                r = pdi_cli_uint(ctx, "--threshold", optarg, PDI_TRUST_MAX_SIGS, &v);
                o->threshold = (unsigned)v;
                return r == 0 && v == 0 ? pdi_usage(ctx, "--threshold: must be at least 1") : r;
        case OPT_PREFIX:
                o->prefix = optarg;
                why = pdi_value_problem(PDI_VALUE_DIR, optarg);
                return why ? refuse_value(ctx, "--prefix", optarg, why) : 0;
        case OPT_CACERT:
                o->cacert = optarg;
                return 0;
        case OPT_KEEP:
                r = pdi_cli_uint(ctx, "--keep", optarg, 100, &v);
                o->keep = (unsigned)v;
                return r == 0 && v < 2 ? pdi_usage(ctx, "--keep: at least 2 (current and one "
                                                        "to roll back to)")
                                       : r;
        case OPT_LOCK_TIMEOUT:
                r = pdi_cli_uint(ctx, "--lock-timeout", optarg, 86400, &v);
                o->lock_timeout_s = (unsigned)v;
                return r;
        case OPT_DRY_RUN:
                o->dry_run = o->plan = true;
                return 0;
        case OPT_CHECK:
                o->dry_run = o->check = true;
                return 0;
        case OPT_DIFF:
                o->diff = true;
                return 0;
        case OPT_ALLOW_DOWNGRADE:
                o->allow_downgrade = true;
                return 0;
        case OPT_ALLOW_PRODUCT_CHANGE:
                o->allow_product_change = true;
                return 0;
        case OPT_ADOPT:
                o->adopt = true;
                return 0;
        case OPT_FORCE:
                if (!streq(cmd->name, "rollback"))
                        return pdi_usage(ctx, "%s: --force is for rollback", cmd->name);
                o->force = true;
                return 0;
        case OPT_NO_START:
                o->no_start = true;
                return 0;
        case OPT_REMEMBER_KEYS:
                o->remember_keys = true;
                return 0;
        case OPT_CONTAINER:
                o->container = true;
                return 0;
        case OPT_SETTLE:
                r = pdi_cli_uint(ctx, "--settle", optarg, 3600, &v);
                o->settle_s = (unsigned)v;
                return r;
        case OPT_TO:
                if (!streq(cmd->name, "rollback"))
                        return pdi_usage(ctx, "%s: --to is for rollback", cmd->name);
                o->to = optarg;
                return 0;
        case OPT_BUNDLE:
                o->bundle = optarg;
                return 0;
        default:
                if (c >= OPT_SETTING && c < OPT_SETTING + (int)ELEMENTSOF(setting_flags))
                        return add_setting(ctx, o, c - OPT_SETTING);
                if (c >= PDI_OPT_IMPORT)
                        return pdi_install_import_option(ctx, o, c, optarg);
                return pdi_cli_common(ctx, cmd, c, optarg);
        }
}

/* Container mode has no systemd, so no spawner: worker isolation given on the command line
 * or in the environment is refused here, before anything is taken; one kept in the config
 * is refused by the run (pipeline/run.c). */
static int container_settings(struct pdi_ctx *ctx, const struct pdi_install_opts *o)
{
        for (size_t i = o->n_settings; i-- > 0;)
                if (!strncmp(o->settings[i], "worker_isolation=", 17))
                        return streq(o->settings[i], "worker_isolation=systemd")
                                   ? pdi_usage(ctx, "--container: worker_isolation=systemd needs "
                                                    "systemd to run the PVF spawner, and an "
                                                    "image has none; use --worker-isolation none")
                                   : 0;
        return 0;
}

int pdi_install_parse_args(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc,
                           char **argv, struct pdi_install_opts *o)
{
        o->action = cmd->name;
        o->keep = PDI_KEEP_DEFAULT;
        o->lock_timeout_s = 60;
        o->settle_s = 5;
        int c, r = env_unknown(ctx);
        if (r == 0)
                r = env_settings(ctx, o);
        o->n_env_settings = o->n_settings; /* the guided setup names the source */
        optind = 0;
        while (r == 0 &&
               (c = getopt_long(argc, argv, PDI_COMMON_SHORTOPTS, install_options, NULL)) != -1)
                r = one(ctx, cmd, c, o);
        if (r == 0)
                r = pdi_cli_done(ctx, cmd, argc, argv, 0);
        if (r == 0)
                r = pdi_install_check_source(ctx, cmd, o);
        if (r == 0 && o->from)
                r = absolute(ctx, "--from", o->from);
        if (r == 0 && o->container)
                r = container_settings(ctx, o);
        return r;
}

int pdi_install_cmd_run(struct pdi_ctx *ctx, const struct pdi_command *cmd, int argc, char **argv)
{
        struct pdi_install_opts o = {0};
        /* On a terminal the pipeline asks through the guided setup: questions on stderr,
         * answers on stdin. */
        struct pdi_guided g = {.ctx = ctx, .o = &o, .in = stdin, .out = stderr};
        int r = pdi_install_parse_args(ctx, cmd, argc, argv, &o);
        o.ask_settings = pdi_guided_ask;
        o.ask_userdata = &g;
        if (r == 0)
                r = pdi_install_from_source(ctx, &o);
        for (size_t i = 0; i < o.n_settings; i++)
                free(o.settings[i]);
        pdi_guided_done(&g);
        return r;
}

const struct pdi_command pdi_cmd_install = {
    .name = "install",
    .summary = "fetch, verify, stage and activate a signed release",
    .usage = "install --manifest URL|PATH [--from DIR] [--signature URL|PATH]... "
             "[--trusted-key FILE]... [--dry-run] [--check] [--diff] [--adopt] "
             "[--allow-downgrade] "
             "[--allow-product-change] [--container] "
             "[--prefix DIR] "
             "[--keep N]",
    .help = "Fetches the manifest and its signatures, verifies them before anything else,\n"
            "downloads every artifact into the content-addressed cache (hashing while it\n"
            "streams, cut off at the signed size), stages /opt/polkadot/releases/VERSION\n"
            "(fsynced), then switches /opt/polkadot/current to it with one atomic rename.\n"
            "Installing the same manifest again verifies every installed file, repairs a\n"
            "damaged one and otherwise changes nothing. A manifest below the highest\n"
            "sequence accepted on this install (whatever the product; recovered from the\n"
            "verified manifests under releases/ when the state is gone) is refused, and\n"
            "so is one of another product than the installed release unless\n"
            "--allow-product-change.\n\n"
            "Where SELinux is enabled its policy module is loaded; where AppArmor runs, the\n"
            "profiles of the node and its workers (/etc/apparmor.d/<instance>: the user\n"
            "namespace their sandbox needs, which Ubuntu 24.04's\n"
            "kernel.apparmor_restrict_unprivileged_userns=1 otherwise denies) are written\n"
            "and loaded with apparmor_parser -r; elsewhere a line says they were skipped.\n\n"
            "A node this tool did not install (a unit of any name running a polkadot,\n"
            "Parity's package, a polkadot in PATH, a running polkadot process) stops the\n"
            "install before anything is written (exit 3, naming it). --adopt takes it\n"
            "over: its chain, name, ports, validator flag and every other argument become\n"
            "the settings (flags still win), its base path, database, network key and\n"
            "keystore stay where they are, untouched; its unit is stopped and disabled (the\n"
            "file stays), ours starts with the health check, and if that fails the old\n"
            "unit comes back as it was. uninstall gives it back; --purge deletes no user or\n"
            "directory this tool did not create. --dry-run and --check show what adoption\n"
            "would do.\n\n"
            "Guided setup: a first install on a terminal (no -y, --non-interactive,\n"
            "--json, --dry-run, --check or --adopt, no config file yet) verifies the\n"
            "manifest, asks each setting no flag or POLKADOT_INSTALLER_* variable gave\n"
            "(those are shown with their source; chain, node name, base path, validator,\n"
            "RPC and Prometheus ports, telemetry; Enter takes the default, '-' leaves it\n"
            "empty), explains a refused answer and asks again, sends you back to the\n"
            "answer at fault when answers clash (a port used twice) or the manifest\n"
            "refuses them (a chain it is not for, no trusted key: it asks for the key file\n"
            "and keeps it), then shows the plan --dry-run prints and asks once: 1 proceed,\n"
            "2 customise, 3 cancel (exit 1). Nothing is written before proceed: cancel, end\n"
            "of input (exit 2) or Ctrl-C (the shell reports 130) leave everything as it\n"
            "was.\n\n"
            "Options:\n" PDI_INSTALL_OPTIONS_HELP
            "  --adopt              take over the node found (above)\n",
    .examples = "  polkadot-installer install --manifest "
                "https://releases.example/polkadot/1.16.0/manifest.json\n"
                "  polkadot-installer install --from /media/usb/polkadot-1.16.0\n"
                "  polkadot-installer install --manifest m.json --dry-run\n"
                "  polkadot-installer install --root /srv/image --manifest m.json --json\n",
    .run = pdi_install_cmd_run,
};
