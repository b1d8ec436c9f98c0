/* SPDX-License-Identifier: Apache-2.0 */
/* The journal: what a failed unit said, read with sd-journal after asking journald to catch up.
 *
 * journald reads a service's stdout stream and PID 1's messages asynchronously, so a unit that
 * just failed may not have its last lines in the journal yet. Its Synchronize method (varlink,
 * systemd ≥ 245) returns only after every message already queued on its sockets has been
 * written, which includes everything a process wrote before it exited. */
#pragma once

#define PDI_JOURNAL_VARLINK "/run/systemd/journal/io.systemd.journal"

/* Call io.systemd.Journal.Synchronize on the varlink socket at path and wait for the reply for
 * at most timeout_ms. 0 on success; -errno if the socket is missing or refuses, -ETIMEDOUT
 * without a reply in time, -EPROTO for a malformed reply or a varlink error. */
int pdi_journal_sync(const char *path, unsigned timeout_ms);

/* The unit's last n journal lines (its own output and what PID 1 said about it),
 * newline-separated, oldest first; "" if there are none. Synchronizes first when it can. */
int pdi_journal_tail(const char *unit, unsigned n, char **ret_text);
