/* hazard_fsm.c: every allowed step, every refused one, who may take it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hazard_fsm.h"

#define ST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x
#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x
#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

static Safecampus__HazardEvent ev_make(int action, const char *actor, int role, const char *note)
{
	Safecampus__HazardEvent ev = SAFECAMPUS__HAZARD_EVENT__INIT;

	ev.hazard_id = "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
	ev.action = (Safecampus__HazardAction)action;
	ev.actor = (char *)actor;
	ev.actor_role = (Safecampus__StaffRole)role;
	ev.note = (char *)note;
	return ev;
}

static void apply_ok(struct hazard_status *s, const Safecampus__HazardEvent *ev)
{
	char why[256] = "untouched";
	int rc = hazard_apply(s, ev, why, sizeof why);

	if (rc != 0)
		fail_msg("refused: %d %s", rc, why);
	assert_string_equal(why, "");
}

/* Refused with rc, the given reason, and s unchanged. */
static void apply_refused(struct hazard_status *s, const Safecampus__HazardEvent *ev, int rc,
			  const char *want)
{
	struct hazard_status before = *s;
	char why[256] = "";

	assert_int_equal(hazard_apply(s, ev, why, sizeof why), rc);
	if (want && strcmp(why, want) != 0)
		fail_msg("why \"%s\", want \"%s\"", why, want);
	assert_true(why[0] != '\0');
	assert_memory_equal(&before, s, sizeof before);
}

static void assign(struct hazard_status *s, const char *owner, const char *deadline)
{
	Safecampus__HazardEvent ev = ev_make(ACT(ASSIGN), "Principal Li", ROLE(PRINCIPAL), "");

	ev.owner = (char *)owner;
	ev.deadline_date = (char *)deadline;
	ev.at_ms = 1000;
	apply_ok(s, &ev);
}

/* A status in state st reached by legal steps. */
static struct hazard_status status_in(int st)
{
	struct hazard_status s;
	Safecampus__HazardEvent ev;

	hazard_status_init(&s);
	if (st == ST(REPORTED))
		return s;
	assign(&s, "Wang Wu", "2026-03-10");
	if (st == ST(ASSIGNED))
		return s;
	ev = ev_make(ACT(RECTIFY), "Wang Wu", ROLE(LOGISTICS), "handrail re-bolted");
	ev.at_ms = 2000;
	apply_ok(&s, &ev);
	if (st == ST(RECTIFIED))
		return s;
	ev = ev_make(ACT(VERIFY), "Zhao Liu", ROLE(DEPARTMENT_HEAD), "photo of the fixed rail");
	ev.at_ms = 3000;
	apply_ok(&s, &ev);
	if (st == ST(VERIFIED))
		return s;
	ev = ev_make(ACT(CLOSE), "Principal Li", ROLE(PRINCIPAL), "");
	ev.at_ms = 4000;
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(CLOSED));
	return s;
}

/* ------------------------------------------------------------------ happy path */

static void test_init(void **state)
{
	struct hazard_status s;

	(void)state;
	memset(&s, 0x5a, sizeof s);
	hazard_status_init(&s);
	assert_int_equal(s.state, ST(REPORTED));
	assert_string_equal(s.owner, "");
	assert_string_equal(s.deadline_date, "");
	assert_string_equal(s.rectified_by, "");
	assert_int_equal(s.rectified_ms, 0);
	assert_int_equal(s.verified_ms, 0);
	assert_int_equal(s.closed_ms, 0);
	assert_int_equal(s.reopen_count, 0);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_NONE);
}

