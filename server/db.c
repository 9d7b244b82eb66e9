/* Asynchronous PostgreSQL layer: see db.h and docs/internals/database.md.
 *
 * Each connection is a state machine (dbc_set_state) driven by one uv_poll on
 * its libpq socket and one timer (connect timeout, reconnect backoff). Every
 * request sent to libpq has an entry in the connection's FIFO, in send order;
 * results are matched to the head of the FIFO. libpq's pipeline rules: each
 * statement yields its result(s) then a NULL; a sync yields one
 * PGRES_PIPELINE_SYNC and no NULL; after a failure the rest of the segment
 * yields PGRES_PIPELINE_ABORTED (each followed by a NULL) up to the sync.
 *
 * Deferred work: user callbacks never run inside a db_* call. Losing a
 * connection inside an API call only marks its FIFO to be failed; the pool's
 * "kick" timer (timeout 0) fails it, dispatches waiters and tears the pool down
 * from the loop. */
#include "db.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "log.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define DB_MAX_POOL 64
#define DB_MAX_LISTEN 64
#define DB_CHANNEL_MAX 63
#define DB_STMT_BUCKETS 128
#define DB_MAX_PARAMS 65535
#define DB_NAME_LEN 24

enum dbc_state {
	CS_CONNECTING, /* PQconnectPoll/PQresetPoll in progress */
	CS_IDLE,       /* healthy, in the pool (or: the listener, listening) */
	CS_BUSY,       /* held by a caller between acquire and release */
	CS_CLEANING,   /* released; draining its FIFO, rolling back if needed */
	CS_BROKEN,     /* lost while held; waits for db_release */
	CS_BACKOFF,    /* waiting for the timer to (re)connect */
	CS_CLOSED,     /* pool closing */
};

static const char *const state_names[] = {
	"connecting", "idle", "busy", "cleaning", "broken", "backoff", "closed",
};

enum req_kind { RQ_QUERY, RQ_PREPARE, RQ_SYNC, RQ_ROLLBACK, RQ_LISTEN };

enum stmt_state { ST_PENDING, ST_READY, ST_FAILED };

/* A prepared statement of one connection, keyed by its SQL text. */
struct db_stmt {
	struct db_stmt *next;
	uint32_t hash;
	unsigned id;     /* server-side name is "sc<id>" */
	uint64_t seg;    /* pipeline segment its PREPARE was sent in */
	uint8_t state;
	char sql[];
};

/* One entry per request sent to libpq, in send order. */
struct db_req {
	db_result_cb cb;
	void *arg;
	PGresult *res;       /* last result, held until the terminating NULL */
	PGresult *prep_err;  /* the failed PREPARE of this execute, if any */
	struct db_stmt *stmt;
	unsigned stmt_id;
	int listen_idx;
	uint8_t kind;
	bool started;        /* at least one result seen */
	bool has_exec;       /* RQ_PREPARE: the next entry is its execute */
};

/* uv_poll_t binds one fd for life; a new socket needs a new handle, and the
 * old one is freed only in its close callback. */
struct db_poll {
	uv_poll_t h;
	struct db_pool *pool;
	struct db_conn *c; /* NULL once detached */
	int fd;
	int events;
};

struct db_conn {
	struct db_pool *pool;
	PGconn *pg;
	struct db_poll *poll;
	uv_timer_t timer;
	enum dbc_state state;
	int id;            /* index in the pool, -1 for the listener */
	bool listener;
	bool resetting;    /* PQresetPoll rather than PQconnectPoll */
	bool fail_pending; /* FIFO to be failed with -ECANCELED from the loop */
	bool in_drain;
	bool rolled_back;
	bool clean_failed;
	bool seg_failed;   /* a statement failed since the last sync */
	unsigned attempts;
	unsigned gen;      /* bumped whenever the session is lost or closed */
	uint64_t seg;      /* syncs sent on this session */
	unsigned unsynced; /* requests sent since the last sync */
	struct db_req *q;
	unsigned qcap, qhead, qlen;
	struct db_stmt *stmts[DB_STMT_BUCKETS];
	unsigned nstmt;
	unsigned next_stmt_id;
};

struct db_waiter {
	db_acquire_cb cb;
	void *arg;
	uint64_t deadline;
};

struct db_listen_reg {
	char channel[DB_CHANNEL_MAX + 1];
	db_notify_cb cb;
	void *arg;
};

