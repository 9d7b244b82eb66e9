/* common/indicators.c: the definitions both sides share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "indicators.h"

#define SEV(x) SAFECAMPUS__SEVERITY__SEVERITY_##x
#define HST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x

static void test_hazard_due(void **state)
{
	char due[11];
	(void)state;

	/* no deadline: found + the severity's days */
	assert_int_equal(indicators_hazard_due("2026-09-01", "", SEV(CRITICAL), due), 0);
	assert_string_equal(due, "2026-09-04");
	assert_int_equal(indicators_hazard_due("2026-09-01", NULL, SEV(HIGH), due), 0);
	assert_string_equal(due, "2026-09-08");
	assert_int_equal(indicators_hazard_due("2026-09-01", "", SEV(MEDIUM), due), 0);
	assert_string_equal(due, "2026-09-16");
	assert_int_equal(indicators_hazard_due("2026-12-20", "", SEV(LOW), due), 0);
	assert_string_equal(due, "2027-01-19");
	/* unspecified and out-of-range severities count as medium */
	assert_int_equal(indicators_hazard_due("2026-09-01", "", SEV(UNSPECIFIED), due), 0);
	assert_string_equal(due, "2026-09-16");
	assert_int_equal(indicators_hazard_days(99), 15);
	assert_int_equal(indicators_hazard_days(-1), 15);
	/* a deadline wins, even a later one */
	assert_int_equal(indicators_hazard_due("2026-09-01", "2026-12-31", SEV(CRITICAL), due), 0);
	assert_string_equal(due, "2026-12-31");
	/* nothing to go by */
	assert_int_equal(indicators_hazard_due("", "", SEV(LOW), due), SC_EINVALID);
	assert_int_equal(indicators_hazard_due("2026-02-30", "", SEV(LOW), due), SC_EINVALID);
}

