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
#include "hlc.h"
#include "log.h"
#include "server.h"
#include "util.h"


/* ------------------------------------------------------------------ arena */

/* Every part of one Dashboard message is allocated here and freed at once;
 * strings point into the query results, which outlive the message. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
	int failed;
};

static void *az(struct arena *a, size_t n)
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

static char *astrdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = az(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static void arena_free_all(struct arena *a)
{
	while (a->head) {
		struct chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}

/* ------------------------------------------------------------------ queries */

enum {
	Q_PERIOD,  /* period_start, period_end, as_of, label */
	Q_CONFIG,  /* key, label, unit, higher_is_better, target, weight */
	Q_SCHOOLS, /* school, name */
	Q_MONTHS,  /* win ('YYYY-MM'), in order */
	Q_VALUES,  /* school, win, key, value, score, num, den, detail */
	Q_ALERTS,  /* school, kind, record_id, title, since, severity */
	Q_MISSING, /* school, what, due_date, record_id */
	Q_AGEING,  /* school, label, open, overdue */
	Q_HEALTH,  /* school, campus, last_contact_ms, pending, oldest_ms, last_sync_ms */
	Q_N
};

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
	[Q_PERIOD] = {"SELECT p.period_start::text, p.period_end::text, p.as_of::text, p.label FROM " PERIOD, 0, 3},
	[Q_CONFIG] = {"SELECT key, label, unit, higher_is_better, target, weight FROM dashboard_indicator "
		      "ORDER BY position, key " C, 0, 0},
	[Q_SCHOOLS] = {"SELECT school, name FROM sc_schools() ORDER BY school " C, 0, 0},
	[Q_MONTHS] = {"SELECT w.win FROM " PERIOD ", sc_windows(" ARGS ") w WHERE w.month IS NOT NULL "
		      "ORDER BY w.month", 0, 3},
	[Q_VALUES] = {"SELECT v.school, v.win, v.key, v.value, v.score, v.num, v.den, v.detail FROM " PERIOD
		      ", sc_dashboard_values(" ARGS ", $4::text[]) v "
		      "ORDER BY v.school " C ", v.win " C ", v.key " C, 0, 4},
	[Q_ALERTS] = {"SELECT a.school, a.kind, a.record_id, a.title, a.since::text, a.severity FROM " PERIOD
		      ", sc_alerts(" ARGS ") a WHERE " FOCUS("a.school"), 0, 4},
	[Q_MISSING] = {"SELECT m.school, m.what, m.due_date::text, m.record_id FROM " PERIOD
		       ", sc_missing(" ARGS ") m WHERE " FOCUS("m.school"), 0, 4},
	[Q_AGEING] = {"SELECT h.school, h.label, h.open, h.overdue FROM " PERIOD
		      ", sc_hazard_ageing(" ARGS ") h WHERE h.school = ANY ($4::text[]) "
		      "ORDER BY h.school " C ", h.bucket", 0, 4},
	/* every client of the schools wanted; a school that never connected
	 * shows as one row with campus "" and last contact 0 */
	[Q_HEALTH] = {"SELECT x.* FROM (SELECT h.school, h.campus, "
		      "(extract(epoch FROM h.last_contact) * 1000)::bigint, h.outbox_pending, "
		      "coalesce((extract(epoch FROM h.oldest_pending) * 1000)::bigint, 0), "
		      "coalesce((extract(epoch FROM h.last_sync) * 1000)::bigint, 0) "
		      "FROM client_health h JOIN sc_schools() s ON s.school = h.school "
		      "WHERE h.school = ANY ($1::text[]) OR '' = ANY ($1::text[]) "
		      "UNION ALL SELECT s.school, '', 0, 0, 0, 0 FROM sc_schools() s "
		      "WHERE (s.school = ANY ($1::text[]) OR '' = ANY ($1::text[])) "
		      "AND NOT EXISTS (SELECT 1 FROM client_health h WHERE h.school = s.school)) "
		      "x(school, campus, last_ms, pending, oldest_ms, sync_ms) "
		      "ORDER BY x.school " C ", x.campus " C, 3, 1},
};

struct qctx {
	struct dash_job *j;
	int q;
};

