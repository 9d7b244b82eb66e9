/* The Dashboard messages built by server/dashboard.c from the rows of
 * tests/integration/dashboard_fixture.sql against a real PostgreSQL: a
 * school's (anonymised ranking), the bureau's (every school named, sync
 * health), a drill-down, a failing SQL, and date checks (split from
 * test_dashboard.c, which has the indicators; same needs: SC_PG_CONNINFO
 * and SC_SOURCE_DIR). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../server/dashboard.h"
#include "db.h"
#include "indicators.h"
#include "log.h"
#include "migrate.h"

#include "dashboard_harness.h"
#include "dash_loop.h"

/* ---- messages (server/dashboard.c) */

/* Runs the dashboard queries for focus against ci and returns the job. */
static struct dash_job *run_job(struct run *r, const char *ci, const char *const *focus, size_t n,
				const char *start, const char *end)
{
	struct dash_job *j = NULL;

	memset(r, 0, sizeof *r);
	assert_int_equal(uv_loop_init(&r->loop), 0);
	assert_int_equal(db_pool_new(&r->pool, &r->loop, ci, 1), 0);
	assert_int_equal(dash__job_run(r->pool, "60000ms", start, end, "2026-11-18", focus, n,
				       on_job, r, &j),
			 0);
	spin(r, &r->done);
	return j;
}

static void end_run(struct run *r, struct dash_job *j)
{
	dash__job_free(j);
	db_pool_close(r->pool, on_closed, r);
	spin(r, &r->closed);
	while (uv_run(&r->loop, UV_RUN_NOWAIT))
		;
	assert_int_equal(uv_loop_close(&r->loop), 0);
}

static Safecampus__Dashboard *build(struct dash_job *j, const char *scope, bool bureau)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(dash__build_packed(j, scope, bureau, "d1", 4u << 20, &buf, &len), 0);
	Safecampus__Dashboard *d = safecampus__dashboard__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(d);
	return d;
}

static const Safecampus__Indicator *find_ind(const Safecampus__Dashboard *d, const char *key)
{
	for (size_t i = 0; i < d->n_indicators; i++)
		if (!strcmp(d->indicators[i]->key, key))
			return d->indicators[i];
	fail_msg("no indicator %s", key);
	return NULL;
}

