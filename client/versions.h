/* The versions of a record of a kind with history (kind_ops.versioned_by,
 * previous_field, in_force_field: a policy or plan), and the one in force on
 * a date. `show ID --on DATE` and a record's page in the browser (a drill's
 * plan on the drill's date) both read them here. Nothing here names a kind. */
#ifndef SC_VERSIONS_H
#define SC_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "kinds.h"
#include "store.h"

/** Records of one kind, each an owned copy. */
struct versions {
	const struct kind *k;
	Safecampus__Record **v;
	size_t n, cap;
};

/** Loads into out (zeroed by the caller) the lineage of id: every record of
 * k (not deleted) linked to it through previous ids, either way, in the order
 * they came into force. 0 or a negative code; free with versions_free even
 * on failure. */
SC_WUR int versions_load(struct store *st, const struct kind *k, const char *id,
			 struct versions *out);

/** The version of vs in force on date ("YYYY-MM-DD"): the last, in the order
 * they came into force, whose in_force_field is on or before it; NULL if
 * none was yet. Borrowed from vs. */
const Safecampus__Record *versions_in_force(const struct versions *vs, const char *date);

/** Every record of k in force on date whose field match_field is match_value
 * (its text form): in force since on or before date, and not replaced by a
 * version also in force by then. cb's return non-zero stops. 0, or a
 * negative code from the store. */
SC_WUR int versions_each_in_force(struct store *st, const struct kind *k, const char *match_field,
				  const char *match_value, const char *date,
				  int (*cb)(void *arg, const Safecampus__Record *r), void *arg);

/** Frees the copies; vs may be reused after versions_free. */
void versions_free(struct versions *vs);

/** The text of r's field name (of kind k) in buf, "" if it has none. */
const char *versions_field(const struct kind *k, const Safecampus__Record *r, const char *name,
			   char *buf, size_t n);

#endif