static void test_full_life(void **state)
{
	struct hazard_status s;

	(void)state;
	s = status_in(ST(ASSIGNED));
	assert_int_equal(s.state, ST(ASSIGNED));
	assert_string_equal(s.owner, "Wang Wu");
	assert_string_equal(s.deadline_date, "2026-03-10");
	s = status_in(ST(RECTIFIED));
	assert_int_equal(s.state, ST(RECTIFIED));
	assert_string_equal(s.rectified_by, "Wang Wu");
	assert_int_equal(s.rectified_ms, 2000);
	s = status_in(ST(VERIFIED));
	assert_int_equal(s.state, ST(VERIFIED));
	assert_int_equal(s.verified_ms, 3000);
	s = status_in(ST(CLOSED));
	assert_int_equal(s.state, ST(CLOSED));
	assert_int_equal(s.closed_ms, 4000);
	assert_int_equal(s.rectified_ms, 2000);
	assert_int_equal(s.verified_ms, 3000);
	assert_string_equal(s.owner, "Wang Wu");
	assert_int_equal(s.reopen_count, 0);
}

/* ------------------------------------------------------------------ the whole table */

static void test_every_state_every_action(void **state)
{
	static const int states[] = { ST(REPORTED), ST(ASSIGNED), ST(RECTIFIED), ST(VERIFIED),
				      ST(CLOSED) };
	static const struct {
		int action;
		const char *name;
		const char *needs;
		int from[2]; /* allowed states (0: none) */
		int to;      /* 0: unchanged */
	} acts[] = {
		{ ACT(ASSIGN),
		  "assign",
		  "reported or assigned",
		  { ST(REPORTED), ST(ASSIGNED) },
		  ST(ASSIGNED) },
		{ ACT(RECTIFY), "rectify", "assigned", { ST(ASSIGNED), 0 }, ST(RECTIFIED) },
		{ ACT(VERIFY), "verify", "rectified", { ST(RECTIFIED), 0 }, ST(VERIFIED) },
		{ ACT(CLOSE), "close", "verified", { ST(VERIFIED), 0 }, ST(CLOSED) },
		{ ACT(REOPEN),
		  "reopen",
		  "verified or closed",
		  { ST(VERIFIED), ST(CLOSED) },
		  ST(ASSIGNED) },
	};
	static const char *const names[] = { "",          "reported", "assigned",
					     "rectified", "verified", "closed" };
	int allowed = 0, refused = 0;

	(void)state;
	for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
		for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
			struct hazard_status s = status_in(states[i]);
			/* every field any action could need, by someone who is neither the
			 * rectifier nor lacking the role */
			Safecampus__HazardEvent ev = ev_make(acts[a].action, "Principal Li",
							     ROLE(PRINCIPAL), "why and how");
			ev.owner = "Chen Qi";
			ev.deadline_date = "2026-04-01";
			ev.at_ms = 9000;
			if (states[i] == acts[a].from[0] || states[i] == acts[a].from[1]) {
				apply_ok(&s, &ev);
				assert_int_equal(s.state, acts[a].to);
				allowed++;
			} else {
				char want[128];
				snprintf(want, sizeof want, "%s not allowed in state %s (needs %s)",
					 acts[a].name, names[states[i]], acts[a].needs);
				apply_refused(&s, &ev, SC_ETRANSITION, want);
				refused++;
			}
		}
	}
	assert_int_equal(allowed, 7);
	assert_int_equal(refused, 18);
}

static void test_reason_text(void **state)
{
	struct hazard_status s = status_in(ST(ASSIGNED));
	Safecampus__HazardEvent ev = ev_make(ACT(VERIFY), "Zhao Liu", ROLE(DEPARTMENT_HEAD), "ok");

	(void)state;
	apply_refused(&s, &ev, SC_ETRANSITION,
		      "verify not allowed in state assigned (needs rectified)");
}

static void test_note_anywhere(void **state)
{
	(void)state;
	for (int st = ST(REPORTED); st <= ST(CLOSED); st++) {
		struct hazard_status s = status_in(st), before = s;
		Safecampus__HazardEvent ev =
			ev_make(ACT(NOTE), "Guard Sun", ROLE(SECURITY_GUARD), "checked again");
		ev.owner = "Someone Else";       /* ignored */
		ev.deadline_date = "2030-01-01"; /* ignored */
		ev.at_ms = 123456;
		apply_ok(&s, &ev);
		assert_memory_equal(&before, &s, sizeof s);
		ev.note = "";
		apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to note");
	}
}

/* ------------------------------------------------------------------ who */