static void test_message_school(void **state)
{
	struct run r;
	const char *focus[] = { "sa" };
	(void)state;
	struct dash_job *j = run_job(&r, conninfo, focus, 1, "", "");
	assert_int_equal(dash__job_status(j), 0);
	Safecampus__Dashboard *d = build(j, "sa", false);

	assert_string_equal(d->scope, "sa");
	assert_string_equal(d->scope_label, "Alpha Primary");
	assert_string_equal(d->period_start_date, "2026-09-01");
	assert_string_equal(d->period_end_date, "2026-11-30");
	assert_string_equal(d->as_of_date, "2026-11-18");
	/* the district's letters' days (013's dashboard_due row), for the
	 * school's offline count */
	assert_non_null(d->rules);
	assert_int_equal(d->rules->letters_due_days, 30);
	dh_check_value("score", d->score, 68.1);
	assert_int_equal(d->rank, 1);
	assert_int_equal(d->of_schools, 4);
	const Safecampus__Indicator *x = find_ind(d, "education_1530");
	assert_true(x->has_value);
	dh_check_value("education", x->value, 71.67);
	dh_check_value("education weight", x->weight, 15);
	dh_check_value("education target", x->target, 95);
	assert_true(x->has_previous);
	dh_check_value("education previous", x->previous, 81.82);
	assert_string_equal(x->detail, "43 of 60 sessions");
	x = find_ind(d, "hazard_verify_days");
	dh_check_value("verify days", x->value, 30);
	assert_false(x->higher_is_better);
	assert_string_equal(x->unit, "days");
	/* the others anonymised, in rank order, ties sharing a rank */
	assert_int_equal(d->n_schools, 4);
	assert_string_equal(d->schools[1]->label, "School 2");
	assert_string_equal(d->schools[1]->school, "");
	assert_int_equal(d->schools[1]->n_indicators, 0);
	assert_string_equal(d->schools[0]->label, "Alpha Primary");
	assert_true(d->schools[0]->is_self);
	assert_int_equal(d->schools[0]->outbox_pending,
			 12); /* its own backlog; the others' not shown */
	assert_int_equal(d->schools[1]->outbox_pending, 0);
	assert_int_equal(d->schools[2]->rank, 3);
	assert_int_equal(d->schools[3]->rank, 4);
	assert_string_equal(d->schools[3]->school, "");
	/* its own alerts, no one else's; no sync health for a school */
	assert_int_equal(d->n_alerts, 5);
	for (size_t i = 0; i < d->n_alerts; i++)
		assert_string_equal(d->alerts[i]->school, "sa");
	assert_int_equal(d->n_health, 0);
	/* 013: its letter, equipment check and bus inspection, and "1530" per
	 * class (sc_missing's test has the working) */
	assert_int_equal(d->n_missing, 5);
	assert_string_equal(d->missing[0]->kind, "letter");
	assert_string_equal(d->missing[3]->kind, "education_1530");
	assert_string_equal(d->missing[3]->due_date, "2026-11-17");
	/* trends: every indicator and the score, September to November */
	assert_int_equal(d->n_trends, 21);
	const Safecampus__Trend *t = d->trends[1];
	assert_string_equal(t->key, "education_1530");
	assert_int_equal(t->n_months, 3);
	assert_string_equal(t->months[1]->month, "2026-10");
	dh_check_value("October education (September's)", t->months[1]->value, 81.82);
	dh_check_value("November education (the headline)", t->months[2]->value, 71.67);
	assert_string_equal(d->trends[20]->key, "score");
	assert_int_equal(d->n_hazard_ageing, 4);
	assert_int_equal(d->hazard_ageing[2]->open, 1);
	assert_int_equal(d->hazard_ageing[2]->overdue, 1);
	safecampus__dashboard__free_unpacked(d, NULL);
	end_run(&r, j);
}

