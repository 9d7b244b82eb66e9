/* Dashboards against a real PostgreSQL: every indicator of the small district
 * in tests/integration/dashboard_fixture.sql, whose expected values are
 * worked out by hand (the fixture's comments show the working) and written
 * here as numbers, never computed by the SQL under test. Edge cases: a month
 * with no school days (October), a school with no buses (sb), a hazard
 * reopened after verification (sa's "blocked exit"), a notice issued after
 * the period (September-only period; the Helmet notice), a class added
 * mid-term (1-2, opened 11-09). The Dashboard messages built by
 * server/dashboard.c from the same rows are test_dashboard_msg.c; the shared
 * setup is dashboard_harness.h.
 *
 * Needs SC_PG_CONNINFO (tests/run.sh, or tests/lib/pg.sh by hand) and
 * SC_SOURCE_DIR (for the fixture; ctest sets it). Makes its own databases and
 * drops them at the end. SC_KEEP_DB=1 keeps them. */
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

static void must(const char *sql)
{
	assert_true(dh_exec_ok(pg, sql));
}

/* The single value of a query; NAN for NULL or no row. */
static double q1(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	double v = NAN;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s in: %s", PQresultErrorMessage(r), sql);
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strtod(PQgetvalue(r, 0, 0), NULL);
	PQclear(r);
	return v;
}

static char *qtext(const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	char *out;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s in: %s", PQresultErrorMessage(r), sql);
	out = strdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return out;
}

#define TERM "'2026-09-01', '2026-11-30', '2026-11-18'"

/* An indicator of sc_indicator_values for the term as of 2026-11-18. */
static double ind(const char *school, const char *win, const char *key)
{
	return q1("SELECT value FROM sc_indicator_values(" TERM
		  ") WHERE school = '%s' AND win = '%s' AND key = '%s'",
		  school, win, key);
}

struct want {
	const char *school, *win, *key;
	double value;
};

static void check_table(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char what[160];
		snprintf(what, sizeof what, "%s %s %s", w[i].school, w[i].win, w[i].key);
		dh_check_value(what, ind(w[i].school, w[i].win, w[i].key), w[i].value);
	}
}

/* ---- calendar and period */

static void test_calendar(void **state)
{
	(void)state;
	/* September 22 (with the make-up Saturday, without 09-25), October none,
	 * November 21 */
	dh_check_value(
		"September school days",
		q1("SELECT count(*) FROM sc_calendar('2026-09-01', '2026-11-30') WHERE day < "
		   "'2026-10-01'"),
		22);
	dh_check_value("October school days",
		       q1("SELECT count(*) FROM sc_calendar('2026-09-01', '2026-11-30') "
			  "WHERE day BETWEEN '2026-10-01' AND '2026-10-31'"),
		       0);
	dh_check_value(
		"November school days",
		q1("SELECT count(*) FROM sc_calendar('2026-09-01', '2026-11-30') WHERE day >= "
		   "'2026-11-01'"),
		21);
	char *weekly = qtext("SELECT string_agg(to_char(day, 'MM-DD'), ' ' ORDER BY day) "
			     "FROM sc_calendar('2026-09-01', '2026-11-30') WHERE weekly");
	assert_string_equal(weekly, "09-04 09-11 09-18 09-26 09-30 11-06 11-13 11-20 11-27 11-30");
	free(weekly);
	char *weekend = qtext("SELECT string_agg(to_char(day, 'MM-DD'), ' ' ORDER BY day) "
			      "FROM sc_calendar('2026-09-01', '2026-11-30') WHERE weekend");
	assert_string_equal(weekend, "09-04 09-11 09-18 09-26 11-06 11-13 11-20 11-27");
	free(weekend);
	char *holiday = qtext("SELECT string_agg(to_char(day, 'MM-DD'), ' ' ORDER BY day) "
			      "FROM sc_calendar('2026-09-01', '2026-11-30') WHERE holiday");
	assert_string_equal(holiday, "09-24 09-30 11-30");
	free(holiday);
}

