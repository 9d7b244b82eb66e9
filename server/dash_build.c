/* Dashboards: the Dashboard message built from the rows of one snapshot
 * (dash_int.h). */
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
#include "dash_int.h"
#include "util.h"


/* ------------------------------------------------------------------ building */

/* The indicators of one school ("" = district averages) for the period, with
 * the previous month's value for the trend arrow. */
static Safecampus__Indicator **build_indicators(struct arena *a, const struct dash_job *j,
						const char *school, size_t *n)
{
	const PGresult *cfg = j->res[Q_CONFIG], *v = j->res[Q_VALUES];
	int nk = PQntuples(cfg);
	Safecampus__Indicator **out = dash__az(a, (size_t)(nk ? nk : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int k = 0; k < nk; k++) {
		Safecampus__Indicator *ind = dash__az(a, sizeof *ind);
		if (!ind)
			return NULL;
		safecampus__indicator__init(ind);
		ind->key = (char *)dash__val(cfg, k, 0);
		ind->label = (char *)dash__val(cfg, k, 1);
		ind->unit = (char *)dash__val(cfg, k, 2);
		ind->higher_is_better = dash__val(cfg, k, 3)[0] == 't';
		ind->target = dash__num(cfg, k, 4);
		ind->weight = dash__num(cfg, k, 5);
		ind->detail = "";
		int row = dash__find_row(j, school, "period", ind->key);
		if (row >= 0) {
			ind->has_value = !dash__isnull(v, row, 3);
			ind->value = ind->has_value ? dash__num(v, row, 3) : 0;
			ind->score = dash__isnull(v, row, 4) ? 0 : dash__num(v, row, 4);
			ind->detail = (char *)dash__val(v, row, 7);
		}
		row = dash__find_row(j, school, "previous", ind->key);
		if (row >= 0 && !dash__isnull(v, row, 3)) {
			ind->has_previous = true;
			ind->previous = dash__num(v, row, 3);
		}
		out[(*n)++] = ind;
	}
	return out;
}

/* Month by month, for every indicator and the composite score. */
static Safecampus__Trend **build_trends(struct arena *a, const struct dash_job *j,
					const char *school, size_t *n)
{
	const PGresult *cfg = j->res[Q_CONFIG], *v = j->res[Q_VALUES], *m = j->res[Q_MONTHS];
	int nk = PQntuples(cfg), nm = PQntuples(m);
	Safecampus__Trend **out = dash__az(a, (size_t)(nk + 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int k = 0; k <= nk; k++) {
		Safecampus__Trend *t = dash__az(a, sizeof *t);
		Safecampus__MonthValue **mv = dash__az(a, (size_t)(nm ? nm : 1) * sizeof *mv);
		if (!t || !mv)
			return NULL;
		safecampus__trend__init(t);
		t->key = k < nk ? (char *)dash__val(cfg, k, 0) : "score";
		t->months = mv;
		for (int i = 0; i < nm; i++) {
			Safecampus__MonthValue *x = dash__az(a, sizeof *x);
			if (!x)
				return NULL;
			safecampus__month_value__init(x);
			x->month = (char *)dash__val(m, i, 0);
			int row = dash__find_row(j, school, x->month, t->key);
			if (row >= 0 && !dash__isnull(v, row, 3)) {
				x->has_value = true;
				x->value = dash__num(v, row, 3);
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
	uint64_t pending; /* unsent records its clients reported */
	int64_t oldest_ms;
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
static Safecampus__SchoolScore **build_ranking(struct arena *a, const struct dash_job *j,
					       const char *self, bool named, size_t *n,
					       unsigned *self_rank)
{
	const PGresult *s = j->res[Q_SCHOOLS], *v = j->res[Q_VALUES];
	int ns = PQntuples(s);
	struct ranked *rk = dash__az(a, (size_t)(ns ? ns : 1) * sizeof *rk);
	Safecampus__SchoolScore **out = dash__az(a, (size_t)(ns ? ns : 1) * sizeof *out);

	*n = 0;
	*self_rank = 0;
	if (!rk || !out)
		return NULL;
	for (int i = 0; i < ns; i++) {
		int row = dash__find_row(j, dash__val(s, i, 0), "period", "score");
		rk[i].school = dash__val(s, i, 0);
		rk[i].rank = (unsigned)ns;
		rk[i].pending = strtoull(dash__val(s, i, 2), NULL, 10);
		rk[i].oldest_ms = strtoll(dash__val(s, i, 3), NULL, 10);
		if (row >= 0) {
			rk[i].has_score = !dash__isnull(v, row, 3);
			rk[i].score = rk[i].has_score ? dash__num(v, row, 3) : 0;
			rk[i].rank = (unsigned)dash__num(v, row, 5);
		}
	}
	qsort(rk, (size_t)ns, sizeof *rk, by_rank);
	for (int i = 0; i < ns; i++) {
		Safecampus__SchoolScore *ss = dash__az(a, sizeof *ss);
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
			ss->label = (char *)dash__school_name(j, rk[i].school);
			ss->outbox_pending = rk[i].pending;
			ss->oldest_pending_ms = rk[i].oldest_ms;
		} else {
			char label[32];
			snprintf(label, sizeof label, "School %d", i + 1);
			ss->school = "";
			ss->label = dash__astrdup(a, label);
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

static Safecampus__Alert **build_alerts(struct arena *a, const struct dash_job *j,
					const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_ALERTS];
	int rows = PQntuples(r);
	Safecampus__Alert **out = dash__az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, dash__val(r, i, 0)))
			continue;
		Safecampus__Alert *al = dash__az(a, sizeof *al);
		if (!al)
			return NULL;
		safecampus__alert__init(al);
		al->school = (char *)dash__val(r, i, 0);
		al->kind = (char *)dash__val(r, i, 1);
		al->record_id = (char *)dash__val(r, i, 2);
		al->title = (char *)dash__val(r, i, 3);
		al->since_date = (char *)dash__val(r, i, 4);
		al->severity = severity_of(dash__val(r, i, 5));
		out[(*n)++] = al;
	}
	return out;
}

static int by_school_due(const void *pa, const void *pb)
{
	const Safecampus__MissingSubmission *a = *(Safecampus__MissingSubmission *const *)pa;
	const Safecampus__MissingSubmission *b = *(Safecampus__MissingSubmission *const *)pb;
	int c = strcmp(a->school, b->school);

	if (!c)
		c = strcmp(a->due_date, b->due_date);
	return c ? c : strcmp(a->what, b->what);
}

/* The district view's "1530" line of a school: sessions due and not held
 * over the period, from the values already computed (per class only in a
 * school's own view: sc_missing). NULL when nothing is missing. */
static Safecampus__MissingSubmission *missing_1530(struct arena *a, const struct dash_job *j,
						   const char *school)
{
	const PGresult *v = j->res[Q_VALUES];
	int row = dash__find_row(j, school, "period", "education_1530");
	char what[96];

	if (row < 0 || dash__isnull(v, row, 5) || dash__isnull(v, row, 6))
		return NULL;
	double held = dash__num(v, row, 5), due = dash__num(v, row, 6);
	if (due <= held)
		return NULL;
	Safecampus__MissingSubmission *m = dash__az(a, sizeof *m);
	if (!m)
		return NULL;
	safecampus__missing_submission__init(m);
	snprintf(what, sizeof what, "\"1530\" sessions: %.0f of %.0f not held", due - held, due);
	m->school = (char *)school;
	m->what = dash__astrdup(a, what);
	m->due_date = dash__isnull(j->res[Q_PERIOD], 0, 4)
			      ? ""
			      : (char *)dash__val(j->res[Q_PERIOD], 0, 4);
	m->record_id = "";
	m->kind = "education_1530";
	return m;
}

static Safecampus__MissingSubmission **build_missing(struct arena *a, const struct dash_job *j,
						     const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_MISSING], *s = j->res[Q_SCHOOLS];
	int rows = PQntuples(r), ns = PQntuples(s);
	Safecampus__MissingSubmission **out = dash__az(a, (size_t)(rows + ns + 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, dash__val(r, i, 0)))
			continue;
		Safecampus__MissingSubmission *m = dash__az(a, sizeof *m);
		if (!m)
			return NULL;
		safecampus__missing_submission__init(m);
		m->school = (char *)dash__val(r, i, 0);
		m->what = (char *)dash__val(r, i, 1);
		m->due_date = (char *)dash__val(r, i, 2);
		m->record_id = (char *)dash__val(r, i, 3);
		m->kind = (char *)dash__val(r, i, 4);
		out[(*n)++] = m;
	}
	if (!scope[0]) {
		for (int i = 0; i < ns; i++) {
			Safecampus__MissingSubmission *m = missing_1530(a, j, dash__val(s, i, 0));
			if (m)
				out[(*n)++] = m;
		}
		qsort(out, *n, sizeof *out, by_school_due);
	}
	return a->failed ? NULL : out;
}

static Safecampus__AgeBucket **build_ageing(struct arena *a, const struct dash_job *j,
					    const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_AGEING];
	int rows = PQntuples(r);
	Safecampus__AgeBucket **out = dash__az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (strcmp(dash__val(r, i, 0), scope))
			continue;
		Safecampus__AgeBucket *b = dash__az(a, sizeof *b);
		if (!b)
			return NULL;
		safecampus__age_bucket__init(b);
		b->label = (char *)dash__val(r, i, 1);
		b->open = (uint32_t)strtoul(dash__val(r, i, 2), NULL, 10);
		b->overdue = (uint32_t)strtoul(dash__val(r, i, 3), NULL, 10);
		out[(*n)++] = b;
	}
	return out;
}

