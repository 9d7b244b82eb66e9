/* A school's owed submissions and rates counted locally (common/owed.c)
 * and the calendar rules under them (common/kind_due.c: the period, the
 * letters' due day), on records in memory with every expected number
 * worked out by hand in the comments: sc_owed_of and sc_rates_of's rules
 * (server/sql/029_rates.sql). tests/e2e/numbers_agree.sh compares the
 * same code with the server's SQL on a generated district. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kind_due.h"
#include "mem_env.h"
#include "owed.h"

static int next_id;

/* make() with a fresh id; bureau: a record of the bureau (school "") */
static void add(struct mem *x, const char *kind, bool bureau, const char *fields)
{
	char id[37];
	Safecampus__Record *r;

	snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++next_id);
	r = make(kind, id, fields);
	if (bureau) {
		free(r->school);
		r->school = strdup("");
	}
	mem_add(x, r, 1000 + (uint64_t)next_id, (uint64_t)next_id, KIND_SYNCED);
}

/* the item's id: the last one add() gave */
static const char *last_id(struct mem *x)
{
	return x->r[x->n - 1]->id;
}

static void assert_rate(const struct owed_rate *k, unsigned e, unsigned r, unsigned o)
{
	assert_int_equal(k->expected, e);
	assert_int_equal(k->received, r);
	assert_int_equal(k->on_time, o);
}

/* ---------------------------------------------------------------- the calendar */

/* kind_due_period on day gives start..end, named name (NULL: any name) */
static void assert_period(const struct kind_env *env, const char *day, const char *start,
			  const char *end, const char *name)
{
	char s[11], e[11], n[64];

	assert_int_equal(kind_due_period(env, day, s, e, n, sizeof n), 0);
	assert_string_equal(s, start);
	assert_string_equal(e, end);
	if (name)
		assert_string_equal(n, name);
}

static void test_period_and_letters_day(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	char due[11];

	(void)state;
	/* no bureau calendar: the default terms (sc_terms) */
	assert_period(&env, "2026-03-20", "2026-02-20", "2026-07-10",
		      "Spring 2026 (default calendar)");
	/* summer: no term contains it, the latest begun is spring's */
	assert_period(&env, "2026-08-15", "2026-02-20", "2026-07-10", NULL);
	/* the autumn term runs over New Year */
	assert_period(&env, "2027-01-05", "2026-09-01", "2027-01-20", NULL);
	/* letters of 2026: the autumn term begun in 2025 counts from January
	 * 1st: + 30 days */
	assert_int_equal(kind_due_letters_day(&env, 2026, KIND_DUE_LETTER_DAYS, due), 0);
	assert_string_equal(due, "2026-01-31");

	/* the bureau's calendar replaces the defaults */
	add(&x, "calendar", true,
	    "term_name=2026-2027 autumn|term_start_date=2026-09-01|term_end_date=2027-01-22");
	/* a record without a real term is no calendar (sc_terms) */
	add(&x, "calendar", true, "term_name=draft|term_start_date=2026-09-01");
	assert_period(&env, "2026-10-08", "2026-09-01", "2027-01-22", "2026-2027 autumn");
	/* before any term begun: the calendar year to date */
	assert_period(&env, "2026-08-15", "2026-01-01", "2026-08-15", "2026 to date");
	assert_int_equal(kind_due_letters_day(&env, 2026, 30, due), 0);
	assert_string_equal(due, "2026-10-01");
	assert_int_equal(kind_due_letters_day(&env, 2027, 30, due), 0);
	assert_string_equal(due, "2027-01-31");
	assert_int_equal(kind_due_letters_day(&env, 2028, 30, due), SC_ENOTFOUND);
	mem_free(&x);
}

/* ---------------------------------------------------------------- the rates */

struct missing {
	char rows[16][160];
	size_t n;
};

static int missing_cb(void *arg, const struct owed *o)
{
	struct missing *m = arg;

	if (*o->made)
		return 0;
	assert_true(m->n < 16);
	snprintf(m->rows[m->n++], sizeof m->rows[0], "%s %s %s", owed_kind_name(o->kind), o->due,
		 o->what);
	return 0;
}