static void test_assign_roles(void **state)
{
	static const int refused_roles[] = {
		ROLE(UNSPECIFIED),     ROLE(DEPARTMENT_HEAD),  ROLE(HEAD_TEACHER),
		ROLE(SUBJECT_TEACHER), ROLE(SECURITY_GUARD),   ROLE(CANTEEN_STAFF),
		ROLE(BUS_STAFF),       ROLE(PARENT_VOLUNTEER), ROLE(LOGISTICS),
		ROLE(BUREAU_OFFICER),
	};
	struct hazard_status s;
	Safecampus__HazardEvent ev;

	(void)state;
	hazard_status_init(&s);
	ev = ev_make(ACT(ASSIGN), "Teacher Ma", ROLE(HEAD_TEACHER), "");
	ev.owner = "Wang Wu";
	ev.deadline_date = "2026-03-10";
	apply_refused(&s, &ev, SC_ETRANSITION,
		      "assign must be by the principal or a vice principal (actor_role is "
		      "head_teacher)");
	for (size_t i = 0; i < sizeof refused_roles / sizeof refused_roles[0]; i++) {
		ev.actor_role = (Safecampus__StaffRole)refused_roles[i];
		apply_refused(&s, &ev, SC_ETRANSITION, NULL);
	}
	ev.actor_role = ROLE(UNSPECIFIED);
	apply_refused(
		&s, &ev, SC_ETRANSITION,
		"assign must be by the principal or a vice principal (actor_role is not set)");
	ev.actor_role = ROLE(VICE_PRINCIPAL);
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(ASSIGNED));
}

static void test_close_roles(void **state)
{
	struct hazard_status s = status_in(ST(VERIFIED));
	Safecampus__HazardEvent ev = ev_make(ACT(CLOSE), "Teacher Ma", ROLE(SUBJECT_TEACHER), "");

	(void)state;
	apply_refused(&s, &ev, SC_ETRANSITION,
		      "close must be by the principal or a vice principal (actor_role is "
		      "subject_teacher)");
	ev.actor_role = ROLE(LOGISTICS);
	apply_refused(&s, &ev, SC_ETRANSITION, NULL);
	ev.actor_role = ROLE(VICE_PRINCIPAL);
	ev.at_ms = 77;
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(CLOSED));
	assert_int_equal(s.closed_ms, 77);
}

static void test_verify_by_rectifier_refused(void **state)
{
	struct hazard_status s = status_in(ST(RECTIFIED));
	Safecampus__HazardEvent ev = ev_make(ACT(VERIFY), "Wang Wu", ROLE(PRINCIPAL), "looks fine");

	(void)state;
	assert_string_equal(s.rectified_by, "Wang Wu");
	apply_refused(&s, &ev, SC_ETRANSITION,
		      "verify must be by someone other than the rectifier (Wang Wu)");
	ev.actor = "wang wu";
	apply_refused(&s, &ev, SC_ETRANSITION, NULL);
	ev.actor = "  WANG WU\t";
	apply_refused(&s, &ev, SC_ETRANSITION, NULL);
	ev.actor = "Wang Wu Jr";
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(VERIFIED));
}

/* ------------------------------------------------------------------ fields */

static void test_assign_fields(void **state)
{
	struct hazard_status s;
	Safecampus__HazardEvent ev = ev_make(ACT(ASSIGN), "Principal Li", ROLE(PRINCIPAL), "");
	char longname[200];

	(void)state;
	hazard_status_init(&s);
	ev.deadline_date = "2026-03-10";
	ev.owner = "";
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.owner is required to assign");
	ev.owner = NULL;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.owner is required to assign");
	ev.owner = "Wang Wu";
	ev.deadline_date = "";
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.deadline_date is required to assign");
	ev.deadline_date = "2026-02-30";
	apply_refused(&s, &ev, SC_EINVALID,
		      "hazard_event.deadline_date: \"2026-02-30\" is not a real date");
	ev.deadline_date = "2026-03-10 and then some";
	apply_refused(&s, &ev, SC_EINVALID,
		      "hazard_event.deadline_date: \"2026-03-10...\" is not a real date");
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ev.deadline_date = "2026-03-10";
	ev.owner = longname;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.owner: at most 127 bytes");
	longname[127] = '\0';
	apply_ok(&s, &ev);
	assert_string_equal(s.owner, longname);
}

