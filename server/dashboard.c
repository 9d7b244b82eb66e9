/* Dashboards: the queries of server/sql/004_dashboard.sql in one snapshot,
 * and the Dashboard message built from their rows (dashboard.h). */
#include "dashboard.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db.h"
#include "db_replica.h"
#include "hlc.h"
#include "log.h"
#include "server.h"
#include "dash_int.h"
#include "date.h"
#include "util.h"


/* ------------------------------------------------------------------ requests */

int dash__check_date(const char *s)
{
	/* common/date.h knows the calendar; a dashboard stays below year 3000 */
	return date_valid(s) && strncmp(s, "3000", 4) < 0 ? 0 : -EINVAL;
}

static bool school_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

struct dash_req {
	struct conn *c;
	uint64_t rid;
	char scope[64];
	char start[11], end[11], as_of[11]; /* kept for a retry on the primary */
	bool bureau;
	bool on_replica; /* the job runs on the read replica (db_replica.h) */
	struct dash_job *job;
};

/* The pool a read for a client whose floor is floor_ns goes to: the replica
 * when it may serve it (*on_replica), else the primary. */
static struct db_pool *read_pool(struct server *s, uint64_t floor_ns, bool *on_replica)
{
	struct db_pool *rp = replica_pick(s->replica, floor_ns);

	*on_replica = rp != NULL;
	return rp ? rp : s->db;
}

static void send_dashboard(struct conn *c, uint64_t rid, struct dash_job *j, const char *scope,
			   bool bureau, bool on_replica)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Dashboard d;
	struct arena a = { 0 };
	int rc = dash__build(&a, j, scope, bureau, c->srv->cfg->district, &d);

	if (rc == SC_ENOTFOUND) {
		char why[120];
		snprintf(why, sizeof why, "no school \"%s\" in the district", scope);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST, why);
	} else if (rc) {
		conn_error(c, "dashboard not built err=\"%s\"", sc_strerror(rc));
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL,
			  "dashboard failed; try again later");
	} else {
		size_t size = dash__fit(&d, (size_t)c->srv->cfg->max_frame - 64);
		env.request_id = rid;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD;
		env.dashboard = &d;
		conn_send(c, &env);
		conn_info(
			c,
			"dashboard scope=\"%s\" rid=%llu bytes=%zu db=%s db_ms=%llu build_ms=%llu",
			scope, (unsigned long long)rid, size, on_replica ? "replica" : "primary",
			(unsigned long long)((j->done_ns - j->started_ns) / 1000000),
			(unsigned long long)((uv_hrtime() - j->done_ns) / 1000000));
	}
	dash__arena_free_all(&a);
}

static void fail_job(struct conn *c, uint64_t rid, struct dash_job *j, const char *what)
{
	conn_error(c, "dashboard failed %s %s", what, j->why);
	if (j->retryable)
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE,
			  "dashboard unavailable; try again later");
	else
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL,
			  "dashboard failed; try again later");
}

static void on_request_done(struct dash_job *j, void *arg)
{
	struct dash_req *r = arg;
	struct conn *c = r->c;

	if (j->failed && r->on_replica) {
		/* the replica went away or refused (a recovery conflict): the
		 * client never hears of it, the primary answers */
		conn_warn(c, "dashboard on the replica failed %s: retrying on the primary", j->why);
		replica_failed(c->srv->replica, j->failed);
		dash__job_free(j);
		r->on_replica = false;
		const char *focus[1] = { r->scope };
		if (dash__job_run(c->srv->db, c->srv->request_timeout, r->start, r->end, r->as_of,
				  focus, 1, on_request_done, r, &r->job) == 0)
			return;
		conn_fail(c, r->rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE,
			  "server busy; try again later");
		free(r);
		conn_request_done(c);
		return;
	}
	if (j->failed) {
		fail_job(c, r->rid, j, "request");
	} else {
		send_dashboard(c, r->rid, j, r->scope, r->bureau, r->on_replica);
		/* from the primary: its snapshot was taken before now */
		if (!r->on_replica)
			replica_floor_raise(&c->read_floor_ns, uv_hrtime());
	}
	dash__job_free(j);
	free(r);
	conn_request_done(c);
}

