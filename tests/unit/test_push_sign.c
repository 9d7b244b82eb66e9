/* server/push_sign.c: signatures verified ahead on libuv's thread pool give
 * the decisions, and the words, that verifying on the loop gives. With a
 * real loop and pool, and the people phase 1 would load built as a PGresult:
 * a cold enrolment cache (verified once the people are known), a warm one
 * (verified before), a stale cached key (verified again with the loaded one),
 * a signature made with a key the server no longer has, a forged signature,
 * a signature of the wrong shape (never queued), and a cancelled round (the
 * callback still runs once; the decisions fall back to the loop). Every
 * test ends on a loop that closes clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <uv.h>

#include "buf.h"
#include "hlc.h"
#include "kinds.h"
#include "push_sign.h"
#include "sig.h"
#include "uuid.h"

#define SCHOOL "schoolA"
#define R_SIGNATURE SAFECAMPUS__REJECT_REASON__REJECT_SIGNATURE

static char *dup_(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* A responsibility letter of SCHOOL signed by login with k (any staff signs
 * letters). Freed with kind_record_free. */
static Safecampus__Record *letter(const char *login, EVP_PKEY *k)
{
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__Letter *l = calloc(1, sizeof *l);
	Safecampus__Signature *g = calloc(1, sizeof *g);
	char id[UUID_STR_LEN + 1];
	struct buf b;

	assert_true(r && l && g && uuid_new(id) == 0);
	safecampus__record__init(r);
	safecampus__letter__init(l);
	safecampus__signature__init(g);
	r->id = dup_(id);
	r->school = dup_(SCHOOL);
	r->campus = dup_("main");
	r->hlc = (uint64_t)hlc_wall_ms() << 16;
	r->body_case = SAFECAMPUS__RECORD__BODY_LETTER;
	r->letter = l;
	l->year = 2026;
	l->level = SAFECAMPUS__LETTER_LEVEL__LETTER_LEVEL_PRINCIPAL_VICE;
	l->signer = dup_("Li Ming");
	l->counter_signer = dup_("Wang Fang");
	l->signed_date = dup_("2026-09-01");
	r->signature = g;
	g->signer = dup_(login);
	g->signer_school = dup_(SCHOOL);
	g->signed_ms = (int64_t)hlc_wall_ms();
	g->sig.data = malloc(SIG_LEN);
	g->sig.len = SIG_LEN;
	buf_init(&b, 1u << 20);
	assert_non_null(g->sig.data);
	assert_int_equal(sig_canonical(r, &b), 0);
	assert_int_equal(sig_sign(k, buf_head(&b), buf_used(&b), g->sig.data), 0);
	buf_free(&b);
	return r;
}

static EVP_PKEY *key(uint8_t pub[SIG_PUBKEY_LEN], char hex[2 * SIG_PUBKEY_LEN + 1])
{
	EVP_PKEY *k;

	assert_int_equal(sig_keygen(&k), 0);
	assert_int_equal(sig_pubkey_raw(k, pub), 0);
	sig_hex(pub, SIG_PUBKEY_LEN, hex);
	return k;
}

/* What phase 1's people query answers: login, a principal of SCHOOL, with
 * the hex key. */
