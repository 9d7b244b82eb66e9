/* Push: one batch of records becomes one PostgreSQL transaction.
 *
 *   phase 1 (one pipeline): BEGIN; take the district sync lock; for each kind in
 *           the batch, the rows that already exist; for each workflow, the
 *           current status of every parent the batch's events touch.
 *   decide  (in C): per record, accept as new/changed, accept as already there
 *           (idempotent re-send, or an older write that lost by HLC), or reject
 *           with a reason; workflow events are applied in batch order. The
 *           per-record checks and verdicts are push_decide.c's (push_int.h).
 *   phase 2 (one pipeline): one INSERT ... SELECT FROM unnest(...) ON CONFLICT
 *           per kind, one UPDATE per workflow, NOTIFY, COMMIT.
 *   ack     PushAck after COMMIT succeeded; on any failure nothing was applied
 *           and the client gets an Error and re-sends later.
 *
 * The signatures are verified on libuv's thread pool from the moment the
 * batch arrives, while phase 1 waits on PostgreSQL (push_sign.h); decide
 * waits for both, and finish for the pool, so the push (and the connection
 * it holds) outlives every pool callback.
 *
 * The sync lock makes seq order commit order, which is what lets a pull cursor
 * never skip a row (docs/internals/sync.md). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db_replica.h"
#include "district.h"
#include "fault.h"
#include "hlc.h"
#include "kinds.h"
#include "kindsql.h"
#include "log.h"
#include "push_int.h"
#include "push_sign.h"
#include "signoff.h"
#include "server.h"
#include "uuid.h"
#include "workflow.h"

static void push_free(struct push *p)
{
	pushsig_free(p->sig);
	for (size_t i = 0; i < p->nparents; i++)
		free(p->parents[i].status);
	free(p->parents);
	for (size_t ki = 0; p->pre_n && ki < kind_count(); ki++)
		if (p->pre_n[ki])
			kindsql_batch_free(&p->pre[ki]);
	free(p->pre);
	free(p->pre_n);
	free(p->items);
	free(p->slot);
	if (p->msg)
		safecampus__push__free_unpacked(p->msg, NULL);
	free(p);
}

static void fail(struct push *p, int status, PGresult *res, const char *what)
{
	if (!p->failed) {
		const char *msg = res ? PQresultErrorMessage(res) : "";
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		conn_error(p->c, "push failed step=%s status=\"%s\" sqlstate=%s msg=\"%.300s\"",
			   what, sc_strerror(status), state ? state : "-", msg);
	}
	p->failed = p->failed ? p->failed : (status ? status : SC_EDB);
}

static void finish(struct push *p);
static void on_verified(void *arg);

/* db_query/db_sync returning 0 owe exactly one callback, which may come after
 * a later call failed (db.h): count them, so p outlives the last one. */
static int owe(struct push *p, int rc)
{
	p->owed += rc == 0;
	return rc;
}

static void owed_done(struct push *p)
{
	if (--p->owed == 0 && p->queue_failed)
		finish(p);
}

/* Queueing failed: finish now if nothing was queued, else release the
 * connection (its sync, or its loss, answers what was queued) and finish from
 * the last callback. */
static void queue_abort(struct push *p)
{
	if (p->owed == 0) {
		finish(p);
		return;
	}
	p->queue_failed = 1;
	db_release(p->dc);
	p->dc = NULL;
}

static void on_step(void *arg, int status, PGresult *res)
{
	if (status)
		fail(arg, status, res, "statement");
	owed_done(arg);
}

/* Rows that already exist with the batch's ids, for one kind, in any school:
 * id, hlc, seq, parent, written_by, school = ours. */
struct existing_ctx {
	struct push *p;
	const struct kind *k;
};

static void on_existing(void *arg, int status, PGresult *res)
{
	struct existing_ctx *x = arg;
	struct push *p = x->p;

	if (status)
		fail(p, status, res, "select existing");
	else
		push_existing(p, x->k, res);
	free(x);
	owed_done(p);
}

