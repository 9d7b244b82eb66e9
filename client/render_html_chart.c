/* The inline SVG charts of the HTML dashboard: score ranking bars, monthly
 * trend lines, hazard ageing stacked bars. Each carries <title>/<desc>, and
 * its numbers are in a table too (render_html.c). */
#include "render_html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dashboard.h"
#include "dashboard_text.h"
#include "i18n.h"

/* ---------------------------------------------------------------- charts */

/* Gridlines for an axis 0..ymax from nice_max: steps of 1, 2.5 or 5 tenths. */
static int nice_ticks(double ymax)
{
	double p = 1;

	while (p * 10 <= ymax)
		p *= 10;
	while (p > ymax)
		p /= 10;
	return ymax / p > 1.5 && ymax / p < 2.5 ? 4 : 5;
}

/* A nice upper bound for an axis: 1, 2 or 5 times a power of ten. */
static double nice_max(double v)
{
	double p = 1, m;

	if (!(v > 0))
		return 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v)
		p /= 10;
	m = v / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void svg_open(struct html *h, unsigned w, unsigned ht, const char *title, const char *desc,
		     const char *cls)
{
	unsigned id = ++h->ids;

	html_out(h,
		 "<svg class=\"%s\" viewBox=\"0 0 %u %u\" role=\"img\" aria-labelledby=\"t%u d%u\" "
		 "xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"t%u\">",
		 cls, w, ht, id, id, id);
	html_esc(h, title);
	html_out(h, "</title>\n<desc id=\"d%u\">", id);
	html_esc(h, desc);
	html_raw(h, "</desc>\n");
}

/* Score ranking: one horizontal bar (rect.bar) per school, own school in
 * another colour, the district average as a dashed line. */
void html_chart_ranking(struct html *h, const size_t *order)
{
	const Safecampus__Dashboard *d = h->d;
	const unsigned left = 290, plot = 590, row = 26, top = 28;
	unsigned ht = top + (unsigned)d->n_schools * row + 12;
	char buf[32];

	if (!d->n_schools)
		return;
	html_out(h, "<section id=\"ranking\">\n<h2>%s</h2>\n", _("Safe-campus score ranking"));
	svg_open(h, 960, ht, _("Safe-campus score by school, best first"),
		 h->r->bureau ? _("Horizontal bars, one per school, score 0 to 100.")
			      : _("Horizontal bars, one per school, score 0 to 100; your school is "
				  "highlighted, the others are not named."),
		 "chart ranking");
	for (int g = 0; g <= 100; g += 25) {
		double x = left + plot * g / 100.0;
		html_out(h,
			 "<line class=\"grid\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
			 "<text class=\"axis\" x=\"%.1f\" y=\"%u\" "
			 "text-anchor=\"middle\">%d</text>\n",
			 x, top - 6, x, ht - 10, x, top - 10, g);
	}
	if (h->district && d->n_schools) {
		double x = left + plot *
					  (d->score < 0     ? 0
					   : d->score > 100 ? 100
							    : d->score) /
					  100.0;
		html_out(h,
			 "<line class=\"avg\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"><title>",
			 x, top - 4, x, ht - 10);
		html_out(h, _("District average %.1f"), d->score);
		html_raw(h, "</title></line>\n");
	}
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		bool self = html_row_self(h, s);
		double sc = s->score < 0 ? 0 : s->score > 100 ? 100 : s->score;
		double y = top + (double)k * row;
		const char *name = render__school_name(h->r, s, buf, sizeof buf);

		html_out(h, "<text x=\"%u\" y=\"%.1f\" text-anchor=\"end\"%s>%u. ", left - 10,
			 y + 14, self ? " font-weight=\"700\"" : "", s->rank);
		html_esc_cut(h, name, self && !h->r->bureau ? 30 : 36);
		if (self && !h->r->bureau)
			html_raw(h, _(" (you)"));
		html_out(h,
			 "</text>\n<rect class=\"bar%s\" x=\"%u\" y=\"%.1f\" width=\"%.1f\" "
			 "height=\"18\" rx=\"3\">"
			 "<title>",
			 self ? " self" : "", left, y + 1, plot * sc / 100.0);
		html_esc(h, name);
		html_out(h, ": %.1f</title></rect>\n<text x=\"%.1f\" y=\"%.1f\">%.1f</text>\n",
			 s->score, left + plot * sc / 100.0 + 6, y + 14, s->score);
	}
	html_raw(h, "</svg>\n");
	if (h->district)
		html_out(h, "<p class=\"legend\">%s</p>\n", _("Dashed line: district average."));
	html_raw(h, "</section>\n");
}

