/* SPDX-License-Identifier: Apache-2.0 */
/* Words for a POSIX shell: a printed command line that, pasted, runs exactly the words we
 * mean and nothing else, whatever bytes a path or setting holds. */
#pragma once

#include "base/common.h"

/* `word` as the shell reads it back byte for byte: as it is when it is not empty and made
 * only of [A-Za-z0-9_@%+=:,./-]; else in single quotes, an embedded ' written '\''; and when
 * it holds a byte outside printable ASCII (a newline, an escape, any byte >= 0x80) as $'…'
 * with \xHH for such bytes (and \' \\), so that no control byte reaches the terminal or
 * ends the line. $'…' is bash, zsh, ksh, busybox sh and POSIX.1-2024 sh. Newly allocated;
 * NULL when out of memory. */
char *pdi_shell_quote(const char *word);
