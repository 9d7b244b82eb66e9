/* What falls due, per kind (kind_ops.due and kind_ops.owed): the lines of
 * `safecampus status` under "due", computed from the records known here
 * and the district calendar, so they need no server. The dates follow the
 * dashboard's definitions (indicators.h): the hazard clock, an item's due
 * day from its last check, the letter holders, and school days as
 * 010_fair_numbers.sql's sc_calendar counts them. The terms, the period
 * and the letters' due day here serve common/owed.c too (sc_terms,
 * sc_period, sc_letters_due). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "indicators.h"
#include "kind_due.h"
#include "kind_letter.h"
#include "kinds.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- school days */

/* A term of the bureau's calendar as sc_terms (010) takes it: school "",
 * not deleted, a real start and an end not before it. */
static bool kind_due_term_of(const Safecampus__Record *r)
{
	const Safecampus__Calendar *c = r->calendar;

	return !r->deleted && r->body_case == SAFECAMPUS__RECORD__BODY_CALENDAR &&
	       !*s_(r->school) && date_valid(s_(c->term_start_date)) &&
	       date_valid(s_(c->term_end_date)) &&
	       strcmp(c->term_end_date, c->term_start_date) >= 0;
}

struct cal_ctx {
	const char *day;
	bool any, in_term, school_day;
};

/* Is day in the ';'-separated list of dates and ranges "A..B"? */
static bool in_list(const char *list, const char *day)
{
	const char *p = s_(list);

	while (*p) {
		size_t n = strcspn(p, ";");
		char a[11] = "", b[11] = "";
		if (n >= 10) {
			memcpy(a, p, 10);
			if (n >= 22 && p[10] == '.' && p[11] == '.')
				memcpy(b, p + 12, 10);
			else
				memcpy(b, a, 11);
			if (strcmp(day, a) >= 0 && strcmp(day, b) <= 0)
				return true;
		}
		p += n;
		p += *p == ';';
	}
	return false;
}

static int cal_cb(void *arg, const Safecampus__Record *r)
{
	struct cal_ctx *x = arg;
	const Safecampus__Calendar *c = r->calendar;
	int y, m, d;

	if (!kind_due_term_of(r))
		return 0;
	x->any = true;
	if (strcmp(x->day, s_(c->term_start_date)) < 0 || strcmp(x->day, s_(c->term_end_date)) > 0)
		return 0;
	x->in_term = true;
	if (in_list(c->makeup_days, x->day)) {
		x->school_day = true;
		return 0;
	}
	if (date_parse(x->day, &y, &m, &d) == 0 && date_weekday(y, m, d) % 6 != 0 &&
	    !in_list(c->holidays, x->day))
		x->school_day = true;
	return 0;
}

