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

#include "db_int.h"
#include "log.h"
#include "util.h"

static void on_conn_timer(uv_timer_t *t);

static const char *const state_names[] = {
	"connecting", "idle", "busy", "cleaning", "broken", "backoff", "closed",
};

/* ---- small helpers */

/* Copies s for a log line: one line, runs of blanks squeezed, no double
 * quotes, bounded. */
const char *db__oneline(const char *s, char *buf, size_t n)
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

void db__cfg_fill(struct db_pool_config *cfg)
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

int db__dbc_log_id(const struct db_conn *c)
{
	return c->id;
}

void db__dbc_set_state(struct db_conn *c, enum dbc_state to)
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
		log_error("db illegal state change conn=%d from=%s to=%s", db__dbc_log_id(c),
			  state_names[c->state], state_names[to]);
		assert(!"illegal db connection state change");
		return;
	}
	log_debug("db state conn=%d from=%s to=%s", db__dbc_log_id(c), state_names[c->state],
		  state_names[to]);
	c->state = to;
}

/* ---- request FIFO */

struct db_req *db__q_head(struct db_conn *c)
{
	return &c->q[c->qhead];
}

struct db_req *db__q_tail(struct db_conn *c)
{
	return &c->q[(c->qhead + c->qlen - 1) % c->qcap];
}

struct db_req *db__q_push(struct db_conn *c, enum req_kind kind)
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

struct db_req db__q_pop(struct db_conn *c)
{
	struct db_req r = c->q[c->qhead];

	assert(c->qlen > 0);
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	return r;
}

bool db__q_sane(const struct db_conn *c)
{
	return c->qcap > 0 && c->qhead < c->qcap && c->qlen <= c->qcap;
}

/* ---- prepared-statement cache */

uint32_t db__fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

struct db_stmt *db__stmt_find(struct db_conn *c, const char *sql, uint32_t h)
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

void db__stmt_name(char *buf, unsigned id)
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

void db__on_handle_closed(uv_handle_t *h)
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
void db__poll_drop(struct db_conn *c)
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
void db__poll_pause(struct db_conn *c)
{
	if (c->poll && c->poll->events) {
		uv_poll_stop(&c->poll->h);
		c->poll->events = 0;
	}
}

int db__poll_set(struct db_conn *c, int events)
{
	struct db_pool *p = c->pool;
	int fd = PQsocket(c->pg);
	int rc;

	if (fd < 0)
		return -EBADF;
	if (c->poll && c->poll->fd != fd)
		db__poll_drop(c);
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
		rc = uv_poll_start(&c->poll->h, events, db__on_poll);
		if (rc < 0)
			return rc;
		c->poll->events = events;
	}
	return 0;
}

/* libpq closes its socket itself when it meets EOF or an error; a stale
 * registration must go before anything else can open an fd. */
bool db__sock_gone(struct db_conn *c)
{
	if (c->poll && PQsocket(c->pg) != c->poll->fd) {
		db__poll_drop(c);
		return true;
	}
	return PQstatus(c->pg) == CONNECTION_BAD;
}

/* ---- failure paths */

/* Fails everything queued on c with -ECANCELED. Runs from the loop only. */
void db__dbc_fail_all(struct db_conn *c)
{
	struct db_pool *p = c->pool;

	c->fail_pending = false;
	while (c->qlen > 0) {
		struct db_req r = db__q_pop(c);

		PQclear(r.res);
		PQclear(r.prep_err);
		if ((r.kind == RQ_QUERY || r.kind == RQ_SYNC) && r.cb) {
			p->st.canceled++;
			r.cb(r.arg, -ECANCELED, NULL);
		}
	}
}

void db__dbc_schedule_reconnect(struct db_conn *c)
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
	log_debug("db reconnect scheduled conn=%d attempt=%u delay_ms=%llu", db__dbc_log_id(c),
		  c->attempts, (unsigned long long)delay);
	uv_timer_start(&c->timer, on_conn_timer, delay, 0);
}

/* The session is gone (or unusable). Requests complete with -ECANCELED from
 * the loop; a held connection waits for db_release before it is reset, so
 * the holder never silently continues on a fresh session. */
void db__dbc_lost(struct db_conn *c, const char *why)
{
	struct db_pool *p = c->pool;
	char msg[256];

	db__poll_drop(c);
	if (c->state == CS_CLOSED || c->state == CS_BROKEN || c->state == CS_BACKOFF)
		return;
	log_warn("db connection lost conn=%d state=%s inflight=%u reason=\"%s\"", db__dbc_log_id(c),
		 state_names[c->state], c->qlen, db__oneline(why, msg, sizeof msg));
	c->gen++;
	stmt_cache_clear(c);
	c->seg_failed = false;
	c->unsynced = 0;
	if (c->qlen > 0) {
		c->fail_pending = true;
		db__pool_kick(p);
	}
	if (c->state == CS_BUSY) {
		db__dbc_set_state(c, CS_BROKEN);
	} else {
		db__dbc_set_state(c, CS_BACKOFF);
		db__dbc_schedule_reconnect(c);
	}
}

