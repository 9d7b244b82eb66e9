/* The PostgreSQL layer, input and output of one connection: requests sent
 * in pipeline mode and their results matched to the FIFO (db_int.h). */
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

static void dbc_flush(struct db_conn *c);

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
	if (status == SC_EDB && r->has_exec && c->qlen > 0 && db__q_head(c)->kind == RQ_QUERY &&
	    !db__q_head(c)->prep_err) {
		db__q_head(c)->prep_err = res;
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
		  db__oneline(res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "aborted",
			      msg, sizeof msg));
	PQclear(res);
}

/* The head's results ended (libpq returned NULL): complete it. */
static void complete_head(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	struct db_req r = db__q_pop(c);
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
			log_warn("db rollback failed conn=%d sqlstate=%s", db__dbc_log_id(c),
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
		log_debug("db statement failed conn=%d sqlstate=%s msg=\"%s\"", db__dbc_log_id(c),
			  db_result_sqlstate(res),
			  db__oneline(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), msg,
				      sizeof msg));
	}
	if (r.cb)
		r.cb(r.arg, status, res);
	PQclear(res);
}

static void complete_sync(struct db_conn *c)
{
	struct db_req r = db__q_pop(c);
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
			 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				 ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				 : PQresultErrorMessage(res));
		PQclear(res);
		db__dbc_lost(c, msg);
		return false;
	}
	if (c->qlen == 0 || (st == PGRES_PIPELINE_SYNC) != (db__q_head(c)->kind == RQ_SYNC)) {
		snprintf(msg, sizeof msg, "unexpected %s with %u queued", PQresStatus(st), c->qlen);
		PQclear(res);
		db__dbc_lost(c, msg);
		return false;
	}
	if (st == PGRES_PIPELINE_SYNC) {
		PQclear(res);
		complete_sync(c);
		return true;
	}
	head = db__q_head(c);
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
			if (db__sock_gone(c)) {
				db__dbc_lost(c, PQerrorMessage(c->pg));
				break;
			}
			if (c->qlen == 0 || !db__q_head(c)->started)
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
	if (read_failed || db__sock_gone(c)) {
		db__dbc_lost(c, PQerrorMessage(c->pg));
		goto out;
	}
	c->in_drain = false;
	if (c->state == CS_CLEANING && c->qlen == 0)
		db__clean_step(c);
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
			(void)db__sock_gone(c); /* libpq may have closed the fd: unwatch it now */
	}
	/* deliver what did arrive before reporting a failed read */
	dbc_drain(c, read_failed);
	if (c->gen != gen || c->pool->closing || c->state == CS_CLOSED)
		return;
	dbc_flush(c);
}

void db__on_poll(uv_poll_t *h, int status, int events)
{
	struct db_poll *pw = container_of(h, struct db_poll, h);
	struct db_conn *c = pw->c;

	if (!c || c->pool->closing)
		return;
	/* libuv reports EPOLLERR as UV_EBADF and stops the handle. While
	 * connecting that is a refused or unreachable host (a stopped primary):
	 * libpq reads the socket's error itself and goes on to the next host of
	 * a multi-host conninfo, so it must have its step; failing the attempt
	 * here would never reach the second host while the first refuses. */
	if (status < 0 && c->state != CS_CONNECTING) {
		db__dbc_lost(c, uv_strerror(status));
		return;
	}
	if (c->state == CS_CONNECTING)
		db__dbc_connect_step(c);
	else
		dbc_io(c, events);
}

/* Flushes libpq's output; watches for writability only while some remains. */
static void dbc_flush(struct db_conn *c)
{
	int r = PQflush(c->pg);

	if (r < 0) {
		db__dbc_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (db__poll_set(c, UV_READABLE | (r > 0 ? UV_WRITABLE : 0)) < 0)
		db__dbc_lost(c, "cannot watch socket");
}

/* ---- sending */

bool db__send_failed(struct db_conn *c, int *rc)
{
	char msg[256];

	if (db__sock_gone(c)) {
		db__dbc_lost(c, PQerrorMessage(c->pg));
		*rc = -ECANCELED;
		return true;
	}
	log_warn("db send failed conn=%d reason=\"%s\"", db__dbc_log_id(c),
		 db__oneline(PQerrorMessage(c->pg), msg, sizeof msg));
	*rc = SC_EDB;
	return false;
}

int db__send_sync(struct db_conn *c, db_result_cb cb, void *arg)
{
	struct db_req *r;
	int rc;

	if (!PQpipelineSync(c->pg)) {
		db__send_failed(c, &rc);
		return rc;
	}
	r = db__q_push(c, RQ_SYNC);
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
	assert(db__q_sane(c));
	h = db__fnv1a(sql);
	st = db__stmt_find(c, sql, h);
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
	} else if (st &&
		   (st->state == ST_FAILED || (st->state == ST_PENDING && st->seg != c->seg))) {
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
		db__stmt_name(name, st->id);
		if (!PQsendPrepare(c->pg, name, sql, 0, NULL)) {
			if (fresh)
				free(st);
			else
				st->state = ST_FAILED;
			db__send_failed(c, &rc);
			return rc;
		}
		if (fresh) {
			st->next = c->stmts[h % DB_STMT_BUCKETS];
			c->stmts[h % DB_STMT_BUCKETS] = st;
			c->nstmt++;
		}
		r = db__q_push(c, RQ_PREPARE);
		r->stmt = st;
		r->stmt_id = st->id;
		c->unsynced++;
	} else if (st) {
		db__stmt_name(name, st->id);
	}
	if (st ? !PQsendQueryPrepared(c->pg, name, nparams, values, NULL, NULL, 0)
	       : !PQsendQueryParams(c->pg, sql, nparams, NULL, values, NULL, NULL, 0)) {
		db__send_failed(c, &rc);
		if (rc != -ECANCELED)
			dbc_flush(c);
		return rc;
	}
	if (prepare)
		db__q_tail(c)->has_exec = true;
	r = db__q_push(c, RQ_QUERY);
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
	return db__send_sync(c, cb, arg);
}

int db_conn_backend_pid(const struct db_conn *c)
{
	if (dbc_usable(c) != 0 || !c->pg)
		return 0;
	return PQbackendPID(c->pg);
}
