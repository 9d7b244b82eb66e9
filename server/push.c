/* Push: one batch of records becomes one PostgreSQL transaction.
 *
 *   phase 1 (one pipeline): BEGIN; take the district sync lock; for each kind in
 *           the batch, the rows that already exist; for each workflow, the
 *           current status of every parent the batch's events touch.
 *   decide  (in C): per record, accept as new/changed, accept as already there
 *           (idempotent re-send, or an older write that lost by HLC), or reject
 *           with a reason; workflow events are applied in batch order.
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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db_replica.h"
#include "district.h"
#include "fault.h"
#include "hlc.h"
#include "kind_ops.h"
#include "kindsql.h"
#include "log.h"
#include "push_sign.h"
#include "signoff.h"
#include "rules.h"
#include "server.h"
#include "uuid.h"
#include "workflow.h"

enum outcome { O_PENDING, O_NEW, O_EXISTS, O_REJECT };

struct item {
	Safecampus__Record *r;
	const struct kind *k;
	enum outcome out;
	int existed; /* the server already has a version of this record */
	int foreign; /* another school holds a record of this kind with this id */
	char digest[KINDSQL_DIGEST_HEX + 1]; /* of its content, as the upsert stores it */
	uint64_t seq;
	Safecampus__RejectReason reason;
	char detail[200];
};

/* Status of one workflow parent touched by the batch. */
struct parent {
	const struct workflow *wf;
	char id[UUID_STR_LEN + 1];
	int loaded; /* from the database, or created in this batch */
	int dirty;  /* an event changed it */
	void *status;
};

struct push {
	struct conn *c;
	struct db_conn *dc;
	uint64_t rid;
	Safecampus__Push *msg;
	struct item *items;
	size_t n;
	struct parent *parents;
	size_t nparents;
	int failed; /* a statement failed: answer Error */
	int phase;
	char school[64], campus[64];
	uint64_t max_seq;
	uint32_t *slot;      /* open addressing over items by (kind, id): 1 + index, 0 empty */
	size_t nslot;        /* power of two, at least 2 n */
	struct pushsig *sig; /* the batch's signatures (push_sign.c) */
	unsigned owed;       /* callbacks the database layer still owes this push */
	int queue_failed;    /* queueing failed part way: finish when owed drops to 0 */
	enum { THEN_NONE, THEN_DECIDE, THEN_FINISH } then; /* once verified */
	int keys_checked; /* the verification with phase 1's keys was asked for */
};

static size_t id_slot(const struct push *p, const struct kind *k, const char *id)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)k;

	for (const char *c = id; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h & (p->nslot - 1);
}

/* The item of kind k with this id that passed precheck, or NULL. */
static struct item *index_find(struct push *p, const struct kind *k, const char *id)
{
	for (size_t s = id_slot(p, k, id); p->slot[s]; s = (s + 1) & (p->nslot - 1)) {
		struct item *it = &p->items[p->slot[s] - 1];
		if (it->k == k && !strcmp(it->r->id, id))
			return it;
	}
	return NULL;
}

static void index_add(struct push *p, struct item *it)
{
	size_t s = id_slot(p, it->k, it->r->id);

	while (p->slot[s])
		s = (s + 1) & (p->nslot - 1);
	p->slot[s] = (uint32_t)(it - p->items) + 1;
}

static void push_free(struct push *p)
{
	pushsig_free(p->sig);
	for (size_t i = 0; i < p->nparents; i++)
		free(p->parents[i].status);
	free(p->parents);
	free(p->items);
	free(p->slot);
	if (p->msg)
		safecampus__push__free_unpacked(p->msg, NULL);
	free(p);
}

static void reject(struct item *it, Safecampus__RejectReason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reject(struct item *it, Safecampus__RejectReason reason, const char *fmt, ...)
{
	va_list ap;

	it->out = O_REJECT;
	it->reason = reason;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof it->detail, fmt, ap);
	va_end(ap);
}

static struct item *find_item(struct push *p, const struct kind *k, const char *id)
{
	struct item *it = index_find(p, k, id);

