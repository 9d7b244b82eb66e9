/* Unit tests for client/store_events.c: a kind's events read in one pass
 * answer each_child as the per-record query does, so a list filtered by
 * status derives the same states (web_list.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kind_ops.h"
#include "kinds.h"
#include "store.h"
#include "store_harness.h"
#include "store_events.h"
#include "uuid.h"
#include "verb.h"

#define NH 40

#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
	struct store_config cfg;
	char ids[NH][37];
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	fx->cfg = store_harness_config();
	if (store_harness_open(&fx->st, fx->dir, fx->path, "test_store_events", &fx->cfg) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	store_harness_remove(fx->st, fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_rec(struct fx *fx, const char *kind, ProtobufCMessage *m, char id[37])
{
	Safecampus__Record *r = malloc(sizeof *r);

	assert_non_null(r);
	safecampus__record__init(r);
	assert_int_equal(uuid_new(id), 0);
	r->id = strdup(id);
	kind_record_set_payload(r, kind_by_name(kind), m);
	assert_int_equal(store_write(fx->st, r), 0);
	kind_record_free(r);
}

static void write_hazard(struct fx *fx, int i)
{
	Safecampus__Hazard *h = malloc(sizeof *h);
	char t[32];

	assert_non_null(h);
	safecampus__hazard__init(h);
	snprintf(t, sizeof t, "hazard %d", i);
	h->title = strdup(t);
	h->area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_FIRE;
	h->severity = SAFECAMPUS__SEVERITY__SEVERITY_HIGH;
	h->found_date = strdup("2024-03-01");
	write_rec(fx, "hazard", &h->base, fx->ids[i]);
}

/* One step of hazard i; returns the event's id in id. */
static void step(struct fx *fx, int i, int action, const char *actor, char id[37])
{
	Safecampus__HazardEvent *e = malloc(sizeof *e);

	assert_non_null(e);
	safecampus__hazard_event__init(e);
	e->hazard_id = strdup(fx->ids[i]);
	e->action = (Safecampus__HazardAction)action;
	e->actor = strdup(actor);
	e->actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
	e->owner = strdup(action == ACT(ASSIGN) ? "Wang" : "");
	e->deadline_date = strdup(action == ACT(ASSIGN) ? "2024-04-01" : "");
	e->note = strdup("done");
	e->at_ms = 1709280000000 + i;
	write_rec(fx, "hazard_event", &e->base, id);
}

/* The server accepts the first half of the hazards and their steps (in
 * order, seq 100...) and refuses the step `refused`; the rest are left out
 * of the ack and stay pending. */
static void ack_half(struct fx *fx, const char *refused)
{
	Safecampus__Record **sent, **acked;
	Safecampus__RecordResult *res;
	Safecampus__PushAck a = SAFECAMPUS__PUSH_ACK__INIT;
	size_t n;

	assert_int_equal(store_outbox_batch(fx->st, 1000, &sent, &n), 0);
	acked = calloc(n, sizeof *acked);
	res = calloc(n, sizeof *res);
	a.results = calloc(n, sizeof *a.results);
	assert_true(acked && res && a.results);
	for (size_t k = 0; k < n; k++) {
		const char *hid =
			sent[k]->hazard_event ? sent[k]->hazard_event->hazard_id : sent[k]->id;
		bool first_half = false, no = strcmp(sent[k]->id, refused) == 0;
		for (int i = 0; i < NH / 2; i++)
			first_half |= strcmp(fx->ids[i], hid) == 0;
		if (!first_half && !no)
			continue;
		safecampus__record_result__init(&res[a.n_results]);
		res[a.n_results].id = sent[k]->id;
		res[a.n_results].accepted = !no;
		res[a.n_results].seq = no ? 0 : 100 + k;
		res[a.n_results].reason = no ? SAFECAMPUS__REJECT_REASON__REJECT_INVALID : 0;
		res[a.n_results].detail = (char *)"";
		a.results[a.n_results] = &res[a.n_results];
		acked[a.n_results++] = sent[k];
	}
	assert_int_equal(store_apply_ack(fx->st, acked, a.n_results, &a), 0);
	free(a.results);
	free(res);
	free(acked);
	store_batch_free(sent, n);
}

struct derived_all {
	const struct kind_env *env;
	const char *today;
	char status[NH][128];
	char cells[NH][3][KIND_CELL_LEN];
	const struct fx *fx;
	int n, failed;
};

static int derive_cb(void *arg, const Safecampus__Record *r)
{
	struct derived_all *a = arg;
	struct kind_derived d;
	int i;

	for (i = 0; i < NH && strcmp(a->fx->ids[i], r->id) != 0; i++)
		;
	if (i == NH || kind_derive(a->env, r, a->today, &d) != 0) {
		a->failed++;
		return 0;
	}
	snprintf(a->status[i], sizeof a->status[i], "%s", d.status);
	for (int c = 0; c < 3; c++)
		snprintf(a->cells[i][c], KIND_CELL_LEN, "%s", d.cell[c]);
	a->n++;
	return 0;
}

/* Hazards in every state, with a rejected and a pending step: each state
 * derived from the events read in one pass is the one the per-hazard query
 * gives, and is the state the steps lead to. */
