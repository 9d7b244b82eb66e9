/* district.c and config.c's db_schema: several districts in one database,
 * one schema each. A bad schema name must stop the server at start (not
 * create a schema nobody meant, nor fall back to public and mix two
 * districts); a good one must reach every session through the connection
 * string without losing what the operator wrote there; and the locks and
 * the NOTIFY channel must differ per district. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "config.h"
#include "district.h"
#include "err.h"

/* config_load with the required settings plus extra flags */
static int load(struct config *cfg, const char *const *extra, size_t n, char *err, size_t errlen)
{
	char *argv[16];
	size_t argc = 0;
	const char *base[] = { "--cert=s.crt", "--key=s.key", "--ca=ca.crt", "--district=d1" };

	for (size_t i = 0; i < 4; i++)
		argv[argc++] = (char *)base[i];
	for (size_t i = 0; i < n && argc < 16; i++)
		argv[argc++] = (char *)extra[i];
	return config_load(cfg, NULL, (int)argc, argv, err, errlen);
}

/* the value of keyword kw in conninfo, as libpq reads it ("" if unset) */
static void conn_value(const char *conninfo, const char *kw, char *out, size_t len)
{
	char *e = NULL;
	PQconninfoOption *o = PQconninfoParse(conninfo, &e);

	assert_non_null(o);
	out[0] = '\0';
	for (PQconninfoOption *p = o; p->keyword; p++)
		if (strcmp(p->keyword, kw) == 0 && p->val)
			snprintf(out, len, "%s", p->val);
	PQconninfoFree(o);
}

static void test_bad_schema(void **state)
{
	static const char *const bad[] = {
		"--db_schema=District_A", /* upper case would need quoting */
		"--db_schema=a-b",
		"--db_schema=1abc",
		"--db_schema=a b",
		"--db_schema=a;drop",
		"--db_schema=public",
		"--db_schema=information_schema",
		"--db_schema=pg_temp",
		"--db_schema=a234567890123456789012345678901234567890x", /* 41 */
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct config cfg;
		char err[512] = "";
		int rc = load(&cfg, &bad[i], 1, err, sizeof err);
		print_message("%s -> %s\n", bad[i], err);
		assert_int_equal(rc, SC_ECONFIG);
		assert_non_null(strstr(err, "db_schema"));
		config_free(&cfg);
	}
}

static void test_good_schema(void **state)
{
	static const char *const flags[] = {
		"--db_schema=d_440300",
		"--database=host=/tmp/pg port=5 password='it\\'s\\\\x' options='-c work_mem=8MB'",
	};
	struct config cfg;
	char err[512] = "", v[256];

	(void)state;
	assert_int_equal(load(&cfg, flags, 2, err, sizeof err), 0);
	assert_string_equal(cfg.db_schema, "d_440300");
	conn_value(cfg.database, "options", v, sizeof v);
	/* the operator's options kept, ours after them so that ours wins */
	assert_string_equal(v, "-c work_mem=8MB -csearch_path=d_440300");
	conn_value(cfg.database, "password", v, sizeof v);
	assert_string_equal(v, "it's\\x");
	conn_value(cfg.database, "host", v, sizeof v);
	assert_string_equal(v, "/tmp/pg");
	conn_value(cfg.database, "port", v, sizeof v);
	assert_string_equal(v, "5");
	config_free(&cfg);

	/* a URI, with no options: they are added */
	static const char *const uri[] = { "--db_schema=d2",
					   "--database=postgresql://u@127.0.0.1:6/db" };
	assert_int_equal(load(&cfg, uri, 2, err, sizeof err), 0);
	conn_value(cfg.database, "options", v, sizeof v);
	assert_string_equal(v, "-csearch_path=d2");
	conn_value(cfg.database, "dbname", v, sizeof v);
	assert_string_equal(v, "db");
	config_free(&cfg);

	/* the maximum length: 40 */
	static const char *const longest[] = {
		"--db_schema=a234567890123456789012345678901234567890"
	};
	assert_int_equal(load(&cfg, longest, 1, err, sizeof err), 0);
	config_free(&cfg);
}

