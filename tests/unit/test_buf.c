/* buf.c: limits, reserve/commit/consume, lazy compaction, the sane() invariant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_init_allocates_nothing(void **state)
{
	struct buf b;

	(void)state;
	memset(&b, 0x5a, sizeof b);
	buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	assert_int_equal(buf_used(&b), 0);
	assert_true(buf_sane(&b));
	buf_free(&b);
	buf_free(&b); /* twice is harmless */
	assert_true(buf_sane(&b));
}

static void test_append_and_limit(void **state)
{
	struct buf b;
	uint8_t src[300];

	(void)state;
	fill(src, sizeof src, 1);
	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, src, 0), 0);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(buf_append(&b, src, 60), 0);
	assert_true(b.cap <= b.max); /* the first allocation respects a small max */
	assert_int_equal(buf_append(&b, src + 60, 40), 0);
	assert_int_equal(buf_used(&b), 100);
	assert_memory_equal(buf_head(&b), src, 100);
	/* full: one more byte is refused and nothing changes */
	assert_int_equal(buf_append(&b, src, 1), SC_ETOOBIG);
	assert_int_equal(buf_used(&b), 100);
	assert_memory_equal(buf_head(&b), src, 100);
	assert_true(buf_sane(&b));
	/* more than max in one go, on an empty buffer */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, src, 101), SC_ETOOBIG);
	assert_int_equal(buf_used(&b), 0);
	/* SIZE_MAX must not wrap the check */
	assert_int_equal(buf_append(&b, src, SIZE_MAX), SC_ETOOBIG);
	assert_null(buf_reserve(&b, SIZE_MAX));
	assert_null(buf_reserve(&b, 101));
	assert_true(buf_sane(&b));
	buf_free(&b);

	/* max of zero: nothing fits, nothing is allocated */
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, src, 1), SC_ETOOBIG);
	assert_null(b.data);
	buf_free(&b);
}

static void test_reserve_commit(void **state)
{
	struct buf b;
	uint8_t *w;

	(void)state;
	buf_init(&b, 1 << 20);
	w = buf_reserve(&b, 10);
	assert_non_null(w);
	assert_true(b.cap >= 10);
	memcpy(w, "0123456789", 10);
	assert_int_equal(buf_used(&b), 0); /* nothing until commit */
	buf_commit(&b, 4);
	assert_int_equal(buf_used(&b), 4);
	assert_memory_equal(buf_head(&b), "0123", 4);
	/* reserve more than is free: grows, keeps content */
	w = buf_reserve(&b, 10000);
	assert_non_null(w);
	assert_true(b.cap >= 10004);
	assert_true(b.cap <= b.max);
	memset(w, 'x', 10000);
	buf_commit(&b, 10000);
	assert_int_equal(buf_used(&b), 10004);
	assert_memory_equal(buf_head(&b), "0123xxxx", 8);
	assert_true(buf_sane(&b));
	buf_free(&b);
}

static void test_consume_and_compaction(void **state)
{
	struct buf b;
	uint8_t src[4096], *w;
	size_t cap;

	(void)state;
	fill(src, sizeof src, 3);
	buf_init(&b, 4096);
	assert_int_equal(buf_append(&b, src, 4096), 0);
	cap = b.cap;
	assert_int_equal(cap, 4096);

	/* consuming moves the read offset, no memmove */
	buf_consume(&b, 1000);
	assert_int_equal(b.off, 1000);
	assert_int_equal(buf_used(&b), 3096);
	assert_memory_equal(buf_head(&b), src + 1000, 3096);
	buf_consume(&b, 96);
	assert_true(buf_sane(&b));

	/* full to max but with 1096 bytes consumed in front: a reserve that fits
	 * after compaction compacts instead of failing or growing */
	w = buf_reserve(&b, 1096);
	assert_non_null(w);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.cap, cap);
	assert_memory_equal(buf_head(&b), src + 1096, 3000);
	memcpy(w, src, 1096);
	buf_commit(&b, 1096);
	assert_int_equal(buf_used(&b), 4096);
	assert_memory_equal(buf_head(&b) + 3000, src, 1096);
	/* and now there is no room at all */
	assert_null(buf_reserve(&b, 1));
	assert_int_equal(buf_append(&b, src, 1), SC_ETOOBIG);
	assert_true(buf_sane(&b));

	/* consuming everything rewinds to the start */
	buf_consume(&b, 4096);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_used(&b), 0);
	buf_consume(&b, 0);
	assert_true(buf_sane(&b));
	buf_free(&b);
}

/* A reader that takes frames one at a time while a writer appends: content
 * stays in order across many compactions, and the buffer never exceeds max. */
static void test_stream_through(void **state)
{
	struct buf b;
	uint8_t chunk[777], out[512];
	size_t next_in = 0, next_out = 0;
	size_t total_in = 0, total_out = 0;

	(void)state;
	buf_init(&b, 5000);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(round * 37) % sizeof chunk + 1;
		if (buf_used(&b) + n <= b.max) {
			for (size_t i = 0; i < n; i++)
				chunk[i] = (uint8_t)(next_in++ & 0xff);
			assert_int_equal(buf_append(&b, chunk, n), 0);
			total_in += n;
		} else {
			assert_int_equal(buf_append(&b, chunk, n), SC_ETOOBIG);
		}
		size_t m = (size_t)(round * 53) % sizeof out;
		if (m > buf_used(&b))
			m = buf_used(&b);
		memcpy(out, buf_head(&b), m);
		buf_consume(&b, m);
		for (size_t i = 0; i < m; i++)
			assert_int_equal(out[i], next_out++ & 0xff);
		total_out += m;
		assert_true(buf_sane(&b));
		assert_true(b.cap <= 5000);
	}
	assert_int_equal(total_in - total_out, buf_used(&b));
	assert_true(total_in > 100000);
	buf_free(&b);
}

static void test_reset_and_reuse(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	buf_consume(&b, 2);
	buf_reset(&b);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(b.off, 0);
	assert_non_null(b.data); /* storage kept */
	assert_int_equal(buf_append(&b, "again", 5), 0);
	assert_memory_equal(buf_head(&b), "again", 5);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 64); /* reusable with the same limit */
	assert_int_equal(buf_append(&b, "third", 5), 0);
	assert_memory_equal(buf_head(&b), "third", 5);
	buf_free(&b);
}

static void test_sane_detects_broken(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	b.off = 1; /* off > len */
	assert_false(buf_sane(&b));
	buf_init(&b, 10);
	b.len = 5; /* len > cap */
	assert_false(buf_sane(&b));
	buf_init(&b, 10);
	b.cap = 11; /* cap > max, and no data */
	assert_false(buf_sane(&b));
	buf_init(&b, 10);
	b.cap = 5; /* cap without data */
	assert_false(buf_sane(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_allocates_nothing),
		cmocka_unit_test(test_append_and_limit),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_consume_and_compaction),
		cmocka_unit_test(test_stream_through),
		cmocka_unit_test(test_reset_and_reuse),
		cmocka_unit_test(test_sane_detects_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