void db__dbc_connect_failed(struct db_conn *c, const char *why)
{
	char msg[256];

	db__poll_drop(c);
	log_warn("db connect failed conn=%d attempt=%u reason=\"%s\"", db__dbc_log_id(c),
		 c->attempts, db__oneline(why, msg, sizeof msg));
	db__dbc_set_state(c, CS_BACKOFF);
	db__dbc_schedule_reconnect(c);
}

/* ---- connecting */

/* How many hosts a conninfo lists (host, else hostaddr): 1 when it names one
 * or none, 0 when it does not parse. */
static unsigned conninfo_hosts(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;
	unsigned n = 1, h = 0, a = 0;

	if (!opts)
		return 0;
	for (o = opts; o->keyword; o++) {
		unsigned *cnt = strcmp(o->keyword, "host") == 0       ? &h
				: strcmp(o->keyword, "hostaddr") == 0 ? &a
								      : NULL;

		if (!cnt || !o->val || !*o->val)
			continue;
		*cnt = 1;
		for (const char *q = o->val; *q; q++)
			*cnt += *q == ',';
	}
	PQconninfoFree(opts);
	if (h)
		n = h;
	else if (a)
		n = a;
	return n;
}

/* list's comma-separated items from the shift-th on, then those before it,
 * into buf; NULL if it does not fit. */
static const char *list_rotate(const char *list, unsigned shift, char *buf, size_t n)
{
	const char *cut = list;
	size_t len = strlen(list), head;

	if (len + 1 > n)
		return NULL;
	for (unsigned i = 0; i < shift && cut; i++) {
		cut = strchr(cut, ',');
		if (cut)
			cut++;
	}
	if (!cut || cut == list) {
		memcpy(buf, list, len + 1);
		return buf;
	}
	head = (size_t)(cut - list) - 1; /* without its comma */
	snprintf(buf, n, "%s,%.*s", cut, (int)head, list);
	return buf;
}

/* Appends host, hostaddr and port (those that list one item per host) to
 * kw/val at *k, rotated by shift, the values in bufs; later keywords override
 * the expanded conninfo. */
static void hosts_rotated(const char *conninfo, unsigned shift, unsigned nhosts, const char **kw,
			  const char **val, int *k, char bufs[3][512])
{
	static const char *const keys[] = { "host", "hostaddr", "port" };
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;

	if (!opts)
		return;
	for (o = opts; o->keyword; o++) {
		for (int i = 0; i < 3; i++) {
			unsigned items = 1;
			const char *v;

			if (strcmp(o->keyword, keys[i]) != 0 || !o->val || !*o->val)
				continue;
			for (const char *q = o->val; *q; q++)
				items += *q == ',';
			/* one port for every host: nothing to turn */
			if (items != nhosts || !(v = list_rotate(o->val, shift, bufs[i], 512)))
				continue;
			kw[*k] = keys[i];
			val[*k] = v;
			(*k)++;
		}
	}
	PQconninfoFree(opts);
}

static void on_notice(void *arg, const PGresult *res)
{
	struct db_conn *c = arg;
	char msg[512];

	log_info("db notice conn=%d severity=%s sqlstate=%s msg=\"%s\"", db__dbc_log_id(c),
		 PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED)
			 ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED)
			 : "?",
		 db_result_sqlstate(res),
		 db__oneline(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg, sizeof msg));
}

