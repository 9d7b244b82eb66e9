/* kind_verb_of (common/kind_ops.c) answers from a table of the verbs that
 * write each kind, built once. This test keeps the exhaustive walk it
 * replaced (every kind's every verb, each record's fields rendered to text)
 * and asks both, and kind_sign_roles through each, about a record built for
 * every verb of every kind, every value of every field a verb fills in as a
 * literal, an empty record of every kind and one without a payload, so the
 * table and the verbs cannot drift apart. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kind_ops.h"
#include "kinds.h"

/* ---------------------------------------------------------------- the walk it replaced */

static bool walk_matches(const struct kind *g, const struct kind_verb *v,
			 const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const char *target = v->kind ? v->kind : g->name;

	if (!k || strcmp(target, k->name) != 0)
		return false;
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		const ProtobufCFieldDescriptor *f;
		char *have;
		bool same;
		if (s->fill != KF_TEXT)
			continue;
		f = kind_field(k, s->field);
		have = f ? kind_field_get(kind_payload(r), f) : NULL;
		same = have && s->text && strcmp(have, s->text) == 0;
		free(have);
		if (!same)
			return false;
	}
	return true;
}

static const struct kind_verb *walk_verb_of(const Safecampus__Record *r)
{
	const struct kind_verb *best = NULL;

	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *g = kind_at(i);
		for (size_t j = 0; g->ops && j < g->ops->nverbs; j++) {
			const struct kind_verb *v = &g->ops->verbs[j];
			if (!walk_matches(g, v, r))
				continue;
			if (!best || (v->sets && v->sets->field))
				best = v;
		}
	}
	return best;
}

static unsigned walk_sign_roles(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const struct kind_verb *v = walk_verb_of(r);

	if (v && v->sign_roles)
		return v->sign_roles_of ? v->sign_roles & v->sign_roles_of(r) : v->sign_roles;
	return k && k->ops ? k->ops->sign_roles : 0;
}

/* ---------------------------------------------------------------- records */

static Safecampus__Record *record_of(const struct kind *k)
{
	Safecampus__Record *r = calloc(1, sizeof *r);
	ProtobufCMessage *m = kind_payload_new(k);

	assert_non_null(r);
	assert_non_null(m);
	safecampus__record__init(r);
	kind_record_set_payload(r, k, m);
	return r;
}

static void set_field(Safecampus__Record *r, const char *field, const char *text)
{
	const ProtobufCFieldDescriptor *f = kind_field(kind_of(r), field);
	char err[200];

	assert_non_null(f);
	assert_int_equal(kind_field_set(kind_payload(r), f, text, err, sizeof err), 0);
}

struct tally {
	size_t records; /* asked about */
	size_t found;   /* a verb wrote them */
	size_t literal; /* the verb found names its step */
};

/* Both answers for r, and what kind_sign_roles makes of them. */
static void same_answer(const Safecampus__Record *r, struct tally *t)
{
	const struct kind_verb *want = walk_verb_of(r), *got = kind_verb_of(r);

	if (got != want)
		fail_msg("%s: kind_verb_of says %s, the walk %s", kind_of(r)->name,
			 got ? got->name : "none", want ? want->name : "none");
	assert_int_equal(kind_sign_roles(r), walk_sign_roles(r));
	t->records++;
	t->found += want != NULL;
	t->literal += want && want->sets && want->sets->field;
}

/* Every value of r's enum field (and one no enum has) in turn. */
static void every_value(Safecampus__Record *r, const char *field, struct tally *t)
{
	const ProtobufCFieldDescriptor *f = kind_field(kind_of(r), field);
	const ProtobufCEnumDescriptor *e;
	char num[16];

	if (!f || f->type != PROTOBUF_C_TYPE_ENUM) {
		set_field(r, field, "");
		same_answer(r, t);
		set_field(r, field, "not a literal");
		same_answer(r, t);
		return;
	}
	e = f->descriptor;
	for (unsigned i = 0; i < e->n_values; i++) {
		snprintf(num, sizeof num, "%d", e->values[i].value);
		set_field(r, field, num);
		same_answer(r, t);
	}
	/* an open enum's unknown number: its text is the number */
	*(int *)(void *)((char *)kind_payload(r) + f->offset) = 9999;
	same_answer(r, t);
	*(int *)(void *)((char *)kind_payload(r) + f->offset) = 0;
}

/* ---------------------------------------------------------------- tests */

static void test_every_verb_of_every_kind(void **state)
{
	struct tally t = { 0 };
	size_t verbs = 0, literals = 0;

	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *g = kind_at(i);
		for (size_t j = 0; g->ops && j < g->ops->nverbs; j++) {
			const struct kind_verb *v = &g->ops->verbs[j];
			const struct kind *k = kind_by_name(v->kind ? v->kind : g->name);
			Safecampus__Record *r;
			assert_non_null(k);
			r = record_of(k);
			/* the record the verb writes: its literals filled in */
			for (const struct kind_set *s = v->sets; s && s->field; s++)
				if (s->fill == KF_TEXT) {
					set_field(r, s->field, s->text);
					literals++;
				}
			same_answer(r, &t);
			assert_non_null(kind_verb_of(r));
			/* and every other value of those fields */
			for (const struct kind_set *s = v->sets; s && s->field; s++)
				if (s->fill == KF_TEXT)
					every_value(r, s->field, &t);
			kind_record_free(r);
			verbs++;
		}
	}
	/* the walk found verbs, and ones that name their step: the test asked
	 * about something */
	assert_true(verbs > 0 && literals > 0);
	assert_true(t.found >= verbs);
	assert_true(t.literal >= literals);
	assert_true(t.found < t.records); /* and about records no verb writes */
}

static void test_every_kind_empty_and_without_payload(void **state)
{
	struct tally t = { 0 };

	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		Safecampus__Record *r = record_of(k), bare;
		same_answer(r, &t);
		kind_record_free(r);
		/* a body case without its message: every field reads "" */
		safecampus__record__init(&bare);
		bare.body_case = (Safecampus__Record__BodyCase)k->body_case;
		same_answer(&bare, &t);
	}
	assert_null(kind_verb_of(NULL));
	assert_int_equal(t.records, 2 * kind_count());
}

/* The table is built on first use, which on the server may be on several of
 * libuv's pool threads at once: the first calls, made together, agree with
 * the walk. */
struct racer {
	Safecampus__Record *r;
	const struct kind_verb *got;
};

static void *race(void *arg)
{
	struct racer *x = arg;

	x->got = kind_verb_of(x->r);
	return NULL;
}

static void test_first_use_from_threads(void **state)
{
	const struct kind *k = kind_by_name("hazard_event");
	struct racer x[4];
	pthread_t th[4];

	(void)state;
	assert_non_null(k);
	for (size_t i = 0; i < 4; i++) {
		x[i].r = record_of(k);
		set_field(x[i].r, "action", i % 2 ? "assign" : "rectify");
	}
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_non_null(x[i].got);
		assert_ptr_equal(x[i].got, walk_verb_of(x[i].r));
		kind_record_free(x[i].r);
	}
	assert_ptr_not_equal(x[0].got, x[1].got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: it is the one that builds the table */
		cmocka_unit_test(test_first_use_from_threads),
		cmocka_unit_test(test_every_verb_of_every_kind),
		cmocka_unit_test(test_every_kind_empty_and_without_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
