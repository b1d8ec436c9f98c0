#include "fault.h"
#include "common.h"

#include <signal.h>

#ifdef PDI_TESTING
void pdi_fault(const char *point)
{
        if (getenv("PDI_FAULT_TRACE"))
                fprintf(stderr, "fault-point: %s\n", point);
        if (streq(getenv("PDI_FAULT_PAUSE"), point))
                for (;;)
                        pause();
        if (streq(getenv("PDI_FAULT_AT"), point))
                raise(SIGKILL);
}
#endif
