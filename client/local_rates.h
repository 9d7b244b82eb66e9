/* A school's reporting rates computed here, from its store and the
 * district calendar (common/owed.h), as the Dashboard rows render_rates.c
 * draws: `safecampus rates` works offline and shows the same numbers the
 * server's dashboard would for the same records (client/local_rates.c). */
#ifndef SC_LOCAL_RATES_H
#define SC_LOCAL_RATES_H

#include "owed.h"
#include "safecampus.pb-c.h"

struct local_rates {
	char start[11], end[11]; /* the period (kind_due_period) */
	char as_of[11];          /* the day asked for */
	char term[64];           /* the term's name from the calendar */
	struct owed_rate k[OWED_KINDS];
	struct owed_rate sessions; /* "1530" (owed_sessions) */
	/* d.rates point at rows: one per data set, school = env->school, then
	 * "1530" as the server's dashboard has it */
	Safecampus__Dashboard d;
	Safecampus__ReportingRate row[OWED_KINDS + 1];
	Safecampus__ReportingRate *rows[OWED_KINDS + 1];
};

/** The rates of env->school for the period containing as_of, as of that
 * day, into out (nothing allocated; out points into env->school, which
 * must outlive it). 0, SC_EINVALID for a bad day, or a code from env. */
SC_WUR int local_rates_build(const struct kind_env *env, const char *as_of,
			     struct local_rates *out);

#endif
