#include "hlc.h"

#include <errno.h>
#include <string.h>
#include <time.h>

uint64_t hlc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t hlc_tick(struct hlc *c, uint64_t now_ms)
{
	uint64_t wall = HLC_MAKE(now_ms, 0);

	/* counter overflow carries into the millisecond part: still monotonic */
	c->last = wall > c->last ? wall : c->last + 1;
	return c->last;
}

int hlc_observe(struct hlc *c, uint64_t remote, uint64_t now_ms)
{
	if (HLC_MS(remote) > now_ms + HLC_MAX_DRIFT_MS)
		return -ERANGE;
	if (remote > c->last)
		c->last = remote;
	return 0;
}

int hlc_version_cmp(uint64_t a, const char *writer_a, uint64_t b, const char *writer_b)
{
	if (a != b)
		return a < b ? -1 : 1;
	return strcmp(writer_a ? writer_a : "", writer_b ? writer_b : "");
}
