/* Dashboards: an arena for one computation, and the queries of
 * server/sql/004_dashboard.sql run in one snapshot (dash_int.h). */
#include "dashboard.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "db.h"
#include "hlc.h"
#include "log.h"
#include "server.h"
#include "dash_int.h"
#include "util.h"


/* ------------------------------------------------------------------ arena */

/* Every part of one Dashboard message is allocated here and freed at once;
 * strings point into the query results, which outlive the message. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};


void *dash__az(struct arena *a, size_t n)
{
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	if (!a->head || a->head->cap - a->head->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		struct chunk *c = malloc(sizeof *c + cap);
		if (!c) {
			a->failed = 1;
			return NULL;
		}
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	void *p = (char *)a->head->data + a->head->used;
	a->head->used += n;
	memset(p, 0, n);
	return p;
}

char *dash__astrdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = dash__az(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void dash__arena_free_all(struct arena *a)
{
	while (a->head) {
		struct chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}

/* ------------------------------------------------------------------ queries */

/* The flag_* settings as "burst_min,backdated,deadline,copy_min,min_chars";
 * "" = 014_flags.sql's defaults (tests that run a job without a server). */
static char flag_settings[128];

void dash_set_flag_settings(const struct config *cfg)
{
	snprintf(flag_settings, sizeof flag_settings, "%ld,%ld,%ld,%ld,%ld", cfg->flag_burst_min,
		 cfg->flag_burst_backdated_days, cfg->flag_burst_deadline_days, cfg->flag_copy_min,
		 cfg->flag_minutes_min_chars);
}

/* for the session (false: not local), so the refresh and the snapshot both
 * see them */
static const char set_flags_sql[] =
	"SELECT set_config('safecampus.flag_burst_min', split_part($1, ',', 1), false), "
	"set_config('safecampus.flag_burst_backdated_days', split_part($1, ',', 2), false), "
	"set_config('safecampus.flag_burst_deadline_days', split_part($1, ',', 3), false), "
	"set_config('safecampus.flag_copy_min', split_part($1, ',', 4), false), "
	"set_config('safecampus.flag_minutes_min_chars', split_part($1, ',', 5), false)";


#define PERIOD "sc_period($1::date, $2::date, $3::date) p"
#define ARGS "p.period_start, p.period_end, p.as_of"
#define C "COLLATE \"C\""
/* $4: the schools whose detail is wanted; '' = the district (everything) */
#define FOCUS(col) "(" col " = ANY ($4::text[]) OR '' = ANY ($4::text[]))"

/* Each statement names exactly the parameters it gets: params[first] on,
 * n of them (start, end, as_of, focus). */
static const struct query {
	const char *sql;
	int first, n;
} queries[Q_N] = {
	/* last_day: the last school day before the as-of day, when the "1530"
	 * sessions owed so far fell due (013); the district's letters' days
	 * (013's dashboard_due), which a client counting offline needs */
	[Q_PERIOD] = { "SELECT p.period_start::text, p.period_end::text, p.as_of::text, p.label, "
		       "(SELECT max(k.day)::text FROM sc_calendar(p.period_start, p.period_end) k "
		       "WHERE k.day < p.as_of), "
		       "(SELECT d.days FROM dashboard_due d WHERE d.key = 'letters') FROM " PERIOD,
		       0, 3 },
	[Q_CONFIG] = { "SELECT key, label, unit, higher_is_better, target, weight FROM "
		       "dashboard_indicator "
		       "ORDER BY position, key " C,
		       0, 0 },
	/* with the unsent records its clients last reported (the ranking) */
	[Q_SCHOOLS] = { "SELECT s.school, s.name, coalesce(sum(h.outbox_pending), 0), "
			"coalesce((extract(epoch FROM min(h.oldest_pending) FILTER (WHERE "
			"h.outbox_pending > 0)) "
			"* 1000)::bigint, 0) "
			"FROM sc_schools() s LEFT JOIN client_health h ON h.school = s.school "
			"GROUP BY s.school, s.name ORDER BY s.school " C,
			0, 0 },
	[Q_MONTHS] = { "SELECT w.win FROM " PERIOD ", sc_windows(" ARGS
		       ") w WHERE w.month IS NOT NULL "
		       "ORDER BY w.month",
		       0, 3 },
	[Q_VALUES] = { "SELECT v.school, v.win, v.key, v.value, v.score, v.num, v.den, v.detail "
		       "FROM " PERIOD ", sc_dashboard_values(" ARGS ", $4::text[]) v "
		       "ORDER BY v.school " C ", v.win " C ", v.key " C,
		       0, 4 },
	[Q_ALERTS] = { "SELECT a.school, a.kind, a.record_id, a.title, a.since::text, a.severity "
		       "FROM " PERIOD ", sc_alerts_cached(" ARGS ") a WHERE " FOCUS("a.school"),
		       0, 4 },
	[Q_MISSING] = { "SELECT m.school, m.what, m.due_date::text, m.record_id, m.kind "
			"FROM " PERIOD ", sc_missing_cached(" ARGS
			", $4::text[]) m WHERE " FOCUS("m.school"),
			0, 4 },
	[Q_AGEING] = { "SELECT h.school, h.label, h.open, h.overdue FROM " PERIOD
		       ", sc_hazard_ageing_cached(" ARGS ") h WHERE h.school = ANY ($4::text[]) "
		       "ORDER BY h.school " C ", h.bucket",
		       0, 4 },
	/* every client of the schools wanted; a school that never connected
	 * shows as one row with campus "" and last contact 0 */
	[Q_HEALTH] = { "SELECT x.* FROM (SELECT h.school, h.campus, "
		       "(extract(epoch FROM h.last_contact) * 1000)::bigint, h.outbox_pending, "
		       "coalesce((extract(epoch FROM h.oldest_pending) * 1000)::bigint, 0), "
		       "coalesce((extract(epoch FROM h.last_sync) * 1000)::bigint, 0) "
		       "FROM client_health h JOIN sc_schools() s ON s.school = h.school "
		       "WHERE h.school = ANY ($1::text[]) OR '' = ANY ($1::text[]) "
		       "UNION ALL SELECT s.school, '', 0, 0, 0, 0 FROM sc_schools() s "
		       "WHERE (s.school = ANY ($1::text[]) OR '' = ANY ($1::text[])) "
		       "AND NOT EXISTS (SELECT 1 FROM client_health h WHERE h.school = s.school)) "
		       "x(school, campus, last_ms, pending, oldest_ms, sync_ms) "
		       "ORDER BY x.school " C ", x.campus " C,
		       3, 1 },
	[Q_FLAGS] = { "SELECT f.school, f.kind, f.title, f.day::text, f.record_ids FROM " PERIOD
		      ", sc_flags_cached(" ARGS ") f WHERE " FOCUS("f.school"),
		      0, 4 },
	/* the schools wanted (the district: all), from the per-school cache
	 * when fresh (029_rates.sql); by school (byte order), kind */
	[Q_RATES] = { "SELECT r.school, r.kind, r.expected, r.received, r.on_time FROM " PERIOD
		      ", sc_rates_cached(" ARGS ", CASE WHEN '' = ANY ($4::text[]) THEN NULL "
		      "ELSE $4::text[] END) r",
		      0, 4 },
};


