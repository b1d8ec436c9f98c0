/* SPDX-License-Identifier: Apache-2.0 */
#include "host/settings.h"
#include "pipeline/host.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testroot.h"

static struct pdi_layout layout;

static int setup(void **state)
{
        (void)state;
        assert_int_equal(pdi_layout_init(&layout, NULL, NULL), 0);
        return testroot_setup();
}

static int teardown(void **state)
{
        (void)state;
        pdi_layout_done(&layout);
        return testroot_teardown();
}

static void defaults_and_args(void **state)
{
        (void)state;
        struct pdi_settings s;
        pdi_settings_init(&s, &layout);
        char *args = pdi_settings_node_args(&s);
        assert_string_equal(args, "--chain polkadot --base-path /var/lib/polkadot");
        free(args);
        struct pdi_error err = {0};
        assert_int_equal(pdi_settings_set(&s, "chain", "kusama", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "validator", "yes", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "node_name", "val-01", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "rpc_port", "9944", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "no_telemetry", "yes", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "node_args", "--pruning 1000 --sync warp", &err), 0);
        args = pdi_settings_node_args(&s);
        assert_string_equal(args, "--chain kusama --base-path /var/lib/polkadot --name val-01 "
                                  "--validator --rpc-port 9944 --no-telemetry --pruning 1000 "
                                  "--sync warp --node-key-file /var/lib/polkadot/node-key");
        free(args);
        pdi_settings_done(&s);
}