static bool has_row(const struct missing *m, const char *row)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->rows[i], row))
			return true;
	return false;
}

/* The default calendar's spring term 2026-02-20..07-10, as of 2026-03-20. */
static void test_rates_by_hand(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	struct owed_rate k[OWED_KINDS];
	struct missing m = { .n = 0 };
	const char *S = "2026-02-20", *E = "2026-07-10", *A = "2026-03-20";

	(void)state;
	/* notices: due 03-10, not reported: expected, missing. Due 04-10: not
	 * passed. Issued 03-25, after A: not owed. Due 02-10, before the
	 * period: not in it. For another school only: not owed. */
	add(&x, "notice", true, "title=N1|issue_date=2026-03-01|due_date=2026-03-10");
	add(&x, "notice", true, "title=N2|issue_date=2026-03-16|due_date=2026-04-10");
	add(&x, "notice", true, "title=N3|issue_date=2026-03-25|due_date=2026-03-30");
	add(&x, "notice", true, "title=N4|issue_date=2026-02-01|due_date=2026-02-10");
	add(&x, "notice", true,
	    "title=N5|issue_date=2026-03-01|due_date=2026-03-10|targets=sch-002");
	/* drills: February's last school day is Friday 02-27; a drill with
	 * plan and feedback on Saturday 02-28 is received, late. March's
	 * (due 03-31, not passed) is made on 03-05: counted, on time. A drill
	 * without feedback answers nothing. April to July: not passed, not
	 * made. */
	add(&x, "drill", false, "drill_date=2026-02-28|plan_ref=P|feedback=ok");
	add(&x, "drill", false, "drill_date=2026-03-05|plan_ref=P|feedback=ok");
	add(&x, "drill", false, "drill_date=2026-03-10|plan_ref=P");
	/* letters of 2026 are due 01-31 (default calendar), before the
	 * period: none are owed in it, whoever is on the staff */
	add(&x, "staff", false, "name=Wang|staff_role=head_teacher");
	/* an item every 10 days, its row's last check 02-01 (due 02-11);
	 * checks 02-25 (late for 02-11) and 03-01 (on time for 03-07); due
	 * again 03-11, not checked: 02-11 is before the period (listed as
	 * made, not rated), 03-07 received on time, 03-11 missing. */
	add(&x, "equipment", false,
	    "item=Ext|location=Hall|interval_days=10|last_check_date=2026-02-01|next_due_date="
	    "2026-02-11");
	{
		char f[160];
		snprintf(f, sizeof f, "equipment_id=%s|check_date=2026-02-25", last_id(&x));
		add(&x, "equipment_check", false, f);
		snprintf(f, sizeof f, "equipment_id=%s|check_date=2026-03-01", x.r[x.n - 2]->id);
		add(&x, "equipment_check", false, f);
	}
	/* an item due 03-05, checked that day: on time (the due day is); due
	 * again 03-15, not checked: missing */
	add(&x, "equipment", false,
	    "item=Hose|location=Yard|interval_days=10|next_due_date=2026-03-05");
	{
		char f[160];
		snprintf(f, sizeof f, "equipment_id=%s|check_date=2026-03-05", last_id(&x));
		add(&x, "equipment_check", false, f);
	}
	/* an item overdue since 2025-12-31 (checked 2025-12-01, every 30
	 * days): a standing obligation, missing, never in the period's rates */
	add(&x, "equipment", false,
	    "item=Alarm|location=Kitchen|interval_days=30|installed_date=2025-01-01|last_check_"
	    "date=2025-12-01");
	/* buses: inspection due 03-01: expected, not received; due 02-01:
	 * missing but before the period; inactive, or not yet due: nothing */
	add(&x, "bus", false, "plate=B1|next_inspection_date=2026-03-01");
	add(&x, "bus", false, "plate=B2|next_inspection_date=2026-02-01");
	add(&x, "bus", false, "plate=B3|next_inspection_date=2026-03-01|inactive=true");
	add(&x, "bus", false, "plate=B4|next_inspection_date=2026-04-01");

	assert_int_equal(owed_rates(&env, S, E, A, k), 0);
	assert_rate(&k[OWED_NOTICE_REPORT], 1, 0, 0);
	assert_rate(&k[OWED_DRILL], 2, 2, 1);
	assert_rate(&k[OWED_LETTER], 0, 0, 0);
	assert_rate(&k[OWED_EQUIPMENT_CHECK], 4, 2, 2);
	assert_rate(&k[OWED_BUS_INSPECTION], 1, 0, 0);

	assert_int_equal(owed_each(&env, S, E, A, missing_cb, &m), 0);
	assert_int_equal(m.n, 6);
	assert_true(has_row(&m, "notice_report 2026-03-10 notice report: N1"));
	assert_true(has_row(&m, "equipment_check 2026-03-11 equipment check: Ext (Hall)"));
	assert_true(has_row(&m, "equipment_check 2026-03-15 equipment check: Hose (Yard)"));
	assert_true(has_row(&m, "equipment_check 2025-12-31 equipment check: Alarm (Kitchen)"));
	assert_true(has_row(&m, "bus_inspection 2026-03-01 bus inspection: B1"));
	assert_true(has_row(&m, "bus_inspection 2026-02-01 bus inspection: B2"));

	/* a period ending before today: A is its end, drills still count
	 * against today. Over 02-20..02-27 February's drill is owed (due
	 * 02-27, before today though not before A) and not made by A (the
	 * drill of 02-28 is after it). */
	assert_int_equal(owed_rates(&env, S, "2026-02-27", A, k), 0);
	assert_rate(&k[OWED_DRILL], 1, 0, 0);
	/* the same staff once letters fall due in the period (the bureau's
	 * calendar: 2026-10-01): expected, not received */
	add(&x, "calendar", true,
	    "term_name=autumn|term_start_date=2026-09-01|term_end_date=2027-01-22");
	assert_int_equal(owed_rates(&env, "2026-09-01", "2027-01-22", "2026-10-08", k), 0);
	assert_rate(&k[OWED_LETTER], 1, 0, 0);
	/* dates that are not days */
	assert_int_equal(owed_rates(&env, "2026-13-01", E, A, k), SC_EINVALID);
	assert_int_equal(owed_rates(&env, E, S, A, k), SC_EINVALID);
	mem_free(&x);
}