struct group {
	const char *school, *win;
	int first, n;
};

static void job_fail(struct dash_job *j, int status, PGresult *res)
{
	if (j->failed)
		return;
	j->failed = status ? status : SC_EDB;
	if (res) {
		const char *state = db_result_sqlstate(res);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		/* 57014: statement_timeout */
		j->retryable = db_sqlstate_retryable(state) || !strcmp(state, "57014");
		snprintf(j->why, sizeof j->why, "sqlstate=%s msg=\"%.100s\"", state,
			 msg ? msg : "");
	} else {
		j->retryable = status == -ECANCELED || status == -ETIMEDOUT || status == -EBUSY;
		snprintf(j->why, sizeof j->why, "err=\"%s\"", db_strerror(j->failed));
	}
}

static int index_groups(struct dash_job *j);

/* Runs once every queued request has called back (whatever happened). */
static void maybe_finish(struct dash_job *j)
{
	if (!j->issued || j->pending)
		return;
	if (j->dc)
		db_release(j->dc);
	j->dc = NULL;
	for (int q = 0; q < Q_N && !j->failed; q++)
		if (!j->res[q])
			job_fail(j, SC_EDB, NULL);
	if (!j->failed && PQntuples(j->res[Q_PERIOD]) != 1)
		job_fail(j, SC_EDB, NULL);
	if (!j->failed && index_groups(j))
		job_fail(j, -ENOMEM, NULL);
	j->done_ns = uv_hrtime();
	j->cb(j, j->arg);
}

static void on_step(void *arg, int status, PGresult *res)
{
	struct dash_job *j = arg;

	if (status)
		job_fail(j, status, res);
	j->pending--;
	maybe_finish(j);
}

static void on_result(void *arg, int status, PGresult *res)
{
	struct qctx *x = arg;
	struct dash_job *j = x->j;

	if (status) {
		job_fail(j, status, res);
	} else {
		j->res[x->q] = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
		if (!j->res[x->q])
			job_fail(j, -ENOMEM, NULL);
	}
	j->pending--;
	maybe_finish(j);
}

static int queue(struct dash_job *j, const char *q, int n, const char *const *p, db_result_cb cb,
		 void *arg)
{
	int rc = db_query(j->dc, q, n, p, cb, arg);

	if (!rc)
		j->pending++;
	return rc;
}

