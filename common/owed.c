/* Every submission a school owes, with the day it was made, and the
 * reporting rates counted from it: server/sql/029_rates.sql's sc_owed_of
 * and sc_rates_of computed from the records known here (each definition
 * below names the SQL it follows). What is due uses the same rules as
 * `safecampus status` (kind_due.h: school days, the terms, the letters'
 * due day and holders; indicators.h: current staff). */
#include "owed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "indicators.h"
#include "kind_due.h"
#include "kind_notice.h"
#include "kinds.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

const char *owed_kind_name(enum owed_kind k)
{
	static const char *const names[OWED_KINDS] = { "notice_report", "drill", "letter",
						       "equipment_check", "bus_inspection" };

	return k < OWED_KINDS ? names[k] : "";
}

struct ctx {
	const struct kind_env *env;
	const char *start, *end, *today;
	char asof[11]; /* A = min(end, today) */
	owed_cb cb;
	void *arg;
	int rc;
};

/* A record of this school (the store also holds the bureau's). */
static bool own(const struct ctx *x, const Safecampus__Record *r)
{
	return !r->deleted && strcmp(s_(r->school), s_(x->env->school)) == 0;
}

/* Hands one row on if it counts (sc_owed_of's last WHERE): made, or its
 * due day passed (a drill's before today, the rest before A) and due from
 * the period's start unless a standing obligation. */
static int emit(struct ctx *x, enum owed_kind kind, const char *what, const char *due,
		const char *made, const char *record_id)
{
	struct owed o = { .kind = kind, .what = what, .record_id = record_id };
	const char *passed = kind == OWED_DRILL ? x->today : x->asof;
	bool standing = kind == OWED_EQUIPMENT_CHECK || kind == OWED_BUS_INSPECTION;

	if (!*made && !(strcmp(due, passed) < 0 && (standing || strcmp(due, x->start) >= 0)))
		return 0;
	snprintf(o.due, sizeof o.due, "%s", due);
	snprintf(o.made, sizeof o.made, "%s", made);
	return x->cb(x->arg, &o);
}

/* ---------------------------------------------------------------- notices */

/* Each notice of the bureau targeting the school, issued by A and due in
 * the period; made = its report's date, when reported by A. */
static int notice_cb(void *arg, const Safecampus__Record *r)
{
	struct ctx *x = arg;
	const Safecampus__Notice *n = r->notice;
	struct kind_events ev;
	struct notice_standing st;
	char what[300];
	const char *made = "";

	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_NOTICE || *s_(r->school) ||
	    !notice_targets(n, x->env->school) || !date_valid(s_(n->issue_date)) ||
	    strcmp(n->issue_date, x->asof) > 0 || !date_valid(s_(n->due_date)) ||
	    strcmp(n->due_date, x->start) < 0 || strcmp(n->due_date, x->end) > 0)
		return 0;
	x->rc = notice_standing_load(x->env, r, NULL, NULL, &ev, &st);
	kind_events_free(&ev);
	if (x->rc)
		return 1;
	if (st.reported_hlc && date_valid(st.report_date) && strcmp(st.report_date, x->asof) <= 0)
		made = st.report_date;
	snprintf(what, sizeof what, "notice report: %s", s_(n->title));
	x->rc = emit(x, OWED_NOTICE_REPORT, what, n->due_date, made, r->id);
	return x->rc != 0;
}

/* ---------------------------------------------------------------- drills */

struct month {
	char month[8], last[11], made[11];
};

struct drills {
	struct ctx *x;
	struct month *v;
	size_t n;
};

/* The first drill of each month with plan and feedback, held from the
 * period's start to A. */
