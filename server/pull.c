/* Pull: rows after the client's cursor that its identity may see.
 *
 * One READ ONLY REPEATABLE READ transaction runs one statement per kind, so
 * every kind is read from the same snapshot; each returns its first `limit`
 * rows after the cursor, the results are merged by seq and the first `limit`
 * overall are sent. Because seq order is commit order (push.c takes the
 * district sync lock before it draws a seq), a snapshot holds every row up to
 * some seq and none after it, so the new cursor never passes a row that will
 * commit later. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db_replica.h"
#include "kindsql.h"
#include "log.h"
#include "server.h"
#include "sig.h"
#include "signoff.h"

struct pull {
	struct conn *c;
	struct db_conn *dc;
	uint64_t rid, cursor;
	uint64_t head; /* the district's last drawn seq: no valid cursor is beyond it */
	unsigned limit;
	Safecampus__Record **recs;
	size_t n, cap;
	int failed;
	int truncated; /* some kind had more rows than were fetched */
	unsigned owed; /* callbacks the database layer still owes this pull */
	int queue_failed;
	bool aborted;      /* request_timeout_ms ran out: no retry */
	bool on_replica;   /* reading the read replica (db_replica.h) */
	uint64_t fresh_ns; /* its fresh time when chosen: the snapshot holds at least that */
	char cursor_s[24], limit_s[16];
	uint64_t log_seq; /* the bureau's: the signoff log's head (signoff.h) */
	uint8_t log_hash[SIGNOFF_LOG_HASH_LEN];
};

static void pull_free(struct pull *p)
{
	for (size_t i = 0; i < p->n; i++)
		kind_record_free(p->recs[i]);
	free(p->recs);
	free(p);
}

struct kind_ctx {
	struct pull *p;
	const struct kindsql *ks;
};

static void pull_end(struct pull *p);
static void on_conn(void *arg, int status, struct db_conn *dc);

static int owe(struct pull *p, int rc)
{
	p->owed += rc == 0;
	return rc;
}

static void owed_done(struct pull *p)
{
	if (--p->owed == 0 && p->queue_failed)
		pull_end(p);
}

static void on_rows(void *arg, int status, PGresult *res)
{
	struct kind_ctx *x = arg;
	struct pull *p = x->p;

	if (status) {
		if (!p->failed)
			conn_error(p->c, "pull failed kind=%s err=\"%s\" msg=\"%.200s\"",
				   x->ks->kind->name, sc_strerror(status),
				   res ? PQresultErrorMessage(res) : "");
		p->failed = status;
		free(x);
		owed_done(p);
		return;
	}
	int rows = PQntuples(res);
	if ((unsigned)rows >= p->limit)
		p->truncated = 1;
	if (p->n + (size_t)rows > p->cap) {
		size_t cap = p->n + (size_t)rows;
		Safecampus__Record **nr = realloc(p->recs, cap * sizeof *nr);
		if (!nr) {
			p->failed = -ENOMEM;
			free(x);
			owed_done(p);
			return;
		}
		p->recs = nr;
		p->cap = cap;
	}
	for (int row = 0; row < rows && !p->failed; row++) {
		int rc = kindsql_row_to_record(x->ks, res, row, &p->recs[p->n]);
		if (rc)
			p->failed = rc;
		else
			p->n++;
	}
	free(x);
	owed_done(p);
}

static void on_step(void *arg, int status, PGresult *res)
{
	struct pull *p = arg;

	if (status && !p->failed) {
		conn_error(p->c, "pull failed err=\"%s\" msg=\"%.200s\"", sc_strerror(status),
			   res ? PQresultErrorMessage(res) : "");
		p->failed = status;
	}
	owed_done(p);
}

static void on_head(void *arg, int status, PGresult *res)
{
	struct pull *p = arg;

	if (!status && PQntuples(res) == 1)
		p->head = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	on_step(arg, status, res);
}

static void on_log_head(void *arg, int status, PGresult *res)
{
	struct pull *p = arg;

	if (!status && PQntuples(res) == 1 &&
	    (p->log_seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10)) != 0 &&
	    sig_unhex(PQgetvalue(res, 0, 1), p->log_hash, sizeof p->log_hash))
		p->log_seq = 0; /* not a hash: send none rather than a wrong one */
	on_step(arg, status, res);
}

