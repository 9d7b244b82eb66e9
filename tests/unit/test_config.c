/* config.c, the read replica's keys (replica, replica_max_lag_ms), from a
 * file and from flags: their defaults, good values taken, bad ones refused
 * with a message naming the key; and db_replica.c's LSN parser, which
 * turns what the lag probe reads into positions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "db_replica.h"

/* what every configuration needs before the keys under test */
static char *base[] = { "--cert=c.pem", "--key=k.pem", "--ca=ca.pem", "--district=d1" };
#define NBASE 4

/* config_load with the base flags plus extra ones; err gets the message */
static int load_flags(struct config *cfg, char *err, size_t errlen, int n, ...)
{
	char *argv[16];
	va_list ap;

	memcpy(argv, base, sizeof base);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[NBASE + i] = va_arg(ap, char *);
	va_end(ap);
	err[0] = '\0';
	return config_load(cfg, NULL, NBASE + n, argv, err, errlen);
}

/* config_load of a file holding text, plus the base flags */
static int load_file(struct config *cfg, const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/sc-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	int rc = config_load(cfg, path, NBASE, base, err, errlen);
	unlink(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct config cfg;
	char err[512];
	(void)state;

	assert_int_equal(load_flags(&cfg, err, sizeof err, 0), 0);
	assert_string_equal(cfg.replica, "");
	assert_int_equal(cfg.replica_max_lag_ms, 2000);
	config_free(&cfg);
}

static void test_good_values(void **state)
{
	struct config cfg;
	char err[512];
	(void)state;

	assert_int_equal(load_flags(&cfg, err, sizeof err, 2,
				    "--replica=host=/tmp/r port=5433 dbname=safecampus",
				    "--replica-max-lag-ms=500"),
			 0);
	assert_string_equal(cfg.replica, "host=/tmp/r port=5433 dbname=safecampus");
	assert_int_equal(cfg.replica_max_lag_ms, 500);
	config_free(&cfg);

	assert_int_equal(load_file(&cfg,
				   "replica = postgresql://r.example/safecampus\n"
				   "replica_max_lag_ms = 1\n",
				   err, sizeof err),
			 0);
	assert_string_equal(cfg.replica, "postgresql://r.example/safecampus");
	assert_int_equal(cfg.replica_max_lag_ms, 1);
	config_free(&cfg);
}

/* each bad value is refused, and the message says which key and why */
static void test_bad_lag(void **state)
{
	static const char *const bad[] = {
		"0", "-5", "abc", "10ms", "", "3600001", "99999999999999999999"
	};
	struct config cfg;
	char err[512], flag[64];
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(flag, sizeof flag, "--replica_max_lag_ms=%s", bad[i]);
		assert_int_equal(load_flags(&cfg, err, sizeof err, 1, flag), SC_ECONFIG);
		assert_non_null(strstr(err, "replica_max_lag_ms"));
		assert_non_null(strstr(err, "is not a whole number from 1 to 3600000"));
		config_free(&cfg);
	}
	assert_int_equal(load_file(&cfg, "replica_max_lag_ms = fast\n", err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, ":1: replica_max_lag_ms: \"fast\""));
	config_free(&cfg);
}

static void test_bad_replica(void **state)
{
	struct config cfg;
	char err[512];
	(void)state;

	/* not a conninfo: libpq's reason is passed on */
	assert_int_equal(load_flags(&cfg, err, sizeof err, 1, "--replica=host"), SC_ECONFIG);
	assert_non_null(strstr(err, "replica: not a libpq connection string: "));
	assert_non_null(strstr(err, "host"));
	config_free(&cfg);
	assert_int_equal(load_flags(&cfg, err, sizeof err, 1, "--replica=nosuchkey=1"), SC_ECONFIG);
	assert_non_null(strstr(err, "nosuchkey"));
	config_free(&cfg);
	assert_int_equal(load_file(&cfg, "replica = host='unterminated\n", err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, "replica: not a libpq connection string"));
	config_free(&cfg);
	/* the primary itself is no replica */
	assert_int_equal(
		load_flags(&cfg, err, sizeof err, 2, "--database=dbname=x", "--replica=dbname=x"),
		SC_ECONFIG);
	assert_non_null(strstr(err, "replica names the database itself"));
	config_free(&cfg);
}

/* with db_schema, the standby's sessions get the district's search_path too
 * (it holds the same schema) */
static void test_schema(void **state)
{
	struct config cfg;
	char err[512];
	(void)state;

	assert_int_equal(load_flags(&cfg, err, sizeof err, 3, "--db_schema=d2",
				    "--database=dbname=x", "--replica=dbname=x port=5433"),
			 0);
	assert_non_null(strstr(cfg.database, "search_path=d2"));
	assert_non_null(strstr(cfg.replica, "search_path=d2"));
	assert_non_null(strstr(cfg.replica, "5433"));
	config_free(&cfg);
	assert_int_equal(load_flags(&cfg, err, sizeof err, 0), 0);
	config_free(&cfg);
}

/* the lag bound is reloadable, the replica's address is not */
static void test_reload(void **state)
{
	struct config a, b;
	char err[512], fixed[256];
	(void)state;

	assert_int_equal(load_flags(&a, err, sizeof err, 2, "--replica=dbname=r",
				    "--replica_max_lag_ms=100"),
			 0);
	assert_int_equal(load_flags(&b, err, sizeof err, 2, "--replica=dbname=r2",
				    "--replica_max_lag_ms=900"),
			 0);
	assert_int_equal(config_apply_reload(&a, &b, fixed, sizeof fixed), 1);
	assert_int_equal(a.replica_max_lag_ms, 900);
	assert_string_equal(a.replica, "dbname=r");
	assert_string_equal(fixed, "replica");
	config_free(&a);
	config_free(&b);
}

static void test_lsn(void **state)
{
	uint64_t v = 0;
	(void)state;

	assert_int_equal(replica__parse_lsn("16/B374D848", &v), 0);
	assert_true(v == 0x16B374D848ull);
	assert_int_equal(replica__parse_lsn("0/0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(replica__parse_lsn("FFFFFFFF/FFFFFFFF", &v), 0);
	assert_true(v == UINT64_MAX);
	/* ordering follows the two halves */
	uint64_t a, b;
	assert_int_equal(replica__parse_lsn("1/0", &a), 0);
	assert_int_equal(replica__parse_lsn("0/FFFFFFFF", &b), 0);
	assert_true(a > b);
	static const char *const bad[] = { "",    "16",    "/1",          "1/",
					   "1/x", "1/2/3", "100000000/0", "0/100000000" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(replica__parse_lsn(bad[i], &v), -EINVAL);
	assert_int_equal(replica__parse_lsn(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_lag),  cmocka_unit_test(test_bad_replica),
		cmocka_unit_test(test_reload),   cmocka_unit_test(test_lsn),
		cmocka_unit_test(test_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