/* without db_schema the connection string is the operator's, untouched */
static void test_no_schema(void **state)
{
	static const char *const flags[] = { "--database=dbname=x  options='-c a=b'" };
	struct config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, flags, 1, err, sizeof err), 0);
	assert_string_equal(cfg.db_schema, "");
	assert_string_equal(cfg.database, "dbname=x  options='-c a=b'");
	config_free(&cfg);
}

static void test_bad_conninfo(void **state)
{
	static const char *const flags[] = { "--db_schema=d1", "--database=host='open" };
	struct config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, flags, 2, err, sizeof err), SC_ECONFIG);
	assert_non_null(strstr(err, "database:"));
	assert_null(strchr(err, '\n'));
	config_free(&cfg);
}

static void test_locks_and_channels(void **state)
{
	struct district_sql a, b, legacy, esc;
	char ca[DISTRICT_CHANNEL_SIZE], cb[DISTRICT_CHANNEL_SIZE], cl[DISTRICT_CHANNEL_SIZE];

	(void)state;
	district_lock("", DISTRICT_LOCK_SYNC, false, &legacy);
	/* one district per database: the key every earlier server took */
	assert_int_equal(legacy.nparams, 1);
	assert_string_equal(legacy.params[0], "5956551234");
	assert_non_null(strstr(legacy.sql, "pg_advisory_xact_lock"));

	district_lock("d_a", DISTRICT_LOCK_SYNC, false, &a);
	district_lock("d_b", DISTRICT_LOCK_SYNC, false, &b);
	assert_int_equal(a.nparams, 2);
	assert_string_equal(a.params[1], "d_a");
	assert_string_equal(b.params[1], "d_b");
	assert_string_equal(a.params[0], b.params[0]); /* same class, another schema */
	assert_null(strstr(a.sql, "try"));

	district_lock("d_a", DISTRICT_LOCK_ESCALATE, true, &esc);
	assert_non_null(strstr(esc.sql, "pg_try_advisory_xact_lock"));
	assert_string_not_equal(esc.params[0], a.params[0]); /* another lock of d_a */
	district_lock("", DISTRICT_LOCK_ESCALATE, true, &esc);
	assert_string_equal(esc.params[0], "5956551238");

	district_channel("", cl, sizeof cl);
	district_channel("d_a", ca, sizeof ca);
	district_channel("a234567890123456789012345678901234567890", cb, sizeof cb);
	assert_string_equal(cl, "safecampus_changes");
	assert_string_equal(ca, "safecampus_changes_d_a");
	/* the longest schema still fits PostgreSQL's 63-byte names */
	assert_int_equal(strlen(cb), 19 + DISTRICT_SCHEMA_MAX);
	assert_true(strlen(cb) <= 63);
}

/* what start-up checks the session against */
static void test_conninfo_schema(void **state)
{
	char out[DISTRICT_SCHEMA_MAX + 1], *ci = NULL, err[256];

	(void)state;
	assert_int_equal(district_conninfo("dbname=x options='-c work_mem=8MB'", "d_7", &ci, err,
					   sizeof err),
			 0);
	district_conninfo_schema(ci, out, sizeof out);
	assert_string_equal(out, "d_7");
	free(ci);
	district_conninfo_schema("dbname=x", out, sizeof out);
	assert_string_equal(out, "");
	district_conninfo_schema("dbname=x options='-c work_mem=8MB'", out, sizeof out);
	assert_string_equal(out, "");
	/* the last setting wins, as in PostgreSQL */
	district_conninfo_schema("options='-csearch_path=a -c search_path=b_2'", out, sizeof out);
	assert_string_equal(out, "b_2");
	/* not a district's name: nothing to check against */
	district_conninfo_schema("options='-csearch_path=\"$user\",public'", out, sizeof out);
	assert_string_equal(out, "");
	district_conninfo_schema("options='-csearch_path=public'", out, sizeof out);
	assert_string_equal(out, "");
	district_conninfo_schema("host='open", out, sizeof out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_schema),         cmocka_unit_test(test_good_schema),
		cmocka_unit_test(test_no_schema),          cmocka_unit_test(test_bad_conninfo),
		cmocka_unit_test(test_locks_and_channels), cmocka_unit_test(test_conninfo_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
