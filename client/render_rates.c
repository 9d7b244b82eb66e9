/* The reporting-rate and timeliness table (DHIS2's reports are the model):
 * per data set, how many submissions the period owed so far (expected), how
 * many were made (received) and how many by their due day (on time). The
 * server computes the counts (server/sql/029_rates.sql) and sends them in
 * Dashboard.rates; the rates are computed here from the counts, so a
 * district's rate is its sums' (never a mean of the schools' rates), and a
 * data set that owed nothing shows "—", not 100 %. */
#include "render_rates.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dashboard.h"
#include "i18n.h"

static const struct {
	const char *kind, *name, *abbr;
} kinds[] = {
	{ "notice_report", N_("Notice reports"), NC_("rate", "Notice") },
	{ "drill", N_("Drills"), NC_("rate", "Drill") },
	{ "letter", N_("Responsibility letters"), NC_("rate", "Letter") },
	{ "equipment_check", N_("Equipment checks"), NC_("rate", "Equip.") },
	{ "bus_inspection", N_("Bus inspections"), NC_("rate", "Bus") },
	{ "education_1530", N_("\"1530\" sessions"), NC_("rate", "1530") },
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

const char *render_rate_kind(const char *kind)
{
	for (size_t k = 0; k < N_KINDS; k++)
		if (!strcmp(kind, kinds[k].kind))
			return _(kinds[k].name);
	return kind;
}

void render_rate_pct(char *out, size_t n, uint32_t num, uint32_t den, int ascii)
{
	if (!den)
		snprintf(out, n, "%s", ascii ? "-" : "—");
	else
		snprintf(out, n, "%.1f%%", 100.0 * num / den);
}

/* the compact form of a column: "83%" */
static void pct_short(char *out, size_t n, uint32_t num, uint32_t den, int ascii)
{
	if (!den)
		snprintf(out, n, "%s", ascii ? "-" : "—");
	else
		snprintf(out, n, "%.0f%%", 100.0 * num / den);
}

/* One school's (or the district's) counts: per kind in kinds' order, and
 * over all of them. */
struct tally {
	const char *school;
	uint32_t k[N_KINDS][3]; /* expected, received, on time */
	uint32_t all[3];
	bool has[N_KINDS]; /* the rows carry this data set */
	bool any;
};

static void tally_of(const Safecampus__Dashboard *d, const char *school, struct tally *t)
{
	memset(t, 0, sizeof *t);
	t->school = school;
	for (size_t i = 0; i < d->n_rates; i++) {
		const Safecampus__ReportingRate *x = d->rates[i];
		if (strcmp(x->school ? x->school : "", school))
			continue;
		t->any = true;
		t->all[0] += x->expected;
		t->all[1] += x->received;
		t->all[2] += x->on_time;
		for (size_t k = 0; k < N_KINDS; k++)
			if (x->kind && !strcmp(x->kind, kinds[k].kind)) {
				t->k[k][0] += x->expected;
				t->k[k][1] += x->received;
				t->k[k][2] += x->on_time;
				t->has[k] = true;
			}
	}
}

/* The school whose rows a school's view (or a drill-down) shows: the scope,
 * else the only school the rows name. */
static const char *own_school(const Safecampus__Dashboard *d)
{
	if (d->scope && *d->scope)
		return d->scope;
	return d->n_rates ? d->rates[0]->school : "";
}

static bool district_view(const struct render_ctx *r)
{
	return r->bureau && !(r->d->scope && *r->d->scope);
}

static void rcell(FILE *f, const char *s, size_t width)
{
	size_t w = cli_width(s);

	fprintf(f, "%*s", (int)(w < width ? width - w : 0), "");
	cli_text(f, s);
}

static void rnum(FILE *f, uint32_t v, size_t width)
{
	char b[16];

	snprintf(b, sizeof b, "%u", v);
	rcell(f, b, width);
}

static void term_note(FILE *f, const struct render_ctx *r)
{
	char note[512];

	snprintf(note, sizeof note,
		 _("Rate: received of expected; timely: made by the due day, of expected. "
		   "Expected: owed in the period with the due day passed, or already made. "
		   "\"%s\": nothing was expected."),
		 r->ascii ? "-" : "—");
	fputs("  ", f);
	cli_wrap(f, note, 2, 96);
}

static void term_school(FILE *f, const struct render_ctx *r)
{
	struct tally t;
	char a[16], b[16];

	tally_of(r->d, own_school(r->d), &t);
	fprintf(f, "  ");
	cli_cell(f, _("DATA SET"), 28);
	rcell(f, _("EXPECTED"), 10);
	rcell(f, _("RECEIVED"), 10);
	rcell(f, _("ON TIME"), 10);
	rcell(f, _("RATE"), 10);
	rcell(f, _("TIMELY"), 10);
	fputc('\n', f);
	for (size_t k = 0; k < N_KINDS; k++) {
		if (!t.has[k])
			continue;
		fprintf(f, "  ");
		cli_cell(f, _(kinds[k].name), 28);
		rnum(f, t.k[k][0], 10);
		rnum(f, t.k[k][1], 10);
		rnum(f, t.k[k][2], 10);
		render_rate_pct(a, sizeof a, t.k[k][1], t.k[k][0], r->ascii);
		render_rate_pct(b, sizeof b, t.k[k][2], t.k[k][0], r->ascii);
		rcell(f, a, 10);
		rcell(f, b, 10);
		fputc('\n', f);
	}
}

/* one line of the district table: name, overall counts and rates, and each
 * data set's rate */
static void term_row(FILE *f, const struct render_ctx *r, const char *name, const struct tally *t)
{
	char a[16];

	fprintf(f, "  ");
	cli_cell(f, name, 24);
	rnum(f, t->all[0], 7);
	rnum(f, t->all[1], 7);
	render_rate_pct(a, sizeof a, t->all[1], t->all[0], r->ascii);
	rcell(f, a, 8);
	render_rate_pct(a, sizeof a, t->all[2], t->all[0], r->ascii);
	rcell(f, a, 8);
	for (size_t k = 0; k < N_KINDS; k++) {
		pct_short(a, sizeof a, t->k[k][1], t->k[k][0], r->ascii);
		rcell(f, a, 7);
	}
	fputc('\n', f);
}

static int term_district(FILE *f, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;
	size_t *order = malloc((d->n_schools + 1) * sizeof *order);
	struct tally t;
	char buf[64];
	int rc;

	if (!order)
		return -ENOMEM;
	rc = dashboard_sort_schools(d, r->sort, order);
	if (rc) {
		free(order);
		return rc;
	}
	fprintf(f, "  ");
	cli_cell(f, _("SCHOOL"), 24);
	rcell(f, _("EXPECT"), 7);
	rcell(f, _("RECV"), 7);
	rcell(f, _("RATE"), 8);
	rcell(f, _("TIMELY"), 8);
	for (size_t k = 0; k < N_KINDS; k++)
		rcell(f, i18n_pgettext("rate", kinds[k].abbr), 7);
	fputc('\n', f);
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *s = d->schools[order[i]];
		tally_of(d, s->school ? s->school : "", &t);
		if (!t.any || !s->school || !*s->school)
			continue;
		term_row(f, r, render__school_name(r, s, buf, sizeof buf), &t);
	}
	tally_of(d, "", &t);
	if (t.any)
		term_row(f, r, _("District (sums)"), &t);
	free(order);
	fputs("  ", f);
	cli_wrap(f,
		 _("Each school over every data set, then each data set's rate (received of "
		   "expected). The district's row sums the schools' counts."),
		 2, 96);
	return 0;
}