struct db_pool {
	uv_loop_t *loop;
	char *conninfo;
	struct db_pool_config cfg;
	struct db_conn *conns[DB_MAX_POOL];
	int size;
	int rr;
	struct db_conn *listener;
	struct db_listen_reg listens[DB_MAX_LISTEN];
	int nlisten;
	struct db_waiter *waiters;
	unsigned wcap, whead, wlen;
	uv_timer_t kick_timer;
	uv_timer_t wait_timer;
	unsigned nhandles;
	bool closing;
	bool torn_down;
	void (*done)(void *arg);
	void *done_arg;
	struct db_pool_stats st;
};

static void on_poll(uv_poll_t *h, int status, int events);
static void on_conn_timer(uv_timer_t *t);
static void dbc_lost(struct db_conn *c, const char *why);
static void dbc_connect_start(struct db_conn *c);
static void dbc_flush(struct db_conn *c);
static void pool_kick(struct db_pool *p);
static void listen_send(struct db_conn *c, int idx);

/* ---- small helpers */

/* Copies s for a log line: one line, runs of blanks squeezed, no double
 * quotes, bounded. */
static const char *oneline(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	if (!s)
		s = "";
	for (; *s && i + 1 < n; s++) {
		char ch = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : (*s == '"' ? '\'' : *s);

		if (ch == ' ' && (i == 0 || buf[i - 1] == ' '))
			continue;
		buf[i++] = ch;
	}
	while (i > 0 && buf[i - 1] == ' ')
		i--;
	buf[i] = '\0';
	return buf;
}

static void cfg_fill(struct db_pool_config *cfg)
{
	if (!cfg->max_waiters)
		cfg->max_waiters = 256;
	if (!cfg->acquire_timeout_ms)
		cfg->acquire_timeout_ms = 10000;
	if (!cfg->connect_timeout_ms)
		cfg->connect_timeout_ms = 10000;
	if (!cfg->reconnect_max_ms)
		cfg->reconnect_max_ms = 5000;
	if (!cfg->max_inflight)
		cfg->max_inflight = 1024;
	if (cfg->max_inflight < 8)
		cfg->max_inflight = 8;
	if (!cfg->max_statements)
		cfg->max_statements = 512;
}

static int dbc_log_id(const struct db_conn *c)
{
	return c->id;
}

static void dbc_set_state(struct db_conn *c, enum dbc_state to)
{
#define B(s) (1u << (s))
	static const unsigned legal[] = {
		[CS_CONNECTING] = B(CS_IDLE) | B(CS_BACKOFF) | B(CS_CLOSED),
		[CS_IDLE] = B(CS_BUSY) | B(CS_BACKOFF) | B(CS_CLOSED),
		[CS_BUSY] = B(CS_CLEANING) | B(CS_BROKEN) | B(CS_CLOSED),
		[CS_CLEANING] = B(CS_IDLE) | B(CS_BACKOFF) | B(CS_CLOSED),
		[CS_BROKEN] = B(CS_BACKOFF) | B(CS_CLOSED),
		[CS_BACKOFF] = B(CS_CONNECTING) | B(CS_BACKOFF) | B(CS_CLOSED),
		[CS_CLOSED] = 0,
	};
#undef B
	if (!(legal[c->state] & (1u << to))) {
		log_error("db illegal state change conn=%d from=%s to=%s", dbc_log_id(c),
			  state_names[c->state], state_names[to]);
		assert(!"illegal db connection state change");
		return;
	}
	log_debug("db state conn=%d from=%s to=%s", dbc_log_id(c), state_names[c->state],
		  state_names[to]);
	c->state = to;
}

/* ---- request FIFO */

static struct db_req *q_head(struct db_conn *c)
{
	return &c->q[c->qhead];
}

static struct db_req *q_tail(struct db_conn *c)
{
	return &c->q[(c->qhead + c->qlen - 1) % c->qcap];
}

static struct db_req *q_push(struct db_conn *c, enum req_kind kind)
{
	struct db_req *r;

	assert(c->qlen < c->qcap);
	r = &c->q[(c->qhead + c->qlen) % c->qcap];
	c->qlen++;
	memset(r, 0, sizeof *r);
	r->kind = (uint8_t)kind;
	r->listen_idx = -1;
	return r;
}

static struct db_req q_pop(struct db_conn *c)
{
	struct db_req r = c->q[c->qhead];

	assert(c->qlen > 0);
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	return r;
}

static inline bool q_sane(const struct db_conn *c)
{
	return c->qcap > 0 && c->qhead < c->qcap && c->qlen <= c->qcap;
}

/* ---- prepared-statement cache */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static struct db_stmt *stmt_find(struct db_conn *c, const char *sql, uint32_t h)
{
	for (struct db_stmt *s = c->stmts[h % DB_STMT_BUCKETS]; s; s = s->next)
		if (s->hash == h && strcmp(s->sql, sql) == 0)
			return s;
	return NULL;
}

