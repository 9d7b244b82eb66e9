/* hlc.c and uuid.c: the two things that make a record's identity and order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hlc.h"
#include "uuid.h"

/* ------------------------------------------------------------------ hlc */

static void test_layout(void **state)
{
	uint64_t s = HLC_MAKE(1767225600123ull, 7);

	(void)state;
	assert_int_equal(HLC_MS(s), 1767225600123ull);
	assert_int_equal(HLC_COUNT(s), 7);
	assert_int_equal(HLC_MAKE(1, 0x1ffff), HLC_MAKE(1, 0xffff)); /* count is 16 bits */
	/* stamps compare as integers: ms first, then count */
	assert_true(HLC_MAKE(1000, 0xffff) < HLC_MAKE(1001, 0));
	assert_true(HLC_MAKE(1000, 1) < HLC_MAKE(1000, 2));
}

static void test_tick_follows_wall_clock(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	assert_int_equal(hlc_tick(&c, 1000), HLC_MAKE(1000, 0));
	assert_int_equal(hlc_tick(&c, 1005), HLC_MAKE(1005, 0));
	assert_int_equal(hlc_tick(&c, 2000), HLC_MAKE(2000, 0));
	assert_int_equal(c.last, HLC_MAKE(2000, 0));
}

static void test_counter_within_same_ms(void **state)
{
	struct hlc c = { 0 };

	(void)state;
	assert_int_equal(hlc_tick(&c, 1000), HLC_MAKE(1000, 0));
	assert_int_equal(hlc_tick(&c, 1000), HLC_MAKE(1000, 1));
	assert_int_equal(hlc_tick(&c, 1000), HLC_MAKE(1000, 2));
	/* the wall clock moving on resets the counter */
	assert_int_equal(hlc_tick(&c, 1001), HLC_MAKE(1001, 0));
}

static void test_monotonic_when_wall_goes_back(void **state)
{
	struct hlc c = { 0 };
	uint64_t prev;

	(void)state;
	prev = hlc_tick(&c, 5000);
	/* NTP steps the clock back by 4 s: stamps keep rising on the old ms */
	for (int i = 1; i <= 100; i++) {
		uint64_t s = hlc_tick(&c, 1000 + (uint64_t)i);
		assert_true(s > prev);
		assert_int_equal(HLC_MS(s), 5000);
		assert_int_equal(HLC_COUNT(s), (unsigned)i);
		prev = s;
	}
	/* when the wall clock passes the old time again, it takes over */
	assert_int_equal(hlc_tick(&c, 5001), HLC_MAKE(5001, 0));
}

static void test_counter_overflow_carries(void **state)
{
	struct hlc c = { HLC_MAKE(1000, 0xfffe) };
	uint64_t a, b;

	(void)state;
	a = hlc_tick(&c, 1000);
	assert_int_equal(a, HLC_MAKE(1000, 0xffff));
	b = hlc_tick(&c, 1000);
	assert_true(b > a); /* 65536 events in one ms: borrow the next ms */
	assert_int_equal(b, HLC_MAKE(1001, 0));
}

static void test_observe_ahead_moves_clock(void **state)
{
	struct hlc c = { 0 };
	uint64_t remote = HLC_MAKE(60000, 3);

	(void)state;
	hlc_tick(&c, 1000);
	assert_int_equal(hlc_observe(&c, remote, 1000), 0);
	assert_int_equal(c.last, remote);
	/* the next local stamp is after the remote one even though our wall is behind */
	assert_int_equal(hlc_tick(&c, 1001), HLC_MAKE(60000, 4));
	/* a stamp behind ours changes nothing */
	assert_int_equal(hlc_observe(&c, HLC_MAKE(10, 0), 1002), 0);
	assert_int_equal(c.last, HLC_MAKE(60000, 4));
	assert_int_equal(hlc_observe(&c, 0, 1002), 0);
	assert_int_equal(c.last, HLC_MAKE(60000, 4));
	/* equal stamp: next tick is still strictly greater */
	assert_int_equal(hlc_observe(&c, HLC_MAKE(60000, 4), 1002), 0);
	assert_true(hlc_tick(&c, 1002) > HLC_MAKE(60000, 4));
}

static void test_drift_limit(void **state)
{
	struct hlc c = { 0 };
	const uint64_t now = 1767225600000ull;

	(void)state;
	hlc_tick(&c, now);
	/* exactly at the limit: accepted */
	assert_int_equal(hlc_observe(&c, HLC_MAKE(now + HLC_MAX_DRIFT_MS, 0xffff), now), 0);
	assert_int_equal(c.last, HLC_MAKE(now + HLC_MAX_DRIFT_MS, 0xffff));
	/* one ms past it: refused, clock unchanged */
	assert_int_equal(hlc_observe(&c, HLC_MAKE(now + HLC_MAX_DRIFT_MS + 1, 0), now), -ERANGE);
	assert_int_equal(c.last, HLC_MAKE(now + HLC_MAX_DRIFT_MS, 0xffff));
	assert_int_equal(hlc_observe(&c, UINT64_MAX, now), -ERANGE);
	assert_int_equal(c.last, HLC_MAKE(now + HLC_MAX_DRIFT_MS, 0xffff));
}

