/* The escalation pass: see escalate.h and docs/internals/escalation.md.
 *
 *   timer   one-shot, re-armed when a pass ends, so a worker's passes never
 *           overlap.
 *   round 1 (one pipeline): BEGIN; statement_timeout; try the escalation lock;
 *           count the events due. Not ours, or nothing due: ROLLBACK.
 *   round 2 (one pipeline): the district sync lock; one statement that inserts
 *           the escalate events, raises hazard.escalation_level and notifies
 *           each school; COMMIT.
 *
 * Round 1 keeps the district sync lock, which serialises every push, out of
 * the common case where nothing is due. The escalation lock keeps the workers
 * of one district from running passes side by side; what keeps a level from
 * being raised twice is the sync lock: round 2's statement takes its snapshot
 * after the lock, so it reads the levels any earlier pass committed. */
#include "escalate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "district.h"
#include "fault.h"
#include "hlc.h"
#include "kind_ops.h"
#include "log.h"
#include "server.h"

/* The pass takes two of the district's locks (district.h): its own, tried,
 * so that one worker runs it; and the change feed's, as push.c does, for the
 * seq of the events it inserts (docs/internals/sync.md). */

/* $1: the configured today, '' for the database's current_date. */
#define SQL_TODAY "coalesce(NULLIF($1::text, '')::date, current_date)"

/* Overdue: past the deadline, neither verified nor closed (DOMAIN.md). */
#define SQL_OVERDUE                                                               \
	"FROM hazard h LEFT JOIN escalation_policy p ON p.severity = h.severity " \
	"WHERE NOT h.deleted AND h.deadline IS NOT NULL "                         \
	"AND h.state NOT IN ('verified', 'closed') AND h.deadline < " SQL_TODAY

/* The level due today; a NULL day count (or no policy row) never matches. */
#define SQL_DUE                                                            \
	"CASE WHEN " SQL_TODAY " - h.deadline >= p.to_bureau_days THEN 3 " \
	"WHEN " SQL_TODAY " - h.deadline >= p.to_principal_days THEN 2 ELSE 1 END"

/* Two statements, so that the count's snapshot is taken after the lock: a
 * worker that gets the lock the moment another committed a pass sees that
 * pass's levels. The count is the number of events due. */
static const char sql_probe[] =
	"SELECT coalesce(sum(" SQL_DUE " - h.escalation_level), 0) " SQL_OVERDUE " AND " SQL_DUE
	" > h.escalation_level";

/* $1 today, $2 the first of the HLCs reserved for the events, $3 at_ms, $4
 * the district's NOTIFY channel. One row per school: school, events, hazards,
 * highest seq, highest HLC (and the NOTIFY, sent at COMMIT). Levels are inserted in order, with increasing seq
 * and HLC, so that every campus lists them in that order. */
static const char sql_escalate[] =
	"WITH due AS ("
	" SELECT h.school, h.id, h.campus, h.owner, h.deadline, h.escalation_level AS have,"
	" " SQL_TODAY " - h.deadline AS days, " SQL_DUE " AS due " SQL_OVERDUE "),"
	" raise AS ("
	" SELECT d.*, g.level FROM due d"
	" CROSS JOIN LATERAL generate_series(d.have + 1, d.due) AS g(level)"
	" ORDER BY d.school, d.id, g.level),"
	" ev AS ("
	" INSERT INTO hazard_event (id, school, campus, hlc, seq, written_by, hazard_id, action,"
	" actor, actor_role, owner, deadline_date, note, at_ms, escalation_level)"
	" SELECT gen_random_uuid(), r.school, r.campus,"
	" $2::bigint + row_number() OVER (ORDER BY r.school, r.id, r.level) - 1,"
	" nextval('sync_seq'), 'server',"
	" r.id, 'escalate', '" KIND_SERVER_ACTOR "', '', '', r.deadline,"
	" format('overdue %s day%s (deadline %s): escalated to %s', r.days,"
	" CASE WHEN r.days = 1 THEN '' ELSE 's' END, to_char(r.deadline, 'YYYY-MM-DD'),"
	" CASE r.level WHEN 1 THEN 'the owner' || CASE WHEN r.owner <> '' THEN ', ' || r.owner"
	" ELSE '' END WHEN 2 THEN 'the principal' ELSE 'the bureau' END),"
	" $3::bigint, r.level FROM raise r"
	" RETURNING school, hazard_id, seq, hlc, escalation_level),"
	" up AS ("
	" UPDATE hazard h SET escalation_level = m.level"
	" FROM (SELECT school, hazard_id, max(escalation_level) AS level FROM ev"
	" GROUP BY school, hazard_id) m"
	" WHERE h.school = m.school AND h.id = m.hazard_id RETURNING h.id)"
	" SELECT e.school, count(*), count(DISTINCT e.hazard_id), max(e.seq), max(e.hlc),"
	" pg_notify($4, e.school || ':' || max(e.seq))"
	" FROM ev e GROUP BY e.school";

