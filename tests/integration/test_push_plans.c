/* A push costs what it touches: the push path's statements, the dashboard
 * triggers they fire and the SQL functions those call, on a district with
 * history (tests/integration/push_plans_fill.sql: 100 schools over two years,
 * 50 000 hazards, 130 000 events, 160 000 "1530" sessions, ...).
 *
 * Four checks, all with plan_cache_mode = force_generic_plan, because that is
 * the plan a SQL function's statements always get and the one a pooled
 * server connection's prepared statements end up with:
 *   1. every statement of every SQL function the triggers call, prepared
 *      with its parameters and run under EXPLAIN (ANALYZE, FORMAT JSON) for
 *      the keys of a small push: no Seq Scan on a table, and the rows its
 *      scans read bounded by a few per key (the plan JSON is taken apart in
 *      SQL with jsonb_path_query);
 *   2. the server's own statements (kindsql's upsert and select existing for
 *      every kind with a dashboard trigger, the hazard workflow's load and
 *      store) for 50 records, new and re-sent newer, under EXPLAIN (ANALYZE,
 *      FORMAT JSON): no Seq Scan in the plan, and, from
 *      pg_stat_xact_user_tables before and after (which counts what the
 *      triggers' nested statements read too), no sequential scan of any
 *      table with more than 1000 rows and at most ~40 rows read per record
 *      pushed; and 50 hazards pushed into a full school read no more than 50
 *      pushed into an empty one;
 *   3. after edits of every kind (inserts, updates that matter and that do
 *      not, deletes), each dash_* aggregate equals its rebuild from the whole
 *      tables;
 *   4. select existing planned as push.c's phase 1 plans it, on an empty
 *      table, is no Seq Scan, and still none once the table has grown.
 *
 * Needs SC_PG_CONNINFO and SC_SOURCE_DIR (ctest sets both). Makes its own
 * database and drops it (SC_KEEP_DB=1 keeps it). SC_LOG=info prints what
 * each statement read. */
#include <errno.h>
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

#include "kinds.h"
#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "workflow.h"

#define FULL "s001" /* a school with two years of records */
#define EMPTY "zz"  /* a school with none */
#define NPUSH 50    /* records in a small push */
#define PER_RECORD \
	40 /* rows a statement may read per record it writes: a
			* record's own row, its aggregate's rows and the rows
			* those are rebuilt from (a hazard's events, an item's
			* checks: bounded by the record, not by the district) */

static const char *base_conninfo;
static char dbname[64], conninfo[1024];
static PGconn *pg;
static int verbose;

/* ---- helpers */

static PGconn *connect_to(const char *ci)
{
	PGconn *c = PQconnectdb(ci);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_push_plans: %s", PQerrorMessage(c));
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
		fprintf(stderr, "test_push_plans: %s\n  in: %.300s\n", PQresultErrorMessage(r),
			sql);
	PQclear(r);
	return ok;
}

static void must(const char *sql)
{
	assert_true(exec_ok(pg, sql));
}

/* Runs sql with text parameters; the result must have rows (or be a command). */
static PGresult *qp(const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s in: %.400s", PQresultErrorMessage(r), sql);
	return r;
}