/* Two campuses that observed the same stamp tick to the same value: the
 * writing campus orders them, the same way on every side. */
static void test_equal_stamps_ordered_by_writer(void **state)
{
	struct hlc a = { 0 }, b = { 0 };
	uint64_t seen = HLC_MAKE(5000, 7);

	(void)state;
	assert_int_equal(hlc_observe(&a, seen, 1000), 0);
	assert_int_equal(hlc_observe(&b, seen, 1000), 0);
	uint64_t sa = hlc_tick(&a, 1000), sb = hlc_tick(&b, 1000);
	assert_true(sa == sb);
	assert_true(hlc_version_cmp(sa, "east", sb, "main") < 0);
	assert_true(hlc_version_cmp(sb, "main", sa, "east") > 0);
	assert_int_equal(hlc_version_cmp(sa, "main", sb, "main"), 0);
	/* the stamp decides first, whatever the names */
	assert_true(hlc_version_cmp(sa + 1, "a", sb, "zzz") > 0);
	/* bytewise, as PostgreSQL's COLLATE "C": upper case before lower,
	 * UTF-8 by byte value, a prefix first */
	assert_true(hlc_version_cmp(1, "Main", 1, "main") < 0);
	assert_true(hlc_version_cmp(1, "main", 1, "main-2") < 0);
	assert_true(hlc_version_cmp(1, "z", 1, "\xe4\xb8\x9c") < 0);
	assert_true(hlc_version_cmp(1, NULL, 1, "") == 0);
}

static void test_wall_ms(void **state)
{
	uint64_t a, b;

	(void)state;
	a = hlc_wall_ms();
	b = hlc_wall_ms();
	assert_true(a > 1577836800000ull); /* after 2020-01-01 */
	assert_true(a < (1ull << 48));     /* fits the 48-bit field */
	assert_true(b >= a && b - a < 10000);
}

/* ------------------------------------------------------------------ uuid */

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_uuid_format(void **state)
{
	char u[UUID_STR_LEN + 1];

	(void)state;
	for (int n = 0; n < 1000; n++) {
		memset(u, 'Z', sizeof u);
		assert_int_equal(uuid_new(u), 0);
		assert_int_equal(strlen(u), UUID_STR_LEN);
		for (int i = 0; i < UUID_STR_LEN; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				assert_int_equal(u[i], '-');
			else
				assert_non_null(strchr("0123456789abcdef", u[i]));
		}
		assert_int_equal(u[14], '4');           /* version 4 */
		assert_non_null(strchr("89ab", u[19])); /* RFC 4122 variant */
		assert_true(uuid_valid(u));
	}
}

static void test_uuid_valid(void **state)
{
	static const char *const bad[] = {
		"",
		"0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2",   /* short */
		"0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2bc", /* long */
		"0F8E1C2A-3B4D-4E5F-8A6B-7C8D9E0F1A2B",  /* upper case is not canonical */
		"0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2B",
		"0f8e1c2a3b4d-4e5f-8a6b-7c8d9e0f1a2b-", /* dash moved */
		"0f8e1c2a_3b4d_4e5f_8a6b_7c8d9e0f1a2b",
		"{f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2}",
		"0f8e1c2g-3b4d-4e5f-8a6b-7c8d9e0f1a2b", /* g */
		" 0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2",
		"0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2\n",
	};

	(void)state;
	assert_true(uuid_valid("0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b"));
	assert_true(uuid_valid("00000000-0000-0000-0000-000000000000"));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (uuid_valid(bad[i]))
			fail_msg("took bad uuid \"%s\"", bad[i]);
	assert_false(uuid_valid(NULL));
}

static void test_uuid_unique(void **state)
{
	enum { N = 10000 };
	char(*ids)[UUID_STR_LEN + 1] = calloc(N, sizeof *ids);

	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++)
		assert_int_equal(uuid_new(ids[i]), 0);
	qsort(ids, N, sizeof *ids, cmp_str);
	for (int i = 1; i < N; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("duplicate uuid %s", ids[i]);
	/* the random bits are spread: the first hex digit takes many values */
	{
		int seen[16] = { 0 }, kinds = 0;
		for (int i = 0; i < N; i++)
			seen[strchr("0123456789abcdef", ids[i][0]) - "0123456789abcdef"] = 1;
		for (int i = 0; i < 16; i++)
			kinds += seen[i];
		assert_int_equal(kinds, 16);
	}
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_tick_follows_wall_clock),
		cmocka_unit_test(test_counter_within_same_ms),
		cmocka_unit_test(test_monotonic_when_wall_goes_back),
		cmocka_unit_test(test_counter_overflow_carries),
		cmocka_unit_test(test_observe_ahead_moves_clock),
		cmocka_unit_test(test_drift_limit),
		cmocka_unit_test(test_equal_stamps_ordered_by_writer),
		cmocka_unit_test(test_wall_ms),
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_uuid_valid),
		cmocka_unit_test(test_uuid_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
