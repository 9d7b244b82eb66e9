/* libFuzzer target: a PushAck from the server, as the client applies it
 * (client/sync.c on_push_ack -> store_apply_ack, store_observe_hlc).
 *
 * The input is the bytes of one PushAck, unpacked as the client unpacks a
 * frame. The store holds four local writes; the batch taken from the outbox
 * is what was "sent", then one of them (the drill) is written again, so that
 * an ack for it is stale. Expectations: an ack whose results do not match the
 * records sent (count or ids) is refused and changes nothing; otherwise every
 * accepted record is synced unless it was written again since, every refused
 * one is marked rejected with the server's reason, and the same ack applied
 * twice gives the same state. */
#include "fuzz_util.h"

#define FUZZ_ID_HAZARD "11111111-1111-4111-8111-111111111111"
#define FUZZ_ID_EVENT "33333333-3333-4333-8333-333333333333"
#define FUZZ_ID_DRILL "44444444-4444-4444-8444-444444444444"
#define FUZZ_ID_STAFF "55555555-5555-4555-8555-555555555555"

struct seen {
	size_t n;
	int reason[4];
	char id[4][37];
};

static int rejected_cb(void *arg, const struct store_rejected *r)
{
	struct seen *s = arg;

	CHECK(strnlen(r->id, sizeof r->id) < sizeof r->id);
	CHECK(strnlen(r->kind, sizeof r->kind) < sizeof r->kind);
	CHECK(strnlen(r->detail, sizeof r->detail) < sizeof r->detail);
	CHECK(s->n < 4);
	memcpy(s->id[s->n], r->id, sizeof r->id);
	s->reason[s->n++] = r->reason;
	return 0;
}

static int outbox_cb(void *arg, const struct store_outbox_entry *e)
{
	size_t *n = arg;

	CHECK(strnlen(e->detail, sizeof e->detail) < sizeof e->detail);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Safecampus__Envelope *env;
	const Safecampus__PushAck *ack;
	Safecampus__Record **sent = NULL;
	struct store_outbox_stats before, after, again;
	struct seen rej = { 0 };
	struct store *st;
	size_t nsent = 0, nout = 0;
	bool match;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	env = fuzz_unpack_body(SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK, data, size);
	if (!env)
		return 0;
	ack = env->push_ack;
	st = fuzz_store_new(0);
	fuzz_write(st,
		   fuzz_record(FUZZ_ID_HAZARD, "hazard", "title", "Blocked fire exit", "area",
			       "fire", "severity", "critical", "found_date", "2026-11-02", NULL));
	fuzz_write(st,
		   fuzz_record(FUZZ_ID_EVENT, "hazard_event", "hazard_id", FUZZ_ID_HAZARD, "action",
			       "note", "actor", "Li Ming", "note", "taped off", NULL));
	fuzz_write(st, fuzz_record(FUZZ_ID_DRILL, "drill", "drill_date", "2026-10-20", "theme",
				   "fire", NULL));
	fuzz_write(st, fuzz_record(FUZZ_ID_STAFF, "staff", "name", "Wang Wu", "staff_role",
				   "security_guard", NULL));
	CHECK(store_outbox_batch(st, 16, &sent, &nsent) == 0 && nsent == 4);
	/* the drill is written again while the push is in flight */
	fuzz_write(st, fuzz_record(FUZZ_ID_DRILL, "drill", "drill_date", "2026-10-21", "theme",
				   "fire", NULL));
	CHECK(store_outbox_stats(st, &before) == 0 && before.pending == 4);

	match = ack->n_results == nsent;
	for (size_t i = 0; match && i < nsent; i++)
		match = ack->results[i] && ack->results[i]->id &&
			strcmp(ack->results[i]->id, sent[i]->id) == 0;
	rc = store_apply_ack(st, sent, nsent, ack);
	CHECK(store_outbox_stats(st, &after) == 0);
	if (!match) {
		/* sync.c ends the connection on a count mismatch before this call;
		 * the store must refuse any mismatch on its own */
		CHECK(rc == SC_EPROTO);
		CHECK(after.pending == before.pending && after.rejected == before.rejected);
		goto out;
	}
	CHECK(rc == 0);
	for (size_t i = 0; i < nsent; i++) {
		const Safecampus__RecordResult *res = ack->results[i];
		enum store_sync_state ss;
		CHECK(store_sync_state(st, sent[i]->id, &ss) == 0);
		if (strcmp(sent[i]->id, FUZZ_ID_DRILL) == 0)
			CHECK(ss == STORE_PENDING); /* stale: the rewrite waits */
		else
			CHECK(ss == (res->accepted ? STORE_SYNCED : STORE_REJECTED));
	}
	CHECK(store_each_rejected(st, rejected_cb, &rej) == 0);
	CHECK(rej.n == after.rejected);
	for (size_t i = 0; i < rej.n; i++)
		for (size_t j = 0; j < nsent; j++)
			if (strcmp(rej.id[i], sent[j]->id) == 0)
				CHECK(rej.reason[i] == (int)ack->results[j]->reason);
	CHECK(store_each_outbox(st, outbox_cb, &nout) == 0);
	CHECK(nout == after.pending + after.rejected);
	CHECK(store_apply_ack(st, sent, nsent, ack) == 0);
	CHECK(store_outbox_stats(st, &again) == 0);
	CHECK(again.pending == after.pending && again.rejected == after.rejected);
	/* what sync.c does next; a clock far ahead is refused, not fatal here */
	rc = store_observe_hlc(st, ack->server_hlc);
	CHECK(rc == 0 || rc == -ERANGE);
out:
	store_batch_free(sent, nsent);
	store_close(st);
	frame_envelope_free(env);
	return 0;
}
