/* The bureau's dashboards against a real PostgreSQL, on the hand-built
 * district of tests/integration/dashboard_fixture.sql with the cases of
 * dashboard_fixture_bureau.sql on top (expected values worked out by hand
 * in its comments): the per-school cache of 020_dash_cache.sql, refreshed
 * only for the schools whose rows changed and always equal to computing
 * everything afresh; the anti-formalism flags of 014 with the records
 * behind them, their thresholds, and the Dashboard message the bureau gets
 * them in (021, server/dash_build.c).
 *
 * Needs SC_PG_CONNINFO and SC_SOURCE_DIR, like test_dashboard. Makes its
 * own database and drops it; SC_KEEP_DB=1 keeps it. */
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

#include <stdbool.h>

#include <libpq-fe.h>

#include <uv.h>

#include "../../server/config.h"
#include "../../server/dashboard.h"
#include "db.h"
#include "migrate.h"
#include "dash_loop.h"

#define NONE NAN /* not applicable: has_value false / SQL NULL */

static const char *base_conninfo;
static char dbname[64];
static char conninfo[1024];
static PGconn *pg;

/* ---- helpers */

static PGconn *connect_to(const char *ci)
{
	PGconn *c = PQconnectdb(ci);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_dash_bureau: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "test_dash_bureau: %s\n  in: %.300s\n", PQresultErrorMessage(r),
			sql);
	PQclear(r);
	return ok;
}

static void must(const char *sql)
{
	assert_true(exec_ok(pg, sql));
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

static void check_value(const char *what, double got, double want)
{
	if (isnan(want)) {
		if (!isnan(got))
			fail_msg("%s: expected no value, got %g", what, got);
		return;
	}
	if (isnan(got) || fabs(got - want) > 0.006)
		fail_msg("%s: expected %g, got %g", what, want, got);
}

#define TERM "'2026-09-01', '2026-11-30', '2026-11-18'"

/* A file of the source tree, whole; NULL (and a message) if unreadable. */
static char *read_file(const char *rel)
{
	const char *src = getenv("SC_SOURCE_DIR");
	char path[4096];
	FILE *f;
	long len;
	char *s;

	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "test_dash_bureau: %s: %s (set SC_SOURCE_DIR)\n", path,
			strerror(errno));
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)len + 1);
	if (s && fread(s, 1, (size_t)len, f) != (size_t)len) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static bool load(const char *rel)
{
	char *sql = read_file(rel);
	bool ok = sql && exec_ok(pg, sql);

	free(sql);
	return ok;
}

static int setup(void **state)
{
	char sql[256], err[512];
	PGconn *admin;
	int rc;

	(void)state;
	snprintf(dbname, sizeof dbname, "test_dash_bureau_%d", (int)getpid());
	admin = connect_to(base_conninfo);
	if (!admin)
		return -1;
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	rc = exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "ALTER DATABASE %s SET timezone = 'UTC'", dbname);
	rc = rc && exec_ok(admin, sql);
	PQfinish(admin);
	if (!rc)
		return -1;
	snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base_conninfo, dbname);
	if (migrate_apply(conninfo, err, sizeof err)) {
		fprintf(stderr, "test_dash_bureau: migrations: %s\n", err);
		return -1;
	}
	pg = connect_to(conninfo);
	rc = pg && load("tests/integration/dashboard_fixture.sql") &&
	     load("tests/integration/dashboard_fixture_bureau.sql") &&
	     exec_ok(pg, "SET client_min_messages = error; ANALYZE");
	return rc ? 0 : -1;
}

static int teardown(void **state)
{
	char sql[256];
	PGconn *admin;

	(void)state;
	if (pg)
		PQfinish(pg);
	if (getenv("SC_KEEP_DB"))
		return 0;
	admin = connect_to(base_conninfo);
	if (!admin)
		return 0;
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
	exec_ok(admin, sql);
	PQfinish(admin);
	return 0;
}

/* ---- the cache (020) */

/* Rows of the cached readers that differ from computing everything afresh:
 * the live side is forced by a new stamp for the district inside a
 * transaction rolled back. */
