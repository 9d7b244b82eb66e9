/* The hazard workflow on the server: statuses live in the derived columns of
 * the hazard table (state, owner, deadline, ...), the rules in hazard_fsm.c,
 * shared with the client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hazard_fsm.h"
#include "workflow.h"

static void hz_init(void *status)
{
	hazard_status_init(status);
}

static Safecampus__HazardState state_by_name(const char *s)
{
	for (int st = SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_REPORTED;
	     st <= SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_CLOSED; st++)
		if (!strcmp(hazard_state_name((Safecampus__HazardState)st), s))
			return (Safecampus__HazardState)st;
	return SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_UNSPECIFIED;
}

static int hz_load(void *status, const PGresult *res, int row)
{
	struct hazard_status *s = status;
	char *end;

	hazard_status_init(s);
	s->state = state_by_name(PQgetvalue(res, row, 1));
	if (s->state == SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_UNSPECIFIED)
		return SC_EDB;
	snprintf(s->owner, sizeof s->owner, "%s", PQgetvalue(res, row, 2));
	snprintf(s->deadline_date, sizeof s->deadline_date, "%s", PQgetvalue(res, row, 3));
	snprintf(s->rectified_by, sizeof s->rectified_by, "%s", PQgetvalue(res, row, 4));
	s->reopen_count = (unsigned)strtoul(PQgetvalue(res, row, 5), &end, 10);
	s->verified_ms = strtoll(PQgetvalue(res, row, 6), &end, 10);
	s->closed_ms = strtoll(PQgetvalue(res, row, 7), &end, 10);
	snprintf(s->found_date, sizeof s->found_date, "%s", PQgetvalue(res, row, 8));
	return 0;
}

static int hz_apply(void *status, const Safecampus__Record *event, char *why, size_t whylen)
{
	return hazard_apply(status, event->hazard_event, why, whylen);
}

static void hz_store(const void *status, char out[][WF_TEXT])
{
	const struct hazard_status *s = status;

	snprintf(out[0], WF_TEXT, "%s", hazard_state_name(s->state));
	snprintf(out[1], WF_TEXT, "%s", s->owner);
	snprintf(out[2], WF_TEXT, "%s", s->deadline_date);
	snprintf(out[3], WF_TEXT, "%s", s->rectified_by);
	snprintf(out[4], WF_TEXT, "%u", s->reopen_count);
	snprintf(out[5], WF_TEXT, "%lld", (long long)s->verified_ms);
	snprintf(out[6], WF_TEXT, "%lld", (long long)s->closed_ms);
}

/* found_date is the hazard row's own (a deadline before it is refused) */
static void hz_rebase(void *status)
{
	struct hazard_status *s = status;
	char found[sizeof s->found_date];

	memcpy(found, s->found_date, sizeof found);
	hazard_status_init(s);
	memcpy(s->found_date, found, sizeof found);
}

static const char *const hz_store_names[] = { "state",        "owner",        "deadline",
					      "rectified_by", "reopen_count", "verified_at",
					      "closed_at" };

const struct workflow wf_hazard = {
	.event_kind = "hazard_event",
	.parent_kind = "hazard",
	.status_size = sizeof(struct hazard_status),
	.load_sql =
		"SELECT h.id::text, state, owner, coalesce(deadline::text, ''), rectified_by, "
		"reopen_count, coalesce((extract(epoch from verified_at) * 1000)::bigint, 0), "
		"coalesce((extract(epoch from closed_at) * 1000)::bigint, 0), "
		"coalesce(found_date::text, '') "
		"FROM unnest($2::uuid[]) AS q(id) JOIN hazard h ON h.school = $1 AND h.id = q.id",
	.store_sql = "UPDATE hazard h SET state = u.state, owner = u.owner, "
		     "deadline = NULLIF(u.deadline, '')::date, rectified_by = u.rectified_by, "
		     "reopen_count = u.reopen_count::integer, "
		     "verified_at = CASE WHEN u.verified_ms = '0' THEN NULL "
		     "ELSE to_timestamp(u.verified_ms::bigint / 1000.0) END, "
		     "closed_at = CASE WHEN u.closed_ms = '0' THEN NULL "
		     "ELSE to_timestamp(u.closed_ms::bigint / 1000.0) END "
		     "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
		     "$7::text[], "
		     "$8::text[], $9::text[]) AS u(id, state, owner, deadline, rectified_by, "
		     "reopen_count, "
		     "verified_ms, closed_ms) WHERE h.school = $1 AND h.id = u.id::uuid",
	.nstore = 7,
	.init = hz_init,
	.load = hz_load,
	.apply = hz_apply,
	.store = hz_store,
	.store_names = hz_store_names,
	.rebase = hz_rebase,
};