struct load_ctx {
	struct push *p;
	const struct workflow *wf;
};

static void on_load(void *arg, int status, PGresult *res)
{
	struct load_ctx *x = arg;
	struct push *p = x->p;

	if (status) {
		fail(p, status, res, "load workflow status");
	} else {
		for (int row = 0; row < PQntuples(res); row++) {
			struct parent *par = push_find_parent(p, x->wf, PQgetvalue(res, row, 0));
			if (par && x->wf->load(par->status, res, row) == 0)
				par->loaded = 1;
		}
	}
	free(x);
	owed_done(p);
}

static void phase2(struct push *p);

/* Phase 1 answered: decide once the signatures are verified, first with the
 * keys the arrival guessed, then with those phase 1 loaded that differ. */
static void decide_when_verified(struct push *p)
{
	if (pushsig_busy(p->sig)) {
		p->then = THEN_DECIDE;
		return;
	}
	if (!p->keys_checked) {
		p->keys_checked = 1;
		if (pushsig_verify(p->sig, p->c->srv->loop, on_verified, p)) {
			p->then = THEN_DECIDE;
			return;
		}
	}
	phase2(p);
}

static void on_verified(void *arg)
{
	struct push *p = arg;
	int then = p->then;

	p->then = THEN_NONE;
	if (then == THEN_FINISH || (then == THEN_DECIDE && p->failed))
		finish(p);
	else if (then == THEN_DECIDE)
		decide_when_verified(p);
	/* THEN_NONE: phase 1 still runs; its sync continues */
}

static void on_phase_sync(void *arg, int status, PGresult *res)
{
	struct push *p = arg;

	p->owed--;
	if (status)
		fail(p, status, res, p->phase == 1 ? "phase 1" : "commit");
	if (p->queue_failed) {
		if (p->owed == 0)
			finish(p);
		return;
	}
	if (p->phase == 1 && !p->failed)
		decide_when_verified(p);
	else
		finish(p);
}

/* Collects the distinct ids of kind k (or parents of workflow wf) as a uuid[] literal. */
static int ids_literal(struct push *p, const struct kind *k, const struct workflow *wf,
		       struct buf *b)
{
	int rc = buf_append(b, "{", 1);

	if (wf) {
		for (size_t i = 0; i < p->nparents && !rc; i++)
			if (p->parents[i].wf == wf)
				rc = kindsql_array_elem(b, p->parents[i].id);
	} else {
		for (size_t i = 0; i < p->n && !rc; i++)
			if (p->items[i].k == k && p->items[i].out != O_REJECT)
				rc = kindsql_array_elem(b, p->items[i].r->id);
	}
	if (!rc)
		rc = buf_append(b, "}", 2);
	return rc;
}

static int add_parent(struct push *p, const struct workflow *wf, const char *id)
{
	struct parent *par;

	if (push_find_parent(p, wf, id))
		return 0;
	par = &p->parents[p->nparents];
	par->wf = wf;
	snprintf(par->id, sizeof par->id, "%s", id);
	par->status = calloc(1, wf->status_size);
	if (!par->status)
		return -ENOMEM;
	p->nparents++;
	return 0;
}

static void on_people(void *arg, int status, PGresult *res)
{
	struct push *p = arg;

	if (status)
		fail(p, status, res, "load signers");
	else if (pushsig_on_people(p->sig, res))
		fail(p, -ENOMEM, NULL, "load signers");
	owed_done(p);
}

static void on_log_head(void *arg, int status, PGresult *res)
{
	struct push *p = arg;

	if (status)
		fail(p, status, res, "load log head");
	else if (pushsig_on_log_head(p->sig, res))
		fail(p, SC_EDB, NULL, "load log head");
	owed_done(p);
}

