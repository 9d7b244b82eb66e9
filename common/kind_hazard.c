/* Hazards (隐患排查整改): the kind table entries of hazard and hazard_event.
 * The workflow itself is hazard_fsm.c. */
#include <stdio.h>
#include <string.h>

#include "indicators.h"
#include "i18n.h"
#include "kind_hazard.h"
#include "kind_due.h"
#include "kind_ops.h"
#include "kinds.h"

#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x
#define HST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x

/* Folds the events of hazard_id (leaving out skip_id) through hazard_fsm;
 * rejected events do not count. hr: the hazard's record if the caller holds
 * it (a list deriving 10,000 hazards), else NULL and it is read from env. */
static int fold(const struct kind_env *env, const Safecampus__Record *hr, const char *hazard_id,
		const char *skip_id, struct kind_events *x, struct hazard_status *s)
{
	int rc = kind_events_load(env, "hazard_event", hazard_id, skip_id, x);
	Safecampus__Record *h = NULL;

	hazard_status_init(s);
	/* the found date, so a deadline before it is refused here as on the server */
	if (rc == 0 && !hr && env->get && env->get(env->ctx, hazard_id, &h) == 0)
		hr = h;
	if (hr && hr->body_case == SAFECAMPUS__RECORD__BODY_HAZARD && hr->hazard->found_date)
		snprintf(s->found_date, sizeof s->found_date, "%s", hr->hazard->found_date);
	if (h)
		safecampus__record__free_unpacked(h, NULL);
	for (size_t i = 0; rc == 0 && i < x->n; i++) {
		struct kind_event *e = &x->ev[i];
		if (e->sync == KIND_REJECTED) {
			snprintf(e->why, sizeof e->why, "%s", _("rejected by the server"));
			continue;
		}
		if (!e->r->hazard_event)
			continue;
		e->applied = hazard_apply(s, e->r->hazard_event, e->why, sizeof e->why) == 0;
	}
	return rc;
}

int hazard_fold(const struct kind_env *env, const char *hazard_id, const char *skip_id,
		struct kind_events *x, struct hazard_status *s)
{
	return fold(env, NULL, hazard_id, skip_id, x, s);
}

/* Status words: the state, "open" until verified, "overdue" past the deadline.
 * Cells: state, owner, deadline ('!' when overdue). */
static int hz_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		     struct kind_derived *d)
{
	struct kind_events x;
	struct hazard_status s;
	int rc = fold(env, r, r->id, NULL, &x, &s);

	kind_events_free(&x);
	if (rc)
		return rc;
	/* overdue by the same clock as the dashboard: the deadline, else found
	 * + the district's days for the severity (indicators.h) */
	const Safecampus__Hazard *h =
		r->body_case == SAFECAMPUS__RECORD__BODY_HAZARD ? r->hazard : NULL;
	char due[11] = "";
	if (h && s.state != HST(VERIFIED) && s.state != HST(CLOSED) &&
	    indicators_hazard_due(h->found_date, s.deadline_date, h->severity, due) < 0)
		due[0] = '\0';
	d->overdue = h && indicators_hazard_overdue(&s, h->found_date, h->severity, today) != 0;
	/* open as the dashboard counts it (未销项隐患, DOMAIN.md): not yet
	 * verified, so a list filtered by it gives the dashboard's number */
	snprintf(d->status, sizeof d->status, "%s%s%s", hazard_state_name(s.state),
		 s.state != HST(VERIFIED) && s.state != HST(CLOSED) ? " open" : "",
		 d->overdue ? " overdue" : "");
	snprintf(d->cell[0], KIND_CELL_LEN, "%s", hazard_state_name(s.state));
	snprintf(d->cell[1], KIND_CELL_LEN, "%s", s.owner);
	/* no deadline yet: the clock's due day, marked ~ */
	snprintf(d->cell[2], KIND_CELL_LEN, "%s%s%s", s.deadline_date[0] || !due[0] ? "" : "~",
		 s.deadline_date[0] ? s.deadline_date : due, d->overdue ? "!" : "");
	return 0;
}

