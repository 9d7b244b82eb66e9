/* A kind's events read in one pass, for deriving the state of every record
 * of their parent kind (a list filtered by status derives all 10,000
 * hazards): one query for all the events instead of one per hazard.
 * docs/PERFORMANCE.md, "Browser interface: page render time". */
#ifndef SC_STORE_EVENTS_H
#define SC_STORE_EVENTS_H

#include <stddef.h>

#include "kind_ops.h"
#include "store.h"

struct store_event {
	char *parent;          /* owned */
	Safecampus__Record *r; /* owned */
	enum kind_sync sync;
};

struct store_events {
	char kind[64];         /* the event kind held */
	struct store_event *v; /* ordered by parent (strcmp) */
	size_t n, cap;
	const struct kind_env *base; /* what every other question goes to */
};

/* At most this many events are held; past it store_events_load says
 * -E2BIG and the caller derives the slow way (a query per record). */
#define STORE_EVENTS_MAX 500000

/** Loads every record of event kind `kind` from st into ev (which the caller
 * frees with store_events_free, even on failure). 0, -E2BIG past
 * STORE_EVENTS_MAX, -ENOMEM, or the store's code. */
SC_WUR int store_events_load(struct store *st, const char *kind, struct store_events *ev);
void store_events_free(struct store_events *ev);
/** An env like base whose each_child for ev's kind is answered from ev; ev
 * and base must outlive it. */
void store_events_env(struct store_events *ev, const struct kind_env *base, struct kind_env *out);

#endif