static void on_chains(void *arg, int status, PGresult *res)
{
	struct push *p = arg;

	if (status)
		fail(p, status, res, "load chains");
	else if (pushsig_on_chains(p->sig, res))
		fail(p, -ENOMEM, NULL, "load chains");
	owed_done(p);
}

/* What the signatures are checked against: the school's and the bureau's
 * people, and the last step of every chain the batch's sign-offs join. */
static int queue_signers(struct push *p)
{
	const char *params[2] = { p->school, NULL };
	bool *live = calloc(p->n ? p->n : 1, sizeof *live);
	Safecampus__Record **recs = calloc(p->n ? p->n : 1, sizeof *recs);
	struct buf ids;
	int rc = live && recs ? 0 : -ENOMEM;
	bool any = false;

	buf_init(&ids, 64u << 20);
	for (size_t i = 0; i < p->n && !rc; i++) {
		recs[i] = p->items[i].r;
		live[i] = p->items[i].out != O_REJECT;
		any |= live[i] && pushsig_signs(recs[i]);
	}
	/* a push of hazards, sessions, ...: nobody's signature to check and
	 * no place in the log to take, so three statements fewer inside the
	 * district lock */
	if (!rc && any)
		rc = owe(p, db_query(p->dc, pushsig_people_sql, 1, params, on_people, p));
	if (!rc && any)
		rc = pushsig_chain_ids(recs, live, p->n, &ids);
	if (!rc && any) {
		params[1] = (const char *)buf_head(&ids);
		rc = owe(p, db_query(p->dc, pushsig_chains_sql, 2, params, on_chains, p));
	}
	/* the district log's head: read under the sync lock, as the chains */
	if (!rc && any)
		rc = owe(p, db_query(p->dc, signoff_log_head_sql, 0, NULL, on_log_head, p));
	buf_free(&ids);
	free(live);
	free(recs);
	return rc;
}

static void phase1(void *arg, int status, struct db_conn *dc)
{
	struct push *p = arg;
	struct district_sql lock;
	int rc = 0;

	if (status) {
		fail(p, status, NULL, "acquire");
		finish(p);
		return;
	}
	p->dc = dc;
	p->phase = 1;
	rc = owe(p, db_query(dc, "BEGIN", 0, NULL, on_step, p));
	if (!rc) {
		/* bounds the lock wait too: a stuck push cannot hold up the district.
		 * No sequential scans for phase 1's look-ups by id (RESET below):
		 * a pooled connection's prepared statement keeps the plan it got
		 * first, and one made on a new district's small table scans it,
		 * and then every push scans the grown table, until an ANALYZE;
		 * planned with seqscan off, it is an index scan of the ids for
		 * good (planning each push anew costs ~0.3 ms instead) */
		const char *tmo[1] = { p->c->srv->request_timeout };
		rc = owe(p, db_query(dc,
				     "SELECT set_config('statement_timeout', $1, true), "
				     "set_config('idle_in_transaction_session_timeout', $1, true), "
				     "set_config('enable_seqscan', 'off', true)",
				     1, tmo, on_step, p));
	}
	if (!rc) {
		/* the district's change-feed lock (district.h): seq in commit order */
		district_lock(p->c->srv->cfg->db_schema, DISTRICT_LOCK_SYNC, false, &lock);
		rc = owe(p, db_query(dc, lock.sql, lock.nparams, lock.params, on_step, p));
	}
	for (size_t ki = 0; ki < kind_count() && !rc; ki++) {
		const struct kind *k = kind_at(ki);
		const struct workflow *wf = workflow_for_event(k);
		int present = 0;
		for (size_t i = 0; i < p->n && !rc; i++) {
			if (p->items[i].k != k || p->items[i].out == O_REJECT)
				continue;
			present = 1;
			if (wf && uuid_valid(push_parent_id(&p->items[i])))
				rc = add_parent(p, wf, push_parent_id(&p->items[i]));
		}
		if (!present || rc)
			continue;
		struct buf ids;
		buf_init(&ids, 64u << 20);
		struct existing_ctx *x = malloc(sizeof *x);
		rc = x ? ids_literal(p, k, NULL, &ids) : -ENOMEM;
		if (!rc) {
			const char *params[2] = { p->school, (const char *)buf_head(&ids) };
			x->p = p;
			x->k = k;
			rc = owe(p, db_query(dc, kindsql_of(k)->select_existing, 2, params,
					     on_existing, x));
			x = rc ? x : NULL;
		}
		free(x);
		buf_free(&ids);
		if (!rc && wf) {
			struct load_ctx *lx = malloc(sizeof *lx);
			buf_init(&ids, 64u << 20);
			rc = lx ? ids_literal(p, NULL, wf, &ids) : -ENOMEM;
			if (!rc) {
				const char *params[2] = { p->school, (const char *)buf_head(&ids) };
				lx->p = p;
				lx->wf = wf;
				rc = owe(p, db_query(dc, wf->load_sql, 2, params, on_load, lx));
				lx = rc ? lx : NULL;
			}
			free(lx);
			buf_free(&ids);
		}
	}
	if (!rc)
		rc = queue_signers(p);
	if (!rc) /* the upserts' triggers plan as configured */
		rc = owe(p, db_query(dc, "RESET enable_seqscan", 0, NULL, on_step, p));
	if (!rc)
		rc = owe(p, db_sync(dc, on_phase_sync, p));
	if (rc) {
		fail(p, rc, NULL, "phase 1 queue");
		queue_abort(p);
	}
}

