/* At the bureau, the page of a record addressed to many schools (a notice):
 * each school's answer, from this store's rows (kind_ops.each_school), so
 * the officer sees who has not answered without adding counts up. Those
 * that owe something come first: overdue, then not yet acknowledged. */
#include "web_rec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

struct row {
	char school[64];
	struct kind_school_standing s;
	size_t at; /* school order, for a stable sort */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

/* Copies s (its school is the callee's). */
static int keep(void *arg, const struct kind_school_standing *s)
{
	struct rows *x = arg;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct row *more = realloc(x->v, cap * sizeof *more);
		if (!more)
			return -ENOMEM;
		x->v = more;
		x->cap = cap;
	}
	x->v[x->n].s = *s;
	snprintf(x->v[x->n].school, sizeof x->v[x->n].school, "%s", s->school ? s->school : "");
	x->v[x->n].s.school = x->v[x->n].school;
	x->v[x->n].at = x->n;
	x->n++;
	return 0;
}

static int owes(const struct row *w)
{
	return w->s.overdue ? 0 : w->s.seen_ms == 0 ? 1 : 2;
}

static int by_owing(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = owes(x) - owes(y);

	return d ? d : x->at < y->at ? -1 : x->at > y->at;
}

void web_school_standings(struct web_req *r, struct web_page *p, const struct kind *k,
			  const struct kind_env *env, const Safecampus__Record *rec,
			  const char *today)
{
	struct rows x = { 0 };
	size_t unseen = 0, late = 0;
	int rc;

	if (r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU || !k->ops || !k->ops->each_school ||
	    rec->deleted)
		return;
	rc = k->ops->each_school(env, rec, today, keep, &x);
	if (rc) {
		web_p(p, "<p class=\"error\" id=\"schools-error\">");
		web_e(p, _("The schools' answers cannot be read from this computer's store."));
		web_p(p, "</p>\n");
		free(x.v);
		return;
	}
	for (size_t i = 0; i < x.n; i++) {
		unseen += x.v[i].s.seen_ms == 0;
		late += x.v[i].s.overdue;
	}
	if (x.n > 1)
		qsort(x.v, x.n, sizeof *x.v, by_owing);
	web_p(p, "<h2>%s</h2>\n<p id=\"schools-summary\">", _("The schools' answers"));
	web_p(p, ngettext("%zu school: ", "%zu schools: ", x.n), x.n);
	web_p(p, _("%zu not yet acknowledged, %zu overdue with their report."), unseen, late);
	web_p(p,
	      "</p>\n<table id=\"schools\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
	      "<th>%s</th></tr></thead><tbody>\n",
	      _("School"), _("Status"), _("Acknowledged at"), _("Reported on"));
	for (size_t i = 0; i < x.n; i++) {
		const struct kind_school_standing *s = &x.v[i].s;
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)strcspn(s->status, " !"), s->status);
		web_p(p, "<tr%s><td>", s->overdue ? " class=\"rejected\"" : "");
		web_e(p, web_school_label(r->w, s->school));
		web_p(p, "</td><td>");
		web_e(p, kind_status_label(w));
		if (s->overdue)
			web_e(p, _(" (overdue)"));
		web_p(p, "</td><td>");
		if (s->seen_ms)
			web_time_cell(p, s->seen_ms);
		else
			web_e(p, _("not yet"));
		web_p(p, "</td><td>");
		if (s->reported[0])
			web_date_cell(p, s->reported);
		else
			web_e(p, _("not yet"));
		web_p(p, "</td></tr>\n");
	}
	web_p(p, "</tbody></table>\n");
	free(x.v);
}
