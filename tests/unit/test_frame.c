/* frame.c: the decoder over split, merged and hostile input; encode limits;
 * envelope round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

static void put_be32(uint8_t *p, uint32_t n)
{
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
}

/* A Hello envelope with request id rid. */
static void hello_env(Safecampus__Envelope *env, Safecampus__Hello *h, uint64_t rid)
{
	safecampus__envelope__init(env);
	safecampus__hello__init(h);
	h->min_version = 1;
	h->max_version = 1;
	h->client_version = "safecampus 0.1.0";
	h->outbox_pending = 3;
	h->oldest_pending_ms = 1767225600000;
	env->request_id = rid;
	env->body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env->hello = h;
}

/* ------------------------------------------------------------------ decode */

static void test_need_more_on_short_header(void **state)
{
	const uint8_t p[3] = { 0, 0, 0 };
	const uint8_t *payload = NULL;
	size_t plen = 77, consumed = 77;

	(void)state;
	for (size_t len = 0; len < FRAME_HEADER; len++)
		assert_int_equal(frame_decode(p, len, 1024, &payload, &plen, &consumed),
				 FRAME_NEED_MORE);
	assert_int_equal(frame_decode(NULL, 0, 1024, &payload, &plen, &consumed), FRAME_NEED_MORE);
	/* nothing is written when no frame is returned */
	assert_null(payload);
	assert_int_equal(plen, 77);
	assert_int_equal(consumed, 77);
}

static void test_split_byte_by_byte(void **state)
{
	Safecampus__Envelope env;
	Safecampus__Hello h;
	struct buf b;
	const uint8_t *payload;
	size_t plen, consumed, total;
	uint8_t *copy;

	(void)state;
	hello_env(&env, &h, 42);
	buf_init(&b, 1 << 16);
	assert_int_equal(frame_encode(&b, &env, 1 << 16), 0);
	total = buf_used(&b);
	assert_int_equal(total, FRAME_HEADER + safecampus__envelope__get_packed_size(&env));
	/* the stream arrives one byte at a time into a growing buffer */
	copy = malloc(total);
	assert_non_null(copy);
	for (size_t have = 0; have <= total; have++) {
		memcpy(copy, buf_head(&b), have);
		enum frame_status st =
			frame_decode(copy, have, 1 << 16, &payload, &plen, &consumed);
		if (have < total) {
			assert_int_equal(st, FRAME_NEED_MORE);
		} else {
			assert_int_equal(st, FRAME_OK);
			assert_ptr_equal(payload, copy + FRAME_HEADER);
			assert_int_equal(plen, total - FRAME_HEADER);
			assert_int_equal(consumed, total);
		}
	}
	{
		Safecampus__Envelope *u = frame_envelope_unpack(payload, plen);
		assert_non_null(u);
		assert_int_equal(u->request_id, 42);
		assert_int_equal(u->body_case, SAFECAMPUS__ENVELOPE__BODY_HELLO);
		assert_string_equal(u->hello->client_version, "safecampus 0.1.0");
		frame_envelope_free(u);
	}
	free(copy);
	buf_free(&b);
}

static void test_merged_frames(void **state)
{
	Safecampus__Envelope env;
	Safecampus__Hello h;
	struct buf b;
	const uint8_t *p, *payload;
	size_t len, plen, consumed;
	uint64_t want = 1;

	(void)state;
	buf_init(&b, 1 << 16);
	for (uint64_t rid = 1; rid <= 5; rid++) {
		hello_env(&env, &h, rid);
		assert_int_equal(frame_encode(&b, &env, 1 << 16), 0);
	}
	/* plus half of a sixth */
	hello_env(&env, &h, 6);
	{
		struct buf tmp;
		buf_init(&tmp, 1 << 16);
		assert_int_equal(frame_encode(&tmp, &env, 1 << 16), 0);
		assert_int_equal(buf_append(&b, buf_head(&tmp), buf_used(&tmp) / 2), 0);
		buf_free(&tmp);
	}
	p = buf_head(&b);
	len = buf_used(&b);
	while (frame_decode(p, len, 1 << 16, &payload, &plen, &consumed) == FRAME_OK) {
		Safecampus__Envelope *u = frame_envelope_unpack(payload, plen);
		assert_non_null(u);
		assert_int_equal(u->request_id, want);
		want++;
		frame_envelope_free(u);
		p += consumed;
		len -= consumed;
	}
	assert_int_equal(want, 6);
	assert_int_equal(frame_decode(p, len, 1 << 16, &payload, &plen, &consumed),
			 FRAME_NEED_MORE);
	assert_true(len > 0);
	buf_free(&b);
}

