/* libFuzzer target: a Changes message from the server, as the client applies
 * it (client/sync.c on_changes -> store_apply_changes).
 *
 * The input is the bytes of one Changes; it is unpacked the way the client
 * unpacks a frame (fuzz_unpack_body) and applied to a real SQLite store that
 * already holds what a school has: a record waiting in the outbox, a synced
 * one, an immutable event and a rejected write (ids FUZZ_ID_* below; the seed
 * corpus names them so that pulled rows meet local ones). Expectations:
 * applying succeeds (a row the client cannot use is skipped, never fatal: a
 * failure here would stop every later sync at the same cursor), the cursor is
 * the message's, the local pending write is still pending, and applying the
 * same message again changes nothing. */
#include "fuzz_util.h"

#define FUZZ_ID_PENDING "11111111-1111-4111-8111-111111111111"
#define FUZZ_ID_SYNCED "22222222-2222-4222-8222-222222222222"
#define FUZZ_ID_EVENT "33333333-3333-4333-8333-333333333333"
#define FUZZ_ID_REJECTED "44444444-4444-4444-8444-444444444444"

/* A school's store: four local writes, three of them answered by the server. */
static struct store *school_store(void)
{
	struct store *st = fuzz_store_new(0);
	Safecampus__Record **b = NULL;
	Safecampus__PushAck ack = SAFECAMPUS__PUSH_ACK__INIT;
	Safecampus__RecordResult res[3], *pres[3];
	size_t n = 0;

	fuzz_write(st,
		   fuzz_record(FUZZ_ID_SYNCED, "hazard", "title", "Cracked stair rail", "area",
			       "building", "severity", "high", "found_date", "2026-10-12", NULL));
	fuzz_write(st,
		   fuzz_record(FUZZ_ID_EVENT, "hazard_event", "hazard_id", FUZZ_ID_SYNCED, "action",
			       "note", "actor", "Li Ming", "note", "taped off", NULL));
	fuzz_write(st, fuzz_record(FUZZ_ID_REJECTED, "drill", "drill_date", "2026-10-20", "theme",
				   "fire", NULL));
	CHECK(store_outbox_batch(st, 16, &b, &n) == 0 && n == 3);
	for (size_t i = 0; i < 3; i++) {
		safecampus__record_result__init(&res[i]);
		res[i].id = b[i]->id;
		res[i].accepted = strcmp(b[i]->id, FUZZ_ID_REJECTED) != 0;
		res[i].seq = res[i].accepted ? 10 + i : 0;
		res[i].reason = res[i].accepted ? 0 : SAFECAMPUS__REJECT_REASON__REJECT_INVALID;
		res[i].detail = res[i].accepted ? "" : "drill: scenario is required";
		pres[i] = &res[i];
	}
	ack.n_results = 3;
	ack.results = pres;
	CHECK(store_apply_ack(st, b, n, &ack) == 0);
	store_batch_free(b, n);
	fuzz_write(st,
		   fuzz_record(FUZZ_ID_PENDING, "hazard", "title", "Blocked fire exit", "area",
			       "fire", "severity", "critical", "found_date", "2026-11-02", NULL));
	CHECK(store_set_cursor(st, 12) == 0);
	return st;
}

/* A digest of every record and the cursor, to compare two states. */
struct digest {
	uint64_t h, n;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static int digest_cb(void *arg, const Safecampus__Record *r)
{
	struct digest *d = arg;
	size_t n = safecampus__record__get_packed_size(r);
	uint8_t *buf = malloc(n ? n : 1);

	CHECK(buf);
	safecampus__record__pack(r, buf);
	mix(d, buf, n);
	free(buf);
	d->n++;
	return 0;
}

static struct digest state_of(struct store *st)
{
	struct digest d = { 14695981039346656037ull, 0 };
	struct store_outbox_stats s;
	uint64_t cursor;

	CHECK(store_each(st, NULL, digest_cb, &d) == 0);
	CHECK(store_cursor(st, &cursor) == 0);
	mix(&d, &cursor, sizeof cursor);
	CHECK(store_outbox_stats(st, &s) == 0);
	mix(&d, &s.pending, sizeof s.pending);
	mix(&d, &s.rejected, sizeof s.rejected);
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Safecampus__Envelope *env;
	struct store *st;
	struct store_outbox_stats s;
	enum store_sync_state ss;
	struct digest once, twice;
	uint64_t cursor;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	env = fuzz_unpack_body(SAFECAMPUS__ENVELOPE__BODY_CHANGES, data, size);
	if (!env)
		return 0;
	st = school_store();
	rc = store_apply_changes(st, env->changes);
	if (rc)
		fprintf(stderr, "store_apply_changes: %d %s\n", rc, store_last_error());
	CHECK(rc == 0);
	CHECK(store_cursor(st, &cursor) == 0 && cursor == env->changes->cursor);
	/* what the server holds never replaces a write it has not seen yet */
	CHECK(store_sync_state(st, FUZZ_ID_PENDING, &ss) == 0 && ss == STORE_PENDING);
	CHECK(store_outbox_stats(st, &s) == 0 && s.pending == 1 && s.rejected == 1);
	once = state_of(st);
	CHECK(store_apply_changes(st, env->changes) == 0);
	twice = state_of(st);
	CHECK(once.n == twice.n && once.h == twice.h);
	store_close(st);
	frame_envelope_free(env);
	return 0;
}