struct escalate {
	struct server *srv;
	struct escalate *next; /* the process's escalators (one per server) */
	uv_timer_t timer;
	struct db_conn *dc;
	int running; /* a pass holds or awaits a connection */
	int round;   /* 1: probe, 2: escalate, 3: nothing to do, rollback */
	int pending; /* requests of this round not yet answered */
	int stopping;
	int timer_closed;
	int failed;    /* first failure of the current round */
	int mine;      /* round 1: the escalation lock was free */
	int requested; /* escalate_now asked for a pass not yet begun */
	int loud;      /* this pass was asked for: say how it ended */
	uint64_t ndue; /* round 1: events due, HLCs to reserve */
	uint64_t t0_ms;
	unsigned long events, hazards, schools;
	uint64_t max_seq, max_hlc;
	char hlc[24], at_ms[24];
};

static struct escalate *escalators;

static void on_timer(uv_timer_t *t);

/* One-shot: the next pass is due an interval after this one ended, or at
 * once when one was asked for meanwhile. */
static void arm(struct escalate *e)
{
	if (!e->stopping)
		uv_timer_start(&e->timer, on_timer,
			       e->requested ? 0 : (uint64_t)e->srv->cfg->escalation_interval_ms, 0);
}

static void maybe_free(struct escalate *e)
{
	if (!e->timer_closed || e->running)
		return;
	for (struct escalate **pp = &escalators; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	free(e);
}

static void pass_done(struct escalate *e)
{
	if (e->dc) {
		db_release(e->dc); /* rolls back a transaction left open */
		e->dc = NULL;
	}
	e->running = 0;
	if (e->stopping)
		maybe_free(e);
	else
		arm(e);
}

static void note_failure(struct escalate *e, int status, PGresult *res, const char *step)
{
	if (e->failed)
		return;
	e->failed = status ? status : SC_EDB;
	if (status == -ECANCELED && e->stopping)
		return;
	log_warn("escalation pass failed round=%d step=%s err=\"%s\" sqlstate=%s msg=\"%.300s\"",
		 e->round, step, db_strerror(e->failed), res ? db_result_sqlstate(res) : "-",
		 res ? PQresultErrorMessage(res) : "");
}

static void round_end(struct escalate *e);

/* Every accepted request calls back exactly once (db.h); a round ends when
 * the last of its callbacks has run, even if queueing failed half way. */
static void answered(struct escalate *e)
{
	if (--e->pending == 0)
		round_end(e);
}

static int queue(struct escalate *e, const char *sql, int n, const char *const *params,
		 db_result_cb cb)
{
	int rc = sql ? db_query(e->dc, sql, n, params, cb, e) : db_sync(e->dc, cb, e);

	if (rc) {
		note_failure(e, rc, NULL, "queue");
		/* what was queued still calls back, but only after a sync:
		 * db_release adds one and rolls the transaction back */
		db_release(e->dc);
		e->dc = NULL;
	} else {
		e->pending++;
	}
	return rc;
}

static void on_step(void *arg, int status, PGresult *res)
{
	struct escalate *e = arg;

	if (status)
		note_failure(e, status, res, "statement");
	answered(e);
}

static void on_try_lock(void *arg, int status, PGresult *res)
{
	struct escalate *e = arg;

	if (status)
		note_failure(e, status, res, "try lock");
	else
		e->mine = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	answered(e);
}

static void on_probe(void *arg, int status, PGresult *res)
{
	struct escalate *e = arg;

	if (status)
		note_failure(e, status, res, "probe");
	else if (PQntuples(res) == 1)
		e->ndue = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	answered(e);
}

static void on_escalated(void *arg, int status, PGresult *res)
{
	struct escalate *e = arg;

	if (status) {
		note_failure(e, status, res, "escalate");
	} else {
		for (int row = 0; row < PQntuples(res); row++) {
			uint64_t seq = strtoull(PQgetvalue(res, row, 3), NULL, 10);
			uint64_t hlc = strtoull(PQgetvalue(res, row, 4), NULL, 10);
			e->events += strtoul(PQgetvalue(res, row, 1), NULL, 10);
			e->hazards += strtoul(PQgetvalue(res, row, 2), NULL, 10);
			e->schools++;
			if (seq > e->max_seq)
				e->max_seq = seq;
			if (hlc > e->max_hlc)
				e->max_hlc = hlc;
		}
	}
	answered(e);
}

static void on_sync(void *arg, int status, PGresult *res)
{
	struct escalate *e = arg;

	if (status)
		note_failure(e, status, res, e->round == 2 ? "commit" : "sync");
	answered(e);
}

/* Round 2: under the district sync lock, raise what is due, then COMMIT. */
static void round2(struct escalate *e)
{
	const char *schema = e->srv->cfg->db_schema;
	char chan[DISTRICT_CHANNEL_SIZE];
	const char *params[4] = { e->srv->cfg->escalation_today, e->hlc, e->at_ms, chan };
	struct district_sql lock;
	uint64_t now = hlc_wall_ms(), first = hlc_tick(&e->srv->clock, now);

	e->round = 2;

	/* one stamp per event, reserved now: the clock moves past them all (a
	 * push arriving meanwhile may have raised more; on_escalated catches up) */
	if (e->ndue > 1 && hlc_observe(&e->srv->clock, first + e->ndue - 1, now))
		log_warn("escalation: cannot reserve %" PRIu64 " clock stamps", e->ndue);
	snprintf(e->hlc, sizeof e->hlc, "%" PRIu64, first);
	snprintf(e->at_ms, sizeof e->at_ms, "%" PRIu64, now);
	district_channel(schema, chan, sizeof chan);
	district_lock(schema, DISTRICT_LOCK_SYNC, false, &lock);
	if (!queue(e, lock.sql, lock.nparams, lock.params, on_step) &&
	    !queue(e, sql_escalate, 4, params, on_escalated) &&
	    /* tests: hold the pass open so that another worker's overlaps it */
	    (!fault_armed("escalation_slow_commit") ||
	     !queue(e, "SELECT pg_sleep(1.5)", 0, NULL, on_step)) &&
	    !queue(e, "COMMIT", 0, NULL, on_step))
		(void)queue(e, NULL, 0, NULL, on_sync);
	if (e->pending == 0)
		round_end(e);
}

static void round_end(struct escalate *e)
{
	if (e->round == 2 && e->max_hlc)
		/* stamps past the reservation, if more was due than the probe saw */
		if (hlc_observe(&e->srv->clock, e->max_hlc, hlc_wall_ms()))
			log_warn("escalation: stamp %" PRIu64 " too far ahead", e->max_hlc);
	if (e->round == 1 && !e->failed && !e->stopping && e->mine && e->ndue) {
		round2(e);
		return;
	}
	if (e->round == 1 && !e->failed && !e->stopping) {
		log_at(e->loud ? LOG_INFO : LOG_DEBUG,
		       "escalation pass skipped reason=\"%s\" asked=%d",
		       !e->mine ? "another worker runs it" : "nothing due", e->loud);
		/* end the transaction here rather than have db_release log a
		 * rollback every interval */
		e->round = 3;
		if (!queue(e, "ROLLBACK", 0, NULL, on_step))
			(void)queue(e, NULL, 0, NULL, on_sync);
		if (e->pending)
			return;
	}
	if (e->round == 2 && !e->failed)
		/* subscribers hear of it through LISTEN, in every worker, this one
		 * included: the NOTIFY went out at COMMIT. Nothing raised (a push
		 * changed a deadline since round 1): only at debug level */
		log_at(e->events || e->loud ? LOG_INFO : LOG_DEBUG,
		       "escalation pass hazards=%lu events=%lu schools=%lu max_seq=%" PRIu64
		       " today=%s ms=%" PRIu64 " asked=%d",
		       e->hazards, e->events, e->schools, e->max_seq,
		       *e->srv->cfg->escalation_today ? e->srv->cfg->escalation_today
						      : "current_date",
		       hlc_wall_ms() - e->t0_ms, e->loud);
	pass_done(e);
}

/* Round 1: is the pass ours, and is anything due? */
static void on_acquired(void *arg, int status, struct db_conn *c)
{
	struct escalate *e = arg;
	const char *params[1] = { e->srv->cfg->escalation_today };
	const char *tmo[1] = { e->srv->request_timeout };
	struct district_sql pass;

	district_lock(e->srv->cfg->db_schema, DISTRICT_LOCK_ESCALATE, true, &pass);
	if (status) {
		note_failure(e, status, NULL, "acquire");
		pass_done(e);
		return;
	}
	e->dc = c;
	e->round = 1;
	if (e->stopping) {
		pass_done(e);
		return;
	}
	/* statement_timeout bounds the wait for the sync lock too, as for requests */
	if (!queue(e, "BEGIN", 0, NULL, on_step) &&
	    !queue(e,
		   "SELECT set_config('statement_timeout', $1, true), "
		   "set_config('idle_in_transaction_session_timeout', $1, true)",
		   1, tmo, on_step) &&
	    /* tests: let every worker through, to show the sync lock alone
	     * keeps a level from being raised twice */
	    (fault_armed("escalation_no_pass_lock")
		     ? !queue(e, "SELECT true", 0, NULL, on_try_lock)
		     : !queue(e, pass.sql, pass.nparams, pass.params, on_try_lock)) &&
	    !queue(e, sql_probe, 1, params, on_probe))
		(void)queue(e, NULL, 0, NULL, on_sync);
	if (e->pending == 0)
		round_end(e);
}

static void on_timer(uv_timer_t *t)
{
	struct escalate *e = t->data;
	int rc;

	if (e->stopping || e->running || e->srv->stopping)
		return;
	e->running = 1;
	e->loud = e->requested;
	e->requested = 0;
	e->failed = e->mine = e->round = e->pending = 0;
	e->ndue = 0;
	e->events = e->hazards = e->schools = 0;
	e->max_seq = e->max_hlc = 0;
	e->t0_ms = hlc_wall_ms();
	rc = db_acquire(e->srv->db, on_acquired, e);
	if (rc) {
		/* -EBUSY: the pool is swamped with client requests; try next time */
		note_failure(e, rc, NULL, "acquire");
		pass_done(e);
	}
}

static void on_timer_closed(uv_handle_t *h)
{
	struct escalate *e = h->data;

	e->timer_closed = 1;
	maybe_free(e);
}

int escalate_start(struct server *s)
{
	struct escalate *e;
	int rc;

	if (!s->cfg->escalation_enabled)
		return 0;
	e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->srv = s;
	rc = uv_timer_init(s->loop, &e->timer);
	if (rc) {
		free(e);
		return rc;
	}
	e->timer.data = e;
	e->next = escalators;
	escalators = e;
	arm(e);
	log_info("escalation enabled interval_ms=%ld today=%s", s->cfg->escalation_interval_ms,
		 *s->cfg->escalation_today ? s->cfg->escalation_today : "current_date");
	return 0;
}

int escalate_now(struct server *s)
{
	for (struct escalate *e = escalators; e; e = e->next) {
		if (e->srv != s || e->stopping)
			continue;
		e->requested = 1;
		if (!e->running)
			uv_timer_start(&e->timer, on_timer, 0, 0);
		return 0;
	}
	return -ENOENT;
}

void escalate_stop(struct server *s)
{
	for (struct escalate *e = escalators; e; e = e->next) {
		if (e->srv != s || e->stopping)
			continue;
		e->stopping = 1;
		uv_timer_stop(&e->timer);
		uv_close((uv_handle_t *)&e->timer, on_timer_closed);
		return;
	}
}
