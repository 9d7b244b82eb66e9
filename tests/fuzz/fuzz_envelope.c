/* libFuzzer target: the bytes a peer can send, through everything that looks
 * at them before the database does.
 *
 * The input is a TCP byte stream. It is cut into frames with frame_decode (max
 * 64 KiB), each payload is unpacked as an Envelope, every Record of a Push or
 * Changes goes through kind_of, rules_check, the text forms of kinds.c and,
 * for a hazard_event, hazard_apply from every state; then the envelope is
 * packed again with frame_encode and must decode to the same bytes.
 *
 * Build and run: tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "hazard_fsm.h"
#include "kinds.h"
#include "rules.h"

#define FUZZ_MAX_FRAME (64u << 10)

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                              \
		}                                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A message for people: terminated inside the buffer. */
static void check_why(const char *why, size_t len, int rc)
{
	size_t n = strnlen(why, len);

	CHECK(n < len);
	if (rc < 0)
		CHECK(n > 0);
}

/* Text forms: get -> set -> get gives the same text for a valid record; any
 * text into any field never crashes and either sets it or says why not. */
static void exercise_text(const struct kind *k, const ProtobufCMessage *m, int valid)
{
	ProtobufCMessage *copy = kind_payload_new(k);
	char err[256];

	if (!copy)
		return;
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *text = kind_field_get(m, f), *again;
		int rc;

		if (!text)
			continue;
		rc = kind_field_set(copy, f, text, err, sizeof err);
		check_why(err, sizeof err, rc);
		if (valid) {
			CHECK(rc == 0);
			again = kind_field_get(copy, f);
			CHECK(again != NULL);
			CHECK(strcmp(text, again) == 0);
			free(again);
		}
		/* the same hostile text into every other field */
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			rc = kind_field_set(copy, &k->desc->fields[j], text, err, sizeof err);
			check_why(err, sizeof err, rc);
			CHECK(rc == 0 || rc == SC_EINVALID);
			if (k->desc->fields[j].type == PROTOBUF_C_TYPE_ENUM) {
				int v;
				rc = kind_enum_parse(k->desc->fields[j].descriptor, text, &v);
				CHECK(rc == 0 || rc == SC_EINVALID);
			}
		}
		free(text);
	}
	kind_payload_free(copy);
}

static void exercise_hazard_event(const Safecampus__HazardEvent *ev)
{
	for (int st = SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_UNSPECIFIED;
	     st <= SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_CLOSED + 1; st++) {
		struct hazard_status s, before;
		char why[256];
		int rc;

		hazard_status_init(&s);
		s.state = (Safecampus__HazardState)st;
		snprintf(s.owner, sizeof s.owner, "Wang Wu");
		snprintf(s.deadline_date, sizeof s.deadline_date, "2026-03-10");
		/* the event's own actor as the rectifier, to reach the "not by the rectifier" refusal */
		snprintf(s.rectified_by, sizeof s.rectified_by, "%s",
			 (st & 1) && ev->actor ? ev->actor : "Zhang San");
		before = s;
		rc = hazard_apply(&s, ev, why, sizeof why);
		check_why(why, sizeof why, rc);
		CHECK(rc == 0 || rc == SC_ETRANSITION || rc == SC_EINVALID);
		if (rc < 0) {
			CHECK(memcmp(&before, &s, sizeof s) == 0);
		} else {
			CHECK(s.state >= SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_REPORTED &&
			      s.state <= SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_CLOSED);
			CHECK(strnlen(s.owner, sizeof s.owner) < sizeof s.owner);
			CHECK(strnlen(s.deadline_date, sizeof s.deadline_date) <
			      sizeof s.deadline_date);
			CHECK(strnlen(s.rectified_by, sizeof s.rectified_by) <
			      sizeof s.rectified_by);
			CHECK(s.deadline_date[0] == '\0' || rules_date_valid(s.deadline_date));
		}
		(void)hazard_is_overdue(&s, ev->deadline_date ? ev->deadline_date : "");
		(void)hazard_state_name(s.state);
	}
}

