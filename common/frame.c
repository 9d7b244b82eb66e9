#include "frame.h"

#include <errno.h>

enum frame_status frame_decode(const uint8_t *p, size_t len, size_t max,
			       const uint8_t **payload, size_t *payload_len,
			       size_t *consumed)
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

Safecampus__Envelope *frame_envelope_unpack(const uint8_t *payload, size_t len)
{
	return safecampus__envelope__unpack(NULL, len, payload);
}

void frame_envelope_free(Safecampus__Envelope *env)
{
	if (env)
		safecampus__envelope__free_unpacked(env, NULL);
}
