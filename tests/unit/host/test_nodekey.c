/* SPDX-License-Identifier: Apache-2.0 */
#include "host/nodekey.h"
#include "checks/checks_nodekey.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void parses_generate_output(void **state)
{
        (void)state;
        uint8_t k[PDI_NODE_KEY_LEN] = {0}, keep[PDI_NODE_KEY_LEN];
        const char hex[] = "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fA0B1C2D3E4F506172839405162";
        assert_int_equal(pdi_node_key_parse(hex, k), 0);
        assert_int_equal(k[0], 0x00);
        assert_int_equal(k[1], 0xff);
        assert_int_equal(k[31], 0x62);
        char padded[80];
        snprintf(padded, sizeof(padded), "\n %s\n", hex);
        assert_int_equal(pdi_node_key_parse(padded, k), 0);
        memcpy(keep, k, sizeof(k));
        static const char *const bad[] = {
            "",
            "00ff",
            "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fA0B1C2D3E4F5061728394051620", /* 65 */
            "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fA0B1C2D3E4F50617283940516g",
            "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fA0B1C2D3E4F506172839405162 x",
            "stand-in /opt/polkadot/current/polkadot",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(pdi_node_key_parse(bad[i], k), -EBADMSG);
                assert_memory_equal(k, keep, sizeof(k)); /* untouched */
        }
}

static void key_only_for_a_validator_without_its_own(void **state)
{
        (void)state;
        struct pdi_settings s = {.base_path = (char *)"/srv/base", .validator = true};
        char *p = NULL;
        assert_int_equal(pdi_settings_node_key(&s, &p), 1);
        assert_string_equal(p, "/srv/base/node-key");
        free(p);
        static const char *const own[] = {"--node-key-file /k", "--pruning 1 --node-key=abcd",
                                          "--node-key-file=/k", "--x\t--node-key 00"};
        for (size_t i = 0; i < ELEMENTSOF(own); i++) {
                s.node_args = (char *)own[i];
                assert_int_equal(pdi_settings_node_key(&s, &p), 0);
                assert_null(p);
        }
        s.node_args = (char *)"--node-key-type ed25519 --no-node-key-filex";
        assert_int_equal(pdi_settings_node_key(&s, &p), 1);
        free(p);
        s.validator = false;
        s.node_args = NULL;
        assert_int_equal(pdi_settings_node_key(&s, &p), 0);
        assert_null(p);
}

static void where_a_node_reads_its_key(void **state)
{
        (void)state;
        char *a1[] = {"--validator", "--node-key-file", "/k", NULL};
        char *a2[] = {"--chain", "kusama", NULL};
        char *a3[] = {"--chain=westend", NULL};
        char *a4[] = {"--chain", "/srv/spec.json", NULL};
        char *a5[] = {NULL};
        char *p = pdi_node_key_location(a1, "/b");
        assert_string_equal(p, "/k");
        free(p);
        p = pdi_node_key_location(a2, "/b");
        assert_string_equal(p, "/b/chains/ksmcc3/network/secret_ed25519");
        free(p);
        p = pdi_node_key_location(a3, "/b");
        assert_string_equal(p, "/b/chains/westend2/network/secret_ed25519");
        free(p);
        assert_null(pdi_node_key_location(a4, "/b"));
        p = pdi_node_key_location(a5, "/b");
        assert_string_equal(p, "/b/chains/polkadot/network/secret_ed25519");
        free(p);
        assert_null(pdi_node_key_location(a5, NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(parses_generate_output),
            cmocka_unit_test(key_only_for_a_validator_without_its_own),
            cmocka_unit_test(where_a_node_reads_its_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