static int drill_cb(void *arg, const Safecampus__Record *r)
{
	struct drills *m = arg;
	const Safecampus__Drill *d = r->drill;

	if (!own(m->x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_DRILL ||
	    !date_valid(s_(d->drill_date)) || strcmp(d->drill_date, m->x->start) < 0 ||
	    strcmp(d->drill_date, m->x->asof) > 0 || (!*s_(d->plan_id) && !*s_(d->plan_ref)) ||
	    !*s_(d->feedback))
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (!strncmp(m->v[i].month, d->drill_date, 7) &&
		    (!*m->v[i].made || strcmp(d->drill_date, m->v[i].made) < 0))
			memcpy(m->v[i].made, d->drill_date, 11);
	return 0;
}

/* Each month of the period with school days, due its last school day in
 * the period; made = that first good drill. */
static int drills(struct ctx *x)
{
	struct drills m = { .x = x };
	char day[11];
	int rc = 0;

	memcpy(day, x->start, 11);
	for (size_t guard = 0; !rc && strcmp(day, x->end) <= 0; guard++) {
		bool sd;
		if (guard > 40000) /* a century: not a term */
			return SC_EINVALID;
		rc = kind_due_school_day(x->env, day, &sd);
		if (!rc && sd) {
			if (!m.n || strncmp(m.v[m.n - 1].month, day, 7)) {
				struct month *more = realloc(m.v, (m.n + 1) * sizeof *more);
				if (!more) {
					rc = -ENOMEM;
					break;
				}
				m.v = more;
				memset(&m.v[m.n], 0, sizeof *m.v);
				memcpy(m.v[m.n++].month, day, 7);
			}
			memcpy(m.v[m.n - 1].last, day, 11);
		}
		if (!rc && date_add(day, 1, day) != 0)
			rc = SC_EINVALID;
	}
	if (!rc && m.n)
		rc = x->env->each(x->env->ctx, "drill", drill_cb, &m);
	for (size_t i = 0; !rc && i < m.n; i++) {
		char what[32];
		snprintf(what, sizeof what, "drill for %s", m.v[i].month);
		rc = emit(x, OWED_DRILL, what, m.v[i].last, m.v[i].made, "");
	}
	free(m.v);
	return rc;
}

/* ---------------------------------------------------------------- letters */

struct letters {
	struct ctx *x;
	struct kind_due_letters held;
	int year;
	char due[11];
};

/* Each staff member current at A, for A's year; made = the day their
 * letter counted. */
static int staff_cb(void *arg, const Safecampus__Record *r)
{
	struct letters *l = arg;
	char made[11], what[300];

	if (!own(l->x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_STAFF ||
	    !indicators_staff_current(r->staff, l->x->asof))
		return 0;
	kind_due_letters_held(&l->held, r->id, s_(r->staff->name), l->year, l->x->asof, made);
	snprintf(what, sizeof what, "responsibility letter %d: %s", l->year, s_(r->staff->name));
	l->x->rc = emit(l->x, OWED_LETTER, what, l->due, made, r->id);
	return l->x->rc != 0;
}

/* When the letters' due day (sc_letters_due) is in the period. */
static int letters(struct ctx *x)
{
	struct letters l = { .x = x, .year = (int)strtol(x->asof, NULL, 10) };
	int days, rc = kind_due_letter_days(x->env, &days);

	if (!rc)
		rc = kind_due_letters_day(x->env, l.year, days, l.due);

	if (rc == SC_ENOTFOUND)
		return 0;
	if (rc || strcmp(l.due, x->start) < 0 || strcmp(l.due, x->end) > 0)
		return rc;
	rc = kind_due_letters_load(x->env, l.year, &l.held);
	if (!rc)
		rc = x->env->each(x->env->ctx, "staff", staff_cb, &l);
	kind_due_letters_free(&l.held);
	return rc ? rc : x->rc;
}

/* ---------------------------------------------------------------- equipment */

struct checks {
	const char *school;
	char (*d)[11];
	size_t n;
	int rc;
};

static int add_check(struct checks *c, const char *day)
{
	char(*more)[11] = realloc(c->d, (c->n + 1) * sizeof *more);

	if (!more)
		return -ENOMEM;
	c->d = more;
	memcpy(c->d[c->n++], day, 11);
	return 0;
}

static int check_cb(void *arg, const Safecampus__Record *r, enum kind_sync sync)
{
	struct checks *c = arg;

	(void)sync;
	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_EQUIPMENT_CHECK ||
	    strcmp(s_(r->school), c->school) || !date_valid(s_(r->equipment_check->check_date)))
		return 0;
	c->rc = add_check(c, r->equipment_check->check_date);
	return c->rc != 0;
}

static int cmp_day(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* One occasion: due, answered by the next check (next, "" none), which
 * does not count when it came an interval or more before the due day. */
static int occasion(struct ctx *x, const char *what, const char *id, const char *due,
		    const char *next, int iv)
{
	char floor[11];

	if (*next && (date_add(due, -iv, floor) != 0 || strcmp(next, floor) <= 0))
		return 0;
	return emit(x, OWED_EQUIPMENT_CHECK, what, due,
		    *next && strcmp(next, x->asof) <= 0 ? next : "", id);
}

/* Each occasion an item fell due: first its next_due_date (else installed
 * + interval), answered by its first check, then each check + interval,
 * answered by the next; its checks are its equipment_checks and its own
 * last_check_date (sc_equipment_timeline_of). */
static int equipment_cb(void *arg, const Safecampus__Record *r)
{
	struct ctx *x = arg;
	const Safecampus__Equipment *e = r->equipment;
	struct checks c = { .school = s_(r->school) };
	char what[400], first[11] = "", due[11];
	size_t u = 0;
	int iv, rc = 0;

	if (!own(x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_EQUIPMENT)
		return 0;
	iv = e->interval_days;
	if (date_valid(s_(e->next_due_date)))
		memcpy(first, e->next_due_date, 11);
	else if (date_valid(s_(e->installed_date)) && date_add(e->installed_date, iv, first) != 0)
		*first = '\0';
	if (date_valid(s_(e->last_check_date)))
		rc = add_check(&c, e->last_check_date);
	if (!rc && x->env->each_child)
		rc = x->env->each_child(x->env->ctx, "equipment_check", r->id, check_cb, &c);
	if (!rc)
		rc = c.rc;
	if (!rc && c.n) {
		qsort(c.d, c.n, sizeof *c.d, cmp_day);
		for (size_t i = 1; i < c.n; i++)
			if (strcmp(c.d[i], c.d[u]))
				memcpy(c.d[++u], c.d[i], 11);
		c.n = u + 1;
	}
	snprintf(what, sizeof what, "equipment check: %s (%s)", s_(e->item), s_(e->location));
	if (!rc && *first)
		rc = occasion(x, what, r->id, first, c.n ? c.d[0] : "", iv);
	for (size_t i = 0; !rc && i < c.n; i++)
		rc = date_add(c.d[i], iv, due) != 0
			     ? SC_EINVALID
			     : occasion(x, what, r->id, due, i + 1 < c.n ? c.d[i + 1] : "", iv);
	free(c.d);
	x->rc = rc;
	return rc != 0;
}

/* ---------------------------------------------------------------- buses */

/* Each active bus whose next inspection is before A (a bus keeps no
 * history: a past occasion is seen only while missed). */
static int bus_cb(void *arg, const Safecampus__Record *r)
{
	struct ctx *x = arg;
	const Safecampus__Bus *b = r->bus;
	char what[200];

	if (!own(x, r) || r->body_case != SAFECAMPUS__RECORD__BODY_BUS || b->inactive ||
	    !date_valid(s_(b->next_inspection_date)) ||
	    strcmp(b->next_inspection_date, x->asof) >= 0)
		return 0;
	snprintf(what, sizeof what, "bus inspection: %s", s_(b->plate));
	x->rc = emit(x, OWED_BUS_INSPECTION, what, b->next_inspection_date, "", r->id);
	return x->rc != 0;
}

/* ---------------------------------------------------------------- all */

static int each_kind(struct ctx *x, const char *kind, kind_each_cb cb)
{
	int rc = x->env->each(x->env->ctx, kind, cb, x);

	return rc ? rc : x->rc;
}

int owed_each(const struct kind_env *env, const char *start, const char *end, const char *today,
	      owed_cb cb, void *arg)
{
	struct ctx x = {
		.env = env, .start = start, .end = end, .today = today, .cb = cb, .arg = arg
	};
	int rc;

	if (!date_valid(start) || !date_valid(end) || !date_valid(today) || strcmp(start, end) > 0)
		return SC_EINVALID;
	memcpy(x.asof, strcmp(end, today) < 0 ? end : today, 11);
	rc = each_kind(&x, "notice", notice_cb);
	if (!rc)
		rc = drills(&x);
	if (!rc)
		rc = letters(&x);
	if (!rc)
		rc = each_kind(&x, "equipment", equipment_cb);
	if (!rc)
		rc = each_kind(&x, "bus", bus_cb);
	return rc;
}

struct tally {
	const char *start, *end;
	struct owed_rate *out;
};

/* sc_rates_of: what is owed with the due day in the period */
static int count_cb(void *arg, const struct owed *o)
{
	struct tally *t = arg;
	struct owed_rate *k = &t->out[o->kind];

	if (strcmp(o->due, t->start) < 0 || strcmp(o->due, t->end) > 0)
		return 0;
	k->expected++;
	k->received += *o->made != '\0';
	k->on_time += *o->made && strcmp(o->made, o->due) <= 0;
	return 0;
}

int owed_rates(const struct kind_env *env, const char *start, const char *end, const char *today,
	       struct owed_rate out[OWED_KINDS])
{
	struct tally t = { .start = start, .end = end, .out = out };

	memset(out, 0, OWED_KINDS * sizeof *out);
	return owed_each(env, start, end, today, count_cb, &t);
}
