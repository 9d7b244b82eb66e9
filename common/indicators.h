/* Definitions of the numbers a user can see both at the school (from the
 * local store, offline) and on the bureau's dashboard (server SQL), kept in
 * one place so the two agree. The server's SQL (server/sql/010_fair_numbers.sql)
 * seeds its district configuration with the same values, and
 * tests/integration/test_dashboard.c checks that they match.
 *
 * The hazard clock: every open hazard falls due, from the day it was found,
 * within the district's days for its severity, unless an assign or reopen
 * gave it a deadline (then that deadline). Overdue is the day after. */
#ifndef SC_INDICATORS_H
#define SC_INDICATORS_H

#include "err.h"
#include "hazard_fsm.h"
#include "safecampus.pb-c.h"

/** Default days from found to due for a hazard of this severity (a
 * Safecampus__Severity; unknown or unspecified counts as medium). */
int indicators_hazard_days(int severity);

/** The day a hazard found on `found` falls due: `deadline` if set, else
 * found + indicators_hazard_days(severity). Writes "YYYY-MM-DD" to out.
 * SC_EINVALID when neither gives a real date (no found date, no deadline). */
SC_WUR int indicators_hazard_due(const char *found, const char *deadline, int severity,
				 char out[11]);

/** 1 if a hazard with status s (not verified or closed), found on `found`
 * with this severity, is overdue on `today` ("YYYY-MM-DD"): today is after
 * its due day. 0 otherwise, or when the due day cannot be known. */
int indicators_hazard_overdue(const struct hazard_status *s, const char *found, int severity,
			      const char *today);

#endif
