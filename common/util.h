/* Small things every C file of the project may need, defined once. */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stddef.h>

/** The struct that embeds member, from a pointer to it (libuv handles). */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/** Elements of a true array (not a pointer). */
#define SC_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
