/* The subcommand table: one entry per cmd_*.c. Only commands that work are listed. */
#include "cli.h"

extern const struct pdi_command pdi_cmd_install;
extern const struct pdi_command pdi_cmd_upgrade;
extern const struct pdi_command pdi_cmd_rollback;
extern const struct pdi_command pdi_cmd_auto_upgrade;
extern const struct pdi_command pdi_cmd_status;
extern const struct pdi_command pdi_cmd_uninstall;
extern const struct pdi_command pdi_cmd_audit;
extern const struct pdi_command pdi_cmd_verify;
extern const struct pdi_command pdi_cmd_keygen;
extern const struct pdi_command pdi_cmd_sign;
extern const struct pdi_command pdi_cmd_manifest_create;

const struct pdi_command *const pdi_commands[] = {
    &pdi_cmd_install, &pdi_cmd_upgrade,   &pdi_cmd_rollback,        &pdi_cmd_auto_upgrade,
    &pdi_cmd_status,  &pdi_cmd_uninstall, &pdi_cmd_audit,           &pdi_cmd_verify,
    &pdi_cmd_keygen,  &pdi_cmd_sign,      &pdi_cmd_manifest_create, NULL,
};
