/* One self-contained HTML page for a dashboard: inline CSS, inline SVG charts
 * (score ranking bars, monthly trend lines, hazard ageing stacked bars), the
 * tables behind them, and a few lines of inline script that only sort the
 * school table. Nothing is fetched: a Content-Security-Policy forbids it and
 * the favicon is a data: URL. Every string from the data goes through esc(),
 * which also replaces control characters and invalid UTF-8, so a school name
 * cannot break the markup. Charts carry <title>/<desc> and every chart has its
 * numbers in a table too. */
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct html {
	FILE *f;
	const struct render_ctx *r;
	const Safecampus__Dashboard *d;
	bool district;      /* the bureau's district view */
	unsigned ids;       /* for unique element ids */
};

static void out(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(h->f, fmt, ap);
	va_end(ap);
}

static void raw(struct html *h, const char *s)
{
	fputs(s, h->f);
}

/* Text or attribute value: markup characters as entities, control characters
 * and invalid UTF-8 as U+FFFD. */
static void esc(struct html *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		unsigned char c = *p;
		size_t n = 1;
		if (c < 0x80) {
			switch (c) {
			case '&':
				raw(h, "&amp;");
				break;
			case '<':
				raw(h, "&lt;");
				break;
			case '>':
				raw(h, "&gt;");
				break;
			case '"':
				raw(h, "&quot;");
				break;
			case '\'':
				raw(h, "&#39;");
				break;
			default:
				if (c < 0x20 && c != '\n' && c != '\t')
					raw(h, "\xEF\xBF\xBD");
				else if (c == 0x7F)
					raw(h, "\xEF\xBF\xBD");
				else
					fputc(c, h->f);
			}
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4;
		else
			n = 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				n = 0;
		/* overlong, surrogate and out-of-range forms */
		if (n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
			n = 0;
		if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
			n = 0;
		/* C1 controls */
		if (n == 2 && c == 0xC2 && p[1] < 0xA0)
			n = 0;
		if (n == 0) {
			raw(h, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		fwrite(p, 1, n, h->f);
		p += n;
	}
}

/* esc() of at most cols display columns of s, "…" marking a cut. */
static void esc_cut(struct html *h, const char *s, size_t cols)
{
	char buf[512];
	size_t at = 0, w = 0;

	s = s ? s : "";
	if (cli_width(s) <= cols) {
		esc(h, s);
		return;
	}
	while (s[at] && at < sizeof buf - 4) {
		unsigned char c = (unsigned char)s[at];
		size_t l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		size_t cw = cli_width_n(s + at, l);
		if (w + cw > cols - 1)
			break;
		w += cw;
		at += l;
	}
	memcpy(buf, s, at);
	memcpy(buf + at, "\xE2\x80\xA6", 4); /* … */
	esc(h, buf);
}

static const char *ind_label(const Safecampus__Indicator *i)
{
	return i->label && *i->label ? i->label : i->key ? i->key : "";
}

static const Safecampus__Indicator *any_indicator(const Safecampus__Dashboard *d, const char *key)
{
	const Safecampus__Indicator *i = dashboard_indicator(d->indicators, d->n_indicators, key);

	for (size_t s = 0; !i && s < d->n_schools; s++)
		i = dashboard_indicator(d->schools[s]->indicators, d->schools[s]->n_indicators, key);
	return i;
}

static bool row_self(const struct html *h, const Safecampus__SchoolScore *s)
{
	return s->is_self || (h->d->scope && *h->d->scope && s->school && strcmp(s->school, h->d->scope) == 0);
}

/* ---------------------------------------------------------------- page */

static const char css[] =
	":root{--ink:#1d2733;--mute:#5b6773;--line:#d8dee4;--bg:#f5f7f9;--card:#fff;"
	"--good:#1f8a4c;--bad:#c0392b;--warn:#b9770e;--accent:#2463a6;--self:#e67e22}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans',"
	"'Microsoft YaHei','PingFang SC',sans-serif;color:var(--ink);background:var(--bg)}\n"
	"header,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}\n"
	"header{padding-top:18px}\n"
	"h1{font-size:1.55rem;margin:0 0 4px}h1 .scope{color:var(--accent)}\n"
	"h2{font-size:1.15rem;margin:0 0 10px}\n"
	".meta{color:var(--mute);margin:0 0 8px}\n"
	".banner{padding:8px 12px;border-radius:6px;margin:8px 0}\n"
	".banner.offline{background:#fdf2e0;border:1px solid #f0c27b}\n"
	".banner.stored{background:#eef3f8;border:1px solid #c9d7e6}\n"
	"section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
	"padding:16px 18px;margin:16px 0}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;"
	"background:none;border:none;padding:0}\n"
	".card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}\n"
	".card .k{color:var(--mute);font-size:.85rem}.card .v{font-size:1.9rem;font-weight:650}\n"
	".card .s{color:var(--mute);font-size:.85rem}\n"
	"table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
	"caption{text-align:left;color:var(--mute);font-size:.85rem;padding-bottom:6px}\n"
	"th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
	"th{font-weight:600;font-size:.85rem;color:var(--mute);background:#fafbfc}\n"
	"td.n,th.n{text-align:right}\n"
	"tbody th,tfoot th{font-weight:500;color:var(--ink);background:none;font-size:.93rem}\n"
	"#school-table td,#school-table th{white-space:nowrap;padding:5px 6px}\n"
	"tr.self td{background:#fff4e8;font-weight:600}\n"
	"td.name{white-space:nowrap}abbr{text-decoration:none}\n"
	"tfoot td{font-weight:600;border-top:2px solid var(--line)}\n"
	".miss{color:var(--bad);font-weight:600}.good{color:var(--good)}.bad{color:var(--bad)}\n"
	".pending{color:var(--warn);font-size:.88rem}\n"
	".detail{color:var(--mute);font-size:.85rem}\n"
	".sbar{display:inline-block;width:110px;height:10px;background:#e8ecef;border-radius:5px;"
	"vertical-align:middle;margin-right:6px;overflow:hidden}\n"
	".sbar i{display:block;height:100%;background:var(--accent)}\n"
	".sev{font-size:.75rem;font-weight:700;padding:1px 6px;border-radius:4px;color:#fff}\n"
	".sev.critical{background:#7b1d1d}.sev.high{background:var(--bad)}"
	".sev.medium{background:var(--warn)}.sev.low,.sev.unspecified{background:#7f8c8d}\n"
	"tr.stale td{background:#fdecea}.tag{font-weight:700;color:var(--bad)}\n"
	"th button{all:unset;cursor:pointer}th button:focus{outline:2px solid var(--accent)}\n"
	"th[aria-sort=ascending] button::after{content:' \\25B2'}"
	"th[aria-sort=descending] button::after{content:' \\25BC'}\n"
	"svg{display:block;width:100%;height:auto}\n"
	"svg text{font:12px system-ui,sans-serif;fill:var(--ink)}svg .axis{fill:var(--mute)}\n"
	"svg .grid{stroke:#e3e7eb;stroke-width:1}svg .target{stroke:var(--good);stroke-dasharray:5 4;"
	"stroke-width:1.5;fill:none}\n"
	"svg .avg{stroke:var(--ink);stroke-dasharray:4 3;stroke-width:1.5}\n"
	"svg .bar{fill:var(--accent)}svg .bar.self{fill:var(--self)}\n"
	"svg .line{fill:none;stroke:var(--accent);stroke-width:2.5;stroke-linejoin:round}\n"
	"svg .pt{fill:var(--accent)}svg .pt.focus{fill:var(--self)}\n"
	"svg .age-overdue{fill:var(--bad)}svg .age-open{fill:#f0b429}\n"
	".grid3{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:14px}\n"
	".mini{border:1px solid var(--line);border-radius:6px;padding:8px}\n"
	".mini h3{font-size:.92rem;margin:0 0 4px}\n"
	".legend{color:var(--mute);font-size:.85rem}.legend span{display:inline-block;width:11px;"
	"height:11px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}\n"
	"details summary{cursor:pointer;color:var(--accent);margin-top:8px}\n"
	"footer{color:var(--mute);font-size:.8rem;padding-bottom:24px}\n"
	"code{background:#eef1f4;padding:1px 4px;border-radius:3px}\n"
	"@media print{body{background:#fff}section{break-inside:avoid}}\n";

/* Sorts the school table when a header is clicked: best first, then flips. */
static const char script[] =
	"(function(){var t=document.getElementById('school-table');if(!t||!t.tHead)return;"
	"var hs=t.tHead.rows[0].cells;"
	"function sortBy(i,th){var cur=th.getAttribute('aria-sort');"
	"var dir=cur?(cur==='ascending'?'descending':'ascending'):(th.getAttribute('data-best')||'ascending');"
	"for(var j=0;j<hs.length;j++)hs[j].removeAttribute('aria-sort');th.setAttribute('aria-sort',dir);"
	"var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows),s=dir==='ascending'?1:-1;"
	"rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v'),y=b.cells[i].getAttribute('data-v');"
	"if(x===''||y==='')return x===y?0:(x===''?1:-1);var nx=parseFloat(x),ny=parseFloat(y);"
	"if(isNaN(nx)||isNaN(ny))return s*x.localeCompare(y);return s*(nx-ny);});"
	"rows.forEach(function(r){tb.appendChild(r);});}"
	"for(var i=0;i<hs.length;i++){(function(i){var b=hs[i].querySelector('button');"
	"if(b)b.addEventListener('click',function(){sortBy(i,hs[i]);});})(i);}})();";

static void head(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const char *label = d->scope_label && *d->scope_label ? d->scope_label : d->scope && *d->scope ? d->scope : "District";

	raw(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	       "<link rel=\"icon\" href=\"data:,\">\n<title>Safe-campus dashboard: ");
	esc(h, label);
	if (d->as_of_date && *d->as_of_date) {
		raw(h, ", as of ");
		esc(h, d->as_of_date);
	}
	out(h, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static void header(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const struct render_ctx *r = h->r;
	const char *label = d->scope_label && *d->scope_label ? d->scope_label : d->scope && *d->scope ? d->scope : "District";
	const char *view = !r->bureau ? "School view" : h->district ? "Bureau: district" : "Bureau: one school";
	char asof[96], month[8];

	render__as_of(r, asof, sizeof asof);
	raw(h, "<header>\n<h1>Safe-campus dashboard: <span class=\"scope\">");
	esc(h, label);
	raw(h, "</span></h1>\n<p class=\"meta\">");
	esc(h, view);
	raw(h, " &middot; period ");
	esc(h, d->period_start_date);
	raw(h, " to ");
	esc(h, d->period_end_date);
	raw(h, " &middot; month ");
	esc(h, render__month(r, month));
	raw(h, " &middot; ");
	esc(h, asof);
	raw(h, "</p>\n");
	if (r->offline) {
		raw(h, "<p class=\"banner offline\" role=\"status\"><strong>Not refreshed:</strong> ");
		esc(h, r->offline);
		raw(h, ". This is the copy stored here.</p>\n");
	} else if (!r->fresh) {
		raw(h, "<p class=\"banner stored\">Stored copy. Run <code>safecampus dashboard --refresh</code> "
		       "or keep <code>safecampus sync --watch</code> running for a newer one.</p>\n");
	}
	if (r->derived)
		raw(h, "<p class=\"banner stored\">Made from the district dashboard: no trends or hazard "
		       "ageing. <code>safecampus dashboard --refresh --school ID</code> fetches the full view.</p>\n");
	raw(h, "</header>\n<main>\n");
}

static void cards(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const struct dashboard_local *l = h->r->local;
	unsigned of = d->of_schools ? d->of_schools : (unsigned)d->n_schools;

	raw(h, "<section class=\"cards\" aria-label=\"Summary\">\n");
	out(h, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%.1f</div>"
	       "<div class=\"s\">of 100, weighted as below</div></div>\n",
	    h->district ? "District average score" : "Safe-campus score", d->score);
	if (d->rank)
		out(h, "<div class=\"card\"><div class=\"k\">Rank</div><div class=\"v\">%u</div>"
		       "<div class=\"s\">of %u school%s</div></div>\n", d->rank, of, of == 1 ? "" : "s");
	else
		out(h, "<div class=\"card\"><div class=\"k\">Schools</div><div class=\"v\">%u</div>"
		       "<div class=\"s\">in the ranking</div></div>\n", of);
	out(h, "<div class=\"card\"><div class=\"k\">Open alerts</div><div class=\"v%s\">%zu</div>"
	       "<div class=\"s\">hazards, drills, notices, buses, equipment</div></div>\n",
	    d->n_alerts ? " bad" : "", d->n_alerts);
	out(h, "<div class=\"card\"><div class=\"k\">Missing submissions</div><div class=\"v%s\">%zu</div>"
	       "<div class=\"s\">past due, nothing received</div></div>\n", d->n_missing ? " bad" : "",
	    d->n_missing);
	if (l && (l->pending || l->rejected))
		out(h, "<div class=\"card\"><div class=\"k\">Not yet synced from here</div>"
		       "<div class=\"v pending\">%llu</div><div class=\"s\">records in this install's outbox%s</div></div>\n",
		    (unsigned long long)l->pending, l->rejected ? ", some rejected" : "");
	raw(h, "</section>\n");
}

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

	out(h, "<svg class=\"%s\" viewBox=\"0 0 %u %u\" role=\"img\" aria-labelledby=\"t%u d%u\" "
	       "xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"t%u\">", cls, w, ht, id, id, id);
	esc(h, title);
	out(h, "</title>\n<desc id=\"d%u\">", id);
	esc(h, desc);
	raw(h, "</desc>\n");
}

/* Score ranking: one horizontal bar (rect.bar) per school, own school in
 * another colour, the district average as a dashed line. */
static void chart_ranking(struct html *h, const size_t *order)
{
	const Safecampus__Dashboard *d = h->d;
	const unsigned left = 290, plot = 590, row = 26, top = 28;
	unsigned ht = top + (unsigned)d->n_schools * row + 12;
	char buf[32];

	if (!d->n_schools)
		return;
	raw(h, "<section id=\"ranking\">\n<h2>Safe-campus score ranking</h2>\n");
	svg_open(h, 960, ht, "Safe-campus score by school, best first",
		 h->r->bureau ? "Horizontal bars, one per school, score 0 to 100."
			      : "Horizontal bars, one per school, score 0 to 100; your school is highlighted, the others are not named.",
		 "chart ranking");
	for (int g = 0; g <= 100; g += 25) {
		double x = left + plot * g / 100.0;
		out(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
		       "<text class=\"axis\" x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">%d</text>\n",
		    x, top - 6, x, ht - 10, x, top - 10, g);
	}
	if (h->district && d->n_schools) {
		double x = left + plot * (d->score < 0 ? 0 : d->score > 100 ? 100 : d->score) / 100.0;
		out(h, "<line class=\"avg\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"><title>District "
		       "average %.1f</title></line>\n", x, top - 4, x, ht - 10, d->score);
	}
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		bool self = row_self(h, s);
		double sc = s->score < 0 ? 0 : s->score > 100 ? 100 : s->score;
		double y = top + (double)k * row;
		const char *name = render__school_name(h->r, s, buf, sizeof buf);

		out(h, "<text x=\"%u\" y=\"%.1f\" text-anchor=\"end\"%s>%u. ", left - 10, y + 14,
		    self ? " font-weight=\"700\"" : "", s->rank);
		esc_cut(h, name, self && !h->r->bureau ? 30 : 36);
		if (self && !h->r->bureau)
			raw(h, " (you)");
		out(h, "</text>\n<rect class=\"bar%s\" x=\"%u\" y=\"%.1f\" width=\"%.1f\" height=\"18\" rx=\"3\">"
		       "<title>", self ? " self" : "", left, y + 1, plot * sc / 100.0);
		esc(h, name);
		out(h, ": %.1f</title></rect>\n<text x=\"%.1f\" y=\"%.1f\">%.1f</text>\n", s->score,
		    left + plot * sc / 100.0 + 6, y + 14, s->score);
	}
	raw(h, "</svg>\n");
	if (h->district)
		raw(h, "<p class=\"legend\">Dashed line: district average.</p>\n");
	raw(h, "</section>\n");
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
	snprintf(desc, sizeof desc, "Line chart, one point per month from %s to %s, axis 0 to %g%s.",
		 nm ? base->months[0]->month : "", nm ? base->months[nm - 1]->month : "", ymax,
		 pct ? "%" : "");
	svg_open(h, w, ht, title, desc, "chart trend");
	for (int g = 0, nt = ymax == 100 ? 4 : nice_ticks(ymax); g <= nt; g++) {
		double y = top + plot_h - plot_h * g / nt;
		out(h, "<line class=\"grid\" x1=\"%u\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		       "<text class=\"axis\" x=\"%u\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
		    left, y, left + plot_w, y, left - 6, y + 4, ymax * g / nt);
	}
	for (size_t m = 0; m < nm; m++) {
		double x = nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		const char *mm = base->months[m]->month ? base->months[m]->month : "";
		out(h, "<text class=\"axis\" x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">", x, ht - 8);
		esc(h, strlen(mm) == 7 && (w < 500) ? mm + 2 : mm);
		raw(h, "</text>\n");
	}
	if (s->has_target && s->target >= 0 && s->target <= ymax) {
		double y = top + plot_h - plot_h * s->target / ymax;
		out(h, "<line class=\"target\" x1=\"%u\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
		       "<title>target</title></line>\n", left, y, left + plot_w, y);
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
				raw(h, "\"/>\n");
			open = false;
			continue;
		}
		double x = nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		double val = mv->value < 0 ? 0 : mv->value > ymax ? ymax : mv->value;
		double y = top + plot_h - plot_h * val / ymax;
		if (!open)
			raw(h, "<polyline class=\"line\" points=\"");
		out(h, "%s%.1f,%.1f", open ? " " : "", x, y);
		open = true;
	}
	if (open)
		raw(h, "\"/>\n");
	for (size_t m = 0; m < nm; m++) {
		const Safecampus__MonthValue *mv = NULL;
		for (size_t j = 0; j < s->t->n_months; j++)
			if (s->t->months[j]->month && base->months[m]->month &&
			    strcmp(s->t->months[j]->month, base->months[m]->month) == 0)
				mv = s->t->months[j];
		if (!mv || !mv->has_value)
			continue;
		double x = nm > 1 ? left + plot_w * (double)m / (double)(nm - 1) : left + plot_w / 2;
		double val = mv->value < 0 ? 0 : mv->value > ymax ? ymax : mv->value;
		double y = top + plot_h - plot_h * val / ymax;
		bool focus = mv->month && strcmp(mv->month, month) == 0;
		dashboard_fmt_value(v, sizeof v, mv->value, true, s->unit, DASHBOARD_FMT_FULL);
		out(h, "<circle class=\"pt%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>", focus ? " focus" : "",
		    x, y, focus ? "5" : "3.5");
		esc(h, mv->month);
		raw(h, ": ");
		esc(h, v);
		raw(h, "</title></circle>\n");
	}
	raw(h, "</svg>\n");
}

static void trends(struct html *h)
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
	raw(h, "<section id=\"trends\">\n<h2>Month by month");
	if (h->district)
		raw(h, " (district averages)");
	raw(h, "</h2>\n");
	if (dashboard_trend(d, "score")) {
		struct series s = {.t = dashboard_trend(d, "score"), .unit = "", .has_target = false};
		chart_line(h, base, &s, h->district ? "District average safe-campus score by month"
						    : "Safe-campus score by month", 960, 240);
	}
	/* the key indicators: those in the score (all, if none is weighted) */
	for (size_t k = 0; k < d->n_trends && !weighted; k++) {
		const Safecampus__Indicator *ind = any_indicator(d, d->trends[k]->key);
		weighted = ind && ind->weight > 0;
	}
	raw(h, "<div class=\"grid3\">\n");
	for (size_t k = 0; k < d->n_trends; k++) {
		const Safecampus__Trend *t = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind;
		struct series s = {.t = t};
		char title[256];
		if (t->key && strcmp(t->key, "score") == 0)
			continue;
		ind = any_indicator(d, t->key);
		if (weighted && (!ind || ind->weight <= 0))
			continue;
		s.unit = ind ? ind->unit : "";
		s.target = ind ? ind->target : 0;
		s.has_target = ind != NULL;
		snprintf(title, sizeof title, "%s by month", ind ? ind_label(ind) : t->key ? t->key : "");
		raw(h, "<div class=\"mini\"><h3>");
		esc(h, ind ? ind_label(ind) : t->key);
		raw(h, "</h3>\n");
		chart_line(h, base, &s, title, 420, 190);
		raw(h, "</div>\n");
	}
	raw(h, "</div>\n<p class=\"legend\">The indicators in the score. Dashed green line: target. Larger "
	       "point: the month in focus. Every indicator's months are in the table below.</p>\n");
	/* the numbers behind the charts */
	raw(h, "<details><summary>Table of the monthly values</summary>\n<table>\n<caption>Monthly values"
	       "</caption>\n<thead><tr><th scope=\"col\">Indicator</th>");
	for (size_t m = 0; m < nm; m++) {
		raw(h, "<th scope=\"col\" class=\"n\">");
		esc(h, base->months[m]->month);
		raw(h, "</th>");
	}
	raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_trends; k++) {
		const Safecampus__Trend *t = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind = any_indicator(d, t->key);
		bool is_score = t->key && strcmp(t->key, "score") == 0;
		raw(h, "<tr><th scope=\"row\">");
		esc(h, is_score ? "Safe-campus score" : ind ? ind_label(ind) : t->key);
		raw(h, "</th>");
		for (size_t m = 0; m < nm; m++) {
			const Safecampus__MonthValue *mv = NULL;
			char v[32];
			for (size_t j = 0; j < t->n_months; j++)
				if (t->months[j]->month && base->months[m]->month &&
				    strcmp(t->months[j]->month, base->months[m]->month) == 0)
					mv = t->months[j];
			dashboard_fmt_value(v, sizeof v, mv ? mv->value : 0, mv && mv->has_value,
					    ind ? ind->unit : "", DASHBOARD_FMT_FULL);
			raw(h, "<td class=\"n\">");
			esc(h, v);
			raw(h, "</td>");
		}
		raw(h, "</tr>\n");
	}
	raw(h, "</tbody>\n</table>\n</details>\n</section>\n");
}

/* Open hazards by age: one stacked bar per bucket, overdue below, the rest of
 * the open ones above (overdue is part of open). */
static void chart_ageing(struct html *h)
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
	raw(h, "<section id=\"ageing\">\n<h2>Open hazards by age</h2>\n");
	svg_open(h, w, ht, "Open hazards by age since report",
		 "Stacked bars, one per age bucket: overdue hazards (red) and open hazards still within "
		 "their deadline (amber).", "chart ageing");
	for (int g = 0, nt = nice_ticks(ymax); g <= nt; g++) {
		double y = top + plot_h - plot_h * g / nt;
		out(h, "<line class=\"grid\" x1=\"%u\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\"/>"
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
		out(h, "<rect class=\"age-overdue\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
		       "<title>", x, y0 - ho, bw, ho);
		esc(h, b->label);
		out(h, ": %u overdue</title></rect>\n", over);
		out(h, "<rect class=\"age-open\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
		       "<title>", x, y0 - ho - ha, bw, ha);
		esc(h, b->label);
		out(h, ": %u open within the deadline</title></rect>\n", open - over);
		out(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%u</text>\n", x + bw / 2,
		    y0 - ho - ha - 5, open);
		out(h, "<text class=\"axis\" x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">", x + bw / 2, ht - 22);
		esc(h, b->label);
		raw(h, "</text>\n");
	}
	raw(h, "</svg>\n<p class=\"legend\"><span style=\"background:#c0392b\"></span>overdue"
	       "<span style=\"background:#f0b429\"></span>open, within its deadline</p>\n");
	raw(h, "<table>\n<caption>Open hazards by age</caption>\n<thead><tr><th scope=\"col\">Age</th>"
	       "<th scope=\"col\" class=\"n\">Open</th><th scope=\"col\" class=\"n\">Overdue</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		raw(h, "<tr><td>");
		esc(h, d->hazard_ageing[i]->label);
		out(h, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td></tr>\n", d->hazard_ageing[i]->open,
		    d->hazard_ageing[i]->overdue);
	}
	raw(h, "</tbody>\n</table>\n</section>\n");
}

/* ---------------------------------------------------------------- tables */

static void indicators(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	double sum = 0;
	char last_note[512] = "";

	if (!d->n_indicators)
		return;
	for (size_t i = 0; i < d->n_indicators; i++)
		if (d->indicators[i]->weight > 0)
			sum += d->indicators[i]->weight;
	raw(h, "<section id=\"indicators\">\n<h2>Indicators");
	if (h->district)
		raw(h, " (district averages)");
	raw(h, "</h2>\n<table>\n<caption>Each indicator's value, target, change since the previous month, "
	       "its score (0&ndash;100) and its weight in the composite score. The composite score is "
	       "the weighted average of the indicator scores.</caption>\n<thead><tr>"
	       "<th scope=\"col\">Indicator</th><th scope=\"col\" class=\"n\">Value</th>"
	       "<th scope=\"col\" class=\"n\">Target</th><th scope=\"col\" class=\"n\">vs last month</th>"
	       "<th scope=\"col\">Score</th><th scope=\"col\" class=\"n\">Weight</th></tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_indicators; k++) {
		const Safecampus__Indicator *i = d->indicators[k];
		char v[32], tg[32], dv[32], note[512];
		int dir = dashboard_trend_dir(i), good = dashboard_trend_good(i);
		bool miss = !dashboard_meets_target(i);
		double sc = i->score < 0 ? 0 : i->score > 100 ? 100 : i->score;

		dashboard_fmt_value(v, sizeof v, i->value, i->has_value, i->unit, DASHBOARD_FMT_FULL);
		dashboard_fmt_value(tg, sizeof tg, i->target, true, i->unit, DASHBOARD_FMT_FULL);
		raw(h, "<tr><th scope=\"row\">");
		esc(h, ind_label(i));
		if (i->detail && *i->detail) {
			raw(h, "<div class=\"detail\">");
			esc(h, i->detail);
			raw(h, "</div>");
		}
		/* once per group ("education_*" share their sessions) */
		if (dashboard_local_note(h->r->local, i->key, note, sizeof note) && strcmp(note, last_note)) {
			snprintf(last_note, sizeof last_note, "%s", note);
			raw(h, "<div class=\"pending\">&#8627; ");
			esc(h, note);
			raw(h, "</div>");
		}
		out(h, "</th><td class=\"n%s\">", miss ? " miss" : "");
		esc(h, v);
		out(h, "</td><td class=\"n\">%s ", i->higher_is_better ? "&ge;" : "&le;");
		esc(h, tg);
		raw(h, "</td><td class=\"n\">");
		if (i->has_value && i->has_previous) {
			dashboard_fmt_value(dv, sizeof dv, dashboard__abs(i->value - i->previous), true,
					    i->unit && strcmp(i->unit, "%") == 0 ? "" : i->unit, DASHBOARD_FMT_FULL);
			out(h, "<span class=\"%s\">%s %s", good > 0 ? "good" : good < 0 ? "bad" : "",
			    dir > 0 ? "&#9650;" : dir < 0 ? "&#9660;" : "&#9654;", dir > 0 ? "+" : dir < 0 ? "&minus;" : "");
			esc(h, dir ? dv : "0");
			if (i->unit && strcmp(i->unit, "%") == 0)
				raw(h, " pt");
			raw(h, "</span>");
		} else {
			raw(h, "&ndash;");
		}
		raw(h, "</td><td>");
		if (i->has_value)
			out(h, "<span class=\"sbar\" role=\"img\" aria-label=\"score %.0f of 100\"><i style=\"width:%.0f%%\"></i></span>%.0f",
			    sc, sc, sc);
		else
			raw(h, "not applicable");
		raw(h, "</td><td class=\"n\">");
		if (i->weight > 0 && sum > 0)
			out(h, "%.0f%%", i->weight / sum * 100);
		else
			raw(h, "&ndash;");
		raw(h, "</td></tr>\n");
	}
	raw(h, "</tbody>\n</table>\n</section>\n");
}

static void cell_value(struct html *h, const Safecampus__Indicator *i, const char *unit)
{
	char v[32], plain[32];

	dashboard_fmt_value(v, sizeof v, i ? i->value : 0, i && i->has_value, i ? i->unit : unit,
			    DASHBOARD_FMT_COMPACT);
	dashboard_fmt_value(plain, sizeof plain, i ? i->value : 0, i && i->has_value, "", DASHBOARD_FMT_PLAIN);
	raw(h, "<td class=\"n");
	if (i && !dashboard_meets_target(i))
		raw(h, " miss");
	raw(h, "\" data-v=\"");
	esc(h, plain);
	raw(h, "\">");
	esc(h, v);
	raw(h, "</td>");
}

/* The bureau's table of every school, sortable by any column. */
static void school_table(struct html *h, const size_t *order)
{
	const Safecampus__Dashboard *d = h->d;
	Safecampus__Indicator *const *cols = d->indicators;
	size_t ncols = d->n_indicators;
	const char *sort = h->r->sort && *h->r->sort ? h->r->sort : "score";
	char buf[32];

	for (size_t i = 0; i < d->n_schools && !ncols; i++) {
		cols = d->schools[i]->indicators;
		ncols = d->schools[i]->n_indicators;
	}
	raw(h, "<section id=\"schools\">\n<h2>Schools side by side</h2>\n"
	       "<div style=\"overflow-x:auto\"><table id=\"school-table\">\n<caption>Sorted by ");
	esc(h, sort);
	raw(h, "; click a column header to sort by it (best first). Red: misses the target. One school in "
	       "full: <code>safecampus dashboard --school ID</code>.</caption>\n<thead><tr>"
	       "<th scope=\"col\" class=\"n\" data-best=\"ascending\"><button type=\"button\">Rank</button></th>"
	       "<th scope=\"col\" data-best=\"ascending\"><button type=\"button\">School</button></th>"
	       "<th scope=\"col\" class=\"n\" data-best=\"descending\"><button type=\"button\">Score</button></th>");
	for (size_t c = 0; c < ncols; c++) {
		out(h, "<th scope=\"col\" class=\"n\" data-best=\"%s\" title=\"",
		    cols[c]->higher_is_better ? "descending" : "ascending");
		esc(h, ind_label(cols[c]));
		raw(h, " (");
		esc(h, cols[c]->key);
		raw(h, ")\"><button type=\"button\"><abbr title=\"");
		esc(h, ind_label(cols[c]));
		raw(h, "\">");
		esc(h, dashboard_short(cols[c]->key));
		raw(h, "</abbr></button></th>");
	}
	raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		const char *name = render__school_name(h->r, s, buf, sizeof buf);
		out(h, "<tr%s><td class=\"n\" data-v=\"%u\">%u</td><td class=\"name\" data-v=\"", row_self(h, s) ? " class=\"self\"" : "",
		    s->rank, s->rank);
		esc(h, name);
		raw(h, "\">");
		esc(h, name);
		if (h->r->bureau && s->school && *s->school) {
			raw(h, " <span class=\"detail\">");
			esc(h, s->school);
			raw(h, "</span>");
		}
		out(h, "</td><td class=\"n\" data-v=\"%.2f\">%.1f</td>", s->score, s->score);
		for (size_t c = 0; c < ncols; c++)
			cell_value(h, dashboard_indicator(s->indicators, s->n_indicators, cols[c]->key), cols[c]->unit);
		raw(h, "</tr>\n");
	}
	raw(h, "</tbody>\n");
	if (h->district && d->n_indicators) {
		out(h, "<tfoot><tr><td></td><th scope=\"row\">District average</th><td class=\"n\">%.1f</td>", d->score);
		for (size_t c = 0; c < ncols; c++) {
			const Safecampus__Indicator *i = dashboard_indicator(d->indicators, d->n_indicators, cols[c]->key);
			char v[32];
			dashboard_fmt_value(v, sizeof v, i ? i->value : 0, i && i->has_value, cols[c]->unit,
					    DASHBOARD_FMT_COMPACT);
			raw(h, "<td class=\"n\">");
			esc(h, v);
			raw(h, "</td>");
		}
		raw(h, "</tr></tfoot>\n");
	}
	raw(h, "</table></div>\n<p class=\"legend\">");
	for (size_t c = 0; c < ncols; c++) {
		raw(h, c ? "; " : "Columns: ");
		raw(h, "<strong>");
		esc(h, dashboard_short(cols[c]->key));
		raw(h, "</strong> ");
		esc(h, ind_label(cols[c]));
	}
	raw(h, ".</p>\n</section>\n");
}

static const char *sev_class(int s)
{
	switch (s) {
	case SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL:
		return "critical";
	case SAFECAMPUS__SEVERITY__SEVERITY_HIGH:
		return "high";
	case SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM:
		return "medium";
	case SAFECAMPUS__SEVERITY__SEVERITY_LOW:
		return "low";
	default:
		return "unspecified";
	}
}

static int alerts(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	size_t *o = malloc((d->n_alerts + 1) * sizeof *o);

	if (!o)
		return -ENOMEM;
	/* most severe, then oldest, first */
	for (size_t i = 0; i < d->n_alerts; i++) {
		size_t j = i;
		while (j > 0) {
			const Safecampus__Alert *a = d->alerts[i], *b = d->alerts[o[j - 1]];
			int c = a->severity != b->severity ? (a->severity > b->severity ? -1 : 1)
				: strcmp(a->since_date ? a->since_date : "", b->since_date ? b->since_date : "");
			if (c >= 0)
				break;
			o[j] = o[j - 1];
			j--;
		}
		o[j] = i;
	}
	out(h, "<section id=\"alerts\">\n<h2>Open alerts (%zu)</h2>\n", d->n_alerts);
	if (!d->n_alerts) {
		raw(h, "<p>None.</p>\n</section>\n");
		free(o);
		return 0;
	}
	raw(h, "<table>\n<caption>Most severe first</caption>\n<thead><tr><th scope=\"col\">Severity</th>"
	       "<th scope=\"col\">Alert</th>");
	if (h->district)
		raw(h, "<th scope=\"col\">School</th>");
	raw(h, "<th scope=\"col\">What</th><th scope=\"col\">Since</th></tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_alerts; k++) {
		const Safecampus__Alert *a = d->alerts[o[k]];
		char words[64];
		render__words(a->kind, words, sizeof words);
		out(h, "<tr><td><span class=\"sev %s\">%s</span></td><td>", sev_class(a->severity),
		    sev_class(a->severity));
		esc(h, words);
		raw(h, "</td>");
		if (h->district) {
			raw(h, "<td>");
			esc(h, render__school_label(h->r, a->school));
			raw(h, "</td>");
		}
		raw(h, "<td>");
		esc(h, a->title);
		if (dashboard_alert_pending(h->r->local, a))
			raw(h, "<div class=\"pending\">&#8627; answered by a record made here, not yet synced</div>");
		raw(h, "</td><td>");
		esc(h, a->since_date);
		raw(h, "</td></tr>\n");
	}
	raw(h, "</tbody>\n</table>\n</section>\n");
	free(o);
	return 0;
}

static void missing(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;

	out(h, "<section id=\"missing\">\n<h2>Missing submissions (%zu)</h2>\n", d->n_missing);
	if (!d->n_missing) {
		raw(h, "<p>None.</p>\n</section>\n");
		return;
	}
	raw(h, "<table>\n<caption>Due and not received by the server</caption>\n<thead><tr>");
	if (h->district)
		raw(h, "<th scope=\"col\">School</th>");
	raw(h, "<th scope=\"col\">What</th><th scope=\"col\">Due</th></tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < d->n_missing; k++) {
		const Safecampus__MissingSubmission *m = d->missing[k];
		raw(h, "<tr>");
		if (h->district) {
			raw(h, "<td>");
			esc(h, render__school_label(h->r, m->school));
			raw(h, "</td>");
		}
		raw(h, "<td>");
		esc(h, m->what);
		if (dashboard_missing_pending(h->r->local, m))
			raw(h, "<div class=\"pending\">&#8627; recorded here, not yet synced: not missing once you sync</div>");
		raw(h, "</td><td>");
		esc(h, m->due_date);
		raw(h, "</td></tr>\n");
	}
	raw(h, "</tbody>\n</table>\n</section>\n");
}

static void ago(struct html *h, int64_t ref, int64_t ms)
{
	char age[32], when[32];

	if (ms <= 0) {
		raw(h, "never");
		return;
	}
	cli_fmt_age(ref - ms, age, sizeof age);
	cli_fmt_time(ms, when, sizeof when);
	raw(h, "<span title=\"");
	esc(h, when);
	raw(h, "\">");
	esc(h, age);
	raw(h, " ago</span>");
}

static void health(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	int64_t ref = render__ref_ms(h->r);
	size_t nstale = 0;

	if (!d->n_health)
		return;
	for (size_t i = 0; i < d->n_health; i++)
		nstale += dashboard_health_stale(d->health[i], ref);
	out(h, "<section id=\"health\">\n<h2>Sync health (%zu stale of %zu)</h2>\n", nstale, d->n_health);
	raw(h, "<table>\n<caption>Each client as it last reported. Stale: no contact for more than 3 days, or "
	       "a record unsent for more than a day (as of the dashboard).</caption>\n<thead><tr>"
	       "<th scope=\"col\">School</th><th scope=\"col\">Campus</th><th scope=\"col\">Last contact</th>"
	       "<th scope=\"col\" class=\"n\">Unsent</th><th scope=\"col\">Oldest unsent</th>"
	       "<th scope=\"col\">Last sync</th><th scope=\"col\">State</th></tr></thead>\n<tbody>\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n_health; i++) {
			const Safecampus__SyncHealth *x = d->health[i];
			bool stale = dashboard_health_stale(x, ref);
			if (stale != (pass == 0))
				continue;
			out(h, "<tr%s><td>", stale ? " class=\"stale\"" : "");
			esc(h, render__school_label(h->r, x->school));
			raw(h, "</td><td>");
			esc(h, x->campus);
			raw(h, "</td><td>");
			ago(h, ref, x->last_contact_ms);
			out(h, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)x->outbox_pending);
			if (x->outbox_pending)
				ago(h, ref, x->oldest_pending_ms);
			else
				raw(h, "&ndash;");
			raw(h, "</td><td>");
			ago(h, ref, x->last_sync_ms);
			out(h, "</td><td>%s</td></tr>\n", stale ? "<span class=\"tag\">stale</span>" : "ok");
		}
	raw(h, "</tbody>\n</table>\n</section>\n");
}