void dashboard_start(struct conn *c, uint64_t rid, const Safecampus__DashboardRequest *req)
{
	const char *start = req->period_start_date ? req->period_start_date : "";
	const char *end = req->period_end_date ? req->period_end_date : "";
	const char *as_of = req->as_of_date ? req->as_of_date : "";
	const char *want = req->school ? req->school : "";
	bool bureau = c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	struct dash_req *r;
	int rc;

	if ((start[0] && dash__check_date(start)) || (end[0] && dash__check_date(end)) ||
	    (as_of[0] && dash__check_date(as_of))) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "DashboardRequest dates must be real dates \"YYYY-MM-DD\" (or empty)");
		return;
	}
	if (!start[0] != !end[0]) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "DashboardRequest: give both period_start_date and period_end_date, or "
			  "neither");
		return;
	}
	long span = 0;
	if (start[0] && (date_diff(start, end, &span) || span < 0 || span > 3 * 366)) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "DashboardRequest: the period must end after it starts and span at most "
			  "3 years");
		return;
	}
	if (bureau && want[0] && !school_id_ok(want)) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "DashboardRequest.school is not a school id");
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	r->c = c;
	r->rid = rid;
	r->bureau = bureau;
	/* a school sees its own dashboard whatever it asks for */
	snprintf(r->scope, sizeof r->scope, "%s", bureau ? want : c->id.school);
	snprintf(r->start, sizeof r->start, "%s", start);
	snprintf(r->end, sizeof r->end, "%s", end);
	snprintf(r->as_of, sizeof r->as_of, "%s", as_of);
	const char *focus[1] = { r->scope };
	struct db_pool *pool = read_pool(c->srv, c->read_floor_ns, &r->on_replica);
	/* the job bounds itself by request_timeout (job_run): nothing to abort */
	conn_request_begin(c, NULL, NULL);
	rc = dash__job_run(pool, c->srv->request_timeout, start, end, as_of, focus, 1,
			   on_request_done, r, &r->job);
	if (rc) {
		conn_warn(c, "dashboard not started err=\"%s\"", db_strerror(rc));
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE,
			  "server busy; try again later");
		free(r);
		conn_request_done(c);
	}
}

/* ------------------------------------------------------------------ pushes */

struct dash_sched {
	struct server *s;
	uv_timer_t timer;
	char (*dirty)[64]; /* schools changed since the last computation */
	size_t ndirty, cap;
	bool district; /* a change of any school or the bureau: the district's view */
	bool all;      /* a bureau row changed: every school's */
	bool running;  /* a computation is in flight */
	bool closing, timer_closed;
	/* what the computation in flight is for */
	char (*sent)[64];
	size_t nsent;
	bool sent_all;
	uint64_t changed_ns; /* uv_hrtime of the latest change or subscription */
	bool on_replica;     /* the computation in flight runs on the read replica */
};

static void sched_maybe_free(struct dash_sched *d)
{
	if (d->closing && d->timer_closed && !d->running) {
		free(d->dirty);
		free(d->sent);
		free(d);
	}
}

static bool wants(const struct conn *c)
{
	return c->wants_dashboards && conn_serving(c);
}

static bool is_bureau(const struct conn *c)
{
	return c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
}

static bool in_list(char (*list)[64], size_t n, const char *school)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], school))
			return true;
	return false;
}

static void on_push_done(struct dash_job *j, void *arg);

/* Runs the computation for d->sent; it must show the change that caused it
 * and nothing older than a recipient already has (db_replica.h). */
static int push_job_run(struct dash_sched *d, bool primary)
{
	struct server *s = d->s;
	uint64_t floor = d->changed_ns;
	const char **focus = calloc(d->nsent + 1, sizeof *focus);
	struct db_pool *pool = s->db;
	struct dash_job *job;
	int rc;

	if (!focus)
		return -ENOMEM;
	for (size_t i = 0; i < d->nsent; i++)
		focus[i] = d->sent[i];
	for (struct conn *c = s->conns; c; c = c->next)
		if (wants(c))
			replica_floor_raise(&floor, c->read_floor_ns);
	d->on_replica = false;
	if (!primary)
		pool = read_pool(s, floor, &d->on_replica);
	rc = dash__job_run(pool, s->request_timeout, "", "", "", focus, d->nsent, on_push_done, d,
			   &job);
	free(focus);
	return rc;
}

static void on_timer(uv_timer_t *t)
{
	struct dash_sched *d = container_of(t, struct dash_sched, timer);
	struct server *s = d->s;
	size_t cap = 1;
	bool any = false;
	int rc;

	if (d->running || d->closing)
		return;
	/* the schools to send to: subscribers whose school changed */
	for (struct conn *c = s->conns; c; c = c->next)
		if (wants(c))
			cap++;
	free(d->sent);
	d->sent = calloc(cap, sizeof *d->sent);
	d->nsent = 0;
	if (!d->sent)
		return;
	for (struct conn *c = s->conns; c; c = c->next) {
		if (!wants(c))
			continue;
		if (is_bureau(c)) {
			if (d->district && !in_list(d->sent, d->nsent, "")) {
				snprintf(d->sent[d->nsent++], 64, "%s", "");
				any = true;
			}
		} else if ((d->all || in_list(d->dirty, d->ndirty, c->id.school)) &&
			   !in_list(d->sent, d->nsent, c->id.school)) {
			snprintf(d->sent[d->nsent++], 64, "%s", c->id.school);
			any = true;
		}
	}
	d->sent_all = d->all;
	d->ndirty = 0;
	d->district = d->all = false;
	if (!any)
		return;
	d->running = true;
	rc = push_job_run(d, false);
	if (rc) {
		d->running = false;
		log_warn("dashboard push not started err=\"%s\"", db_strerror(rc));
	}
}