static void test_hazard_overdue(void **state)
{
	struct hazard_status s;
	(void)state;

	hazard_status_init(&s);
	s.state = HST(REPORTED);
	/* never assigned: the clock runs from the found day (issue 10) */
	assert_false(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2026-09-08"));
	assert_true(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2026-09-09"));
	/* assigned with a later deadline: that deadline */
	s.state = HST(ASSIGNED);
	snprintf(s.deadline_date, sizeof s.deadline_date, "%s", "2026-10-01");
	assert_false(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2026-09-20"));
	assert_true(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2026-10-02"));
	/* verified or closed: never */
	s.state = HST(VERIFIED);
	assert_false(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2027-01-01"));
	s.state = HST(CLOSED);
	assert_false(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), "2027-01-01"));
	assert_false(indicators_hazard_overdue(NULL, "2026-09-01", SEV(HIGH), "2027-01-01"));
	assert_false(indicators_hazard_overdue(&s, "2026-09-01", SEV(HIGH), NULL));
}

/* Current staff and who holds a letter: 010's `st` and dash_letter. */
static void test_letters(void **state)
{
	Safecampus__Staff s = SAFECAMPUS__STAFF__INIT;
	Safecampus__Letter l = SAFECAMPUS__LETTER__INIT;
	(void)state;

	s.name = "王校长";
	assert_true(indicators_staff_current(&s, "2026-03-01"));
	s.joined_date = "2026-03-02";
	assert_false(indicators_staff_current(&s, "2026-03-01")); /* not yet joined */
	s.joined_date = "2020-09-01";
	s.left_date = "2026-03-01";
	assert_false(indicators_staff_current(&s, "2026-03-01")); /* left that day */
	assert_true(indicators_staff_current(&s, "2026-02-28"));
	s.left_date = "";
	s.inactive = true;
	assert_false(indicators_staff_current(&s, "2026-03-01")); /* gone, day unknown */
	s.left_date = "2026-06-30";
	assert_true(indicators_staff_current(&s, "2026-03-01")); /* leaving later */

	l.year = 2026;
	l.signer = "李老师";
	l.counter_signer = "王校长";
	l.signed_date = "2026-03-01";
	assert_true(
		indicators_letter_holds(&l, l.signed_date, "id-li", "李老师", 2026, "2026-03-01"));
	assert_true(indicators_letter_holds(&l, l.signed_date, "id-wang", "王校长", 2026,
					    "2026-03-01"));
	assert_false(indicators_letter_holds(&l, l.signed_date, "id-zhao", "赵老师", 2026,
					     "2026-03-01"));
	assert_false(indicators_letter_holds(&l, l.signed_date, "id-li", "李老师", 2026,
					     "2026-02-28")); /* not yet signed */
	assert_false(indicators_letter_holds(&l, l.signed_date, "id-li", "李老师", 2025,
					     "2026-03-01")); /* another year */
	l.signer_staff_id = "id-other";
	assert_false(indicators_letter_holds(&l, l.signed_date, "id-li", "李老师", 2026,
					     "2026-03-01")); /* the id decides */
	assert_true(
		indicators_letter_holds(&l, l.signed_date, "id-other", "别名", 2026, "2026-03-01"));
	l.signed_date = "";
	assert_false(
		indicators_letter_holds(&l, l.signed_date, "id-other", "别名", 2026, "2026-03-01"));
}

/* The day a letter holds from: 025's sc_letter_since. */
static void test_letter_since(void **state)
{
	Safecampus__Letter l = SAFECAMPUS__LETTER__INIT;
	Safecampus__Signature g = SAFECAMPUS__SIGNATURE__INIT;
	Safecampus__Record r = SAFECAMPUS__RECORD__INIT;
	char out[11];

	(void)state;
	r.body_case = SAFECAMPUS__RECORD__BODY_LETTER;
	r.letter = &l;
	l.signed_date = "2026-02-25";
	indicators_letter_since(&r, NULL, out); /* recorded without signatures */
	assert_string_equal(out, "2026-02-25");
	indicators_letter_since(&r, "2026-03-02", out);
	assert_string_equal(out, "2026-02-25");
	r.signature = &g;
	g.signer = "sun";
	indicators_letter_since(&r, NULL, out); /* signed, awaiting the level above */
	assert_string_equal(out, "");
	indicators_letter_since(&r, "", out);
	assert_string_equal(out, "");
	indicators_letter_since(&r, "2026-03-02", out); /* concluded on the later day */
	assert_string_equal(out, "2026-03-02");
	indicators_letter_since(&r, "2026-02-20", out); /* a counter-signature dated first */
	assert_string_equal(out, "2026-02-25");
	l.signed_date = "";
	indicators_letter_since(&r, "2026-03-02", out); /* no signed date: holds nothing */
	assert_string_equal(out, "");
	/* and it holds for coverage only from that day */
	l.signed_date = "2026-02-25";
	l.year = 2026;
	l.signer = "孙老师";
	indicators_letter_since(&r, "2026-03-02", out);
	assert_false(indicators_letter_holds(&l, out, "id-sun", "孙老师", 2026, "2026-03-01"));
	assert_true(indicators_letter_holds(&l, out, "id-sun", "孙老师", 2026, "2026-03-02"));
}

/* An item's next due day: 005's sc_equipment_timeline_of. */
static void test_equipment_due(void **state)
{
	Safecampus__Equipment e = SAFECAMPUS__EQUIPMENT__INIT;
	char due[11], later[11];
	(void)state;

	assert_int_equal(indicators_equipment_due(&e, NULL, "2026-03-01", due), SC_ENOTFOUND);
	e.installed_date = "2025-01-10";
	e.interval_days = 30;
	assert_int_equal(indicators_equipment_due(&e, NULL, "2026-03-01", due), 0);
	assert_string_equal(due, "2025-02-09"); /* installed + interval */
	e.next_due_date = "2026-04-01";
	assert_int_equal(indicators_equipment_due(&e, "", "2026-03-01", due), 0);
	assert_string_equal(due, "2026-04-01"); /* before any check: next_due_date */
	e.last_check_date = "2025-06-01";
	assert_int_equal(indicators_equipment_due(&e, NULL, "2026-03-01", due), 0);
	assert_string_equal(due, "2025-07-01"); /* a check: its date + interval */
	assert_int_equal(indicators_equipment_due(&e, "2026-02-20", "2026-03-01", due), 0);
	assert_string_equal(due, "2026-03-22"); /* the later check */
	assert_int_equal(indicators_equipment_due(&e, "2026-03-05", "2026-03-01", due), 0);
	assert_string_equal(due, "2025-07-01"); /* a check after the day does not count */
	indicators_later_check("2026-01-01", "2026-02-01", "2026-03-01", later);
	assert_string_equal(later, "2026-02-01");
	indicators_later_check("2026-01-01", "2026-04-01", "2026-03-01", later);
	assert_string_equal(later, "2026-01-01");
	indicators_later_check(NULL, "", "2026-03-01", later);
	assert_string_equal(later, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hazard_due),    cmocka_unit_test(test_hazard_overdue),
		cmocka_unit_test(test_letters),       cmocka_unit_test(test_letter_since),
		cmocka_unit_test(test_equipment_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
