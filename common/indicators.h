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

#include <stdbool.h>

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

/* ---------------------------------------------------------------- letters
 * (server: 010_fair_numbers.sql `st` and `covered`, 005's sc_letter_rebuild_staff) */

/** Is this staff member current on day asof ("YYYY-MM-DD")? Not deleted
 * (the caller's part), joined on or before asof (no joined_date: always had
 * joined), no left_date or left after asof; `inactive` without a left_date
 * means gone at a day nobody wrote down, so never current. */
bool indicators_staff_current(const Safecampus__Staff *s, const char *asof);

/** The day letter r holds from, into out ("" if it holds nothing): a
 * letter is concluded (签订) when both sides signed it, so a letter its
 * holder signed holds from the later of its signed_date and `countersigned`,
 * the day of its counter-signature (NULL or "": none yet, so ""); a letter
 * recorded without a signature (require_signatures = 0, letters typed in
 * from paper) names both sides and holds from its signed_date.
 * (server: 025's sc_letter_since) */
void indicators_letter_since(const Safecampus__Record *r, const char *countersigned, char out[11]);

/** Does letter lt (not deleted: the caller's part), holding from `since`
 * (indicators_letter_since), make the staff member (id, name) a holder for
 * year `year` as of asof? Its year is `year`, since is on or before asof (a
 * letter without that day holds nothing), and it names them: as signer by
 * signer_staff_id, or by name when it has no staff id; or as counter-signer
 * by name (a principal counter-signs the staff's letters and signs the
 * school's with the bureau). Names compare exactly, as the server's SQL
 * does. */
bool indicators_letter_holds(const Safecampus__Letter *lt, const char *since, const char *staff_id,
			     const char *staff_name, int year, const char *asof);

/* ---------------------------------------------------------------- equipment
 * (server: 005's sc_equipment_timeline_of, 010's equipment_overdue) */

/** The day item e is due for its next check, as of asof: its last check on
 * or before asof (`last_check`, the latest equipment_check's date, may be NULL
 * or "", and e's own last_check_date, whichever is later) + interval_days;
 * before any check, next_due_date, else installed_date + interval_days.
 * Writes "YYYY-MM-DD" to out; SC_ENOTFOUND when nothing gives a due day (no
 * interval, no dates). */
SC_WUR int indicators_equipment_due(const Safecampus__Equipment *e, const char *last_check,
				    const char *asof, char out[11]);

/** The latest check date, the later of a and b ("" or NULL: none), for
 * folding an item's checks on or before asof; writes "" when neither. */
void indicators_later_check(const char *a, const char *b, const char *asof, char out[11]);

#endif
