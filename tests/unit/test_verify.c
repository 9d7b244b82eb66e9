/* common/verify.c: a chain of signed steps verifies; an edited step, a
 * deleted step (linked by hash, as a campus keeps them, and by position, as
 * the server does), a step after the signer's revocation and one by a role
 * that may not sign it are each reported against the right step; a step
 * made before the revocation is noted, not reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "kinds.h"
#include "sig.h"
#include "verify.h"

#define HZ "9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d"

struct seen {
	int bad, notes;
	char last_event[64], last_text[512];
	char bad_events[8][64];
};

static void on_report(void *arg, bool bad, const char *school, const char *record, const char *kind,
		      const char *event, const char *text)
{
	struct seen *s = arg;

	(void)school;
	(void)kind;
	assert_string_equal(record, HZ);
	if (bad && s->bad < 8)
		snprintf(s->bad_events[s->bad], sizeof s->bad_events[0], "%s", event);
	s->bad += bad;
	s->notes += !bad;
	snprintf(s->last_event, sizeof s->last_event, "%s", event);
	snprintf(s->last_text, sizeof s->last_text, "%s", text);
}

static EVP_PKEY *key;
static uint8_t pub[SIG_PUBKEY_LEN];

static Safecampus__Record *person(int role, int64_t revoked_ms)
{
	const struct kind *k = kind_by_name("person");
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__Person *p = calloc(1, sizeof *p);
	char hex[2 * SIG_PUBKEY_LEN + 1];

	assert_true(k && r && p);
	safecampus__record__init(r);
	safecampus__person__init(p);
	kind_record_set_payload(r, k, &p->base);
	sig_hex(pub, sizeof pub, hex);
	r->id = strdup("11111111-1111-4111-8111-111111111111");
	r->school = strdup("s1");
	r->campus = strdup("main");
	p->login = strdup("chen");
	p->role = (Safecampus__StaffRole)role;
	p->public_key = strdup(hex);
	p->revoked_ms = revoked_ms;
	return r;
}

/* A hazard step signed by chen at ms, after prev (NULL: the first). */
static Safecampus__Record *step(const char *id, int action, int64_t ms,
				const Safecampus__Record *prev)
{
	const struct kind *k = kind_by_name("hazard_event");
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__HazardEvent *e = calloc(1, sizeof *e);
	Safecampus__Signature *s = calloc(1, sizeof *s);
	struct buf b;

	assert_true(k && r && e && s);
	safecampus__record__init(r);
	safecampus__hazard_event__init(e);
	safecampus__signature__init(s);
	kind_record_set_payload(r, k, &e->base);
	r->id = strdup(id);
	r->school = strdup("s1");
	r->campus = strdup("main");
	e->hazard_id = strdup(HZ);
	e->action = (Safecampus__HazardAction)action;
	e->owner = strdup("Zhao");
	e->deadline_date = strdup("2030-01-15");
	s->signer = strdup("chen");
	s->signer_school = strdup("s1");
	s->signed_ms = ms;
	if (prev) {
		s->prev_hash.data = malloc(SIG_HASH_LEN);
		s->prev_hash.len = SIG_HASH_LEN;
		assert_int_equal(sig_event_hash(prev, s->prev_hash.data), 0);
	}
	r->signature = s;
	s->sig.data = malloc(SIG_LEN);
	s->sig.len = SIG_LEN;
	buf_init(&b, 1 << 20);
	assert_int_equal(sig_canonical(r, &b), 0);
	assert_int_equal(sig_sign(key, buf_head(&b), buf_used(&b), s->sig.data), 0);
	buf_free(&b);
	return r;
}

#define A SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN
#define C SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_CLOSE
#define ID1 "00000000-0000-4000-8000-000000000001"
#define ID2 "00000000-0000-4000-8000-000000000002"
#define ID3 "00000000-0000-4000-8000-000000000003"

static Safecampus__Record *ev[3];

static int setup(void **state)
{
	(void)state;
	assert_int_equal(sig_keygen(&key), 0);
	assert_int_equal(sig_pubkey_raw(key, pub), 0);
	ev[0] = step(ID1, A, 1000, NULL);
	ev[1] = step(ID2, A, 2000, ev[0]);
	ev[2] = step(ID3, C, 3000, ev[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		kind_record_free(ev[i]);
	EVP_PKEY_free(key);
	return 0;
}

/* Runs one chain of the given steps (pos 0: linked by hash). */
static struct seen run(int role, int64_t revoked_ms, Safecampus__Record **rs, const int *pos,
		       size_t n, struct verify *out)
{
	struct seen s = { 0 };
	struct verify v;
	struct verify_link links[3];
	Safecampus__Record *p = person(role, revoked_ms);

	verify_init(&v, on_report, &s);
	assert_int_equal(verify_add_person(&v, p), 0);
	for (size_t i = 0; i < n; i++)
		links[i] = (struct verify_link){ .r = rs[i],
						 .id = rs[i]->id,
						 .kind = "hazard_event",
						 .pos = pos ? pos[i] : 0,
						 .row_expected = true };
	assert_true(verify_chain(&v, "s1", HZ, false, links, n) >= 0);
	if (out)
		*out = v;
	verify_free(&v);
	kind_record_free(p);
	return s;
}

static void test_intact(void **state)
{
	struct verify v;
	struct seen s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 0, ev, NULL, 3, &v);

	(void)state;
	assert_int_equal(s.bad, 0);
	assert_int_equal(v.signatures, 3);
	assert_int_equal(v.chains, 1);
	/* the same with positions, in any order */
	Safecampus__Record *shuffled[3] = { ev[2], ev[0], ev[1] };
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 0, shuffled, (const int[]){ 3, 1, 2 },
		3, NULL);
	assert_int_equal(s.bad, 0);
}

static void test_edited_step(void **state)
{
	char *old = ev[1]->hazard_event->deadline_date;
	struct seen s;

	(void)state;
	ev[1]->hazard_event->deadline_date = "2031-01-15";
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 0, ev, NULL, 3, NULL);
	ev[1]->hazard_event->deadline_date = old;
	/* the edited step's signature, and the next step no longer finds it */
	assert_int_equal(s.bad, 2);
	assert_string_equal(s.bad_events[0], ID2);
	assert_string_equal(s.bad_events[1], ID3);
}

static void test_deleted_step(void **state)
{
	Safecampus__Record *two[2] = { ev[0], ev[2] };
	struct seen s;

	(void)state;
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 0, two, NULL, 2, NULL);
	assert_int_equal(s.bad, 1);
	assert_string_equal(s.bad_events[0], ID3);
	assert_non_null(strstr(s.last_text, "not here"));
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 0, two, (const int[]){ 1, 3 }, 2,
		NULL);
	assert_int_equal(s.bad, 1);
	assert_string_equal(s.bad_events[0], ID3);
	assert_non_null(strstr(s.last_text, "jumps from step 1 to step 3"));
}

static void test_revoked_and_role(void **state)
{
	struct verify v;
	struct seen s;

	(void)state;
	/* revoked at 2500: steps 1 and 2 are noted valid, step 3 is reported */
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL, 2500, ev, NULL, 3, &v);
	assert_int_equal(s.bad, 1);
	assert_string_equal(s.bad_events[0], ID3);
	assert_int_equal(s.notes, 2);
	assert_int_equal(v.before_revocation, 2);
	/* a head teacher may not assign or close */
	s = run(SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_HEAD_TEACHER, 0, ev, NULL, 3, NULL);
	assert_int_equal(s.bad, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_edited_step),
		cmocka_unit_test(test_deleted_step),
		cmocka_unit_test(test_revoked_and_role),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