static void exercise_record(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	char why[256];
	int rc;

	rc = rules_check(r, why, sizeof why);
	check_why(why, sizeof why, rc);
	CHECK(rc == 0 || rc == SC_EINVALID);
	if (!k) {
		CHECK(rc == SC_EINVALID);
		return;
	}
	if (!kind_payload(r))
		return;
	exercise_text(k, kind_payload(r), rc == 0);
	if (r->body_case == SAFECAMPUS__RECORD__BODY_HAZARD_EVENT)
		exercise_hazard_event(r->hazard_event);
}

static void exercise_envelope(const Safecampus__Envelope *env)
{
	Safecampus__Record **recs = NULL;
	size_t n = 0;

	if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_PUSH && env->push) {
		recs = env->push->records;
		n = env->push->n_records;
	} else if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_CHANGES && env->changes) {
		recs = env->changes->records;
		n = env->changes->n_records;
	}
	for (size_t i = 0; i < n; i++)
		if (recs[i])
			exercise_record(recs[i]);
}

/* Packs env again: a frame within the limits that decodes to itself, and a
 * second pack of that gives the same bytes. */
static void repack(const Safecampus__Envelope *env)
{
	size_t n = safecampus__envelope__get_packed_size(env);
	struct buf out, again;
	const uint8_t *payload;
	size_t plen, consumed;
	Safecampus__Envelope *u;
	int rc;

	buf_init(&out, FRAME_HEADER + FUZZ_MAX_FRAME);
	rc = frame_encode(&out, env, FUZZ_MAX_FRAME);
	if (rc != 0) {
		CHECK(rc == SC_ETOOBIG);
		CHECK(n == 0 || n > FUZZ_MAX_FRAME);
		CHECK(buf_used(&out) == 0);
		buf_free(&out);
		return;
	}
	CHECK(buf_used(&out) == FRAME_HEADER + n);
	CHECK(n > 0 && n <= FUZZ_MAX_FRAME);
	CHECK(frame_decode(buf_head(&out), buf_used(&out), FUZZ_MAX_FRAME, &payload, &plen,
			   &consumed) == FRAME_OK);
	CHECK(plen == n && consumed == buf_used(&out));
	u = frame_envelope_unpack(payload, plen);
	CHECK(u != NULL);
	buf_init(&again, FRAME_HEADER + FUZZ_MAX_FRAME);
	CHECK(frame_encode(&again, u, FUZZ_MAX_FRAME) == 0);
	CHECK(buf_used(&again) == buf_used(&out));
	CHECK(memcmp(buf_head(&again), buf_head(&out), buf_used(&out)) == 0);
	frame_envelope_free(u);
	buf_free(&again);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const uint8_t *payload = NULL;
		size_t plen = 0, consumed = 0, left = size - off;
		enum frame_status st;
		Safecampus__Envelope *env;

		st = frame_decode(data + off, left, FUZZ_MAX_FRAME, &payload, &plen, &consumed);
		if (st != FRAME_OK) {
			if (st == FRAME_NEED_MORE && left >= FRAME_HEADER) {
				uint32_t n = (uint32_t)data[off] << 24 |
					     (uint32_t)data[off + 1] << 16 |
					     (uint32_t)data[off + 2] << 8 | data[off + 3];
				CHECK(n > 0 && n <= FUZZ_MAX_FRAME && left - FRAME_HEADER < n);
			}
			break; /* NEED_MORE at the end of the stream; TOO_BIG/EMPTY end it */
		}
		CHECK(payload == data + off + FRAME_HEADER);
		CHECK(plen > 0 && plen <= FUZZ_MAX_FRAME);
		CHECK(consumed == FRAME_HEADER + plen && consumed <= left);
		/* one byte less is not a frame yet */
		CHECK(frame_decode(data + off, consumed - 1, FUZZ_MAX_FRAME, &payload, &plen,
				   &consumed) == FRAME_NEED_MORE);
		CHECK(frame_decode(data + off, left, FUZZ_MAX_FRAME, &payload, &plen, &consumed) ==
		      FRAME_OK);
		off += consumed;

		env = frame_envelope_unpack(payload, plen);
		if (!env)
			continue;
		exercise_envelope(env);
		repack(env);
		frame_envelope_free(env);
	}
	return 0;
}
