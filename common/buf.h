/* A growable byte buffer with a hard maximum set when it is made.
 *
 * Data lives in [data + off, data + len); consuming from the front moves `off`
 * and compacts lazily, so a reader that takes one frame at a time does not
 * memmove on every frame. */
#ifndef SC_BUF_H
#define SC_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct buf {
	uint8_t *data;
	size_t off; /* first unread byte */
	size_t len; /* end of data */
	size_t cap; /* allocated */
	size_t max; /* cap never grows past this */
};

/** Makes an empty buffer that may hold at most `max` bytes. Allocates nothing yet. */
void buf_init(struct buf *b, size_t max);
/** Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}
static inline uint8_t *buf_head(const struct buf *b)
{
	return b->data + b->off;
}
/** Appends n bytes. SC_ETOOBIG past max, -ENOMEM if allocation fails;
 * on failure the buffer is unchanged. */
SC_WUR int buf_append(struct buf *b, const void *p, size_t n);
/** Makes room for at least n more bytes and returns where to write them, or
 * NULL (over max or out of memory). Call buf_commit with what was written. */
uint8_t *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
/** Drops n bytes from the front. */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/** Invariant check for debug builds. */
int buf_sane(const struct buf *b);

#endif