static PGresult *people(const char *login, const char *hex)
{
	static const char *const cols[6] = { "school", "login",      "id",
					     "role",   "public_key", "revoked_ms" };
	PGresAttDesc attrs[6];
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	char id[UUID_STR_LEN + 1];
	const char *vals[6] = { SCHOOL, login, id, "principal", hex, "0" };

	assert_non_null(res);
	assert_int_equal(uuid_new(id), 0);
	memset(attrs, 0, sizeof attrs);
	for (int i = 0; i < 6; i++) {
		attrs[i].name = (char *)cols[i];
		attrs[i].typid = 25; /* text */
		attrs[i].typlen = -1;
		attrs[i].atttypmod = -1;
	}
	assert_int_equal(PQsetResultAttrs(res, 6, attrs), 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(PQsetvalue(res, 0, i, (char *)vals[i], (int)strlen(vals[i])), 1);
	return res;
}

static int done_calls;

static void on_done(void *arg)
{
	(void)arg;
	done_calls++;
}

/* One pushsig_verify round run to its end: whether it queued anything. */
static bool round_(uv_loop_t *loop, struct pushsig *s)
{
	int before = done_calls;
	bool queued = pushsig_verify(s, loop, on_done, NULL);

	assert_int_equal(uv_run(loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(done_calls - before, queued ? 1 : 0);
	assert_false(pushsig_busy(s));
	return queued;
}

static void load_people(struct pushsig *s, const char *login, const char *hex)
{
	PGresult *res = people(login, hex);

	assert_int_equal(pushsig_on_people(s, res), 0);
	PQclear(res);
}

static struct pushsig *prepared(Safecampus__Record **recs, size_t n)
{
	struct pushsig *s = pushsig_new("", true);
	bool live[256];

	assert_non_null(s);
	assert_true(n <= 256);
	for (size_t i = 0; i < n; i++)
		live[i] = true;
	assert_int_equal(pushsig_prepare(s, recs, live, n), 0);
	return s;
}

static int decide(struct pushsig *s, size_t i, const Safecampus__Record *r, char *why, size_t n)
{
	return pushsig_decide(s, i, r, (int64_t)hlc_wall_ms(), why, n);
}

static void counts_are(const struct pushsig *s, size_t ahead, size_t on_loop)
{
	size_t a, l;

	pushsig_counts(s, &a, &l);
	assert_int_equal(a, ahead);
	assert_int_equal(l, on_loop);
}

static void finish_loop(uv_loop_t *loop)
{
	assert_int_equal(uv_loop_close(loop), 0);
}

/* Nobody cached: nothing to verify on arrival; once the people are loaded
 * the pool verifies, and decide takes its result. */
static void test_cold_cache(void **state)
{
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *k = key(pub, hex);
	Safecampus__Record *r = letter("cold", k);
	struct pushsig *s = prepared(&r, 1);
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	assert_false(round_(&loop, s));
	load_people(s, "cold", hex);
	assert_true(round_(&loop, s));
	assert_int_equal(decide(s, 0, r, why, sizeof why), 0);
	counts_are(s, 1, 0);
	assert_int_equal(pushsig_accept(s, 0, r), 0);
	assert_int_equal(pushsig_pending(s), 1);
	pushsig_free(s);
	kind_record_free(r);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* The people of an earlier push filled the cache: the pool verifies on
 * arrival, and the loaded key being the same, not again. */
static void test_warm_cache(void **state)
{
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *k = key(pub, hex);
	Safecampus__Record *r = letter("warm", k);
	struct pushsig *earlier = pushsig_new("", true), *s;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	assert_non_null(earlier);
	load_people(earlier, "warm", hex);
	pushsig_free(earlier);
	s = prepared(&r, 1);
	assert_true(round_(&loop, s));
	load_people(s, "warm", hex);
	assert_false(round_(&loop, s));
	assert_int_equal(decide(s, 0, r, why, sizeof why), 0);
	counts_are(s, 1, 0);
	pushsig_free(s);
	kind_record_free(r);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* The cache holds an old key for the login: the arrival's verification
 * fails, the second round verifies with the loaded key, and that decides. */
static void test_stale_cache(void **state)
{
	uint8_t pub_old[SIG_PUBKEY_LEN], pub[SIG_PUBKEY_LEN];
	char hex_old[2 * SIG_PUBKEY_LEN + 1], hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *old = key(pub_old, hex_old), *k = key(pub, hex);
	Safecampus__Record *r = letter("stale", k);
	struct pushsig *earlier = pushsig_new("", true), *s;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	assert_non_null(earlier);
	load_people(earlier, "stale", hex_old);
	pushsig_free(earlier);
	s = prepared(&r, 1);
	assert_true(round_(&loop, s)); /* with the old key: bad */
	load_people(s, "stale", hex);
	assert_true(round_(&loop, s)); /* again, with the loaded key */
	assert_int_equal(decide(s, 0, r, why, sizeof why), 0);
	counts_are(s, 1, 0);
	pushsig_free(s);
	kind_record_free(r);
	EVP_PKEY_free(old);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* Signed with a key the cache knows but the server's row no longer has:
 * refused, in sig_check's words for the loaded key. */
static void test_key_not_the_servers(void **state)
{
	uint8_t pub_old[SIG_PUBKEY_LEN], pub[SIG_PUBKEY_LEN];
	char hex_old[2 * SIG_PUBKEY_LEN + 1], hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "",
									   want[256] = "";
	EVP_PKEY *old = key(pub_old, hex_old), *k = key(pub, hex);
	Safecampus__Record *r = letter("moved", old);
	struct pushsig *earlier = pushsig_new("", true), *s;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	assert_non_null(earlier);
	load_people(earlier, "moved", hex_old);
	pushsig_free(earlier);
	s = prepared(&r, 1);
	assert_true(round_(&loop, s)); /* good, with the cached old key */
	load_people(s, "moved", hex);
	assert_true(round_(&loop, s)); /* bad, with the server's key */
	assert_int_equal(decide(s, 0, r, why, sizeof why), R_SIGNATURE);
	assert_int_not_equal(sig_check(r, pub, want, sizeof want), 0);
	assert_string_equal(why, want);
	assert_string_equal(why, "the signature of moved does not match these bytes");
	counts_are(s, 0, 1);
	pushsig_free(s);
	kind_record_free(r);
	EVP_PKEY_free(old);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* One bit of one signature flipped among good ones: only it is refused. */
static void test_forged(void **state)
{
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *k = key(pub, hex);
	Safecampus__Record *recs[3] = { letter("forger", k), letter("forger", k),
					letter("forger", k) };
	struct pushsig *s;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	recs[1]->signature->sig.data[7] ^= 1;
	s = prepared(recs, 3);
	load_people(s, "forger", hex);
	assert_true(round_(&loop, s));
	assert_int_equal(decide(s, 0, recs[0], why, sizeof why), 0);
	assert_int_equal(decide(s, 1, recs[1], why, sizeof why), R_SIGNATURE);
	assert_string_equal(why, "the signature of forger does not match these bytes");
	assert_int_equal(decide(s, 2, recs[2], why, sizeof why), 0);
	counts_are(s, 2, 1);
	pushsig_free(s);
	for (int i = 0; i < 3; i++)
		kind_record_free(recs[i]);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* A prev_hash of 5 bytes: no copy is made; decide refuses it as before. */
static void test_bad_shape(void **state)
{
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *k = key(pub, hex);
	Safecampus__Record *r = letter("shape", k);
	struct pushsig *s;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	r->signature->prev_hash.data = (uint8_t *)dup_("12345");
	r->signature->prev_hash.len = 5;
	s = prepared(&r, 1);
	load_people(s, "shape", hex);
	assert_false(round_(&loop, s));
	assert_int_equal(decide(s, 0, r, why, sizeof why), R_SIGNATURE);
	assert_string_equal(why, "prev_hash is 5 bytes, not 0 or 32");
	counts_are(s, 0, 1);
	pushsig_free(s);
	kind_record_free(r);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

/* A round cancelled as soon as it is queued (the push timed out): the
 * callback runs once, after the chunks already running; every decision is
 * still right, those of cancelled chunks made on the loop. */
static void test_cancelled(void **state)
{
	enum { N = 200 };
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], why[256] = "";
	EVP_PKEY *k = key(pub, hex);
	Safecampus__Record *recs[N];
	struct pushsig *s;
	uv_loop_t loop;
	size_t ahead, on_loop;
	int before = done_calls;

	(void)state;
	uv_loop_init(&loop);
	for (int i = 0; i < N; i++)
		recs[i] = letter("busy", k);
	recs[N - 1]->signature->sig.data[0] ^= 1;
	s = prepared(recs, N);
	load_people(s, "busy", hex);
	assert_true(pushsig_verify(s, &loop, on_done, NULL));
	assert_true(pushsig_busy(s));
	pushsig_cancel(s);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(done_calls - before, 1);
	assert_false(pushsig_busy(s));
	for (int i = 0; i < N; i++)
		assert_int_equal(decide(s, (size_t)i, recs[i], why, sizeof why),
				 i == N - 1 ? R_SIGNATURE : 0);
	pushsig_counts(s, &ahead, &on_loop);
	assert_int_equal(ahead + on_loop, N);
	assert_true(on_loop >= 1); /* the forged one, checked again */
	pushsig_free(s);
	for (int i = 0; i < N; i++)
		kind_record_free(recs[i]);
	EVP_PKEY_free(k);
	finish_loop(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_cache),  cmocka_unit_test(test_warm_cache),
		cmocka_unit_test(test_stale_cache), cmocka_unit_test(test_key_not_the_servers),
		cmocka_unit_test(test_forged),      cmocka_unit_test(test_bad_shape),
		cmocka_unit_test(test_cancelled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
