/* Shared by test_dashboard.c and test_dashboard_msg.c: connections, the
 * group setup that makes a database with the migrations and
 * dashboard_fixture.sql (and an empty one), its teardown, and value checks. */
#ifndef TESTS_INTEGRATION_DASHBOARD_HARNESS_H
#define TESTS_INTEGRATION_DASHBOARD_HARNESS_H

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

#define NONE NAN /* not applicable: has_value false / SQL NULL */

static const char *base_conninfo;
static char dbname[64], empty_dbname[64];
static char conninfo[1024], empty_conninfo[1024];
static PGconn *pg;

/* ---- helpers */

/* A connection to ci, or NULL (the error on stderr). */
static PGconn *dh_connect_to(const char *ci)
{
	PGconn *c = PQconnectdb(ci);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_dashboard: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Runs sql on c; 1 if it succeeded (else the error on stderr). */
static int dh_exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "test_dashboard: %s\n  in: %.300s\n", PQresultErrorMessage(r), sql);
	PQclear(r);
	return ok;
}

/* Fails the test unless got is want (within 0.006; NONE: no value). */
static void dh_check_value(const char *what, double got, double want)
{
	if (isnan(want)) {
		if (!isnan(got))
			fail_msg("%s: expected no value, got %g", what, got);
		return;
	}
	if (isnan(got) || fabs(got - want) > 0.006)
		fail_msg("%s: expected %g, got %g", what, want, got);
}

/* ---- setup */

/* Makes the fixture database and an empty one, opens pg on the first. */
static int dh_setup(void **state)
{
	char path[4096], sql[256];
	const char *src = getenv("SC_SOURCE_DIR");
	PGconn *admin;
	FILE *f;
	char *fixture;
	long len;
	int rc;

	(void)state;
	snprintf(dbname, sizeof dbname, "test_dashboard_%d", (int)getpid());
	snprintf(empty_dbname, sizeof empty_dbname, "test_dashboard_empty_%d", (int)getpid());
	admin = dh_connect_to(base_conninfo);
	if (!admin)
		return -1;
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	rc = dh_exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "ALTER DATABASE %s SET timezone = 'UTC'", dbname);
	rc = rc && dh_exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", empty_dbname);
	rc = rc && dh_exec_ok(admin, sql);
	PQfinish(admin);
	if (!rc)
		return -1;
	/* a repeated keyword wins: the last dbname is the one used */
	snprintf(conninfo, sizeof conninfo, "%s dbname=%s", base_conninfo, dbname);
	snprintf(empty_conninfo, sizeof empty_conninfo, "%s dbname=%s", base_conninfo,
		 empty_dbname);
	char err[512];
	if (migrate_apply(conninfo, err, sizeof err)) {
		fprintf(stderr, "test_dashboard: migrations: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/tests/integration/dashboard_fixture.sql", src ? src : ".");
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "test_dashboard: %s: %s (set SC_SOURCE_DIR)\n", path,
			strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	fixture = calloc(1, (size_t)len + 1);
	if (!fixture || fread(fixture, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(fixture);
		return -1;
	}
	fclose(f);
	pg = dh_connect_to(conninfo);
	rc = pg && dh_exec_ok(pg, fixture) &&
	     dh_exec_ok(pg, "SET client_min_messages = error; ANALYZE");
	free(fixture);
	return rc ? 0 : -1;
}

/* Closes pg and drops both databases (kept with SC_KEEP_DB). */
static int dh_teardown(void **state)
{
	char sql[256];
	PGconn *admin;

	(void)state;
	if (pg)
		PQfinish(pg);
	if (getenv("SC_KEEP_DB"))
		return 0;
	admin = dh_connect_to(base_conninfo);
	if (!admin)
		return 0;
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
	dh_exec_ok(admin, sql);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", empty_dbname);
	dh_exec_ok(admin, sql);
	PQfinish(admin);
	return 0;
}

/* Reads SC_PG_CONNINFO and SC_LOG before the group runs; 0, or 1 to exit. */
static int dh_init(void)
{
	const char *lvl = getenv("SC_LOG");
	enum log_level level = LOG_ERROR;

	base_conninfo = getenv("SC_PG_CONNINFO");
	if (!base_conninfo || !*base_conninfo) {
		fprintf(stderr, "test_dashboard: SC_PG_CONNINFO is not set; start a cluster with "
				"tests/lib/pg.sh\n");
		return 1;
	}
	if (lvl && log_parse_level(lvl, &level) != 0)
		return 1;
	log_set_level(level);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

#endif
