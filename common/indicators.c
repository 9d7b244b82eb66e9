/* One definition per number on both sides: see indicators.h. */
#include <string.h>

#include "date.h"
#include "indicators.h"

/* The district's default hazard clock, in days. 010_fair_numbers.sql seeds
 * dashboard_hazard_clock with the same numbers (the test compares them): a
 * critical hazard (gas, fire exits) cannot wait a week, a burnt-out lamp can
 * wait a month. */
static const int hazard_days[] = {
	[SAFECAMPUS__SEVERITY__SEVERITY_UNSPECIFIED] = 15,
	[SAFECAMPUS__SEVERITY__SEVERITY_LOW] = 30,
	[SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM] = 15,
	[SAFECAMPUS__SEVERITY__SEVERITY_HIGH] = 7,
	[SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL] = 3,
};

int indicators_hazard_days(int severity)
{
	if (severity < 0 || (size_t)severity >= sizeof hazard_days / sizeof hazard_days[0])
		return hazard_days[SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM];
	return hazard_days[severity];
}

int indicators_hazard_due(const char *found, const char *deadline, int severity, char out[11])
{
	if (deadline && *deadline) {
		int y, m, d;
		if (date_parse(deadline, &y, &m, &d) < 0)
			return SC_EINVALID;
		memcpy(out, deadline, 10);
		out[10] = '\0';
		return 0;
	}
	if (!found || !*found)
		return SC_EINVALID;
	return date_add(found, indicators_hazard_days(severity), out) < 0 ? SC_EINVALID : 0;
}

int indicators_hazard_overdue(const struct hazard_status *s, const char *found, int severity,
			      const char *today)
{
	char due[11];

	if (!s || !today || !*today)
		return 0;
	if (s->state == SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_VERIFIED ||
	    s->state == SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_CLOSED)
		return 0;
	if (indicators_hazard_due(found, s->deadline_date, severity, due) < 0)
		return 0;
	return strcmp(today, due) > 0;
}

/* ---------------------------------------------------------------- letters */

static const char *s_(const char *s)
{
	return s ? s : "";
}

bool indicators_staff_current(const Safecampus__Staff *s, const char *asof)
{
	const char *joined = s_(s->joined_date), *left = s_(s->left_date);

	if (s->inactive && !*left)
		return false;
	if (*joined && strcmp(joined, asof) > 0)
		return false;
	return !(*left && strcmp(left, asof) <= 0);
}

void indicators_letter_since(const Safecampus__Record *r, const char *countersigned, char out[11])
{
	const char *signed_d = r->letter ? s_(r->letter->signed_date) : "";
	const char *best = signed_d;

	out[0] = '\0';
	if (!date_valid(signed_d))
		return;
	if (r->signature && r->signature->signer && *r->signature->signer) {
		if (!countersigned || !date_valid(countersigned))
			return; /* awaits its counter-signature */
		if (strcmp(countersigned, signed_d) > 0)
			best = countersigned;
	}
	memcpy(out, best, 11);
}

bool indicators_letter_holds(const Safecampus__Letter *lt, const char *since, const char *staff_id,
			     const char *staff_name, int year, const char *asof)
{
	const char *signed_d = s_(since);

	if (lt->year != year || !date_valid(signed_d) || strcmp(signed_d, asof) > 0)
		return false;
	if (*s_(lt->signer_staff_id) ? strcmp(lt->signer_staff_id, staff_id) == 0
				     : strcmp(s_(lt->signer), staff_name) == 0)
		return true;
	return *staff_name && strcmp(s_(lt->counter_signer), staff_name) == 0;
}

/* ---------------------------------------------------------------- equipment */

void indicators_later_check(const char *a, const char *b, const char *asof, char out[11])
{
	const char *best = "";

	if (a && date_valid(a) && strcmp(a, asof) <= 0)
		best = a;
	if (b && date_valid(b) && strcmp(b, asof) <= 0 && strcmp(b, best) > 0)
		best = b;
	memcpy(out, best, strlen(best) + 1);
}

int indicators_equipment_due(const Safecampus__Equipment *e, const char *last_check,
			     const char *asof, char out[11])
{
	char last[11];

	indicators_later_check(last_check, s_(e->last_check_date), asof, last);
	if (*last)
		return e->interval_days > 0 && date_add(last, e->interval_days, out) == 0
			       ? 0
			       : SC_ENOTFOUND;
	if (date_valid(s_(e->next_due_date))) {
		memcpy(out, e->next_due_date, 11);
		return 0;
	}
	if (date_valid(s_(e->installed_date)) && e->interval_days > 0 &&
	    date_add(e->installed_date, e->interval_days, out) == 0)
		return 0;
	return SC_ENOTFOUND;
}