struct series {
	const Safecampus__Trend *t;
	const char *unit;
	double target;
	bool has_target;
};

/* One line chart of a trend over the months of `base` (gaps where a month
 * has no value), with the target as a dashed line. */
static void chart_line(struct html *h, const Safecampus__Trend *base, const struct series *s,
		       const char *title, unsigned w, unsigned ht)
{
	const unsigned left = 46, right = 30, top = 14, bottom = 26;
	double plot_w = w - left - right, plot_h = ht - top - bottom, ymax = 0;
	size_t nm = base->n_months;
	bool pct = s->unit && strcmp(s->unit, "%") == 0;
	char month[8], desc[256], v[32];
	bool open = false;

	render__month(h->r, month);
	for (size_t i = 0; i < s->t->n_months; i++)
		if (s->t->months[i]->has_value && s->t->months[i]->value > ymax)
			ymax = s->t->months[i]->value;
	if (s->has_target && s->target > ymax)
		ymax = s->target;
	if (pct || strcmp(s->t->key ? s->t->key : "", "score") == 0)
		ymax = 100;
	else if (s->unit && strcmp(s->unit, "count") == 0)
		ymax = nice_max(ymax * 1.1 < 5 ? 5 : ymax * 1.1); /* whole numbers on the axis */
	else
		ymax = nice_max(ymax * 1.1);
	snprintf(desc, sizeof desc,
		 _("Line chart, one point per month from %s to %s, axis 0 to %g%s."),
		 nm ? base->months[0]->month : "", nm ? base->months[nm - 1]->month : "", ymax,
		 pct ? "%" : "");
	svg_open(h, w, ht, title, desc, "chart trend");
	for (int g = 0, nt = ymax == 100 ? 4 : nice_ticks(ymax); g <= nt; g++) {
		double y = top + plot_h - plot_h * g / nt;
		html_out(h,
			 "<line class=\"grid\" x1=\"%u\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			 "<text class=\"axis\" x=\"%u\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			 left, y, left + plot_w, y, left - 6, y + 4, ymax * g / nt);
	}
	for (size_t m = 0; m < nm; m++) {
		double x =
			nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		const char *mm = base->months[m]->month ? base->months[m]->month : "";
		html_out(h, "<text class=\"axis\" x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">", x,
			 ht - 8);
		html_esc(h, strlen(mm) == 7 && (w < 500) ? mm + 2 : mm);
		html_raw(h, "</text>\n");
	}
	if (s->has_target && s->target >= 0 && s->target <= ymax) {
		double y = top + plot_h - plot_h * s->target / ymax;
		html_out(h,
			 "<line class=\"target\" x1=\"%u\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
			 "<title>%s</title></line>\n",
			 left, y, left + plot_w, y, _("target"));
	}
	/* the line, broken where a month has no value */
	for (size_t m = 0; m < nm; m++) {
		const Safecampus__MonthValue *mv = NULL;
		for (size_t j = 0; j < s->t->n_months; j++)
			if (s->t->months[j]->month && base->months[m]->month &&
			    strcmp(s->t->months[j]->month, base->months[m]->month) == 0)
				mv = s->t->months[j];
		if (!mv || !mv->has_value) {
			if (open)
				html_raw(h, "\"/>\n");
			open = false;
			continue;
		}
		double x =
			nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		double val = mv->value < 0 ? 0 : mv->value > ymax ? ymax : mv->value;
		double y = top + plot_h - plot_h * val / ymax;
		if (!open)
			html_raw(h, "<polyline class=\"line\" points=\"");
		html_out(h, "%s%.1f,%.1f", open ? " " : "", x, y);
		open = true;
	}
	if (open)
		html_raw(h, "\"/>\n");
	for (size_t m = 0; m < nm; m++) {
		const Safecampus__MonthValue *mv = NULL;
		for (size_t j = 0; j < s->t->n_months; j++)
			if (s->t->months[j]->month && base->months[m]->month &&
			    strcmp(s->t->months[j]->month, base->months[m]->month) == 0)
				mv = s->t->months[j];
		if (!mv || !mv->has_value)
			continue;
		double x =
			nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		double val = mv->value < 0 ? 0 : mv->value > ymax ? ymax : mv->value;
		double y = top + plot_h - plot_h * val / ymax;
		bool focus = mv->month && strcmp(mv->month, month) == 0;
		dashboard_fmt_value(v, sizeof v, mv->value, true, s->unit, DASHBOARD_FMT_FULL);
		html_out(h, "<circle class=\"pt%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>",
			 focus ? " focus" : "", x, y, focus ? "5" : "3.5");
		html_esc(h, mv->month);
		html_raw(h, ": ");
		html_esc(h, v);
		html_raw(h, "</title></circle>\n");
	}
	html_raw(h, "</svg>\n");
}

void html_trends(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const Safecampus__Trend *base = dashboard_trend(d, "score");
	size_t nm;
	bool weighted = false;

	if (!d->n_trends)
		return;
	if (!base || !base->n_months)
		base = d->trends[0];
	nm = base->n_months;
	if (!nm)
		return;
	html_raw(h, "<section id=\"trends\">\n<h2>");
	html_raw(h, _("Month by month"));
	if (h->district)
		html_raw(h, _(" (district averages)"));
	html_raw(h, "</h2>\n<p class=\"note\">");
	html_esc(h, _("Each month is the period from its start to that month's end: the last month "
		      "is the figures above."));
	html_raw(h, "</p>\n");
	if (dashboard_trend(d, "score")) {
		struct series s = { .t = dashboard_trend(d, "score"),
				    .unit = "",
				    .has_target = false };
		chart_line(h, base, &s,
			   h->district ? _("District average safe-campus score by month")
				       : _("Safe-campus score by month"),
			   960, 240);
	}
	/* the key indicators: those in the score (all, if none is weighted) */
	for (size_t k = 0; k < d->n_trends && !weighted; k++) {
		const Safecampus__Indicator *ind = html_any_indicator(d, d->trends[k]->key);
		weighted = ind && ind->weight > 0;
	}
	html_raw(h, "<div class=\"grid3\">\n");
	for (size_t k = 0; k < d->n_trends; k++) {
		const Safecampus__Trend *t = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind;
		struct series s = { .t = t };
		char title[256];
		if (t->key && strcmp(t->key, "score") == 0)
			continue;
		ind = html_any_indicator(d, t->key);
		if (weighted && (!ind || ind->weight <= 0))
			continue;
		s.unit = ind ? ind->unit : "";
		s.target = ind ? ind->target : 0;
		s.has_target = ind != NULL;
		snprintf(title, sizeof title, _("%s by month"),
			 ind      ? html_ind_label(ind)
			 : t->key ? t->key
				  : "");
		html_raw(h, "<div class=\"mini\"><h3>");
		html_esc(h, ind ? html_ind_label(ind) : t->key);
		html_raw(h, "</h3>\n");
		chart_line(h, base, &s, title, 420, 190);
		html_raw(h, "</div>\n");
	}
	html_out(h, "</div>\n<p class=\"legend\">%s</p>\n",
		 _("The indicators in the score. Dashed green line: target. Larger "
		   "point: the month in focus. Every indicator's months are in the table below."));
	/* the numbers behind the charts */
	html_out(h,
		 "<details><summary>%s</summary>\n<table>\n<caption>%s"
		 "</caption>\n<thead><tr><th scope=\"col\">%s</th>",
		 _("Table of the monthly values"), _("Monthly values"), _("Indicator"));
	for (size_t m = 0; m < nm; m++) {
		html_raw(h, "<th scope=\"col\" class=\"n\">");
		html_esc(h, base->months[m]->month);
		html_raw(h, "</th>");
	}
	html_raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_trends; k++) {
		const Safecampus__Trend *t = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind = html_any_indicator(d, t->key);
		bool is_score = t->key && strcmp(t->key, "score") == 0;
		html_raw(h, "<tr><th scope=\"row\">");
		html_esc(h, is_score ? _("Safe-campus score")
			    : ind    ? html_ind_label(ind)
				     : dashboard_indicator_label(t->key, NULL));
		html_raw(h, "</th>");
		for (size_t m = 0; m < nm; m++) {
			const Safecampus__MonthValue *mv = NULL;
			char v[32];
			for (size_t j = 0; j < t->n_months; j++)
				if (t->months[j]->month && base->months[m]->month &&
				    strcmp(t->months[j]->month, base->months[m]->month) == 0)
					mv = t->months[j];
			dashboard_fmt_value(v, sizeof v, mv ? mv->value : 0, mv && mv->has_value,
					    ind ? ind->unit : "", DASHBOARD_FMT_FULL);
			html_raw(h, "<td class=\"n\">");
			html_esc(h, v);
			html_raw(h, "</td>");
		}
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n</details>\n</section>\n");
}

/* Open hazards by age: one stacked bar per bucket, overdue below, the rest of
 * the open ones above (overdue is part of open). */
void html_chart_ageing(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const unsigned left = 46, top = 16, plot_h = 200, w = 960, ht = 260;
	size_t n = d->n_hazard_ageing;
	double ymax = 0, slot;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		if (d->hazard_ageing[i]->open > ymax)
			ymax = d->hazard_ageing[i]->open;
	ymax = nice_max(ymax < 4 ? 4 : ymax);
	slot = (double)(w - left - 20) / (double)n;
	html_out(h, "<section id=\"ageing\">\n<h2>%s</h2>\n", _("Open hazards by age"));
	svg_open(h, w, ht, _("Open hazards by age since report"),
		 _("Stacked bars, one per age bucket: overdue hazards (red) and open hazards still "
		   "within "
		   "their deadline (amber)."),
		 "chart ageing");
	for (int g = 0, nt = nice_ticks(ymax); g <= nt; g++) {
		double y = top + plot_h - plot_h * g / nt;
		html_out(h,
			 "<line class=\"grid\" x1=\"%u\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\"/>"
			 "<text class=\"axis\" x=\"%u\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			 left, y, w - 20, y, left - 6, y + 4, ymax * g / nt);
	}
	for (size_t i = 0; i < n; i++) {
		const Safecampus__AgeBucket *b = d->hazard_ageing[i];
		uint32_t over = b->overdue > b->open ? b->open : b->overdue;
		uint32_t open = b->open >= b->overdue ? b->open : b->overdue;
		double x = left + slot * (double)i + slot * 0.2, bw = slot * 0.6;
		double ho = plot_h * over / ymax, ha = plot_h * (open - over) / ymax;
		double y0 = top + plot_h;
		char lb[64];
		const char *label = dashboard_title_text(b->label, lb, sizeof lb);
		html_out(h,
			 "<rect class=\"age-overdue\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			 "height=\"%.1f\">"
			 "<title>",
			 x, y0 - ho, bw, ho);
		html_esc(h, label);
		html_out(h, _(": %u overdue"), over);
		html_raw(h, "</title></rect>\n");
		html_out(h,
			 "<rect class=\"age-open\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			 "height=\"%.1f\">"
			 "<title>",
			 x, y0 - ho - ha, bw, ha);
		html_esc(h, label);
		html_out(h, _(": %u open within the deadline"), open - over);
		html_raw(h, "</title></rect>\n");
		html_out(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%u</text>\n",
			 x + bw / 2, y0 - ho - ha - 5, open);
		html_out(h, "<text class=\"axis\" x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">",
			 x + bw / 2, ht - 22);
		html_esc(h, label);
		html_raw(h, "</text>\n");
	}
	html_out(h,
		 "</svg>\n<p class=\"legend\"><span style=\"background:#c0392b\"></span>%s"
		 "<span style=\"background:#f0b429\"></span>%s</p>\n",
		 _("overdue"), _("open, within its deadline"));
	html_out(h,
		 "<table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" "
		 "class=\"n\">%s</th></tr></thead>\n<tbody>\n",
		 _("Open hazards by age"), _("Age"), _("Open"), _("Overdue"));
	for (size_t i = 0; i < n; i++) {
		char lb[64];
		html_raw(h, "<tr><td>");
		html_esc(h, dashboard_title_text(d->hazard_ageing[i]->label, lb, sizeof lb));
		html_out(h, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td></tr>\n",
			 d->hazard_ageing[i]->open, d->hazard_ageing[i]->overdue);
	}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
}