static void on_upserted(void *arg, int status, PGresult *res)
{
	struct existing_ctx *x = arg;
	struct push *p = x->p;

	if (status) {
		fail(p, status, res, "upsert");
	} else {
		for (int row = 0; row < PQntuples(res); row++) {
			struct item *it = push_find_item(p, x->k, PQgetvalue(res, row, 0));
			if (it)
				it->seq = strtoull(PQgetvalue(res, row, 1), NULL, 10);
		}
	}
	free(x);
	owed_done(p);
}

/* The upsert arrays of every kind from the records that passed precheck,
 * built before phase 1 takes the district lock. Phase 2 uses them when phase
 * 1 changed none of those records' outcome (the usual push), so the lock is
 * held over SQL, not over this C work. On failure phase 2 builds its own. */
static void prebuild(struct push *p)
{
	size_t nk = kind_count();

	p->pre = calloc(nk, sizeof *p->pre);
	p->pre_n = calloc(nk, sizeof *p->pre_n);
	for (size_t ki = 0; p->pre && p->pre_n && ki < nk; ki++) {
		const struct kind *k = kind_at(ki);
		size_t n = 0;
		int rc = 0;
		for (size_t i = 0; i < p->n && !rc; i++) {
			struct item *it = &p->items[i];
			if (it->k != k || it->out == O_REJECT)
				continue;
			if (!n && (rc = kindsql_batch_init(&p->pre[ki], kindsql_of(k), p->school,
							   p->campus)))
				break; /* init frees what it made */
			n++;
			rc = kindsql_batch_add_digested(&p->pre[ki], it->r, it->digest);
		}
		if (rc && n)
			kindsql_batch_free(&p->pre[ki]);
		p->pre_n[ki] = rc ? 0 : n;
	}
}