static double cache_diff(void)
{
	double n = 0;
	static const char *const readers[] = {
		"sc_dashboard_values(" TERM ", ARRAY['', 'sa'])",
		"sc_alerts_cached(" TERM ")",
		"sc_missing_cached(" TERM ", ARRAY['sb'])",
		"sc_hazard_ageing_cached(" TERM ")",
		"sc_flags_cached(" TERM ")",
		"sc_rates_cached(" TERM ", NULL)",
	};

	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		char sql[512];
		snprintf(sql, sizeof sql, "CREATE TEMP TABLE cached AS SELECT * FROM %s",
			 readers[i]);
		must("DROP TABLE IF EXISTS cached");
		must(sql);
		must("BEGIN");
		must("SELECT sc_stamp(ARRAY[''])");
		assert_false(q1("SELECT sc_dash_fresh(" TERM ")::int"));
		n += q1("SELECT count(*) FROM ((TABLE cached EXCEPT ALL SELECT * FROM %s) UNION "
			"ALL "
			"(SELECT * FROM %s EXCEPT ALL TABLE cached)) x",
			readers[i], readers[i]);
		must("ROLLBACK");
	}
	return n;
}

static void test_cache_refresh(void **state)
{
	(void)state;
	/* first: every school (sa, sb, sc, sd) */
	check_value("first refresh", q1("SELECT sc_dash_refresh(" TERM ")"), 4);
	check_value("fresh", q1("SELECT sc_dash_fresh(" TERM ")::int"), 1);
	check_value("again: nothing to do", q1("SELECT sc_dash_refresh(" TERM ")"), 0);
	check_value("cached = live", cache_diff(), 0);
	/* the hand-worked numbers through the cache (test_dashboard's) */
	check_value("sa score",
		    q1("SELECT value FROM sc_dashboard_values(" TERM ", ARRAY['']) "
		       "WHERE school = 'sa' AND win = 'period' AND key = 'score'"),
		    68.1);
	check_value("sb drills",
		    q1("SELECT value FROM sc_dashboard_values(" TERM ", ARRAY['']) "
		       "WHERE school = 'sb' AND win = 'period' AND key = 'drills'"),
		    0);

	/* sb's withdrawn drill comes back: only sb is stale, and is recomputed */
	must("UPDATE drill SET deleted = false WHERE id = '00000000-0000-4000-8000-0000000000d5'");
	check_value("stale after a write", q1("SELECT sc_dash_fresh(" TERM ")::int"), 0);
	check_value("live while stale",
		    q1("SELECT value FROM sc_dashboard_values(" TERM ", ARRAY['']) "
		       "WHERE school = 'sb' AND win = 'period' AND key = 'drills'"),
		    100);
	check_value("one school refreshed", q1("SELECT sc_dash_refresh(" TERM ")"), 1);
	check_value("sb drills cached",
		    q1("SELECT value FROM sc_dashboard_values(" TERM ", ARRAY['']) "
		       "WHERE school = 'sb' AND win = 'period' AND key = 'drills'"),
		    100);
	check_value("cached = live after one school", cache_diff(), 0);
	must("UPDATE drill SET deleted = true WHERE id = '00000000-0000-4000-8000-0000000000d5'");
	check_value("and back", q1("SELECT sc_dash_refresh(" TERM ")"), 1);

	/* the district's configuration touches every school */
	must("UPDATE dashboard_indicator SET weight = 20 WHERE key = 'drills'");
	check_value("configuration: all", q1("SELECT sc_dash_refresh(" TERM ")"), 4);
	check_value("cached = live after the configuration", cache_diff(), 0);
	must("UPDATE dashboard_indicator SET weight = 15 WHERE key = 'drills'");
	/* the bureau's calendar too */
	must("UPDATE calendar SET holidays = holidays");
	check_value("calendar: all", q1("SELECT sc_dash_refresh(" TERM ")"), 4);

	/* a read-only transaction (a replica) cannot refresh: -2, no error */
	must("UPDATE staff SET name = name WHERE school = 'sa'");
	must("BEGIN READ ONLY");
	check_value("read only", q1("SELECT sc_dash_refresh(" TERM ")"), -2);
	check_value("read only still right",
		    q1("SELECT value FROM sc_dashboard_values(" TERM ", ARRAY['']) "
		       "WHERE school = 'sa' AND win = 'period' AND key = 'score'"),
		    68.1);
	must("ROLLBACK");
	check_value("then", q1("SELECT sc_dash_refresh(" TERM ")"), 1);
}

/* ---- anti-formalism flags (014), the fixture's working */

