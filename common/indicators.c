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
