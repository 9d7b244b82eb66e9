/* Framing: a 4-byte big-endian length, then that many bytes of one Envelope.
 *
 * frame_decode is a pure function over bytes: no I/O, no allocation, so it can
 * be tested on split and merged input and fuzzed. */
#ifndef SC_FRAME_H
#define SC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "safecampus.pb-c.h"

#define FRAME_HEADER 4u
#define FRAME_MAX_DEFAULT (4u << 20) /* 4 MiB */
#define FRAME_MAX_LIMIT (64u << 20)  /* no configuration may go above */

enum frame_status {
	FRAME_OK = 0,    /* *payload, *payload_len and *consumed are set */
	FRAME_NEED_MORE, /* not a whole frame yet; nothing consumed */
	FRAME_TOO_BIG,   /* length prefix above max; the stream is unusable */
	FRAME_EMPTY,     /* zero-length frame; the stream is unusable */
};

/** Looks for one whole frame at the start of [p, p+len). On FRAME_OK,
 * *payload points into p, and *consumed is header + payload length. The
 * length is checked against max before anything else looks at the payload. */
enum frame_status frame_decode(const uint8_t *p, size_t len, size_t max, const uint8_t **payload,
			       size_t *payload_len, size_t *consumed);

/** Packs env as one frame appended to out. SC_ETOOBIG if the frame would be
 * larger than max or than out's limit; out is unchanged on failure. */
SC_WUR int frame_encode(struct buf *out, const Safecampus__Envelope *env, size_t max);

/** Unpacks one payload. Returns NULL if it is not a valid Envelope. The caller
 * owns the result and frees it with frame_envelope_free. */
Safecampus__Envelope *frame_envelope_unpack(const uint8_t *payload, size_t len);
void frame_envelope_free(Safecampus__Envelope *env);

#endif
