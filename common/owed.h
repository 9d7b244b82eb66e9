/* Every submission a school owes and the day it was made, and its
 * reporting rates, from the records known here and the district calendar
 * (common/owed.c): the school's own side of server/sql/029_rates.sql's
 * sc_owed_of and sc_rates_of, with the same definitions, so a school sees
 * its rates offline and tests/e2e/numbers_agree.sh compares the two. */
#ifndef SC_OWED_H
#define SC_OWED_H

#include <stdbool.h>
#include <stddef.h>

#include "kind_ops.h"

/** The data sets, in sc_rates_of's order. "1530" sessions are counted
 * apart (owed_sessions): the server's rates take them from the indicator
 * values, not from sc_owed_of. */
enum owed_kind {
	OWED_NOTICE_REPORT,
	OWED_DRILL,
	OWED_LETTER,
	OWED_EQUIPMENT_CHECK,
	OWED_BUS_INSPECTION,
	OWED_KINDS
};

/** The kind's stable name ("notice_report", as the server's rows). */
const char *owed_kind_name(enum owed_kind k);

/** One submission owed (a row of sc_owed_of). */
struct owed {
	enum owed_kind kind;
	const char *what;      /* in the server's English words ("drill for 2026-10") */
	char due[11];          /* its due day */
	char made[11];         /* the day it was made, by the as-of day; "" not made */
	const char *record_id; /* the record concerned, "" for a month's drill */
};

/** Non-zero stops owed_each and is returned. */
typedef int (*owed_cb)(void *arg, const struct owed *o);

/** Every submission env->school owes as of A = min(end, today), in
 * sc_owed_of's rows: counted once its due day has passed (due < A; a
 * drill: due < today) or already made; notices, drills and letters due
 * from start on, equipment checks and bus inspections whatever their due
 * day (standing obligations). Not in due order. 0, or a negative code from
 * env, -ENOMEM, SC_EINVALID for dates that are not real days. */
SC_WUR int owed_each(const struct kind_env *env, const char *start, const char *end,
		     const char *today, owed_cb cb, void *arg);

/** A data set's counts over the period (sc_rates_of): of what is owed with
 * the due day in [start, end], expected = how many, received = made by A,
 * on_time = made on or before the due day. */
struct owed_rate {
	unsigned expected, received, on_time;
};

/** The counts of every data set into out (by enum owed_kind). 0 or a code
 * as owed_each. */
SC_WUR int owed_rates(const struct kind_env *env, const char *start, const char *end,
		      const char *today, struct owed_rate out[OWED_KINDS]);

/** "1530" sessions over the period, as the server's indicator
 * education_1530 counts them for its 'period' window (010's
 * sc_indicator_values over sc_calendar): expected = the occasions before
 * today (daily on every school day, weekly on a term's last school day of
 * its week, the 5 minutes before a weekend, the 30 before a holiday or
 * the term's end) times the classes open that day, in the months up to
 * min(end, today)'s, plus the sessions already held for occasions not yet
 * passed; received = on_time = the distinct classes that held each
 * occasion's session (daily on its day, weekly and weekend in its ISO
 * week, holiday in the 6 days before it), at most expected. 0, or
 * SC_EINVALID, -ENOMEM, a code from env. */
SC_WUR int owed_sessions(const struct kind_env *env, const char *start, const char *end,
			 const char *today, struct owed_rate *out);

/** The day the "1530" sessions owed so far fell due, as the dashboard's
 * missing list dates its "1530" line (013's sc_missing, dash_query.c's
 * Q_PERIOD): the last school day of the calendar over [start, end] before
 * min(end, today), into out; "" when there is none. 0, or SC_EINVALID,
 * -ENOMEM, a code from env. */
SC_WUR int owed_sessions_due(const struct kind_env *env, const char *start, const char *end,
			     const char *today, char out[11]);

#endif
