/* A realistic Dashboard built by hand (see dash_fixture.h). Everything is
 * allocated in an arena, packed, and unpacked again, so the caller gets one
 * message it frees with free_unpacked. */
#include "dash_fixture.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena {
	void **p;
	size_t n, cap;
	bool oom;
};

static void *A(struct arena *a, size_t size)
{
	void *m;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		void **p = realloc(a->p, cap * sizeof *p);
		if (!p) {
			a->oom = true;
			return NULL;
		}
		a->p = p;
		a->cap = cap;
	}
	m = calloc(1, size ? size : 1);
	if (!m) {
		a->oom = true;
		return NULL;
	}
	a->p[a->n++] = m;
	return m;
}

static char *S(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *S(struct arena *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s = A(a, strlen(buf) + 1);
	if (s)
		memcpy(s, buf, strlen(buf) + 1);
	return s;
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
}

/* ---------------------------------------------------------------- data */

static const struct {
	const char *id, *name;
	double quality; /* 0..1: how well the school does its safety work */
	int campuses;
	bool buses;
} schools[DASH_FIXTURE_SCHOOLS] = {
	{ "s01", "Chengnan Primary School", 0.93, 2, true },
	{ "s02", "Xinhua Road Primary School", 0.81, 1, true },
	{ "s03", "Binjiang Experimental School", 0.86, 2, true },
	{ "s04", "Hongqi Middle School", 0.62, 1, false },
	{ "s05", "Dongfeng Primary School", 0.77, 1, true },
	{ "s06", "Qingshan Lake Primary School", 0.90, 1, true },
	{ "s07", "Hope & Light Primary School", 0.71, 1, false },
	{ "s08", "Guangming Middle School", 0.84, 2, true },
	{ "s09", "Yuhua Primary School", 0.58, 1, true },
	{ "s10", "Jinqiao Primary School", 0.88, 1, false },
	{ "s11", "Shuguang Middle School", 0.74, 1, true },
	{ "s12", "Minzhu Road Primary School", 0.66, 1, false },
};

enum unit { PCT, COUNT, DAYS };

/* The server's indicators (server/sql/004_dashboard.sql), weights in percent. */
static const struct {
	const char *key, *label;
	enum unit unit;
	double target, worst, weight; /* worst < 0: none */
	bool hib;
} inds[] = {
	{ "drills", "Months with a drill that had a plan and feedback", PCT, 100, -1, 15, true },
	{ "education_1530", "\"1530\" safety education: sessions held of sessions due", PCT, 95, -1,
	  15, true },
	{ "education_daily", "\"1530\" daily 1 minute before dismissal", PCT, 95, -1, 0, true },
	{ "education_weekly", "\"1530\" weekly 10-minute assembly", PCT, 95, -1, 0, true },
	{ "education_weekend", "\"1530\" 5 minutes before the weekend", PCT, 95, -1, 0, true },
	{ "education_holiday", "\"1530\" 30 minutes before a holiday", PCT, 95, -1, 0, true },
	{ "hazards_open", "Hazards open (not yet verified)", COUNT, 0, -1, 0, false },
	{ "hazards_overdue", "Hazards past their deadline, not verified", COUNT, 0, 5, 15, false },
	{ "hazard_verify_days", "Median days from report to verification", DAYS, 14, 60, 5, false },
	{ "letters", "Current staff holding this year's responsibility letter", PCT, 100, -1, 10,
	  true },
	{ "notices_acknowledged", "Notices acknowledged", PCT, 100, -1, 0, true },
	{ "notices_on_time", "Notices implemented on time", PCT, 100, -1, 10, true },
	{ "notices_late", "Notices implemented late", COUNT, 0, -1, 0, false },
	{ "notices_missing", "Notices past due without a report", COUNT, 0, -1, 0, false },
	{ "bus_mismatch", "Bus trips with a boarded/alighted mismatch", COUNT, 0, 3, 10, false },
	{ "bus_inspection_overdue", "Buses with inspection overdue", COUNT, 0, 2, 5, false },
	{ "equipment_overdue", "Equipment checks overdue", COUNT, 0, 5, 5, false },
	{ "gate_duty", "School days with both gate shifts staffed", PCT, 95, -1, 5, true },
	{ "risks_open", "Known risks not removed", COUNT, 0, -1, 0, false },
	{ "risks_overdue", "Known risks past their planned date", COUNT, 0, 3, 5, false },
};
#define NIND (sizeof inds / sizeof inds[0])

static const char *const months[DASH_FIXTURE_MONTHS] = { "2026-06", "2026-07", "2026-08",
							 "2026-09", "2026-10", "2026-11" };

static const char *unit_name(enum unit u)
{
	return u == PCT ? "%" : u == DAYS ? "days" : "count";
}

/* Deterministic noise in [-1, 1] from (school, indicator, month). */
static double noise(int s, int i, int m)
{
	unsigned x = (unsigned)(s * 7919 + i * 104729 + m * 1299709 + 12345);

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return (double)(x % 2001) / 1000.0 - 1.0;
}

/* The value of indicator i for school s in month m (m = 5 is the current month). */
static bool value(int s, int i, int m, double *v)
{
	double q = schools[s].quality + 0.02 * (m - 5); /* everyone improves a little */
	double n = noise(s, i, m);

	if (strncmp(inds[i].key, "bus", 3) == 0 && !schools[s].buses)
		return false;
	if (strncmp(inds[i].key, "education", 9) == 0 && m == 2)
		return false; /* August: summer, no sessions due */
	if (strcmp(inds[i].key, "education_holiday") == 0 && m != 3 && m != 4)
		return false; /* holidays in the period: Mid-Autumn (09) and National Day (10) */
	switch (inds[i].unit) {
	case PCT:
		*v = fmin(100, fmax(20, 100 * (q + 0.06 * n) + 6));
		*v = round(*v * 10) / 10;
		break;
	case DAYS:
		*v = round(fmax(3, 34 * (1.05 - q) + 4 * n + 6) * 10) / 10;
		break;
	case COUNT:
		if (strcmp(inds[i].key, "hazards_open") == 0)
			*v = round(fmax(0, 12 * (1 - q) + 2 * n + 1));
		else if (strcmp(inds[i].key, "risks_open") == 0)
			*v = q < 0.8 ? 2 : 1;
		else if (strcmp(inds[i].key, "risks_overdue") == 0)
			*v = q < 0.7 ? 1 : 0;
		else
			*v = round(fmax(0, 6 * (0.85 - q) + 1.2 * n));
		break;
	}
	return true;
}

/* As the server's sc_score: higher-is-better v / target; lower-is-better 100
 * at the target, falling to 0 at worst (no worst: 0 above the target). */
static double ind_score(int i, double v)
{
	if (inds[i].hib)
		return fmin(100, v / inds[i].target * 100);
	if (v <= inds[i].target)
		return 100;
	if (inds[i].worst <= inds[i].target)
		return 0;
	return fmax(0, 100 * (inds[i].worst - v) / (inds[i].worst - inds[i].target));
}

static double composite(int s, int m)
{
	double sum = 0, w = 0, v;

	for (size_t i = 0; i < NIND; i++)
		if (inds[i].weight > 0 && value(s, (int)i, m, &v)) {
			sum += inds[i].weight * ind_score((int)i, v);
			w += inds[i].weight;
		}
	return w > 0 ? round(sum / w * 10) / 10 : 0;
}

static const char *detail(struct arena *a, int i, double v)
{
	if (strcmp(inds[i].key, "drills") == 0)
		return S(a, "%.0f of 6 months", round(v / 100 * 6));
	if (strcmp(inds[i].key, "education_1530") == 0)
		return S(a, "%.0f of 1,440 sessions due", round(v / 100 * 1440));
	if (strcmp(inds[i].key, "letters") == 0)
		return S(a, "%.0f of 71 staff hold a 2026 letter", round(v / 100 * 71));
	if (strcmp(inds[i].key, "gate_duty") == 0)
		return S(a, "%.0f of 112 school days", round(v / 100 * 112));
	if (strcmp(inds[i].key, "hazard_verify_days") == 0)
		return "median of 9 hazards verified";
	return "";
}

static Safecampus__Indicator *indicator(struct arena *a, int s, int i, const double *avg,
					bool has_avg)
{
	Safecampus__Indicator *x = A(a, sizeof *x);
	double v = 0, p = 0;

	if (!x)
		return NULL;
	safecampus__indicator__init(x);
	x->key = (char *)inds[i].key;
	x->label = (char *)inds[i].label;
	x->unit = (char *)unit_name(inds[i].unit);
	x->target = inds[i].target;
	x->higher_is_better = inds[i].hib;
	x->weight = inds[i].weight;
	if (s < 0) {
		x->has_value = has_avg;
		x->value = avg[0];
		x->has_previous = true;
		x->previous = avg[1];
	} else {
		x->has_value = value(s, i, 5, &v);
		x->value = v;
		x->has_previous = value(s, i, 4, &p);
		x->previous = p;
	}
	x->score = x->has_value ? round(ind_score(i, x->value)) : 0;
	if (s < 0)
		x->detail = S(a, "%d of 12 schools", strncmp(inds[i].key, "bus", 3) == 0 ? 8 : 12);
	else if (x->has_value)
		x->detail = (char *)detail(a, i, x->value);
	else
		x->detail = strncmp(inds[i].key, "bus", 3) == 0 ? "no school buses"
								: "nothing due this month";
	return x;
}

static Safecampus__MonthValue *month_value(struct arena *a, int m, bool has, double v)
{
	Safecampus__MonthValue *x = A(a, sizeof *x);

	if (!x)
		return NULL;
	safecampus__month_value__init(x);
	x->month = (char *)months[m];
	x->has_value = has;
	x->value = has ? round(v * 10) / 10 : 0;
	return x;
}

/* District average of indicator i (or the score, i < 0) in month m. */
static bool district_avg(int i, int m, double *out)
{
	double sum = 0, v;
	int n = 0;

	for (int s = 0; s < DASH_FIXTURE_SCHOOLS; s++) {
		if (i < 0) {
			sum += composite(s, m);
			n++;
		} else if (value(s, i, m, &v)) {
			sum += v;
			n++;
		}
	}
	if (!n)
		return false;
	*out = round(sum / n * 10) / 10;
	return true;
}

static Safecampus__Trend *trend(struct arena *a, const char *key, int s, int i)
{
	Safecampus__Trend *t = A(a, sizeof *t);
	Safecampus__MonthValue **mv = A(a, DASH_FIXTURE_MONTHS * sizeof *mv);

	if (!t || !mv)
		return NULL;
	safecampus__trend__init(t);
	t->key = (char *)key;
	t->n_months = DASH_FIXTURE_MONTHS;
	t->months = mv;
	for (int m = 0; m < DASH_FIXTURE_MONTHS; m++) {
		double v = 0;
		bool has;
		if (s < 0)
			has = district_avg(i, m, &v);
		else if (i < 0)
			has = true, v = composite(s, m);
		else
			has = value(s, i, m, &v);
		mv[m] = month_value(a, m, has, v);
	}
	return t;
}

struct alert_def {
	int school;
	const char *kind, *title, *since, *record_id;
	Safecampus__Severity sev;
};

static const struct alert_def alert_defs[] = {
	{ 2, "hazard_overdue", "Fire door on the east stairwell does not close", "2026-11-02",
	  DASH_FIXTURE_HAZARD_ID, SAFECAMPUS__SEVERITY__SEVERITY_HIGH },
	{ 2, "notice_missing", "Drowning prevention campaign: no implementation report",
	  "2026-11-15", DASH_FIXTURE_NOTICE_ID, SAFECAMPUS__SEVERITY__SEVERITY_HIGH },
	{ 2, "month_without_drill", "No drill in 2026-10", "2026-10-31", "",
	  SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM },
	{ 3, "hazard_overdue", "Cracked ceiling plaster above classroom 3-2", "2026-09-20",
	  "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL },
	{ 3, "month_without_drill", "No drill in 2026-11", "2026-11-29", "",
	  SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM },
	{ 8, "bus_mismatch", "Bus ZA-31207, 2026-11-20 afternoon: 41 boarded, 40 alighted",
	  "2026-11-20", "7c6b5a49-3827-4165-9a0b-1c2d3e4f5a6b",
	  SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL },
	{ 8, "equipment_overdue", "Gas-leak alarm, canteen kitchen: yearly check overdue",
	  "2026-10-15", "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170",
	  SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM },
	{ 6, "notice_missing", "\"119\" fire safety day: no implementation report", "2026-11-12",
	  "2b3c4d5e-6f70-4812-93a4-b5c6d7e8f901", SAFECAMPUS__SEVERITY__SEVERITY_HIGH },
	{ 11, "risk_overdue", "Canteen LPG stoves: conversion to electric past its planned date",
	  "2026-09-01", "3f2e1d0c-9b8a-4766-a554-433221100fed",
	  SAFECAMPUS__SEVERITY__SEVERITY_LOW },
	{ 4, "hazard_overdue", "Loose handrail, south playground steps", "2026-11-18",
	  "8d7c6b5a-4938-4271-a60f-e1d2c3b4a596", SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM },
	{ 10, "equipment_overdue", "Fire extinguishers, building B: monthly check overdue",
	  "2026-11-05", "4c3b2a19-0817-4f6e-a5d4-c3b2a1908f7e",
	  SAFECAMPUS__SEVERITY__SEVERITY_LOW },
};

static const struct {
	int school;
	const char *what, *due, *record_id;
} missing_defs[] = {
	{ 2, "drill for 2026-10", "2026-10-31", "" },
	{ 2, "notice report: Drowning prevention campaign", "2026-11-15", DASH_FIXTURE_NOTICE_ID },
	{ 3, "drill for 2026-10", "2026-10-31", "" },
	{ 6, "notice report: \"119\" fire safety day", "2026-11-12",
	  "2b3c4d5e-6f70-4812-93a4-b5c6d7e8f901" },
	{ 8, "notice report: Drowning prevention campaign", "2026-11-15", DASH_FIXTURE_NOTICE_ID },
	{ 11, "responsibility letters for 2026 (12 staff without one)", "2026-09-30", "" },
};

const char *dash_fixture_name(const char *school, bool hostile)
{
	for (int s = 0; s < DASH_FIXTURE_SCHOOLS; s++)
		if (strcmp(schools[s].id, school) == 0)
			return hostile && s == 8 ? DASH_FIXTURE_HOSTILE_NAME : schools[s].name;
	return NULL;
}

static int school_index(const char *id)
{
	for (int s = 0; s < DASH_FIXTURE_SCHOOLS; s++)
		if (id && strcmp(schools[s].id, id) == 0)
			return s;
	return -1;
}

Safecampus__Dashboard *dash_fixture_new(const struct dash_fixture_opts *o)
{
	struct arena a = { 0 };
	Safecampus__Dashboard d = SAFECAMPUS__DASHBOARD__INIT, *out = NULL;
	int self = o->bureau ? school_index(o->school) : school_index(DASH_FIXTURE_SELF);
	bool district = o->bureau && self < 0;
	int rank[DASH_FIXTURE_SCHOOLS];
	double avg_score = 0;
	const int64_t day = 86400000;
	int64_t now = o->computed_ms;

	/* ranks by the current month's composite score */
	for (int s = 0; s < DASH_FIXTURE_SCHOOLS; s++) {
		rank[s] = 1;
		for (int t = 0; t < DASH_FIXTURE_SCHOOLS; t++)
			if (composite(t, 5) > composite(s, 5) ||
			    (composite(t, 5) == composite(s, 5) && t < s))
				rank[s]++;
		avg_score += composite(s, 5) / DASH_FIXTURE_SCHOOLS;
	}
	d.scope = district ? "" : (char *)schools[self].id;
	d.scope_label = district ? "District 1 (all schools)"
				 : (char *)dash_fixture_name(schools[self].id, o->hostile);
	d.period_start_date = "2026-06-01";
	d.period_end_date = "2026-11-30";
	d.as_of_date = "2026-11-29";
	d.computed_ms = o->computed_ms;
	d.of_schools = DASH_FIXTURE_SCHOOLS;
	d.score = district ? round(avg_score * 10) / 10 : composite(self, 5);
	d.rank = district ? 0 : (uint32_t)rank[self];

	/* indicators: the scope's, or district averages */
	d.n_indicators = NIND;
	d.indicators = A(&a, NIND * sizeof *d.indicators);
	for (size_t i = 0; i < NIND && d.indicators; i++) {
		double avg[2] = { 0, 0 };
		bool has = true;
		if (district) {
			has = district_avg((int)i, 5, &avg[0]);
			(void)district_avg((int)i, 4, &avg[1]);
		}
		d.indicators[i] = indicator(&a, district ? -1 : self, (int)i, avg, has);
	}

	/* the ranking, best first */
	d.n_schools = DASH_FIXTURE_SCHOOLS;
	d.schools = A(&a, DASH_FIXTURE_SCHOOLS * sizeof *d.schools);
	for (int k = 1; k <= DASH_FIXTURE_SCHOOLS && d.schools; k++)
		for (int s = 0; s < DASH_FIXTURE_SCHOOLS; s++) {
			Safecampus__SchoolScore *x;
			if (rank[s] != k)
				continue;
			x = A(&a, sizeof *x);
			if (!x)
				break;
			safecampus__school_score__init(x);
			x->rank = (uint32_t)k;
			x->score = composite(s, 5);
			x->is_self = !o->bureau && s == self;
			if (o->bureau || s == self || o->leak_names) {
				x->school = (char *)schools[s].id;
				x->label = (char *)dash_fixture_name(schools[s].id, o->hostile);
			} else {
				x->school = "";
				/* a stable number that is not the rank, as a server would give */
				x->label =
					S(&a, "School %d", (s * 5 + 3) % DASH_FIXTURE_SCHOOLS + 1);
			}
			if ((o->bureau || s == self) && s == 3) { /* its health below: 17 unsent */
				x->outbox_pending = 17;
				x->oldest_pending_ms = now - 6 * day;
			}
			if (o->bureau) {
				x->n_indicators = NIND;
				x->indicators = A(&a, NIND * sizeof *x->indicators);
				for (size_t i = 0; i < NIND && x->indicators; i++)
					x->indicators[i] = indicator(&a, s, (int)i, NULL, false);
			}
			d.schools[k - 1] = x;
		}

	/* trends: the score and every indicator */
	d.n_trends = NIND + 1;
	d.trends = A(&a, d.n_trends * sizeof *d.trends);
	if (d.trends) {
		d.trends[0] = trend(&a, "score", district ? -1 : self, -1);
		for (size_t i = 0; i < NIND; i++)
			d.trends[i + 1] = trend(&a, inds[i].key, district ? -1 : self, (int)i);
	}

	/* alerts and missing submissions of the scope */
	d.alerts = A(&a, sizeof alert_defs / sizeof alert_defs[0] * sizeof *d.alerts);
	for (size_t i = 0; i < sizeof alert_defs / sizeof alert_defs[0] && d.alerts; i++) {
		const struct alert_def *ad = &alert_defs[i];
		Safecampus__Alert *x;
		if (!district && ad->school != self)
			continue;
		x = A(&a, sizeof *x);
		if (!x)
			break;
		safecampus__alert__init(x);
		x->kind = (char *)ad->kind;
		x->school = (char *)schools[ad->school].id;
		x->record_id = (char *)ad->record_id;
		x->title = (char *)ad->title;
		x->since_date = (char *)ad->since;
		x->severity = ad->sev;
		d.alerts[d.n_alerts++] = x;
	}
	d.missing = A(&a, sizeof missing_defs / sizeof missing_defs[0] * sizeof *d.missing);
	for (size_t i = 0; i < sizeof missing_defs / sizeof missing_defs[0] && d.missing; i++) {
		Safecampus__MissingSubmission *x;
		if (!district && missing_defs[i].school != self)
			continue;
		x = A(&a, sizeof *x);
		if (!x)
			break;
		safecampus__missing_submission__init(x);
		x->school = (char *)schools[missing_defs[i].school].id;
		x->what = (char *)missing_defs[i].what;
		x->due_date = (char *)missing_defs[i].due;
		x->record_id = (char *)missing_defs[i].record_id;
		d.missing[d.n_missing++] = x;
	}

	/* reporting rates (029_rates.sql): six data sets a school; some owe
	 * nothing (expected 0: no rate); the district's rows are the sums */
	{
		static const char *const kinds[] = { "notice_report",  "drill",
						     "letter",         "equipment_check",
						     "bus_inspection", "education_1530" };
		uint32_t sum[6][3] = { { 0 } };
		d.rates = A(&a, (DASH_FIXTURE_SCHOOLS + 1) * 6 * sizeof *d.rates);
		for (int s = 0; s <= DASH_FIXTURE_SCHOOLS && d.rates; s++) {
			bool total = s == DASH_FIXTURE_SCHOOLS;
			if (total ? !district : (!district && s != self))
				continue;
			for (int k = 0; k < 6; k++) {
				Safecampus__ReportingRate *x = A(&a, sizeof *x);
				if (!x)
					break;
				safecampus__reporting_rate__init(x);
				x->school = total ? "" : (char *)schools[s].id;
				x->kind = (char *)kinds[k];
				if (total) {
					x->expected = sum[k][0];
					x->received = sum[k][1];
					x->on_time = sum[k][2];
				} else {
					x->expected = k == 5 ? 100 + 10 * (uint32_t)s
							     : (uint32_t)((k + s) % 4);
					x->received = x->expected * (uint32_t)(12 - s) / 12;
					x->on_time = x->received - (x->received && s % 2 ? 1 : 0);
					sum[k][0] += x->expected;
					sum[k][1] += x->received;
					sum[k][2] += x->on_time;
				}
				d.rates[d.n_rates++] = x;
			}
		}
	}

	/* an anti-formalism flag, the bureau's only (014_flags.sql) */
	if (o->bureau) {
		Safecampus__Flag *fl = A(&a, sizeof *fl);
		char **ids = A(&a, 3 * sizeof *ids);
		d.flags = A(&a, sizeof *d.flags);
		if (fl && ids && d.flags) {
			safecampus__flag__init(fl);
			fl->school = (char *)schools[2].id;
			fl->kind = "copied_evacuation";
			fl->title = "evacuation in 185 seconds in 3 drills";
			fl->date = "2026-11-10";
			ids[0] = "00000000-0000-4000-8000-0000000000d3";
			ids[1] = "00000000-0000-4000-8000-0000000000d4";
			ids[2] = "00000000-0000-4000-8000-0000000000d6";
			fl->record_ids = ids;
			fl->n_record_ids = 3;
			d.flags[d.n_flags++] = fl;
		}
	}

	/* sync health: every campus of the scope; some stale */
	d.health = A(&a, 32 * sizeof *d.health);
	for (int s = 0; s < DASH_FIXTURE_SCHOOLS && d.health; s++) {
		if (!district && s != self)
			continue;
		for (int c = 0; c < schools[s].campuses; c++) {
			Safecampus__SyncHealth *x = A(&a, sizeof *x);
			if (!x)
				break;
			safecampus__sync_health__init(x);
			x->school = (char *)schools[s].id;
			x->campus = c == 0 ? "main" : "north";
			x->last_contact_ms = now - (int64_t)(s * 37 + c * 11) * 60000;
			x->last_sync_ms = x->last_contact_ms;
			if (s == 3) { /* no contact for five days */
				x->last_contact_ms = now - 5 * day - 3 * 3600000;
				x->last_sync_ms = x->last_contact_ms;
				x->outbox_pending = 17;
				x->oldest_pending_ms = now - 6 * day;
			} else if (s == 8) { /* connects, but a record is stuck for two days */
				x->outbox_pending = 3;
				x->oldest_pending_ms = now - 2 * day - 4 * 3600000;
			} else if (s == 11 && c == 0) { /* never synced */
				x->last_contact_ms = 0;
				x->last_sync_ms = 0;
			} else if (s == 2 && c == 1) {
				x->outbox_pending = 2;
				x->oldest_pending_ms = now - 3 * 3600000;
			}
			d.health[d.n_health++] = x;
		}
	}

	/* open hazards by age */
	{
		static const char *const labels[] = { "0-7 days", "8-30 days", "31-90 days",
						      "over 90 days" };
		static const uint32_t open_d[] = { 14, 21, 9, 3 }, over_d[] = { 0, 6, 7, 3 };
		static const uint32_t open_s[] = { 2, 3, 1, 0 }, over_s[] = { 0, 1, 1, 0 };
		d.n_hazard_ageing = 4;
		d.hazard_ageing = A(&a, 4 * sizeof *d.hazard_ageing);
		for (int i = 0; i < 4 && d.hazard_ageing; i++) {
			Safecampus__AgeBucket *x = A(&a, sizeof *x);
			if (!x)
				break;
			safecampus__age_bucket__init(x);
			x->label = (char *)labels[i];
			x->open = district ? open_d[i] : open_s[i];
			x->overdue = district ? over_d[i] : over_s[i];
			d.hazard_ageing[i] = x;
		}
	}

	if (!a.oom) {
		size_t n = safecampus__dashboard__get_packed_size(&d);
		uint8_t *buf = malloc(n ? n : 1);
		if (buf) {
			safecampus__dashboard__pack(&d, buf);
			out = safecampus__dashboard__unpack(NULL, n, buf);
			free(buf);
		}
	}
	arena_free(&a);
	return out;
}