static void test_period(void **state)
{
	(void)state;
	char *p = qtext("SELECT period_start || ' ' || period_end || ' ' || as_of || ' ' || label "
			"FROM sc_period(NULL, NULL, '2026-11-18')");
	assert_string_equal(p, "2026-09-01 2026-11-30 2026-11-18 Autumn 2026");
	free(p);
	/* after the term: the latest term begun */
	p = qtext("SELECT period_start || ' ' || period_end FROM sc_period(NULL, NULL, "
		  "'2026-12-15')");
	assert_string_equal(p, "2026-09-01 2026-11-30");
	free(p);
	/* without a calendar: the default terms (010), not the year to date
	 * with every weekday a school day */
	must("BEGIN");
	must("UPDATE calendar SET deleted = true");
	p = qtext("SELECT period_start || ' ' || period_end || ' ' || label FROM sc_period(NULL, "
		  "NULL, '2026-11-18')");
	must("ROLLBACK");
	assert_string_equal(p, "2026-09-01 2027-01-20 Autumn 2026 (default calendar)");
	free(p);
	must("BEGIN");
	must("UPDATE calendar SET deleted = true");
	/* October: 22 weekdays less the National Day week's 5 (10-01..10-07) */
	double oct = q1("SELECT count(*) FROM sc_calendar('2026-10-01', '2026-10-31')");
	/* summer: no school day from 07-11 to 08-31, so no month to drill in */
	double summer = q1("SELECT count(*) FROM sc_calendar('2026-07-11', '2026-08-31')");
	double july = q1("SELECT count(*) FROM sc_calendar('2026-07-01', '2026-07-31')");
	/* spring term 02-20..07-10 as of 2026-07-31: after it, the latest begun */
	p = qtext("SELECT period_start || ' ' || period_end FROM sc_period(NULL, NULL, "
		  "'2026-07-31')");
	double drills_summer = q1(
		"SELECT count(*) FROM sc_missing_drills('2026-01-01', '2026-08-31', '2026-09-01') "
		"WHERE month IN ('2026-07', '2026-08') AND due >= '2026-07-11'");
	must("ROLLBACK");
	dh_check_value("October school days without a calendar", oct, 17);
	dh_check_value("summer school days without a calendar", summer, 0);
	dh_check_value("July school days without a calendar", july, 8); /* 07-01..07-10 */
	dh_check_value("summer months without a drill", drills_summer, 0);
	assert_string_equal(p, "2026-02-20 2026-07-10");
	free(p);
}

/* ---- indicators */

