/* Small things every C file of the project may need, defined once. */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/** The struct that embeds member, from a pointer to it (libuv handles). */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/** Elements of a true array (not a pointer). */
#define SC_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/** Is item one of the ';'-separated entries of list (a notice's targets)? */
static inline bool sc_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		size_t w = strcspn(p, ";");
		if (w == n && strncmp(p, item, n) == 0)
			return true;
		p += w;
		p += *p == ';';
	}
	return false;
}

#endif