int kind_due_school_day(const struct kind_env *env, const char *day, bool *yes)
{
	struct cal_ctx x = { .day = day };
	int y, m, d, rc;

	*yes = false;
	if (date_parse(day, &y, &m, &d) != 0)
		return SC_EINVALID;
	rc = env->each ? env->each(env->ctx, "calendar", cal_cb, &x) : 0;
	if (rc)
		return rc;
	if (x.any) {
		*yes = x.school_day;
		return 0;
	}
	/* no calendar from the bureau: the default terms (010's sc_terms):
	 * autumn 09-01..01-20 without 10-01..10-07 and 01-01, spring
	 * 02-20..07-10 without 05-01..05-05 */
	{
		const char *md = day + 5;
		bool term = strcmp(md, "09-01") >= 0 || strcmp(md, "01-20") <= 0 ||
			    (strcmp(md, "02-20") >= 0 && strcmp(md, "07-10") <= 0);
		bool holiday = (strcmp(md, "10-01") >= 0 && strcmp(md, "10-07") <= 0) ||
			       strcmp(md, "01-01") == 0 ||
			       (strcmp(md, "05-01") >= 0 && strcmp(md, "05-05") <= 0);
		*yes = term && !holiday && date_weekday(y, m, d) % 6 != 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- terms */

struct terms_ctx {
	int (*cb)(void *arg, const struct kind_due_term *t);
	void *arg;
	bool any;
	int rc;
};

static int terms_cb(void *arg, const Safecampus__Record *r)
{
	struct terms_ctx *x = arg;

	if (!kind_due_term_of(r))
		return 0;
	x->any = true;
	x->rc = x->cb(x->arg,
		      &(struct kind_due_term){ .start = r->calendar->term_start_date,
					       .end = r->calendar->term_end_date,
					       .name = s_(r->calendar->term_name),
					       .holidays = s_(r->calendar->holidays),
					       .makeup_days = s_(r->calendar->makeup_days) });
	return x->rc != 0;
}

int kind_due_terms(const struct kind_env *env, int y0, int y1,
		   int (*cb)(void *arg, const struct kind_due_term *t), void *arg)
{
	struct terms_ctx x = { .cb = cb, .arg = arg };
	int rc = env->each ? env->each(env->ctx, "calendar", terms_cb, &x) : 0;

	if (rc || x.rc || x.any)
		return rc ? rc : x.rc;
	/* sc_terms' default: for every school year touching the years asked */
	for (int y = y0 - 1; y <= y1; y++) {
		char ts[11], te[11], name[48], hol[48];
		date_format(y, 9, 1, ts);
		date_format(y + 1, 1, 20, te);
		snprintf(name, sizeof name, "Autumn %d (default calendar)", y);
		snprintf(hol, sizeof hol, "%04d-10-01..%04d-10-07;%04d-01-01", y, y, y + 1);
		rc = cb(arg, &(struct kind_due_term){ ts, te, name, hol, "" });
		if (rc)
			return rc;
		date_format(y, 2, 20, ts);
		date_format(y, 7, 10, te);
		snprintf(name, sizeof name, "Spring %d (default calendar)", y);
		snprintf(hol, sizeof hol, "%04d-05-01..%04d-05-05", y, y);
		rc = cb(arg, &(struct kind_due_term){ ts, te, name, hol, "" });
		if (rc)
			return rc;
	}
	return 0;
}

struct period_ctx {
	const char *day;
	char ts[11], te[11], name[64];
	bool found, covers;
};

/* sc_period's choice: a term begun by the day, the one containing it
 * first, then the latest begun */
static int period_cb(void *arg, const struct kind_due_term *t)
{
	struct period_ctx *x = arg;
	const char *ts = t->start, *te = t->end, *name = t->name;
	bool covers = strcmp(te, x->day) >= 0;

	if (strcmp(ts, x->day) > 0)
		return 0;
	if (x->found && (x->covers > covers || (x->covers == covers && strcmp(ts, x->ts) <= 0)))
		return 0;
	x->found = true;
	x->covers = covers;
	snprintf(x->ts, sizeof x->ts, "%s", ts);
	snprintf(x->te, sizeof x->te, "%s", te);
	snprintf(x->name, sizeof x->name, "%s", name);
	return 0;
}

int kind_due_period(const struct kind_env *env, const char *day, char start[11], char end[11],
		    char *name, size_t n)
{
	struct period_ctx x = { .day = day };
	char from[11];
	int y, m, d, rc;

	if (date_parse(day, &y, &m, &d) != 0 || date_add(day, -400, from) != 0)
		return SC_EINVALID;
	rc = kind_due_terms(env, (int)strtol(from, NULL, 10), y, period_cb, &x);
	if (rc)
		return rc;
	if (!x.found) {
		/* no term begun: the calendar year to date */
		date_format(y, 1, 1, start);
		memcpy(end, day, 11);
		snprintf(name, n, "%d to date", y);
		return 0;
	}
	memcpy(start, x.ts, 11);
	memcpy(end, x.te, 11);
	snprintf(name, n, "%s", x.name);
	return 0;
}

struct ldue_ctx {
	char jan1[11], dec31[11], first[11];
};

static int ldue_cb(void *arg, const struct kind_due_term *t)
{
	struct ldue_ctx *x = arg;
	const char *ts = t->start, *te = t->end;
	const char *from = strcmp(ts, x->jan1) > 0 ? ts : x->jan1;

	if (strcmp(te, x->jan1) >= 0 && strcmp(ts, x->dec31) <= 0 &&
	    (!*x->first || strcmp(from, x->first) < 0))
		snprintf(x->first, sizeof x->first, "%s", from);
	return 0;
}

int kind_due_letter_days(const struct kind_env *env, int *days)
{
	int rc = env->letters_due_days ? env->letters_due_days(env->ctx, days) : SC_ENOTFOUND;

	if (rc == SC_ENOTFOUND) {
		*days = KIND_DUE_LETTER_DAYS;
		return 0;
	}
	return rc;
}

int kind_due_letters_day(const struct kind_env *env, int year, int days, char out[11])
{
	struct ldue_ctx x = { .first = "" };
	int rc;

	date_format(year, 1, 1, x.jan1);
	date_format(year, 12, 31, x.dec31);
	rc = kind_due_terms(env, year, year, ldue_cb, &x);
	if (rc)
		return rc;
	if (!*x.first)
		return SC_ENOTFOUND;
	return date_add(x.first, days, out) == 0 ? 0 : SC_EINVALID;
}

/* ---------------------------------------------------------------- per record */

/* " (overdue)" / "" for a due day. */
static const char *late(const char *due, const char *today)
{
	return strcmp(due, today) < 0 ? _(" (overdue)") : "";
}

int kind_due_notice(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n)
{
	const Safecampus__Notice *nt = r->notice;
	struct kind_derived d;
	int rc;

	if (r->deleted || !kind_reaches(r, env->school))
		return 0;
	rc = kind_derive(env, r, today, &d);
	if (rc)
		return rc;
	if (kind_status_has(d.status, "unread") || kind_status_has(d.status, "re-ack")) {
		snprintf(out, n, _("notice \"%s\": acknowledge it (report by %s)%s"), s_(nt->title),
			 s_(nt->due_date),
			 date_valid(s_(nt->due_date)) ? late(nt->due_date, today) : "");
		return 1;
	}
	if (!kind_status_has(d.status, "reported") && date_valid(s_(nt->due_date)) &&
	    strcmp(nt->due_date, week_end) <= 0 && kind_status_has(d.status, "open")) {
		snprintf(out, n, _("notice \"%s\": report by %s%s"), s_(nt->title), nt->due_date,
			 late(nt->due_date, today));
		return 1;
	}
	return 0;
}

int kind_due_hazard(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n)
{
	struct kind_derived d;
	char due[11];
	const char *c;
	int rc;

	if (r->deleted)
		return 0;
	rc = kind_derive(env, r, today, &d);
	if (rc)
		return rc;
	/* not closed: open (not yet verified), or verified and still to close */
	if (!kind_status_has(d.status, "open") && !kind_status_has(d.status, "verified"))
		return 0;
	c = d.cell[2] + (d.cell[2][0] == '~');
	if (strlen(c) < 10)
		return 0;
	memcpy(due, c, 10);
	due[10] = '\0';
	if (!date_valid(due) || strcmp(due, week_end) > 0)
		return 0;
	{
		char word[32];
		size_t wl = strcspn(d.status, " !");
		snprintf(word, sizeof word, "%.*s", (int)(wl < sizeof word ? wl : sizeof word - 1),
			 d.status);
		/* rectified or verified: the work is done and is not late (the
		 * overdue list leaves it out); "rectify by" a past day said the
		 * opposite of the status beside it */
		if (!strcmp(word, "rectified"))
			snprintf(out, n, _("hazard \"%s\": rectified, to be verified"),
				 s_(r->hazard->title));
		else if (!strcmp(word, "verified"))
			snprintf(out, n, _("hazard \"%s\": verified, to be closed"),
				 s_(r->hazard->title));
		else
			snprintf(out, n, _("hazard \"%s\" (%s): rectify by %s%s"),
				 s_(r->hazard->title), kind_status_label(word), due,
				 late(due, today));
	}
	return 1;
}

struct last {
	const char *today;
	char date[11];
};

static int last_cb(void *arg, const Safecampus__Record *r, enum kind_sync sync)
{
	struct last *x = arg;
	char later[11];

	(void)sync;
	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_EQUIPMENT_CHECK)
		return 0;
	indicators_later_check(x->date, s_(r->equipment_check->check_date), x->today, later);
	memcpy(x->date, later, sizeof later);
	return 0;
}

int kind_due_equipment(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       const char *week_end, char *out, size_t n)
{
	const Safecampus__Equipment *e = r->equipment;
	struct last x = { .today = today };
	char due[11];
	int rc;

	if (r->deleted)
		return 0;
	if (env->each_child) {
		rc = env->each_child(env->ctx, "equipment_check", r->id, last_cb, &x);
		if (rc)
			return rc;
	}
	if (indicators_equipment_due(e, x.date, today, due) != 0 || strcmp(due, week_end) > 0)
		return 0;
	snprintf(out, n, _("equipment %s (%s): check due %s%s"), s_(e->item), s_(e->location), due,
		 late(due, today));
	return 1;
}

int kind_due_bus(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		 const char *week_end, char *out, size_t n)
{
	const Safecampus__Bus *b = r->bus;

	(void)env;
	if (r->deleted || b->inactive || !date_valid(s_(b->next_inspection_date)) ||
	    strcmp(b->next_inspection_date, week_end) > 0)
		return 0;
	snprintf(out, n, _("bus %s: vehicle inspection due %s%s"), s_(b->plate),
		 b->next_inspection_date, late(b->next_inspection_date, today));
	return 1;
}

/* ---------------------------------------------------------------- owed, per kind */

struct month_ctx {
	char month[8];
	bool held;
};

static int drill_cb(void *arg, const Safecampus__Record *r)
{
	struct month_ctx *x = arg;

	if (!r->deleted && r->body_case == SAFECAMPUS__RECORD__BODY_DRILL &&
	    strncmp(s_(r->drill->drill_date), x->month, 7) == 0)
		x->held = true;
	return 0;
}

int kind_owed_drill(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg)
{
	struct month_ctx x = { .held = false };
	int y, m, d, rc;
	bool any = false;
	char day[11], last[11] = "";

	memcpy(x.month, today, 7);
	rc = env->each(env->ctx, "drill", drill_cb, &x);
	if (rc || x.held || date_parse(today, &y, &m, &d) != 0)
		return rc;
	/* a month with no school day owes no drill (July, August) */
	for (int i = 1; i <= date_month_days(y, m); i++) {
		bool sd;
		date_format(y, m, i, day);
		rc = kind_due_school_day(env, day, &sd);
		if (rc)
			return rc;
		if (sd) {
			any = true;
			memcpy(last, day, sizeof day);
		}
	}
	if (!any)
		return 0;
	{
		char line[256];
		snprintf(line, sizeof line,
			 _("this month's drill (%s): not recorded yet (last school "
			   "day of the month: %s)"),
			 x.month, last);
		return cb(arg, line);
	}
}

/* ---- today's "1530" daily sessions, per open class */

struct cls {
	char id[37];
	char name[64];
	bool held;
};

struct cls_ctx {
	const char *today;
	struct cls *v;
	size_t n, cap;
	int rc;
};

static int class_cb(void *arg, const Safecampus__Record *r)
{
	struct cls_ctx *x = arg;
	const Safecampus__SchoolClass *c = r->school_class;

	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_SCHOOL_CLASS)
		return 0;
	if ((date_valid(s_(c->opened_date)) && strcmp(c->opened_date, x->today) > 0) ||
	    (date_valid(s_(c->closed_date)) && strcmp(c->closed_date, x->today) < 0))
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct cls *more = realloc(x->v, cap * sizeof *more);
		if (!more) {
			x->rc = -ENOMEM;
			return 1;
		}
		x->v = more;
		x->cap = cap;
	}
	snprintf(x->v[x->n].id, sizeof x->v->id, "%s", r->id);
	snprintf(x->v[x->n].name, sizeof x->v->name, "%s", s_(c->name));
	x->v[x->n++].held = false;
	return 0;
}