struct dash_job {
	struct db_pool *pool;
	struct db_conn *dc;
	const char *timeout;
	char start[11], end[11], as_of[11];
	char *focus;               /* text[] literal */
	PGresult *res[Q_N];
	struct qctx qc[Q_N];
	unsigned pending;          /* requests queued whose callback has not run */
	bool issued;               /* nothing more will be queued */
	int failed;
	char why[160];             /* first failure, for the log */
	bool retryable;
	void (*cb)(struct dash_job *j, void *arg);
	void *arg;
	uint64_t started_ns;       /* uv_hrtime at the start and when the results */
	uint64_t done_ns;          /* were in, for the log */
	/* built from the results once they are in */
	struct group *groups;      /* Q_VALUES rows by (school, win) */
	size_t ngroups;
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
		snprintf(j->why, sizeof j->why, "sqlstate=%s msg=\"%.100s\"", state, msg ? msg : "");
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

static int queue(struct dash_job *j, const char *q, int n, const char *const *p, db_result_cb cb, void *arg)
{
	int rc = db_query(j->dc, q, n, p, cb, arg);

	if (!rc)
		j->pending++;
	return rc;
}

static void on_conn(void *arg, int status, struct db_conn *dc)
{
	struct dash_job *j = arg;
	const char *p[4] = {j->start[0] ? j->start : NULL, j->end[0] ? j->end : NULL,
			    j->as_of[0] ? j->as_of : NULL, j->focus};
	const char *tmo[1] = {j->timeout};
	int rc;

	j->dc = status ? NULL : dc;
	if (status) {
		job_fail(j, status, NULL);
		j->issued = true;
		maybe_finish(j);
		return;
	}
	rc = queue(j, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, on_step, j);
	if (!rc)
		rc = queue(j, "SELECT set_config('statement_timeout', $1, true), set_config('work_mem', '64MB', true), "
			   "set_config('jit', 'off', true)", 1, tmo, on_step, j);
	for (int q = 0; q < Q_N && !rc; q++) {
		j->qc[q].j = j;
		j->qc[q].q = q;
		rc = queue(j, queries[q].sql, queries[q].n, p + queries[q].first, on_result, &j->qc[q]);
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

static void job_free(struct dash_job *j)
{
	if (!j)
		return;
	for (int q = 0; q < Q_N; q++)
		PQclear(j->res[q]);
	free(j->groups);
	free(j->focus);
	free(j);
}

static int job_run(struct db_pool *pool, const char *timeout, const char *start, const char *end,
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
		job_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* ------------------------------------------------------------------ reading results */

static const char *val(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

static bool isnull(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

static double num(const PGresult *r, int row, int col)
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
		if (g && !cmp_group(val(r, i, 0), val(r, i, 1), g)) {
			g->n++;
			continue;
		}
		g = &j->groups[j->ngroups++];
		g->school = val(r, i, 0);
		g->win = val(r, i, 1);
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
static int find_row(const struct dash_job *j, const char *school, const char *win, const char *key)
{
	const struct group *g = find_group(j, school, win);

	if (!g)
		return -1;
	for (int i = g->first; i < g->first + g->n; i++)
		if (!strcmp(val(j->res[Q_VALUES], i, 2), key))
			return i;
	return -1;
}

static const char *school_name(const struct dash_job *j, const char *school)
{
	const PGresult *r = j->res[Q_SCHOOLS];

	for (int i = 0; i < PQntuples(r); i++)
		if (!strcmp(val(r, i, 0), school))
			return val(r, i, 1);
	return NULL;
}

/* ------------------------------------------------------------------ building */

/* The indicators of one school ("" = district averages) for the period, with
 * the previous month's value for the trend arrow. */
static Safecampus__Indicator **build_indicators(struct arena *a, const struct dash_job *j, const char *school,
						size_t *n)
{
	const PGresult *cfg = j->res[Q_CONFIG], *v = j->res[Q_VALUES];
	int nk = PQntuples(cfg);
	Safecampus__Indicator **out = az(a, (size_t)(nk ? nk : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int k = 0; k < nk; k++) {
		Safecampus__Indicator *ind = az(a, sizeof *ind);
		if (!ind)
			return NULL;
		safecampus__indicator__init(ind);
		ind->key = (char *)val(cfg, k, 0);
		ind->label = (char *)val(cfg, k, 1);
		ind->unit = (char *)val(cfg, k, 2);
		ind->higher_is_better = val(cfg, k, 3)[0] == 't';
		ind->target = num(cfg, k, 4);
		ind->weight = num(cfg, k, 5);
		ind->detail = "";
		int row = find_row(j, school, "period", ind->key);
		if (row >= 0) {
			ind->has_value = !isnull(v, row, 3);
			ind->value = ind->has_value ? num(v, row, 3) : 0;
			ind->score = isnull(v, row, 4) ? 0 : num(v, row, 4);
			ind->detail = (char *)val(v, row, 7);
		}
		row = find_row(j, school, "previous", ind->key);
		if (row >= 0 && !isnull(v, row, 3)) {
			ind->has_previous = true;
			ind->previous = num(v, row, 3);
		}
		out[(*n)++] = ind;
	}
	return out;
}

/* Month by month, for every indicator and the composite score. */
static Safecampus__Trend **build_trends(struct arena *a, const struct dash_job *j, const char *school, size_t *n)
{
	const PGresult *cfg = j->res[Q_CONFIG], *v = j->res[Q_VALUES], *m = j->res[Q_MONTHS];
	int nk = PQntuples(cfg), nm = PQntuples(m);
	Safecampus__Trend **out = az(a, (size_t)(nk + 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int k = 0; k <= nk; k++) {
		Safecampus__Trend *t = az(a, sizeof *t);
		Safecampus__MonthValue **mv = az(a, (size_t)(nm ? nm : 1) * sizeof *mv);
		if (!t || !mv)
			return NULL;
		safecampus__trend__init(t);
		t->key = k < nk ? (char *)val(cfg, k, 0) : "score";
		t->months = mv;
		for (int i = 0; i < nm; i++) {
			Safecampus__MonthValue *x = az(a, sizeof *x);
			if (!x)
				return NULL;
			safecampus__month_value__init(x);
			x->month = (char *)val(m, i, 0);
			int row = find_row(j, school, x->month, t->key);
			if (row >= 0 && !isnull(v, row, 3)) {
				x->has_value = true;
				x->value = num(v, row, 3);
			}
			mv[t->n_months++] = x;
		}
		out[(*n)++] = t;
	}
	return out;
}

struct ranked {
	const char *school;
	double score;
	unsigned rank;
	bool has_score;
};

static int by_rank(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->school, b->school);
}

/* The ranking: every school of the district by its composite score. A school
 * sees the others as "School N" (N its place in this list) without their
 * indicators; the bureau sees names and every indicator. */
static Safecampus__SchoolScore **build_ranking(struct arena *a, const struct dash_job *j, const char *self,
					       bool named, size_t *n, unsigned *self_rank)
{
	const PGresult *s = j->res[Q_SCHOOLS], *v = j->res[Q_VALUES];
	int ns = PQntuples(s);
	struct ranked *rk = az(a, (size_t)(ns ? ns : 1) * sizeof *rk);
	Safecampus__SchoolScore **out = az(a, (size_t)(ns ? ns : 1) * sizeof *out);

	*n = 0;
	*self_rank = 0;
	if (!rk || !out)
		return NULL;
	for (int i = 0; i < ns; i++) {
		int row = find_row(j, val(s, i, 0), "period", "score");
		rk[i].school = val(s, i, 0);
		rk[i].rank = (unsigned)ns;
		if (row >= 0) {
			rk[i].has_score = !isnull(v, row, 3);
			rk[i].score = rk[i].has_score ? num(v, row, 3) : 0;
			rk[i].rank = (unsigned)num(v, row, 5);
		}
	}
	qsort(rk, (size_t)ns, sizeof *rk, by_rank);
	for (int i = 0; i < ns; i++) {
		Safecampus__SchoolScore *ss = az(a, sizeof *ss);
		if (!ss)
			return NULL;
		safecampus__school_score__init(ss);
		ss->score = rk[i].score;
		ss->rank = rk[i].rank;
		ss->is_self = self && !strcmp(rk[i].school, self);
		if (ss->is_self)
			*self_rank = ss->rank;
		if (named || ss->is_self) {
			ss->school = (char *)rk[i].school;
			ss->label = (char *)school_name(j, rk[i].school);
		} else {
			char label[32];
			snprintf(label, sizeof label, "School %d", i + 1);
			ss->school = "";
			ss->label = astrdup(a, label);
		}
		if (named) {
			ss->indicators = build_indicators(a, j, rk[i].school, &ss->n_indicators);
			if (!ss->indicators)
				return NULL;
		}
		out[(*n)++] = ss;
	}
	return out;
}

static Safecampus__Severity severity_of(const char *s)
{
	if (!strcmp(s, "low"))
		return SAFECAMPUS__SEVERITY__SEVERITY_LOW;
	if (!strcmp(s, "high"))
		return SAFECAMPUS__SEVERITY__SEVERITY_HIGH;
	if (!strcmp(s, "critical"))
		return SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL;
	return SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM;
}

/* Rows of a result that concern scope ("" = all). */
static bool concerns(const char *scope, const char *school)
{
	return !scope[0] || !strcmp(scope, school);
}

static Safecampus__Alert **build_alerts(struct arena *a, const struct dash_job *j, const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_ALERTS];
	int rows = PQntuples(r);
	Safecampus__Alert **out = az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, val(r, i, 0)))
			continue;
		Safecampus__Alert *al = az(a, sizeof *al);
		if (!al)
			return NULL;
		safecampus__alert__init(al);
		al->school = (char *)val(r, i, 0);
		al->kind = (char *)val(r, i, 1);
		al->record_id = (char *)val(r, i, 2);
		al->title = (char *)val(r, i, 3);
		al->since_date = (char *)val(r, i, 4);
		al->severity = severity_of(val(r, i, 5));
		out[(*n)++] = al;
	}
	return out;
}

static Safecampus__MissingSubmission **build_missing(struct arena *a, const struct dash_job *j, const char *scope,
						     size_t *n)
{
	const PGresult *r = j->res[Q_MISSING];
	int rows = PQntuples(r);
	Safecampus__MissingSubmission **out = az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, val(r, i, 0)))
			continue;
		Safecampus__MissingSubmission *m = az(a, sizeof *m);
		if (!m)
			return NULL;
		safecampus__missing_submission__init(m);
		m->school = (char *)val(r, i, 0);
		m->what = (char *)val(r, i, 1);
		m->due_date = (char *)val(r, i, 2);
		m->record_id = (char *)val(r, i, 3);
		out[(*n)++] = m;
	}
	return out;
}