static void local_note(struct html *h)
{
	const struct dashboard_local *l = h->r->local;
	char age[32];

	if (!l || (!l->pending && !l->rejected))
		return;
	raw(h, "<section id=\"local\">\n<h2>Not yet synced from here</h2>\n<p>");
	if (l->pending) {
		cli_fmt_age(h->r->now_ms - l->oldest_pending_ms, age, sizeof age);
		out(h, "%llu record%s wait%s in this install's outbox (oldest %s ago): ",
		    (unsigned long long)l->pending, l->pending == 1 ? "" : "s", l->pending == 1 ? "s" : "", age);
		for (size_t i = 0, n = 0; i < l->nkinds; i++) {
			if (!l->kinds[i].pending)
				continue;
			out(h, "%s%llu ", n++ ? ", " : "", (unsigned long long)l->kinds[i].pending);
			esc(h, dashboard_kind_noun(l->kinds[i].kind, l->kinds[i].pending));
		}
		raw(h, ". The dashboard counts them after <code>safecampus sync</code>.");
	}
	if (l->rejected)
		out(h, " %llu record%s rejected by the server: see <code>safecampus outbox list</code>.",
		    (unsigned long long)l->rejected, l->rejected == 1 ? " was" : "s were");
	raw(h, "</p>\n</section>\n");
}