static int session_cb(void *arg, const Safecampus__Record *r)
{
	struct cls_ctx *x = arg;
	const Safecampus__Education *e = r->education;

	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_EDUCATION ||
	    e->slot != SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_DAILY_1 ||
	    strcmp(s_(e->session_date), x->today) != 0)
		return 0;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].id, s_(e->school_class_id)) == 0)
			x->v[i].held = true;
	return 0;
}

int kind_owed_education(const struct kind_env *env, const char *today, kind_due_line_cb cb,
			void *arg)
{
	struct cls_ctx x = { .today = today };
	char line[512];
	size_t missing = 0, at;
	bool sd;
	int rc = kind_due_school_day(env, today, &sd);

	if (rc || !sd)
		return rc;
	rc = env->each(env->ctx, "school_class", class_cb, &x);
	if (!rc && !x.rc)
		rc = env->each(env->ctx, "education", session_cb, &x);
	if (!rc)
		rc = x.rc;
	for (size_t i = 0; !rc && i < x.n; i++)
		missing += !x.v[i].held;
	if (!rc && missing) {
		at = (size_t)snprintf(line, sizeof line,
				      _("\"1530\" today: %zu of %zu classes not recorded yet:"),
				      missing, x.n);
		for (size_t i = 0, shown = 0; i < x.n && at < sizeof line; i++) {
			if (x.v[i].held)
				continue;
			if (shown++ == 8) {
				at += (size_t)snprintf(line + at, sizeof line - at, " ...");
				break;
			}
			at += (size_t)snprintf(line + at, sizeof line - at, " %s", x.v[i].name);
		}
		rc = cb(arg, line);
	}
	free(x.v);
	return rc;
}