static long q1l(const char *sql)
{
	PGresult *r = qp(sql, 0, NULL);
	long v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtol(PQgetvalue(r, 0, 0), NULL, 10)
							   : -1;

	PQclear(r);
	return v;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* ---- reading plans and counters */

/* What a plan (EXPLAIN (ANALYZE, FORMAT JSON) output) did: the tables it
 * read by a sequential scan, and the rows its table scans read (returned
 * plus removed by filters, over all loops). */
struct plan_read {
	char seq[256];
	double rows;
};

static struct plan_read plan_read(const char *json)
{
	static const char sql[] = "SELECT coalesce(string_agg(DISTINCT n->>'Relation Name', ',') "
				  "                FILTER (WHERE n->>'Node Type' = 'Seq Scan' AND "
				  "c.relkind = 'r'), ''), "
				  "       coalesce(sum(((n->>'Actual Rows')::float8 + "
				  "coalesce((n->>'Rows Removed by Filter')::float8, 0) "
				  "                     + coalesce((n->>'Rows Removed by Index "
				  "Recheck')::float8, 0)) "
				  "                    * (n->>'Actual Loops')::float8) "
				  "                FILTER (WHERE n->>'Node Type' IN ('Seq Scan', "
				  "'Index Scan', 'Index Only Scan', "
				  "                                                  'Bitmap Heap "
				  "Scan', 'Tid Scan')), 0) "
				  "FROM jsonb_path_query($1::jsonb, 'strict $.**') n "
				  "LEFT JOIN pg_class c ON c.relname = n->>'Relation Name' "
				  "     AND c.relnamespace = 'public'::regnamespace "
				  "WHERE jsonb_typeof(n) = 'object' AND n ? 'Node Type'";
	const char *p[1] = { json };
	PGresult *r = qp(sql, 1, p);
	struct plan_read out;

	snprintf(out.seq, sizeof out.seq, "%s", PQgetvalue(r, 0, 0));
	out.rows = strtod(PQgetvalue(r, 0, 1), NULL);
	PQclear(r);
	return out;
}

/* Inside a transaction: the session's table counters now (they are only
 * flushed between transactions, so a difference within one is exact). */
static void counters_mark(void)
{
	must("DROP TABLE IF EXISTS pg_temp.st0");
	must("CREATE TEMP TABLE st0 AS SELECT relid, seq_scan, seq_tup_read, "
	     "coalesce(idx_tup_fetch, 0) AS idx_tup_fetch "
	     "FROM pg_stat_xact_user_tables");
}

/* Since counters_mark: tables with more than 1000 rows that were read by a
 * sequential scan (in *seq), and every row read by any scan. */
static double counters_read(char *seq, size_t seqlen)
{
	PGresult *r = qp("SELECT coalesce(string_agg(s.relname || '(' || (s.seq_tup_read - "
			 "coalesce(b.seq_tup_read, 0)) "
			 "                         || ' rows)', ',') "
			 "                FILTER (WHERE s.seq_scan > coalesce(b.seq_scan, 0) AND "
			 "c.reltuples > 1000), ''), "
			 "       coalesce(sum(s.seq_tup_read - coalesce(b.seq_tup_read, 0) "
			 "                    + coalesce(s.idx_tup_fetch, 0) - "
			 "coalesce(b.idx_tup_fetch, 0)), 0), "
			 "       coalesce(string_agg(s.relname || ':' || (s.seq_tup_read - "
			 "coalesce(b.seq_tup_read, 0) "
			 "                    + coalesce(s.idx_tup_fetch, 0) - "
			 "coalesce(b.idx_tup_fetch, 0)), ' ' "
			 "                    ORDER BY s.relname) FILTER (WHERE s.seq_tup_read - "
			 "coalesce(b.seq_tup_read, 0) "
			 "                    + coalesce(s.idx_tup_fetch, 0) - "
			 "coalesce(b.idx_tup_fetch, 0) > 0), '') "
			 "FROM pg_stat_xact_user_tables s JOIN pg_class c ON c.oid = s.relid "
			 "LEFT JOIN st0 b ON b.relid = s.relid WHERE s.schemaname = 'public'",
			 0, NULL);
	double rows = strtod(PQgetvalue(r, 0, 1), NULL);

	snprintf(seq, seqlen, "%s", PQgetvalue(r, 0, 0));
	if (verbose)
		printf("      read by table: %s\n", PQgetvalue(r, 0, 2));
	PQclear(r);
	return rows;
}

/* EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE name(literals...): the plan's JSON
 * (caller frees). */
static char *explain_execute(const char *name, int n, const char *const *values)
{
	size_t cap = 256;
	for (int i = 0; i < n; i++)
		cap += 2 * strlen(values[i]) + 8;
	char *sql = malloc(cap);
	assert_non_null(sql);
	size_t used =
		(size_t)snprintf(sql, cap, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE %s(", name);
	for (int i = 0; i < n; i++) {
		char *lit = PQescapeLiteral(pg, values[i], strlen(values[i]));
		assert_non_null(lit);
		used += (size_t)snprintf(sql + used, cap - used, "%s%s", i ? ", " : "", lit);
		PQfreemem(lit);
	}
	snprintf(sql + used, cap - used, ")");
	PGresult *r = qp(sql, 0, NULL);
	free(sql);
	char *json = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return json;
}

/* ---- setup */

static char *read_file(const char *rel)
{
	char path[4096];
	const char *src = getenv("SC_SOURCE_DIR");
	FILE *f;
	long len;
	char *text;

	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "test_push_plans: %s: %s (set SC_SOURCE_DIR)\n", path,
			strerror(errno));
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* The aggregates built from the whole tables, as 004 and 005 build them for
 * rows already stored. */
static const char rebuild_all[] =
	"DELETE FROM dash_education; DELETE FROM dash_letter; DELETE FROM dash_gate; "
	"DELETE FROM dash_hazard; DELETE FROM dash_equipment; "
	"SELECT sc_education_rebuild_schools(ARRAY(SELECT DISTINCT school FROM education)); "
	"SELECT sc_letter_rebuild(ARRAY(SELECT DISTINCT school FROM staff)); "
	"INSERT INTO dash_gate (school, day) SELECT g.school, g.duty_date FROM gate_duty g "
	"WHERE NOT g.deleted AND g.duty_date IS NOT NULL AND g.leader <> '' AND g.teacher <> '' "
	"AND g.guard <> '' "
	"GROUP BY 1, 2 HAVING bool_or(g.shift = 'morning') AND bool_or(g.shift = 'afternoon'); "
	"INSERT INTO dash_hazard SELECT * FROM sc_hazard_timeline(NULL, NULL); "
	"INSERT INTO dash_equipment SELECT * FROM sc_equipment_timeline(NULL, NULL);";

static int setup(void **state)
{
	char sql[256], err[512];
	PGconn *admin;
	char *fill;
	int rc;

	(void)state;
	snprintf(dbname, sizeof dbname, "test_push_plans_%d", (int)getpid());
	if (!(admin = connect_to(base_conninfo)))
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
		fprintf(stderr, "test_push_plans: migrations: %s\n", err);
		return -1;
	}
	if (!(fill = read_file("tests/integration/push_plans_fill.sql")))
		return -1;
	pg = connect_to(conninfo);
	rc = pg && exec_ok(pg, fill) && exec_ok(pg, rebuild_all) &&
	     exec_ok(pg, "SET client_min_messages = error; ANALYZE");
	free(fill);
	if (!rc)
		return -1;
	if (kindsql_init(pg, err, sizeof err)) {
		fprintf(stderr, "test_push_plans: kindsql_init: %s\n", err);
		return -1;
	}
	return exec_ok(pg, "SET plan_cache_mode = force_generic_plan") ? 0 : -1;
}

static int teardown(void **state)
{
	char sql[256];
	PGconn *admin;

	(void)state;
	kindsql_free();
	if (pg)
		PQfinish(pg);
	if (getenv("SC_KEEP_DB"))
		return 0;
	if (!(admin = connect_to(base_conninfo)))
		return 0;
	/* without FORCE first: an autovacuum worker busy with the fresh fill is
	 * told to quit by DROP DATABASE, while FORCE refuses to signal it */
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	PGresult *r = PQexec(admin, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
		exec_ok(admin, sql);
	}
	PQclear(r);
	PQfinish(admin);
	return 0;
}

/* ---- 1. the functions the triggers call */

/* A SQL function and the keys of a small push of its kind, as one query that
 * returns its arguments (text forms) in order. */
struct fn_case {
	const char *fn;
	const char *args;
	double max_rows; /* rows its scans may read, all statements together */
};

static const struct fn_case fn_cases[] = {
	{ "sc_hazard_timeline_of",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id FROM hazard "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
	  /* a staff member's letters, each with its signoff row and its
	   * counter-signature (025, 026) */
	  50 * 14 },
	{ "sc_hazard_rebuild",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id FROM hazard "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
	  50 * 12 },
	{ "sc_equipment_timeline_of",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id FROM equipment "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 30) k",
	  30 * 30 },
	{ "sc_equipment_rebuild",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id FROM equipment "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 30) k",
	  30 * 40 },
	/* a day's sessions of 24 classes and the week's assemblies: 2 buckets */
	{ "sc_education_rebuild",
	  "SELECT array_agg(school), array_agg(slot), array_agg(sc_education_bucket(slot, "
	  "session_date)) FROM (SELECT school, slot, session_date FROM education "
	  "WHERE school = '" FULL "' AND session_date = '2025-03-03' LIMIT 50) k",
	  50 * 4 },
	/* 2 classes: their sessions (~75 each) and the buckets those fall in */
	{ "sc_education_rebuild_classes",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id "
	  "FROM school_class WHERE school = '" FULL "' AND closed_date IS NULL "
	  "ORDER BY id LIMIT 2) k",
	  2 * 80 },
	{ "sc_gate_rebuild",
	  "SELECT array_agg(school), array_agg(duty_date) FROM (SELECT school, duty_date "
	  "FROM gate_duty WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
	  50 * 8 },
	{ "sc_letter_rebuild_staff",
	  "SELECT array_agg(school), array_agg(id) FROM (SELECT school, id FROM staff "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
	  /* a staff member's letters, each with its signoff row and its
	   * counter-signature (025, 026) */
	  50 * 14 },
	/* the counter-signer ('staff 1') counter-signs every letter of the
	 * school: their rows are rebuilt from all of them, which is the point */
	{ "sc_letter_rebuild_letters",
	  "SELECT array_agg(school), array_agg(signer_staff_id), array_agg(signer), "
	  "array_agg(counter_signer) FROM (SELECT * FROM letter "
	  "WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
	  /* each letter read also reads its signoff row and its counter-signature
	   * (025, 026): a few index rows per letter touched, none more */
	  (50 * 4 + 200) * 2 },
};

/* The statements of SQL function fn with its parameters as $1..$n, split at
 * top-level semicolons, comments removed (these bodies have no ';' or "--"
 * in literals). */
static int fn_statements(const char *fn, char *types, size_t typeslen, char **stmts, int max)
{
	const char *p[1] = { fn };
	PGresult *r = qp("SELECT p.prosrc, p.proargnames, p.pronargs, "
			 "(SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) "
			 " FROM unnest(p.proargtypes) WITH ORDINALITY AS x(t, o)) "
			 "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
			 "WHERE p.proname = $1 AND l.lanname = 'sql'",
			 1, p);
	assert_int_equal(PQntuples(r), 1);
	char *src = xstrdup(PQgetvalue(r, 0, 0));
	int nargs = atoi(PQgetvalue(r, 0, 2));
	snprintf(types, typeslen, "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	for (int i = 1; i <= nargs; i++) {
		char idx[16];
		snprintf(idx, sizeof idx, "%d", i);
		const char *rp[3] = { src, fn, idx };
		r = qp("SELECT regexp_replace($1, '\\m' || (SELECT proargnames[$3::int] FROM "
		       "pg_proc "
		       "WHERE proname = $2) || '\\M', '$' || $3, 'g')",
		       3, rp);
		free(src);
		src = xstrdup(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	/* line comments go first: a ';' in one (026's) split a statement */
	for (char *c = strstr(src, "--"); c; c = strstr(c, "--")) {
		size_t k = strcspn(c, "\n");
		memset(c, ' ', k);
	}
	int n = 0;
	for (char *save = NULL, *s = strtok_r(src, ";", &save); s && n < max;
	     s = strtok_r(NULL, ";", &save)) {
		s += strspn(s, " \t\r\n");
		if (*s)
			stmts[n++] = xstrdup(s);
	}
	free(src);
	return n;
}

static void test_function_plans(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof fn_cases / sizeof fn_cases[0]; c++) {
		const struct fn_case *fc = &fn_cases[c];
		char types[256], *stmts[8];
		int n = fn_statements(fc->fn, types, sizeof types, stmts, 8);
		double rows = 0;

		assert_true(n > 0);
		PGresult *ar = qp(fc->args, 0, NULL);
		int nargs = PQnfields(ar);
		const char *args[8];
		for (int i = 0; i < nargs && i < 8; i++)
			args[i] = PQgetvalue(ar, 0, i);
		must("BEGIN");
		for (int s = 0; s < n; s++) {
			size_t len = strlen(stmts[s]) + strlen(types) + 64;
			char *prep = malloc(len);
			assert_non_null(prep);
			snprintf(prep, len, "PREPARE fn_stmt(%s) AS %s", types, stmts[s]);
			must(prep);
			free(prep);
			char *json = explain_execute("fn_stmt", nargs, args);
			struct plan_read pr = plan_read(json);
			free(json);
			must("DEALLOCATE fn_stmt");
			if (pr.seq[0])
				fail_msg("%s, statement %d: Seq Scan on %s (generic plan)", fc->fn,
					 s + 1, pr.seq);
			rows += pr.rows;
			free(stmts[s]);
		}
		must("ROLLBACK");
		PQclear(ar);
		if (verbose)
			printf("    %-30s %d statement(s), %6.0f rows read (at most %.0f)\n",
			       fc->fn, n, rows, fc->max_rows);
		if (rows > fc->max_rows)
			fail_msg("%s read %.0f rows for a small push (at most %.0f)", fc->fn, rows,
				 fc->max_rows);
	}
}

/* ---- 2. the server's statements and the triggers they fire */

/* NPUSH records of kind k as the server would upsert them: rows of school
 * `from` read back through the pull statement (so every field is real),
 * with a fresh id (fresh) or their own, and a newer hlc. */
static Safecampus__Record **records_of(const struct kind *k, const char *from, int fresh, size_t *n)
{
	const struct kindsql *ks = kindsql_of(k);
	char limit[16];
	snprintf(limit, sizeof limit, "%d", NPUSH);
	const char *p[3] = { from, "0", limit };
	PGresult *r = qp(ks->pull_school, 3, p);
	Safecampus__Record **recs = calloc((size_t)PQntuples(r) + 1, sizeof *recs);

	assert_non_null(recs);
	*n = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		Safecampus__Record *rec;
		assert_int_equal(kindsql_row_to_record(ks, r, i, &rec), 0);
		rec->hlc += 1000;
		if (fresh) {
			char id[40];
			snprintf(id, sizeof id, "00000000-0000-4000-8000-%012x",
				 0x100000u + (unsigned)i);
			free(rec->id);
			rec->id = xstrdup(id);
		}
		recs[(*n)++] = rec;
	}
	PQclear(r);
	return recs;
}

static void records_free(Safecampus__Record **recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kind_record_free(recs[i]);
	free(recs);
}

/* Upserts recs into school under EXPLAIN and counts what it read, triggers
 * included; rolled back. Returns the rows read. */
static double push_measured(const struct kind *k, const char *school, Safecampus__Record **recs,
			    size_t n, const char *what)
{
	/* a "1530" session's bucket is recounted from the sessions of every
	 * class on its day (24 here) or week, and each is checked against its
	 * class: 2 x 24 per bucket, and 50 records of one class are 50 buckets */
	double per_record = !strcmp(k->name, "education") ? 2 * 24 + 10 : PER_RECORD;
	const struct kindsql *ks = kindsql_of(k);
	struct kindsql_batch b;
	char seq[512], name[64], ids[4096];
	size_t used = 0;

	assert_int_equal(kindsql_batch_init(&b, ks, school, "main"), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kindsql_batch_add(&b, recs[i]), 0);
	const char *const *params = kindsql_batch_params(&b);
	assert_non_null(params);
	used += (size_t)snprintf(ids + used, sizeof ids - used, "{");
	for (size_t i = 0; i < n && used < sizeof ids; i++)
		used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? "," : "",
					 recs[i]->id);
	if (used < sizeof ids)
		snprintf(ids + used, sizeof ids - used, "}");

	must("BEGIN");
	/* select existing, phase 1 */
	snprintf(name, sizeof name, "sel_%s", k->name);
	PGresult *r = PQprepare(pg, name, ks->select_existing, 0, NULL);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *sel[2] = { school, ids };
	char *json = explain_execute(name, 2, sel);
	struct plan_read pr = plan_read(json);
	free(json);
	if (pr.seq[0])
		fail_msg("%s select existing: Seq Scan on %s", k->name, pr.seq);
	/* the upsert, phase 2, and its triggers */
	snprintf(name, sizeof name, "up_%s", k->name);
	r = PQprepare(pg, name, ks->upsert, 0, NULL);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	counters_mark();
	json = explain_execute(name, ks->nparams_upsert, params);
	pr = plan_read(json);
	free(json);
	double rows = counters_read(seq, sizeof seq);
	must("ROLLBACK"); /* prepared statements outlive it */
	must("DEALLOCATE ALL");
	kindsql_batch_free(&b);
	if (verbose)
		printf("    %-16s %-28s %3zu records into %-4s: %6.0f rows read\n", k->name, what,
		       n, school, rows);
	if (pr.seq[0])
		fail_msg("%s upsert (%s): Seq Scan on %s", k->name, what, pr.seq);
	if (seq[0])
		fail_msg("%s upsert (%s) and its triggers: sequential scan of %s", k->name, what,
			 seq);
	if (rows > per_record * (double)n + 200)
		fail_msg("%s upsert (%s) and its triggers read %.0f rows for %zu records (at most "
			 "%.0f)",
			 k->name, what, rows, n, per_record * (double)n + 200);
	return rows;
}

static void test_push_statements(void **state)
{
	static const char *const kinds[] = { "hazard",    "hazard_event", "school_class",
					     "staff",     "letter",       "education",
					     "gate_duty", "equipment",    "equipment_check" };
	(void)state;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct kind *k = kind_by_name(kinds[i]);
		size_t n;
		assert_non_null(k);
		Safecampus__Record **recs = records_of(k, FULL, 1, &n);
		assert_true(n >= 20); /* a school has 48 classes, NPUSH of the rest */
		push_measured(k, FULL, recs, n, "new");
		records_free(recs, n);
		if (!k->immutable) {
			recs = records_of(k, FULL, 0, &n);
			push_measured(k, FULL, recs, n, "re-sent, newer");
			records_free(recs, n);
		}
	}
	/* flat: 50 new hazards cost the same in a full school as in an empty one */
	const struct kind *hz = kind_by_name("hazard");
	size_t n;
	Safecampus__Record **recs = records_of(hz, FULL, 1, &n);
	double full = push_measured(hz, FULL, recs, n, "new (full school)");
	double empty = push_measured(hz, EMPTY, recs, n, "new (empty school)");
	records_free(recs, n);
	if (full > empty + n)
		fail_msg("50 new hazards read %.0f rows in a full school, %.0f in an empty one",
			 full, empty);
}