int render_rates_term(FILE *f, const struct render_ctx *r)
{
	int rc = 0;

	if (!r->d->n_rates)
		return 0;
	fputc('\n', f);
	fputs(_("REPORTING RATES AND TIMELINESS"), f);
	fputc('\n', f);
	if (district_view(r))
		rc = term_district(f, r);
	else
		term_school(f, r);
	if (!rc)
		term_note(f, r);
	return rc;
}

/* ------------------------------------------------------------------ HTML */

/* a rate cell: data-v is the number the table sorts by ("" = no rate: last) */
static void html_pct(struct html *h, uint32_t num, uint32_t den, bool compact)
{
	char v[16];

	if (compact)
		pct_short(v, sizeof v, num, den, 0);
	else
		render_rate_pct(v, sizeof v, num, den, 0);
	if (den)
		html_out(h, "<td class=\"n\" data-v=\"%.2f\">", 100.0 * num / den);
	else
		html_raw(h, "<td class=\"n\" data-v=\"\">");
	html_esc(h, v);
	html_raw(h, "</td>");
}

static void html_school(struct html *h)
{
	struct tally t;

	tally_of(h->d, own_school(h->d), &t);
	html_out(h,
		 "<table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th></tr></thead>\n<tbody>\n",
		 _("Every submission owed in the period, per data set"), _("Data set"),
		 _("Expected"), _("Received"), _("On time"), _("Reporting rate"), _("Timeliness"));
	for (size_t k = 0; k < N_KINDS; k++) {
		if (!t.has[k])
			continue;
		html_raw(h, "<tr><th scope=\"row\">");
		html_esc(h, _(kinds[k].name));
		html_out(h,
			 "</th><td class=\"n\">%u</td><td class=\"n\">%u</td><td "
			 "class=\"n\">%u</td>",
			 t.k[k][0], t.k[k][1], t.k[k][2]);
		html_pct(h, t.k[k][1], t.k[k][0], false);
		html_pct(h, t.k[k][2], t.k[k][0], false);
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n");
}

static void html_row(struct html *h, const struct tally *t)
{
	html_out(h, "<td class=\"n\" data-v=\"%u\">%u</td><td class=\"n\" data-v=\"%u\">%u</td>",
		 t->all[0], t->all[0], t->all[1], t->all[1]);
	html_pct(h, t->all[1], t->all[0], false);
	html_pct(h, t->all[2], t->all[0], false);
	for (size_t k = 0; k < N_KINDS; k++)
		html_pct(h, t->k[k][1], t->k[k][0], true);
}

static int html_district(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	size_t *order = malloc((d->n_schools + 1) * sizeof *order);
	struct tally t;
	char buf[64];
	int rc;

	if (!order)
		return -ENOMEM;
	rc = dashboard_sort_schools(d, h->r->sort, order);
	if (rc) {
		free(order);
		return rc;
	}
	html_out(h,
		 "<div style=\"overflow-x:auto\"><table id=\"rates-table\" class=\"sortable\">\n"
		 "<caption>%s</caption>\n<thead><tr>"
		 "<th scope=\"col\" data-best=\"ascending\"><button "
		 "type=\"button\">%s</button></th>",
		 _("Each school over every data set; click a column header to sort by it"),
		 _("School"));
	const char *cols[] = { _("Expected"), _("Received"), _("Reporting rate"), _("Timeliness") };
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
		html_out(h,
			 "<th scope=\"col\" class=\"n\" data-best=\"descending\"><button "
			 "type=\"button\">%s</button></th>",
			 cols[c]);
	for (size_t k = 0; k < N_KINDS; k++) {
		html_raw(h, "<th scope=\"col\" class=\"n\" data-best=\"descending\" title=\"");
		html_esc(h, _(kinds[k].name));
		html_raw(h, "\"><button type=\"button\"><abbr title=\"");
		html_esc(h, _(kinds[k].name));
		html_raw(h, "\">");
		html_esc(h, i18n_pgettext("rate", kinds[k].abbr));
		html_raw(h, "</abbr></button></th>");
	}
	html_raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *s = d->schools[order[i]];
		tally_of(d, s->school ? s->school : "", &t);
		if (!t.any || !s->school || !*s->school)
			continue;
		const char *name = render__school_name(h->r, s, buf, sizeof buf);
		html_raw(h, "<tr><td class=\"name\" data-v=\"");
		html_esc(h, name);
		html_raw(h, "\">");
		html_esc(h, name);
		html_raw(h, "</td>");
		html_row(h, &t);
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody>\n");
	tally_of(d, "", &t);
	if (t.any) {
		html_out(h, "<tfoot><tr><th scope=\"row\">%s</th>", _("District (sums)"));
		html_row(h, &t);
		html_raw(h, "</tr></tfoot>\n");
	}
	html_raw(h, "</table></div>\n");
	free(order);
	return 0;
}

int render_rates_html(struct html *h)
{
	int rc = 0;

	if (!h->d->n_rates)
		return 0;
	html_out(h, "<section id=\"rates\">\n<h2>%s</h2>\n", _("Reporting rates and timeliness"));
	if (h->district)
		rc = html_district(h);
	else
		html_school(h);
	html_out(h, "<p class=\"legend\">%s</p>\n</section>\n",
		 _("Reporting rate: received of expected; timeliness: made by the due day, of "
		   "expected. Expected: owed in the period with the due day passed, or already "
		   "made. \"—\": nothing was expected (no rate)."));
	return rc;
}
