/* What falls due, per kind: the hooks of kind_ops.due and kind_ops.owed
 * (common/kind_due.c), and the calendar rules they and the local reporting
 * rates (common/owed.c) share: school days, the terms, the dashboard's
 * period, the letters' due day and holders. */
#ifndef SC_KIND_DUE_H
#define SC_KIND_DUE_H

#include <stdbool.h>
#include <stddef.h>

#include "kind_ops.h"

/** Is day ("YYYY-MM-DD") a school day? The bureau's calendar records
 * (school "", with a real term): in a term, a weekday not in its
 * holidays, or one of its makeup days; with no such record, the default
 * terms of 010_fair_numbers.sql. 0, or a negative code from env. */
SC_WUR int kind_due_school_day(const struct kind_env *env, const char *day, bool *yes);

/** A term as sc_terms (010) gives it; the strings live for the callback. */
struct kind_due_term {
	const char *start, *end, *name;
	const char *holidays;    /* ';'-separated days and ranges "A..B" */
	const char *makeup_days; /* ';'-separated days */
};
/** Every term of the district calendar as sc_terms (010) has them: the
 * bureau's calendar records (school "", a real start, an end not before
 * it), or with none, the default terms of each school year from y0 - 1 to
 * y1 (autumn 09-01..01-20 without 10-01..10-07 and 01-01, spring
 * 02-20..07-10 without 05-01..05-05). cb gets each term; non-zero from it
 * stops and is returned. */
SC_WUR int kind_due_terms(const struct kind_env *env, int y0, int y1,
			  int (*cb)(void *arg, const struct kind_due_term *t), void *arg);
/** The period a dashboard without dates means on day (sc_period, 010): the
 * term containing it, else the latest term begun before it (looked for in
 * the 400 days before), else the calendar year to date. Writes its first
 * and last day and the term's name (n bytes). 0, SC_EINVALID for a bad
 * day, or a code from env. */
SC_WUR int kind_due_period(const struct kind_env *env, const char *day, char start[11],
			   char end[11], char *name, size_t n);

/** The default days from the first school day of a calendar year to the
 * day letters are due (the server's dashboard_due 'letters', 013). The
 * district can change it there; the client learns it from the Dashboard
 * (Dashboard.rules, kind_env.letters_due_days) and counts with this until
 * then. */
#define KIND_DUE_LETTER_DAYS 30
/** The letters' days env knows (kind_env.letters_due_days), else
 * KIND_DUE_LETTER_DAYS. 0 or a negative code from env. */
SC_WUR int kind_due_letter_days(const struct kind_env *env, int *days);
/** The day the letters of year are due (sc_letters_due, 013): the first
 * term day in that year (a term begun the year before counts from January
 * 1st) + days. SC_ENOTFOUND when no term touches the year. */
SC_WUR int kind_due_letters_day(const struct kind_env *env, int year, int days, char out[11]);

/** One year's letters known in env, each with the day it holds from
 * (letter_since: a signed letter once counter-signed). */
struct kind_due_letter {
	Safecampus__Record *r; /* owned copy */
	char since[11];
};
struct kind_due_letters {
	struct kind_due_letter *v;
	size_t n, cap;
};
/** Loads the letters of year into out (free with kind_due_letters_free,
 * also on failure). 0, -ENOMEM or a code from env. */
SC_WUR int kind_due_letters_load(const struct kind_env *env, int year,
				 struct kind_due_letters *out);
void kind_due_letters_free(struct kind_due_letters *x);
/** The first day staff member (staff_id, name) held one of x's letters
 * for year as of asof (indicators_letter_holds) into out; "" if none. */
void kind_due_letters_held(const struct kind_due_letters *x, const char *staff_id, const char *name,
			   int year, const char *asof, char out[11]);

int kind_due_notice(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n);
int kind_due_hazard(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n);
int kind_due_equipment(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       const char *week_end, char *out, size_t n);
int kind_due_bus(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		 const char *week_end, char *out, size_t n);
int kind_owed_drill(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg);
int kind_owed_education(const struct kind_env *env, const char *today, kind_due_line_cb cb,
			void *arg);
int kind_owed_letter(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg);

#endif