/* The hazard workflow's statements (server/wf_hazard.c), as push.c runs them
 * for the parents of a batch of events. */
static void test_workflow_statements(void **state)
{
	(void)state;
	PGresult *ar =
		qp("SELECT '{' || string_agg(id::text, ',') || '}', "
		   "'{' || string_agg(id::text, ',') || '}', "
		   "'{' || string_agg('assigned', ',') || '}', '{' || string_agg('O', ',') || '}', "
		   "'{' || string_agg('2026-12-31', ',') || '}', '{' || string_agg('\"\"', ',') || "
		   "'}', "
		   "'{' || string_agg('0', ',') || '}', '{' || string_agg('0', ',') || '}', "
		   "'{' || string_agg('0', ',') || '}' "
		   "FROM (SELECT id FROM hazard WHERE school = '" FULL "' ORDER BY id LIMIT 50) k",
		   0, NULL);
	const char *load[2] = { FULL, PQgetvalue(ar, 0, 0) };
	const char *store[9] = { FULL };
	for (int i = 1; i < 9; i++)
		store[i] = PQgetvalue(ar, 0, i);
	char seq[512];

	must("BEGIN");
	PGresult *r = PQprepare(pg, "wf_load", wf_hazard.load_sql, 0, NULL);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQprepare(pg, "wf_store", wf_hazard.store_sql, 0, NULL);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	char *json = explain_execute("wf_load", 2, load);
	struct plan_read pl = plan_read(json);
	free(json);
	counters_mark();
	json = explain_execute("wf_store", 9, store);
	struct plan_read ps = plan_read(json);
	free(json);
	double rows = counters_read(seq, sizeof seq);
	must("ROLLBACK");
	must("DEALLOCATE ALL");
	PQclear(ar);
	if (verbose)
		printf("    hazard workflow load %.0f rows, store (and triggers) %.0f rows\n",
		       pl.rows, rows);
	if (pl.seq[0] || ps.seq[0] || seq[0])
		fail_msg("hazard workflow: sequential scan of %s%s%s", pl.seq, ps.seq, seq);
	assert_true(rows <= PER_RECORD * 50 + 200);
}

