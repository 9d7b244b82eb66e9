/* The PostgreSQL layer's pool: waiters, dispatch, start and teardown,
 * the LISTEN connection, and SQLSTATE helpers (db_int.h). */
#include "db.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "db_int.h"
#include "log.h"
#include "util.h"

/* ---- pool */

static struct db_waiter waiter_pop(struct db_pool *p)
{
	struct db_waiter w = p->waiters[p->whead];

	p->whead = (p->whead + 1) % p->wcap;
	p->wlen--;
	return w;
}

static void on_wait_timer(uv_timer_t *t);

static void wait_timer_rearm(struct db_pool *p)
{
	uint64_t now, d;

	if (p->closing)
		return;
	if (p->wlen == 0) {
		uv_timer_stop(&p->wait_timer);
		return;
	}
	now = uv_now(p->loop);
	d = p->waiters[p->whead].deadline > now ? p->waiters[p->whead].deadline - now : 0;
	uv_timer_start(&p->wait_timer, on_wait_timer, d, 0);
}

static void on_wait_timer(uv_timer_t *t)
{
	struct db_pool *p = container_of(t, struct db_pool, wait_timer);
	uint64_t now = uv_now(p->loop);

	while (!p->closing && p->wlen > 0 && p->waiters[p->whead].deadline <= now) {
		struct db_waiter w = waiter_pop(p);

		p->st.acquire_timeouts++;
		log_warn("db acquire timeout waiters=%u timeout_ms=%u", p->wlen,
			 p->cfg.acquire_timeout_ms);
		w.cb(w.arg, -ETIMEDOUT, NULL);
	}
	wait_timer_rearm(p);
}

static struct db_conn *pool_pick_idle(struct db_pool *p)
{
	for (int i = 0; i < p->size; i++) {
		struct db_conn *c = p->conns[(p->rr + i) % p->size];

		if (c->state == CS_IDLE) {
			p->rr = (p->rr + i + 1) % p->size;
			return c;
		}
	}
	return NULL;
}

static void pool_dispatch(struct db_pool *p)
{
	while (!p->closing && p->wlen > 0) {
		struct db_conn *c = pool_pick_idle(p);
		struct db_waiter w;

		if (!c)
			break;
		w = waiter_pop(p);
		db__dbc_set_state(c, CS_BUSY);
		p->st.acquired++;
		w.cb(w.arg, 0, c);
	}
	wait_timer_rearm(p);
}

static void dbc_close(struct db_conn *c)
{
	db__poll_drop(c);
	uv_timer_stop(&c->timer);
	if (c->state != CS_CLOSED)
		db__dbc_set_state(c, CS_CLOSED);
	c->gen++;
	db__dbc_fail_all(c);
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	uv_close((uv_handle_t *)&c->timer, db__on_handle_closed);
}

static void pool_teardown(struct db_pool *p)
{
	if (p->torn_down)
		return;
	p->torn_down = true;
	for (int i = 0; i < p->size; i++)
		dbc_close(p->conns[i]);
	if (p->listener)
		dbc_close(p->listener);
	while (p->wlen > 0) {
		struct db_waiter w = waiter_pop(p);

		w.cb(w.arg, -ECANCELED, NULL);
	}
	uv_timer_stop(&p->wait_timer);
	uv_close((uv_handle_t *)&p->wait_timer, db__on_handle_closed);
	uv_close((uv_handle_t *)&p->kick_timer, db__on_handle_closed);
}

static void on_kick(uv_timer_t *t)
{
	struct db_pool *p = container_of(t, struct db_pool, kick_timer);

	if (p->closing) {
		pool_teardown(p);
		return;
	}
	for (int i = 0; i < p->size && !p->closing; i++)
		if (p->conns[i]->fail_pending)
			db__dbc_fail_all(p->conns[i]);
	if (!p->closing && p->listener && p->listener->fail_pending)
		db__dbc_fail_all(p->listener);
	if (p->closing)
		return; /* db_pool_close kicked again */
	pool_dispatch(p);
}

