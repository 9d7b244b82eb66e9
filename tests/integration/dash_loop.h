/* The server's dashboard job run on a test's own libuv loop: what
 * test_dashboard_msg, test_dash_bureau and test_dash_rates share to start a
 * dash_job on a db_pool and wait for it (and for the pool to close). */
#ifndef SC_TEST_DASH_LOOP_H
#define SC_TEST_DASH_LOOP_H

#include <uv.h>

#include "../../server/dashboard.h"
#include "db.h"

struct run {
	uv_loop_t loop;
	struct db_pool *pool;
	int done, closed;
};

static inline void on_job(struct dash_job *j, void *arg)
{
	(void)j;
	((struct run *)arg)->done = 1;
}

static inline void on_closed(void *arg)
{
	((struct run *)arg)->closed = 1;
}

/* Turns the loop until *flag is set, at most 3000 times (a bounded wait) */
static inline void spin(struct run *r, const int *flag)
{
	for (int i = 0; i < 3000 && !*flag; i++)
		uv_run(&r->loop, UV_RUN_ONCE);
	assert_true(*flag);
}

#endif
