#include "buf.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->off = b->len = 0;
}

int buf_sane(const struct buf *b)
{
	return b->off <= b->len && b->len <= b->cap && b->cap <= b->max &&
	       (b->cap == 0 || b->data != NULL);
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
	size_t used = buf_used(b);

	assert(buf_sane(b));
	if (n > b->max || used > b->max - n)
		return NULL;
	if (b->off > 0 && b->len + n > b->cap) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap = cap > b->max / 2 ? b->max : cap * 2;
		if (cap > b->max)
			cap = b->max;
		uint8_t *p = realloc(b->data, cap);
		if (!p)
			return NULL;
		b->data = p;
		b->cap = cap;
	}
	return b->data + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	assert(b->len + n <= b->cap);
	b->len += n;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n > b->max || buf_used(b) > b->max - n)
		return SC_ETOOBIG;
	uint8_t *dst = buf_reserve(b, n);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, p, n);
	buf_commit(b, n);
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	assert(n <= buf_used(b));
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}
