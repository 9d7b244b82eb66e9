/* The bureau's table of every school side by side (render_html.c draws the
 * rest of the page): a head per indicator in the reader's words with its
 * full name as the tooltip, sortable by any column (the page's script), and
 * in serve's page (render_ctx.web) each school's name a link to its
 * drill-down rather than a command to run. */
#include "render.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dashboard_text.h"
#include "i18n.h"
#include "render_html.h"

/* "12 records not yet synced" for the ranking (static buffer: one use per
 * call of html_out). */
static const char *html_unsent(uint64_t n)
{
	static char buf[96];

	snprintf(buf, sizeof buf, _("%llu records not yet synced"), (unsigned long long)n);
	return buf;
}

/* A value as a cell of the school table shows it: compact, but days in
 * the reader's words ("10.8 天", not the terminal's "10.8d"). */
static void cell_text(char *out, size_t n, const Safecampus__Indicator *i, const char *unit)
{
	const char *u = i && i->unit ? i->unit : unit ? unit : "";
	bool days = !strcmp(u, "days") || !strcmp(u, "day");

	dashboard_fmt_value(out, n, i ? i->value : 0, i && i->has_value, u,
			    days ? DASHBOARD_FMT_FULL : DASHBOARD_FMT_COMPACT);
}

static void cell_value(struct html *h, const Safecampus__Indicator *i, const char *unit)
{
	char v[32], plain[32];

	cell_text(v, sizeof v, i, unit);
	dashboard_fmt_value(plain, sizeof plain, i ? i->value : 0, i && i->has_value, "",
			    DASHBOARD_FMT_PLAIN);
	html_raw(h, "<td class=\"n");
	if (i && !dashboard_meets_target(i))
		html_raw(h, " miss");
	html_raw(h, "\" data-v=\"");
	html_esc(h, plain);
	html_raw(h, "\">");
	html_esc(h, v);
	html_raw(h, "</td>");
}

/* s as a query value: what is not [A-Za-z0-9._-] percent-encoded, so an id
 * cannot end the value or the attribute (serve takes only those ids). */
void html_url_part(struct html *h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-')
			fputc(*p, h->f);
		else
			html_out(h, "%%%02X", *p);
}

/* The head of the column the table is sorted by (sort as dashboard_sort_schools
 * takes it: "score", "name", an indicator's key or short header), in words;
 * *col gets its index among cols, -1 for rank/name/score's own columns. */
static const char *sort_head(const char *sort, Safecampus__Indicator *const *cols, size_t ncols,
			     int *col)
{
	*col = -1;
	if (!strcmp(sort, "score") || !strcmp(sort, "rank"))
		return dashboard_column_head("score", NULL);
	if (!strcmp(sort, "name") || !strcmp(sort, "school"))
		return dashboard_column_head("name", NULL);
	for (size_t c = 0; c < ncols; c++)
		if ((cols[c]->key && !strcmp(cols[c]->key, sort)) ||
		    strcasecmp(dashboard_short(cols[c]->key), sort) == 0) {
			*col = (int)c;
			return dashboard_column_head(cols[c]->key, cols[c]->label);
		}
	return sort;
}

/* A sortable column head: its words, the full name as the tooltip, the
 * arrow of the order the page came in (aria-sort) on the sorted one. */
static void sort_th(struct html *h, bool num, bool desc_best, const char *head, const char *full,
		    bool sorted)
{
	html_out(h, "<th scope=\"col\"%s data-best=\"%s\"", num ? " class=\"n\"" : "",
		 desc_best ? "descending" : "ascending");
	if (sorted)
		html_out(h, " aria-sort=\"%s\"", desc_best ? "descending" : "ascending");
	if (full && strcmp(full, head)) {
		html_raw(h, " title=\"");
		html_esc(h, full);
		html_raw(h, "\"");
	}
	html_raw(h, "><button type=\"button\">");
	html_esc(h, head);
	html_raw(h, "</button></th>");
}