void db__dbc_connect_start(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	/* a session we gave up on must not hold the district lock for long:
	 * the server ends an idle transaction, TCP gives up on a dead peer */
	const char *kw[12] = {
		"fallback_application_name",
		"keepalives",
		"keepalives_idle",
		"keepalives_interval",
		"keepalives_count",
		"tcp_user_timeout",
		"options",
		"dbname",
	};
	const char *val[12] = { "safecampusd",
				"1",
				"30",
				"10",
				"3",
				"30000",
				"-c idle_in_transaction_session_timeout=60000",
				p->conninfo };
	char bufs[3][512];
	int k = 8;

	if (c->fail_pending)
		db__dbc_fail_all(c);
	if (c->state != CS_BACKOFF || p->closing)
		return;
	if (!c->pg) {
		if (c->host_shift)
			hosts_rotated(p->conninfo, c->host_shift, conninfo_hosts(p->conninfo), kw,
				      val, &k, bufs);
		kw[k] = val[k] = NULL;
		/* later keywords win: the caller's conninfo overrides our defaults,
		 * the turned host list overrides the caller's */
		c->pg = PQconnectStartParams(kw, val, 1);
		if (!c->pg) {
			log_error("db connect start failed conn=%d reason=\"out of memory\"",
				  db__dbc_log_id(c));
			db__dbc_schedule_reconnect(c);
			return;
		}
		PQsetNoticeReceiver(c->pg, on_notice, c);
		c->resetting = false;
	} else {
		p->st.reconnects++;
		if (!PQresetStart(c->pg)) {
			db__dbc_connect_failed(c, PQerrorMessage(c->pg));
			return;
		}
		c->resetting = true;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db__dbc_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	db__dbc_set_state(c, CS_CONNECTING);
	uv_timer_start(&c->timer, on_conn_timer, p->cfg.connect_timeout_ms, 0);
	/* as if PQconnectPoll had returned PGRES_POLLING_WRITING */
	if (db__poll_set(c, UV_WRITABLE) < 0)
		db__dbc_connect_failed(c, "cannot watch socket");
}

static void dbc_connected(struct db_conn *c)
{
	struct db_pool *p = c->pool;

	uv_timer_stop(&c->timer);
	if (PQsetnonblocking(c->pg, 1) != 0 ||
	    (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF && PQenterPipelineMode(c->pg) != 1)) {
		db__dbc_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	c->attempts = 0;
	c->seg = 0;
	c->unsynced = 0;
	c->seg_failed = false;
	log_info("db connected conn=%d pid=%d server_version=%d", db__dbc_log_id(c),
		 PQbackendPID(c->pg), PQserverVersion(c->pg));
	db__dbc_set_state(c, CS_IDLE);
	if (db__poll_set(c, UV_READABLE) < 0) {
		db__dbc_lost(c, "cannot watch socket");
		return;
	}
	if (c->listener) {
		unsigned gen = c->gen;

		for (int i = 0; i < p->nlisten && c->gen == gen; i++)
			db__listen_send(c, i);
	} else {
		db__pool_kick(p);
	}
}

void db__dbc_connect_step(struct db_conn *c)
{
	PostgresPollingStatusType ps;

	db__poll_pause(c); /* libpq may close this socket and open another */
	ps = c->resetting ? PQresetPoll(c->pg) : PQconnectPoll(c->pg);
	switch (ps) {
	case PGRES_POLLING_READING:
		if (db__poll_set(c, UV_READABLE) < 0)
			db__dbc_connect_failed(c, "cannot watch socket");
		break;
	case PGRES_POLLING_WRITING:
		if (db__poll_set(c, UV_WRITABLE) < 0)
			db__dbc_connect_failed(c, "cannot watch socket");
		break;
	case PGRES_POLLING_OK:
		dbc_connected(c);
		break;
	default:
		db__dbc_connect_failed(c, PQerrorMessage(c->pg));
		break;
	}
}

static void on_conn_timer(uv_timer_t *t)
{
	struct db_conn *c = container_of(t, struct db_conn, timer);

	switch (c->state) {
	case CS_BACKOFF:
		db__dbc_connect_start(c);
		break;
	case CS_CONNECTING: {
		unsigned n = conninfo_hosts(c->pool->conninfo);

		db__dbc_connect_failed(c, "connect timeout");
		/* libpq's per-host connect_timeout does not apply to an
		 * asynchronous connection, so a host that accepts and never
		 * answers (a hung primary), or drops every packet, used up the
		 * attempt, and every next one began with it again: the next
		 * attempt begins with the next host of the list */
		if (n > 1 && c->pg) {
			c->host_shift = (c->host_shift + 1) % n;
			PQfinish(c->pg);
			c->pg = NULL;
			log_info("db next attempt starts at host %u of %u conn=%d",
				 c->host_shift + 1, n, db__dbc_log_id(c));
		}
		break;
	}
	default:
		break;
	}
}

/* ---- release and cleaning */

/* Released and its FIFO is empty: back to the pool if the session is clean,
 * roll back once if a transaction is open, reset otherwise. */
void db__clean_step(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	int rc;

	if (c->clean_failed)
		goto reset;
	switch (ts) {
	case PQTRANS_IDLE:
		db__dbc_set_state(c, CS_IDLE);
		db__pool_kick(p);
		return;
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		if (c->rolled_back)
			goto reset;
		log_info("db rollback on release conn=%d xact=%s", db__dbc_log_id(c),
			 ts == PQTRANS_INTRANS ? "open" : "failed");
		c->rolled_back = true;
		if (!PQsendQueryParams(c->pg, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0)) {
			if (!db__send_failed(c, &rc))
				goto reset;
			return;
		}
		db__q_push(c, RQ_ROLLBACK);
		if (db__send_sync(c, NULL, NULL) < 0 && c->state == CS_CLEANING)
			goto reset;
		return;
	default:
		break;
	}
reset:
	db__dbc_lost(c, "unclean session after release");
}

void db_abort(struct db_conn *c, const char *why)
{
	if (!c || c->state != CS_BUSY)
		return;
	db__dbc_lost(c, why);
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
		db__dbc_set_state(c, CS_BACKOFF);
		db__dbc_schedule_reconnect(c);
		return;
	}
	if (c->state != CS_BUSY) {
		log_error("db release of a connection not held conn=%d state=%s", db__dbc_log_id(c),
			  state_names[c->state]);
		assert(!"db_release of a connection not held");
		return;
	}
	db__dbc_set_state(c, CS_CLEANING);
	c->rolled_back = false;
	c->clean_failed = false;
	if (c->unsynced > 0 && db__send_sync(c, NULL, NULL) < 0) {
		if (c->state == CS_CLEANING)
			db__dbc_lost(c, "sync on release failed");
		return;
	}
	if (c->qlen == 0 && !c->in_drain)
		db__clean_step(c);
}