static void stmt_cache_clear(struct db_conn *c)
{
	for (int i = 0; i < DB_STMT_BUCKETS; i++) {
		struct db_stmt *s = c->stmts[i];

		while (s) {
			struct db_stmt *next = s->next;

			free(s);
			s = next;
		}
		c->stmts[i] = NULL;
	}
	c->nstmt = 0;
}

static void stmt_name(char *buf, unsigned id)
{
	snprintf(buf, DB_NAME_LEN, "sc%u", id);
}

/* ---- uv_poll management */

static void handle_closed(struct db_pool *p)
{
	assert(p->nhandles > 0);
	if (--p->nhandles == 0 && p->closing) {
		void (*done)(void *) = p->done;
		void *arg = p->done_arg;

		for (int i = 0; i < p->size; i++) {
			stmt_cache_clear(p->conns[i]);
			free(p->conns[i]->q);
			free(p->conns[i]);
		}
		if (p->listener) {
			stmt_cache_clear(p->listener);
			free(p->listener->q);
			free(p->listener);
		}
		free(p->waiters);
		free(p->conninfo);
		free(p);
		log_info("db pool closed");
		if (done)
			done(arg);
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct db_poll *pw = container_of((uv_poll_t *)h, struct db_poll, h);
	struct db_pool *p = pw->pool;

	free(pw);
	handle_closed(p);
}

/* Stops watching and forgets the handle. Must run before libpq closes the
 * socket, or right after it did with no other fd opened in between. */
static void poll_drop(struct db_conn *c)
{
	struct db_poll *pw = c->poll;

	if (!pw)
		return;
	c->poll = NULL;
	pw->c = NULL;
	uv_poll_stop(&pw->h);
	uv_close((uv_handle_t *)&pw->h, on_poll_closed);
}

/* Keeps the registration but watches nothing: epoll forgets the fd, so libpq
 * may close it and a new socket may reuse the number. */
static void poll_pause(struct db_conn *c)
{
	if (c->poll && c->poll->events) {
		uv_poll_stop(&c->poll->h);
		c->poll->events = 0;
	}
}

static int SC_WUR poll_set(struct db_conn *c, int events)
{
	struct db_pool *p = c->pool;
	int fd = PQsocket(c->pg);
	int rc;

	if (fd < 0)
		return -EBADF;
	if (c->poll && c->poll->fd != fd)
		poll_drop(c);
	if (!c->poll) {
		struct db_poll *pw = calloc(1, sizeof *pw);

		if (!pw)
			return -ENOMEM;
		rc = uv_poll_init_socket(p->loop, &pw->h, fd);
		if (rc < 0) {
			free(pw);
			return rc;
		}
		pw->h.data = pw;
		pw->pool = p;
		pw->c = c;
		pw->fd = fd;
		p->nhandles++;
		c->poll = pw;
	}
	if (c->poll->events != events) {
		rc = uv_poll_start(&c->poll->h, events, on_poll);
		if (rc < 0)
			return rc;
		c->poll->events = events;
	}
	return 0;
}

/* libpq closes its socket itself when it meets EOF or an error; a stale
 * registration must go before anything else can open an fd. */
static bool sock_gone(struct db_conn *c)
{
	if (c->poll && PQsocket(c->pg) != c->poll->fd) {
		poll_drop(c);
		return true;
	}
	return PQstatus(c->pg) == CONNECTION_BAD;
}

/* ---- failure paths */

/* Fails everything queued on c with -ECANCELED. Runs from the loop only. */
static void dbc_fail_all(struct db_conn *c)
{
	struct db_pool *p = c->pool;

	c->fail_pending = false;
	while (c->qlen > 0) {
		struct db_req r = q_pop(c);

		PQclear(r.res);
		PQclear(r.prep_err);
		if ((r.kind == RQ_QUERY || r.kind == RQ_SYNC) && r.cb) {
			p->st.canceled++;
			r.cb(r.arg, -ECANCELED, NULL);
		}
	}
}

static void dbc_schedule_reconnect(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	uint64_t delay = 0;

	if (c->attempts > 0) {
		unsigned shift = c->attempts - 1 > 16 ? 16 : c->attempts - 1;

		delay = (uint64_t)100 << shift;
		if (delay > p->cfg.reconnect_max_ms)
			delay = p->cfg.reconnect_max_ms;
	}
	c->attempts++;
	log_debug("db reconnect scheduled conn=%d attempt=%u delay_ms=%llu", dbc_log_id(c),
		  c->attempts, (unsigned long long)delay);
	uv_timer_start(&c->timer, on_conn_timer, delay, 0);
}

/* The session is gone (or unusable). Requests complete with -ECANCELED from
 * the loop; a held connection waits for db_release before it is reset, so
 * the holder never silently continues on a fresh session. */
static void dbc_lost(struct db_conn *c, const char *why)
{
	struct db_pool *p = c->pool;
	char msg[256];

	poll_drop(c);
	if (c->state == CS_CLOSED || c->state == CS_BROKEN || c->state == CS_BACKOFF)
		return;
	log_warn("db connection lost conn=%d state=%s inflight=%u reason=\"%s\"", dbc_log_id(c),
		 state_names[c->state], c->qlen, oneline(why, msg, sizeof msg));
	c->gen++;
	stmt_cache_clear(c);
	c->seg_failed = false;
	c->unsynced = 0;
	if (c->qlen > 0) {
		c->fail_pending = true;
		pool_kick(p);
	}
	if (c->state == CS_BUSY) {
		dbc_set_state(c, CS_BROKEN);
	} else {
		dbc_set_state(c, CS_BACKOFF);
		dbc_schedule_reconnect(c);
	}
}

static void dbc_connect_failed(struct db_conn *c, const char *why)
{
	char msg[256];

	poll_drop(c);
	log_warn("db connect failed conn=%d attempt=%u reason=\"%s\"", dbc_log_id(c), c->attempts,
		 oneline(why, msg, sizeof msg));
	dbc_set_state(c, CS_BACKOFF);
	dbc_schedule_reconnect(c);
}

/* ---- connecting */

static void on_notice(void *arg, const PGresult *res)
{
	struct db_conn *c = arg;
	char msg[512];

	log_info("db notice conn=%d severity=%s sqlstate=%s msg=\"%s\"", dbc_log_id(c),
		 PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) ?
			 PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : "?",
		 db_result_sqlstate(res),
		 oneline(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg, sizeof msg));
}

