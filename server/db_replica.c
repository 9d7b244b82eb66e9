/* Read replica: its pool, the lag probe and the choice per read
 * (db_replica.h, docs/internals/database.md "Read replica"). */
#include "db_replica.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* Primary samples kept: with the probe period below (an eighth of the
 * bound, 20 to 250 ms) they cover 64 s or 32 times the bound, so a standby
 * some periods behind still finds the newest sample it has passed. One
 * behind every kept sample does not move its fresh time: it is judged more
 * stale than it may be, never less. */
#define RING 256
#define PROBE_MIN_MS 20
#define PROBE_MAX_MS 250

enum rstate { R_UNKNOWN, R_UP, R_DOWN };

struct sample {
	uint64_t t_ns; /* when the primary's position was asked for */
	uint64_t lsn;  /* its WAL insert position then (or later) */
};

struct replica {
	uv_loop_t *loop;
	struct db_pool *primary; /* borrowed: closed by the server after us */
	struct db_pool *pool;    /* ours */
	uv_timer_t timer;
	long max_lag_ms;
	struct sample ring[RING];
	unsigned nring, next;
	uint64_t fresh_ns; /* the standby holds every commit acknowledged before */
	uint64_t probe_t0;
	enum rstate state;
	bool lagging;   /* as last logged */
	bool announced; /* the state since it came up was logged */
	bool probing, closing, timer_closed, pool_closed;
	struct replica_stats st;
};