static Safecampus__AgeBucket **build_ageing(struct arena *a, const struct dash_job *j, const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_AGEING];
	int rows = PQntuples(r);
	Safecampus__AgeBucket **out = az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (strcmp(val(r, i, 0), scope))
			continue;
		Safecampus__AgeBucket *b = az(a, sizeof *b);
		if (!b)
			return NULL;
		safecampus__age_bucket__init(b);
		b->label = (char *)val(r, i, 1);
		b->open = (uint32_t)strtoul(val(r, i, 2), NULL, 10);
		b->overdue = (uint32_t)strtoul(val(r, i, 3), NULL, 10);
		out[(*n)++] = b;
	}
	return out;
}

static Safecampus__SyncHealth **build_health(struct arena *a, const struct dash_job *j, const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_HEALTH];
	int rows = PQntuples(r);
	Safecampus__SyncHealth **out = az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, val(r, i, 0)))
			continue;
		Safecampus__SyncHealth *h = az(a, sizeof *h);
		if (!h)
			return NULL;
		safecampus__sync_health__init(h);
		h->school = (char *)val(r, i, 0);
		h->campus = (char *)val(r, i, 1);
		h->last_contact_ms = strtoll(val(r, i, 2), NULL, 10);
		h->outbox_pending = strtoull(val(r, i, 3), NULL, 10);
		h->oldest_pending_ms = strtoll(val(r, i, 4), NULL, 10);
		h->last_sync_ms = strtoll(val(r, i, 5), NULL, 10);
		out[(*n)++] = h;
	}
	return out;
}