/* ---- letters for the year */

struct letters_ctx {
	const struct kind_env *env;
	int year;
	struct kind_due_letters *out;
	int rc;
};

static int letter_cb(void *arg, const Safecampus__Record *r)
{
	struct letters_ctx *x = arg;
	struct kind_due_letters *v = x->out;
	struct kind_due_letter *h;

	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_LETTER ||
	    r->letter->year != x->year)
		return 0;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct kind_due_letter *more = realloc(v->v, cap * sizeof *more);
		if (!more) {
			x->rc = -ENOMEM;
			return 1;
		}
		v->v = more;
		v->cap = cap;
	}
	h = &v->v[v->n];
	h->r = kind_record_dup(r);
	if (!h->r) {
		x->rc = -ENOMEM;
		return 1;
	}
	v->n++;
	x->rc = letter_since(x->env, h->r, h->since);
	return x->rc != 0;
}

int kind_due_letters_load(const struct kind_env *env, int year, struct kind_due_letters *out)
{
	struct letters_ctx x = { .env = env, .year = year, .out = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = env->each(env->ctx, "letter", letter_cb, &x);
	return rc ? rc : x.rc;
}

void kind_due_letters_free(struct kind_due_letters *x)
{
	for (size_t i = 0; i < x->n; i++)
		kind_record_free(x->v[i].r);
	free(x->v);
	memset(x, 0, sizeof *x);
}

void kind_due_letters_held(const struct kind_due_letters *x, const char *staff_id, const char *name,
			   int year, const char *asof, char out[11])
{
	*out = '\0';
	for (size_t i = 0; i < x->n; i++)
		if (indicators_letter_holds(x->v[i].r->letter, x->v[i].since, staff_id, name, year,
					    asof) &&
		    (!*out || strcmp(x->v[i].since, out) < 0))
			memcpy(out, x->v[i].since, 11);
}

struct staff_ctx {
	const char *today;
	int year;
	unsigned current, without;
	char names[256];
	size_t at;
	struct kind_due_letters letters;
};

static int staff_cb(void *arg, const Safecampus__Record *r)
{
	struct staff_ctx *x = arg;
	char since[11];

	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_STAFF ||
	    !indicators_staff_current(r->staff, x->today))
		return 0;
	x->current++;
	kind_due_letters_held(&x->letters, r->id, s_(r->staff->name), x->year, x->today, since);
	if (!*since) {
		if (x->without < 5 && x->at < sizeof x->names)
			x->at += (size_t)snprintf(x->names + x->at, sizeof x->names - x->at, " %s",
						  s_(r->staff->name));
		x->without++;
	}
	return 0;
}

int kind_owed_letter(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg)
{
	struct staff_ctx x = { .today = today, .year = (int)strtol(today, NULL, 10) };
	char line[512];
	int rc = kind_due_letters_load(env, x.year, &x.letters);

	if (!rc)
		rc = env->each(env->ctx, "staff", staff_cb, &x);
	kind_due_letters_free(&x.letters);
	if (rc || !x.without)
		return rc;
	snprintf(line, sizeof line,
		 _("letters for %d: %u of %u current staff have not signed one:%s%s"), x.year,
		 x.without, x.current, x.names, x.without > 5 ? " ..." : "");
	return cb(arg, line);
}