static void test_flags(void **state)
{
	(void)state;
	char *t = qtext("SELECT string_agg(school || ' ' || day || ' ' || kind || ' ' || title || "
			"' ' || cardinality(record_ids), "
			"E'\\n' ORDER BY school, day, kind) FROM sc_flags(" TERM ")");
	assert_string_equal(
		t, "sa 2026-09-25 holiday_session 1 \"1530\" sessions on the holiday 2026-09-25 1\n"
		   "sa 2026-10-14 holiday_session 2 \"1530\" sessions on the holiday 2026-10-14 2\n"
		   "sb 2026-09-29 burst 20 inspection records entered on 2026-09-29 for dates "
		   "2026-09-01 to "
		   "2026-09-20 20\n"
		   "sc 2026-11-05 copied_minutes the same minutes in 2 meetings 2\n"
		   "sc 2026-11-10 copied_evacuation evacuation in 185 seconds in 3 drills 3\n"
		   "sc 2026-11-12 feedback_before_drill drill of 2026-11-12: feedback received "
		   "2026-11-10 1");
	free(t);
	/* the records behind them */
	t = qtext("SELECT array_to_string(record_ids, ' ') FROM sc_flags(" TERM
		  ") WHERE kind = 'copied_minutes'");
	assert_string_equal(
		t, "00000000-0000-4000-8000-000000000c01 00000000-0000-4000-8000-000000000c02");
	free(t);
	t = qtext("SELECT array_to_string(record_ids, ' ') FROM sc_flags(" TERM
		  ") WHERE kind = 'feedback_before_drill'");
	assert_string_equal(t, "00000000-0000-4000-8000-0000000000d7");
	free(t);
	/* thresholds are the district's: one more record than the burst has,
	 * one drill more than share the time */
	must("SET safecampus.flag_burst_min = 21");
	must("SET safecampus.flag_copy_min = 4");
	check_value("no burst at 21",
		    q1("SELECT count(*) FROM sc_flags(" TERM ") WHERE kind = 'burst'"), 0);
	check_value("no copied time at 4",
		    q1("SELECT count(*) FROM sc_flags(" TERM ") WHERE kind = 'copied_evacuation'"),
		    0);
	/* the cache keeps the flags of the thresholds they were computed with */
	q1("SELECT sc_dash_refresh(" TERM ")");
	check_value("cached, 21", q1("SELECT count(*) FROM sc_flags_cached(" TERM ")"), 4);
	must("RESET safecampus.flag_burst_min");
	must("RESET safecampus.flag_copy_min");
	check_value("stale when the thresholds change", q1("SELECT sc_dash_fresh(" TERM ")::int"),
		    0);
	q1("SELECT sc_dash_refresh(" TERM ")");
	check_value("cached, defaults", q1("SELECT count(*) FROM sc_flags_cached(" TERM ")"), 6);
	/* a flag never blocks a record: they are all still there */
	check_value("the burst's records kept",
		    q1("SELECT count(*) FROM inspection WHERE school = 'sb'"), 20);
}

/* ---- the message: flags as the bureau gets them, thresholds from the
 * server's configuration (dash_set_flag_settings), the job as the server
 * runs it (refresh, then the snapshot) */

/* The packed dashboard of scope for the term, as the bureau or the school
 * sees it, by the job the server runs (refresh, then the snapshot); the
 * caller frees *buf. */
static void packed(const char *scope, bool bureau, uint8_t **buf, size_t *len)
{
	struct run r;
	struct dash_job *j = NULL;
	const char *focus[] = { scope };

	memset(&r, 0, sizeof r);
	assert_int_equal(uv_loop_init(&r.loop), 0);
	assert_int_equal(db_pool_new(&r.pool, &r.loop, conninfo, 1), 0);
	assert_int_equal(
		dash__job_run(r.pool, "60000ms", "", "", "2026-11-18", focus, 1, on_job, &r, &j),
		0);
	spin(&r, &r.done);
	assert_int_equal(dash__job_status(j), 0);
	assert_int_equal(dash__build_packed(j, scope, bureau, "d1", 4u << 20, buf, len), 0);
	dash__job_free(j);
	db_pool_close(r.pool, on_closed, &r);
	spin(&r, &r.closed);
	while (uv_run(&r.loop, UV_RUN_NOWAIT))
		;
	assert_int_equal(uv_loop_close(&r.loop), 0);
}

/* The same, unpacked; the caller frees it. */
static Safecampus__Dashboard *message(const char *scope, bool bureau)
{
	uint8_t *buf;
	size_t len;

	packed(scope, bureau, &buf, &len);
	Safecampus__Dashboard *d = safecampus__dashboard__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(d);
	return d;
}

