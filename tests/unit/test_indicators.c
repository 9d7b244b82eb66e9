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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hazard_due),
		cmocka_unit_test(test_hazard_overdue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