/* A new event against the events known here. */
static int ev_check(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n)
{
	const Safecampus__HazardEvent *ev = r->hazard_event;
	struct kind_events x;
	struct hazard_status s;
	char step[256];
	int rc;

	if (!ev)
		return sc_refuse(SC_EINVALID, why, n, _("not a hazard_event"));
	rc = hazard_fold(env, ev->hazard_id, r->id, &x, &s);
	kind_events_free(&x);
	if (rc)
		return rc;
	rc = hazard_apply(&s, ev, step, sizeof step);
	if (rc)
		return sc_refuse(rc, why, n, _("%s; hazard %.8s is %s here"), step, ev->hazard_id,
				 kind_status_label(hazard_state_name(s.state)));
	return 0;
}

/* Escalations are written by the server's escalation pass, never by a client. */
static bool ev_client_writes(const Safecampus__Record *r)
{
	return !(r->hazard_event && r->hazard_event->action == ACT(ESCALATE));
}

/* "hazard 8d89ea38 is now assigned (event ...)" */
static void verb_done(const struct kind_env *env, const Safecampus__Record *parent,
		      const Safecampus__Record *r, char *out, size_t n)
{
	struct kind_events x;
	struct hazard_status s;

	if (hazard_fold(env, parent->id, NULL, &x, &s) == 0)
		snprintf(out, n, _("hazard %.8s is now %s (event %s)"), parent->id,
			 hazard_state_name(s.state), r->id);
	else
		out[0] = '\0';
	kind_events_free(&x);
}

/* a risk (kind_records.c) has the same areas */
const struct kind_enum_label kind_enum_hazard_area[] = {
	{ "fire", N_("Fire safety") },
	{ "building", N_("Buildings") },
	{ "facility", N_("Facilities and equipment") },
	{ "defence_people", N_("People defence") },
	{ "defence_physical", N_("Physical defence") },
	{ "defence_technical", N_("Technical defence") },
	{ "food", N_("Food safety") },
	{ "traffic", N_("Traffic") },
	{ "other", N_("Other") },
	{ 0 },
};

static const struct kind_enum_label severities[] = {
	{ "low", N_("Low") },
	{ "medium", N_("Medium") },
	{ "high", N_("High") },
	{ "critical", N_("Critical") },
	{ 0 },
};

static const struct kind_enum_label actions[] = {
	{ "assign", N_("Assign") },      { "rectify", N_("Rectified") },
	{ "verify", N_("Verified") },    { "close", N_("Closed") },
	{ "reopen", N_("Reopened") },    { "note", N_("Note") },
	{ "escalate", N_("Escalated") }, { 0 },
};