static Safecampus__SyncHealth **build_health(struct arena *a, const struct dash_job *j,
					     const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_HEALTH];
	int rows = PQntuples(r);
	Safecampus__SyncHealth **out = dash__az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, dash__val(r, i, 0)))
			continue;
		Safecampus__SyncHealth *h = dash__az(a, sizeof *h);
		if (!h)
			return NULL;
		safecampus__sync_health__init(h);
		h->school = (char *)dash__val(r, i, 0);
		h->campus = (char *)dash__val(r, i, 1);
		h->last_contact_ms = strtoll(dash__val(r, i, 2), NULL, 10);
		h->outbox_pending = strtoull(dash__val(r, i, 3), NULL, 10);
		h->oldest_pending_ms = strtoll(dash__val(r, i, 4), NULL, 10);
		h->last_sync_ms = strtoll(dash__val(r, i, 5), NULL, 10);
		out[(*n)++] = h;
	}
	return out;
}

/* "{a,b,c}" (a text[] of uuids: no quotes, no commas inside) into ids. */
static char **split_ids(struct arena *a, const char *lit, size_t *n)
{
	size_t len = strlen(lit), cap = 1;
	char *s = dash__astrdup(a, lit);

	*n = 0;
	for (size_t i = 0; i < len; i++)
		cap += lit[i] == ',';
	char **out = dash__az(a, cap * sizeof *out);
	if (!s || !out || len < 2)
		return out;
	s[len - 1] = '\0';
	for (char *p = s + 1, *q; *p; p = q) {
		q = p + strcspn(p, ",");
		if (*q)
			*q++ = '\0';
		out[(*n)++] = p;
	}
	return out;
}