int render_html(FILE *f, const struct render_ctx *r)
{
	struct html h = {.f = f, .r = r, .d = r->d};
	size_t *order;
	int rc;

	h.district = r->bureau && !(r->d->scope && *r->d->scope);
	order = malloc((r->d->n_schools + 1) * sizeof *order);
	if (!order)
		return -ENOMEM;
	rc = dashboard_sort_schools(r->d, h.district ? r->sort : "score", order);
	if (rc)
		goto out;
	head(&h);
	header(&h);
	cards(&h);
	{
		/* the ranking chart is always by score */
		size_t *by_score = malloc((r->d->n_schools + 1) * sizeof *by_score);
		if (!by_score) {
			rc = -ENOMEM;
			goto out;
		}
		rc = dashboard_sort_schools(r->d, "score", by_score);
		if (!rc)
			chart_ranking(&h, by_score);
		free(by_score);
		if (rc)
			goto out;
	}
	/* the bureau compares schools first; a school looks at its own indicators */
	if (h.district)
		school_table(&h, order);
	indicators(&h);
	trends(&h);
	rc = alerts(&h);
	if (rc)
		goto out;
	missing(&h);
	chart_ageing(&h);
	health(&h);
	local_note(&h);
	raw(&h, "</main>\n<footer><p>");
	if (r->generated_by) {
		raw(&h, "Made by ");
		esc(&h, r->generated_by);
		raw(&h, ". ");
	}
	raw(&h, "Computed by the district server from the records it has; records still in a "
		"client's outbox are not counted until they are synced.</p></footer>\n");
	if (h.district)
		out(&h, "<script>%s</script>\n", script);
	raw(&h, "</body>\n</html>\n");
	if (ferror(f))
		rc = -EIO;
out:
	free(order);
	return rc;
}