static void test_message_bureau(void **state)
{
	struct run r;
	const char *focus[] = { "" };
	(void)state;
	struct dash_job *j = run_job(&r, conninfo, focus, 1, "2026-09-01", "2026-11-30");
	Safecampus__Dashboard *d = build(j, "", true);

	assert_string_equal(d->scope, "");
	assert_string_equal(d->scope_label, "d1");
	dh_check_value("district score", d->score, 30.7);
	assert_int_equal(d->rank, 0);
	dh_check_value("district drills", find_ind(d, "drills")->value, 50);
	/* every school named, with every indicator */
	assert_int_equal(d->n_schools, 4);
	assert_string_equal(d->schools[0]->school, "sa");
	assert_string_equal(d->schools[1]->label, "Gamma School");
	assert_int_equal(d->schools[0]->n_indicators, 20);
	assert_string_equal(d->schools[3]->label, "sd");
	/* the ranking's backlog: sa's east campus reported 12 unsent, the
	 * oldest from 2026-11-09 07:00 UTC; the others nothing */
	assert_int_equal(d->schools[0]->outbox_pending, 12);
	assert_int_equal(d->schools[0]->oldest_pending_ms, 1794207600000LL);
	for (size_t i = 1; i < d->n_schools; i++) {
		assert_int_equal(d->schools[i]->outbox_pending, 0);
		assert_int_equal(d->schools[i]->oldest_pending_ms, 0);
	}
	assert_int_equal(d->n_alerts, 10);
	/* sb 3 and sd 2 as in 004, sa's letter, equipment and bus (013), and a
	 * "1530" line per school with sessions missing: sa 60 - 43, sb 49 */
	assert_int_equal(d->n_missing, 10);
	assert_int_equal(
		d->n_flags,
		0); /* everything was received after the as-of day (test_dash_bureau has flags) */
	{
		size_t n1530 = 0;
		for (size_t i = 0; i < d->n_missing; i++)
			if (!strcmp(d->missing[i]->kind, "education_1530")) {
				n1530++;
				assert_string_equal(
					d->missing[i]->what,
					!strcmp(d->missing[i]->school, "sa")
						? "\"1530\" sessions: 17 of 60 not held"
						: "\"1530\" sessions: 49 of 49 not held");
				assert_string_equal(d->missing[i]->due_date, "2026-11-17");
			}
		assert_int_equal(n1530, 2);
		for (size_t i = 1; i < d->n_missing; i++) /* by school, then due date */
			assert_true(strcmp(d->missing[i - 1]->school, d->missing[i]->school) < 0 ||
				    (!strcmp(d->missing[i - 1]->school, d->missing[i]->school) &&
				     strcmp(d->missing[i - 1]->due_date, d->missing[i]->due_date) <=
					     0));
	}
	/* sync health: sa's two campuses as reported, sb and sc never connected */
	assert_int_equal(d->n_health, 5);
	assert_string_equal(d->health[0]->school, "sa");
	assert_string_equal(d->health[0]->campus, "east");
	assert_int_equal(d->health[0]->outbox_pending, 12);
	assert_int_equal(d->health[0]->oldest_pending_ms,
			 1794207600000LL); /* 2026-11-09 07:00 UTC */
	assert_string_equal(d->health[2]->school, "sb");
	assert_int_equal(d->health[2]->last_contact_ms, 0);
	safecampus__dashboard__free_unpacked(d, NULL);

	/* drill-down into sb: named ranking, its own alerts and health */
	assert_int_equal(dash__build_packed(j, "nosuch", true, "d1", 4u << 20, &(uint8_t *){ NULL },
					    &(size_t){ 0 }),
			 SC_ENOTFOUND);
	end_run(&r, j);
	const char *focus_sb[] = { "sb" };
	j = run_job(&r, conninfo, focus_sb, 1, "", "");
	d = build(j, "sb", true);
	assert_string_equal(d->scope_label, "Beta Middle");
	assert_int_equal(d->rank, 3);
	assert_int_equal(d->n_alerts, 3);
	assert_int_equal(d->n_missing, 4); /* + class 7-1's "1530" */
	assert_int_equal(d->n_health, 1);
	assert_string_equal(d->schools[2]->label, "Beta Middle");
	assert_true(d->schools[2]->is_self);
	assert_string_equal(d->schools[0]->label, "Alpha Primary");
	assert_string_equal(d->schools[1]->label, "Gamma School");
	assert_false(find_ind(d, "bus_mismatch")->has_value); /* no buses */
	safecampus__dashboard__free_unpacked(d, NULL);
	end_run(&r, j);
}

/* A failing SQL fails the job (the server answers Error INTERNAL). */
static void test_sql_failure(void **state)
{
	struct run r;
	const char *focus[] = { "" };
	(void)state;
	struct dash_job *j = run_job(&r, empty_conninfo, focus, 1, "", "");
	assert_int_equal(dash__job_status(j), SC_EDB);
	end_run(&r, j);
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(dash__check_date("2026-11-18"), 0);
	assert_int_equal(dash__check_date("2024-02-29"), 0);
	assert_int_equal(dash__check_date("2026-02-29"), -EINVAL);
	assert_int_equal(dash__check_date("2026-13-01"), -EINVAL);
	assert_int_equal(dash__check_date("2026-1-01"), -EINVAL);
	assert_int_equal(dash__check_date("26-11-18xx"), -EINVAL);
	assert_int_equal(dash__check_date("1800-01-01"), -EINVAL);
	assert_int_equal(dash__check_date(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_message_school),
		cmocka_unit_test(test_message_bureau),
		cmocka_unit_test(test_sql_failure),
	};

	if (dh_init())
		return 1;
	return cmocka_run_group_tests(tests, dh_setup, dh_teardown);
}
