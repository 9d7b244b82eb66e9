/* One self-contained HTML page for a dashboard: inline CSS, inline SVG charts
 * (score ranking bars, monthly trend lines, hazard ageing stacked bars), the
 * tables behind them, and a few lines of inline script that only sort the
 * school table. Nothing is fetched: a Content-Security-Policy forbids it and
 * the favicon is a data: URL. Every string from the data goes through html_esc(),
 * which also replaces control characters and invalid UTF-8, so a school name
 * cannot break the markup. Charts carry <title>/<desc> and every chart has its
 * numbers in a table too. */
#include "render_bureau.h"
#include "render_rates.h"
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dashboard_text.h"
#include "date.h"
#include "i18n.h"
#include "render_html.h"


void html_out(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(h->f, fmt, ap);
	va_end(ap);
}

void html_raw(struct html *h, const char *s)
{
	fputs(s, h->f);
}

/* Text or attribute value: markup characters as entities, control characters
 * and invalid UTF-8 as U+FFFD. */
void html_esc(struct html *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		unsigned char c = *p;
		size_t n = 1;
		if (c < 0x80) {
			switch (c) {
			case '&':
				html_raw(h, "&amp;");
				break;
			case '<':
				html_raw(h, "&lt;");
				break;
			case '>':
				html_raw(h, "&gt;");
				break;
			case '"':
				html_raw(h, "&quot;");
				break;
			case '\'':
				html_raw(h, "&#39;");
				break;
			default:
				if (c < 0x20 && c != '\n' && c != '\t')
					html_raw(h, "\xEF\xBF\xBD");
				else if (c == 0x7F)
					html_raw(h, "\xEF\xBF\xBD");
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
			html_raw(h, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		fwrite(p, 1, n, h->f);
		p += n;
	}
}

/* html_esc() of at most cols display columns of s, "…" marking a cut. */
void html_esc_cut(struct html *h, const char *s, size_t cols)
{
	char buf[512];
	size_t at = 0, w = 0;

	s = s ? s : "";
	if (cli_width(s) <= cols) {
		html_esc(h, s);
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
	html_esc(h, buf);
}

const char *html_ind_label(const Safecampus__Indicator *i)
{
	return dashboard_indicator_label(i->key, i->label);
}

const Safecampus__Indicator *html_any_indicator(const Safecampus__Dashboard *d, const char *key)
{
	const Safecampus__Indicator *i = dashboard_indicator(d->indicators, d->n_indicators, key);

	for (size_t s = 0; !i && s < d->n_schools; s++)
		i = dashboard_indicator(d->schools[s]->indicators, d->schools[s]->n_indicators,
					key);
	return i;
}

bool html_row_self(const struct html *h, const Safecampus__SchoolScore *s)
{
	return s->is_self ||
	       (h->d->scope && *h->d->scope && s->school && strcmp(s->school, h->d->scope) == 0);
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
	".card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px "
	"14px}\n"
	".card .k{color:var(--mute);font-size:.85rem}.card .v{font-size:1.9rem;font-weight:650}\n"
	".card .s{color:var(--mute);font-size:.85rem}\n"
	"table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
	"caption{text-align:left;color:var(--mute);font-size:.85rem;padding-bottom:6px}\n"
	"th,td{padding:5px 8px;border-bottom:1px solid "
	"var(--line);text-align:left;vertical-align:top}\n"
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
	"svg .grid{stroke:#e3e7eb;stroke-width:1}svg .target{stroke:var(--good);stroke-dasharray:5 "
	"4;"
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
	/* on a phone a wide table scrolls in its own box, not the page */
	"@media(max-width:760px){table{display:block;max-width:100%;overflow-x:auto}"
	"header,main,footer{padding:0 10px}}\n"
	"@media print{body{background:#fff}section{break-inside:avoid}}\n";

/* Sorts a table of the district view (the school table, the rates table:
 * class "sortable") when a header is clicked: best first, then flips. */
static const char script[] =
	"(function(){var ts=document.querySelectorAll('table.sortable');"
	"for(var k=0;k<ts.length;k++)(function(t){if(!t.tHead)return;"
	"var hs=t.tHead.rows[0].cells;"
	"function sortBy(i,th){var cur=th.getAttribute('aria-sort');"
	"var "
	"dir=cur?(cur==='ascending'?'descending':'ascending'):(th.getAttribute('data-best')||'"
	"ascending');"
	"for(var "
	"j=0;j<hs.length;j++)hs[j].removeAttribute('aria-sort');th.setAttribute('aria-sort',dir);"
	"var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows),s=dir==='ascending'?1:-1;"
	"rows.sort(function(a,b){var "
	"x=a.cells[i].getAttribute('data-v'),y=b.cells[i].getAttribute('data-v');"
	"if(x===''||y==='')return x===y?0:(x===''?1:-1);var nx=parseFloat(x),ny=parseFloat(y);"
	"if(isNaN(nx)||isNaN(ny))return s*x.localeCompare(y,'zh-CN');return s*(nx-ny);});"
	"rows.forEach(function(r){tb.appendChild(r);});}"
	"for(var i=0;i<hs.length;i++){(function(i){var b=hs[i].querySelector('button');"
	"if(b)b.addEventListener('click',function(){sortBy(i,hs[i]);});})(i);}})(ts[k]);})();";

/* What the page is about: the school's name (its id if the server has no
 * profile), or for the district "the whole district": the server labels the
 * district with its id ("d1"), which reads as a code to a bureau officer. */
static const char *scope_name(const struct html *h)
{
	const Safecampus__Dashboard *d = h->d;

	if (!d->scope || !*d->scope)
		return _("Whole district");
	return d->scope_label && *d->scope_label ? d->scope_label : d->scope;
}

static void head(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const char *label = scope_name(h);

	/* the page's language is the one the labels are in (fonts, screen readers) */
	html_raw(h, i18n_zh() ? "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n"
			      : "<!DOCTYPE html>\n<html lang=\"en\">\n");
	html_raw(h, "<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		    "<link rel=\"icon\" href=\"data:,\">\n<title>");
	html_raw(h, _("Safe-campus dashboard: "));
	html_esc(h, label);
	if (d->as_of_date && *d->as_of_date) {
		char day[64];
		html_raw(h, _(", as of "));
		html_esc(h, date_words(d->as_of_date, day, sizeof day));
	}
	html_out(h, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static void header(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const struct render_ctx *r = h->r;
	const char *label = scope_name(h);
	const char *view = !r->bureau    ? _("School view")
			   : h->district ? _("Bureau: district")
					 : _("Bureau: one school");
	char asof[96], month[8], day[64], words_in[160];

	render__as_of(r, asof, sizeof asof);
	html_raw(h, "<header>\n<h1>");
	html_raw(h, _("Safe-campus dashboard: "));
	html_raw(h, "<span class=\"scope\">");
	html_esc(h, label);
	html_raw(h, "</span></h1>\n<p class=\"meta\">");
	html_esc(h, view);
	html_raw(h, " &middot; ");
	html_raw(h, _("period "));
	html_esc(h, date_words(d->period_start_date, day, sizeof day));
	html_raw(h, _(" to "));
	html_esc(h, date_words(d->period_end_date, day, sizeof day));
	html_raw(h, " &middot; ");
	html_raw(h, _("month "));
	html_esc(h, date_words_in(render__month(r, month), true, day, sizeof day));
	html_raw(h, " &middot; ");
	html_esc(h, date_words_in(asof, true, words_in, sizeof words_in));
	html_raw(h, "</p>\n");
	if (r->offline) {
		html_raw(h, "<p class=\"banner offline\" role=\"status\"><strong>");
		html_raw(h, _("Not refreshed:"));
		html_raw(h, "</strong> ");
		html_esc(h, r->offline);
		html_raw(h, _(". This is the copy stored here."));
		html_raw(h, "</p>\n");
	} else if (!r->fresh && r->synced) {
		html_out(h, "<p class=\"banner stored\">%s</p>\n",
			 _("Stored copy: the next sync brings a newer one, and this page "
			   "shows it by itself."));
	} else if (!r->fresh) {
		/* TRANSLATORS: HTML; keep the <code> elements */
		html_out(
			h, "<p class=\"banner stored\">%s</p>\n",
			_("Stored copy. Run <code>safecampus dashboard --refresh</code> "
			  "or keep <code>safecampus sync --watch</code> running for a newer one."));
	}
	if (r->derived && r->web)
		html_out(h, "<p class=\"banner stored\">%s</p>\n",
			 _("Made from the district dashboard: no trends or hazard ageing."));
	else if (r->derived)
		/* TRANSLATORS: HTML; keep the <code> element */
		html_out(h, "<p class=\"banner stored\">%s</p>\n",
			 _("Made from the district dashboard: no trends or hazard "
			   "ageing. <code>safecampus dashboard --refresh --school ID</code> "
			   "fetches the full view."));
	html_raw(h, "</header>\n<main>\n");
}

static void cards(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	const struct dashboard_local *l = h->r->local;
	unsigned of = d->of_schools ? d->of_schools : (unsigned)d->n_schools;

	char of_n[64];

	html_out(h, "<section class=\"cards\" aria-label=\"%s\">\n", _("Summary"));
	html_out(h,
		 "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%.1f</div>"
		 "<div class=\"s\">%s</div></div>\n",
		 h->district ? _("District average score") : _("Safe-campus score"), d->score,
		 _("of 100, weighted as below"));
	snprintf(of_n, sizeof of_n, ngettext("of %u school", "of %u schools", of), of);
	if (d->rank)
		html_out(h,
			 "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%u</div>"
			 "<div class=\"s\">%s</div></div>\n",
			 _("Rank"), d->rank, of_n);
	else
		html_out(h,
			 "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%u</div>"
			 "<div class=\"s\">%s</div></div>\n",
			 _("Schools"), of, _("in the ranking"));
	html_out(h,
		 "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v%s\">%zu</div>"
		 "<div class=\"s\">%s</div></div>\n",
		 _("Open alerts"), d->n_alerts ? " bad" : "", d->n_alerts,
		 _("hazards, drills, notices, buses, equipment"));
	html_out(h,
		 "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v%s\">%zu</div>"
		 "<div class=\"s\">%s</div></div>\n",
		 _("Missing submissions"), d->n_missing ? " bad" : "", d->n_missing,
		 _("past due, nothing received"));
	if (l && (l->pending || l->rejected))
		html_out(h,
			 "<div class=\"card\"><div class=\"k\">%s</div>"
			 "<div class=\"v pending\">%llu</div><div class=\"s\">%s%s</div></div>\n",
			 _("Not yet synced from here"), (unsigned long long)l->pending,
			 _("records in this install's outbox"),
			 l->rejected ? _(", some rejected") : "");
	html_raw(h, "</section>\n");
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
	html_raw(h, "<section id=\"indicators\">\n<h2>");
	html_raw(h, _("Indicators"));
	if (h->district)
		html_raw(h, _(" (district averages)"));
	/* TRANSLATORS: HTML; &ndash; is a dash */
	html_out(h, "</h2>\n<table>\n<caption>%s</caption>\n<thead><tr>",
		 _("Each indicator's value, target, change since the previous month, "
		   "its score (0&ndash;100) and its weight in the composite score. The composite "
		   "score is "
		   "the weighted average of the indicator scores."));
	html_out(h,
		 "<th scope=\"col\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\" class=\"n\">%s</th>"
		 "<th scope=\"col\">%s</th><th scope=\"col\" "
		 "class=\"n\">%s</th></tr></thead>\n<tbody>\n",
		 _("Indicator"), _("Value"), _("Target"), _("vs last month"), _("Score"),
		 _("Weight"));
	for (size_t k = 0; k < d->n_indicators; k++) {
		const Safecampus__Indicator *i = d->indicators[k];
		char v[32], tg[32], dv[32], note[512];
		int dir = dashboard_trend_dir(i), good = dashboard_trend_good(i);
		bool miss = !dashboard_meets_target(i);
		double sc = i->score < 0 ? 0 : i->score > 100 ? 100 : i->score;

		dashboard_fmt_value(v, sizeof v, i->value, i->has_value, i->unit,
				    DASHBOARD_FMT_FULL);
		dashboard_fmt_value(tg, sizeof tg, i->target, true, i->unit, DASHBOARD_FMT_FULL);
		html_raw(h, "<tr><th scope=\"row\">");
		html_esc(h, html_ind_label(i));
		if (i->detail && *i->detail) {
			html_raw(h, "<div class=\"detail\">");
			html_esc(h, dashboard_detail_text(i->detail, note, sizeof note));
			html_raw(h, "</div>");
		}
		/* once per group ("education_*" share their sessions) */
		if (dashboard_local_note(h->r->local, i->key, note, sizeof note) &&
		    strcmp(note, last_note)) {
			snprintf(last_note, sizeof last_note, "%s", note);
			html_raw(h, "<div class=\"pending\">&#8627; ");
			html_esc(h, note);
			html_raw(h, "</div>");
		}
		html_out(h, "</th><td class=\"n%s\">", miss ? " miss" : "");
		html_esc(h, v);
		html_out(h, "</td><td class=\"n\">%s ", i->higher_is_better ? "&ge;" : "&le;");
		html_esc(h, tg);
		html_raw(h, "</td><td class=\"n\">");
		if (i->has_value && i->has_previous) {
			dashboard_fmt_value(dv, sizeof dv, dashboard__abs(i->value - i->previous),
					    true,
					    i->unit && strcmp(i->unit, "%") == 0 ? "" : i->unit,
					    DASHBOARD_FMT_FULL);
			html_out(h, "<span class=\"%s\">%s %s",
				 good > 0   ? "good"
				 : good < 0 ? "bad"
					    : "",
				 dir > 0   ? "&#9650;"
				 : dir < 0 ? "&#9660;"
					   : "&#9654;",
				 dir > 0   ? "+"
				 : dir < 0 ? "&minus;"
					   : "");
			html_esc(h, dir ? dv : "0");
			if (i->unit && strcmp(i->unit, "%") == 0)
				html_raw(h, _(" pt"));
			html_raw(h, "</span>");
		} else {
			html_raw(h, "&ndash;");
		}
		html_raw(h, "</td><td>");
		if (i->has_value) {
			char aria[64];
			snprintf(aria, sizeof aria, _("score %.0f of 100"), sc);
			html_raw(h, "<span class=\"sbar\" role=\"img\" aria-label=\"");
			html_raw(h, aria);
			html_out(h, "\"><i style=\"width:%.0f%%\"></i></span>%.0f", sc, sc);
		} else
			html_raw(h, _("not applicable"));
		html_raw(h, "</td><td class=\"n\">");
		if (i->weight > 0 && sum > 0)
			html_out(h, "%.0f%%", i->weight / sum * 100);
		else
			html_raw(h, "&ndash;");
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
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

/* The severity as the reader reads it (the class above stays English). */
static const char *sev_text(int s)
{
	switch (s) {
	case SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL:
		return _("critical");
	case SAFECAMPUS__SEVERITY__SEVERITY_HIGH:
		return _("high");
	case SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM:
		return _("medium");
	case SAFECAMPUS__SEVERITY__SEVERITY_LOW:
		return _("low");
	default:
		return _("unspecified");
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
			int c = a->severity != b->severity
					? (a->severity > b->severity ? -1 : 1)
					: strcmp(a->since_date ? a->since_date : "",
						 b->since_date ? b->since_date : "");
			if (c >= 0)
				break;
			o[j] = o[j - 1];
			j--;
		}
		o[j] = i;
	}
	html_out(h, "<section id=\"alerts\">\n<h2>");
	html_out(h, _("Open alerts (%zu)"), d->n_alerts);
	html_raw(h, "</h2>\n");
	if (!d->n_alerts) {
		html_out(h, "<p>%s</p>\n</section>\n", _("None."));
		free(o);
		return 0;
	}
	html_out(h,
		 "<table>\n<caption>%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
		 "<th scope=\"col\">%s</th>",
		 _("Most severe first"), _("Severity"), _("Alert"));
	if (h->district)
		html_out(h, "<th scope=\"col\">%s</th>", _("School"));
	html_out(h, "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		 _("What"), _("Since"));
	for (size_t k = 0; k < d->n_alerts; k++) {
		const Safecampus__Alert *a = d->alerts[o[k]];
		char words[64], title[512], day[64], words_in[768];
		render__alert_kind(a->kind, words, sizeof words);
		html_out(h, "<tr><td><span class=\"sev %s\">", sev_class(a->severity));
		html_esc(h, sev_text(a->severity));
		html_raw(h, "</span></td><td>");
		html_esc(h, words);
		html_raw(h, "</td>");
		if (h->district) {
			html_raw(h, "<td>");
			html_esc(h, render__school_label(h->r, a->school));
			html_raw(h, "</td>");
		}
		html_raw(h, "<td>");
		/* the server's words, its days and months as the page writes them */
		html_esc(h, date_words_in(dashboard_title_text(a->title, title, sizeof title), true,
					  words_in, sizeof words_in));
		if (dashboard_alert_pending(h->r->local, a)) {
			html_raw(h, "<div class=\"pending\">&#8627; ");
			html_raw(h, _("answered by a record made here, not yet synced"));
			html_raw(h, "</div>");
		}
		html_raw(h, "</td><td>");
		html_esc(h, date_words(a->since_date, day, sizeof day));
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
	free(o);
	return 0;
}

static void missing(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	char what[512], day[64], words_in[768];

	html_raw(h, "<section id=\"missing\">\n<h2>");
	html_out(h, _("Missing submissions (%zu)"), d->n_missing);
	html_raw(h, "</h2>\n");
	if (!d->n_missing) {
		html_out(h, "<p>%s</p>\n</section>\n", _("None."));
		return;
	}
	html_out(h, "<table>\n<caption>%s</caption>\n<thead><tr>",
		 _("Due and not received by the server"));
	if (h->district)
		html_out(h, "<th scope=\"col\">%s</th>", _("School"));
	html_out(h, "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		 _("What"), _("Due"));
	for (size_t k = 0; k < d->n_missing; k++) {
		const Safecampus__MissingSubmission *m = d->missing[k];
		html_raw(h, "<tr>");
		if (h->district) {
			html_raw(h, "<td>");
			html_esc(h, render__school_label(h->r, m->school));
			html_raw(h, "</td>");
		}
		html_raw(h, "<td>");
		html_esc(h, date_words_in(dashboard_title_text(m->what, what, sizeof what), true,
					  words_in, sizeof words_in));
		if (dashboard_missing_pending(h->r->local, m)) {
			html_raw(h, "<div class=\"pending\">&#8627; ");
			html_raw(h, _("recorded here, not yet synced: not missing once you sync"));
			html_raw(h, "</div>");
		}
		html_raw(h, "</td><td>");
		html_esc(h, date_words(m->due_date, day, sizeof day));
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
}

static void ago(struct html *h, int64_t ref, int64_t ms)
{
	char age[32], when[32];

	if (ms <= 0) {
		html_raw(h, _("never"));
		return;
	}
	cli_fmt_age(ref - ms, age, sizeof age);
	cli_fmt_time(ms, when, sizeof when);
	html_raw(h, "<span title=\"");
	html_esc(h, when);
	html_raw(h, "\">");
	html_esc(h, age);
	html_raw(h, _(" ago"));
	html_raw(h, "</span>");
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
	html_raw(h, "<section id=\"health\">\n<h2>");
	html_out(h, _("Sync health (%zu stale of %zu)"), nstale, d->n_health);
	html_out(h, "</h2>\n<table>\n<caption>%s</caption>\n<thead><tr>",
		 _("Each client as it last reported. Stale: no contact for more than 3 days, or "
		   "a record unsent for more than a day (as of the dashboard)."));
	html_out(h,
		 "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		 "<th scope=\"col\" class=\"n\">%s</th><th scope=\"col\">%s</th>"
		 "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		 _("School"), _("Campus"), _("Last contact"), _("Unsent"), _("Oldest unsent"),
		 _("Last sync"), _("State"));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n_health; i++) {
			const Safecampus__SyncHealth *x = d->health[i];
			bool stale = dashboard_health_stale(x, ref);
			if (stale != (pass == 0))
				continue;
			html_out(h, "<tr%s><td>", stale ? " class=\"stale\"" : "");
			html_esc(h, render__school_label(h->r, x->school));
			html_raw(h, "</td><td>");
			html_esc(h, x->campus);
			html_raw(h, "</td><td>");
			ago(h, ref, x->last_contact_ms);
			html_out(h, "</td><td class=\"n\">%llu</td><td>",
				 (unsigned long long)x->outbox_pending);
			if (x->outbox_pending)
				ago(h, ref, x->oldest_pending_ms);
			else
				html_raw(h, "&ndash;");
			html_raw(h, "</td><td>");
			ago(h, ref, x->last_sync_ms);
			if (stale)
				html_out(h, "</td><td><span class=\"tag\">%s</span></td></tr>\n",
					 _("stale"));
			else
				html_out(h, "</td><td>%s</td></tr>\n", _("ok"));
		}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
}

static void local_note(struct html *h)
{
	const struct dashboard_local *l = h->r->local;
	char age[32];

	if (!l || (!l->pending && !l->rejected))
		return;
	html_out(h, "<section id=\"local\">\n<h2>%s</h2>\n<p>", _("Not yet synced from here"));
	if (l->pending) {
		char buf[256];
		cli_fmt_age(h->r->now_ms - l->oldest_pending_ms, age, sizeof age);
		snprintf(buf, sizeof buf,
			 ngettext("%llu record waits in this install's outbox (oldest %s ago): ",
				  "%llu records wait in this install's outbox (oldest %s ago): ",
				  l->pending),
			 (unsigned long long)l->pending, age);
		html_raw(h, buf); /* our own words and numbers */
		for (size_t i = 0, n = 0; i < l->nkinds; i++) {
			if (!l->kinds[i].pending)
				continue;
			html_out(h, "%s%llu ", n++ ? _(", ") : "",
				 (unsigned long long)l->kinds[i].pending);
			html_esc(h, dashboard_kind_noun(l->kinds[i].kind, l->kinds[i].pending));
		}
		if (h->r->web)
			html_raw(h, _(". The dashboard counts them after the next sync."));
		else
			/* TRANSLATORS: HTML; keep the <code> element */
			html_raw(h, _(". The dashboard counts them after <code>safecampus "
				      "sync</code>."));
	}
	if (l->rejected && h->r->web)
		/* TRANSLATORS: HTML; keep the <a> element */
		html_out(
			h,
			ngettext(
				" %llu record was rejected by the server: see <a target=\"_top\" "
				"href=\"/sync\">Sync</a>.",
				" %llu records were rejected by the server: see <a target=\"_top\" "
				"href=\"/sync\">Sync</a>.",
				l->rejected),
			(unsigned long long)l->rejected);
	else if (l->rejected)
		/* TRANSLATORS: HTML; keep the <code> element */
		html_out(h,
			 ngettext(" %llu record was rejected by the server: see <code>safecampus "
				  "outbox list</code>.",
				  " %llu records were rejected by the server: see <code>safecampus "
				  "outbox list</code>.",
				  l->rejected),
			 (unsigned long long)l->rejected);
	html_raw(h, "</p>\n</section>\n");
}

int render_html(FILE *f, const struct render_ctx *r)
{
	struct html h = { .f = f, .r = r, .d = r->d };
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
			html_chart_ranking(&h, by_score);
		free(by_score);
		if (rc)
			goto out;
	}
	/* the bureau compares schools first; a school looks at its own indicators */
	if (h.district)
		html_school_table(&h, order);
	indicators(&h);
	html_trends(&h);
	rc = alerts(&h);
	if (rc)
		goto out;
	missing(&h);
	rc = render_rates_html(&h);
	if (rc)
		goto out;
	render_flags_html(&h);
	html_chart_ageing(&h);
	health(&h);
	local_note(&h);
	html_raw(&h, "</main>\n<footer><p>");
	if (r->generated_by) {
		html_raw(&h, _("Made by "));
		html_esc(&h, r->generated_by);
		html_raw(&h, _(". "));
	}
	html_raw(&h,
		 _("Computed by the district server from the records it has; records still in a "
		   "client's outbox are not counted until they are synced."));
	html_raw(&h, "</p></footer>\n");
	if (h.district)
		html_out(&h, "<script>%s</script>\n", script);
	html_raw(&h, "</body>\n</html>\n");
	if (ferror(f))
		rc = -EIO;
out:
	free(order);
	return rc;
}