static void test_exact_max_and_one_more(void **state)
{
	const size_t max = 1000;
	uint8_t *p = calloc(1, FRAME_HEADER + max + 1);
	const uint8_t *payload = NULL;
	size_t plen = 0, consumed = 0;

	(void)state;
	assert_non_null(p);
	put_be32(p, (uint32_t)max);
	assert_int_equal(frame_decode(p, FRAME_HEADER + max, max, &payload, &plen, &consumed),
			 FRAME_OK);
	assert_int_equal(plen, max);
	assert_int_equal(consumed, FRAME_HEADER + max);
	assert_int_equal(frame_decode(p, FRAME_HEADER + max - 1, max, &payload, &plen, &consumed),
			 FRAME_NEED_MORE);

	put_be32(p, (uint32_t)max + 1);
	/* refused from the header alone, before any payload arrives */
	assert_int_equal(frame_decode(p, FRAME_HEADER, max, &payload, &plen, &consumed),
			 FRAME_TOO_BIG);
	assert_int_equal(frame_decode(p, FRAME_HEADER + max + 1, max, &payload, &plen, &consumed),
			 FRAME_TOO_BIG);
	put_be32(p, UINT32_MAX);
	assert_int_equal(frame_decode(p, FRAME_HEADER, FRAME_MAX_LIMIT, &payload, &plen, &consumed),
			 FRAME_TOO_BIG);
	put_be32(p, FRAME_MAX_DEFAULT + 1);
	assert_int_equal(
		frame_decode(p, FRAME_HEADER, FRAME_MAX_DEFAULT, &payload, &plen, &consumed),
		FRAME_TOO_BIG);
	/* the byte order is big-endian: 0x00000100 is 256, not 65536 */
	put_be32(p, 256);
	assert_int_equal(frame_decode(p, FRAME_HEADER + 256, 300, &payload, &plen, &consumed),
			 FRAME_OK);
	assert_int_equal(plen, 256);
	free(p);
}

static void test_zero_length(void **state)
{
	const uint8_t p[8] = { 0, 0, 0, 0, 0x08, 0x01, 0, 0 };
	const uint8_t *payload;
	size_t plen, consumed;

	(void)state;
	assert_int_equal(frame_decode(p, sizeof p, 1024, &payload, &plen, &consumed), FRAME_EMPTY);
	assert_int_equal(frame_decode(p, FRAME_HEADER, 1024, &payload, &plen, &consumed),
			 FRAME_EMPTY);
}

/* ------------------------------------------------------------------ encode */