/* ---- 3. the aggregates stay right */

static void test_aggregates_match_rebuild(void **state)
{
	(void)state;
	must("BEGIN");
	/* edits that matter to the dashboards, and some that do not */
	must("UPDATE hazard SET found_date = found_date - 3 WHERE school = 's002' AND title IN "
	     "('hazard 1', 'hazard 2')");
	must("UPDATE hazard SET deleted = true WHERE school = 's002' AND title = 'hazard 3'");
	must("UPDATE hazard SET owner = 'X' WHERE school = 's002' AND title = 'hazard 4'");
	must("DELETE FROM hazard_event WHERE school = 's002' AND action = 'verify' AND hazard_id "
	     "IN "
	     "(SELECT id FROM hazard WHERE school = 's002' AND title IN ('hazard 5', 'hazard 6'))");
	must("INSERT INTO hazard_event (id, school, campus, hlc, seq, written_by, hazard_id, "
	     "action, actor, actor_role, "
	     "deadline_date, at_ms) SELECT gen_random_uuid(), school, 'main', 9, "
	     "nextval('sync_seq'), 'main', id, 'reopen', "
	     "'P', 'principal', '2026-12-30', 0 FROM hazard WHERE school = 's002' AND title = "
	     "'hazard 7'");
	must("UPDATE school_class SET opened_date = '2025-03-05' WHERE school = 's002' AND name = "
	     "'3'");
	must("UPDATE school_class SET closed_date = '2025-03-20', head_teacher = 'Y' WHERE school "
	     "= 's002' AND name = '4'");
	must("UPDATE school_class SET head_teacher = 'Z' WHERE school = 's002' AND name = '5'");
	must("UPDATE school_class SET deleted = true WHERE school = 's002' AND name = '6'");
	must("DELETE FROM education WHERE school = 's002' AND session_date = '2025-03-04' AND slot "
	     "= 'daily_1'");
	must("UPDATE education SET deleted = true WHERE school = 's002' AND session_date = "
	     "'2025-03-10' "
	     "AND slot = 'weekly_10'");
	must("UPDATE gate_duty SET guard = '' WHERE school = 's002' AND duty_date = '2025-01-06'");
	must("DELETE FROM gate_duty WHERE school = 's002' AND duty_date = '2025-01-07' AND shift = "
	     "'morning'");
	must("UPDATE staff SET name = 's002 staff 1' WHERE school = 's002' AND name = 's002 staff "
	     "9'");
	must("UPDATE staff SET deleted = true WHERE school = 's002' AND name = 's002 staff 10'");
	must("UPDATE staff SET department = 'D' WHERE school = 's002' AND name = 's002 staff 11'");
	must("UPDATE letter SET signer = 's002 staff 13', signer_staff_id = NULL WHERE school = "
	     "'s002' "
	     "AND signer = 's002 staff 12'");
	must("UPDATE letter SET counter_signer = 's002 staff 2' WHERE school = 's002' AND signer = "
	     "'s002 staff 14'");
	must("DELETE FROM letter WHERE school = 's002' AND signer = 's002 staff 15' AND year = "
	     "2026");
	must("UPDATE equipment SET last_check_date = '2026-11-01' WHERE school = 's002' AND item = "
	     "'item 1'");
	must("UPDATE equipment SET interval_days = 7 WHERE school = 's002' AND item = 'item 2'");
	must("DELETE FROM equipment_check WHERE school = 's002' AND check_date > '2026-06-01' AND "
	     "equipment_id IN "
	     "(SELECT id FROM equipment WHERE school = 's002' AND item = 'item 3')");
	must("CREATE TEMP TABLE kept_education AS SELECT * FROM dash_education; "
	     "CREATE TEMP TABLE kept_letter AS SELECT * FROM dash_letter; "
	     "CREATE TEMP TABLE kept_gate AS SELECT * FROM dash_gate; "
	     "CREATE TEMP TABLE kept_hazard AS SELECT * FROM dash_hazard; "
	     "CREATE TEMP TABLE kept_equipment AS SELECT * FROM dash_equipment");
	must(rebuild_all);
	static const char *const pairs[][2] = {
		{ "kept_education", "dash_education" }, { "kept_letter", "dash_letter" },
		{ "kept_gate", "dash_gate" },           { "kept_hazard", "dash_hazard" },
		{ "kept_equipment", "dash_equipment" },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char sql[512];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE %s) UNION ALL (TABLE %s "
			 "EXCEPT ALL TABLE %s)) x",
			 pairs[i][0], pairs[i][1], pairs[i][1], pairs[i][0]);
		long diff = q1l(sql);
		if (diff != 0) {
			char *rows;
			snprintf(sql, sizeof sql,
				 "SELECT string_agg(x::text, ' ') FROM ((SELECT 'kept', * FROM %s "
				 "EXCEPT ALL SELECT 'kept', * FROM %s) UNION ALL (SELECT "
				 "'rebuilt', * "
				 "FROM %s EXCEPT ALL SELECT 'rebuilt', * FROM %s)) x",
				 pairs[i][0], pairs[i][1], pairs[i][1], pairs[i][0]);
			PGresult *dr = qp(sql, 0, NULL);
			rows = xstrdup(PQntuples(dr) ? PQgetvalue(dr, 0, 0) : "");
			PQclear(dr);
			fail_msg("%s after the edits differs from its rebuild in %ld rows: %.400s",
				 pairs[i][1], diff, rows);
		}
	}
	/* and the edits reached them (a test that changes nothing proves nothing) */
	assert_true(q1l("SELECT count(*) FROM dash_letter WHERE school = 's002'") > 0);
	must("ROLLBACK");
}

