/* What the notice kind's entry knows that a notice view needs too (the CLI's
 * `show`, the web interface): a school's standing, the bureau's counts. */
#ifndef SC_KIND_NOTICE_H
#define SC_KIND_NOTICE_H

#include "kind_ops.h"
#include "notice_fsm.h"

/** The events of notice (leaving out skip_id) into x and the standing of
 * school (NULL: every event, for a school's own store) into st. Free x with
 * kind_events_free even on failure. */
SC_WUR int notice_standing_load(const struct kind_env *env, const Safecampus__Record *notice,
				const char *school, const char *skip_id, struct kind_events *x,
				struct notice_standing *st);

/** The schools a notice is for: its targets, or every school env has rows
 * of when it targets all; sorted. */
struct notice_schools {
	char **v;
	size_t n, cap;
};
SC_WUR int notice_schools(const struct kind_env *env, const Safecampus__Notice *n,
			  struct notice_schools *out);
void notice_schools_free(struct notice_schools *s);

/** One notice over its target schools, for the bureau. */
struct notice_counts {
	unsigned targets, acked, reported, late, missing, unread, reack;
	bool all; /* targets every school (counted over the schools known here) */
};
SC_WUR int notice_counts(const struct kind_env *env, const Safecampus__Record *r, const char *today,
			 struct notice_counts *k);

#endif
