/* Schema migrations: see migrate.h. Blocking libpq on purpose: this runs once,
 * before the event loop exists. */
#include "migrate.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "district.h"
#include "log.h"

/* Key of the session advisory lock that serialises migrating processes
 * (arbitrary constant, "safecampus migrate"). One for the whole database,
 * districts (schemas) included: they migrate one after another, at start-up
 * only, and a new district's schema is made under it. */
#define MIGRATE_LOCK_KEY "7310582211043051521"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_error("migrate failed reason=\"%s\"", buf);
	if (err && errlen)
		snprintf(err, errlen, "%s", buf);
}

/* Trims libpq's trailing newline and flattens the text for one line. */
static void flat(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++) {
		char ch = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : (*s == '"' ? '\'' : *s);

		if (ch == ' ' && (i == 0 || buf[i - 1] == ' '))
			continue;
		buf[i++] = ch;
	}
	while (i > 0 && buf[i - 1] == ' ')
		i--;
	buf[i] = '\0';
}

/* "42P01 relation "x" does not exist (line 3; detail: ...; hint: ...)" */
static void pg_errtext(PGconn *pg, const PGresult *res, const char *sql, char *buf, size_t n)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	char msg[512], extra[512] = "";
	size_t used = 0;
	int w;

	flat(primary ? primary : PQerrorMessage(pg), msg, sizeof msg);
	if (pos && sql) {
		long p = strtol(pos, NULL, 10);
		long line = 1;

		for (long i = 0; i < p - 1 && sql[i]; i++)
			line += sql[i] == '\n';
		used += (size_t)snprintf(extra + used, sizeof extra - used, "; line %ld", line);
	}
	if (detail && used < sizeof extra)
		used += (size_t)snprintf(extra + used, sizeof extra - used, "; detail: %s", detail);
	if (hint && used < sizeof extra)
		used += (size_t)snprintf(extra + used, sizeof extra - used, "; hint: %s", hint);
	w = snprintf(buf, n, "%s %s%s%s%s", state ? state : "-----", msg, used ? " (" : "",
		     used ? extra + 2 : "", used ? ")" : "");
	if (w > 0 && (size_t)w >= n && n > 4)
		memcpy(buf + n - 4, "...", 4); /* cut, and say so */
}

static void quiet_notice(void *arg, const char *message)
{
	char msg[512];

	(void)arg;
	flat(message, msg, sizeof msg);
	log_debug("migrate notice msg=\"%s\"", msg);
}

/* Runs sql; true if it ended with status want, or with any success status
 * when lenient (a migration may end with a SELECT, or be only comments).
 * On failure errtext describes it. */
static bool run(PGconn *pg, const char *sql, ExecStatusType want, bool lenient, char *errtext,
		size_t n)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == want || (lenient && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
					     st == PGRES_EMPTY_QUERY));

	if (!ok)
		pg_errtext(pg, res, sql, errtext, n);
	PQclear(res);
	return ok;
}