/* Fills d for scope ("" = the district). bureau: names, every school's
 * indicators and the sync health; otherwise the view of that school.
 * SC_ENOTFOUND if scope is not a school of the district; -ENOMEM. */
static int build(struct arena *a, const struct dash_job *j, const char *scope, bool bureau, const char *district,
		 Safecampus__Dashboard *d)
{
	const PGresult *p = j->res[Q_PERIOD];
	const char *name = scope[0] ? school_name(j, scope) : district;
	unsigned self_rank = 0;
	int row;

	/* the bureau asked for a school the district does not have; a school
	 * always gets its own (its first Hello may not be recorded yet) */
	if (!name && bureau)
		return SC_ENOTFOUND;
	if (!name)
		name = scope;
	safecampus__dashboard__init(d);
	d->scope = (char *)scope;
	d->scope_label = (char *)name;
	d->period_start_date = (char *)val(p, 0, 0);
	d->period_end_date = (char *)val(p, 0, 1);
	d->as_of_date = (char *)val(p, 0, 2);
	d->computed_ms = (int64_t)hlc_wall_ms();
	d->indicators = build_indicators(a, j, scope, &d->n_indicators);
	row = find_row(j, scope, "period", "score");
	if (row >= 0 && !isnull(j->res[Q_VALUES], row, 3))
		d->score = num(j->res[Q_VALUES], row, 3);
	d->of_schools = (uint32_t)PQntuples(j->res[Q_SCHOOLS]);
	d->schools = build_ranking(a, j, scope[0] ? scope : NULL, bureau, &d->n_schools, &self_rank);
	d->rank = scope[0] ? self_rank : 0;
	d->alerts = build_alerts(a, j, scope, &d->n_alerts);
	d->trends = build_trends(a, j, scope, &d->n_trends);
	d->missing = build_missing(a, j, scope, &d->n_missing);
	d->hazard_ageing = build_ageing(a, j, scope, &d->n_hazard_ageing);
	if (bureau)
		d->health = build_health(a, j, scope, &d->n_health);
	return a->failed ? -ENOMEM : 0;
}

