#include "frame.h"

#include <errno.h>

enum frame_status frame_decode(const uint8_t *p, size_t len, size_t max, const uint8_t **payload,
			       size_t *payload_len, size_t *consumed)
{
	uint32_t n;

	if (len < FRAME_HEADER)
		return FRAME_NEED_MORE;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (n > max)
		return FRAME_TOO_BIG;
	if (n == 0)
		return FRAME_EMPTY;
	if (len - FRAME_HEADER < n)
		return FRAME_NEED_MORE;
	*payload = p + FRAME_HEADER;
	*payload_len = n;
	*consumed = FRAME_HEADER + (size_t)n;
	return FRAME_OK;
}

int frame_encode(struct buf *out, const Safecampus__Envelope *env, size_t max)
{
	size_t n = safecampus__envelope__get_packed_size(env);
	uint8_t *dst;

	if (n == 0 || n > max || n > UINT32_MAX)
		return SC_ETOOBIG;
	dst = buf_reserve(out, FRAME_HEADER + n);
	if (!dst)
		return buf_used(out) + FRAME_HEADER + n > out->max ? SC_ETOOBIG : -ENOMEM;
	dst[0] = (uint8_t)(n >> 24);
	dst[1] = (uint8_t)(n >> 16);
	dst[2] = (uint8_t)(n >> 8);
	dst[3] = (uint8_t)n;
	safecampus__envelope__pack(env, dst + FRAME_HEADER);
	buf_commit(out, FRAME_HEADER + n);
	return 0;
}

/* protobuf-c 1.4 takes field number 0 when the tag is spelled in more than
 * one byte (0x82 0x00), keeps it as an unknown field, and packs it back as the
 * single byte 0x02, which it then refuses: a message that unpacks once but
 * not after it is stored or relayed. Field numbers 0 and above 2^29-1 are not
 * protobuf at all (other implementations refuse them), so refuse them here,
 * at any depth. The schema has no recursive messages, so the depth is bounded. */
#define FRAME_MAX_FIELD_NUMBER 536870911u

static int unknown_fields_valid(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < m->n_unknown_fields; i++) {
		uint32_t tag = m->unknown_fields[i].tag;
		if (tag == 0 || tag > FRAME_MAX_FIELD_NUMBER)
			return 0;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *arr =
				*(ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t j = 0; j < n; j++)
				if (arr[j] && !unknown_fields_valid(arr[j]))
					return 0;
		} else {
			const ProtobufCMessage *sub =
				*(const ProtobufCMessage *const *)(base + f->offset);
			if (sub && !unknown_fields_valid(sub))
				return 0;
		}
	}
	return 1;
}

Safecampus__Envelope *frame_envelope_unpack(const uint8_t *payload, size_t len)
{
	Safecampus__Envelope *env = safecampus__envelope__unpack(NULL, len, payload);

	if (env && !unknown_fields_valid(&env->base)) {
		safecampus__envelope__free_unpacked(env, NULL);
		return NULL;
	}
	return env;
}

void frame_envelope_free(Safecampus__Envelope *env)
{
	if (env)
		safecampus__envelope__free_unpacked(env, NULL);
}
