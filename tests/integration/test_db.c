/* Integration tests for server/db.c and server/migrate.c against a real
 * PostgreSQL started by tests/lib/pg.sh. SC_PG_CONNINFO must be set: without
 * it the program fails (it does not skip).
 *
 * Build and run by hand, from the repository root:
 *
 *   cmake -DOUT=/tmp/sc_migrations_gen.c \
 *         "-DFILES=$(find server/sql -name '*.sql' | sort | paste -sd';')" \
 *         -P server/embed_sql.cmake
 *   gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 *       -Wmissing-prototypes -g -fsanitize=address,undefined -fno-omit-frame-pointer \
 *       -Icommon -Iserver $(pkg-config --cflags libpq libuv) \
 *       tests/integration/test_db.c server/db.c server/migrate.c \
 *       /tmp/sc_migrations_gen.c common/log.c common/err.c \
 *       $(pkg-config --libs libpq libuv libssl libcrypto) -lcmocka -o /tmp/test_db
 *   bash -c 'source tests/lib/pg.sh && d=$(mktemp -d) && pg_start "$d" &&
 *            { /tmp/test_db; rc=$?; pg_stop "$d"; exit $rc; }'
 *
 * SC_LOG=debug shows the layer's log lines; CMOCKA_TEST_ABORT=1 stops at the
 * first failure. Each test asserts that its loop closes clean. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "log.h"
#include "migrate.h"

#define MAXQ 600
#define WAIT_MS 15000

static const char *conninfo;

/* ---- harness */

struct env {
	uv_loop_t loop;
	struct db_pool *pool;
	int closed;
};

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until *flag >= want, or fails the test after timeout_ms. */
static void wait_for(uv_loop_t *loop, const int *flag, int want, unsigned timeout_ms)
{
	uv_timer_t tick;
	uint64_t end;

	uv_update_time(loop);
	end = uv_now(loop) + timeout_ms;
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 20, 20);
	while (*flag < want && uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	assert_true(*flag >= want);
}

