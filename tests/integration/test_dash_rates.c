/* The reporting-rate and timeliness table (server/sql/029_rates.sql, the
 * Dashboard's rates) against a real PostgreSQL: dashboard_fixture.sql with
 * dashboard_fixture_rates.sql on top, whose comments work out every number
 * written here. The cases: a drill one day after its due day (late), a
 * notice report and an equipment check ON their due day (on time), a check
 * one day late, checks missed, the empty school (sd: owed, nothing received:
 * 0 %) and data sets with nothing owed (expected 0). The on-time rule off by
 * one day either way fails: se's notice (on the due day) and se's drill (the
 * day after) are on opposite sides of it.
 *
 * Needs SC_PG_CONNINFO and SC_SOURCE_DIR, as test_dashboard. */
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

#define TERM "'2026-09-01', '2026-11-30', '2026-11-18'"

static char *qtext(const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	char *out;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s in: %s", PQresultErrorMessage(r), sql);
	out = strdup(PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return out;
}

/* dh_setup's district, then the rates layer */
static int setup(void **state)
{
	char path[4096];
	const char *src = getenv("SC_SOURCE_DIR");
	FILE *f;
	char *sql;
	long len;
	int ok;

	if (dh_setup(state))
		return -1;
	snprintf(path, sizeof path, "%s/tests/integration/dashboard_fixture_rates.sql",
		 src ? src : ".");
	f = fopen(path, "r");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	sql = calloc(1, (size_t)len + 1);
	ok = sql && fread(sql, 1, (size_t)len, f) == (size_t)len;
	fclose(f);
	ok = ok && dh_exec_ok(pg, sql) && dh_exec_ok(pg, "ANALYZE");
	free(sql);
	return ok ? 0 : -1;
}

/* ---- SQL */

/* Every school's rows, by hand (dashboard_fixture_rates.sql's working). */
static void test_rates_sql(void **state)
{
	(void)state;
	char *t = qtext("SELECT string_agg(school || ' ' || kind || ' ' || expected || '/' || "
			"received || '/' || on_time, E'\\n') FROM sc_rates_of(" TERM ", NULL)");
	assert_string_equal(t, "sa notice_report 2/2/1\n"
			       "sa drill 1/1/1\n"
			       "sa letter 4/3/3\n"
			       "sa equipment_check 2/1/0\n"
			       "sa bus_inspection 1/0/0\n"
			       "sb notice_report 2/0/0\n"
			       "sb drill 1/0/0\n"
			       "sb letter 1/1/1\n"
			       "sb equipment_check 0/0/0\n"
			       "sb bus_inspection 0/0/0\n"
			       "sc notice_report 1/1/1\n"
			       "sc drill 2/2/2\n"
			       "sc letter 0/0/0\n"
			       "sc equipment_check 0/0/0\n"
			       "sc bus_inspection 0/0/0\n"
			       "sd notice_report 1/0/0\n"
			       "sd drill 1/0/0\n"
			       "sd letter 0/0/0\n"
			       "sd equipment_check 0/0/0\n"
			       "sd bus_inspection 0/0/0\n"
			       "se notice_report 1/1/1\n"
			       "se drill 1/1/0\n"
			       "se letter 0/0/0\n"
			       "se equipment_check 4/2/1\n"
			       "se bus_inspection 0/0/0");
	free(t);
	/* one school asked for: its rows only, the same numbers */
	t = qtext("SELECT string_agg(school || ' ' || kind || ' ' || expected || '/' || "
		  "received || '/' || on_time, ' ') FROM sc_rates_of(" TERM ", ARRAY['se'])");
	assert_string_equal(t, "se notice_report 1/1/1 se drill 1/1/0 se letter 0/0/0 "
			       "se equipment_check 4/2/1 se bus_inspection 0/0/0");
	free(t);
	/* the owed rows behind se's: made on, due */
	t = qtext("SELECT string_agg(kind || ' ' || due_date || ' ' || coalesce(made_date::text, "
		  "'-'), E'\\n' ORDER BY kind, due_date) FROM sc_owed_of(" TERM ", ARRAY['se'])");
	assert_string_equal(t, "drill 2026-09-29 2026-09-30\n"
			       "equipment_check 2026-10-01 2026-10-01\n"
			       "equipment_check 2026-10-10 2026-10-11\n"
			       "equipment_check 2026-10-31 -\n"
			       "equipment_check 2026-11-10 -\n"
			       "notice_report 2026-09-15 2026-09-15");
	free(t);
}

/* One definition: what the missing list shows is what was owed and not
 * received, for every school and kind (the missing list also carries
 * standing obligations due before the period: none in this fixture), and
 * the hand-worked missing rows of the new school. */
static void test_rates_missing_agree(void **state)
{
	(void)state;
	char *t = qtext("SELECT count(*) FROM sc_rates_of(" TERM ", NULL) r "
			"WHERE r.expected - r.received <> (SELECT count(*) FROM sc_missing(" TERM
			") m WHERE m.school = r.school AND m.kind = r.kind)");
	assert_string_equal(t, "0");
	free(t);
	t = qtext("SELECT string_agg(due_date || ' ' || what, E'\\n' ORDER BY due_date) "
		  "FROM sc_missing(" TERM
		  ") WHERE school IN ('se', 'sb') AND kind <> 'notice_report'");
	assert_string_equal(t, "2026-09-29 drill for 2026-09\n"
			       "2026-10-31 equipment check: extinguisher (hall)\n"
			       "2026-11-10 equipment check: hose (yard)");
	free(t);
}

/* The rates kept per school (029's dash_cache_rate, refreshed with the other
 * lists): equal to computing them live; a school's write makes the reader
 * compute live until the refresh recomputes that school alone. */
static void test_rates_cache(void **state)
{
	(void)state;
	static const char diff[] =
		"SELECT count(*) FROM ((SELECT * FROM sc_rates_cached(" TERM ", NULL) EXCEPT ALL "
		"SELECT * FROM sc_rates_of(" TERM
		", NULL)) UNION ALL (SELECT * FROM sc_rates_of(" TERM
		", NULL) EXCEPT ALL SELECT * FROM sc_rates_cached(" TERM ", NULL))) x";
	char *t = qtext("SELECT sc_dash_refresh(" TERM ") >= 0");
	assert_string_equal(t, "t");
	free(t);
	t = qtext("SELECT sc_dash_fresh(" TERM ")::text || ' ' || count(*) FROM dash_cache_rate "
		  "WHERE (ps, pe, pt) = (" TERM ")");
	assert_string_equal(t, "true 25");
	free(t);
	t = qtext(diff);
	assert_string_equal(t, "0");
	free(t);
	/* se holds November's drill now: counted at once, on time */
	assert_true(dh_exec_ok(
		pg,
		"INSERT INTO drill (id, school, campus, hlc, seq, written_by, drill_date, theme, "
		"scenario, plan_ref, feedback) VALUES ('00000000-0000-4000-8000-0000000009d2', "
		"'se', "
		"'main', 100, nextval('sync_seq'), 'main', '2026-11-02', 'quake', 'quake', 'P-2', "
		"'ok')"));
	t = qtext("SELECT sc_dash_fresh(" TERM ")::text || ' ' || string_agg(expected || '/' || "
		  "received || '/' || on_time, ' ') FROM sc_rates_cached(" TERM
		  ", ARRAY['se']) WHERE kind = 'drill'");
	assert_string_equal(t, "false 2/2/1");
	free(t);
	t = qtext("SELECT sc_dash_refresh(" TERM ")");
	assert_string_equal(t, "1"); /* se alone */
	free(t);
	t = qtext("SELECT sc_dash_fresh(" TERM ")::text || ' ' || string_agg(expected || '/' || "
		  "received || '/' || on_time, ' ') FROM sc_rates_cached(" TERM
		  ", ARRAY['se']) WHERE kind = 'drill'");
	assert_string_equal(t, "true 2/2/1");
	free(t);
	t = qtext(diff);
	assert_string_equal(t, "0");
	free(t);
	assert_true(dh_exec_ok(
		pg, "DELETE FROM drill WHERE id = '00000000-0000-4000-8000-0000000009d2'"));
}

/* ---- messages */

static Safecampus__Dashboard *dashboard(const char *focus, const char *scope, bool bureau)
{
	struct run r;
	struct dash_job *j = NULL;
	const char *f[1] = { focus };
	uint8_t *buf;
	size_t len;

	memset(&r, 0, sizeof r);
	assert_int_equal(uv_loop_init(&r.loop), 0);
	assert_int_equal(db_pool_new(&r.pool, &r.loop, conninfo, 1), 0);
	assert_int_equal(
		dash__job_run(r.pool, "60000ms", "", "", "2026-11-18", f, 1, on_job, &r, &j), 0);
	spin(&r, &r.done);
	assert_int_equal(dash__job_status(j), 0);
	assert_int_equal(dash__build_packed(j, scope, bureau, "d1", 4u << 20, &buf, &len), 0);
	dash__job_free(j);
	db_pool_close(r.pool, on_closed, &r);
	spin(&r, &r.closed);
	while (uv_run(&r.loop, UV_RUN_NOWAIT))
		;
	assert_int_equal(uv_loop_close(&r.loop), 0);
	Safecampus__Dashboard *d = safecampus__dashboard__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(d);
	return d;
}

static const Safecampus__ReportingRate *rate(const Safecampus__Dashboard *d, const char *school,
					     const char *kind)
{
	for (size_t i = 0; i < d->n_rates; i++)
		if (!strcmp(d->rates[i]->school, school) && !strcmp(d->rates[i]->kind, kind))
			return d->rates[i];
	fail_msg("no rate %s %s", school, kind);
	return NULL;
}

static void check_rate(const Safecampus__Dashboard *d, const char *school, const char *kind,
		       uint32_t expected, uint32_t received, uint32_t on_time)
{
	const Safecampus__ReportingRate *x = rate(d, school, kind);
	char got[64], want[64];

	snprintf(got, sizeof got, "%s %s %u/%u/%u", school, kind, x->expected, x->received,
		 x->on_time);
	snprintf(want, sizeof want, "%s %s %u/%u/%u", school, kind, expected, received, on_time);
	assert_string_equal(got, want);
}

static const Safecampus__Indicator *indicator(Safecampus__Indicator **v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i]->key, key))
			return v[i];
	fail_msg("no indicator %s", key);
	return NULL;
}