static void test_round_trip_push(void **state)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT, *u;
	Safecampus__Push push = SAFECAMPUS__PUSH__INIT;
	Safecampus__Record r1 = SAFECAMPUS__RECORD__INIT, r2 = SAFECAMPUS__RECORD__INIT;
	Safecampus__Hazard hz = SAFECAMPUS__HAZARD__INIT;
	Safecampus__HazardEvent ev = SAFECAMPUS__HAZARD_EVENT__INIT;
	Safecampus__Record *recs[2] = { &r1, &r2 };
	struct buf b;
	const uint8_t *payload;
	size_t plen, consumed;

	(void)state;
	hz.title = "Blocked fire exit";
	hz.area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_FIRE;
	hz.severity = SAFECAMPUS__SEVERITY__SEVERITY_HIGH;
	hz.found_date = "2026-03-02";
	r1.id = "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
	r1.school = "s1";
	r1.campus = "main";
	r1.hlc = 0x123456789abcULL;
	r1.body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
	r1.hazard = &hz;
	ev.hazard_id = r1.id;
	ev.action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN;
	ev.actor = "校长 李";
	ev.at_ms = 1772400000000;
	r2.id = "1f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
	r2.deleted = 1;
	r2.body_case = SAFECAMPUS__RECORD__BODY_HAZARD_EVENT;
	r2.hazard_event = &ev;
	push.n_records = 2;
	push.records = recs;
	env.request_id = UINT64_MAX;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
	env.push = &push;

	buf_init(&b, 4096);
	assert_int_equal(frame_encode(&b, &env, 4096), 0);
	assert_int_equal(frame_decode(buf_head(&b), buf_used(&b), 4096, &payload, &plen, &consumed),
			 FRAME_OK);
	assert_int_equal(consumed, buf_used(&b));
	u = frame_envelope_unpack(payload, plen);
	assert_non_null(u);
	assert_int_equal(u->request_id, UINT64_MAX);
	assert_int_equal(u->body_case, SAFECAMPUS__ENVELOPE__BODY_PUSH);
	assert_int_equal(u->push->n_records, 2);
	assert_string_equal(u->push->records[0]->id, r1.id);
	assert_int_equal(u->push->records[0]->hlc, r1.hlc);
	assert_int_equal(u->push->records[0]->body_case, SAFECAMPUS__RECORD__BODY_HAZARD);
	assert_string_equal(u->push->records[0]->hazard->title, "Blocked fire exit");
	assert_int_equal(u->push->records[0]->hazard->severity,
			 SAFECAMPUS__SEVERITY__SEVERITY_HIGH);
	assert_true(u->push->records[1]->deleted);
	assert_int_equal(u->push->records[1]->body_case, SAFECAMPUS__RECORD__BODY_HAZARD_EVENT);
	assert_string_equal(u->push->records[1]->hazard_event->actor, "校长 李");
	assert_int_equal(u->push->records[1]->hazard_event->at_ms, 1772400000000);
	frame_envelope_free(u);
	frame_envelope_free(NULL);
	buf_free(&b);
}

static void test_encode_limits(void **state)
{
	Safecampus__Envelope env, empty = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello h;
	struct buf b;
	size_t n;

	(void)state;
	hello_env(&env, &h, 7);
	n = safecampus__envelope__get_packed_size(&env);

	/* the payload may be exactly max */
	buf_init(&b, 4096);
	assert_int_equal(frame_encode(&b, &env, n), 0);
	assert_int_equal(buf_used(&b), FRAME_HEADER + n);
	/* one more than max: refused, buffer unchanged */
	assert_int_equal(frame_encode(&b, &env, n - 1), SC_ETOOBIG);
	assert_int_equal(buf_used(&b), FRAME_HEADER + n);
	assert_true(buf_sane(&b));
	buf_free(&b);

	/* the buffer's own limit: exactly fits, then no room for a second */
	buf_init(&b, FRAME_HEADER + n);
	assert_int_equal(frame_encode(&b, &env, 1 << 20), 0);
	assert_int_equal(frame_encode(&b, &env, 1 << 20), SC_ETOOBIG);
	assert_int_equal(buf_used(&b), FRAME_HEADER + n);
	buf_free(&b);
	buf_init(&b, FRAME_HEADER + n - 1);
	assert_int_equal(frame_encode(&b, &env, 1 << 20), SC_ETOOBIG);
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);

	/* an envelope that packs to nothing would be a zero-length frame */
	buf_init(&b, 4096);
	assert_true(frame_encode(&b, &empty, 4096) < 0);
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);
}

/* ------------------------------------------------------------------ unpack */