/* Lets the loop run for ms (background reconnects and the like). */
static void run_for(uv_loop_t *loop, unsigned ms)
{
	uv_timer_t tick;
	uint64_t end;

	uv_update_time(loop);
	end = uv_now(loop) + ms;
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 10, 10);
	while (uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

static void on_pool_closed(void *arg)
{
	(*(int *)arg)++;
}

static void env_open(struct env *e, int size, const struct db_pool_config *cfg)
{
	memset(e, 0, sizeof *e);
	alarm(120); /* a hang is a failure, not a stuck CI job */
	assert_int_equal(uv_loop_init(&e->loop), 0);
	assert_int_equal(db_pool_new(&e->pool, &e->loop, conninfo, size), 0);
	if (cfg)
		db_pool_configure(e->pool, cfg);
}

static void env_close(struct env *e)
{
	db_pool_close(e->pool, on_pool_closed, &e->closed);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	assert_int_equal(e->closed, 1);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	alarm(0);
}

struct acq {
	int done;
	int status;
	struct db_conn *c;
};

static void on_acq(void *arg, int status, struct db_conn *c)
{
	struct acq *a = arg;

	a->done++;
	a->status = status;
	a->c = c;
}

static struct db_conn *acquire(struct env *e)
{
	struct acq a = { 0 };

	assert_int_equal(db_acquire(e->pool, on_acq, &a), 0);
	wait_for(&e->loop, &a.done, 1, WAIT_MS);
	assert_int_equal(a.status, 0);
	assert_non_null(a.c);
	return a.c;
}

/* Results in completion order. */
struct rec {
	int n;
	int tag[MAXQ];
	int status[MAXQ];
	char val[MAXQ][32];
	char sqlstate[MAXQ][6];
	int had_res[MAXQ];
};

struct qctx {
	struct rec *rec;
	int tag;
};

static void on_res(void *arg, int status, PGresult *res)
{
	struct qctx *q = arg;
	struct rec *r = q->rec;
	int k = r->n++;

	assert_true(k < MAXQ);
	r->tag[k] = q->tag;
	r->status[k] = status;
	r->had_res[k] = res != NULL;
	r->val[k][0] = '\0';
	snprintf(r->sqlstate[k], sizeof r->sqlstate[k], "%s", db_result_sqlstate(res));
	if (status == 0 && res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		snprintf(r->val[k], sizeof r->val[k], "%s", PQgetvalue(res, 0, 0));
}

/* One statement + sync on c, run to completion; returns the statement's status
 * and copies the first value. */
static int exec1(struct env *e, struct db_conn *c, const char *sql, int n, const char *const *v,
		 char *out, size_t outlen)
{
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q0 = { r, 0 }, q1 = { r, 1 };
	int st;

	assert_non_null(r);
	assert_int_equal(db_query(c, sql, n, v, on_res, &q0), 0);
	assert_int_equal(db_sync(c, on_res, &q1), 0);
	wait_for(&e->loop, &r->n, 2, WAIT_MS);
	st = r->status[0];
	if (out)
		snprintf(out, outlen, "%s", r->val[0]);
	free(r);
	return st;
}

static long count_rows(struct env *e, struct db_conn *c, const char *sql)
{
	char v[32];

	assert_int_equal(exec1(e, c, sql, 0, NULL, v, sizeof v), 0);
	return strtol(v, NULL, 10);
}

/* ---- tests */

static void test_pipeline_order(void **state)
{
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[41];
	char args[40][16];
	struct db_pool_stats st;
	struct db_conn *c;

	(void)state;
	assert_non_null(r);
	env_open(&e, 1, NULL);
	c = acquire(&e);
	/* all queued before any result can come back */
	for (int i = 0; i < 40; i++) {
		const char *v[1] = { args[i] };

		snprintf(args[i], sizeof args[i], "%d", i);
		q[i] = (struct qctx){ r, i };
		assert_int_equal(db_query(c, i % 3 ? "SELECT $1::int * 2" : "SELECT $1::int + 1000",
					  1, v, on_res, &q[i]),
				 0);
	}
	q[40] = (struct qctx){ r, 40 };
	assert_int_equal(db_sync(c, on_res, &q[40]), 0);
	assert_int_equal(r->n, 0); /* never called from inside db_* */
	wait_for(&e.loop, &r->n, 41, WAIT_MS);
	for (int i = 0; i < 40; i++) {
		char want[16];

		snprintf(want, sizeof want, "%d", i % 3 ? i * 2 : i + 1000);
		assert_int_equal(r->tag[i], i);
		assert_int_equal(r->status[i], 0);
		assert_string_equal(r->val[i], want);
	}
	assert_int_equal(r->tag[40], 40);
	assert_int_equal(r->status[40], 0);
	assert_int_equal(r->had_res[40], 0);

	/* results far larger than libpq's and the TLS record buffers */
	r->n = 0;
	q[0] = (struct qctx){ r, 0 };
	q[1] = (struct qctx){ r, 1 };
	q[2] = (struct qctx){ r, 2 };
	assert_int_equal(db_query(c,
				  "SELECT length(string_agg(md5(g::text), '')) FROM"
				  " (SELECT g FROM generate_series(1, $1::int) g) s",
				  1, (const char *const[]){ "40000" }, on_res, &q[0]),
			 0);
	assert_int_equal(db_query(c,
				  "SELECT count(*) FROM (SELECT repeat('x', 1000)"
				  " FROM generate_series(1, 3000)) s",
				  0, NULL, on_res, &q[1]),
			 0);
	assert_int_equal(db_sync(c, on_res, &q[2]), 0);
	wait_for(&e.loop, &r->n, 3, WAIT_MS);
	assert_string_equal(r->val[0], "1280000");
	assert_string_equal(r->val[1], "3000");
	assert_int_equal(exec1(&e, c, "SELECT repeat('y', 3000000)", 0, NULL, NULL, 0), 0);
	db_release(c);
	db_pool_stats(e.pool, &st);
	assert_int_equal(st.queries, 43);
	assert_int_equal(st.reconnects, 0);
	free(r);
	env_close(&e);
}

static void test_prepared_reuse(void **state)
{
	static const char *const sql = "SELECT $1::int + 1";
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[MAXQ];
	char args[500][16];
	struct db_conn *c;
	struct db_pool_stats st;
	int pid;

	(void)state;
	assert_non_null(r);
	env_open(&e, 1, NULL);
	c = acquire(&e);
	pid = db_conn_backend_pid(c);
	assert_true(pid > 0);
	/* one round so the PREPARE is confirmed, then four pipelined at once */
	for (int round = 0; round < 5; round++) {
		for (int i = round * 100; i < round * 100 + 100; i++) {
			const char *v[1] = { args[i] };

			snprintf(args[i], sizeof args[i], "%d", i);
			q[i] = (struct qctx){ r, i };
			assert_int_equal(db_query(c, sql, 1, v, on_res, &q[i]), 0);
		}
		q[500 + round] = (struct qctx){ r, 500 + round };
		assert_int_equal(db_sync(c, on_res, &q[500 + round]), 0);
		if (round == 0)
			wait_for(&e.loop, &r->n, 101, WAIT_MS);
	}
	wait_for(&e.loop, &r->n, 505, WAIT_MS);
	for (int k = 0, i = 0; k < 505; k++) {
		char want[16];

		assert_int_equal(r->status[k], 0);
		if (r->tag[k] >= 500)
			continue;
		assert_int_equal(r->tag[k], i);
		snprintf(want, sizeof want, "%d", i + 1);
		assert_string_equal(r->val[k], want);
		i++;
	}
	/* one server-side statement for the text, however many calls */
	assert_int_equal(count_rows(&e, c,
				    "SELECT count(*) FROM pg_prepared_statements"
				    " WHERE statement = 'SELECT $1::int + 1'"),
			 1);
	db_release(c);
	/* same connection again (pool of one): the cache survives release */
	c = acquire(&e);
	assert_int_equal(db_conn_backend_pid(c), pid);
	assert_int_equal(exec1(&e, c, sql, 1, (const char *const[]){ "41" }, args[0], 16), 0);
	assert_string_equal(args[0], "42");
	/* the two texts above plus this one */
	assert_int_equal(count_rows(&e, c, "SELECT count(*) FROM pg_prepared_statements"), 3);
	db_release(c);
	db_pool_stats(e.pool, &st);
	assert_int_equal(st.reconnects, 0);
	free(r);
	env_close(&e);
}

static void test_error_aborts_pipeline(void **state)
{
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[16];
	struct db_conn *c;
	struct db_pool_stats st;
	char v[32];
	int pid;

	(void)state;
	assert_non_null(r);
	env_open(&e, 1, NULL);
	c = acquire(&e);
	pid = db_conn_backend_pid(c);
	for (int i = 0; i < 16; i++)
		q[i] = (struct qctx){ r, i };
	assert_int_equal(db_query(c, "SELECT 1", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_query(c, "SELECT 1/0", 0, NULL, on_res, &q[1]), 0);
	assert_int_equal(db_query(c, "SELECT 2", 0, NULL, on_res, &q[2]), 0);
	assert_int_equal(db_query(c, "SELECT 1", 0, NULL, on_res, &q[3]), 0);
	assert_int_equal(db_sync(c, on_res, &q[4]), 0);
	/* the next segment runs normally */
	assert_int_equal(db_query(c, "SELECT 4", 0, NULL, on_res, &q[5]), 0);
	assert_int_equal(db_sync(c, on_res, &q[6]), 0);
	wait_for(&e.loop, &r->n, 7, WAIT_MS);
	for (int i = 0; i < 7; i++)
		assert_int_equal(r->tag[i], i);
	assert_int_equal(r->status[0], 0);
	assert_int_equal(r->status[1], SC_EDB);
	assert_int_equal(r->had_res[1], 1);
	assert_string_equal(r->sqlstate[1], "22012");
	assert_int_equal(r->status[2], DB_EABORTED);
	assert_int_equal(r->had_res[2], 0);
	assert_int_equal(r->status[3], DB_EABORTED);
	assert_int_equal(r->status[4], DB_EABORTED);
	assert_int_equal(r->status[5], 0);
	assert_string_equal(r->val[5], "4");
	assert_int_equal(r->status[6], 0);

	/* a new text first seen in an aborted segment (its PREPARE skipped) and
	 * reused in the next segment, queued before any result came back */
	r->n = 0;
	assert_int_equal(db_query(c, "SELECT 1/0", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(
		db_query(c, "SELECT $1::int + 7", 1, (const char *const[]){ "1" }, on_res, &q[1]),
		0);
	assert_int_equal(db_sync(c, on_res, &q[2]), 0);
	assert_int_equal(
		db_query(c, "SELECT $1::int + 7", 1, (const char *const[]){ "2" }, on_res, &q[3]),
		0);
	assert_int_equal(db_sync(c, on_res, &q[4]), 0);
	wait_for(&e.loop, &r->n, 5, WAIT_MS);
	assert_int_equal(r->status[0], SC_EDB);
	assert_int_equal(r->status[1], DB_EABORTED);
	assert_int_equal(r->status[2], DB_EABORTED);
	assert_int_equal(r->status[3], 0);
	assert_string_equal(r->val[3], "9");
	assert_int_equal(r->status[4], 0);

	/* a statement that cannot be prepared reports the PREPARE's error */
	r->n = 0;
	assert_int_equal(db_query(c, "SELEC 1", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_query(c, "SELECT count(*) FROM later_tbl", 0, NULL, on_res, &q[1]), 0);
	assert_int_equal(db_sync(c, on_res, &q[2]), 0);
	wait_for(&e.loop, &r->n, 3, WAIT_MS);
	assert_int_equal(r->status[0], SC_EDB);
	assert_string_equal(r->sqlstate[0], "42601");
	assert_int_equal(r->status[1], DB_EABORTED);
	assert_int_equal(r->status[2], DB_EABORTED);
	/* alone in its segment, the missing table is SC_EDB 42P01 */
	r->n = 0;
	assert_int_equal(db_query(c, "SELECT count(*) FROM later_tbl", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_sync(c, on_res, &q[1]), 0);
	wait_for(&e.loop, &r->n, 2, WAIT_MS);
	assert_int_equal(r->status[0], SC_EDB);
	assert_string_equal(r->sqlstate[0], "42P01");
	assert_int_equal(r->status[1], DB_EABORTED);
	db_release(c);

	/* usable after release, and the failed text prepares again once valid */
	c = acquire(&e);
	assert_int_equal(db_conn_backend_pid(c), pid);
	assert_int_equal(exec1(&e, c, "SELECT 5", 0, NULL, v, sizeof v), 0);
	assert_string_equal(v, "5");
	assert_int_equal(exec1(&e, c, "DROP TABLE IF EXISTS later_tbl", 0, NULL, NULL, 0), 0);
	assert_int_equal(exec1(&e, c, "CREATE TABLE later_tbl(x int)", 0, NULL, NULL, 0), 0);
	assert_int_equal(count_rows(&e, c, "SELECT count(*) FROM later_tbl"), 0);
	assert_int_equal(exec1(&e, c, "DROP TABLE later_tbl", 0, NULL, NULL, 0), 0);
	db_release(c);
	db_pool_stats(e.pool, &st);
	assert_int_equal(st.reconnects, 0);
	free(r);
	env_close(&e);
}

static void test_transaction_round_trips(void **state)
{
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[8];
	struct db_conn *a, *b;
	struct db_pool_stats st;

	(void)state;
	assert_non_null(r);
	env_open(&e, 2, NULL);
	a = acquire(&e);
	b = acquire(&e);
	assert_ptr_not_equal(a, b);
	assert_int_equal(exec1(&e, a, "DROP TABLE IF EXISTS t_tx", 0, NULL, NULL, 0), 0);
	assert_int_equal(exec1(&e, a, "CREATE TABLE t_tx(id int)", 0, NULL, NULL, 0), 0);
	for (int i = 0; i < 8; i++)
		q[i] = (struct qctx){ r, i };

	/* round trip 1: BEGIN, INSERT, sync — the transaction stays open */
	assert_int_equal(db_query(a, "BEGIN", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_query(a, "INSERT INTO t_tx VALUES ($1)", 1,
				  (const char *const[]){ "1" }, on_res, &q[1]),
			 0);
	assert_int_equal(db_sync(a, on_res, &q[2]), 0);
	wait_for(&e.loop, &r->n, 3, WAIT_MS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r->status[i], 0);
	assert_int_equal(count_rows(&e, b, "SELECT count(*) FROM t_tx"), 0);
	/* round trip 2: INSERT, COMMIT, sync */
	assert_int_equal(db_query(a, "INSERT INTO t_tx VALUES ($1)", 1,
				  (const char *const[]){ "2" }, on_res, &q[3]),
			 0);
	assert_int_equal(db_query(a, "COMMIT", 0, NULL, on_res, &q[4]), 0);
	assert_int_equal(db_sync(a, on_res, &q[5]), 0);
	wait_for(&e.loop, &r->n, 6, WAIT_MS);
	for (int i = 3; i < 6; i++)
		assert_int_equal(r->status[i], 0);
	assert_int_equal(count_rows(&e, b, "SELECT count(*) FROM t_tx"), 2);

	/* released inside a transaction: rolled back before reuse */
	r->n = 0;
	assert_int_equal(db_query(a, "BEGIN", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_query(a, "INSERT INTO t_tx VALUES (3)", 0, NULL, on_res, &q[1]), 0);
	assert_int_equal(db_sync(a, on_res, &q[2]), 0);
	wait_for(&e.loop, &r->n, 3, WAIT_MS);
	db_release(a);
	/* released inside a failed transaction, with unsynced work queued */
	r->n = 0;
	assert_int_equal(db_query(b, "BEGIN", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_query(b, "SELECT 1/0", 0, NULL, on_res, &q[1]), 0);
	db_release(b);
	wait_for(&e.loop, &r->n, 2, WAIT_MS);
	assert_int_equal(r->status[1], SC_EDB);
	a = acquire(&e);
	b = acquire(&e);
	assert_int_equal(count_rows(&e, a, "SELECT count(*) FROM t_tx"), 2);
	assert_int_equal(count_rows(&e, b, "SELECT count(*) FROM t_tx"), 2);
	assert_int_equal(exec1(&e, a, "DROP TABLE t_tx", 0, NULL, NULL, 0), 0);
	db_release(a);
	db_release(b);
	db_pool_stats(e.pool, &st);
	assert_int_equal(st.reconnects, 0);
	free(r);
	env_close(&e);
}

struct worker {
	struct env *e;
	int idx;
	int order; /* position in which it got its connection */
	int status;
	int done;
	struct db_conn *c;
	char arg[16];
};

static int held, max_held, next_order, finished;

static void on_worker_sync(void *arg, int status, PGresult *res)
{
	struct worker *w = arg;

	(void)res;
	w->status = status;
	w->done = 1;
	held--;
	finished++;
	db_release(w->c);
}

static void on_worker_conn(void *arg, int status, struct db_conn *c)
{
	struct worker *w = arg;
	const char *v[1] = { w->arg };

	assert_int_equal(status, 0);
	w->c = c;
	w->order = next_order++;
	if (++held > max_held)
		max_held = held;
	snprintf(w->arg, sizeof w->arg, "%d", w->idx);
	assert_int_equal(db_query(c, "SELECT pg_sleep(0.05), $1::int", 1, v, NULL, NULL), 0);
	assert_int_equal(db_sync(c, on_worker_sync, w), 0);
}

static void test_pool_concurrency(void **state)
{
	struct db_pool_config cfg = { .max_waiters = 10 };
	struct worker w[10];
	struct acq extra = { 0 };
	struct env e;
	struct db_conn *c1, *c2;

	(void)state;
	env_open(&e, 2, &cfg);
	held = max_held = next_order = finished = 0;
	for (int i = 0; i < 10; i++) {
		w[i] = (struct worker){ .e = &e, .idx = i };
		assert_int_equal(db_acquire(e.pool, on_worker_conn, &w[i]), 0);
	}
	/* the waiter queue is bounded */
	assert_int_equal(db_acquire(e.pool, on_acq, &extra), -EBUSY);
	wait_for(&e.loop, &finished, 10, WAIT_MS);
	assert_int_equal(max_held, 2);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(w[i].status, 0);
		assert_int_equal(w[i].order, i); /* FIFO */
	}

	/* a waiter that cannot be served in time gets -ETIMEDOUT */
	cfg.acquire_timeout_ms = 300;
	db_pool_configure(e.pool, &cfg);
	c1 = acquire(&e);
	c2 = acquire(&e);
	assert_int_equal(db_acquire(e.pool, on_acq, &extra), 0);
	wait_for(&e.loop, &extra.done, 1, WAIT_MS);
	assert_int_equal(extra.status, -ETIMEDOUT);
	assert_null(extra.c);
	db_release(c1);
	db_release(c2);
	env_close(&e);
}

static void test_killed_connection(void **state)
{
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[4];
	struct db_conn *a, *b;
	struct db_pool_stats st;
	char pid[16], v[32];
	int pa, pb;

	(void)state;
	assert_non_null(r);
	env_open(&e, 2, NULL);
	a = acquire(&e);
	b = acquire(&e);
	pa = db_conn_backend_pid(a);
	snprintf(pid, sizeof pid, "%d", pa);
	for (int i = 0; i < 4; i++)
		q[i] = (struct qctx){ r, i };
	/* in flight on a when its backend is terminated from b */
	assert_int_equal(db_query(a, "SELECT pg_sleep(30)", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_sync(a, on_res, &q[1]), 0);
	run_for(&e.loop, 100);
	assert_int_equal(exec1(&e, b, "SELECT pg_terminate_backend($1)", 1,
			       (const char *const[]){ pid }, v, sizeof v),
			 0);
	assert_string_equal(v, "t");
	wait_for(&e.loop, &r->n, 2, WAIT_MS);
	assert_int_equal(r->tag[0], 0);
	assert_int_equal(r->status[0], -ECANCELED);
	assert_int_equal(r->had_res[0], 0);
	assert_int_equal(r->status[1], -ECANCELED);
	/* the holder learns it at once, and the session is not silently replaced */
	assert_int_equal(db_query(a, "SELECT 1", 0, NULL, on_res, &q[2]), -ECANCELED);
	assert_int_equal(db_sync(a, on_res, &q[2]), -ECANCELED);
	db_release(a);
	db_release(b);
	/* the pool recovers: two connections at once again, a new backend */
	a = acquire(&e);
	b = acquire(&e);
	assert_int_equal(exec1(&e, a, "SELECT 1", 0, NULL, v, sizeof v), 0);
	assert_int_equal(exec1(&e, b, "SELECT 1", 0, NULL, v, sizeof v), 0);
	assert_true(db_conn_backend_pid(a) != pa && db_conn_backend_pid(b) != pa);

	/* an idle connection killed behind the pool's back is noticed and replaced */
	pb = db_conn_backend_pid(b);
	db_release(b);
	snprintf(pid, sizeof pid, "%d", pb);
	assert_int_equal(exec1(&e, a, "SELECT pg_terminate_backend($1)", 1,
			       (const char *const[]){ pid }, v, sizeof v),
			 0);
	db_release(a);
	run_for(&e.loop, 300);
	a = acquire(&e);
	b = acquire(&e);
	assert_true(db_conn_backend_pid(a) != pb && db_conn_backend_pid(b) != pb);
	assert_int_equal(exec1(&e, a, "SELECT 1", 0, NULL, v, sizeof v), 0);
	assert_int_equal(exec1(&e, b, "SELECT 1", 0, NULL, v, sizeof v), 0);
	db_release(a);
	db_release(b);
	db_pool_stats(e.pool, &st);
	assert_true(st.reconnects >= 2);
	assert_int_equal(st.idle, 2);
	free(r);
	env_close(&e);
}

static void test_close_with_work_in_flight(void **state)
{
	struct env e;
	struct rec *r = calloc(1, sizeof *r);
	struct qctx q[2];
	struct acq waiter = { 0 };
	struct db_conn *c;

	(void)state;
	assert_non_null(r);
	env_open(&e, 1, NULL);
	c = acquire(&e);
	q[0] = (struct qctx){ r, 0 };
	q[1] = (struct qctx){ r, 1 };
	assert_int_equal(db_query(c, "SELECT pg_sleep(10)", 0, NULL, on_res, &q[0]), 0);
	assert_int_equal(db_sync(c, on_res, &q[1]), 0);
	assert_int_equal(db_acquire(e.pool, on_acq, &waiter), 0);
	run_for(&e.loop, 50);
	db_pool_close(e.pool, on_pool_closed, &e.closed);
	assert_int_equal(r->n, 0); /* from the loop, not from db_pool_close */
	assert_int_equal(db_acquire(e.pool, on_acq, &waiter), -ECANCELED);
	uv_run(&e.loop, UV_RUN_DEFAULT);
	assert_int_equal(e.closed, 1);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->status[0], -ECANCELED);
	assert_int_equal(r->status[1], -ECANCELED);
	assert_int_equal(waiter.done, 1);
	assert_int_equal(waiter.status, -ECANCELED);
	assert_int_equal(uv_loop_close(&e.loop), 0);
	alarm(0);
	free(r);
}

static void test_unreachable_server(void **state)
{
	struct db_pool_config cfg = { .acquire_timeout_ms = 400, .connect_timeout_ms = 200 };
	struct acq a = { 0 };
	struct env e;
	struct db_pool_stats st;

	(void)state;
	memset(&e, 0, sizeof e);
	alarm(60);
	assert_int_equal(uv_loop_init(&e.loop), 0);
	assert_int_equal(db_pool_new(&e.pool, &e.loop, "nonsense=1", 1), SC_ECONFIG);
	assert_int_equal(db_pool_new(&e.pool, &e.loop,
				     "host=127.0.0.1 port=1 dbname=x user=x sslmode=disable", 2),
			 0);
	db_pool_configure(e.pool, &cfg);
	assert_int_equal(db_acquire(e.pool, on_acq, &a), 0);
	wait_for(&e.loop, &a.done, 1, WAIT_MS);
	assert_int_equal(a.status, -ETIMEDOUT);
	db_pool_stats(e.pool, &st);
	assert_int_equal(st.idle, 0);
	env_close(&e);
}

/* The port of the test cluster, from SC_PG_CONNINFO, into out. */
static void pg_port(char *out, size_t n)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;

	assert_non_null(opts);
	out[0] = '\0';
	for (o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "port") == 0 && o->val && *o->val)
			snprintf(out, n, "%s", o->val);
	PQconninfoFree(opts);
	assert_true(out[0] != '\0');
}

/* A pool on "host=127.0.0.1,127.0.0.1 port=FIRST,<the cluster>" with
 * target_session_attrs=read-write must hand out a working connection. */
static void second_host_serves(unsigned first_port, const struct db_pool_config *cfg)
{
	char port[16], ci[256];
	struct acq a = { 0 };
	struct env e;

	pg_port(port, sizeof port);
	snprintf(ci, sizeof ci,
		 "host=127.0.0.1,127.0.0.1 port=%u,%s dbname=safecampus user=safecampus "
		 "sslmode=disable target_session_attrs=read-write",
		 first_port, port);
	memset(&e, 0, sizeof e);
	alarm(60);
	assert_int_equal(uv_loop_init(&e.loop), 0);
	assert_int_equal(db_pool_new(&e.pool, &e.loop, ci, 2), 0);
	db_pool_configure(e.pool, cfg);
	assert_int_equal(db_acquire(e.pool, on_acq, &a), 0);
	wait_for(&e.loop, &a.done, 1, WAIT_MS);
	assert_int_equal(a.status, 0);
	assert_int_equal(count_rows(&e, a.c, "select 1"), 1);
	db_release(a.c);
	env_close(&e);
}

/* The first host refuses (a stopped primary, as in a failover). libuv reports
 * the refused connect as a poll error (EPOLLERR); the adapter used to end the
 * attempt on it, so libpq never tried the next host and the pool stayed down
 * for as long as the first host did. */
static void test_second_host(void **state)
{
	struct db_pool_config cfg = { .acquire_timeout_ms = 5000 };

	(void)state;
	second_host_serves(1, &cfg); /* port 1 on loopback: nothing listens */
}

/* The first host accepts and never answers (a hung machine; one that drops
 * every packet is the same to libpq). Its asynchronous connect has no
 * per-host timeout: the attempt ran out on it, and every next attempt began
 * with it again, so the pool never got to the second host. */
static void test_silent_first_host(void **state)
{
	/* the pool's first attempts start with the default 10 s connect timeout
	 * (db_pool_configure comes after db_pool_new) */
	struct db_pool_config cfg = { .acquire_timeout_ms = 14000, .connect_timeout_ms = 300 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 16), 0); /* never accepted: the kernel completes the
					      * handshake, no one reads */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	second_host_serves(ntohs(sa.sin_port), &cfg);
	close(fd);
}

/* ---- migrations (blocking libpq, no loop) */

static PGconn *pg_open(void)
{
	PGconn *pg = PQconnectdb(conninfo);

	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	return pg;
}

static long pg_count(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	long n;

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

static void pg_ok(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);

	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
}

static void mig_clean(PGconn *pg)
{
	pg_ok(pg, "DROP TABLE IF EXISTS schema_migrations, mig_a, mig_c, mig_slow");
}

static void test_migrations(void **state)
{
	/* given out of order on purpose: applied by name */
	static const struct migration good[] = {
		{ "zz_test_0002_b.sql", "ALTER TABLE mig_a ADD COLUMN note text;\n" },
		{ "zz_test_0001_a.sql", "-- first\nCREATE TABLE mig_a(id int);\n"
					"INSERT INTO mig_a VALUES (1);\n" },
		{ 0, 0 },
	};
	static const struct migration bad[] = {
		{ "zz_test_0001_a.sql", "unused: already applied" },
		{ "zz_test_0002_b.sql", "unused: already applied" },
		{ "zz_test_0003_bad.sql",
		  "CREATE TABLE mig_c(id int);\n\nSELECT * FROM no_such_table;" },
		{ "zz_test_0004_never.sql", "CREATE TABLE mig_never(id int);" },
		{ 0, 0 },
	};
	static const struct migration dup[] = {
		{ "zz_x.sql", "SELECT 1" },
		{ "zz_x.sql", "SELECT 2" },
		{ 0, 0 },
	};
	static const struct migration txn[] = {
		{ "zz_test_0005_txn.sql", "CREATE TABLE mig_c(id int); COMMIT;" },
		{ 0, 0 },
	};
	char err[512];
	PGconn *pg = pg_open();

	(void)state;
	alarm(60);
	mig_clean(pg);
	assert_int_equal(migrate_apply_list(conninfo, good, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM schema_migrations"), 2);
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM mig_a WHERE note IS NULL"), 1);
	/* idempotent: nothing runs twice */
	assert_int_equal(migrate_apply_list(conninfo, good, err, sizeof err), 0);
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM mig_a"), 1);

	/* a failing migration is named, with PostgreSQL's message, and undone */
	assert_int_equal(migrate_apply_list(conninfo, bad, err, sizeof err), SC_EDB);
	assert_non_null(strstr(err, "zz_test_0003_bad.sql"));
	assert_non_null(strstr(err, "42P01"));
	assert_non_null(strstr(err, "no_such_table"));
	assert_non_null(strstr(err, "line 3"));
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'mig_c'"),
			 0);
	assert_int_equal(
		pg_count(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'mig_never'"), 0);
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM schema_migrations"), 2);

	assert_int_equal(migrate_apply_list(conninfo, dup, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "duplicate"));
	/* transaction control inside a migration is reported loudly; what it
	 * committed is committed together with its record */
	assert_int_equal(migrate_apply_list(conninfo, txn, err, sizeof err), SC_EDB);
	assert_non_null(strstr(err, "zz_test_0005_txn.sql"));
	assert_non_null(strstr(err, "ended the transaction"));
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM schema_migrations"
				      " WHERE name = 'zz_test_0005_txn.sql'"),
			 1);
	assert_int_equal(migrate_apply_list("host=127.0.0.1 port=1 connect_timeout=2", good, err,
					    sizeof err),
			 SC_EDB);
	assert_non_null(strstr(err, "connect"));

	mig_clean(pg);
	PQfinish(pg);
	alarm(0);
}

/* Several servers starting together: the advisory lock makes one migrate. */
static void test_migrations_concurrent(void **state)
{
	static const struct migration slow[] = {
		{ "zz_test_0001_slow.sql",
		  "CREATE TABLE mig_slow(pid int);\n"
		  "INSERT INTO mig_slow VALUES (pg_backend_pid());\nSELECT pg_sleep(0.5);" },
		{ 0, 0 },
	};
	pid_t kids[3];
	PGconn *pg = pg_open();

	(void)state;
	alarm(60);
	mig_clean(pg);
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			char err[256];

			_exit(migrate_apply_list(conninfo, slow, err, sizeof err) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 3; i++) {
		int ws;

		assert_int_equal(waitpid(kids[i], &ws, 0), kids[i]);
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), 0);
	}
	assert_int_equal(pg_count(pg, "SELECT count(*) FROM mig_slow"), 1);
	mig_clean(pg);
	PQfinish(pg);
	alarm(0);
}

/* ---- LISTEN/NOTIFY */

struct heard {
	int subscribed;
	int n;
	char payload[8][32];
	char channel[8][64];
};

static void on_notify(void *arg, const char *channel, const char *payload)
{
	struct heard *h = arg;

	if (!payload) {
		h->subscribed++;
		return;
	}
	assert_true(h->n < 8);
	snprintf(h->channel[h->n], sizeof h->channel[h->n], "%s", channel);
	snprintf(h->payload[h->n], sizeof h->payload[h->n], "%s", payload);
	h->n++;
}

static void test_listen(void **state)
{
	struct heard h = { 0 }, h2 = { 0 };
	struct env e;
	struct db_conn *c;
	char v[32];

	(void)state;
	env_open(&e, 1, NULL);
	assert_int_equal(db_listen(e.pool, "sc_test_chan", on_notify, &h), 0);
	assert_int_equal(db_listen(e.pool, "", on_notify, &h), -EINVAL);
	wait_for(&e.loop, &h.subscribed, 1, WAIT_MS);
	/* a name that needs quoting, added while already listening */
	assert_int_equal(db_listen(e.pool, "Mixed \"Case\".chan", on_notify, &h2), 0);
	wait_for(&e.loop, &h2.subscribed, 1, WAIT_MS);

	c = acquire(&e);
	assert_int_equal(exec1(&e, c, "SELECT pg_notify($1, $2)", 2,
			       (const char *const[]){ "sc_test_chan", "hello" }, NULL, 0),
			 0);
	assert_int_equal(exec1(&e, c, "SELECT pg_notify($1, $2)", 2,
			       (const char *const[]){ "Mixed \"Case\".chan", "quoted" }, NULL, 0),
			 0);
	wait_for(&e.loop, &h.n, 1, WAIT_MS);
	wait_for(&e.loop, &h2.n, 1, WAIT_MS);
	assert_string_equal(h.channel[0], "sc_test_chan");
	assert_string_equal(h.payload[0], "hello");
	assert_string_equal(h2.payload[0], "quoted");

	/* the listener is killed: it reconnects and subscribes again */
	assert_int_equal(exec1(&e, c,
			       "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			       " WHERE datname = current_database() AND query LIKE 'LISTEN %'"
			       " AND pid <> pg_backend_pid()",
			       0, NULL, v, sizeof v),
			 0);
	assert_string_equal(v, "1");
	wait_for(&e.loop, &h.subscribed, 2, WAIT_MS);
	wait_for(&e.loop, &h2.subscribed, 2, WAIT_MS);
	assert_int_equal(exec1(&e, c, "SELECT pg_notify($1, $2)", 2,
			       (const char *const[]){ "sc_test_chan", "again" }, NULL, 0),
			 0);
	wait_for(&e.loop, &h.n, 2, WAIT_MS);
	assert_string_equal(h.payload[1], "again");
	assert_int_equal(h2.n, 1);
	db_release(c);
	env_close(&e);
}

/* ---- helpers without a server */

static void test_sqlstate_classes(void **state)
{
	(void)state;
	assert_true(db_sqlstate_retryable("40001"));
	assert_true(db_sqlstate_retryable("40P01"));
	assert_true(db_sqlstate_retryable("57P01"));
	assert_true(db_sqlstate_retryable("08006"));
	assert_true(db_sqlstate_retryable("08P01"));
	assert_false(db_sqlstate_retryable("23505"));
	assert_false(db_sqlstate_retryable("22012"));
	assert_false(db_sqlstate_retryable("40003")); /* outcome unknown: never blindly */
	assert_false(db_sqlstate_retryable(""));
	assert_false(db_sqlstate_retryable(NULL));
	assert_string_equal(db_result_sqlstate(NULL), "");
	assert_non_null(strstr(db_strerror(DB_EABORTED), "pipeline"));
	assert_string_equal(db_strerror(SC_EDB), sc_strerror(SC_EDB));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlstate_classes),
		cmocka_unit_test(test_pipeline_order),
		cmocka_unit_test(test_prepared_reuse),
		cmocka_unit_test(test_error_aborts_pipeline),
		cmocka_unit_test(test_transaction_round_trips),
		cmocka_unit_test(test_pool_concurrency),
		cmocka_unit_test(test_killed_connection),
		cmocka_unit_test(test_close_with_work_in_flight),
		cmocka_unit_test(test_unreachable_server),
		cmocka_unit_test(test_second_host),
		cmocka_unit_test(test_silent_first_host),
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_migrations_concurrent),
		cmocka_unit_test(test_listen),
	};
	const char *lvl = getenv("SC_LOG");
	enum log_level level = LOG_ERROR;

	conninfo = getenv("SC_PG_CONNINFO");
	if (!conninfo || !*conninfo) {
		fprintf(stderr, "test_db: SC_PG_CONNINFO is not set; start a cluster with "
				"tests/lib/pg.sh (see the top of this file)\n");
		return 1;
	}
	if (lvl && log_parse_level(lvl, &level) != 0) {
		fprintf(stderr, "test_db: bad SC_LOG=%s\n", lvl);
		return 1;
	}
	log_set_level(level);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
