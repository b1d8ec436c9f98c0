/* SPDX-License-Identifier: Apache-2.0 */
#include "base/fault.h"
#include "base/common.h"

#include <signal.h>

#ifdef PDI_TESTING
/* Points are numbered in the order a run reaches them, so a test can kill the installer at
 * every point of a run, including the second and later visits of a point in a loop. */
void pdi_fault(const char *point)
{
        static unsigned hits;
        char nth[16];
        hits++;
        snprintf(nth, sizeof(nth), "#%u", hits);
        if (getenv("PDI_FAULT_TRACE"))
                fprintf(stderr, "fault-point %s: %s\n", nth, point);
        if (streq(getenv("PDI_FAULT_PAUSE"), point))
                for (;;)
                        pause();
        const char *at = getenv("PDI_FAULT_AT");
        if (streq(at, point) || streq(at, nth))
                raise(SIGKILL);
}
#endif