static int by_seq(const void *a, const void *b)
{
	const Safecampus__Record *x = *(Safecampus__Record *const *)a,
				 *y = *(Safecampus__Record *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void on_done(void *arg, int status, PGresult *res)
{
	struct pull *p = arg;

	p->owed--;
	if (status && !p->failed) {
		conn_error(p->c, "pull failed err=\"%s\" msg=\"%.200s\"", sc_strerror(status),
			   res ? PQresultErrorMessage(res) : "");
		p->failed = status;
	}
	pull_end(p);
}

/* A read on the replica that the primary must answer instead: it failed, or
 * the replica is behind the client's cursor, or (an up-to-date answer) it
 * may lack the rows this client was told of by a Notify (server_head_for).
 * It has them when the head's row is among those it returns (rows commit in
 * seq order: a snapshot with that row has every one before it), or when it
 * was fresh past the time the head was learned (the head's row may be one
 * the client cannot see: a notice for other schools). true if the pull went
 * to the primary. */
static bool retry_on_primary(struct pull *p)
{
	struct conn *c = p->c;
	const char *why;

	if (!p->on_replica || p->aborted)
		return false;
	if (p->failed) {
		why = "failed";
		replica_failed(c->srv->replica, p->failed);
	} else if (p->cursor > p->head) {
		why = "behind the cursor";
	} else {
		size_t take = p->n < p->limit ? p->n : p->limit;
		uint64_t told = server_head_for(c->srv, c);
		bool more = p->truncated || p->n > take;
		if (more || told <= p->cursor || (take && p->recs[take - 1]->seq >= told) ||
		    p->fresh_ns > server_head_at(c->srv, c))
			return false;
		why = "behind the head";
	}
	conn_debug(c, "pull on the replica %s: retrying on the primary cursor=%llu", why,
		   (unsigned long long)p->cursor);
	for (size_t i = 0; i < p->n; i++)
		kind_record_free(p->recs[i]);
	p->n = 0;
	p->failed = p->truncated = p->queue_failed = 0;
	p->owed = 0;
	p->head = 0;
	p->on_replica = false;
	int rc = db_acquire(c->srv->db, on_conn, p);
	if (rc) {
		p->failed = rc;
		return false;
	}
	return true;
}

static void pull_end(struct pull *p)
{
	struct conn *c = p->c;
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Changes ch = SAFECAMPUS__CHANGES__INIT;

	if (p->dc)
		db_release(p->dc);
	p->dc = NULL;
	if (!p->failed && p->n)
		qsort(p->recs, p->n, sizeof *p->recs, by_seq);
	if (retry_on_primary(p))
		return;
	if (p->failed) {
		conn_fail(c, p->rid,
			  p->failed == -ECANCELED || p->failed == -ETIMEDOUT
				  ? SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE
				  : SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL,
			  "pull failed; try again later");
		goto out;
	}
	if (p->cursor > p->head) {
		/* a cursor from another database (a restore, a rebuilt server)
		 * would skip every row committed below it: refuse, so the client
		 * starts again from 0 (re-applying rows is harmless) */
		char why[160];
		snprintf(why, sizeof why,
			 "Pull.cursor %llu is beyond the feed's head %llu (was the district "
			 "database "
			 "restored?); pull again from cursor 0",
			 (unsigned long long)p->cursor, (unsigned long long)p->head);
		conn_fail(c, p->rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST, why);
		goto out;
	}
	size_t take = p->n < p->limit ? p->n : p->limit;
	/* rows beyond `take` (or beyond any kind's fetch) come in the next pull */
	ch.more = p->truncated || p->n > take;
	ch.n_records = take;
	ch.records = p->recs;
	ch.cursor = take ? p->recs[take - 1]->seq : p->cursor;
	if (p->log_seq) {
		ch.log_seq = p->log_seq;
		ch.log_hash.data = p->log_hash;
		ch.log_hash.len = sizeof p->log_hash;
	}
	env.request_id = p->rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_CHANGES;
	env.changes = &ch;
	conn_debug(c, "pull cursor=%llu rows=%zu more=%d db=%s", (unsigned long long)p->cursor,
		   take, ch.more, p->on_replica ? "replica" : "primary");
	conn_send(c, &env);
	/* from the primary: its snapshot was taken before now */
	if (!p->on_replica)
		replica_floor_raise(&c->read_floor_ns, uv_hrtime());
	if (!ch.more)
		handle_synced(c);
out:
	pull_free(p);
	conn_request_done(c);
}

static void on_conn(void *arg, int status, struct db_conn *dc)
{
	struct pull *p = arg;
	int rc;

	if (status) {
		p->failed = status;
		p->dc = NULL;
		pull_end(p);
		return;
	}
	p->dc = dc;
	rc = owe(p, db_query(dc, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL,
			     on_step, p));
	if (!rc) {
		const char *tmo[1] = { p->c->srv->request_timeout };
		rc = owe(p, db_query(dc,
				     "SELECT set_config('statement_timeout', $1, true), "
				     "set_config('idle_in_transaction_session_timeout', $1, true)",
				     1, tmo, on_step, p));
	}
	if (!rc)
		rc = owe(p, db_query(dc,
				     "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "
				     "sync_seq",
				     0, NULL, on_head, p));
	/* the bureau records the signoff log's head (people.md: the last step
	 * deleted); a school does not learn the district's volume */
	if (!rc && p->c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU)
		rc = owe(p, db_query(dc, signoff_log_head_sql, 0, NULL, on_log_head, p));
	for (size_t i = 0; i < kind_count() && !rc; i++) {
		const struct kindsql *ks = kindsql_of(kind_at(i));
		struct kind_ctx *x = malloc(sizeof *x);
		if (!x) {
			rc = -ENOMEM;
			break;
		}
		x->p = p;
		x->ks = ks;
		if (p->c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU) {
			const char *params[2] = { p->cursor_s, p->limit_s };
			rc = owe(p, db_query(dc, ks->pull_all, 2, params, on_rows, x));
		} else {
			const char *params[3] = { p->c->id.school, p->cursor_s, p->limit_s };
			rc = owe(p, db_query(dc, ks->pull_school, 3, params, on_rows, x));
		}
		if (rc)
			free(x);
	}
	if (!rc)
		rc = owe(p, db_query(dc, "COMMIT", 0, NULL, on_step, p));
	if (!rc)
		rc = owe(p, db_sync(dc, on_done, p));
	if (rc) {
		p->failed = rc;
		if (p->owed == 0) {
			pull_end(p);
		} else {
			/* what was queued still holds p: the last callback ends the pull */
			p->queue_failed = 1;
			db_release(dc);
			p->dc = NULL;
		}
	}
}

/* request_timeout_ms ran out: see push_abort */
static void pull_abort(void *arg)
{
	struct pull *p = arg;

	if (!p->failed)
		p->failed = -ETIMEDOUT;
	p->aborted = true;
	if (p->dc)
		db_abort(p->dc, "request timed out");
}

void pull_start(struct conn *c, uint64_t rid, const Safecampus__Pull *msg)
{
	struct pull *p;
	long max = c->srv->cfg->pull_limit;
	int rc;

	if (msg->cursor > INT64_MAX) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "Pull.cursor is out of range");
		return;
	}
	if (msg->limit > (uint32_t)max) {
		char why[80];
		snprintf(why, sizeof why, "Pull.limit may be at most %ld", max);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST, why);
		return;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	p->c = c;
	p->rid = rid;
	p->cursor = msg->cursor;
	p->limit = msg->limit ? msg->limit : (unsigned)max;
	snprintf(p->cursor_s, sizeof p->cursor_s, "%llu", (unsigned long long)p->cursor);
	snprintf(p->limit_s, sizeof p->limit_s, "%u", p->limit);
	conn_request_begin(c, pull_abort, p);
	struct db_pool *pool = replica_pick(c->srv->replica, c->read_floor_ns);
	p->on_replica = pool != NULL;
	p->fresh_ns = replica_fresh_ns(c->srv->replica);
	rc = db_acquire(pool ? pool : c->srv->db, on_conn, p);
	if (rc) {
		p->failed = rc;
		pull_end(p);
	}
}