static Safecampus__Flag **build_flags(struct arena *a, const struct dash_job *j, const char *scope,
				      size_t *n)
{
	const PGresult *r = j->res[Q_FLAGS];
	int rows = PQntuples(r);
	Safecampus__Flag **out = dash__az(a, (size_t)(rows ? rows : 1) * sizeof *out);

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		if (!concerns(scope, dash__val(r, i, 0)))
			continue;
		Safecampus__Flag *f = dash__az(a, sizeof *f);
		if (!f)
			return NULL;
		safecampus__flag__init(f);
		f->school = (char *)dash__val(r, i, 0);
		f->kind = (char *)dash__val(r, i, 1);
		f->title = (char *)dash__val(r, i, 2);
		f->date = (char *)dash__val(r, i, 3);
		f->record_ids = split_ids(a, dash__val(r, i, 4), &f->n_record_ids);
		out[(*n)++] = f;
	}
	return out;
}

/* ------------------------------------------------------------------ rates */

/* The data sets of the rates table, in the order shown; the first five come
 * from sc_rates_of (029_rates.sql), "1530" from the values. */
static const char *const rate_kinds[] = { "notice_report",   "drill",          "letter",
					  "equipment_check", "bus_inspection", "education_1530" };
#define N_RATE_KINDS (sizeof rate_kinds / sizeof rate_kinds[0])