static void dbc_connect_start(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	/* a session we gave up on must not hold the district lock for long:
	 * the server ends an idle transaction, TCP gives up on a dead peer */
	static const char *const kw[] = {
		"fallback_application_name", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout", "options", "dbname", NULL,
	};
	const char *val[] = {"safecampusd", "1", "30", "10", "3", "30000",
			     "-c idle_in_transaction_session_timeout=60000", p->conninfo, NULL};

	if (c->fail_pending)
		dbc_fail_all(c);
	if (c->state != CS_BACKOFF || p->closing)
		return;
	if (!c->pg) {
		/* later keywords win: the caller's conninfo overrides our defaults */
		c->pg = PQconnectStartParams(kw, val, 1);
		if (!c->pg) {
			log_error("db connect start failed conn=%d reason=\"out of memory\"",
				  dbc_log_id(c));
			dbc_schedule_reconnect(c);
			return;
		}
		PQsetNoticeReceiver(c->pg, on_notice, c);
		c->resetting = false;
	} else {
		p->st.reconnects++;
		if (!PQresetStart(c->pg)) {
			dbc_connect_failed(c, PQerrorMessage(c->pg));
			return;
		}
		c->resetting = true;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		dbc_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	dbc_set_state(c, CS_CONNECTING);
	uv_timer_start(&c->timer, on_conn_timer, p->cfg.connect_timeout_ms, 0);
	/* as if PQconnectPoll had returned PGRES_POLLING_WRITING */
	if (poll_set(c, UV_WRITABLE) < 0)
		dbc_connect_failed(c, "cannot watch socket");
}

static void dbc_connected(struct db_conn *c)
{
	struct db_pool *p = c->pool;

	uv_timer_stop(&c->timer);
	if (PQsetnonblocking(c->pg, 1) != 0 ||
	    (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF && PQenterPipelineMode(c->pg) != 1)) {
		dbc_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	c->attempts = 0;
	c->seg = 0;
	c->unsynced = 0;
	c->seg_failed = false;
	log_info("db connected conn=%d pid=%d server_version=%d", dbc_log_id(c),
		 PQbackendPID(c->pg), PQserverVersion(c->pg));
	dbc_set_state(c, CS_IDLE);
	if (poll_set(c, UV_READABLE) < 0) {
		dbc_lost(c, "cannot watch socket");
		return;
	}
	if (c->listener) {
		unsigned gen = c->gen;

		for (int i = 0; i < p->nlisten && c->gen == gen; i++)
			listen_send(c, i);
	} else {
		pool_kick(p);
	}
}

static void dbc_connect_step(struct db_conn *c)
{
	PostgresPollingStatusType ps;

	poll_pause(c); /* libpq may close this socket and open another */
	ps = c->resetting ? PQresetPoll(c->pg) : PQconnectPoll(c->pg);
	switch (ps) {
	case PGRES_POLLING_READING:
		if (poll_set(c, UV_READABLE) < 0)
			dbc_connect_failed(c, "cannot watch socket");
		break;
	case PGRES_POLLING_WRITING:
		if (poll_set(c, UV_WRITABLE) < 0)
			dbc_connect_failed(c, "cannot watch socket");
		break;
	case PGRES_POLLING_OK:
		dbc_connected(c);
		break;
	default:
		dbc_connect_failed(c, PQerrorMessage(c->pg));
		break;
	}
}

static void on_conn_timer(uv_timer_t *t)
{
	struct db_conn *c = container_of(t, struct db_conn, timer);

	switch (c->state) {
	case CS_BACKOFF:
		dbc_connect_start(c);
		break;
	case CS_CONNECTING:
		dbc_connect_failed(c, "connect timeout");
		break;
	default:
		break;
	}
}

/* ---- results */

/* An error that means the session is over, not that the statement failed. */
static bool result_ends_session(struct db_conn *c, const PGresult *res)
{
	const char *s = db_result_sqlstate(res);

	if (PQstatus(c->pg) == CONNECTION_BAD)
		return true;
	if (s[0] == '0' && s[1] == '8')
		return true;
	return strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0;
}

static void clean_step(struct db_conn *c);

static void prepare_done(struct db_conn *c, struct db_req *r, int status, PGresult *res)
{
	struct db_stmt *st = r->stmt;
	bool current = st && st->id == r->stmt_id;

	if (status == 0) {
		if (current)
			st->state = ST_READY;
		PQclear(res);
		return;
	}
	if (current)
		st->state = ST_FAILED;
	/* the execute right behind it was skipped: it reports this error */
	if (status == SC_EDB && r->has_exec && c->qlen > 0 && q_head(c)->kind == RQ_QUERY &&
	    !q_head(c)->prep_err) {
		q_head(c)->prep_err = res;
		return;
	}
	PQclear(res);
}

static void listen_done(struct db_conn *c, const struct db_req *r, int status, PGresult *res)
{
	struct db_pool *p = c->pool;
	struct db_listen_reg *reg = &p->listens[r->listen_idx];
	char msg[256];

	if (status == 0) {
		log_info("db listening channel=%s", reg->channel);
		PQclear(res);
		reg->cb(reg->arg, reg->channel, NULL);
		return;
	}
	log_error("db listen failed channel=%s sqlstate=%s msg=\"%s\"", reg->channel,
		  db_result_sqlstate(res),
		  oneline(res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "aborted", msg,
			  sizeof msg));
	PQclear(res);
}

/* The head's results ended (libpq returned NULL): complete it. */
static void complete_head(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	struct db_req r = q_pop(c);
	PGresult *res = r.res;
	int status = 0;
	char msg[256];

	switch (PQresultStatus(res)) {
	case PGRES_FATAL_ERROR:
	case PGRES_BAD_RESPONSE:
	case PGRES_NONFATAL_ERROR:
		status = SC_EDB;
		c->seg_failed = true;
		break;
	case PGRES_PIPELINE_ABORTED:
		status = DB_EABORTED;
		c->seg_failed = true;
		break;
	default:
		break;
	}
	if (r.prep_err) {
		if (status == DB_EABORTED) {
			PQclear(res);
			res = r.prep_err;
			status = SC_EDB;
		} else {
			PQclear(r.prep_err);
		}
	}
	if (status == DB_EABORTED) {
		PQclear(res);
		res = NULL;
	}
	switch (r.kind) {
	case RQ_PREPARE:
		prepare_done(c, &r, status, res);
		return;
	case RQ_ROLLBACK:
		if (status != 0) {
			log_warn("db rollback failed conn=%d sqlstate=%s", dbc_log_id(c),
				 db_result_sqlstate(res));
			c->clean_failed = true;
		}
		PQclear(res);
		return;
	case RQ_LISTEN:
		listen_done(c, &r, status, res);
		return;
	default:
		break;
	}
	p->st.queries++;
	if (status == SC_EDB) {
		p->st.failed++;
		log_debug("db statement failed conn=%d sqlstate=%s msg=\"%s\"", dbc_log_id(c),
			  db_result_sqlstate(res),
			  oneline(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg, sizeof msg));
	}
	if (r.cb)
		r.cb(r.arg, status, res);
	PQclear(res);
}

static void complete_sync(struct db_conn *c)
{
	struct db_req r = q_pop(c);
	int status = c->seg_failed ? DB_EABORTED : 0;

	c->seg_failed = false;
	if (r.cb)
		r.cb(r.arg, status, NULL);
}

/* Takes res; false when the session ended. */
static bool take_result(struct db_conn *c, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	struct db_req *head;
	char msg[256];

	if (st == PGRES_FATAL_ERROR && result_ends_session(c, res)) {
		snprintf(msg, sizeof msg, "%s %s", db_result_sqlstate(res),
			 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
				 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : PQresultErrorMessage(res));
		PQclear(res);
		dbc_lost(c, msg);
		return false;
	}
	if (c->qlen == 0 || (st == PGRES_PIPELINE_SYNC) != (q_head(c)->kind == RQ_SYNC)) {
		snprintf(msg, sizeof msg, "unexpected %s with %u queued", PQresStatus(st), c->qlen);
		PQclear(res);
		dbc_lost(c, msg);
		return false;
	}
	if (st == PGRES_PIPELINE_SYNC) {
		PQclear(res);
		complete_sync(c);
		return true;
	}
	head = q_head(c);
	PQclear(head->res); /* a statement has one result; keep the last if not */
	head->res = res;
	head->started = true;
	return true;
}

/* Hands every complete result to its request. Stops if the session ends or
 * the pool starts closing inside a callback. */
static void drain_results(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	unsigned gen = c->gen;

	while (!p->closing && c->gen == gen) {
		PGresult *res;

		if (PQisBusy(c->pg))
			break;
		res = PQgetResult(c->pg);
		if (!res) {
			if (sock_gone(c)) {
				dbc_lost(c, PQerrorMessage(c->pg));
				break;
			}
			if (c->qlen == 0 || !q_head(c)->started)
				break;
			complete_head(c);
			continue;
		}
		if (!take_result(c, res))
			break;
	}
}

static void drain_notifies(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	unsigned gen = c->gen;
	PGnotify *n;

	while (!p->closing && c->gen == gen && (n = PQnotifies(c->pg)) != NULL) {
		if (c->listener) {
			for (int i = 0; i < p->nlisten && !p->closing && c->gen == gen; i++)
				if (strcmp(p->listens[i].channel, n->relname) == 0)
					p->listens[i].cb(p->listens[i].arg, n->relname, n->extra);
		}
		PQfreemem(n);
	}
}

/* Decrypted bytes held inside OpenSSL do not make the socket readable. */
static bool ssl_pending(struct db_conn *c)
{
	SSL *ssl;

	if (!PQsslInUse(c->pg))
		return false;
	ssl = PQsslStruct(c->pg, "OpenSSL");
	return ssl && SSL_pending(ssl) > 0;
}

static void dbc_drain(struct db_conn *c, bool read_failed)
{
	struct db_pool *p = c->pool;
	unsigned gen = c->gen;

	c->in_drain = true;
	for (;;) {
		drain_results(c);
		if (c->gen != gen || p->closing)
			goto out;
		drain_notifies(c);
		if (c->gen != gen || p->closing)
			goto out;
		if (read_failed || !ssl_pending(c))
			break;
		if (!PQconsumeInput(c->pg)) {
			read_failed = true;
			continue;
		}
	}
	if (read_failed || sock_gone(c)) {
		dbc_lost(c, PQerrorMessage(c->pg));
		goto out;
	}
	c->in_drain = false;
	if (c->state == CS_CLEANING && c->qlen == 0)
		clean_step(c);
	return;
out:
	c->in_drain = false;
}

static void dbc_io(struct db_conn *c, int events)
{
	unsigned gen = c->gen;
	bool read_failed = false;

	if (events & UV_WRITABLE) {
		dbc_flush(c);
		if (c->gen != gen)
			return;
	}
	if (events & UV_READABLE) {
		read_failed = !PQconsumeInput(c->pg);
		if (read_failed)
			(void)sock_gone(c); /* libpq may have closed the fd: unwatch it now */
	}
	/* deliver what did arrive before reporting a failed read */
	dbc_drain(c, read_failed);
	if (c->gen != gen || c->pool->closing || c->state == CS_CLOSED)
		return;
	dbc_flush(c);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct db_poll *pw = container_of(h, struct db_poll, h);
	struct db_conn *c = pw->c;

	if (!c || c->pool->closing)
		return;
	if (status < 0) {
		if (c->state == CS_CONNECTING)
			dbc_connect_failed(c, uv_strerror(status));
		else
			dbc_lost(c, uv_strerror(status));
		return;
	}
	if (c->state == CS_CONNECTING)
		dbc_connect_step(c);
	else
		dbc_io(c, events);
}

/* Flushes libpq's output; watches for writability only while some remains. */
static void dbc_flush(struct db_conn *c)
{
	int r = PQflush(c->pg);

	if (r < 0) {
		dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (poll_set(c, UV_READABLE | (r > 0 ? UV_WRITABLE : 0)) < 0)
		dbc_lost(c, "cannot watch socket");
}

/* ---- sending */

static bool send_failed(struct db_conn *c, int *rc)
{
	char msg[256];

	if (sock_gone(c)) {
		dbc_lost(c, PQerrorMessage(c->pg));
		*rc = -ECANCELED;
		return true;
	}
	log_warn("db send failed conn=%d reason=\"%s\"", dbc_log_id(c),
		 oneline(PQerrorMessage(c->pg), msg, sizeof msg));
	*rc = SC_EDB;
	return false;
}

static int SC_WUR send_sync(struct db_conn *c, db_result_cb cb, void *arg)
{
	struct db_req *r;
	int rc;

	if (!PQpipelineSync(c->pg)) {
		send_failed(c, &rc);
		return rc;
	}
	r = q_push(c, RQ_SYNC);
	r->cb = cb;
	r->arg = arg;
	c->unsynced = 0;
	c->seg++;
	dbc_flush(c);
	return 0;
}

static int dbc_usable(const struct db_conn *c)
{
	if (!c)
		return -EINVAL;
	if (c->pool->closing)
		return -ECANCELED;
	switch (c->state) {
	case CS_BUSY:
		return 0;
	case CS_BROKEN:
	case CS_CLOSED:
		return -ECANCELED;
	default:
		return -EINVAL;
	}
}

int db_query(struct db_conn *c, const char *sql, int nparams, const char *const *values,
	     db_result_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	char name[DB_NAME_LEN];
	bool prepare = false, fresh = false;
	struct db_req *r;
	uint32_t h;
	int rc = dbc_usable(c);

	if (rc)
		return rc;
	if (!sql || nparams < 0 || nparams > DB_MAX_PARAMS || (nparams > 0 && !values))
		return -EINVAL;
	assert(q_sane(c));
	h = fnv1a(sql);
	st = stmt_find(c, sql, h);
	if (!st && c->nstmt < c->pool->cfg.max_statements) {
		size_t len = strlen(sql);

		st = malloc(sizeof *st + len + 1);
		if (!st)
			return -ENOMEM;
		memcpy(st->sql, sql, len + 1);
		st->hash = h;
		st->next = NULL;
		fresh = true;
		prepare = true;
	} else if (st && (st->state == ST_FAILED || (st->state == ST_PENDING && st->seg != c->seg))) {
		/* a PREPARE from an earlier segment may yet fail: do not depend on it */
		prepare = true;
	}
	/* keep one slot so db_release can always add a sync */
	if (c->qlen + (prepare ? 2u : 1u) + 1u > c->qcap) {
		if (fresh)
			free(st);
		return -ENOBUFS;
	}
	if (prepare) {
		st->id = ++c->next_stmt_id;
		st->seg = c->seg;
		st->state = ST_PENDING;
		stmt_name(name, st->id);
		if (!PQsendPrepare(c->pg, name, sql, 0, NULL)) {
			if (fresh)
				free(st);
			else
				st->state = ST_FAILED;
			send_failed(c, &rc);
			return rc;
		}
		if (fresh) {
			st->next = c->stmts[h % DB_STMT_BUCKETS];
			c->stmts[h % DB_STMT_BUCKETS] = st;
			c->nstmt++;
		}
		r = q_push(c, RQ_PREPARE);
		r->stmt = st;
		r->stmt_id = st->id;
		c->unsynced++;
	} else if (st) {
		stmt_name(name, st->id);
	}
	if (st ? !PQsendQueryPrepared(c->pg, name, nparams, values, NULL, NULL, 0)
	       : !PQsendQueryParams(c->pg, sql, nparams, NULL, values, NULL, NULL, 0)) {
		send_failed(c, &rc);
		if (rc != -ECANCELED)
			dbc_flush(c);
		return rc;
	}
	if (prepare)
		q_tail(c)->has_exec = true;
	r = q_push(c, RQ_QUERY);
	r->cb = cb;
	r->arg = arg;
	c->unsynced++;
	dbc_flush(c);
	return 0;
}

int db_sync(struct db_conn *c, db_result_cb cb, void *arg)
{
	int rc = dbc_usable(c);

	if (rc)
		return rc;
	if (c->qlen + 1 > c->qcap)
		return -ENOBUFS;
	return send_sync(c, cb, arg);
}

int db_conn_backend_pid(const struct db_conn *c)
{
	if (dbc_usable(c) != 0 || !c->pg)
		return 0;
	return PQbackendPID(c->pg);
}

/* ---- release and cleaning */

/* Released and its FIFO is empty: back to the pool if the session is clean,
 * roll back once if a transaction is open, reset otherwise. */
static void clean_step(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	int rc;

	if (c->clean_failed)
		goto reset;
	switch (ts) {
	case PQTRANS_IDLE:
		dbc_set_state(c, CS_IDLE);
		pool_kick(p);
		return;
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		if (c->rolled_back)
			goto reset;
		log_info("db rollback on release conn=%d xact=%s", dbc_log_id(c),
			 ts == PQTRANS_INTRANS ? "open" : "failed");
		c->rolled_back = true;
		if (!PQsendQueryParams(c->pg, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0)) {
			if (!send_failed(c, &rc))
				goto reset;
			return;
		}
		q_push(c, RQ_ROLLBACK);
		if (send_sync(c, NULL, NULL) < 0 && c->state == CS_CLEANING)
			goto reset;
		return;
	default:
		break;
	}
reset:
	dbc_lost(c, "unclean session after release");
}

void db_abort(struct db_conn *c, const char *why)
{
	if (!c || c->state != CS_BUSY)
		return;
	dbc_lost(c, why);
}

void db_release(struct db_conn *c)
{
	struct db_pool *p;

	if (!c)
		return;
	p = c->pool;
	if (p->closing || c->state == CS_CLOSED)
		return;
	if (c->state == CS_BROKEN) {
		dbc_set_state(c, CS_BACKOFF);
		dbc_schedule_reconnect(c);
		return;
	}
	if (c->state != CS_BUSY) {
		log_error("db release of a connection not held conn=%d state=%s", dbc_log_id(c),
			  state_names[c->state]);
		assert(!"db_release of a connection not held");
		return;
	}
	dbc_set_state(c, CS_CLEANING);
	c->rolled_back = false;
	c->clean_failed = false;
	if (c->unsynced > 0 && send_sync(c, NULL, NULL) < 0) {
		if (c->state == CS_CLEANING)
			dbc_lost(c, "sync on release failed");
		return;
	}
	if (c->qlen == 0 && !c->in_drain)
		clean_step(c);
}

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
		dbc_set_state(c, CS_BUSY);
		p->st.acquired++;
		w.cb(w.arg, 0, c);
	}
	wait_timer_rearm(p);
}

static void dbc_close(struct db_conn *c)
{
	poll_drop(c);
	uv_timer_stop(&c->timer);
	if (c->state != CS_CLOSED)
		dbc_set_state(c, CS_CLOSED);
	c->gen++;
	dbc_fail_all(c);
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
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
	uv_close((uv_handle_t *)&p->wait_timer, on_handle_closed);
	uv_close((uv_handle_t *)&p->kick_timer, on_handle_closed);
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
			dbc_fail_all(p->conns[i]);
	if (!p->closing && p->listener && p->listener->fail_pending)
		dbc_fail_all(p->listener);
	if (p->closing)
		return; /* db_pool_close kicked again */
	pool_dispatch(p);
}

static void pool_kick(struct db_pool *p)
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
			  oneline(errmsg ? errmsg : "out of memory", msg, sizeof msg));
		PQfreemem(errmsg);
		return SC_ECONFIG;
	}
	PQconninfoFree(opts);
	p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	cfg_fill(&p->cfg);
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
		dbc_connect_start(p->conns[i]);
	*out = p;
	return 0;
}

void db_pool_configure(struct db_pool *p, const struct db_pool_config *cfg)
{
	struct db_pool_config n = *cfg;

	cfg_fill(&n);
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
		poll_pause(p->conns[i]);
	if (p->listener)
		poll_pause(p->listener);
	pool_kick(p);
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
	pool_kick(p);
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

static void listen_send(struct db_conn *c, int idx)
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
		send_failed(c, &rc);
		return;
	}
	r = q_push(c, RQ_LISTEN);
	r->listen_idx = idx;
	/* a sync of its own, so one bad channel does not abort the others */
	if (send_sync(c, NULL, NULL) < 0)
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
		listen_send(p->listener, p->nlisten - 1);
	else if (p->listener->state == CS_BACKOFF && p->listener->attempts == 0 &&
		 !uv_is_active((uv_handle_t *)&p->listener->timer))
		dbc_schedule_reconnect(p->listener); /* first start, from the loop */
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