/* A deadline before the hazard was found is a typo (issue 10); both sides
 * fill found_date in (client: hazard_fold; server: wf_hazard's load). */
static void test_deadline_before_found(void **state)
{
	struct hazard_status s;
	Safecampus__HazardEvent ev = ev_make(ACT(ASSIGN), "Principal Li", ROLE(PRINCIPAL), "");

	(void)state;
	hazard_status_init(&s);
	snprintf(s.found_date, sizeof s.found_date, "%s", "2026-03-05");
	ev.owner = "Wang Wu";
	ev.deadline_date = "2026-03-04";
	apply_refused(&s, &ev, SC_EINVALID,
		      "hazard_event.deadline_date: 2026-03-04 is before the hazard was found "
		      "(2026-03-05)");
	ev.deadline_date = "2026-03-05"; /* the same day is a deadline */
	apply_ok(&s, &ev);
	/* reopen with an earlier deadline: refused the same way */
	ev = ev_make(ACT(REOPEN), "Principal Li", ROLE(PRINCIPAL), "again");
	s.state = ST(VERIFIED);
	ev.deadline_date = "2026-01-01";
	apply_refused(&s, &ev, SC_EINVALID,
		      "hazard_event.deadline_date: 2026-01-01 is before the hazard was found "
		      "(2026-03-05)");
}

static void test_reassign(void **state)
{
	struct hazard_status s = status_in(ST(ASSIGNED));

	(void)state;
	assign(&s, "Chen Qi", "2026-05-01");
	assert_int_equal(s.state, ST(ASSIGNED));
	assert_string_equal(s.owner, "Chen Qi");
	assert_string_equal(s.deadline_date, "2026-05-01");
}

static void test_notes_required(void **state)
{
	struct hazard_status s;
	Safecampus__HazardEvent ev;

	(void)state;
	s = status_in(ST(ASSIGNED));
	ev = ev_make(ACT(RECTIFY), "Wang Wu", ROLE(LOGISTICS), "");
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to rectify");
	ev.note = NULL;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to rectify");
	s = status_in(ST(RECTIFIED));
	ev = ev_make(ACT(VERIFY), "Zhao Liu", ROLE(DEPARTMENT_HEAD), "");
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to verify");
	s = status_in(ST(CLOSED));
	ev = ev_make(ACT(REOPEN), "Principal Li", ROLE(PRINCIPAL), "");
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to reopen");
	/* close needs none */
	s = status_in(ST(VERIFIED));
	ev = ev_make(ACT(CLOSE), "Principal Li", ROLE(PRINCIPAL), NULL);
	apply_ok(&s, &ev);
}

static void test_reopen(void **state)
{
	struct hazard_status s = status_in(ST(CLOSED));
	Safecampus__HazardEvent ev =
		ev_make(ACT(REOPEN), "Principal Li", ROLE(PRINCIPAL), "rail loose again");

	(void)state;
	/* from closed, keeping owner and deadline when none is given */
	ev.owner = "Somebody New"; /* the owner is kept: reassign to change it */
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(ASSIGNED));
	assert_string_equal(s.owner, "Wang Wu");
	assert_string_equal(s.deadline_date, "2026-03-10");
	assert_int_equal(s.reopen_count, 1);
	assert_string_equal(s.rectified_by, "");
	assert_int_equal(s.rectified_ms, 0);
	assert_int_equal(s.verified_ms, 0);
	assert_int_equal(s.closed_ms, 0);

	/* the next cycle: the earlier rectifier may now verify someone else's fix */
	ev = ev_make(ACT(RECTIFY), "Chen Qi", ROLE(LOGISTICS), "new bolts");
	apply_ok(&s, &ev);
	ev = ev_make(ACT(VERIFY), "Wang Wu", ROLE(DEPARTMENT_HEAD), "checked");
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(VERIFIED));

	/* from verified, with a new deadline */
	ev = ev_make(ACT(REOPEN), "Zhao Liu", ROLE(DEPARTMENT_HEAD), "not good enough");
	ev.deadline_date = "2026-02-29";
	apply_refused(&s, &ev, SC_EINVALID,
		      "hazard_event.deadline_date: \"2026-02-29\" is not a real date");
	ev.deadline_date = "2028-02-29";
	apply_ok(&s, &ev);
	assert_int_equal(s.state, ST(ASSIGNED));
	assert_string_equal(s.deadline_date, "2028-02-29");
	assert_int_equal(s.reopen_count, 2);
}

