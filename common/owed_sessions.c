/* A school's "1530" sessions held and due over a period, counted from the
 * records known here: the server's indicator education_1530 for the
 * 'period' window, with the same definitions, so that `safecampus rates`
 * shows the row the dashboard shows. Each step names the SQL it follows:
 * the occasions are 010_fair_numbers.sql's sc_calendar over sc_terms, the
 * counts its sc_indicator_values (dd, due, held_dw, hd, held_h, edu), the
 * sessions held per bucket 004_dashboard.sql's dash_education.
 *
 * Days are numbered (days since 2000-01-01) so that weeks and ranges are
 * arithmetic. Everything is in memory for the call: a term's days, the
 * school's classes and sessions, a few thousand rows a year at most. */
#include "owed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "kind_due.h"
#include "kinds.h"

enum { SLOT_DAILY, SLOT_WEEKLY, SLOT_WEEKEND, SLOT_HOLIDAY, SLOTS };

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- day numbers */

static int day_no(const char *s, int *out)
{
	long n;

	if (date_diff("2000-01-01", s, &n) != 0)
		return SC_EINVALID;
	*out = (int)n;
	return 0;
}

/* 0 = Monday .. 6 = Sunday (2000-01-01 was a Saturday) */
static int iso_dow(int n)
{
	return ((n + 5) % 7 + 7) % 7;
}

static int month_of(int n)
{
	char s[11];
	int y, m, d;

	if (date_add("2000-01-01", n, s) != 0 || date_parse(s, &y, &m, &d) != 0)
		return 0;
	return y * 12 + m;
}

/* A day of "", or not a date: no bound (a class with no opening date). */
static int bound(const char *s, int none)
{
	int n;

	return date_valid(s_(s)) && day_no(s, &n) == 0 ? n : none;
}

/* ---------------------------------------------------------------- the calendar */

struct range {
	int a, b;
};
struct ranges {
	struct range *v;
	size_t n, cap;
};

/* Room for one more of n items of size bytes in *v (cap of them, doubled
 * from 16): 0 or -ENOMEM, *v unchanged then. */
static int grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **p = v, *more;
	size_t c = *cap ? 2 * *cap : 16;

	if (n < *cap)
		return 0;
	more = realloc(*p, c * size);
	if (!more)
		return -ENOMEM;
	*p = more;
	*cap = c;
	return 0;
}

static int range_add(struct ranges *r, int a, int b)
{
	if (grow(&r->v, &r->cap, r->n, sizeof *r->v) != 0)
		return -ENOMEM;
	r->v[r->n++] = (struct range){ a, b };
	return 0;
}

static bool in_ranges(const struct ranges *r, int d)
{
	for (size_t i = 0; i < r->n; i++)
		if (d >= r->v[i].a && d <= r->v[i].b)
			return true;
	return false;
}

/* sc_calendar's hol and mk: the items "A" and "A..B" of a ';' list, each
 * trimmed; an item that is not a date counts nothing */
static int parse_list(const char *list, struct ranges *out)
{
	const char *p = s_(list);

	while (*p) {
		size_t n = strcspn(p, ";");
		char item[32] = "", a[11] = "", b[11] = "";
		const char *dots;
		int x, y, rc = 0;
		size_t i = 0, j;

		while (i < n && p[i] == ' ')
			i++;
		j = n;
		while (j > i && p[j - 1] == ' ')
			j--;
		if (j - i < sizeof item) {
			memcpy(item, p + i, j - i);
			dots = strstr(item, "..");
			snprintf(a, sizeof a, "%.*s", (int)(dots ? (size_t)(dots - item) : j - i),
				 item);
			snprintf(b, sizeof b, "%s", dots && dots[2] ? dots + 2 : a);
			if (date_valid(a) && date_valid(b) && day_no(a, &x) == 0 &&
			    day_no(b, &y) == 0)
				rc = range_add(out, x, y);
		}
		if (rc)
			return rc;
		p += n;
		p += *p == ';';
	}
	return 0;
}