static void refusals(void **state)
{
        (void)state;
        static const struct {
                const char *key, *value, *msg;
        } cases[] = {
            {"chain", "moonbeam", "is neither polkadot"},
            {"chain", "relative/spec.json", "is neither polkadot"},
            {"node_name", "my node", "has a blank"},
            {"node_name", "x\"y", "has a quote"},
            {"base_path", "var/lib", "is not an absolute path"},
            {"base_path", "", "is empty"},
            {"base_path", "/", "is a system directory"},
            {"base_path", "/var/..", "has a '.' or '..' component"},
            {"base_path", "/var/lib/polkadot/..", "has a '.' or '..' component"},
            {"base_path", "/.", "has a '.' or '..' component"},
            {"base_path", "/srv/./x", "has a '.' or '..' component"},
            {"base_path", "/srv/../x", "has a '.' or '..' component"},
            {"base_path", "/srv//x", "has an empty component"},
            {"base_path", "/srv/x/", "has an empty component"},
            {"base_path", "/var/lib", "is a system directory"},
            {"base_path", "/etc", "is in a system tree"},
            {"base_path", "/home", "is a system directory"},
            {"base_path", "/proc/1", "is on a kernel file system"},
            {"base_path", "/dev", "is on a kernel file system"},
            {"rpc_port", "0", "is not a port"},
            {"rpc_port", "65536", "is not a port"},
            {"rpc_port", "99x", "is not a port"},
            {"validator", "maybe", "is not yes or no"},
            {"telemetry_url", "https://x/submit", "is not a ws:// or wss:// URL"},
            {"telemetry_url", "wss://x/submit 10", "must be 'URL' or 'URL VERBOSITY'"},
            {"node_args", "--name $(reboot)", "has a quote, '\\', '$'"},
            {"colour", "blue", "unknown"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct pdi_settings s;
                struct pdi_error err = {0};
                pdi_settings_init(&s, &layout);
                assert_int_equal(pdi_settings_set(&s, cases[i].key, cases[i].value, &err),
                                 -PDI_E_USAGE);
                if (!strstr(err.msg, cases[i].msg))
                        fail_msg("%s=%s: '%s' lacks '%s'", cases[i].key, cases[i].value, err.msg,
                                 cases[i].msg);
                pdi_settings_done(&s);
        }
        struct pdi_settings s;
        struct pdi_error err = {0};
        pdi_settings_init(&s, &layout);
        assert_int_equal(pdi_settings_set(&s, "telemetry_url", "wss://t.example/submit 1", &err),
                         0);
        assert_int_equal(pdi_settings_set(&s, "no_telemetry", "yes", &err), 0);
        assert_int_equal(pdi_settings_validate(&s, &err), -PDI_E_USAGE);
        assert_non_null(strstr(err.msg, "--no-telemetry and --telemetry-url together"));
        pdi_settings_done(&s);
}

/* What render_config writes, load reads back the same; a hand-edited file is read too. */
static void config_round_trip(void **state)
{
        (void)state;
        struct pdi_settings a, b;
        struct pdi_error err = {0};
        pdi_settings_init(&a, &layout);
        pdi_settings_init(&b, &layout);
        assert_int_equal(pdi_settings_set(&a, "chain", "westend", &err), 0);
        assert_int_equal(pdi_settings_set(&a, "prometheus_port", "9615", &err), 0);
        assert_int_equal(pdi_settings_set(&a, "base_path", "/srv/.x..y", &err), 0);
        assert_int_equal(pdi_settings_set(&a, "base_path", "/srv/polkadot", &err), 0);
        char *text = pdi_settings_render_config(&a);
        assert_int_equal(pdi_settings_load(&root, &layout, &b, &err), 0); /* none yet */
        assert_int_equal(pdi_root_mkdir_p(&root, layout.config_dir, 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, layout.config, text, strlen(text), 0644), 0);
        assert_int_equal(pdi_settings_load(&root, &layout, &b, &err), 1);
        char *x = pdi_settings_node_args(&a), *y = pdi_settings_node_args(&b);
        assert_string_equal(x, y);
        free(x);
        free(y);
        free(text);
        const char edited[] = "# mine\nchain=paseo\nvalidator=yes\nbogus line\n";
        assert_int_equal(pdi_root_write_atomic(&root, layout.config, edited, strlen(edited), 0644),
                         0);
        assert_int_equal(pdi_settings_load(&root, &layout, &b, &err), -PDI_E_FAILED);
        assert_non_null(strstr(err.msg, "/etc/polkadot-installer/config:4: not KEY=value"));
        pdi_settings_done(&a);
        pdi_settings_done(&b);
}

/* Flags reach the host as key=value; one without '=' is a usage error naming it. A config
 * file exists, so no prompt is asked. */
/* On a terminal, but settings flags were given: the prompt must not run. */
static int never_ask(struct pdi_settings *s, void *userdata, struct pdi_error *err)
{
        (void)s;
        (void)userdata;
        (void)err;
        fail_msg("asked for settings although flags gave some");
        return -1;
}

static void overrides_from_flags(void **state)
{
        (void)state;
        struct pdi_host h;
        struct pdi_error err = {0};
        const char cfg[] = "chain=westend\n";
        assert_int_equal(pdi_root_mkdir_p(&root, layout.config_dir, 0755), 0);
        assert_int_equal(pdi_root_write_atomic(&root, layout.config, cfg, strlen(cfg), 0644), 0);
        char *bad[] = {(char *)"chain"};
        assert_int_equal(pdi_host_prepare(&h, &root, &layout, bad, 1, NULL, NULL, &err),
                         -PDI_E_USAGE);
        assert_string_equal(err.msg, "setting 'chain': not key=value");
        pdi_host_done(&h);
        err = (struct pdi_error){0};
        char *good[] = {(char *)"chain=kusama", (char *)"rpc_port=9944"};
        assert_int_equal(pdi_host_prepare(&h, &root, &layout, good, 2, never_ask, NULL, &err), 0);
        assert_string_equal(h.settings.chain, "kusama");
        assert_int_equal(h.settings.rpc_port, 9944);
        assert_true(h.settings_given);
        pdi_host_done(&h);
}

/* What the prompt shows as the default, as the config file spells it. */
static void get_as_the_config_spells_it(void **state)
{
        (void)state;
        struct pdi_settings s;
        struct pdi_error err = {0};
        char buf[64];
        pdi_settings_init(&s, &layout);
        static const char *const fresh[][2] = {
            {"chain", "polkadot"}, {"node_name", ""},     {"base_path", "/var/lib/polkadot"},
            {"validator", "no"},   {"rpc_port", ""},      {"no_telemetry", "no"},
            {"node_args", ""},     {"telemetry_url", ""}, {"prometheus_port", ""},
        };
        for (size_t i = 0; i < ELEMENTSOF(fresh); i++) {
                assert_int_equal(pdi_settings_get(&s, fresh[i][0], buf, sizeof(buf)), 0);
                assert_string_equal(buf, fresh[i][1]);
        }
        assert_int_equal(pdi_settings_set(&s, "rpc_port", "9944", &err), 0);
        assert_int_equal(pdi_settings_set(&s, "validator", "true", &err), 0);
        assert_int_equal(pdi_settings_get(&s, "rpc_port", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "9944");
        assert_int_equal(pdi_settings_get(&s, "validator", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "yes");
        assert_int_equal(pdi_settings_get(&s, "colour", buf, sizeof(buf)), -ENOENT);
        pdi_settings_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(defaults_and_args),           cmocka_unit_test(refusals),
            cmocka_unit_test(get_as_the_config_spells_it), cmocka_unit_test(config_round_trip),
            cmocka_unit_test(overrides_from_flags),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
