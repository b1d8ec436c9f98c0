/* SPDX-License-Identifier: Apache-2.0 */
/* Operator settings: chain, node name, base path, validator, ports, telemetry, extra node
 * arguments. Stored in /etc/polkadot-installer/config (KEY=value lines, the operator may
 * edit them) and rendered into the environment file the unit reads; they survive upgrades.
 * Flags given to install override the stored values for this and later runs. */
#pragma once

#include "base/error.h"
#include "base/fsroot.h"
#include "release/layout.h"

/* The config file and the environment file rendered from it: root's, 0600. Node arguments
 * may hold secrets (a node key file's path is harmless, but --rpc-methods, --public-addr or
 * an operator's own flags may not be); nothing but root reads either file: systemd reads the
 * EnvironmentFile= as root before it drops to the node's user, the installer and audit run
 * as root. Readable by the node's group would mean readable by a pvf-worker in that group
 * (DESIGN §7), which runs untrusted parachain code. */
#define PDI_SETTINGS_FILE_MODE 0600
/* Every setting may come from the environment too: this prefix and the config key
 * upper-cased (POLKADOT_INSTALLER_CHAIN, POLKADOT_INSTALLER_NODE_NAME …). Precedence: flag >
 * environment > config file > default. */
#define PDI_SETTINGS_ENV_PREFIX "POLKADOT_INSTALLER_"
/* The config file is read whole; a larger one is refused. */
#define PDI_SETTINGS_MAX_BYTES (64 * 1024)

struct pdi_settings {
        char *chain;     /* polkadot, kusama, westend, paseo, or a chain-spec path */
        char *node_name; /* --name; NULL: the node picks one */
        char *base_path; /* default: layout base_path (/var/lib/polkadot) */
        bool validator;
        unsigned rpc_port;        /* 0: RPC not configured (health check then uses the unit only) */
        unsigned prometheus_port; /* 0: off */
        char *telemetry_url;      /* NULL: the node's default */
        bool no_telemetry;
        char *node_args; /* anything else, appended verbatim (split on blanks) */
};

void pdi_settings_init(struct pdi_settings *s, const struct pdi_layout *l);
void pdi_settings_done(struct pdi_settings *s);
/* The config file's longest line, newline excluded, is one byte less (a key, '=' and a value
 * of at most PDI_VALUE_MAX bytes fit). */
#define PDI_SETTINGS_LINE_MAX 4096
/* Apply the config file's settings to s: 1 if it was read, 0 if there is none yet. The file
 * is taken whole or not at all: on any refusal (-PDI_E_FAILED, "PATH:LINE: …") s is left as
 * it was. */
int pdi_settings_load(const struct pdi_root *r, const struct pdi_layout *l, struct pdi_settings *s,
                      struct pdi_error *err);
int pdi_settings_validate(const struct pdi_settings *s, struct pdi_error *err);
/* The base path (owned and written by the node) and the release tree (root's, read-only to
 * the node) must not contain each other: -PDI_E_USAGE if they do. */
int pdi_settings_check_layout(const struct pdi_settings *s, const struct pdi_layout *l,
                              struct pdi_error *err);
/* The config file's text. */
char *pdi_settings_render_config(const struct pdi_settings *s);
/* A validator's network key, in the base path (polkadot >= 1.11 refuses --validator without
 * one; host/nodekey.h makes it once). */
#define PDI_NODE_KEY_NAME "node-key"
/* The key file the installer keeps for these settings, BASE/node-key, which the node
 * arguments pass with --node-key-file: 1 and *ret set; 0 and *ret NULL when there is none to
 * keep (not a validator, or the operator's node_args name their own --node-key or
 * --node-key-file); -ENOMEM. */
int pdi_settings_node_key(const struct pdi_settings *s, char **ret);
/* The node's command line arguments (after the binary), as one string for the env file:
 * "--chain kusama --base-path /var/lib/polkadot --validator --name x …". */
char *pdi_settings_node_args(const struct pdi_settings *s);
/* A setting's value as the config file spells it ("yes", "9944", "" for none) in buf;
 * -ENOENT for an unknown key. */
int pdi_settings_get(const struct pdi_settings *s, const char *key, char *buf, size_t n);
/* Why value is refused for the setting key (config file spelling), or NULL if it is fine:
 * the same check as pdi_settings_set, for a caller that reports the source itself. */
const char *pdi_settings_problem(const char *key, const char *value);
/* Set one setting from a flag name ("chain", "node-name", …) and value; usage error if bad. */
int pdi_settings_set(struct pdi_settings *s, const char *key, const char *value,
                     struct pdi_error *err);