static void test_bad_events(void **state)
{
	struct hazard_status s = status_in(ST(ASSIGNED));
	Safecampus__HazardEvent ev = ev_make(ACT(NOTE), "Guard Sun", ROLE(SECURITY_GUARD), "x");
	char longactor[129];

	(void)state;
	ev.action = ACT(UNSPECIFIED);
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.action is required");
	ev.action = (Safecampus__HazardAction)99;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.action: 99 is not a known action");
	ev.action = ACT(NOTE);
	ev.actor = "";
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.actor is required");
	ev.actor = NULL;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.actor is required");
	memset(longactor, 'a', 128);
	longactor[128] = '\0';
	ev.actor = longactor;
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.actor: at most 127 bytes");
	/* a status that was never initialised */
	memset(&s, 0, sizeof s);
	ev.actor = "Guard Sun";
	apply_refused(&s, &ev, SC_EINVALID, "hazard state 0 is not a known state");
	assert_int_equal(hazard_apply(NULL, &ev, NULL, 0), SC_EINVALID);
	hazard_status_init(&s);
	assert_int_equal(hazard_apply(&s, NULL, NULL, 0), SC_EINVALID);
}

/* ------------------------------------------------------------------ escalate */

static Safecampus__HazardEvent escalation(const char *note)
{
	Safecampus__HazardEvent ev = ev_make(ACT(ESCALATE), "safecampusd", ROLE(UNSPECIFIED), note);

	ev.deadline_date = "2026-03-10";
	ev.at_ms = 5000;
	return ev;
}

static void test_escalate_anywhere(void **state)
{
	(void)state;
	for (int st = ST(REPORTED); st <= ST(CLOSED); st++) {
		struct hazard_status s = status_in(st), before = s;
		Safecampus__HazardEvent ev = escalation("overdue 1 day: escalated to the owner");

		ev.owner = "Someone Else"; /* ignored */
		apply_ok(&s, &ev);
		/* no change but the level: not even the state */
		assert_int_equal(s.escalation_level, HAZARD_ESCALATION_OWNER);
		s.escalation_level = before.escalation_level;
		assert_memory_equal(&before, &s, sizeof s);
	}
}

static void test_escalate_levels(void **state)
{
	struct hazard_status s = status_in(ST(ASSIGNED));
	Safecampus__HazardEvent ev = escalation("escalated");

	(void)state;
	ev.note = "";
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.note is required to escalate");
	ev.note = "escalated";
	ev.actor = "";
	apply_refused(&s, &ev, SC_EINVALID, "hazard_event.actor is required");
	ev.actor = "safecampusd";
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_OWNER);
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_PRINCIPAL);
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_BUREAU);
	/* the same level is never raised twice against one deadline */
	apply_refused(&s, &ev, SC_ETRANSITION,
		      "escalate: already escalated to the bureau for deadline 2026-03-10");
	assert_int_equal(s.state, ST(ASSIGNED));

	/* a rectified hazard not yet verified is still overdue: level kept */
	ev = ev_make(ACT(RECTIFY), "Wang Wu", ROLE(LOGISTICS), "done late");
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_BUREAU);
}