/* ---------------------------------------------------------------- "1530" */

/* adds a session of slot for the class cls on day; deleted: withdrawn */
static void session(struct mem *x, const char *cls, const char *slot, const char *day, bool deleted)
{
	char f[160];

	snprintf(f, sizeof f, "school_class_id=%s|slot=%s|session_date=%s|minutes=5", cls, slot,
		 day);
	add(x, "education", false, f);
	x->r[x->n - 1]->deleted = deleted;
}

/* A two-week term with a holiday on Friday 03-06 and a makeup day on
 * Saturday 03-07, as of Tuesday 03-10; every number worked out from
 * 010's sc_calendar and sc_indicator_values:
 *   school days 02 03 04 05 07 | 09 10 11 12 13
 *   daily: every one; weekly: 07 and 13 (the last of each week); weekend:
 *   07 (no holiday before the next school day, 09); holiday: 05 (the
 *   holiday 06 comes before the next, 07) and 13 (the term's end).
 * Class A is open throughout, B from 03-09, C is withdrawn.
 * Due before 03-10: daily A 02 03 04 05 07 + A, B 09 = 7; weekly, weekend
 * and holiday on 07, 07, 05 for A = 3: 10.
 * Held: A daily 02 03 04 (twice: once) 05 = 4; B daily 09 = 1 (its 05 was
 * before it opened); A weekly on 03-03 answers 07's week = 1; A holiday on
 * 03-04 answers 05 = 1; and early, for occasions not yet passed (counted
 * as due too): A daily 11, A holiday 03-08 for 13 = 2. B's holiday session
 * of 03-12 comes after today: nothing. C's session and a withdrawn one:
 * nothing. Held 9 of due 12. */