static Safecampus__ReportingRate *rate_new(struct arena *a, const char *school, const char *kind,
					   uint32_t expected, uint32_t received, uint32_t on_time)
{
	Safecampus__ReportingRate *r = dash__az(a, sizeof *r);

	if (!r)
		return NULL;
	safecampus__reporting_rate__init(r);
	r->school = (char *)school;
	r->kind = (char *)kind;
	r->expected = expected;
	r->received = received;
	r->on_time = on_time;
	return r;
}

static uint32_t count_of(const PGresult *r, int row, int col)
{
	if (dash__isnull(r, row, col))
		return 0;
	double v = dash__num(r, row, col);
	return v > 0 ? (uint32_t)(v + 0.5) : 0;
}

/* A school's "1530" row: sessions due and held over the period, the values'
 * education_1530 (den, num); a session is held only on its day or in its
 * week, so every one held is on time. */
static Safecampus__ReportingRate *rate_1530(struct arena *a, const struct dash_job *j,
					    const char *school)
{
	const PGresult *v = j->res[Q_VALUES];
	int row = dash__find_row(j, school, "period", "education_1530");
	uint32_t held = row >= 0 ? count_of(v, row, 5) : 0;
	uint32_t due = row >= 0 ? count_of(v, row, 6) : 0;

	return rate_new(a, school, "education_1530", due, held > due ? due : held,
			held > due ? due : held);
}

/* The rates of scope's schools (each school's rows together, in rate_kinds'
 * order); for the district ("") also its own rows, school "": the sums of
 * every school's counts (DHIS2 sums; a mean of rates would weigh a school
 * that owes 2 submissions like one that owes 200). */
static Safecampus__ReportingRate **build_rates(struct arena *a, const struct dash_job *j,
					       const char *scope, size_t *n)
{
	const PGresult *r = j->res[Q_RATES];
	int rows = PQntuples(r), ns = PQntuples(j->res[Q_SCHOOLS]);
	Safecampus__ReportingRate **out =
		dash__az(a, ((size_t)rows + (size_t)ns + N_RATE_KINDS + 1) * sizeof *out);
	uint32_t sum[N_RATE_KINDS][3] = { { 0 } };

	*n = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < rows; i++) {
		const char *school = dash__val(r, i, 0);
		if (!concerns(scope, school))
			continue;
		Safecampus__ReportingRate *x =
			rate_new(a, school, dash__val(r, i, 1), count_of(r, i, 2),
				 count_of(r, i, 3), count_of(r, i, 4));
		if (!x)
			return NULL;
		out[(*n)++] = x;
		/* a school's rows end: its "1530" row after them */
		if (i + 1 == rows || strcmp(dash__val(r, i + 1, 0), school)) {
			x = rate_1530(a, j, school);
			if (!x)
				return NULL;
			out[(*n)++] = x;
		}
	}
	if (scope[0])
		return out;
	for (size_t i = 0; i < *n; i++)
		for (size_t k = 0; k < N_RATE_KINDS; k++)
			if (!strcmp(out[i]->kind, rate_kinds[k])) {
				sum[k][0] += out[i]->expected;
				sum[k][1] += out[i]->received;
				sum[k][2] += out[i]->on_time;
			}
	for (size_t k = 0; k < N_RATE_KINDS; k++) {
		Safecampus__ReportingRate *x =
			rate_new(a, "", rate_kinds[k], sum[k][0], sum[k][1], sum[k][2]);
		if (!x)
			return NULL;
		out[(*n)++] = x;
	}
	return out;
}