void db__pool_kick(struct db_pool *p)
{
	if (!p->torn_down && !uv_is_active((uv_handle_t *)&p->kick_timer))
		uv_timer_start(&p->kick_timer, on_kick, 0, 0);
}

static int dbc_new(struct db_pool *p, int id, struct db_conn **out)
{
	struct db_conn *c = calloc(1, sizeof *c);

	if (!c)
		return -ENOMEM;
	c->qcap = p->cfg.max_inflight;
	c->q = calloc(c->qcap, sizeof *c->q);
	if (!c->q) {
		free(c);
		return -ENOMEM;
	}
	c->pool = p;
	c->id = id;
	c->state = CS_BACKOFF;
	uv_timer_init(p->loop, &c->timer);
	c->timer.data = p;
	p->nhandles++;
	*out = c;
	return 0;
}

int db_pool_new(struct db_pool **out, uv_loop_t *loop, const char *conninfo, int size)
{
	struct db_pool *p;
	PQconninfoOption *opts;
	char *errmsg = NULL;
	char msg[256];
	int rc;

	*out = NULL;
	if (!loop || !conninfo || size < 1 || size > DB_MAX_POOL)
		return -EINVAL;
	opts = PQconninfoParse(conninfo, &errmsg);
	if (!opts) {
		log_error("db bad conninfo reason=\"%s\"",
			  db__oneline(errmsg ? errmsg : "out of memory", msg, sizeof msg));
		PQfreemem(errmsg);
		return SC_ECONFIG;
	}
	PQconninfoFree(opts);
	p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	db__cfg_fill(&p->cfg);
	p->conninfo = strdup(conninfo);
	p->wcap = p->cfg.max_waiters;
	p->waiters = calloc(p->wcap, sizeof *p->waiters);
	if (!p->conninfo || !p->waiters) {
		free(p->conninfo);
		free(p->waiters);
		free(p);
		return -ENOMEM;
	}
	uv_timer_init(loop, &p->kick_timer);
	uv_timer_init(loop, &p->wait_timer);
	p->kick_timer.data = p;
	p->wait_timer.data = p;
	p->nhandles = 2;
	for (int i = 0; i < size; i++) {
		rc = dbc_new(p, i, &p->conns[i]);
		if (rc < 0) {
			/* nothing started yet: close what exists and let the loop free it */
			p->closing = true;
			pool_teardown(p);
			return rc;
		}
		p->size++;
	}
	log_info("db pool size=%d", size);
	for (int i = 0; i < size; i++)
		db__dbc_connect_start(p->conns[i]);
	*out = p;
	return 0;
}

void db_pool_configure(struct db_pool *p, const struct db_pool_config *cfg)
{
	struct db_pool_config n = *cfg;

	db__cfg_fill(&n);
	if (p->wlen == 0 && n.max_waiters != p->wcap) {
		struct db_waiter *w = calloc(n.max_waiters, sizeof *w);

		if (w) {
			free(p->waiters);
			p->waiters = w;
			p->wcap = n.max_waiters;
			p->whead = 0;
		}
	}
	n.max_waiters = p->wcap;
	for (int i = 0; i < p->size; i++) {
		struct db_conn *c = p->conns[i];

		if (c->qlen == 0 && n.max_inflight != c->qcap) {
			struct db_req *q = calloc(n.max_inflight, sizeof *q);

			if (q) {
				free(c->q);
				c->q = q;
				c->qcap = n.max_inflight;
				c->qhead = 0;
			}
		}
	}
	p->cfg = n;
}

void db_pool_close(struct db_pool *p, void (*done)(void *arg), void *arg)
{
	if (!p || p->closing)
		return;
	log_info("db pool closing waiters=%u", p->wlen);
	p->closing = true;
	p->done = done;
	p->done_arg = arg;
	/* stop watching now; sockets close with the connections, in the loop */
	for (int i = 0; i < p->size; i++)
		db__poll_pause(p->conns[i]);
	if (p->listener)
		db__poll_pause(p->listener);
	db__pool_kick(p);
}