/* Keeps the packed Dashboard under the frame limit (minus the envelope's few
 * bytes): alert and missing lists first, then the schools' indicators. The
 * SQL already caps alerts per school and kind, so this is a last resort. */
static size_t fit(Safecampus__Dashboard *d, size_t max)
{
	size_t size = protobuf_c_message_get_packed_size(&d->base);
	bool trimmed = false;

	while (size > max && (d->n_alerts > 0 || d->n_missing > 0)) {
		d->n_alerts /= 2;
		d->n_missing /= 2;
		trimmed = true;
		size = protobuf_c_message_get_packed_size(&d->base);
	}
	for (size_t i = 0; size > max && i < d->n_schools; i++) {
		d->schools[i]->n_indicators = 0;
		trimmed = true;
		size = protobuf_c_message_get_packed_size(&d->base);
	}
	if (trimmed)
		log_warn("dashboard trimmed to fit a frame scope=\"%s\" bytes=%zu max=%zu", d->scope, size, max);
	return size;
}

/* ------------------------------------------------------------------ requests */

static int digits(const char *s, int n);

int dash__check_date(const char *s)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	return 0;
}

static int digits(const char *s, int n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Days since 1970-01-01 of a date dash__check_date accepted. */
static long days_from_civil(const char *s)
{
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool school_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

struct dash_req {
	struct conn *c;
	uint64_t rid;
	char scope[64];
	bool bureau;
	struct dash_job *job;
};

static void send_dashboard(struct conn *c, uint64_t rid, struct dash_job *j, const char *scope, bool bureau)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Dashboard d;
	struct arena a = {0};
	int rc = build(&a, j, scope, bureau, c->srv->cfg->district, &d);

	if (rc == SC_ENOTFOUND) {
		char why[120];
		snprintf(why, sizeof why, "no school \"%s\" in the district", scope);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST, why);
	} else if (rc) {
		log_error("dashboard not built conn=%s err=\"%s\"", conn_name(c), sc_strerror(rc));
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "dashboard failed; try again later");
	} else {
		size_t size = fit(&d, (size_t)c->srv->cfg->max_frame - 64);
		env.request_id = rid;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD;
		env.dashboard = &d;
		conn_send(c, &env);
		log_info("dashboard conn=%s scope=\"%s\" rid=%llu bytes=%zu db_ms=%llu build_ms=%llu", conn_name(c),
			 scope, (unsigned long long)rid, size,
			 (unsigned long long)((j->done_ns - j->started_ns) / 1000000),
			 (unsigned long long)((uv_hrtime() - j->done_ns) / 1000000));
	}
	arena_free_all(&a);
}

static void fail_job(struct conn *c, uint64_t rid, struct dash_job *j, const char *what)
{
	log_error("dashboard failed conn=%s %s %s", conn_name(c), what, j->why);
	if (j->retryable)
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE, "dashboard unavailable; try again later");
	else
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "dashboard failed; try again later");
}