/* Fills d for scope ("" = the district). bureau: names, every school's
 * indicators and the sync health; otherwise the view of that school.
 * SC_ENOTFOUND if scope is not a school of the district; -ENOMEM. */
int dash__build(struct arena *a, const struct dash_job *j, const char *scope, bool bureau,
		const char *district, Safecampus__Dashboard *d)
{
	const PGresult *p = j->res[Q_PERIOD];
	const char *name = scope[0] ? dash__school_name(j, scope) : district;
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
	d->period_start_date = (char *)dash__val(p, 0, 0);
	d->period_end_date = (char *)dash__val(p, 0, 1);
	d->as_of_date = (char *)dash__val(p, 0, 2);
	d->computed_ms = (int64_t)hlc_wall_ms();
	d->indicators = build_indicators(a, j, scope, &d->n_indicators);
	row = dash__find_row(j, scope, "period", "score");
	if (row >= 0 && !dash__isnull(j->res[Q_VALUES], row, 3))
		d->score = dash__num(j->res[Q_VALUES], row, 3);
	d->of_schools = (uint32_t)PQntuples(j->res[Q_SCHOOLS]);
	d->schools =
		build_ranking(a, j, scope[0] ? scope : NULL, bureau, &d->n_schools, &self_rank);
	d->rank = scope[0] ? self_rank : 0;
	d->alerts = build_alerts(a, j, scope, &d->n_alerts);
	d->trends = build_trends(a, j, scope, &d->n_trends);
	d->missing = build_missing(a, j, scope, &d->n_missing);
	d->hazard_ageing = build_ageing(a, j, scope, &d->n_hazard_ageing);
	d->rates = build_rates(a, j, scope, &d->n_rates);
	if (!dash__isnull(p, 0, 5)) {
		d->rules = dash__az(a, sizeof *d->rules);
		if (d->rules) {
			safecampus__district_rules__init(d->rules);
			d->rules->letters_due_days = (uint32_t)dash__num(p, 0, 5);
		}
	}
	if (bureau) {
		d->health = build_health(a, j, scope, &d->n_health);
		d->flags = build_flags(a, j, scope, &d->n_flags);
	}
	return a->failed ? -ENOMEM : 0;
}

/* Keeps the packed Dashboard under the frame limit (minus the envelope's few
 * bytes): alert and missing lists first, then the schools' indicators. The
 * SQL already caps alerts per school and kind, so this is a last resort. */
size_t dash__fit(Safecampus__Dashboard *d, size_t max)
{
	size_t size = protobuf_c_message_get_packed_size(&d->base);
	bool trimmed = false;

	while (size > max && (d->n_alerts > 0 || d->n_missing > 0 || d->n_flags > 0)) {
		d->n_alerts /= 2;
		d->n_missing /= 2;
		d->n_flags /= 2;
		trimmed = true;
		size = protobuf_c_message_get_packed_size(&d->base);
	}
	for (size_t i = 0; size > max && i < d->n_schools; i++) {
		d->schools[i]->n_indicators = 0;
		trimmed = true;
		size = protobuf_c_message_get_packed_size(&d->base);
	}
	if (trimmed)
		log_warn("dashboard trimmed to fit a frame scope=\"%s\" bytes=%zu max=%zu",
			 d->scope, size, max);
	return size;
}
