/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection for the crash-safety tests, compiled only into test builds (PDI_TESTING).
 * PDI_FAULT_TRACE=1 prints each point as it is reached ("#N: name"); PDI_FAULT_AT=NAME or #N kills
 * the process with SIGKILL there; PDI_FAULT_PAUSE=NAME stops there until killed (to hold the lock
 * in the concurrency test). Release builds compile every call to nothing. */
#pragma once

#ifdef PDI_TESTING
void pdi_fault(const char *point);
#else
static inline void pdi_fault(const char *point)
{
        (void)point;
}
#endif
