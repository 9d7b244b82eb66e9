/* conn_limits.c: the counts behind the per-address and per-certificate
 * connection limits. A count must come back to zero and its entry go, or a
 * worker slowly refuses an address it no longer serves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "conn_limits.h"

static void test_counts(void **state)
{
	struct limit_table t;

	(void)state;
	limit_table_init(&t);
	assert_int_equal(limit_get(&t, "127.0.0.1"), 0);
	limit_dec(&t, "127.0.0.1"); /* absent: ignored */
	assert_int_equal(limit_inc(&t, "127.0.0.1"), 1);
	assert_int_equal(limit_inc(&t, "127.0.0.1"), 2);
	assert_int_equal(limit_inc(&t, "schoolA/main"), 1);
	assert_int_equal(limit_get(&t, "127.0.0.1"), 2);
	assert_int_equal(t.nentries, 2);
	limit_dec(&t, "127.0.0.1");
	limit_dec(&t, "127.0.0.1");
	assert_int_equal(limit_get(&t, "127.0.0.1"), 0);
	assert_int_equal(t.nentries, 1);
	limit_dec(&t, "schoolA/main");
	assert_int_equal(t.nentries, 0);
	limit_table_free(&t);
}

/* many keys: the table grows and loses none */
static void test_grow(void **state)
{
	struct limit_table t;
	char key[32];

	(void)state;
	limit_table_init(&t);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
		assert_int_equal(limit_inc(&t, key), 1);
		if (i % 3 == 0)
			assert_int_equal(limit_inc(&t, key), 2);
	}
	assert_int_equal(t.nentries, 5000);
	assert_true(t.nbuckets * 2 >= t.nentries);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
		assert_int_equal(limit_get(&t, key), i % 3 == 0 ? 2u : 1u);
		limit_dec(&t, key);
		if (i % 3 == 0)
			limit_dec(&t, key);
	}
	assert_int_equal(t.nentries, 0);
	limit_table_free(&t);
	assert_int_equal(t.nbuckets, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
