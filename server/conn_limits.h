/* Connection counts by key (peer address, certificate identity), for the
 * per-address and per-certificate connection limits (conn.c). One table per
 * kind of key, per worker; an entry lives while its count is above zero, so a
 * table never holds more entries than there are connections. */
#ifndef SC_CONN_LIMITS_H
#define SC_CONN_LIMITS_H

#include <stddef.h>

#include "err.h"

struct limit_entry;

struct limit_table {
	struct limit_entry **buckets;
	size_t nbuckets; /* power of two */
	size_t nentries;
};

/** Zeroed table; the first limit_inc allocates. */
void limit_table_init(struct limit_table *t);
/** Frees every entry (counts are forgotten). */
void limit_table_free(struct limit_table *t);
/** The count of key (0 if absent). */
unsigned limit_get(const struct limit_table *t, const char *key);
/** Adds one to key's count. The new count, or -ENOMEM (count unchanged). */
SC_WUR int limit_inc(struct limit_table *t, const char *key);
/** Takes one from key's count; the entry goes at zero. A key that is not
 * there is ignored. */
void limit_dec(struct limit_table *t, const char *key);

#endif