static int queue_upsert(struct push *p, size_t ki)
{
	const struct kind *k = kind_at(ki);
	struct kindsql_batch fresh, *b = &fresh;
	const struct kindsql *ks = kindsql_of(k);
	struct existing_ctx *x;
	size_t nnew = 0;
	int rc = 0;

	for (size_t i = 0; i < p->n; i++)
		nnew += p->items[i].k == k && p->items[i].out == O_NEW;
	if (!nnew)
		return 0;
	/* the new ones are a subset of those prebuilt, in the same order: the
	 * same count is the same set */
	if (p->pre_n && p->pre_n[ki] == nnew) {
		b = &p->pre[ki];
	} else {
		rc = kindsql_batch_init(&fresh, ks, p->school, p->campus);
		if (rc)
			return rc;
		for (size_t i = 0; i < p->n && !rc; i++)
			if (p->items[i].k == k && p->items[i].out == O_NEW)
				rc = kindsql_batch_add_digested(&fresh, p->items[i].r,
								p->items[i].digest);
	}
	const char *const *params = rc ? NULL : kindsql_batch_params(b);
	x = malloc(sizeof *x);
	if (!rc && (!params || !x))
		rc = -ENOMEM;
	if (!rc) {
		x->p = p;
		x->k = k;
		rc = owe(p,
			 db_query(p->dc, ks->upsert, ks->nparams_upsert, params, on_upserted, x));
		if (!rc)
			x = NULL;
	}
	free(x);
	if (b == &fresh)
		kindsql_batch_free(&fresh);
	return rc;
}

