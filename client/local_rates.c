/* The school's reporting rates counted here (common/owed.c) put into the
 * Dashboard message the renderers read, so the local table is drawn by
 * render_rates.c like the server's. */
#include "local_rates.h"

#include <stdio.h>
#include <string.h>

#include "kind_due.h"

int local_rates_build(const struct kind_env *env, const char *as_of, struct local_rates *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(out->as_of, sizeof out->as_of, "%s", as_of);
	rc = kind_due_period(env, as_of, out->start, out->end, out->term, sizeof out->term);
	if (!rc)
		rc = owed_rates(env, out->start, out->end, as_of, out->k);
	if (!rc)
		rc = owed_sessions(env, out->start, out->end, as_of, &out->sessions);
	if (rc)
		return rc;
	safecampus__dashboard__init(&out->d);
	out->d.scope = (char *)env->school;
	out->d.period_start_date = out->start;
	out->d.period_end_date = out->end;
	out->d.as_of_date = out->as_of;
	for (size_t i = 0; i <= OWED_KINDS; i++) {
		Safecampus__ReportingRate *r = &out->row[i];
		const struct owed_rate *k = i < OWED_KINDS ? &out->k[i] : &out->sessions;
		safecampus__reporting_rate__init(r);
		r->school = (char *)env->school;
		/* the server's name for the row (dash_build.c's rate_kinds) */
		r->kind = i < OWED_KINDS ? (char *)owed_kind_name((enum owed_kind)i)
					 : "education_1530";
		r->expected = k->expected;
		r->received = k->received;
		r->on_time = k->on_time;
		out->rows[i] = r;
	}
	out->d.rates = out->rows;
	out->d.n_rates = OWED_KINDS + 1;
	return 0;
}
