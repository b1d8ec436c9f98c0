/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommand table: one entry per cmd_*.c. Only commands that work are listed. The
 * lookups over it live here, beside it, so that cli.c (the option helpers every cmd_*.c
 * uses) does not reach back up to the commands. */
#include "cli/cli.h"

#include <string.h>

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
extern const struct pdi_command pdi_cmd_import;
extern const struct pdi_command pdi_cmd_release_bundle;
extern const struct pdi_command pdi_cmd_trust_add;
extern const struct pdi_command pdi_cmd_trust_list;
extern const struct pdi_command pdi_cmd_trust_remove;

const struct pdi_command *const pdi_commands[] = {
    &pdi_cmd_install,
    &pdi_cmd_upgrade,
    &pdi_cmd_rollback,
    &pdi_cmd_auto_upgrade,
    &pdi_cmd_status,
    &pdi_cmd_uninstall,
    &pdi_cmd_audit,
    &pdi_cmd_verify,
    &pdi_cmd_trust_add,
    &pdi_cmd_trust_list,
    &pdi_cmd_trust_remove,
    &pdi_cmd_keygen,
    &pdi_cmd_sign,
    &pdi_cmd_manifest_create,
    &pdi_cmd_import,
    &pdi_cmd_release_bundle,
    NULL,
};

const struct pdi_command *pdi_command_find(int argc, char **argv, int *ret_words)
{
        for (size_t i = 0; pdi_commands[i]; i++) {
                const char *name = pdi_commands[i]->name;
                const char *space = strchr(name, ' ');
                if (!space && argc >= 1 && streq(argv[0], name)) {
                        *ret_words = 1;
                        return pdi_commands[i];
                }
                if (space && argc >= 2 && strncmp(argv[0], name, (size_t)(space - name)) == 0 &&
                    argv[0][space - name] == '\0' && streq(argv[1], space + 1)) {
                        *ret_words = 2;
                        return pdi_commands[i];
                }
        }
        return NULL;
}

void pdi_commands_list(FILE *f)
{
        for (size_t i = 0; pdi_commands[i]; i++)
                fprintf(f, "  %-16s %s\n", pdi_commands[i]->name, pdi_commands[i]->summary);
}

/* The commands named "WORD …" (WORD is the first of two words, like "manifest"). */
size_t pdi_command_group(const char *word, FILE *f)
{
        size_t n = 0, len = strlen(word);
        for (size_t i = 0; pdi_commands[i]; i++) {
                const char *name = pdi_commands[i]->name;
                if (strncmp(name, word, len) != 0 || name[len] != ' ')
                        continue;
                if (f)
                        fprintf(f, "  %-16s %s\n", name, pdi_commands[i]->summary);
                n++;
        }
        return n;
}