static int queue_workflow_store(struct push *p, const struct workflow *wf)
{
	int n = 2 + wf->nstore, rc = 0, any = 0;
	struct buf *cols = calloc((size_t)n, sizeof *cols);
	const char **params = calloc((size_t)n, sizeof *params);
	char(*vals)[WF_TEXT] = calloc(WF_MAX_STORE_COLS, WF_TEXT);

	if (!wf->store_sql)
		goto out; /* the events are all it keeps */
	if (!cols || !params || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		buf_init(&cols[i], 64u << 20);
	rc = buf_append(&cols[0], p->school, strlen(p->school) + 1);
	for (int i = 1; i < n && !rc; i++)
		rc = buf_append(&cols[i], "{", 1);
	for (size_t j = 0; j < p->nparents && !rc; j++) {
		struct parent *par = &p->parents[j];
		if (par->wf != wf || !par->dirty)
			continue;
		any = 1;
		wf->store(par->status, vals);
		rc = kindsql_array_elem(&cols[1], par->id);
		for (int c = 0; c < wf->nstore && !rc; c++)
			rc = kindsql_array_elem(&cols[2 + c], vals[c]);
	}
	for (int i = 1; i < n && !rc; i++)
		rc = buf_append(&cols[i], "}", 2);
	if (!rc && any) {
		for (int i = 0; i < n; i++)
			params[i] = (const char *)buf_head(&cols[i]);
		rc = owe(p, db_query(p->dc, wf->store_sql, n, params, on_step, p));
	}
out:
	if (cols)
		for (int i = 0; i < n; i++)
			buf_free(&cols[i]);
	free(cols);
	free(params);
	free(vals);
	return rc;
}

static void phase2(struct push *p)
{
	const char *what = NULL;
	int rc;

	p->phase = 2;
	rc = push_decide(p, &what);
	if (rc)
		fail(p, rc, NULL, what); /* and the queue below stops at p->failed */
	rc = 0;
	/* kinds in .proto order: parents are declared before their events */
	for (size_t ki = 0; ki < kind_count() && !rc; ki++)
		rc = queue_upsert(p, ki);
	for (size_t ki = 0; ki < kind_count() && !rc; ki++) {
		const struct workflow *wf = workflow_for_event(kind_at(ki));
		if (wf)
			rc = queue_workflow_store(p, wf);
	}
	if (!rc && p->failed)
		rc = p->failed;
	if (!rc && pushsig_pending(p->sig)) {
		const char *const *sp = pushsig_insert_params(p->sig);
		rc = sp ? owe(p,
			      db_query(p->dc, signoff_insert_sql, SIGNOFF_NPARAMS, sp, on_step, p))
			: -ENOMEM;
	}
	int any_new = 0;
	for (size_t i = 0; i < p->n; i++)
		any_new |= p->items[i].out == O_NEW;
	if (!rc && any_new) {
		/* NOTIFY is delivered at COMMIT, to every worker listening; currval
		 * is this batch's highest seq (nextval ran in this session) */
		char chan[DISTRICT_CHANNEL_SIZE];
		district_channel(p->c->srv->cfg->db_schema, chan, sizeof chan);
		const char *params[2] = { p->school, chan };
		rc = owe(p,
			 db_query(p->dc, "SELECT pg_notify($2, $1 || ':' || currval('sync_seq'))",
				  2, params, on_step, p));
	}
	if (!rc && fault_armed("server_slow_commit"))
		/* cursor tests: hold the transaction open after its seqs were drawn */
		rc = owe(p, db_query(p->dc, "SELECT pg_sleep(0.3)", 0, NULL, on_step, p));
	if (!rc)
		rc = owe(p, db_query(p->dc, "COMMIT", 0, NULL, on_step, p));
	if (!rc)
		rc = owe(p, db_sync(p->dc, on_phase_sync, p));
	if (rc) {
		fail(p, rc, NULL, "phase 2 queue");
		queue_abort(p);
	}
}

static void send_ack(struct push *p)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__PushAck ack = SAFECAMPUS__PUSH_ACK__INIT;
	Safecampus__RecordResult *res = calloc(p->n, sizeof *res);
	Safecampus__RecordResult **ptrs = calloc(p->n, sizeof *ptrs);
	size_t accepted = 0, sig_ahead, sig_loop;

	if (!res || !ptrs) {
		conn_fail(p->c, p->rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		safecampus__record_result__init(&res[i]);
		res[i].id = it->r->id;
		res[i].accepted = it->out == O_NEW || it->out == O_EXISTS;
		res[i].seq = it->seq;
		if (!res[i].accepted) {
			res[i].reason = it->reason;
			res[i].detail = it->detail;
		}
		accepted += res[i].accepted;
		ptrs[i] = &res[i];
		if (!res[i].accepted)
			conn_info(p->c, "reject id=%.40s reason=%d detail=\"%s\"", it->r->id,
				  it->reason, it->detail);
	}
	ack.n_results = p->n;
	ack.results = ptrs;
	ack.server_hlc = hlc_tick(&p->c->srv->clock, hlc_wall_ms());
	env.request_id = p->rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK;
	env.push_ack = &ack;
	/* accepted or refused, these leave the client's outbox (sync health) */
	p->c->pushed += p->n;
	pushsig_counts(p->sig, &sig_ahead, &sig_loop);
	/* sig_loop: a bad signature (checked again for its words), or a
	 * signer enrolled in the same batch */
	conn_info(p->c, "push records=%zu accepted=%zu rejected=%zu sig_pool=%zu sig_loop=%zu",
		  p->n, accepted, p->n - accepted, sig_ahead, sig_loop);
	conn_send(p->c, &env);
out:
	free(res);
	free(ptrs);
}

static void finish(struct push *p)
{
	struct conn *c = p->c;

	if (pushsig_busy(p->sig)) {
		/* a pool thread still writes into p->sig: answer when it is done */
		p->then = THEN_FINISH;
		return;
	}
	if (p->dc)
		db_release(p->dc);
	/* stored or maybe stored: this client's next reads must include it
	 * (db_replica.h) */
	replica_floor_raise(&c->read_floor_ns, uv_hrtime());
	if (p->failed) {
		int code = p->failed == -ECANCELED || p->failed == -ETIMEDOUT
				   ? SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE
				   : SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL;
		/* if the COMMIT's answer was what got lost, the batch may be stored:
		 * re-sending is harmless either way */
		conn_fail(c, p->rid, code, "the batch was not acknowledged; send it again later");
	} else {
		/* crash tests: committed, but the client never hears so */
		fault_point("server_kill_after_commit");
		/* no Notify from here: the NOTIFY this batch sent at COMMIT comes
		 * back to this worker too (server.c on_changes), and notifying here
		 * as well sent this worker's subscribers two per Push */
		send_ack(p);
	}
	push_free(p);
	conn_request_done(c);
}

/* request_timeout_ms ran out: drop the database session; what was queued
 * completes with -ECANCELED and finish() answers ERROR_UNAVAILABLE. Waiting
 * for a connection is bounded by the pool's own acquire timeout. */
static void push_abort(void *arg)
{
	struct push *p = arg;

	if (!p->failed)
		p->failed = -ETIMEDOUT;
	pushsig_cancel(p->sig);
	if (p->dc && !p->queue_failed)
		db_abort(p->dc, "request timed out");
}

/* The signatures' bytes are copied and their verification queued with the
 * keys known on arrival, so the pool works while phase 1 waits. */
static int verify_ahead(struct push *p)
{
	bool *live = calloc(p->n, sizeof *live);
	int rc = live ? 0 : -ENOMEM;

	for (size_t i = 0; i < p->n && !rc; i++)
		live[i] = p->items[i].out != O_REJECT;
	if (!rc)
		rc = pushsig_prepare(p->sig, p->msg->records, live, p->n);
	if (!rc)
		(void)pushsig_verify(p->sig, p->c->srv->loop, on_verified, p);
	free(live);
	return rc;
}

void push_start(struct conn *c, uint64_t rid, Safecampus__Push *msg)
{
	struct push *p = calloc(1, sizeof *p);
	int rc;

	if (!p) {
		safecampus__push__free_unpacked(msg, NULL);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	p->c = c;
	p->rid = rid;
	p->msg = msg;
	p->n = msg->n_records;
	snprintf(p->school, sizeof p->school, "%s", c->id.school);
	snprintf(p->campus, sizeof p->campus, "%s", c->id.campus);
	/* the bureau's Push of a school's records (the client sends one school
	 * per Push) acts on that school's rows: its existing rows, workflows,
	 * people, chains, upserts and NOTIFY are the school's. precheck holds
	 * every record to what the bureau may write there. */
	if (c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU && p->n && msg->records[0]->school &&
	    *msg->records[0]->school && strlen(msg->records[0]->school) < sizeof p->school) {
		snprintf(p->school, sizeof p->school, "%s", msg->records[0]->school);
		p->for_school = 1;
	}
	if (p->n > (size_t)c->srv->cfg->max_push_records) {
		char why[96];
		snprintf(why, sizeof why, "a Push may carry at most %ld records",
			 c->srv->cfg->max_push_records);
		push_free(p);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BATCH_TOO_LARGE, why);
		return;
	}
	p->items = calloc(p->n ? p->n : 1, sizeof *p->items);
	p->parents = calloc(p->n ? p->n : 1, sizeof *p->parents);
	for (p->nslot = 16; p->nslot < 2 * p->n; p->nslot *= 2)
		;
	p->slot = calloc(p->nslot, sizeof *p->slot);
	p->sig = pushsig_new(c->srv->cfg->people_key, c->srv->cfg->require_signatures != 0);
	if (!p->items || !p->parents || !p->slot || !p->sig) {
		push_free(p);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	size_t live = 0;
	for (size_t i = 0; i < p->n; i++) {
		p->items[i].r = msg->records[i];
		push_precheck(p, &p->items[i]);
		live += p->items[i].out != O_REJECT;
	}
	conn_request_begin(c, push_abort, p);
	if (live == 0) {
		/* nothing for the database: answer at once */
		finish(p);
		return;
	}
	prebuild(p);
	rc = verify_ahead(p);
	if (rc) {
		fail(p, rc, NULL, "signatures");
		finish(p);
		return;
	}
	rc = db_acquire(c->srv->db, phase1, p);
	if (rc) {
		p->failed = rc;
		finish(p);
	}
}