	return it && it->out != O_REJECT ? it : NULL;
}

static struct parent *find_parent(struct push *p, const struct workflow *wf, const char *id)
{
	for (size_t i = 0; i < p->nparents; i++)
		if (p->parents[i].wf == wf && !strcmp(p->parents[i].id, id))
			return &p->parents[i];
	return NULL;
}

static const char *parent_id_of(const struct item *it)
{
	const ProtobufCFieldDescriptor *f = kind_field(it->k, it->k->parent_field);
	const ProtobufCMessage *m = kind_payload(it->r);

	return *(const char *const *)((const char *)m + f->offset);
}

/* Checks that need nothing from the database. */
static void precheck(struct push *p, struct item *it)
{
	const struct tls_identity *id = &p->c->id;
	uint64_t now = hlc_wall_ms();
	char why[256];

	it->k = kind_of(it->r);
	if (!it->k) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_UNKNOWN_KIND,
		       "record body is not set or not a kind this server knows");
		return;
	}
	if (!uuid_valid(it->r->id)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "id \"%.60s\" is not a lower-case UUID", it->r->id);
		return;
	}
	/* the rule the client's pages follow too (kind_side_writes) */
	if (id->role == SAFECAMPUS__ROLE__ROLE_BUREAU && !kind_side_writes(it->k, true)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "the bureau reads %s records but only schools write them", it->k->name);
		return;
	}
	if (id->role == SAFECAMPUS__ROLE__ROLE_SCHOOL && !kind_side_writes(it->k, false)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "only the bureau writes %s records", it->k->name);
		return;
	}
	if (strcmp(it->r->school, p->school) != 0) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "record belongs to school \"%.60s\"; this certificate writes for \"%s\"",
		       it->r->school, p->school[0] ? p->school : "bureau");
		return;
	}
	if (!it->r->campus || !it->r->campus[0] || strlen(it->r->campus) > 63) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID, "campus is missing");
		return;
	}
	if (it->r->hlc == 0 || HLC_MS(it->r->hlc) > now + HLC_MAX_DRIFT_MS) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "hlc %llu is zero or more than a day ahead of the server clock",
		       (unsigned long long)it->r->hlc);
		return;
	}
	if (!kind_client_writes(it->r)) {
		/* e.g. a hazard escalation: the kind table says who writes it */
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "this %s step is written by the server, not by clients", it->k->name);
		return;
	}
	if (rules_check(it->r, why, sizeof why)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID, "%s", why);
		return;
	}
	if (kindsql_digest(it->r, it->digest)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "record could not be digested");
		return;
	}
	if (index_find(p, it->k, it->r->id)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "id appears twice in one push");
		return;
	}
	index_add(p, it);
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

	if (status) {
		fail(p, status, res, "select existing");
	} else {
		for (int row = 0; row < PQntuples(res); row++) {
			struct item *it = find_item(p, x->k, PQgetvalue(res, row, 0));
			if (!it)
				continue;
			if (PQgetvalue(res, row, 5)[0] != 't') {
				it->foreign = 1;
				continue;
			}
			uint64_t hlc = strtoull(PQgetvalue(res, row, 1), NULL, 10);
			uint64_t seq = strtoull(PQgetvalue(res, row, 2), NULL, 10);
			const char *wb = PQgetvalue(res, row, 4), *digest = PQgetvalue(res, row, 6);
			/* no digest: a row from before 008, or the server's own */
			int same = !digest[0] || !strcmp(digest, it->digest);
			int cmp = hlc_version_cmp(hlc, wb, it->r->hlc, p->campus);
			it->existed = 1;
			if (it->k->immutable) {
				if (it->k->parent_field &&
				    strcmp(PQgetvalue(res, row, 3), parent_id_of(it)) != 0)
					reject(it, SAFECAMPUS__REJECT_REASON__REJECT_IMMUTABLE,
					       "event id already used for another %s",
					       it->k->parent_field);
				else if (!same)
					reject(it, SAFECAMPUS__REJECT_REASON__REJECT_IMMUTABLE,
					       "%s %s is already stored with different content; "
					       "events never "
					       "change: record a new one",
					       it->k->name, it->r->id);
				else
					it->out = O_EXISTS;
				it->seq = seq;
			} else if (cmp == 0 && !same) {
				reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
				       "this version (hlc %llu from campus %s) is already stored "
				       "with different "
				       "content: this campus reused a clock stamp (was its store "
				       "restored from "
				       "a backup?); edit the record again to make a new version",
				       (unsigned long long)it->r->hlc, p->campus);
			} else if (cmp >= 0) {
				/* a re-send (same stamp, same writer), or a version that a
				 * newer one supersedes: nothing to do. An equal stamp from
				 * another campus is not "the same": the writer orders it. */
				it->out = O_EXISTS;
				it->seq = seq;
			}
		}
		/* an edit of our own row stays allowed even if another school
		 * reused its id before ids were checked across schools */
		for (size_t i = 0; i < p->n; i++) {
			struct item *it = &p->items[i];
			if (it->k == x->k && it->foreign && !it->existed && it->out != O_REJECT)
				reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
				       "id %s is already used by another school's %s record; "
				       "a new record needs a new id",
				       it->r->id, it->k->name);
		}
	}
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
			struct parent *par = find_parent(p, x->wf, PQgetvalue(res, row, 0));
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

	if (find_parent(p, wf, id))
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

	buf_init(&ids, 64u << 20);
	for (size_t i = 0; i < p->n && !rc; i++) {
		recs[i] = p->items[i].r;
		live[i] = p->items[i].out != O_REJECT;
	}
	if (!rc)
		rc = owe(p, db_query(p->dc, pushsig_people_sql, 1, params, on_people, p));
	if (!rc)
		rc = pushsig_chain_ids(recs, live, p->n, &ids);
	if (!rc) {
		params[1] = (const char *)buf_head(&ids);
		rc = owe(p, db_query(p->dc, pushsig_chains_sql, 2, params, on_chains, p));
	}
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
		/* bounds the lock wait too: a stuck push cannot hold up the district */
		const char *tmo[1] = { p->c->srv->request_timeout };
		rc = owe(p, db_query(dc,
				     "SELECT set_config('statement_timeout', $1, true), "
				     "set_config('idle_in_transaction_session_timeout', $1, true)",
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
			if (wf && uuid_valid(parent_id_of(&p->items[i])))
				rc = add_parent(p, wf, parent_id_of(&p->items[i]));
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
	if (!rc)
		rc = owe(p, db_sync(dc, on_phase_sync, p));
	if (rc) {
		fail(p, rc, NULL, "phase 1 queue");
		queue_abort(p);
	}
}

/* Applies workflow events in batch order; parents new in this batch start
 * from the workflow's initial status. */
static void decide_workflows(struct push *p)
{
	/* a record is created by the campus that pushes it first; later edits
	 * may come from any campus of the school (written_by says which) */
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		if (it->out == O_PENDING && !it->existed && strcmp(it->r->campus, p->campus) != 0)
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "a new record's campus must be the writing campus \"%s\", not "
			       "\"%.60s\"",
			       p->campus, it->r->campus);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		const struct workflow *wf = it->out == O_PENDING ? workflow_for_event(it->k) : NULL;
		char why[256];
		int reason;

		if (it->out != O_PENDING)
			continue;
		if (!wf) {
			reason = pushsig_decide(p->sig, i, it->r, (int64_t)hlc_wall_ms(), why,
						sizeof why);
			if (!reason)
				reason = pushsig_chain(p->sig, it->r, why, sizeof why);
			if (reason) {
				reject(it, (Safecampus__RejectReason)reason, "%s", why);
				continue;
			}
			it->out = O_NEW;
			if (pushsig_accept(p->sig, i, it->r))
				fail(p, -ENOMEM, NULL, "signatures");
			continue;
		}
		struct parent *par = find_parent(p, wf, parent_id_of(it));
		if (par && !par->loaded) {
			const struct kind *pk = kind_by_name(wf->parent_kind);
			struct item *pi = find_item(p, pk, par->id);
			/* a parent created earlier in this same batch */
			if (pi && pi < it && (pi->out == O_PENDING || pi->out == O_NEW)) {
				if (wf->init_new)
					wf->init_new(par->status, pi->r);
				else
					wf->init(par->status);
				par->loaded = 1;
			}
		}
		/* not found before anything else, so that an event on another
		 * school's parent is answered as one on no parent at all */
		if (!par || !par->loaded) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_NOT_FOUND,
			       "%s %s is not known to the server", wf->parent_kind,
			       parent_id_of(it));
			continue;
		}
		/* then who signed: a step a wrong person signed moves nothing */
		reason = pushsig_decide(p->sig, i, it->r, (int64_t)hlc_wall_ms(), why, sizeof why);
		if (reason) {
			reject(it, (Safecampus__RejectReason)reason, "%s", why);
			continue;
		}
		/* then the step on a copy of the status, so that a step the chain
		 * refuses after it leaves the status as it was */
		void *next = malloc(wf->status_size);
		if (!next) {
			fail(p, -ENOMEM, NULL, "workflow");
			break;
		}
		memcpy(next, par->status, wf->status_size);
		if (wf->apply(next, it->r, why, sizeof why)) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_ILLEGAL_TRANSITION, "%s", why);
			free(next);
			continue;
		}
		reason = pushsig_chain(p->sig, it->r, why, sizeof why);
		if (reason) {
			reject(it, (Safecampus__RejectReason)reason, "%s", why);
			free(next);
			continue;
		}
		memcpy(par->status, next, wf->status_size);
		free(next);
		it->out = O_NEW;
		par->dirty = 1;
		if (pushsig_accept(p->sig, i, it->r))
			fail(p, -ENOMEM, NULL, "signatures");
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].out == O_PENDING)
			p->items[i].out = O_NEW;
}