static void test_same_states(void **state)
{
	struct fx *fx = *state;
	struct kind_env plain, fast;
	struct store_events ev;
	static struct derived_all a, b;
	char e[37], rejected[37];
	const char *today = "2024-05-01"; /* past the deadline */

	for (int i = 0; i < NH; i++)
		write_hazard(fx, i);
	/* backwards, so events are neither in hazard nor in id order */
	for (int i = NH - 1; i >= 0; i--) {
		if (i % 5 >= 1)
			step(fx, i, ACT(ASSIGN), "Zhao", e);
		if (i % 5 >= 2)
			step(fx, i, ACT(RECTIFY), "Wang", e);
		if (i % 5 >= 3)
			step(fx, i, ACT(VERIFY), "Zhao", e);
		if (i % 5 >= 4)
			step(fx, i, ACT(CLOSE), "Zhao", e);
	}
	/* hazard 1's assignment is re-done, and the server refuses the redo */
	step(fx, 1, ACT(NOTE), "Li", e);
	step(fx, 6, ACT(RECTIFY), "Wang", rejected);
	ack_half(fx, rejected);

	verb_env(fx->st, &fx->cfg, today, &plain);
	assert_int_equal(store_events_load(fx->st, "hazard_event", &ev), 0);
	assert_int_equal(ev.n, (NH / 5) * (1 + 2 + 3 + 4) + 2);
	for (size_t k = 1; k < ev.n; k++)
		assert_true(strcmp(ev.v[k - 1].parent, ev.v[k].parent) <= 0);
	store_events_env(&ev, &plain, &fast);

	a = (struct derived_all){ .env = &plain, .today = today, .fx = fx };
	b = (struct derived_all){ .env = &fast, .today = today, .fx = fx };
	assert_int_equal(store_each(fx->st, "hazard", derive_cb, &a), 0);
	assert_int_equal(store_each(fx->st, "hazard", derive_cb, &b), 0);
	assert_int_equal(a.failed, 0);
	assert_int_equal(b.failed, 0);
	assert_int_equal(a.n, NH);
	assert_int_equal(b.n, NH);
	for (int i = 0; i < NH; i++) {
		static const char *const want[] = { "reported", "assigned", "rectified", "verified",
						    "closed" };
		char first[32];
		snprintf(first, sizeof first, "%.*s", (int)strcspn(a.status[i], " "), a.status[i]);
		assert_string_equal(first, want[i % 5]);
		assert_string_equal(a.status[i], b.status[i]);
		for (int c = 0; c < 3; c++)
			assert_string_equal(a.cells[i][c], b.cells[i][c]);
	}
	assert_string_equal(b.cells[1][1], "Wang"); /* the owner, after the note */
	/* past the deadline, an open hazard is overdue on both paths */
	assert_non_null(strstr(b.status[1], "overdue"));
	assert_null(strstr(b.status[4], "overdue")); /* closed */
	store_events_free(&ev);
	assert_int_equal(ev.n, 0);
}

/* each_child of another kind, and of a parent with no events, reach the
 * store / answer nothing. */
static int count_cb(void *arg, const Safecampus__Record *r, enum kind_sync sync)
{
	(void)r;
	(void)sync;
	(*(int *)arg)++;
	return 0;
}

static int each_cb(void *arg, const Safecampus__Record *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void test_passes_through(void **state)
{
	struct fx *fx = *state;
	struct kind_env plain, fast;
	struct store_events ev;
	char e[37];
	int n = 0;

	write_hazard(fx, 0);
	write_hazard(fx, 1);
	step(fx, 0, ACT(ASSIGN), "Zhao", e);
	verb_env(fx->st, &fx->cfg, "2024-03-02", &plain);
	/* an empty event kind: no events held, every question answered */
	assert_int_equal(store_events_load(fx->st, "notice_event", &ev), 0);
	assert_int_equal(ev.n, 0);
	store_events_env(&ev, &plain, &fast);
	assert_int_equal(fast.each_child(fast.ctx, "hazard_event", fx->ids[0], count_cb, &n), 0);
	assert_int_equal(n, 1); /* not its kind: from the store */
	store_events_free(&ev);

	assert_int_equal(store_events_load(fx->st, "hazard_event", &ev), 0);
	assert_int_equal(ev.n, 1);
	store_events_env(&ev, &plain, &fast);
	n = 0;
	assert_int_equal(fast.each_child(fast.ctx, "hazard_event", fx->ids[1], count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(fast.each_child(fast.ctx, "hazard_event", "", count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(fast.each_child(fast.ctx, "hazard_event", fx->ids[0], count_cb, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev.v[0].sync, KIND_PENDING);
	/* the rest reaches the store through base's own context */
	{
		Safecampus__Record *r = NULL;
		bool any = false, known = false;
		assert_int_equal(fast.get(fast.ctx, fx->ids[1], &r), 0);
		assert_string_equal(r->hazard->title, "hazard 1");
		safecampus__record__free_unpacked(r, NULL);
		n = 0;
		assert_int_equal(fast.each(fast.ctx, "hazard", each_cb, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(fast.school_known(fast.ctx, "s1", &any, &known), 0);
		assert_true(known);
	}
	store_events_free(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_states, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_passes_through, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