static void on_conn(void *arg, int status, struct db_conn *dc)
{
	struct dash_job *j = arg;
	const char *p[4] = { j->start[0] ? j->start : NULL, j->end[0] ? j->end : NULL,
			     j->as_of[0] ? j->as_of : NULL, j->focus };
	const char *tmo[1] = { j->timeout };
	int rc;

	j->dc = status ? NULL : dc;
	if (status) {
		job_fail(j, status, NULL);
		j->issued = true;
		maybe_finish(j);
		return;
	}
	/* the per-school cache of this period brought up to date in a
	 * transaction of its own (020_dash_cache.sql; it never fails: on a
	 * replica or a conflict it leaves the cache and the snapshot computes
	 * live what is stale) */
	const char *fl[1] = { flag_settings };
	rc = queue(j, set_flags_sql, 1, fl, on_step, j);
	if (!rc)
		rc = queue(j,
			   "SELECT sc_dash_refresh(p.period_start, p.period_end, p.as_of) "
			   "FROM " PERIOD,
			   3, p, on_step, j);
	if (!rc) {
		rc = db_sync(dc, on_step, j);
		if (!rc)
			j->pending++;
	}
	if (!rc)
		rc = queue(j, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, on_step,
			   j);
	if (!rc)
		rc = queue(j,
			   "SELECT set_config('statement_timeout', $1, true), "
			   "set_config('work_mem', '64MB', true), "
			   "set_config('jit', 'off', true)",
			   1, tmo, on_step, j);
	for (int q = 0; q < Q_N && !rc; q++) {
		j->qc[q].j = j;
		j->qc[q].q = q;
		rc = queue(j, queries[q].sql, queries[q].n, p + queries[q].first, on_result,
			   &j->qc[q]);
	}
	if (!rc)
		rc = queue(j, "COMMIT", 0, NULL, on_step, j);
	if (!rc) {
		rc = db_sync(dc, on_step, j);
		if (!rc)
			j->pending++;
	}
	if (rc)
		job_fail(j, rc, NULL); /* db_release rolls back what was queued */
	j->issued = true;
	maybe_finish(j);
}

/* A text[] literal: {"a","b"} with " and \ escaped. */
static char *focus_literal(const char *const *focus, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(focus[i]) + 3;
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = focus[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

void dash__job_free(struct dash_job *j)
{
	if (!j)
		return;
	for (int q = 0; q < Q_N; q++)
		PQclear(j->res[q]);
	free(j->groups);
	free(j->focus);
	free(j);
}

int dash__job_run(struct db_pool *pool, const char *timeout, const char *start, const char *end,
		  const char *as_of, const char *const *focus, size_t nfocus,
		  void (*cb)(struct dash_job *, void *), void *arg, struct dash_job **out)
{
	struct dash_job *j = calloc(1, sizeof *j);
	int rc;

	*out = NULL;
	if (!j)
		return -ENOMEM;
	j->pool = pool;
	j->timeout = timeout;
	snprintf(j->start, sizeof j->start, "%s", start);
	snprintf(j->end, sizeof j->end, "%s", end);
	snprintf(j->as_of, sizeof j->as_of, "%s", as_of);
	j->cb = cb;
	j->arg = arg;
	j->started_ns = uv_hrtime();
	j->focus = focus_literal(focus, nfocus);
	if (!j->focus) {
		free(j);
		return -ENOMEM;
	}
	rc = db_acquire(pool, on_conn, j);
	if (rc) {
		dash__job_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* ------------------------------------------------------------------ reading results */

const char *dash__val(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

bool dash__isnull(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

double dash__num(const PGresult *r, int row, int col)
{
	return strtod(PQgetvalue(r, row, col), NULL);
}

static int cmp_group(const char *school, const char *win, const struct group *g)
{
	int c = strcmp(school, g->school);
	return c ? c : strcmp(win, g->win);
}

/* Q_VALUES comes ordered by (school, win, key) in byte order (COLLATE "C"),
 * so each (school, win) is one run of rows, found by binary search. */
static int index_groups(struct dash_job *j)
{
	const PGresult *r = j->res[Q_VALUES];
	int rows = PQntuples(r);

	j->groups = calloc((size_t)rows + 1, sizeof *j->groups);
	if (!j->groups)
		return -ENOMEM;
	for (int i = 0; i < rows; i++) {
		struct group *g = j->ngroups ? &j->groups[j->ngroups - 1] : NULL;
		if (g && !cmp_group(dash__val(r, i, 0), dash__val(r, i, 1), g)) {
			g->n++;
			continue;
		}
		g = &j->groups[j->ngroups++];
		g->school = dash__val(r, i, 0);
		g->win = dash__val(r, i, 1);
		g->first = i;
		g->n = 1;
	}
	return 0;
}

static const struct group *find_group(const struct dash_job *j, const char *school, const char *win)
{
	size_t lo = 0, hi = j->ngroups;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_group(school, win, &j->groups[mid]);
		if (!c)
			return &j->groups[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Row of key in (school, win), -1 if none. Keys are few: a linear scan. */
int dash__find_row(const struct dash_job *j, const char *school, const char *win, const char *key)
{
	const struct group *g = find_group(j, school, win);

	if (!g)
		return -1;
	for (int i = g->first; i < g->first + g->n; i++)
		if (!strcmp(dash__val(j->res[Q_VALUES], i, 2), key))
			return i;
	return -1;
}

const char *dash__school_name(const struct dash_job *j, const char *school)
{
	const PGresult *r = j->res[Q_SCHOOLS];

	for (int i = 0; i < PQntuples(r); i++)
		if (!strcmp(dash__val(r, i, 0), school))
			return dash__val(r, i, 1);
	return NULL;
}