void html_school_table(struct html *h, const size_t *order)
{
	const Safecampus__Dashboard *d = h->d;
	Safecampus__Indicator *const *cols = d->indicators;
	size_t ncols = d->n_indicators;
	const char *sort = h->r->sort && *h->r->sort ? h->r->sort : "score";
	const char *by;
	int sorted;
	char buf[32];

	for (size_t i = 0; i < d->n_schools && !ncols; i++) {
		cols = d->schools[i]->indicators;
		ncols = d->schools[i]->n_indicators;
	}
	by = sort_head(sort, cols, ncols, &sorted);
	html_out(h,
		 "<section id=\"schools\">\n<h2>%s</h2>\n"
		 "<div style=\"overflow-x:auto\"><table id=\"school-table\" "
		 "class=\"sortable\">\n<caption>",
		 _("Schools side by side"));
	html_raw(h, _("Sorted by "));
	html_esc(h, by);
	html_raw(h,
		 _("; click a column header to sort by it (best first). Red: misses the target. "));
	if (h->r->web)
		html_raw(h, _("Click a school's name to see that school in full."));
	else
		/* TRANSLATORS: HTML; keep the <code> element */
		html_raw(h,
			 _("One school in full: <code>safecampus dashboard --school ID</code>."));
	html_raw(h, "</caption>\n<thead><tr>");
	sort_th(h, true, false, _("Rank"), NULL, false);
	sort_th(h, false, false, dashboard_column_head("name", NULL), NULL,
		!strcmp(sort, "name") || !strcmp(sort, "school"));
	sort_th(h, true, true, dashboard_column_head("score", NULL),
		dashboard_indicator_label("score", NULL),
		!strcmp(sort, "score") || !strcmp(sort, "rank"));
	for (size_t c = 0; c < ncols; c++)
		sort_th(h, true, cols[c]->higher_is_better,
			dashboard_column_head(cols[c]->key, cols[c]->label),
			html_ind_label(cols[c]), sorted == (int)c);
	html_raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		const char *name = render__school_name(h->r, s, buf, sizeof buf);
		bool link = h->r->web && h->r->bureau && s->school && *s->school;
		html_out(h,
			 "<tr%s><td class=\"n\" data-v=\"%u\">%u</td><td class=\"name\" data-v=\"",
			 html_row_self(h, s) ? " class=\"self\"" : "", s->rank, s->rank);
		html_esc(h, name);
		html_raw(h, "\">");
		if (link) {
			/* the drill-down of serve's page, which the frame is inside */
			html_raw(h, "<a target=\"_top\" href=\"/dashboard?school=");
			html_url_part(h, s->school);
			html_raw(h, "\">");
		}
		html_esc(h, name);
		if (link)
			html_raw(h, "</a>");
		if (h->r->bureau && s->school && *s->school) {
			html_raw(h, " <span class=\"detail\">");
			html_esc(h, s->school);
			html_raw(h, "</span>");
		}
		if (s->outbox_pending) /* done there, not yet synced: not idle */
			html_out(h, " <span class=\"pending\">%s</span>",
				 html_unsent(s->outbox_pending));
		html_out(h, "</td><td class=\"n\" data-v=\"%.2f\">%.1f</td>", s->score, s->score);
		for (size_t c = 0; c < ncols; c++)
			cell_value(
				h,
				dashboard_indicator(s->indicators, s->n_indicators, cols[c]->key),
				cols[c]->unit);
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody>\n");
	if (h->district && d->n_indicators) {
		html_out(h,
			 "<tfoot><tr><td></td><th scope=\"row\">%s</th><td class=\"n\">%.1f</td>",
			 _("District average"), d->score);
		for (size_t c = 0; c < ncols; c++) {
			const Safecampus__Indicator *i =
				dashboard_indicator(d->indicators, d->n_indicators, cols[c]->key);
			char v[32];
			cell_text(v, sizeof v, i, cols[c]->unit);
			html_raw(h, "<td class=\"n\">");
			html_esc(h, v);
			html_raw(h, "</td>");
		}
		html_raw(h, "</tr></tfoot>\n");
	}
	html_raw(h, "</table></div>\n<p class=\"legend\">");
	for (size_t c = 0; c < ncols; c++) {
		html_raw(h, c ? _("; ") : _("Columns: "));
		html_raw(h, "<strong>");
		html_esc(h, dashboard_column_head(cols[c]->key, cols[c]->label));
		html_raw(h, "</strong> ");
		html_esc(h, html_ind_label(cols[c]));
	}
	/* TRANSLATORS: the full stop after the list of columns */
	html_raw(h, _("."));
	html_raw(h, "</p>\n</section>\n");
}