static void test_sessions_by_hand(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	struct owed_rate k;
	char a[37], b[37], c[37], day[11];

	(void)state;
	/* no class, no session (the default calendar): nothing due */
	assert_int_equal(owed_sessions(&env, "2026-03-02", "2026-03-13", "2026-03-10", &k), 0);
	assert_rate(&k, 0, 0, 0);
	add(&x, "calendar", true,
	    "term_name=T|term_start_date=2026-03-02|term_end_date=2026-03-13|holidays=2026-03-06|"
	    "makeup_days=2026-03-07");
	add(&x, "school_class", false, "grade=1|name=1-1");
	snprintf(a, sizeof a, "%s", last_id(&x));
	add(&x, "school_class", false, "grade=1|name=1-2|opened_date=2026-03-09");
	snprintf(b, sizeof b, "%s", last_id(&x));
	add(&x, "school_class", false, "grade=1|name=1-3");
	snprintf(c, sizeof c, "%s", last_id(&x));
	x.r[x.n - 1]->deleted = true;
	/* classes and no session yet, as at a school that has just started: all
	 * due, none held (this crashed: the per-class marks were made only when
	 * there were sessions, and written whenever there were classes) */
	assert_int_equal(owed_sessions(&env, "2026-03-02", "2026-03-13", "2026-03-10", &k), 0);
	assert_true(k.expected > 0);
	assert_int_equal(k.received, 0);
	session(&x, a, "daily_1", "2026-03-02", false);
	session(&x, a, "daily_1", "2026-03-03", false);
	session(&x, a, "daily_1", "2026-03-04", false);
	session(&x, a, "daily_1", "2026-03-04", false);
	session(&x, a, "daily_1", "2026-03-05", false);
	session(&x, b, "daily_1", "2026-03-05", false);
	session(&x, b, "daily_1", "2026-03-09", false);
	session(&x, a, "daily_1", "2026-03-09", true);
	session(&x, a, "daily_1", "2026-03-11", false);
	session(&x, c, "daily_1", "2026-03-02", false);
	session(&x, a, "weekly_10", "2026-03-03", false);
	session(&x, a, "holiday_30", "2026-03-04", false);
	session(&x, b, "holiday_30", "2026-03-12", false);
	session(&x, a, "holiday_30", "2026-03-08", false);

	assert_int_equal(owed_sessions(&env, "2026-03-02", "2026-03-13", "2026-03-10", &k), 0);
	assert_rate(&k, 12, 9, 9);
	/* before the period: no window, nothing due */
	assert_int_equal(owed_sessions(&env, "2026-03-02", "2026-03-13", "2026-03-01", &k), 0);
	assert_rate(&k, 0, 0, 0);
	/* as of 03-03: due A's daily of 02 = 1; held A's daily 02 = 1, and
	 * early (due too) A's daily 03 04 05 11, B's 09 and A's weekly = 6;
	 * the holiday sessions come after today: nothing. 7 of 7 */
	assert_int_equal(owed_sessions(&env, "2026-03-02", "2026-03-13", "2026-03-03", &k), 0);
	assert_rate(&k, 7, 7, 7);
	assert_int_equal(owed_sessions(&env, "2026-03-13", "2026-03-02", "2026-03-10", &k),
			 SC_EINVALID);
	/* the day they fell due: the last school day before min(end, today):
	 * Monday 03-09 before 03-10; the makeup Saturday 03-07 before 03-09,
	 * not the holiday 03-06 nor Sunday; 03-12 once the term is over; none
	 * before the term's first day */
	assert_int_equal(owed_sessions_due(&env, "2026-03-02", "2026-03-13", "2026-03-10", day), 0);
	assert_string_equal(day, "2026-03-09");
	assert_int_equal(owed_sessions_due(&env, "2026-03-02", "2026-03-13", "2026-03-09", day), 0);
	assert_string_equal(day, "2026-03-07");
	assert_int_equal(owed_sessions_due(&env, "2026-03-02", "2026-03-13", "2026-04-20", day), 0);
	assert_string_equal(day, "2026-03-12");
	assert_int_equal(owed_sessions_due(&env, "2026-03-02", "2026-03-13", "2026-03-02", day), 0);
	assert_string_equal(day, "");
	assert_int_equal(owed_sessions_due(&env, "2026-03-13", "2026-03-02", "2026-03-10", day),
			 SC_EINVALID);
	mem_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_and_letters_day),
		cmocka_unit_test(test_rates_by_hand),
		cmocka_unit_test(test_sessions_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