/* A new district's table. A pooled connection prepares select existing while
 * the table is small and keeps that plan while the table grows; push.c's
 * phase 1 plans it with enable_seqscan off. So planned that way on an empty
 * hazard table (a schema of its own, first in search_path), the generic plan
 * reads the ids by index, and still does once the table holds the district's
 * hazards (without the setting it is a Seq Scan, and stays one). */
static void test_young_table_plan(void **state)
{
	const struct kindsql *ks = kindsql_of(kind_by_name("hazard"));
	PGresult *r;

	(void)state;
	must("CREATE SCHEMA young");
	must("CREATE TABLE young.hazard (LIKE public.hazard INCLUDING ALL)");
	r = qp("SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM public.hazard "
	       "WHERE school = '" FULL "' ORDER BY id LIMIT 50) s",
	       0, NULL);
	char *ids = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	must("SET search_path = young, public");
	must("BEGIN");
	must("SELECT set_config('enable_seqscan', 'off', true)"); /* as phase 1 */
	r = PQprepare(pg, "young_sel", ks->select_existing, 0, NULL);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *sel[2] = { FULL, ids };
	char *json = explain_execute("young_sel", 2, sel);
	struct plan_read empty = plan_read(json);
	free(json);
	must("RESET enable_seqscan");
	must("INSERT INTO young.hazard SELECT * FROM public.hazard");
	long rows = q1l("SELECT count(*) FROM young.hazard");
	json = explain_execute("young_sel", 2, sel);
	struct plan_read grown = plan_read(json);
	free(json);
	must("ROLLBACK");
	must("DEALLOCATE ALL");
	must("RESET search_path");
	must("DROP SCHEMA young CASCADE");
	free(ids);
	if (verbose)
		printf("    select existing planned on an empty table: %.0f rows read then, %.0f "
		       "with %ld rows\n",
		       empty.rows, grown.rows, rows);
	assert_true(rows >= 1000);
	if (empty.seq[0] || grown.seq[0])
		fail_msg("select existing planned on an empty table: Seq Scan on %s%s",
			 empty.seq[0] ? empty.seq : grown.seq,
			 grown.seq[0] ? " (and kept once the table grew)" : "");
	if (grown.rows > 2 * NPUSH)
		fail_msg("select existing of %d ids read %.0f rows of %ld", NPUSH, grown.rows,
			 rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_plans),
		cmocka_unit_test(test_push_statements),
		cmocka_unit_test(test_workflow_statements),
		cmocka_unit_test(test_aggregates_match_rebuild),
		cmocka_unit_test(test_young_table_plan),
	};
	const char *lvl = getenv("SC_LOG");
	enum log_level level = LOG_ERROR;

	base_conninfo = getenv("SC_PG_CONNINFO");
	if (!base_conninfo || !*base_conninfo) {
		fprintf(stderr, "test_push_plans: SC_PG_CONNINFO is not set; start a cluster with "
				"tests/lib/pg.sh\n");
		return 1;
	}
	if (lvl && log_parse_level(lvl, &level) != 0)
		return 1;
	verbose = level <= LOG_INFO;
	log_set_level(level);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