static void test_escalate_new_deadline(void **state)
{
	struct hazard_status s = status_in(ST(ASSIGNED));
	Safecampus__HazardEvent ev = escalation("escalated");

	(void)state;
	apply_ok(&s, &ev);
	apply_ok(&s, &ev);
	/* another owner, same deadline: the count goes on */
	assign(&s, "Chen Qi", "2026-03-10");
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_PRINCIPAL);
	/* a new deadline starts it again */
	assign(&s, "Chen Qi", "2026-04-30");
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_NONE);
	apply_ok(&s, &ev);
	apply_ok(&s, &ev);
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_BUREAU);

	/* a reopen starts it again, with or without a new deadline */
	s = status_in(ST(CLOSED));
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_OWNER);
	ev = ev_make(ACT(REOPEN), "Principal Li", ROLE(PRINCIPAL), "rail loose again");
	apply_ok(&s, &ev);
	assert_int_equal(s.escalation_level, HAZARD_ESCALATION_NONE);
	assert_string_equal(s.deadline_date, "2026-03-10");
}

static void test_escalation_names(void **state)
{
	(void)state;
	assert_string_equal(hazard_escalation_to(HAZARD_ESCALATION_NONE), "nobody");
	assert_string_equal(hazard_escalation_to(HAZARD_ESCALATION_OWNER), "the owner");
	assert_string_equal(hazard_escalation_to(HAZARD_ESCALATION_PRINCIPAL), "the principal");
	assert_string_equal(hazard_escalation_to(HAZARD_ESCALATION_BUREAU), "the bureau");
	assert_string_equal(hazard_escalation_to(4), "unknown");
}

/* ------------------------------------------------------------------ overdue, names */

static void test_overdue(void **state)
{
	struct hazard_status s;

	(void)state;
	hazard_status_init(&s);
	assert_false(hazard_is_overdue(&s, "2030-01-01")); /* no deadline yet */
	s = status_in(ST(ASSIGNED));                       /* deadline 2026-03-10 */
	assert_false(hazard_is_overdue(&s, "2026-03-09"));
	assert_false(hazard_is_overdue(&s, "2026-03-10")); /* the deadline day itself */
	assert_true(hazard_is_overdue(&s, "2026-03-11"));
	assert_true(hazard_is_overdue(&s, "2027-01-01"));
	s = status_in(ST(RECTIFIED)); /* rectified but not verified: still overdue */
	assert_true(hazard_is_overdue(&s, "2026-03-11"));
	s = status_in(ST(VERIFIED));
	assert_false(hazard_is_overdue(&s, "2026-03-11"));
	s = status_in(ST(CLOSED));
	assert_false(hazard_is_overdue(&s, "2026-03-11"));
	assert_false(hazard_is_overdue(&s, NULL));
	assert_false(hazard_is_overdue(NULL, "2026-03-11"));
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(hazard_state_name(ST(REPORTED)), "reported");
	assert_string_equal(hazard_state_name(ST(ASSIGNED)), "assigned");
	assert_string_equal(hazard_state_name(ST(RECTIFIED)), "rectified");
	assert_string_equal(hazard_state_name(ST(VERIFIED)), "verified");
	assert_string_equal(hazard_state_name(ST(CLOSED)), "closed");
	assert_string_equal(hazard_state_name(ST(UNSPECIFIED)), "unspecified");
	assert_string_equal(hazard_state_name((Safecampus__HazardState)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_full_life),
		cmocka_unit_test(test_every_state_every_action),
		cmocka_unit_test(test_reason_text),
		cmocka_unit_test(test_note_anywhere),
		cmocka_unit_test(test_assign_roles),
		cmocka_unit_test(test_close_roles),
		cmocka_unit_test(test_verify_by_rectifier_refused),
		cmocka_unit_test(test_assign_fields),
		cmocka_unit_test(test_deadline_before_found),
		cmocka_unit_test(test_reassign),
		cmocka_unit_test(test_notes_required),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_bad_events),
		cmocka_unit_test(test_escalate_anywhere),
		cmocka_unit_test(test_escalate_levels),
		cmocka_unit_test(test_escalate_new_deadline),
		cmocka_unit_test(test_escalation_names),
		cmocka_unit_test(test_overdue),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