static void arm(struct dash_sched *d)
{
	if (!d->closing && !d->running && !uv_is_active((uv_handle_t *)&d->timer))
		uv_timer_start(&d->timer, on_timer, DASHBOARD_DEBOUNCE_MS, 0);
}

static void on_push_done(struct dash_job *j, void *arg)
{
	struct dash_sched *d = arg;
	struct server *s = d->s;
	unsigned sent = 0;

	d->running = false;
	if (j->failed && d->on_replica && !d->closing) {
		log_warn("dashboard push on the replica failed %s: retrying on the primary",
			 j->why);
		replica_failed(s->replica, j->failed);
		dash__job_free(j);
		d->running = true;
		if (push_job_run(d, true) == 0)
			return;
		d->running = false;
		log_error("dashboard push not retried on the primary");
		if (d->ndirty || d->district || d->all)
			arm(d);
		sched_maybe_free(d);
		return;
	}
	if (j->failed) {
		log_error("dashboard push failed %s", j->why);
	} else if (!d->closing) {
		uint64_t now = uv_hrtime();
		for (struct conn *c = s->conns; c; c = c->next) {
			if (!wants(c))
				continue;
			const char *scope = is_bureau(c) ? "" : c->id.school;
			if (!in_list(d->sent, d->nsent, scope))
				continue;
			Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
			Safecampus__Dashboard db;
			struct arena a = { 0 };
			if (dash__build(&a, j, scope, is_bureau(c), s->cfg->district, &db) == 0) {
				dash__fit(&db, (size_t)s->cfg->max_frame - 64);
				env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD;
				env.dashboard = &db;
				conn_send(c, &env);
				if (!d->on_replica)
					replica_floor_raise(&c->read_floor_ns, now);
				sent++;
			}
			dash__arena_free_all(&a);
		}
		log_info("dashboard pushed scopes=%zu connections=%u db=%s", d->nsent, sent,
			 d->on_replica ? "replica" : "primary");
	}
	dash__job_free(j);
	if (d->ndirty || d->district || d->all)
		arm(d);
	sched_maybe_free(d);
}

int dashboard_sched_start(struct server *s)
{
	struct dash_sched *d = calloc(1, sizeof *d);

	if (!d)
		return -ENOMEM;
	d->s = s;
	uv_timer_init(s->loop, &d->timer);
	s->dash = d;
	return 0;
}

static bool any_subscriber(const struct server *s)
{
	for (const struct conn *c = s->conns; c; c = c->next)
		if (wants(c))
			return true;
	return false;
}

static void mark_school(struct dash_sched *d, const char *school)
{
	if (in_list(d->dirty, d->ndirty, school))
		return;
	if (d->ndirty == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		char(*n)[64] = realloc(d->dirty, cap * sizeof *n);
		if (!n) {
			d->all = true; /* cannot remember which: every school */
			return;
		}
		d->dirty = n;
		d->cap = cap;
	}
	snprintf(d->dirty[d->ndirty++], 64, "%s", school);
}

void dashboard_changed(struct server *s, const char *school)
{
	struct dash_sched *d = s->dash;

	if (!d || d->closing || !any_subscriber(s))
		return;
	/* any change moves the district's numbers; a bureau row (a notice, the
	 * calendar) moves every school's */
	d->district = true;
	d->changed_ns = uv_hrtime();
	if (!school[0])
		d->all = true;
	else
		mark_school(d, school);
	arm(d);
}

void dashboard_subscribed(struct conn *c)
{
	struct dash_sched *d = c->srv->dash;

	if (!d || d->closing)
		return;
	d->changed_ns = uv_hrtime();
	if (is_bureau(c))
		d->district = true;
	else
		mark_school(d, c->id.school);
	arm(d);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct dash_sched *d = container_of((uv_timer_t *)h, struct dash_sched, timer);

	d->timer_closed = true;
	sched_maybe_free(d);
}

void dashboard_sched_stop(struct server *s)
{
	struct dash_sched *d = s->dash;

	if (!d || d->closing)
		return;
	d->closing = true;
	s->dash = NULL;
	uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}

/* ------------------------------------------------------------------ for tests */

int dash__job_status(const struct dash_job *j)
{
	return j->failed;
}

int dash__build_packed(struct dash_job *j, const char *scope, bool bureau, const char *district,
		       size_t max_frame, uint8_t **out, size_t *len)
{
	Safecampus__Dashboard d;
	struct arena a = { 0 };
	int rc = dash__build(&a, j, scope, bureau, district, &d);

	*out = NULL;
	*len = 0;
	if (!rc) {
		*len = dash__fit(&d, max_frame);
		*out = malloc(*len ? *len : 1);
		if (*out)
			protobuf_c_message_pack(&d.base, *out);
		else
			rc = -ENOMEM;
	}
	dash__arena_free_all(&a);
	return rc;
}