static void test_message_flags(void **state)
{
	struct config cfg = { .flag_burst_min = 20,
			      .flag_burst_backdated_days = 7,
			      .flag_burst_deadline_days = 3,
			      .flag_copy_min = 3,
			      .flag_minutes_min_chars = 20 };
	(void)state;
	dash_set_flag_settings(&cfg);
	Safecampus__Dashboard *d = message("", true);
	assert_int_equal(d->n_flags, 6);
	const Safecampus__Flag *f = d->flags[3];
	assert_string_equal(f->school, "sc");
	assert_string_equal(f->kind, "copied_minutes");
	assert_string_equal(f->date, "2026-11-05");
	assert_int_equal(f->n_record_ids, 2);
	assert_string_equal(f->record_ids[0], "00000000-0000-4000-8000-000000000c01");
	assert_string_equal(f->record_ids[1], "00000000-0000-4000-8000-000000000c02");
	assert_int_equal(d->flags[2]->n_record_ids, 20); /* sb's burst */
	safecampus__dashboard__free_unpacked(d, NULL);

	/* the drill-down into sc: its three */
	d = message("sc", true);
	assert_int_equal(d->n_flags, 3);
	safecampus__dashboard__free_unpacked(d, NULL);
	/* a school does not get them */
	d = message("sc", false);
	assert_int_equal(d->n_flags, 0);
	safecampus__dashboard__free_unpacked(d, NULL);

	/* the district raises the burst threshold (a reload): the burst goes */
	cfg.flag_burst_min = 21;
	dash_set_flag_settings(&cfg);
	d = message("", true);
	assert_int_equal(d->n_flags, 5);
	for (size_t i = 0; i < d->n_flags; i++)
		assert_string_not_equal(d->flags[i]->kind, "burst");
	safecampus__dashboard__free_unpacked(d, NULL);
	cfg.flag_burst_min = 20;
	dash_set_flag_settings(&cfg);
}

/* ---- one school changed: its rows recomputed alone (022), the message
 * the same as computing everything afresh */

/* The period the job computes (no dates: the term of 2026-11-18). */
#define JOB_PERIOD "sc_period(NULL, NULL, '2026-11-18') p"

/* The packed dashboard computed live: the refresh finds its lock taken
 * (pg holds it: another session, so the job's try-lock fails), so every
 * reader computes from the typed tables. */
static void packed_live(const char *what, const char *scope, bool bureau, uint8_t **buf,
			size_t *len)
{
	char label[256];

	/* the refresh's key per district (023): (name, the schema's OID) */
	must("SELECT pg_advisory_lock(hashtext('sc_dash_refresh'), "
	     "current_schema()::regnamespace::oid::int)");
	packed(scope, bureau, buf, len);
	must("SELECT pg_advisory_unlock(hashtext('sc_dash_refresh'), "
	     "current_schema()::regnamespace::oid::int)");
	snprintf(label, sizeof label, "%s: still stale, so it was live", what);
	check_value(label,
		    q1("SELECT sc_dash_fresh(p.period_start, p.period_end, p.as_of)::int "
		       "FROM " JOB_PERIOD),
		    0);
}

/* The message without its computed_ms (when it was computed), packed
 * again; the caller frees it. */
static uint8_t *without_time(const uint8_t *buf, size_t len, size_t *out_len)
{
	Safecampus__Dashboard *d = safecampus__dashboard__unpack(NULL, len, buf);
	uint8_t *out;

	assert_non_null(d);
	d->computed_ms = 0;
	*out_len = safecampus__dashboard__get_packed_size(d);
	out = malloc(*out_len ? *out_len : 1);
	assert_non_null(out);
	safecampus__dashboard__pack(d, out);
	safecampus__dashboard__free_unpacked(d, NULL);
	return out;
}

static void same_message(const char *what, const uint8_t *a, size_t alen, const uint8_t *b,
			 size_t blen)
{
	size_t an, bn;
	uint8_t *x = without_time(a, alen, &an), *y = without_time(b, blen, &bn);
	bool same = an == bn && memcmp(x, y, an) == 0;

	free(x);
	free(y);
	if (!same)
		fail_msg("%s: the messages differ (%zu and %zu bytes)", what, an, bn);
}

/* After the edit already made: the cache refreshes `schools` schools, and
 * the bureau's dashboard and scope's own equal the live ones byte for
 * byte. */