static int apply_one(PGconn *pg, const struct migration *m, char *err, size_t errlen)
{
	char why[1024];
	const char *params[1] = { m->name };
	struct timespec t0, t1;
	PGresult *res;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!run(pg, "BEGIN", PGRES_COMMAND_OK, false, why, sizeof why))
		goto fail;
	/* recorded first, in the same transaction: applied and recorded commit
	 * together even if the migration carries a COMMIT of its own */
	res = PQexecParams(pg, "INSERT INTO schema_migrations(name) VALUES ($1)", 1, NULL, params,
			   NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_errtext(pg, res, NULL, why, sizeof why);
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	/* several statements in one simple query: PQexec stops at the first error */
	if (!run(pg, m->sql, PGRES_COMMAND_OK, true, why, sizeof why))
		goto fail;
	if (PQtransactionStatus(pg) != PQTRANS_INTRANS) {
		snprintf(why, sizeof why,
			 "it ended the transaction itself; what ran before that is committed and "
			 "recorded as applied: check the schema by hand (no BEGIN/COMMIT in "
			 "migrations)");
		goto fail;
	}
	/* deferred constraints fail here, not earlier */
	res = PQexec(pg, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0 ||
	    PQtransactionStatus(pg) != PQTRANS_IDLE) {
		pg_errtext(pg, res, NULL, why, sizeof why);
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("migration applied name=%s ms=%ld", m->name,
		 (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
fail:
	if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
	seterr(err, errlen, "migration %s failed: %s", m->name, why);
	return SC_EDB;
}

/* A district of its own (db_schema, district.h) names its schema first in the
 * session's search_path; the schema is made on the district's first start.
 * Without one (current_schema() is public, or whatever the database says)
 * nothing is made. Runs under the migration lock: two servers of a new
 * district starting together make it once. A session whose search_path is
 * not the one conninfo asked for (a pooler that dropped the options) is
 * refused: its tables would go to another district's schema, or public. */
/* "safecampus district=ID": the comment a district's schema carries, so that
 * a server of another district (a copied configuration) cannot write into it. */
#define CLAIM_PREFIX "safecampus district="

/* The schema is district's: claimed now if nobody has, else refused unless
 * it is district's already. */
static int claim_schema(PGconn *pg, const char *schema, const char *district, char *err,
			size_t errlen)
{
	const char *params[1] = { schema };
	PGresult *res = PQexecParams(pg,
				     "SELECT coalesce(obj_description(to_regnamespace($1), "
				     "'pg_namespace'), '')",
				     1, NULL, params, NULL, NULL, 0);
	char why[1024], mine[256];
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_errtext(pg, res, NULL, why, sizeof why);
		seterr(err, errlen, "cannot read schema %s's owner district: %s", schema, why);
		rc = SC_EDB;
		goto out;
	}
	snprintf(mine, sizeof mine, CLAIM_PREFIX "%s", district);
	const char *have = PQgetvalue(res, 0, 0);
	if (strcmp(have, mine) == 0)
		goto out;
	/* PostgreSQL's own comment on public: a one-district database moved into
	 * a schema by renaming public (OPERATIONS.md) is nobody's yet */
	if (*have && strcmp(have, "standard public schema") != 0) {
		if (strncmp(have, CLAIM_PREFIX, strlen(CLAIM_PREFIX)) == 0)
			seterr(err, errlen,
			       "schema %s holds district %.80s, and this server is district "
			       "%.80s: check db_schema and district",
			       schema, have + strlen(CLAIM_PREFIX), district);
		else
			seterr(err, errlen,
			       "schema %s has a comment that is not safecampus's (\"%.80s\"): "
			       "if it is this district's, remove it (COMMENT ON SCHEMA %s IS "
			       "NULL) and start again",
			       schema, have, schema);
		rc = SC_EDB;
		goto out;
	}
	char *lit = PQescapeLiteral(pg, mine, strlen(mine)), sql[512];
	if (!lit) {
		seterr(err, errlen, "cannot quote the district id: %s", PQerrorMessage(pg));
		rc = SC_EDB;
		goto out;
	}
	snprintf(sql, sizeof sql, "COMMENT ON SCHEMA %s IS %s", schema, lit);
	PQfreemem(lit);
	if (!run(pg, sql, PGRES_COMMAND_OK, false, why, sizeof why)) {
		seterr(err, errlen, "cannot mark schema %s as district %s's: %s", schema, district,
		       why);
		rc = SC_EDB;
		goto out;
	}
	log_info("district schema claimed schema=%s district=%s", schema, district);
out:
	PQclear(res);
	return rc;
}

static int make_schema(PGconn *pg, const char *conninfo, const char *district, char *err,
		       size_t errlen)
{
	char want[DISTRICT_SCHEMA_MAX + 1];

	district_conninfo_schema(conninfo, want, sizeof want);
	PGresult *res = PQexec(pg, "SELECT current_schema() IS NULL, "
				   "btrim(split_part(current_setting('search_path'), ',', 1))");
	char why[1024], sql[DISTRICT_SCHEMA_MAX + 32];
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_errtext(pg, res, NULL, why, sizeof why);
		seterr(err, errlen, "cannot read the search_path: %s", why);
		rc = SC_EDB;
		goto out;
	}
	const char *name = PQgetvalue(res, 0, 1);
	if (*want && strcmp(name, want) != 0) {
		seterr(err, errlen,
		       "the session's search_path starts with \"%.80s\", not the district's "
		       "schema %s: something between safecampusd and PostgreSQL (a pooler such "
		       "as pgbouncer) dropped the connection's options; connect directly",
		       name, want);
		rc = SC_EDB;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto claim; /* it exists */
	if (!*name || !district_schema_valid(name, NULL)) {
		seterr(err, errlen,
		       "no schema to create the tables in: search_path starts with \"%.80s\", "
		       "which does not exist",
		       name);
		rc = SC_EDB;
		goto out;
	}
	/* valid: lower-case letters, digits and _, nothing to quote */
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", name);
	if (!run(pg, sql, PGRES_COMMAND_OK, false, why, sizeof why)) {
		seterr(err, errlen, "cannot create schema %s: %s", name, why);
		rc = SC_EDB;
		goto out;
	}
	log_info("district schema created schema=%s", name);
claim:
	if (*want && district)
		rc = claim_schema(pg, want, district, err, errlen);
out:
	PQclear(res);
	return rc;
}

static int cmp_migration(const void *a, const void *b)
{
	const struct migration *const *x = a;
	const struct migration *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static bool applied(const PGresult *res, const char *name)
{
	for (int i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), name) == 0)
			return true;
	return false;
}

static int migrate_run(const char *conninfo, const struct migration *list, const char *district,
		       char *err, size_t errlen)
{
	static const char *const kw[] = { "fallback_application_name", "dbname", NULL };
	const char *val[] = { "safecampusd-migrate", conninfo, NULL };
	const struct migration **sorted = NULL;
	PGresult *done = NULL;
	PGconn *pg = NULL;
	bool locked = false;
	size_t n = 0, nnew = 0;
	char why[1024];
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!conninfo || !list) {
		seterr(err, errlen, "no conninfo or migration list");
		return -EINVAL;
	}
	while (list[n].name)
		n++;
	sorted = calloc(n ? n : 1, sizeof *sorted);
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!list[i].sql || !list[i].name[0]) {
			seterr(err, errlen, "migration #%zu has no name or no SQL", i);
			rc = -EINVAL;
			goto out;
		}
		sorted[i] = &list[i];
	}
	qsort(sorted, n, sizeof *sorted, cmp_migration);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
			seterr(err, errlen, "duplicate migration name %s", sorted[i]->name);
			rc = -EINVAL;
			goto out;
		}
	}

	pg = PQconnectdbParams(kw, val, 1);
	if (!pg) {
		rc = -ENOMEM;
		goto out;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		char msg[512];

		flat(PQerrorMessage(pg), msg, sizeof msg);
		seterr(err, errlen, "cannot connect to PostgreSQL: %s", msg);
		rc = SC_EDB;
		goto out;
	}
	PQsetNoticeProcessor(pg, quiet_notice, NULL);
	/* several servers may start together: one migrates, the others wait and
	 * then find nothing left to do */
	if (!run(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", PGRES_TUPLES_OK, false, why,
		 sizeof why)) {
		seterr(err, errlen, "cannot take the migration lock: %s", why);
		rc = SC_EDB;
		goto out;
	}
	locked = true;
	rc = make_schema(pg, conninfo, district, err, errlen);
	if (rc)
		goto out;
	if (!run(pg,
		 "CREATE TABLE IF NOT EXISTS schema_migrations ("
		 " name text PRIMARY KEY,"
		 " applied_at timestamptz NOT NULL DEFAULT now())",
		 PGRES_COMMAND_OK, false, why, sizeof why)) {
		seterr(err, errlen, "cannot create schema_migrations: %s", why);
		rc = SC_EDB;
		goto out;
	}
	done = PQexec(pg, "SELECT name FROM schema_migrations");
	if (PQresultStatus(done) != PGRES_TUPLES_OK) {
		pg_errtext(pg, done, NULL, why, sizeof why);
		seterr(err, errlen, "cannot read schema_migrations: %s", why);
		rc = SC_EDB;
		goto out;
	}
	for (int i = 0; i < PQntuples(done); i++) {
		bool known = false;

		for (size_t j = 0; j < n && !known; j++)
			known = strcmp(sorted[j]->name, PQgetvalue(done, i, 0)) == 0;
		if (!known)
			log_warn("migration unknown to this binary name=%s (newer schema?)",
				 PQgetvalue(done, i, 0));
	}
	for (size_t i = 0; i < n; i++) {
		if (applied(done, sorted[i]->name))
			continue;
		rc = apply_one(pg, sorted[i], err, errlen);
		if (rc < 0)
			goto out;
		nnew++;
	}
	log_info("migrations up to date total=%zu applied_now=%zu", n, nnew);
out:
	PQclear(done);
	if (locked && PQstatus(pg) == CONNECTION_OK)
		PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	PQfinish(pg);
	free(sorted);
	return rc;
}

int migrate_apply_list(const char *conninfo, const struct migration *list, char *err, size_t errlen)
{
	return migrate_run(conninfo, list, NULL, err, errlen);
}

int migrate_apply(const char *conninfo, char *err, size_t errlen)
{
	return migrate_run(conninfo, migrations, NULL, err, errlen);
}

int migrate_apply_district(const char *conninfo, const char *district, char *err, size_t errlen)
{
	return migrate_run(conninfo, migrations, district, err, errlen);
}