/* A school sees its own six rows, no other school's. */
static void test_rates_message_school(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = dashboard("se", "se", false);
	static const char *const kinds[] = {
		"notice_report",   "drill",          "letter",
		"equipment_check", "bus_inspection", "education_1530"
	};

	assert_int_equal(d->n_rates, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(d->rates[i]->school, "se");
		assert_string_equal(d->rates[i]->kind, kinds[i]);
	}
	check_rate(d, "se", "notice_report", 1, 1, 1);
	check_rate(d, "se", "drill", 1, 1, 0);
	check_rate(d, "se", "equipment_check", 4, 2, 1);
	check_rate(d, "se", "letter", 0, 0, 0);
	check_rate(d, "se", "education_1530", 0, 0, 0); /* no classes */
	safecampus__dashboard__free_unpacked(d, NULL);
	d = dashboard("sd", "sd", false);
	assert_int_equal(d->n_rates, 6);
	check_rate(d, "sd", "notice_report", 1, 0, 0);
	const Safecampus__ReportingRate *x = rate(d, "sd", "drill");
	dh_check_value("sd drill rate", 100.0 * x->received / x->expected, 0);
	check_rate(d, "sd", "drill", 1, 0, 0);
	check_rate(d, "sd", "bus_inspection", 0, 0, 0);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* The bureau: every school's rows and the district's sums (not a mean of
 * the schools' rates: that would give notice reports (100+0+100+0+100)/5 =
 * 60 % received, where the district received 4 of 7). "1530" is the values'
 * held and due. */
static void test_rates_message_bureau(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = dashboard("", "", true);

	assert_int_equal(d->n_rates, 5 * 6 + 6);
	check_rate(d, "", "notice_report", 7, 4, 3);
	check_rate(d, "", "drill", 6, 4, 3);
	check_rate(d, "", "letter", 5, 4, 4);
	check_rate(d, "", "equipment_check", 6, 3, 1);
	check_rate(d, "", "bus_inspection", 1, 0, 0);
	check_rate(d, "se", "drill", 1, 1, 0);
	check_rate(d, "sa", "letter", 4, 3, 3);
	uint32_t due = 0, held = 0;
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *s = d->schools[i];
		const Safecampus__ReportingRate *x = rate(d, s->school, "education_1530");
		const Safecampus__Indicator *e =
			indicator(s->indicators, s->n_indicators, "education_1530");
		/* "held of due sessions" */
		char detail[64];
		snprintf(detail, sizeof detail, "%u of %u sessions", x->received, x->expected);
		if (x->expected)
			assert_string_equal(e->detail, detail);
		assert_int_equal(x->on_time, x->received);
		due += x->expected;
		held += x->received;
	}
	assert_true(rate(d, "sa", "education_1530")->expected > 0);
	check_rate(d, "", "education_1530", due, held, held);
	safecampus__dashboard__free_unpacked(d, NULL);
	/* a drill-down: that school's rows */
	d = dashboard("sa", "sa", true);
	assert_int_equal(d->n_rates, 6);
	check_rate(d, "sa", "equipment_check", 2, 1, 0);
	safecampus__dashboard__free_unpacked(d, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_sql),
		cmocka_unit_test(test_rates_missing_agree),
		cmocka_unit_test(test_rates_message_school),
		cmocka_unit_test(test_rates_message_bureau),
		cmocka_unit_test(test_rates_cache),
	};

	if (dh_init())
		return 1;
	return cmocka_run_group_tests(tests, setup, dh_teardown);
}