static void check_edit(const char *what, const char *scope, double schools)
{
	uint8_t *live, *live_s, *inc, *inc_s;
	size_t live_n, live_s_n, inc_n, inc_s_n;
	char label[256];

	packed_live(what, "", true, &live, &live_n);
	packed_live(what, scope, false, &live_s, &live_s_n);
	snprintf(label, sizeof label, "%s: schools refreshed", what);
	check_value(label,
		    q1("SELECT sc_dash_refresh(p.period_start, p.period_end, p.as_of) "
		       "FROM " JOB_PERIOD),
		    schools);
	packed("", true, &inc, &inc_n);
	packed(scope, false, &inc_s, &inc_s_n);
	snprintf(label, sizeof label, "%s: the bureau's", what);
	same_message(label, live, live_n, inc, inc_n);
	snprintf(label, sizeof label, "%s: %s's own", what, scope);
	same_message(label, live_s, live_s_n, inc_s, inc_s_n);
	check_value(what, cache_diff(), 0);
	free(live);
	free(live_s);
	free(inc);
	free(inc_s);
}

static void test_one_school_changed(void **state)
{
	uint8_t *inc, *full;
	size_t inc_n, full_n;

	(void)state;
	q1("SELECT sc_dash_refresh(p.period_start, p.period_end, p.as_of) FROM " JOB_PERIOD);
	/* a drill comes back: sb's drills, score, rank, the district's means */
	must("UPDATE drill SET deleted = false WHERE id = '00000000-0000-4000-8000-0000000000d5'");
	check_edit("sb's drill", "sb", 1);
	/* an open hazard of sa withdrawn: its alerts, ageing, hazard numbers */
	must("UPDATE hazard SET deleted = true WHERE school = 'sa' AND id = (SELECT h.id FROM "
	     "sc_hazard_asof('2026-11-18') h WHERE h.school = 'sa' AND h.state NOT IN "
	     "('verified', 'closed') ORDER BY h.id LIMIT 1)");
	check_edit("sa's hazard", "sa", 1);
	/* sc copies its minutes a third time: its flag */
	must("INSERT INTO meeting (id, school, campus, hlc, seq, written_by, type, meeting_date, "
	     "title, "
	     "attendees, minutes) SELECT '00000000-0000-4000-8000-000000000c09', school, campus, "
	     "300, "
	     "nextval('sync_seq'), written_by, type, '2026-11-16', title, attendees, minutes "
	     "FROM meeting WHERE id = '00000000-0000-4000-8000-000000000c01'");
	check_edit("sc's minutes", "sc", 1);
	/* sd, with no records, gets a staff member: letters, missing letters */
	must("INSERT INTO staff (id, school, campus, hlc, seq, written_by, name, staff_role, "
	     "joined_date) VALUES ('00000000-0000-4000-8000-0000000005d1', 'sd', 'main', 100, "
	     "nextval('sync_seq'), 'main', 'New Teacher', 'subject_teacher', '2026-09-01')");
	check_edit("sd's staff", "sd", 1);
	/* two schools in one go */
	must("UPDATE drill SET deleted = true WHERE id = '00000000-0000-4000-8000-0000000000d5'");
	must("UPDATE staff SET left_date = '2026-10-01' WHERE id = "
	     "'00000000-0000-4000-8000-0000000005d1'");
	check_edit("sb and sd", "sd", 2);
	/* a school appears (its client connects), then leaves: the sums and
	 * ranks take it in and out */
	must("INSERT INTO client_health (school, campus, last_contact, outbox_pending) VALUES "
	     "('se', 'main', '2026-11-17 08:00+00', 0)");
	check_edit("se appears", "se", 1);
	must("DELETE FROM client_health WHERE school = 'se'");
	check_edit("se leaves", "sa", 0);

	/* the cache after all these steps = the cache computed from nothing */
	packed("", true, &inc, &inc_n);
	must("DELETE FROM dash_cache_key");
	packed("", true, &full, &full_n);
	same_message("step by step = from scratch", inc, inc_n, full, full_n);
	free(inc);
	free(full);
}

int main(void)
{
	base_conninfo = getenv("SC_PG_CONNINFO");
	if (!base_conninfo) {
		fprintf(stderr, "test_dash_bureau: SC_PG_CONNINFO is not set; start a cluster with "
				"tests/lib/pg.sh\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_refresh),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_message_flags),
		cmocka_unit_test(test_one_school_changed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