int db_acquire(struct db_pool *p, db_acquire_cb cb, void *arg)
{
	struct db_waiter *w;

	if (!p || !cb)
		return -EINVAL;
	if (p->closing)
		return -ECANCELED;
	if (p->wlen == p->wcap)
		return -EBUSY;
	w = &p->waiters[(p->whead + p->wlen) % p->wcap];
	w->cb = cb;
	w->arg = arg;
	w->deadline = uv_now(p->loop) + p->cfg.acquire_timeout_ms;
	p->wlen++;
	db__pool_kick(p);
	return 0;
}

void db_pool_stats(const struct db_pool *p, struct db_pool_stats *out)
{
	*out = p->st;
	out->size = (unsigned)p->size;
	out->idle = out->busy = out->connecting = out->down = 0;
	out->waiters = p->wlen;
	for (int i = 0; i < p->size; i++) {
		switch (p->conns[i]->state) {
		case CS_IDLE:
			out->idle++;
			break;
		case CS_BUSY:
		case CS_CLEANING:
			out->busy++;
			break;
		case CS_CONNECTING:
			out->connecting++;
			break;
		default:
			out->down++;
			break;
		}
	}
}

/* ---- LISTEN */

void db__listen_send(struct db_conn *c, int idx)
{
	struct db_pool *p = c->pool;
	const char *ch = p->listens[idx].channel;
	char sql[2 * DB_CHANNEL_MAX + 16];
	char *ident;
	struct db_req *r;
	int rc;

	if (c->qlen + 2 > c->qcap) {
		log_error("db listen queue full channel=%s", ch);
		return;
	}
	ident = PQescapeIdentifier(c->pg, ch, strlen(ch));
	if (!ident) {
		log_error("db listen failed channel=%s reason=\"cannot quote\"", ch);
		return;
	}
	snprintf(sql, sizeof sql, "LISTEN %s", ident);
	PQfreemem(ident);
	if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		db__send_failed(c, &rc);
		return;
	}
	r = db__q_push(c, RQ_LISTEN);
	r->listen_idx = idx;
	/* a sync of its own, so one bad channel does not abort the others */
	if (db__send_sync(c, NULL, NULL) < 0)
		return;
}

int db_listen(struct db_pool *p, const char *channel, db_notify_cb cb, void *arg)
{
	struct db_listen_reg *reg;
	size_t len;
	int rc;

	if (!p || !channel || !cb)
		return -EINVAL;
	if (p->closing)
		return -ECANCELED;
	len = strlen(channel);
	if (len == 0 || len > DB_CHANNEL_MAX)
		return -EINVAL;
	if (p->nlisten == DB_MAX_LISTEN)
		return -ENOSPC;
	if (!p->listener) {
		rc = dbc_new(p, -1, &p->listener);
		if (rc < 0)
			return rc;
		p->listener->listener = true;
	}
	reg = &p->listens[p->nlisten++];
	memcpy(reg->channel, channel, len + 1);
	reg->cb = cb;
	reg->arg = arg;
	if (p->listener->state == CS_IDLE)
		db__listen_send(p->listener, p->nlisten - 1);
	else if (p->listener->state == CS_BACKOFF && p->listener->attempts == 0 &&
		 !uv_is_active((uv_handle_t *)&p->listener->timer))
		db__dbc_schedule_reconnect(p->listener); /* first start, from the loop */
	return 0;
}

/* ---- SQLSTATE and errors */

bool db_sqlstate_retryable(const char *s)
{
	static const char *const codes[] = {
		"40001", /* serialization_failure */
		"40P01", /* deadlock_detected */
		"55P03", /* lock_not_available */
		"57P01", /* admin_shutdown */
		"57P02", /* crash_shutdown */
		"57P03", /* cannot_connect_now */
		"53300", /* too_many_connections */
	};

	if (!s || strlen(s) != 5)
		return false;
	if (s[0] == '0' && s[1] == '8') /* connection_exception class */
		return true;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(s, codes[i]) == 0)
			return true;
	return false;
}

const char *db_result_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

const char *db_strerror(int rc)
{
	if (rc == DB_EABORTED)
		return "skipped: an earlier statement of the pipeline failed";
	return sc_strerror(rc);
}