static void test_unpack_garbage(void **state)
{
	static const struct {
		const char *what;
		const uint8_t *p;
		size_t len;
	} bad[] = {
		{ "varint too long",
		  (const uint8_t *)"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 },
		{ "truncated varint", (const uint8_t *)"\x08\xff", 2 },
		{ "length past end", (const uint8_t *)"\x12\x05\x08\x01", 4 },
		{ "wrong wire type for request_id", (const uint8_t *)"\x0a\x01\x00", 3 },
		{ "wire type 7", (const uint8_t *)"\x0f\x00", 2 },
		{ "field number 0", (const uint8_t *)"\x00\x01", 2 },
		{ "submessage cut short", (const uint8_t *)"\x2a\x04\x0a\x05\x0a\x03", 6 },
		{ "all ones", (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff", 8 },
		{ "hello with bad inner tag", (const uint8_t *)"\x12\x02\x0f\x00", 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		Safecampus__Envelope *u = frame_envelope_unpack(bad[i].p, bad[i].len);
		if (u) {
			frame_envelope_free(u);
			fail_msg("garbage accepted: %s", bad[i].what);
		}
	}
	/* every proper prefix of a real Push is refused or at least survives */
	{
		Safecampus__Envelope env;
		Safecampus__Hello h;
		struct buf b;
		size_t n;
		hello_env(&env, &h, 300);
		buf_init(&b, 4096);
		assert_int_equal(frame_encode(&b, &env, 4096), 0);
		n = buf_used(&b) - FRAME_HEADER;
		/* the last field of Hello is a varint: cutting inside the string must fail */
		for (size_t cut = 1; cut < n; cut++) {
			Safecampus__Envelope *u =
				frame_envelope_unpack(buf_head(&b) + FRAME_HEADER, cut);
			frame_envelope_free(u); /* NULL or a valid prefix; never a crash */
		}
		/* cutting inside the hello submessage is always an error */
		assert_null(frame_envelope_unpack(buf_head(&b) + FRAME_HEADER, 5));
		buf_free(&b);
	}
}

/* protobuf-c takes field number 0 spelled in two bytes (0x82 0x00) as an
 * unknown field and then cannot read back what it packs from it; the codec
 * refuses it at any depth. A real unknown field still passes (a newer peer). */
static void test_unpack_field_zero(void **state)
{
	static const uint8_t top[] = { 0x08, 0x01, 0x82, 0x00, 0x01, 'A' };
	static const uint8_t nested[] = { 0x08, 0x01, 0x12, 0x03, 0x82, 0x00, 0x00 };
	static const uint8_t deep[] = { 0x2a, 0x07, 0x0a, 0x05, 0x0a, 0x00, 0x82, 0x00, 0x00 };
	static const uint8_t newer[] = { 0x08, 0x01, 0x98, 0x06, 0x05 }; /* field 99 = 5 */
	Safecampus__Envelope *u;
	struct buf b;
	const uint8_t *payload;
	size_t plen, consumed;

	(void)state;
	assert_null(frame_envelope_unpack(top, sizeof top));
	assert_null(frame_envelope_unpack(nested, sizeof nested));
	assert_null(frame_envelope_unpack(deep, sizeof deep));
	/* the same frames without the bad field are fine */
	{
		static const uint8_t fine[] = { 0x08, 0x01, 0x12, 0x00 };
		u = frame_envelope_unpack(fine, sizeof fine);
	}
	assert_non_null(u);
	assert_int_equal(u->body_case, SAFECAMPUS__ENVELOPE__BODY_HELLO);
	frame_envelope_free(u);
	u = frame_envelope_unpack(newer, sizeof newer);
	assert_non_null(u);
	assert_int_equal(u->request_id, 1);
	assert_int_equal(u->base.n_unknown_fields, 1);
	buf_init(&b, 4096);
	assert_int_equal(frame_encode(&b, u, 4096), 0);
	frame_envelope_free(u);
	assert_int_equal(frame_decode(buf_head(&b), buf_used(&b), 4096, &payload, &plen, &consumed),
			 FRAME_OK);
	u = frame_envelope_unpack(payload, plen);
	assert_non_null(u); /* survives a repack */
	assert_int_equal(u->base.n_unknown_fields, 1);
	frame_envelope_free(u);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_more_on_short_header),
		cmocka_unit_test(test_split_byte_by_byte),
		cmocka_unit_test(test_merged_frames),
		cmocka_unit_test(test_exact_max_and_one_more),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_round_trip_push),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_unpack_garbage),
		cmocka_unit_test(test_unpack_field_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