static void on_request_done(struct dash_job *j, void *arg)
{
	struct dash_req *r = arg;
	struct conn *c = r->c;

	if (j->failed)
		fail_job(c, r->rid, j, "request");
	else
		send_dashboard(c, r->rid, j, r->scope, r->bureau);
	job_free(j);
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
			  "DashboardRequest: give both period_start_date and period_end_date, or neither");
		return;
	}
	if (start[0] && (days_from_civil(end) < days_from_civil(start) ||
			 days_from_civil(end) - days_from_civil(start) > 3 * 366)) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST,
			  "DashboardRequest: the period must end after it starts and span at most 3 years");
		return;
	}
	if (bureau && want[0] && !school_id_ok(want)) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_REQUEST, "DashboardRequest.school is not a school id");
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
	const char *focus[1] = {r->scope};
	/* the job bounds itself by request_timeout (job_run): nothing to abort */
	conn_request_begin(c, NULL, NULL);
	rc = job_run(c->srv->db, c->srv->request_timeout, start, end, as_of, focus, 1, on_request_done, r, &r->job);
	if (rc) {
		log_warn("dashboard not started conn=%s err=\"%s\"", conn_name(c), db_strerror(rc));
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE, "server busy; try again later");
		free(r);
		conn_request_done(c);
	}
}

/* ------------------------------------------------------------------ pushes */

struct dash_sched {
	struct server *s;
	uv_timer_t timer;
	char (*dirty)[64];      /* schools changed since the last computation */
	size_t ndirty, cap;
	bool district;          /* a change of any school or the bureau: the district's view */
	bool all;               /* a bureau row changed: every school's */
	bool running;           /* a computation is in flight */
	bool closing, timer_closed;
	/* what the computation in flight is for */
	char (*sent)[64];
	size_t nsent;
	bool sent_all;
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

static void on_timer(uv_timer_t *t)
{
	struct dash_sched *d = container_of(t, struct dash_sched, timer);
	struct server *s = d->s;
	const char **focus = NULL;
	size_t nfocus = 0, cap = 1;
	bool any = false;
	struct dash_job *job;
	int rc;

	if (d->running || d->closing)
		return;
	/* the schools to send to: subscribers whose school changed */
	for (struct conn *c = s->conns; c; c = c->next)
		if (wants(c))
			cap++;
	focus = calloc(cap, sizeof *focus);
	free(d->sent);
	d->sent = calloc(cap, sizeof *d->sent);
	d->nsent = 0;
	if (!focus || !d->sent) {
		free(focus);
		return;
	}
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
	if (!any) {
		free(focus);
		return;
	}
	for (size_t i = 0; i < d->nsent; i++)
		focus[nfocus++] = d->sent[i];
	d->running = true;
	rc = job_run(s->db, s->request_timeout, "", "", "", focus, nfocus, on_push_done, d, &job);
	free(focus);
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
	if (j->failed) {
		log_error("dashboard push failed %s", j->why);
	} else if (!d->closing) {
		for (struct conn *c = s->conns; c; c = c->next) {
			if (!wants(c))
				continue;
			const char *scope = is_bureau(c) ? "" : c->id.school;
			if (!in_list(d->sent, d->nsent, scope))
				continue;
			Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
			Safecampus__Dashboard db;
			struct arena a = {0};
			if (build(&a, j, scope, is_bureau(c), s->cfg->district, &db) == 0) {
				fit(&db, (size_t)s->cfg->max_frame - 64);
				env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD;
				env.dashboard = &db;
				conn_send(c, &env);
				sent++;
			}
			arena_free_all(&a);
		}
		log_info("dashboard pushed scopes=%zu connections=%u", d->nsent, sent);
	}
	job_free(j);
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

int dash__job_run(struct db_pool *pool, const char *timeout, const char *start, const char *end,
		  const char *as_of, const char *const *focus, size_t nfocus, dash_job_cb cb, void *arg,
		  struct dash_job **out)
{
	return job_run(pool, timeout, start, end, as_of, focus, nfocus, cb, arg, out);
}

int dash__job_status(const struct dash_job *j)
{
	return j->failed;
}

int dash__build_packed(struct dash_job *j, const char *scope, bool bureau, const char *district, size_t max_frame,
		       uint8_t **out, size_t *len)
{
	Safecampus__Dashboard d;
	struct arena a = {0};
	int rc = build(&a, j, scope, bureau, district, &d);

	*out = NULL;
	*len = 0;
	if (!rc) {
		*len = fit(&d, max_frame);
		*out = malloc(*len ? *len : 1);
		if (*out)
			protobuf_c_message_pack(&d.base, *out);
		else
			rc = -ENOMEM;
	}
	arena_free_all(&a);
	return rc;
}

void dash__job_free(struct dash_job *j)
{
	job_free(j);
}