int replica__parse_lsn(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long hi, lo;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	hi = strtoull(s, &end, 16);
	if (errno || end == s || *end != '/' || hi > 0xffffffffull)
		return -EINVAL;
	s = end + 1;
	lo = strtoull(s, &end, 16);
	if (errno || end == s || *end || lo > 0xffffffffull)
		return -EINVAL;
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

static unsigned probe_period_ms(const struct replica *r)
{
	long p = r->max_lag_ms / 8;

	return p < PROBE_MIN_MS ? PROBE_MIN_MS : p > PROBE_MAX_MS ? PROBE_MAX_MS : (unsigned)p;
}

static int64_t lag_ms(const struct replica *r)
{
	if (!r->fresh_ns)
		return -1;
	return (int64_t)((uv_hrtime() - r->fresh_ns) / 1000000);
}

static void maybe_free(struct replica *r)
{
	if (r->closing && r->timer_closed && r->pool_closed && !r->probing)
		free(r);
}

static void set_down(struct replica *r, const char *why)
{
	/* once per outage: every read meanwhile goes to the primary silently */
	if (r->state != R_DOWN)
		log_warn("replica unavailable why=\"%s\": reads go to the primary", why);
	r->state = R_DOWN;
}

static void set_up(struct replica *r)
{
	if (r->state != R_UP)
		r->announced = false; /* judge_lag says how it came back */
	r->state = R_UP;
}

/* Logs the moves across the bound, once each (the choice itself is made per
 * read, replica_pick) */
static void judge_lag(struct replica *r)
{
	int64_t lag = lag_ms(r);
	bool lagging = lag < 0 || lag > r->max_lag_ms;

	if (r->state != R_UP || (r->announced && lagging == r->lagging))
		return;
	r->lagging = lagging;
	r->announced = true;
	if (lagging)
		log_warn("replica lagging lag_ms=%lld max_lag_ms=%ld: reads go to the primary",
			 (long long)lag, r->max_lag_ms);
	else
		log_info("replica serving reads lag_ms=%lld max_lag_ms=%ld", (long long)lag,
			 r->max_lag_ms);
}

static void on_tick(uv_timer_t *t);

static void probe_end(struct replica *r)
{
	r->probing = false;
	if (r->closing) {
		maybe_free(r);
		return;
	}
	judge_lag(r);
	uv_timer_start(&r->timer, on_tick, probe_period_ms(r), 0);
}

static unsigned live_conns(const struct db_pool *p, unsigned *connecting)
{
	struct db_pool_stats st;

	db_pool_stats(p, &st);
	if (connecting)
		*connecting = st.connecting;
	return st.idle + st.busy;
}

static void on_replica_pos(void *arg, int status, PGresult *res)
{
	struct replica *r = arg;
	uint64_t lsn = 0;

	if (r->closing) {
		probe_end(r);
		return;
	}
	if (status || PQntuples(res) != 1) {
		set_down(r, status ? db_strerror(status) : "no row");
		probe_end(r);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		/* promoted, or the setting names a primary: its data may have
		 * forked from ours, and it would take no writes from us anyway */
		set_down(r, "not a standby (pg_is_in_recovery() is false)");
		probe_end(r);
		return;
	}
	/* NULL before the first record replayed: behind every sample */
	if (!PQgetisnull(res, 0, 1) && replica__parse_lsn(PQgetvalue(res, 0, 1), &lsn)) {
		set_down(r, "pg_last_wal_replay_lsn() unreadable");
		probe_end(r);
		return;
	}
	/* the newest sample it has passed */
	for (unsigned i = 0; i < r->nring; i++) {
		const struct sample *s = &r->ring[(r->next + RING - 1 - i) % RING];
		if (s->lsn <= lsn) {
			if (s->t_ns > r->fresh_ns)
				r->fresh_ns = s->t_ns;
			break;
		}
	}
	set_up(r);
	probe_end(r);
}

static void on_replica_conn(void *arg, int status, struct db_conn *c)
{
	struct replica *r = arg;

	if (status || r->closing) {
		if (!r->closing)
			set_down(r, db_strerror(status));
		if (!status)
			db_release(c);
		probe_end(r);
		return;
	}
	int rc = db_query(c, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text", 0, NULL,
			  on_replica_pos, r);
	db_release(c);
	if (rc) {
		set_down(r, db_strerror(rc));
		probe_end(r);
	}
}

static void on_primary_pos(void *arg, int status, PGresult *res)
{
	struct replica *r = arg;
	uint64_t lsn;
	int rc;

	if (r->closing || status || PQntuples(res) != 1 ||
	    replica__parse_lsn(PQgetvalue(res, 0, 0), &lsn)) {
		/* no sample: the standby's fresh time ages, which is the safe side */
		if (status && !r->closing)
			log_debug("replica probe: primary position failed err=\"%s\"",
				  db_strerror(status));
		probe_end(r);
		return;
	}
	r->ring[r->next] = (struct sample){ r->probe_t0, lsn };
	r->next = (r->next + 1) % RING;
	if (r->nring < RING)
		r->nring++;
	unsigned connecting;
	if (!live_conns(r->pool, &connecting)) {
		/* every connection is (re)connecting: an acquire would wait for
		 * the acquire timeout. At start-up the first attempts are not an
		 * outage yet. */
		if (r->state != R_UNKNOWN || !connecting)
			set_down(r, "no connection to the replica");
		probe_end(r);
		return;
	}
	rc = db_acquire(r->pool, on_replica_conn, r);
	if (rc) {
		set_down(r, db_strerror(rc));
		probe_end(r);
	}
}

static void on_primary_conn(void *arg, int status, struct db_conn *c)
{
	struct replica *r = arg;

	if (status || r->closing) {
		if (!status)
			db_release(c);
		probe_end(r);
		return;
	}
	/* the insert position, not the flushed one: it is past every commit
	 * record a snapshot taken before now can see, even an asynchronous one */
	int rc =
		db_query(c, "SELECT pg_current_wal_insert_lsn()::text", 0, NULL, on_primary_pos, r);
	db_release(c);
	if (rc)
		probe_end(r);
}

static void on_tick(uv_timer_t *t)
{
	struct replica *r = container_of(t, struct replica, timer);

	if (r->probing || r->closing)
		return;
	r->probing = true;
	/* taken before the primary answers: what it answers is at least its
	 * position at this time, so the sample never claims too much */
	r->probe_t0 = uv_hrtime();
	if (db_acquire(r->primary, on_primary_conn, r))
		probe_end(r);
}

int replica_new(struct replica **out, uv_loop_t *loop, struct db_pool *primary,
		const char *conninfo, int size, long max_lag_ms)
{
	struct replica *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	rc = db_pool_new(&r->pool, loop, conninfo, size);
	if (rc) {
		free(r);
		return rc;
	}
	/* a standby that does not answer must not hold a read for long: the
	 * read is retried on the primary after this */
	struct db_pool_config cfg = { .acquire_timeout_ms = 2000, .connect_timeout_ms = 2000 };
	db_pool_configure(r->pool, &cfg);
	r->loop = loop;
	r->primary = primary;
	r->max_lag_ms = max_lag_ms > 0 ? max_lag_ms : 1;
	uv_timer_init(loop, &r->timer);
	uv_timer_start(&r->timer, on_tick, 0, 0);
	*out = r;
	return 0;
}

void replica_set_max_lag(struct replica *r, long max_lag_ms)
{
	if (r && max_lag_ms > 0 && max_lag_ms != r->max_lag_ms) {
		log_info("replica max_lag_ms=%ld (was %ld)", max_lag_ms, r->max_lag_ms);
		r->max_lag_ms = max_lag_ms;
	}
}

struct db_pool *replica_pick(struct replica *r, uint64_t floor_ns)
{
	if (!r || r->closing)
		return NULL;
	if (r->state != R_UP || !live_conns(r->pool, NULL)) {
		r->st.down++;
		return NULL;
	}
	int64_t lag = lag_ms(r);
	if (lag < 0 || lag > r->max_lag_ms) {
		r->st.lagging++;
		return NULL;
	}
	if (r->fresh_ns <= floor_ns) {
		/* this client has seen primary data the standby may not have yet */
		r->st.behind++;
		return NULL;
	}
	r->st.picked++;
	return r->pool;
}

uint64_t replica_fresh_ns(const struct replica *r)
{
	return r ? r->fresh_ns : 0;
}

void replica_failed(struct replica *r, int status)
{
	if (!r)
		return;
	r->st.failed++;
	set_down(r, db_strerror(status));
}

void replica_stats(const struct replica *r, struct replica_stats *out)
{
	*out = r->st;
	out->up = r->state == R_UP;
	out->lag_ms = lag_ms(r);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct replica *r = container_of((uv_timer_t *)h, struct replica, timer);

	r->timer_closed = true;
	maybe_free(r);
}

static void on_pool_closed(void *arg)
{
	struct replica *r = arg;

	r->pool_closed = true;
	maybe_free(r);
}

void replica_close(struct replica *r)
{
	if (!r || r->closing)
		return;
	/* the worker's account of where its reads went */
	struct replica_stats st;
	replica_stats(r, &st);
	log_info("replica closing picked=%llu primary_lagging=%llu primary_down=%llu "
		 "primary_behind_client=%llu failed=%llu",
		 (unsigned long long)st.picked, (unsigned long long)st.lagging,
		 (unsigned long long)st.down, (unsigned long long)st.behind,
		 (unsigned long long)st.failed);
	r->closing = true;
	uv_close((uv_handle_t *)&r->timer, on_timer_closed);
	db_pool_close(r->pool, on_pool_closed, r);
}
