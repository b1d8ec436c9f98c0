/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every module: cleanup attributes (systemd style), array sizes and
 * the project-wide name prefix. Resources are released on every path by the compiler, so a
 * function either uses these attributes or one forward goto, never both. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void pdi_freep(void *p)
{
        free(*(void **)p);
}

static inline void pdi_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static inline void pdi_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

#define _cleanup_free_ _cleanup_(pdi_freep)
#define _cleanup_close_ _cleanup_(pdi_closep)
#define _cleanup_fclose_ _cleanup_(pdi_fclosep)

/* Hand ownership out of a cleanup-guarded variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _take_tmp = (p);                                                     \
                (p) = NULL;                                                                        \
                _take_tmp;                                                                         \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _take_fd = (fd);                                                               \
                (fd) = -1;                                                                         \
                _take_fd;                                                                          \
        })

static inline bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* Secrets are wiped with a call the compiler may not elide. */
static inline void pdi_wipe(void *p, size_t n)
{
        explicit_bzero(p, n);
}
