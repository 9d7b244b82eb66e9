/* The dashboard step of a sync (sync.c's DASHBOARD phase, and a Dashboard
 * the server pushes to a watching campus): the request, and keeping what
 * comes back in the store. */
#include "sync_int.h"

#include "dashboard.h"
#include "log.h"

int sync__dashboard_keep(struct sync *s, const Safecampus__Dashboard *d, const char *key)
{
	char k[DASHBOARD_KEY_MAX];
	int rc;

	if (!key) {
		dashboard_key_for(k, d, s->cfg.school, NULL);
		key = k;
	}
	rc = dashboard_save(s->st, key, d);
	if (rc == 0) {
		s->rep->dashboards++;
		log_info("dashboard stored key=%s scope=%s as_of=%s", key, d->scope, d->as_of_date);
		if (s->opts->changed)
			s->opts->changed(s->opts->changed_arg, SYNC_CHANGED_DASHBOARD);
	}
	return rc;
}

void sync__dashboard_request(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__DashboardRequest req = SAFECAMPUS__DASHBOARD_REQUEST__INIT;

	sync__set_phase(s, PH_DASHBOARD);
	if (s->opts->dashboard_school)
		req.school = (char *)s->opts->dashboard_school;
	if (s->opts->dashboard_as_of)
		req.as_of_date = (char *)s->opts->dashboard_as_of;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST;
	env.dashboard_request = &req;
	(void)sync__send(s, &env);
}