static void on_upserted(void *arg, int status, PGresult *res)
{
	struct existing_ctx *x = arg;
	struct push *p = x->p;

	if (status) {
		fail(p, status, res, "upsert");
	} else {
		for (int row = 0; row < PQntuples(res); row++) {
			struct item *it = find_item(p, x->k, PQgetvalue(res, row, 0));
			if (it) {
				it->seq = strtoull(PQgetvalue(res, row, 1), NULL, 10);
				if (it->seq > p->max_seq)
					p->max_seq = it->seq;
			}
		}
	}
	free(x);
	owed_done(p);
}

static int queue_upsert(struct push *p, const struct kind *k)
{
	struct kindsql_batch b;
	const struct kindsql *ks = kindsql_of(k);
	struct existing_ctx *x;
	int rc, any = 0;

	for (size_t i = 0; i < p->n; i++)
		any |= p->items[i].k == k && p->items[i].out == O_NEW;
	if (!any)
		return 0;
	if ((rc = kindsql_batch_init(&b, ks, p->school, p->campus)))
		return rc;
	for (size_t i = 0; i < p->n && !rc; i++)
		if (p->items[i].k == k && p->items[i].out == O_NEW)
			rc = kindsql_batch_add(&b, p->items[i].r);
	const char *const *params = rc ? NULL : kindsql_batch_params(&b);
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
	kindsql_batch_free(&b);
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
	int rc = 0;

	p->phase = 2;
	decide_workflows(p);
	/* kinds in .proto order: parents are declared before their events */
	for (size_t ki = 0; ki < kind_count() && !rc; ki++)
		rc = queue_upsert(p, kind_at(ki));
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
		send_ack(p);
		if (p->max_seq)
			server_notify(c->srv, p->school, p->max_seq);
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
		precheck(p, &p->items[i]);
		live += p->items[i].out != O_REJECT;
	}
	conn_request_begin(c, push_abort, p);
	if (live == 0) {
		/* nothing for the database: answer at once */
		finish(p);
		return;
	}
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