static const struct kind_field_ui hazard_fields[] = {
	{ "title", NC_("hazard", "Title"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "location", NC_("hazard", "Location"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "area", NC_("hazard", "Area"), NULL, NULL, NULL, KF_NONE, kind_enum_hazard_area },
	{ "severity", NC_("hazard", "Severity"), NULL, NULL, NULL, KF_NONE, severities },
	{ "description", NC_("hazard", "Description"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "found_date", NC_("hazard", "Found on"), NULL, NULL, "found", KF_TODAY, NULL },
	{ "reporter", NC_("hazard", "Reported by"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "inspection_id", NC_("hazard", "Inspection"), NULL, NULL, NULL, KF_NONE, NULL },
};

static const struct kind_col hazard_cols[] = {
	{ NC_("column", "school"), "@school", 0, 16, KC_OFF, KC_KEEP },
	{ NC_("column", "title"), "title", 0, 0, KC_KEEP | KC_FLEX, KC_KEEP | KC_FLEX },
	{ NC_("column", "severity"), "severity", 0, 8, KC_KEEP, KC_KEEP },
	{ NC_("column", "state"), NULL, 1, 9, KC_KEEP, KC_KEEP },
	{ NC_("column", "owner"), NULL, 2, 16, KC_KEEP, KC_KEEP },
	{ NC_("column", "deadline"), NULL, 3, 11, KC_KEEP, KC_KEEP },
	{ NC_("column", "campus"), "@campus", 0, 12, KC_KEEP, KC_KEEP },
};

#define HZ_EPILOG                                                                              \
	N_("ID is the hazard's id or its first 8 characters. ROLE is one of: principal, "      \
	   "vice_principal,\ndepartment_head, head_teacher, subject_teacher, security_guard, " \
	   "canteen_staff, bus_staff,\nparent_volunteer, logistics, bureau_officer.\nThe "     \
	   "step is checked here, offline, against the hazard's events known locally; a "      \
	   "refused\nstep writes nothing.")

/* a signed step: the actor and their role come from the signing person */
#define EVENT_SETS(action)                                                                        \
	(const struct kind_set[])                                                                 \
	{                                                                                         \
		{ "hazard_id", KF_PARENT_ID, NULL, false }, { "action", KF_TEXT, action, false }, \
			{ "at_ms", KF_NOW_MS, NULL, false },                                      \
			{ "actor", KF_SIGNER_NAME, NULL, false },                                 \
			{ "actor_role", KF_SIGNER_ROLE, NULL, false },                            \
		{                                                                                 \
			NULL, KF_NONE, NULL, false                                                \
		}                                                                                 \
	}
#define NOTE_SETS                                                                                 \
	(const struct kind_set[])                                                                 \
	{                                                                                         \
		{ "hazard_id", KF_PARENT_ID, NULL, false }, { "action", KF_TEXT, "note", false }, \
			{ "at_ms", KF_NOW_MS, NULL, false },                                      \
		{                                                                                 \
			NULL, KF_NONE, NULL, false                                                \
		}                                                                                 \
	}

static const char *const report_required[] = { "title", "area", "severity", NULL };

static const struct kind_verb hazard_verbs[] = {
	{ .name = "report",
	  .kind = "hazard",
	  .usage = "hazard report --title T --area AREA --severity SEV [options]",
	  .summary =
		  N_("Reports a hazard found by an inspection or by anyone (隐患上报). Prints the "
		     "new hazard's id.\nIts state is reported until it is assigned."),
	  .epilog = N_("--found-date defaults to today."),
	  .required = report_required,
	  .flags = KV_PRINT_ID | KV_FIELDS_HELP },
	{ .name = "assign",
	  .kind = "hazard_event",
	  .usage = "hazard assign ID --owner NAME --deadline YYYY-MM-DD --as LOGIN",
	  .summary =
		  N_("Signs the hazard into the responsibility list (签发): who rectifies it, by "
		     "when.\nAllowed from reported (or assigned, to re-assign); principal or vice "
		     "principal only."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ "owner", "deadline_date", NULL },
	  .optional = (const char *const[]){ "note", NULL },
	  .sets = EVENT_SETS("assign"),
	  .flags = KV_PARENT,
	  .sign_roles = KS_LEADERS,
	  .done = verb_done },
	{ .name = "rectify",
	  .kind = "hazard_event",
	  .usage = "hazard rectify ID --note TEXT --as LOGIN [--evidence-file FILE]",
	  .summary =
		  N_("Records that the hazard was rectified (整改); the note says what was done.\n"
		     "Allowed from assigned."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ "note", NULL },
	  .optional = (const char *const[]){ "evidence_sha256", "evidence_path", NULL },
	  .sets = EVENT_SETS("rectify"),
	  .flags = KV_PARENT | KV_EVIDENCE_FILE,
	  .sign_roles = KS_STAFF,
	  .done = verb_done },
	{ .name = "verify",
	  .kind = "hazard_event",
	  .usage = "hazard verify ID --note TEXT --as LOGIN [--evidence-file FILE]",
	  .summary = N_("Records the leadership group's check of the fix (验收); the note is the "
			"evidence.\nAllowed from rectified, by someone other than the rectifier."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ "note", NULL },
	  .optional = (const char *const[]){ "evidence_sha256", "evidence_path", NULL },
	  .sets = EVENT_SETS("verify"),
	  .flags = KV_PARENT | KV_EVIDENCE_FILE,
	  .sign_roles = KS_LEADERSHIP,
	  .done = verb_done },
	{ .name = "close",
	  .kind = "hazard_event",
	  .usage = "hazard close ID --as LOGIN [--note TEXT]",
	  .summary = N_("The principal's final review (销号). Allowed from verified; principal or "
			"vice principal only."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ NULL },
	  .optional = (const char *const[]){ "note", NULL },
	  .sets = EVENT_SETS("close"),
	  .flags = KV_PARENT,
	  .sign_roles = KS_LEADERS,
	  .done = verb_done },
	{ .name = "reopen",
	  .kind = "hazard_event",
	  .usage = "hazard reopen ID --note TEXT --as LOGIN [--deadline YYYY-MM-DD]",
	  .summary = N_("Sends a verified or closed hazard back to assigned; the note says why."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ "note", NULL },
	  .optional = (const char *const[]){ "deadline_date", NULL },
	  .sets = EVENT_SETS("reopen"),
	  .flags = KV_PARENT,
	  .sign_roles = KS_LEADERSHIP,
	  .done = verb_done },
	{ .name = "note",
	  .kind = "hazard_event",
	  .usage = "hazard note ID --note TEXT --actor NAME",
	  .summary = N_("Adds a note to the hazard's history; any state, no change."),
	  .epilog = HZ_EPILOG,
	  .required = (const char *const[]){ "note", "actor", NULL },
	  .optional =
		  (const char *const[]){ "actor_role", "evidence_sha256", "evidence_path", NULL },
	  .sets = NOTE_SETS,
	  .flags = KV_PARENT | KV_EVIDENCE_FILE,
	  .done = verb_done },
};

const struct kind_ops kind_ops_hazard = {
	.kind = "hazard",
	.name_refs = (const struct kind_name_ref[]){ { "reporter", "staff" }, { NULL, NULL } },
	.due = kind_due_hazard,
	.import_key = "title location found_date",
	.label = N_("Hazard"),
	.noun = "hazard",
	.fields = hazard_fields,
	.nfields = sizeof hazard_fields / sizeof hazard_fields[0],
	.status_words = "reported assigned rectified verified closed open overdue",
	.status_help = N_("reported, assigned, rectified, verified, closed, open (not yet "
			  "verified), overdue"),
	.derive = hz_derive,
	.overdue_note = N_("deadline marked !"),
	.cols = hazard_cols,
	.ncols = sizeof hazard_cols / sizeof hazard_cols[0],
	.event_kind = "hazard_event",
	.group_summary = N_("report a hazard and move it through its workflow"),
	.group_help = N_("The hazard workflow (隐患排查整改):\n"
			 "  reported --assign--> assigned --rectify--> rectified --verify--> "
			 "verified --close--> closed\n"
			 "  reopen: verified or closed -> assigned; note: any state, no change"),
	.verbs = hazard_verbs,
	.nverbs = sizeof hazard_verbs / sizeof hazard_verbs[0],
};

static const struct kind_field_ui event_fields[] = {
	{ "hazard_id", NC_("hazard_event", "Hazard"), NULL, NULL, "hazard", KF_NONE, NULL },
	{ "action", NC_("hazard_event", "Step"), NULL, NULL, NULL, KF_NONE, actions },
	{ "actor", NC_("hazard_event", "By"), NULL, NULL, NULL, KF_PERSON, NULL },
	{ "actor_role", NC_("hazard_event", "Role"), NULL, NULL, "role", KF_PERSON_ROLE,
	  kind_enum_staff_role },
	{ "owner", NC_("hazard_event", "Owner"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "deadline_date", NC_("hazard_event", "Deadline"), NULL, NULL, "deadline", KF_NONE, NULL },
	{ "note", NC_("hazard_event", "Note"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "evidence_sha256", NC_("hazard_event", "Evidence hash"), NULL, N_("Evidence"), NULL,
	  KF_NONE, NULL },
	{ "evidence_path", NC_("hazard_event", "Evidence file"), NULL, N_("Evidence"), NULL,
	  KF_NONE, NULL },
	{ "at_ms", NC_("hazard_event", "At"), NULL, NULL, NULL, KF_NOW_MS, NULL },
};

const struct kind_ops kind_ops_hazard_event = {
	.kind = "hazard_event",
	.name_refs = (const struct kind_name_ref[]){ { "owner", "staff" }, { NULL, NULL } },
	.hex_fields = (const char *const[]){ "evidence_sha256", NULL },
	.label = N_("Hazard step"),
	.fields = event_fields,
	.nfields = sizeof event_fields / sizeof event_fields[0],
	.check = ev_check,
	.client_writes = ev_client_writes,
};
