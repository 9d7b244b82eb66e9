/* libFuzzer target: Notify from the server, and what the client does on it.
 *
 * The input is a byte stream as the server sends it on a `sync --watch`
 * connection: frames (frame_decode, the client's 4 MiB limit), each payload
 * unpacked with frame_envelope_unpack. The client reads no field of a Notify
 * (head is for logs and other implementations; client/sync.c on_frame): a
 * Notify, unsolicited (request_id 0) or answering the Subscribe, only starts a
 * round. So for each Notify this runs the start of a round against a real
 * store with a pending record: the outbox batch is packed into a Push frame
 * and the cursor into a Pull frame, and both must decode to what was packed.
 * Other bodies are left to their own targets. */
#include "fuzz_util.h"

#define FUZZ_CLIENT_MAX_FRAME FRAME_MAX_DEFAULT

static void round_start(struct store *st, uint64_t rid)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT, *back;
	Safecampus__Push push = SAFECAMPUS__PUSH__INIT;
	Safecampus__Pull pull = SAFECAMPUS__PULL__INIT;
	Safecampus__Record **recs = NULL;
	const uint8_t *payload;
	size_t n = 0, plen, used;
	struct buf out;

	buf_init(&out, FRAME_HEADER + FUZZ_CLIENT_MAX_FRAME);
	CHECK(store_outbox_batch(st, 100, &recs, &n) == 0 && n == 1);
	push.records = recs;
	push.n_records = n;
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
	env.push = &push;
	CHECK(frame_encode(&out, &env, FUZZ_CLIENT_MAX_FRAME) == 0);
	CHECK(store_cursor(st, &pull.cursor) == 0);
	env.request_id = rid + 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
	env.pull = &pull;
	CHECK(frame_encode(&out, &env, FUZZ_CLIENT_MAX_FRAME) == 0);
	CHECK(frame_decode(buf_head(&out), buf_used(&out), FUZZ_CLIENT_MAX_FRAME, &payload, &plen,
			   &used) == FRAME_OK);
	back = frame_envelope_unpack(payload, plen);
	CHECK(back && back->body_case == SAFECAMPUS__ENVELOPE__BODY_PUSH &&
	      back->push->n_records == 1 && strcmp(back->push->records[0]->id, recs[0]->id) == 0);
	frame_envelope_free(back);
	store_batch_free(recs, n);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store *st = NULL;
	size_t off = 0;
	uint64_t rid = 1;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	while (off < size) {
		const uint8_t *payload = NULL;
		size_t plen = 0, consumed = 0;
		Safecampus__Envelope *env;

		if (frame_decode(data + off, size - off, FUZZ_CLIENT_MAX_FRAME, &payload, &plen,
				 &consumed) != FRAME_OK)
			break;
		CHECK(consumed == FRAME_HEADER + plen && consumed <= size - off);
		off += consumed;
		env = frame_envelope_unpack(payload, plen);
		if (!env)
			break; /* the client closes the connection on a bad frame */
		if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_NOTIFY) {
			CHECK(env->notify != NULL);
			if (!st) {
				st = fuzz_store_new(0);
				fuzz_write(st, fuzz_record("11111111-1111-4111-8111-111111111111",
							   "hazard", "title", "Blocked fire exit",
							   "area", "fire", "severity", "critical",
							   "found_date", "2026-11-02", NULL));
			}
			round_start(st, rid);
			rid += 2;
		}
		frame_envelope_free(env);
	}
	store_close(st);
	return 0;
}