struct cal {
	int start, end;
	struct ranges terms;   /* a = first day, b = last */
	struct ranges hol, mk; /* every term's holidays and makeup days */
	struct cday {
		int d, term; /* term: its first day (the earliest term holding d) */
		bool weekly, hol_due;
	} * days;
	size_t n;
	int rc;
};

static int term_cb(void *arg, const struct kind_due_term *t)
{
	struct cal *c = arg;
	int a, b;

	if (day_no(t->start, &a) != 0 || day_no(t->end, &b) != 0)
		return 0;
	c->rc = range_add(&c->terms, a, b);
	if (!c->rc)
		c->rc = parse_list(t->holidays, &c->hol);
	if (!c->rc)
		c->rc = parse_list(t->makeup_days, &c->mk);
	return c->rc;
}

static int cmp_day(const void *pa, const void *pb)
{
	const struct cday *a = pa, *b = pb;

	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return a->term < b->term ? -1 : a->term > b->term;
}

static int cmp_term_day(const void *pa, const void *pb)
{
	const struct cday *a = pa, *b = pb;

	if (a->term != b->term)
		return a->term < b->term ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

/* sc_calendar(start, end)'s days: every school day of the terms touching
 * the period (a weekday not a holiday, or a makeup day), each in its
 * earliest term; then per term in day order, the last of its ISO week
 * (weekly) and whether a holiday or the term's end comes before the next
 * (hol_due). Days outside the period stay: they decide the flags. */
static int cal_build(const struct kind_env *env, struct cal *c)
{
	size_t cap = 0, k = 0;
	/* month_of is y * 12 + m, m in 1..12 */
	int rc = kind_due_terms(env, (month_of(c->start) - 1) / 12, (month_of(c->end) - 1) / 12,
				term_cb, c);

	if (rc || c->rc)
		return rc ? rc : c->rc;
	for (size_t t = 0; t < c->terms.n; t++) {
		struct range r = c->terms.v[t];
		if (r.a > c->end || r.b < c->start)
			continue;
		cap += (size_t)(r.b - r.a + 1);
	}
	if (!cap) /* no term touches the period: no school day */
		return 0;
	c->days = malloc(cap * sizeof *c->days);
	if (!c->days)
		return -ENOMEM;
	for (size_t t = 0; t < c->terms.n; t++) {
		struct range r = c->terms.v[t];
		if (r.a > c->end || r.b < c->start)
			continue;
		for (int d = r.a; d <= r.b; d++)
			if ((iso_dow(d) < 5 && !in_ranges(&c->hol, d)) || in_ranges(&c->mk, d))
				c->days[k++] = (struct cday){ .d = d, .term = r.a };
	}
	/* GROUP BY day, min(term) */
	qsort(c->days, k, sizeof *c->days, cmp_day);
	c->n = 0;
	for (size_t i = 0; i < k; i++)
		if (!c->n || c->days[c->n - 1].d != c->days[i].d)
			c->days[c->n++] = c->days[i];
	qsort(c->days, c->n, sizeof *c->days, cmp_term_day);
	for (size_t i = 0; i < c->n; i++) {
		struct cday *x = &c->days[i];
		const struct cday *next =
			i + 1 < c->n && c->days[i + 1].term == x->term ? &c->days[i + 1] : NULL;
		x->weekly = !next || next->d - iso_dow(next->d) != x->d - iso_dow(x->d);
		x->hol_due = !next;
		for (int d = x->d + 1; next && d < next->d && !x->hol_due; d++)
			x->hol_due = in_ranges(&c->hol, d);
	}
	qsort(c->days, c->n, sizeof *c->days, cmp_day);
	return 0;
}

static void cal_free(struct cal *c)
{
	free(c->terms.v);
	free(c->hol.v);
	free(c->mk.v);
	free(c->days);
}

/* ---------------------------------------------------------------- classes and sessions */

struct cls {
	char id[37];
	int opened, closed;
};
struct sess {
	int slot, day, cls; /* cls: index into the classes */
};

struct data {
	const struct kind_env *env;
	struct cls *c;
	size_t nc, capc;
	struct sess *s;
	size_t ns, caps;
	int rc;
};

static bool own(const struct data *x, const Safecampus__Record *r)
{
	return !r->deleted && strcmp(s_(r->school), s_(x->env->school)) == 0;
}

static int class_cb(void *arg, const Safecampus__Record *r)
{
	struct data *x = arg;

	if (!own(x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_SCHOOL_CLASS)
		return 0;
	if (grow(&x->c, &x->capc, x->nc, sizeof *x->c) != 0) {
		x->rc = -ENOMEM;
		return 1;
	}
	snprintf(x->c[x->nc].id, sizeof x->c->id, "%s", r->id);
	x->c[x->nc].opened = bound(r->school_class->opened_date, INT_MIN);
	x->c[x->nc++].closed = bound(r->school_class->closed_date, INT_MAX);
	return 0;
}

static int cmp_cls(const void *a, const void *b)
{
	return strcmp(((const struct cls *)a)->id, ((const struct cls *)b)->id);
}

static int session_cb(void *arg, const Safecampus__Record *r)
{
	struct data *x = arg;
	const Safecampus__Education *e = r->education;
	struct cls key = { 0 }, *k;
	int slot, day;

	if (!own(x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_EDUCATION ||
	    !date_valid(s_(e->session_date)) || day_no(e->session_date, &day) != 0)
		return 0;
	switch (e->slot) {
	case SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_DAILY_1:
		slot = SLOT_DAILY;
		break;
	case SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_WEEKLY_10:
		slot = SLOT_WEEKLY;
		break;
	case SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_WEEKEND_5:
		slot = SLOT_WEEKEND;
		break;
	case SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_HOLIDAY_30:
		slot = SLOT_HOLIDAY;
		break;
	default:
		return 0;
	}
	snprintf(key.id, sizeof key.id, "%s", s_(e->school_class_id));
	k = x->nc ? bsearch(&key, x->c, x->nc, sizeof *x->c, cmp_cls) : NULL;
	if (!k) /* a class not here, or withdrawn: no session of it counts */
		return 0;
	if (grow(&x->s, &x->caps, x->ns, sizeof *x->s) != 0) {
		x->rc = -ENOMEM;
		return 1;
	}
	x->s[x->ns++] = (struct sess){ slot, day, (int)(k - x->c) };
	return 0;
}

/* dash_education: per slot and bucket (the day; the ISO week's Monday for
 * weekly and weekend), the distinct classes that held a session while
 * open. Sorted by (slot, day = bucket, cls), counted by buckets(). */
static int cmp_sess(const void *pa, const void *pb)
{
	const struct sess *a = pa, *b = pb;

	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->cls < b->cls ? -1 : a->cls > b->cls;
}

static size_t bucket_classes(const struct sess *b, size_t n, int slot, int bucket)
{
	size_t lo = 0, hi = n, count = 0;
	struct sess key = { slot, bucket, -1 };

	while (lo < hi) { /* the first at or after (slot, bucket) */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_sess(&b[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && b[i].slot == slot && b[i].day == bucket; i++)
		count += i == lo || b[i].cls != b[i - 1].cls;
	return count;
}

/* ---------------------------------------------------------------- the counts */

int owed_sessions(const struct kind_env *env, const char *start, const char *end, const char *today,
		  struct owed_rate *out)
{
	struct cal c = { 0 };
	struct data x = { .env = env };
	struct sess *b = NULL; /* the dash_education buckets */
	size_t nb = 0;
	int *mark = NULL;
	int now, last, last_month, prev_hol = INT_MIN, rc;
	double held = 0, due = 0;

	memset(out, 0, sizeof *out);
	if (day_no(start, &c.start) != 0 || day_no(end, &c.end) != 0 || day_no(today, &now) != 0 ||
	    c.end < c.start)
		return SC_EINVALID;
	last = c.end < now ? c.end : now;
	if (last < c.start) /* no 'period' window (sc_windows): nothing due */
		return 0;
	last_month = month_of(last);
	rc = cal_build(env, &c);
	if (!rc)
		rc = env->each(env->ctx, "school_class", class_cb, &x);
	if (!rc && !(rc = x.rc) && x.nc) /* (qsort and bsearch take no NULL) */
		qsort(x.c, x.nc, sizeof *x.c, cmp_cls);
	if (!rc)
		rc = env->each(env->ctx, "education", session_cb, &x);
	if (!rc)
		rc = x.rc;
	/* the per-class marks whenever there are classes, sessions or not (a
	 * school that has just started has classes and no session yet) */
	if (!rc && x.nc && !(mark = malloc(x.nc * sizeof *mark)))
		rc = -ENOMEM;
	if (!rc && x.ns && !(b = malloc(x.ns * sizeof *b)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < x.ns; i++) {
		const struct sess *s = &x.s[i];
		const struct cls *k = &x.c[s->cls];
		if (s->slot == SLOT_HOLIDAY || s->day < k->opened || s->day > k->closed)
			continue;
		b[nb] = *s;
		if (s->slot != SLOT_DAILY)
			b[nb].day -= iso_dow(s->day);
		nb++;
	}
	if (!rc && nb)
		qsort(b, nb, sizeof *b, cmp_sess);
	for (size_t i = 0; !rc && x.nc && i < x.nc; i++)
		mark[i] = INT_MIN;
	for (size_t i = 0; !rc && i < c.n; i++) {
		const struct cday *d = &c.days[i];
		bool slot_due[SLOTS] = { true, d->weekly, d->weekly && !d->hol_due, d->hol_due };
		size_t open = 0;
		/* dd: the occasions in the period, in the months of the
		 * windows (sc_windows: up to min(end, today)'s) */
		if (d->d < c.start || d->d > c.end || month_of(d->d) > last_month)
			continue;
		for (size_t k = 0; k < x.nc; k++)
			open += d->d >= x.c[k].opened && d->d <= x.c[k].closed;
		for (int s = 0; s < SLOTS; s++) {
			size_t n = 0;
			if (!slot_due[s])
				continue;
			if (d->d < now) /* due: each class open on the day */
				due += (double)open;
			if (s != SLOT_HOLIDAY) {
				n = bucket_classes(b, nb, s,
						   s == SLOT_DAILY ? d->d : d->d - iso_dow(d->d));
			} else {
				/* held_h: a holiday session answers the first occasion on
				 * or within 6 days after it, and only one */
				int lo = d->d - 6 > prev_hol + 1 ? d->d - 6 : prev_hol + 1;
				int hi = d->d < last ? d->d : last;
				for (size_t j = 0; j < x.ns; j++) {
					const struct sess *e = &x.s[j];
					const struct cls *k = &x.c[e->cls];
					if (e->slot != SLOT_HOLIDAY || e->day < lo || e->day > hi ||
					    d->d < k->opened || d->d > k->closed ||
					    mark[e->cls] == d->d)
						continue;
					mark[e->cls] = d->d;
					n++;
				}
				prev_hol = d->d;
			}
			held += (double)n;
			if (d->d >= now) /* held early: counted as due too */
				due += (double)n;
		}
	}
	if (!rc) {
		out->expected = (unsigned)due;
		out->received = out->on_time = (unsigned)(held < due ? held : due);
	}
	free(mark);
	free(b);
	free(x.s);
	free(x.c);
	cal_free(&c);
	return rc;
}

int owed_sessions_due(const struct kind_env *env, const char *start, const char *end,
		      const char *today, char out[11])
{
	struct cal c = { 0 };
	int now, last = INT_MIN, rc;

	out[0] = '\0';
	if (day_no(start, &c.start) != 0 || day_no(end, &c.end) != 0 || day_no(today, &now) != 0 ||
	    c.end < c.start)
		return SC_EINVALID;
	if (now > c.end)
		now = c.end;
	rc = cal_build(env, &c);
	for (size_t i = 0; !rc && i < c.n; i++)
		if (c.days[i].d < now && c.days[i].d > last)
			last = c.days[i].d;
	if (!rc && last != INT_MIN && date_add("2000-01-01", last, out) != 0)
		rc = SC_EINVALID;
	cal_free(&c);
	return rc;
}