static void test_indicators_term(void **state)
{
	(void)state;
	static const struct want w[] = {
		/* sa: everything, see the fixture */
		{ "sa", "period", "drills", 100 },
		{ "sa", "period", "education_1530", 71.67 },
		{ "sa", "period", "education_daily", 80.95 },
		{ "sa", "period", "education_weekly", 55.56 },
		{ "sa", "period", "education_weekend", 42.86 },
		{ "sa", "period", "education_holiday", 50 },
		{ "sa", "period", "hazards_open", 3 },
		{ "sa", "period", "hazards_overdue", 1 },
		{ "sa", "period", "hazard_verify_days", 30 },
		{ "sa", "period", "letters", 75 },
		{ "sa", "period", "notices_acknowledged", 100 },
		{ "sa", "period", "notices_on_time", 50 },
		{ "sa", "period", "notices_late", 1 },
		{ "sa", "period", "notices_missing", 0 },
		{ "sa", "period", "bus_mismatch", 2 },
		{ "sa", "period", "bus_inspection_overdue", 1 },
		{ "sa", "period", "equipment_overdue", 1 },
		{ "sa", "period", "gate_duty", 17.14 },
		{ "sa", "period", "risks_open", 2 },
		{ "sa", "period", "risks_overdue", 1 },
		/* sb: a class without sessions, no buses, nothing done */
		{ "sb", "period", "drills", 0 },
		{ "sb", "period", "education_1530", 0 },
		{ "sb", "period", "education_holiday", 0 },
		{ "sb", "period", "hazards_open", 0 },
		{ "sb", "period", "hazards_overdue", 0 },
		{ "sb", "period", "hazard_verify_days", NONE },
		{ "sb", "period", "letters", 100 },
		{ "sb", "period", "notices_acknowledged", 33.33 },
		{ "sb", "period", "notices_on_time", 0 },
		{ "sb", "period", "notices_missing", 2 },
		{ "sb", "period", "bus_mismatch", NONE },
		{ "sb", "period", "bus_inspection_overdue", NONE },
		{ "sb", "period", "equipment_overdue", NONE },
		{ "sb", "period", "gate_duty", 0 },
		{ "sb", "period", "risks_overdue", 0 },
		/* sc: no classes, no staff; drills done (November counted early) */
		{ "sc", "period", "drills", 100 },
		{ "sc", "period", "education_1530", NONE },
		{ "sc", "period", "letters", NONE },
		{ "sc", "period", "notices_acknowledged", 50 },
		{ "sc", "period", "notices_on_time", 100 },
		{ "sc", "period", "bus_mismatch", 0 },
		{ "sc", "period", "bus_inspection_overdue", 0 },
		{ "sc", "period", "gate_duty", 0 },
		/* sd: connected once, nothing else */
		{ "sd", "period", "drills", 0 },
		{ "sd", "period", "notices_on_time", 0 },
		{ "sd", "period", "notices_missing", 1 },
		{ "sd", "period", "education_1530", NONE },
	};
	check_table(w, sizeof w / sizeof w[0]);
	dh_check_value("sa drills months",
		       q1("SELECT den FROM sc_indicator_values(" TERM ") "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'drills'"),
		       1);
	dh_check_value("sa 1530 due",
		       q1("SELECT den FROM sc_indicator_values(" TERM ") "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'education_1530'"),
		       60);
	dh_check_value("hidden school",
		       q1("SELECT count(*) FROM sc_indicator_values(" TERM ") WHERE school = 'sx'"),
		       0);
}

static void test_indicators_months(void **state)
{
	(void)state;
	static const struct want w[] = {
		{ "sa", "2026-09", "education_1530", 81.82 },
		{ "sa", "2026-09", "drills", 100 },
		{ "sa", "2026-09", "hazards_open", 1 },
		{ "sa", "2026-09", "hazards_overdue", 0 },
		{ "sa", "2026-09", "hazard_verify_days",
		  9 },                              /* median(7, 11): h2 not yet reopened */
		{ "sa", "2026-09", "letters", 75 }, /* Qian still there, Zhao not yet */
		{ "sa", "2026-09", "equipment_overdue", 0 },
		{ "sa", "2026-09", "gate_duty", 18.18 },
		{ "sa", "2026-09", "bus_mismatch", 1 },
		/* a month's point is the period from its start to the month's end
		 * (010): October has no school days, so it is September's flows
		 * with October's stocks */
		{ "sa", "2026-10", "education_1530", 81.82 },
		{ "sa", "2026-10", "drills", 100 },
		{ "sa", "2026-10", "gate_duty", 18.18 },
		{ "sa", "2026-10", "hazards_open", 1 },
		{ "sa", "2026-10", "hazards_overdue", 1 },
		{ "sa", "2026-10", "hazard_verify_days", 9 }, /* h1 and h2 verified since 09-01 */
		{ "sa", "2026-10", "letters", 100 },
		{ "sa", "2026-10", "equipment_overdue", 2 },
		{ "sa", "2026-10", "bus_mismatch", 1 },
		/* November, the as-of month: the headline's own values */
		{ "sa", "2026-11", "education_1530", 71.67 },
		{ "sa", "2026-11", "drills", 100 },
		{ "sa", "2026-11", "hazards_open", 3 },
		{ "sa", "2026-11", "hazard_verify_days", 30 },
		{ "sa", "2026-11", "gate_duty", 17.14 },
		{ "sa", "2026-11", "equipment_overdue", 1 },
		{ "sa", "2026-11", "bus_mismatch", 2 },
		{ "sa", "previous", "education_1530", 81.82 },
		{ "sa", "previous", "hazards_overdue", 1 },
		{ "sa", "previous", "hazard_verify_days", 9 },
		{ "sa", "previous", "letters", 100 },
		{ "sa", "previous", "equipment_overdue", 2 },
		{ "sa", "previous", "notices_on_time", 100 },
		{ "sa", "previous", "bus_inspection_overdue", 0 },
	};
	check_table(w, sizeof w / sizeof w[0]);
	/* the trend's last point is the headline, for every school, indicator
	 * and the score (issue 10: the line ended at 80, the headline at 50) */
	dh_check_value("trend points differing from the headline",
		       q1("SELECT count(*) FROM sc_dashboard_values(" TERM
			  ", '{sa,sb,sc,sd,\"\"}') p "
			  "JOIN sc_dashboard_values(" TERM ", '{sa,sb,sc,sd,\"\"}') m "
			  "ON m.school = p.school AND m.key = p.key AND m.win = '2026-11' "
			  "WHERE p.win = 'period' AND (p.value IS DISTINCT FROM m.value "
			  "OR p.score IS DISTINCT FROM m.score)"),
		       0);
}

/* A notice issued after the period is not in it: September alone leaves out
 * "Fire day 119" (issued 11-01). */
static void test_notice_after_period(void **state)
{
	(void)state;
#define SEPT "'2026-09-01', '2026-09-30', '2026-11-18'"
	dh_check_value("sa notices in September",
		       q1("SELECT den FROM sc_indicator_values(" SEPT ") WHERE school = 'sa' "
			  "AND win = 'period' AND key = 'notices_acknowledged'"),
		       2);
	dh_check_value("sa on time in September",
		       q1("SELECT value FROM sc_indicator_values(" SEPT ") WHERE school = 'sa' "
			  "AND win = 'period' AND key = 'notices_on_time'"),
		       100);
	dh_check_value("sb missing in September",
		       q1("SELECT value FROM sc_indicator_values(" SEPT ") WHERE school = 'sb' "
			  "AND win = 'period' AND key = 'notices_missing'"),
		       1);
	dh_check_value("Helmet notice (issued 11-20) nowhere",
		       q1("SELECT count(*) FROM sc_missing(" TERM ") WHERE what LIKE '%%Helmet%%'"),
		       0);
}

static void test_education_by_class(void **state)
{
	(void)state;
	char *t = qtext(
		"SELECT string_agg(class_name || ':' || slot || '=' || held || '/' || due, ' ' "
		"ORDER BY class_name, slot) FROM sc_education_by_class(" TERM ", 'sa')");
	assert_string_equal(
		t, "1-1:daily_1=28/35 1-1:holiday_30=1/2 1-1:weekend_5=3/6 1-1:weekly_10=4/8 "
		   "1-2:daily_1=6/7 1-2:holiday_30=0/0 1-2:weekend_5=0/1 1-2:weekly_10=1/1");
	free(t);
}

static void test_scores_and_rank(void **state)
{
	(void)state;
	static const struct {
		const char *school, *win;
		double score, rank;
	} w[] = {
		/* an indicator built from records a school has none of scores 0
		 * (010; the fixture's "composite" shows the working): sc, with two
		 * drills and a bus, was first with 92.3; sd, nothing, is last */
		{ "sa", "period", 68.1, 1 },   { "sc", "period", 42.1, 2 },
		{ "sb", "period", 12.5, 3 },   { "sd", "period", 0.0, 4 },
		{ "sa", "previous", 83.9, 1 }, { "sc", "previous", 42.1, 2 },
		{ "", "period", 30.7, 0 },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "score %s %s", w[i].school, w[i].win);
		dh_check_value(what,
			       q1("SELECT value FROM sc_dashboard_values(" TERM
				  ", '{}') WHERE school = '%s' "
				  "AND win = '%s' AND key = 'score'",
				  w[i].school, w[i].win),
			       w[i].score);
		snprintf(what, sizeof what, "rank %s %s", w[i].school, w[i].win);
		dh_check_value(what,
			       q1("SELECT num FROM sc_dashboard_values(" TERM
				  ", '{}') WHERE school = '%s' "
				  "AND win = '%s' AND key = 'score'",
				  w[i].school, w[i].win),
			       w[i].rank);
	}
	/* per-indicator scores: higher-is-better against target, lower-is-better
	 * linear from target to worst */
	dh_check_value("sa education score",
		       q1("SELECT score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'education_1530'"),
		       75.44);
	dh_check_value("sa verify-days score",
		       q1("SELECT score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'hazard_verify_days'"),
		       65.22);
	/* district averages over the schools where the indicator applies */
	dh_check_value("district drills",
		       q1("SELECT value FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = '' AND win = 'period' AND key = 'drills'"),
		       50);
	dh_check_value("district education",
		       q1("SELECT value FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = '' AND win = 'period' AND key = 'education_1530'"),
		       35.84); /* (71.67 + 0) / 2 */
	/* "no records" keeps the weight and says why; not applicable does not */
	char *why = qtext("SELECT detail || ' ' || score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sd' AND win = 'period' AND key = 'letters'");
	assert_string_equal(why, "no staff; no records: scored 0 0");
	free(why);
	dh_check_value("sb hazards without an inspection",
		       q1("SELECT score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sb' AND win = 'period' AND key = 'hazards_overdue'"),
		       0);
	dh_check_value("sb bus (profile: no buses)",
		       q1("SELECT count(*) FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sb' AND win = 'period' AND key LIKE 'bus%%' "
			  "AND score IS NOT NULL"),
		       0);
	dh_check_value("sd bus (no profile)",
		       q1("SELECT score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sd' AND win = 'period' AND key = 'bus_mismatch'"),
		       0);
	/* recording one inspection is what lets "no hazard overdue" count */
	must("BEGIN");
	must("INSERT INTO inspection (id, school, campus, hlc, seq, written_by, inspection_date, "
	     "level, focus, inspector) "
	     "VALUES (gen_random_uuid(), 'sb', 'main', 100, nextval('sync_seq'), 'main', "
	     "'2026-09-10', 'leadership', 'fire', 'B Head')");
	dh_check_value("sb hazards after an inspection",
		       q1("SELECT score FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sb' AND win = 'period' AND key = 'hazards_overdue'"),
		       100);
	must("ROLLBACK");
	/* months only for the schools asked for */
	dh_check_value("months of sa only",
		       q1("SELECT count(DISTINCT school) FROM sc_dashboard_values(" TERM
			  ", '{sa}') "
			  "WHERE win = '2026-09'"),
		       1);
}

/* Every open hazard has a clock from the day it was found (issue 10): one
 * never assigned is overdue once found + the district's days for its
 * severity have passed; the defaults are common/indicators.c's. */
static void test_hazard_clock(void **state)
{
	static const struct {
		const char *name;
		int sev;
	} sev[] = {
		{ "critical", SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL },
		{ "high", SAFECAMPUS__SEVERITY__SEVERITY_HIGH },
		{ "medium", SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM },
		{ "low", SAFECAMPUS__SEVERITY__SEVERITY_LOW },
		{ "", SAFECAMPUS__SEVERITY__SEVERITY_UNSPECIFIED },
	};
	(void)state;
	for (size_t i = 0; i < sizeof sev / sizeof sev[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "clock days '%s' (SQL = C)", sev[i].name);
		dh_check_value(what,
			       q1("SELECT days FROM dashboard_hazard_clock WHERE severity = '%s'",
				  sev[i].name),
			       indicators_hazard_days(sev[i].sev));
	}
	dh_check_value("clock rows", q1("SELECT count(*) FROM dashboard_hazard_clock"), 5);
	must("BEGIN");
	/* found 11-01, critical, nobody assigned it: due 11-04, overdue from 11-05 */
	must("INSERT INTO hazard (id, school, campus, hlc, seq, written_by, title, area, severity, "
	     "found_date, state) "
	     "VALUES ('00000000-0000-4000-8000-0000000000b7', 'sa', 'main', 100, "
	     "nextval('sync_seq'), 'main', "
	     "'gas smell again', 'fire', 'critical', '2026-11-01', 'reported')");
	/* found 11-10, low: due 12-10, not yet */
	must("INSERT INTO hazard (id, school, campus, hlc, seq, written_by, title, area, severity, "
	     "found_date, state) "
	     "VALUES ('00000000-0000-4000-8000-0000000000b8', 'sa', 'main', 100, "
	     "nextval('sync_seq'), 'main', "
	     "'scratched door', 'facility', 'low', '2026-11-10', 'reported')");
	dh_check_value("sa overdue with the clock",
		       q1("SELECT value FROM sc_indicator_values(" TERM ") WHERE school = 'sa' "
			  "AND win = 'period' AND key = 'hazards_overdue'"),
		       2);
	dh_check_value("sa open with the clock",
		       q1("SELECT value FROM sc_indicator_values(" TERM ") WHERE school = 'sa' "
			  "AND win = 'period' AND key = 'hazards_open'"),
		       5);
	char *a = qtext("SELECT since || ' ' || severity FROM sc_alerts(" TERM ") "
			"WHERE kind = 'hazard_overdue' AND right(record_id, 2) = 'b7'");
	assert_string_equal(a, "2026-11-05 critical");
	free(a);
	dh_check_value("the low one raises nothing",
		       q1("SELECT count(*) FROM sc_alerts(" TERM ") "
			  "WHERE kind = 'hazard_overdue' AND right(record_id, 2) = 'b8'"),
		       0);
	/* the district's rule, edited: low hazards within 5 days */
	must("UPDATE dashboard_hazard_clock SET days = 5 WHERE severity = 'low'");
	dh_check_value("sa overdue, low within 5 days",
		       q1("SELECT value FROM sc_indicator_values(" TERM ") WHERE school = 'sa' "
			  "AND win = 'period' AND key = 'hazards_overdue'"),
		       4);
	must("ROLLBACK");
}

/* Weights and targets are the district's configuration. */
static void test_configuration(void **state)
{
	(void)state;
	must("BEGIN");
	must("UPDATE dashboard_indicator SET weight = 0");
	must("UPDATE dashboard_indicator SET weight = 1 WHERE key = 'drills'");
	dh_check_value("sa drills only",
		       q1("SELECT value FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'score'"),
		       100);
	dh_check_value("sa rank drills only",
		       q1("SELECT num FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'score'"),
		       1);
	dh_check_value("sb rank drills only",
		       q1("SELECT num FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sb' AND win = 'period' AND key = 'score'"),
		       3);
	/* gate duty alone, target 20: sa 17.14 scores 85.7 */
	must("UPDATE dashboard_indicator SET weight = CASE WHEN key = 'gate_duty' THEN 1 ELSE 0 "
	     "END, "
	     "target = CASE WHEN key = 'gate_duty' THEN 20 ELSE target END");
	dh_check_value("sa gate target 20",
		       q1("SELECT value FROM sc_dashboard_values(" TERM ", '{}') "
			  "WHERE school = 'sa' AND win = 'period' AND key = 'score'"),
		       85.7);
	must("ROLLBACK");
}

static void test_alerts_missing_ageing(void **state)
{
	(void)state;
	char *t = qtext(
		"SELECT string_agg(school || ' ' || kind || ' ' || since || ' ' || severity || ' ' "
		"|| "
		"right(record_id, 3), E'\\n' ORDER BY school, kind, since) FROM sc_alerts(" TERM
		")");
	assert_string_equal(t, "sa bus_mismatch 2026-09-03 critical 0f2\n"
			       "sa bus_mismatch 2026-11-17 critical 0f3\n"
			       "sa equipment_overdue 2026-10-15 medium 1e2\n"
			       "sa hazard_overdue 2026-11-11 high 0a2\n"
			       "sa risk_overdue 2026-10-01 medium 7a1\n"
			       "sb month_without_drill 2026-10-01 medium \n"
			       "sb notice_missing 2026-09-16 medium 8a1\n"
			       "sb notice_missing 2026-11-11 medium 8a2\n"
			       "sd month_without_drill 2026-10-01 medium \n"
			       "sd notice_missing 2026-09-16 medium 8a1");
	free(t);
	t = qtext("SELECT string_agg(school || ' ' || due_date || ' ' || what, E'\\n' ORDER BY "
		  "school, due_date) "
		  "FROM sc_missing(" TERM ")");
	/* 013: letters due 09-01 + 30 (Zhao T joined 11-01 and has only a 2025
	 * letter), the extinguisher due 10-15, bus A-1's inspection due 11-01 */
	assert_string_equal(t, "sa 2026-10-01 responsibility letter 2026: Zhao T\n"
			       "sa 2026-10-15 equipment check: extinguisher (hall)\n"
			       "sa 2026-11-01 bus inspection: A-1\n"
			       "sb 2026-09-15 notice report: Drowning prevention\n"
			       "sb 2026-09-30 drill for 2026-09\n"
			       "sb 2026-11-10 notice report: Fire day 119\n"
			       "sd 2026-09-15 notice report: Drowning prevention\n"
			       "sd 2026-09-30 drill for 2026-09");
	free(t);
	/* "1530" per class for the schools in focus, due the last school day
	 * before 11-18: c1 held 28+4+3+1 of 35+8+6+2, c2 6+1+0 of 7+1+1, c3 0
	 * of 34+7+6+2 (the fixture's working) */
	t = qtext("SELECT string_agg(school || ' ' || due_date || ' ' || kind || ' ' || what, "
		  "E'\\n' ORDER BY school, what) "
		  "FROM sc_missing(" TERM
		  ", ARRAY['sa', 'sb', 'nosuch']) WHERE kind = 'education_1530'");
	assert_string_equal(
		t, "sa 2026-11-17 education_1530 \"1530\" sessions, class 1-1: 15 of 51 not held\n"
		   "sa 2026-11-17 education_1530 \"1530\" sessions, class 1-2: 2 of 9 not held\n"
		   "sb 2026-11-17 education_1530 \"1530\" sessions, class 7-1: 49 of 49 not held");
	free(t);
	t = qtext("SELECT string_agg(label || '=' || open || '/' || overdue, ' ' ORDER BY bucket) "
		  "FROM sc_hazard_ageing(" TERM ") WHERE school = 'sa'");
	assert_string_equal(t, "0-7 days=0/0 8-30 days=2/0 31-90 days=1/1 over 90 days=0/0");
	free(t);
}

/* The aggregates follow every write: a withdrawn session, a class opened
 * later, a shift no longer staffed; and they always equal a recomputation. */
static void test_aggregates_follow_writes(void **state)
{
	(void)state;
	static const char *same =
		"SELECT count(*) FROM ((SELECT school, slot, bucket, classes FROM dash_education "
		"EXCEPT SELECT e.school, e.slot, sc_education_bucket(e.slot, e.session_date), "
		"count(DISTINCT e.school_class_id)::int FROM education e JOIN school_class k ON "
		"k.school = e.school "
		"AND k.id = e.school_class_id AND NOT k.deleted AND (k.opened_date IS NULL OR "
		"k.opened_date <= "
		"e.session_date) AND (k.closed_date IS NULL OR k.closed_date >= e.session_date) "
		"WHERE NOT e.deleted "
		"AND e.slot <> 'holiday_30' GROUP BY 1, 2, 3) UNION ALL (SELECT e.school, e.slot, "
		"sc_education_bucket(e.slot, e.session_date), count(DISTINCT "
		"e.school_class_id)::int FROM education e "
		"JOIN school_class k ON k.school = e.school AND k.id = e.school_class_id AND NOT "
		"k.deleted AND "
		"(k.opened_date IS NULL OR k.opened_date <= e.session_date) AND (k.closed_date IS "
		"NULL OR "
		"k.closed_date >= e.session_date) WHERE NOT e.deleted AND e.slot <> 'holiday_30' "
		"GROUP BY 1, 2, 3 "
		"EXCEPT SELECT school, slot, bucket, classes FROM dash_education)) x";

	dh_check_value("aggregate equals recomputation", q1("%s", same), 0);
	must("BEGIN");
	/* today's daily session of 1-1 withdrawn: held 33, and the early due goes */
	must("UPDATE education SET deleted = true WHERE school = 'sa' AND session_date = "
	     "'2026-11-18'");
	dh_check_value("daily after withdrawal", ind("sa", "period", "education_daily"),
		       80.49); /* 33/41 */
	/* class 1-2 opened a week later (11-16): daily 1/2 (11-16, 11-17), its
	 * week-of-11-13 occasions gone, its 11-10 session no longer counts */
	must("UPDATE school_class SET opened_date = '2026-11-16' WHERE id = "
	     "'00000000-0000-4000-8000-0000000000c2'");
	dh_check_value("daily after reopening date", ind("sa", "period", "education_daily"),
		       77.78); /* 1-1 27/34, 1-2 1/2 */
	dh_check_value("weekly after reopening date", ind("sa", "period", "education_weekly"),
		       50); /* 4/8 */
	dh_check_value("aggregate equals recomputation after writes", q1("%s", same), 0);
	/* 09-01 morning loses its guard: 5 staffed days of 35 */
	must("UPDATE gate_duty SET guard = '' WHERE school = 'sa' AND duty_date = '2026-09-01' AND "
	     "shift = 'morning'");
	dh_check_value("gate after an unstaffed shift", ind("sa", "period", "gate_duty"), 14.29);
	/* Zhao T (joined 11-01) signs this year's letter: 4 of 4 */
	must("INSERT INTO letter (id, school, campus, hlc, seq, written_by, year, level, signer, "
	     "counter_signer, "
	     "signed_date) VALUES ('00000000-0000-4000-8000-0000000006a9', 'sa', 'main', 100, "
	     "nextval('sync_seq'), "
	     "'main', 2026, 'department_teacher', 'Zhao T', 'Wang Vice', '2026-11-05')");
	dh_check_value("letters after a new letter", ind("sa", "period", "letters"), 100);
	dh_check_value("letters in October unchanged", ind("sa", "2026-10", "letters"), 100);
	dh_check_value("letters in September unchanged", ind("sa", "2026-09", "letters"), 75);
	/* and Qian T, who left in October, is renamed: nothing changes */
	must("UPDATE staff SET name = 'Qian X' WHERE id = '00000000-0000-4000-8000-0000000005a5'");
	dh_check_value("letters after a rename", ind("sa", "period", "letters"), 100);
	must("ROLLBACK");
	dh_check_value("letters after rollback", ind("sa", "period", "letters"), 75);
	dh_check_value("daily after rollback", ind("sa", "period", "education_daily"), 80.95);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_indicators_term),
		cmocka_unit_test(test_indicators_months),
		cmocka_unit_test(test_notice_after_period),
		cmocka_unit_test(test_education_by_class),
		cmocka_unit_test(test_scores_and_rank),
		cmocka_unit_test(test_configuration),
		cmocka_unit_test(test_hazard_clock),
		cmocka_unit_test(test_alerts_missing_ageing),
		cmocka_unit_test(test_aggregates_follow_writes),
	};

	if (dh_init())
		return 1;
	return cmocka_run_group_tests(tests, dh_setup, dh_teardown);
}
