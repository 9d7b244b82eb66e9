/* The terminal view of a dashboard: at most RENDER_WIDTH columns a line,
 * ANSI colour only when asked (isatty and no NO_COLOR, decided by the caller),
 * every string from the data written through cli_cell/cli_text so that it
 * cannot drive the terminal. Colour only ever repeats what the text says
 * ("STALE", "!", arrows), so nothing is lost without it. */
#include "render_bureau.h"
#include "render_rates.h"
#include "render.h"
#include "render_term_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dashboard_text.h"
#include "i18n.h"

#define MAX_ALERTS 20 /* terminal rows; the rest are in --html and --csv */
#define MAX_MISSING 20
#define MAX_MONTHS 7 /* trend columns */
#define LABEL_W 44   /* indicator label column */

static const char *const ansi[] = {
	[C_RESET] = "\033[0m", [C_BOLD] = "\033[1m",    [C_DIM] = "\033[2m",
	[C_RED] = "\033[31m",  [C_GREEN] = "\033[32m",  [C_YELLOW] = "\033[33m",
	[C_CYAN] = "\033[36m", [C_INVERSE] = "\033[7m",
};

void rterm_col(struct term *t, int c)
{
	if (t->r->color)
		fputs(ansi[c], t->f);
}

void rterm_heading(struct term *t, const char *title)
{
	fputc('\n', t->f);
	rterm_col(t, C_BOLD);
	fputs(title, t->f);
	rterm_col(t, C_RESET);
}

/* Writes n columns of a bar glyph. */
static void glyphs(struct term *t, const char *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputs(g, t->f);
}

/* Bytes of the character at s, never past the avail bytes left: a label
 * from the server that ends in the middle of a sequence must not make the
 * cutting read beyond its end (found by tests/fuzz/fuzz_dashboard). */
static size_t utf8_len(const char *s, size_t avail)
{
	unsigned char c = (unsigned char)s[0];
	size_t l = 1;

	if (c >= 0xF0 && c <= 0xF4)
		l = 4;
	else if (c >= 0xE0)
		l = 3;
	else if (c >= 0xC2 && c < 0xE0)
		l = 2;
	for (size_t i = 1; i < l; i++)
		if (i >= avail || s[i] == '\0')
			return i;
	return l;
}

/* Writes bytes [p, p+n) with control characters as '?'. */
static void put_n(FILE *f, const char *p, size_t n)
{
	char buf[256];

	while (n) {
		size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
		/* never cut a UTF-8 sequence between two chunks */
		while (k < n && k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
			k--;
		if (k == 0)
			k = n < sizeof buf - 1 ? n : sizeof buf - 1;
		memcpy(buf, p, k);
		buf[k] = '\0';
		cli_text(f, buf);
		p += k;
		n -= k;
	}
}

/* Whether the n bytes at s hold a wide (CJK) character: Chinese has no
 * spaces between words, so such a run may be broken anywhere. */
static bool has_wide(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	return cli_width_n(s, n) > chars;
}

/* Writes text starting at column `at`, wrapping at words to stay within W
 * columns, continuing lines at column indent; ends the line. Words longer
 * than a line are cut. Data-safe (control characters print as '?'). */
void rterm_wrap(FILE *f, const char *text, size_t at, size_t indent)
{
	size_t colm = at, start = at;
	const char *s = text ? text : "";

	while (*s) {
		size_t len = strcspn(s, " \n\t"), w = cli_width_n(s, len);
		if (len == 0) {
			if (*s == '\n') {
				fprintf(f, "\n%*s", (int)indent, "");
				colm = start = indent;
			}
			s++;
			continue;
		}
		if (colm > start && colm + 1 + w > W && !(colm + 9 < W && has_wide(s, len))) {
			fprintf(f, "\n%*s", (int)indent, "");
			colm = start = indent;
		} else if (colm > start) {
			fputc(' ', f);
			colm++;
		}
		while (w > W - colm) {
			/* a word wider than the room left: cut it */
			size_t take = 0, tw = 0;
			while (take < len) {
				size_t l = utf8_len(s + take, len - take);
				size_t cw = cli_width_n(s + take, l);
				if (tw + cw > W - colm)
					break;
				take += l;
				tw += cw;
			}
			if (take == 0)
				break;
			put_n(f, s, take);
			s += take;
			len -= take;
			w -= tw;
			fprintf(f, "\n%*s", (int)indent, "");
			colm = start = indent;
		}
		put_n(f, s, len);
		colm += w;
		s += len;
	}
	fputc('\n', f);
}

/* s right-aligned in width columns (a translated heading is wider or
 * narrower in bytes than in columns, so printf's %9s would misalign it). */
void rterm_rcell(FILE *f, const char *s, size_t width)
{
	size_t w = cli_width(s);

	fprintf(f, "%*s", (int)(w < width ? width - w : 0), "");
	cli_text(f, s);
}

/* printf into a buffer, then rterm_wrap(). */
static void wrapf(FILE *f, size_t at, size_t indent, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void wrapf(FILE *f, size_t at, size_t indent, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	rterm_wrap(f, buf, at, indent);
}

/* ---------------------------------------------------------------- sections */

static void header(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	char asof[96], month[8];
	const char *view = !t->r->bureau           ? _("school view")
			   : d->scope && *d->scope ? _("bureau: one school")
						   : _("bureau: district");
	const char *label = d->scope_label && *d->scope_label ? d->scope_label
			    : d->scope && *d->scope           ? d->scope
							      : _("the district");
	const char *title = _("SAFE-CAMPUS DASHBOARD ");
	size_t vw = cli_width(view), room = W - cli_width(title) - vw - 2;

	rterm_col(t, C_BOLD);
	fputs(title, t->f);
	rterm_col(t, C_RESET);
	cli_cell(t->f, label, room);
	fputs("  ", t->f);
	rterm_col(t, C_DIM);
	fputs(view, t->f);
	rterm_col(t, C_RESET);
	fputc('\n', t->f);
	render__as_of(t->r, asof, sizeof asof);
	wrapf(t->f, 0, 2, _("period %s to %s%smonth %s%s%s"), d->period_start_date,
	      d->period_end_date, t->dot, render__month(t->r, month), t->dot, asof);
	if (t->r->offline) {
		rterm_col(t, C_YELLOW);
		wrapf(t->f, 0, 2, _("NOT REFRESHED: %s. This is the copy stored here."),
		      t->r->offline);
		rterm_col(t, C_RESET);
	} else if (!t->r->fresh) {
		rterm_col(t, C_DIM);
		rterm_wrap(t->f,
			   _("Stored copy: run `safecampus dashboard --refresh` or keep "
			     "`safecampus sync "
			     "--watch` running."),
			   0, 2);
		rterm_col(t, C_RESET);
	}
	if (t->r->derived)
		rterm_wrap(t->f,
			   _("Made from the district dashboard (no trends or hazard ageing); "
			     "`safecampus "
			     "dashboard --refresh --school ID` fetches the full view."),
			   0, 2);
}

/* A score as shown: 0..100, whatever the server sent (NaN is 0: a bar of
 * NaN cells is undefined behaviour, a score of 1e30 a line of 30 digits). */
static double score_shown(double score)
{
	if (!(score >= 0))
		return 0;
	return score > 100 ? 100 : score;
}

static void score(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	double sum = 0;
	size_t nw = 0;
	unsigned of = d->of_schools ? d->of_schools : (unsigned)d->n_schools;

	fputc('\n', t->f);
	rterm_col(t, C_BOLD);
	if (d->rank)
		fprintf(t->f,
			ngettext("SCORE %.1f of 100%srank %u of %u school",
				 "SCORE %.1f of 100%srank %u of %u schools", of),
			score_shown(d->score), t->dot, d->rank, of);
	else
		fprintf(t->f,
			ngettext("DISTRICT AVERAGE SCORE %.1f of 100%s%u school",
				 "DISTRICT AVERAGE SCORE %.1f of 100%s%u schools", of),
			score_shown(d->score), t->dot, of);
	rterm_col(t, C_RESET);
	fputc('\n', t->f);
	for (size_t i = 0; i < d->n_indicators; i++)
		if (d->indicators[i]->weight > 0) {
			sum += d->indicators[i]->weight;
			nw++;
		}
	if (sum <= 0)
		return;
	wrapf(t->f, 0, 9,
	      _("weights: %zu indicators are scored, with the weights in the WEIGHT column "
		"below; the score is the weighted mean of their scores (an indicator without a "
		"value is "
		"left out, the others' weights scaled up)."),
	      nw);
}

static void fmt_target(struct term *t, const Safecampus__Indicator *i, char *out, size_t n)
{
	char v[32];

	dashboard_fmt_value(v, sizeof v, i->target, true, i->unit, DASHBOARD_FMT_FULL);
	snprintf(out, n, "%s %s",
		 i->higher_is_better ? (t->r->ascii ? ">=" : "≥") : (t->r->ascii ? "<=" : "≤"), v);
}

static void fmt_trend(struct term *t, const Safecampus__Indicator *i, char *out, size_t n)
{
	char v[32];
	int dir = dashboard_trend_dir(i);

	if (!i->has_value || !i->has_previous) {
		snprintf(out, n, "-");
		return;
	}
	dashboard_fmt_value(v, sizeof v, dashboard__abs(i->value - i->previous), true,
			    i->unit && strcmp(i->unit, "%") == 0 ? "" : i->unit,
			    DASHBOARD_FMT_COMPACT);
	snprintf(out, n, "%s %s%s",
		 dir > 0   ? t->up
		 : dir < 0 ? t->down
			   : t->flat,
		 dir > 0   ? "+"
		 : dir < 0 ? "-"
			   : "",
		 dir ? v : "0");
}

static void bar(struct term *t, double score, size_t width)
{
	size_t full;

	score = score_shown(score);
	full = (size_t)dashboard__round(score * (double)width / 100.0);
	glyphs(t, t->full, full);
	rterm_col(t, C_DIM);
	glyphs(t, t->empty, width - full);
	rterm_col(t, C_RESET);
}

/* Where to cut s so that the first part fits width columns: at the last
 * space that fits, else in the middle of the word; strlen(s) if it all fits. */
static size_t label_cut(const char *s, size_t width)
{
	size_t at = 0, w = 0, space = 0;

	while (s[at]) {
		size_t l = utf8_len(s + at, SIZE_MAX);
		size_t cw = cli_width_n(s + at, l);
		if (w + cw > width)
			return space ? space : at;
		if (s[at] == ' ')
			space = at;
		w += cw;
		at += l;
	}
	return at;
}

/* Columns: 2 + label 44 + 1 + value 9 + flag 1 + 1 + target 10 + 1 + trend 8 + 1
 * + bar 12 + 1 + score 3 + 1 + weight 5 = 100. A longer label goes on. */
static void indicators(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	double sum = 0;
	char last_note[512] = "";

	if (!d->n_indicators)
		return;
	for (size_t i = 0; i < d->n_indicators; i++)
		if (d->indicators[i]->weight > 0)
			sum += d->indicators[i]->weight;
	rterm_heading(t, t->r->bureau && !(d->scope && *d->scope)
				 ? _("INDICATORS (district averages)")
				 : _("INDICATORS"));
	fputc('\n', t->f);
	rterm_col(t, C_DIM);
	fprintf(t->f, "  %-44s ", "");
	rterm_rcell(t->f, _("VALUE"), 9);
	fputs("  ", t->f);
	cli_cell(t->f, _("TARGET"), 10);
	fputc(' ', t->f);
	cli_cell(t->f, _("VS LAST"), 8);
	fputc(' ', t->f);
	cli_cell(t->f, _("SCORE"), 15);
	fputc(' ', t->f);
	rterm_rcell(t->f, _("WEIGHT"), 6);
	fputc('\n', t->f);
	rterm_col(t, C_RESET);
	for (size_t k = 0; k < d->n_indicators; k++) {
		const Safecampus__Indicator *i = d->indicators[k];
		const char *label = dashboard_indicator_label(i->key, i->label);
		size_t cut = label_cut(label, LABEL_W);
		char v[32], tg[48], tr[48], note[512], wt[16];
		int good = dashboard_trend_good(i);
		bool miss = !dashboard_meets_target(i);

		dashboard_fmt_value(v, sizeof v, i->value, i->has_value, i->unit,
				    DASHBOARD_FMT_FULL);
		if (cli_width(v) > 9) /* the VALUE column: "big" rather than a longer line */
			dashboard_fmt_value(v, sizeof v, i->value, i->has_value, i->unit,
					    DASHBOARD_FMT_COMPACT);
		fmt_target(t, i, tg, sizeof tg);
		fmt_trend(t, i, tr, sizeof tr);
		fputs("  ", t->f);
		put_n(t->f, label, cut);
		fprintf(t->f, "%*s ", (int)(LABEL_W - cli_width_n(label, cut)), "");
		if (miss)
			rterm_col(t, C_RED);
		/* right-aligned by columns, and through cli_cell: the unit is the
		 * message's text (fuzz_dashboard sent a control character in it) */
		fprintf(t->f, "%*s", (int)(9 - cli_width(v)), "");
		cli_cell(t->f, v, cli_width(v));
		fputs(miss ? "!" : " ", t->f);
		if (miss)
			rterm_col(t, C_RESET);
		fputc(' ', t->f);
		cli_cell(t->f, tg, 10);
		fputc(' ', t->f);
		rterm_col(t, good > 0 ? C_GREEN : good < 0 ? C_RED : C_RESET);
		cli_cell(t->f, tr, 8);
		rterm_col(t, C_RESET);
		fputc(' ', t->f);
		if (i->has_value) {
			bar(t, i->score, 12);
			fprintf(t->f, " %3.0f", score_shown(i->score));
		} else {
			cli_cell(t->f, _("not applicable"), 16);
		}
		if (i->weight > 0 && sum > 0)
			snprintf(wt, sizeof wt, "%.0f%%", i->weight / sum * 100);
		else
			snprintf(wt, sizeof wt, "-");
		fprintf(t->f, " %5s\n", wt);
		while (label[cut] == ' ')
			cut++;
		if (label[cut]) {
			fputs("    ", t->f);
			rterm_wrap(t->f, label + cut, 4, 4);
		}
		if (i->detail && *i->detail) {
			fputs("    ", t->f);
			rterm_col(t, C_DIM);
			rterm_wrap(t->f, dashboard_detail_text(i->detail, note, sizeof note), 4, 6);
			rterm_col(t, C_RESET);
		}
		/* once per group ("education_*" share their sessions) */
		if (dashboard_local_note(t->r->local, i->key, note, sizeof note) &&
		    strcmp(note, last_note)) {
			snprintf(last_note, sizeof last_note, "%s", note);
			fputs("    ", t->f);
			rterm_col(t, C_YELLOW);
			fputs(t->cont, t->f);
			fputc(' ', t->f);
			rterm_wrap(t->f, note, 6, 6);
			rterm_col(t, C_RESET);
		}
	}
	fputs("  ", t->f);
	rterm_col(t, C_DIM);
	rterm_wrap(t->f,
		   _("! misses its target. VS LAST: change since the previous month. SCORE: 0-100, "
		     "before weighting."),
		   2, 2);
	rterm_col(t, C_RESET);
}

/* The ranking as bars (a school's view, or a bureau's drill-down). */
static void ranking(struct term *t, const size_t *order)
{
	const Safecampus__Dashboard *d = t->d;
	char buf[32];

	if (!d->n_schools)
		return;
	rterm_heading(t, t->r->bureau ? _("RANKING") : _("RANKING (other schools are not named)"));
	fputc('\n', t->f);
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		bool self = render__row_is_self(t->r, s);

		if (self)
			rterm_col(t, C_BOLD);
		fprintf(t->f, "  %3u  ", s->rank);
		cli_cell(t->f, render__school_name(t->r, s, buf, sizeof buf), 30);
		fprintf(t->f, " %5.1f  ", score_shown(s->score));
		if (self)
			rterm_col(t, C_CYAN);
		bar(t, s->score, 50);
		if (self) {
			rterm_col(t, C_RESET);
			rterm_col(t, C_BOLD);
			fputs(t->r->ascii ? " <" : " ◀", t->f);
		}
		rterm_col(t, C_RESET);
		fputc('\n', t->f);
	}
}

/* The indicators to show as columns: the scope's (district averages), else
 * the first school's that has any. */
static void columns(const Safecampus__Dashboard *d, Safecampus__Indicator *const **v, size_t *n)
{
	*v = d->indicators;
	*n = d->n_indicators;
	for (size_t i = 0; i < d->n_schools && !*n; i++) {
		*v = d->schools[i]->indicators;
		*n = d->schools[i]->n_indicators;
	}
}

/* Which columns fit: the one sorted by, then the scored indicators, then
 * the others; shown in their own order. Returns how many; sel gets them. */
static size_t pick_columns(Safecampus__Indicator *const *cols, size_t ncols, const char *sort,
			   size_t fit, Safecampus__Indicator const **sel)
{
	bool *pick = calloc(ncols + 1, sizeof *pick);
	size_t n = 0;

	if (!pick)
		return 0;
	for (int pass = 0; pass < 3; pass++)
		for (size_t c = 0; c < ncols && n < fit; c++) {
			bool want = pass == 0   ? sort && (strcmp(cols[c]->key, sort) == 0 ||
                                                         strcasecmp(dashboard_short(cols[c]->key),
								      sort) == 0)
				    : pass == 1 ? cols[c]->weight > 0
						: true;
			if (!pick[c] && want) {
				pick[c] = true;
				n++;
			}
		}
	n = 0;
	for (size_t c = 0; c < ncols; c++)
		if (pick[c])
			sel[n++] = cols[c];
	free(pick);
	return n;
}

/* The bureau's school table: 4 + name 17 + score 6 + 6 per indicator. */
static void schools(struct term *t, const size_t *order)
{
	const Safecampus__Dashboard *d = t->d;
	Safecampus__Indicator *const *all;
	const Safecampus__Indicator **cols;
	size_t nall, shown;
	const char *sort = t->r->sort && *t->r->sort ? t->r->sort : "score";
	char legend[4096], buf[32];
	size_t at = 0;
	unsigned long long unsent = 0;

	if (!d->n_schools)
		return;
	columns(d, &all, &nall);
	cols = calloc(nall + 1, sizeof *cols);
	if (!cols)
		return;
	shown = pick_columns(all, nall, sort, (W - 4 - 17 - 6) / 6, cols);
	fputc('\n', t->f);
	rterm_col(t, C_BOLD);
	snprintf(legend, sizeof legend, _("SCHOOLS (%zu)"), d->n_schools);
	fputs(legend, t->f);
	rterm_col(t, C_RESET);
	fputc(' ', t->f);
	wrapf(t->f, cli_width(legend) + 2, 2,
	      _("sorted by %s, best first; --sort score, name or a column"), sort);
	rterm_col(t, C_DIM);
	fputs("  # ", t->f);
	cli_cell(t->f, _("SCHOOL"), 17);
	fputc(' ', t->f);
	rterm_rcell(t->f, _("SCORE"), 5);
	for (size_t c = 0; c < shown; c++)
		fprintf(t->f, " %5.5s", dashboard_short(cols[c]->key));
	rterm_col(t, C_RESET);
	fputc('\n', t->f);
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		/* '*': records done there and not yet synced (the note below) */
		fprintf(t->f, "%3u%s", s->rank, s->outbox_pending ? "*" : " ");
		unsent += s->outbox_pending;
		cli_cell(t->f, render__school_name(t->r, s, buf, sizeof buf), 17);
		fprintf(t->f, " %5.1f", score_shown(s->score));
		for (size_t c = 0; c < shown; c++) {
			const Safecampus__Indicator *i =
				dashboard_indicator(s->indicators, s->n_indicators, cols[c]->key);
			char v[32];
			bool miss = i && !dashboard_meets_target(i);
			dashboard_fmt_value(v, sizeof v, i ? i->value : 0, i && i->has_value,
					    i ? i->unit : cols[c]->unit, DASHBOARD_FMT_COMPACT);
			fputc(' ', t->f);
			if (miss)
				rterm_col(t, C_RED);
			fprintf(t->f, "%5s", v);
			if (miss)
				rterm_col(t, C_RESET);
		}
		fputc('\n', t->f);
	}
	if (d->n_indicators) {
		rterm_col(t, C_BOLD);
		fputs("    ", t->f);
		cli_cell(t->f, _("district average"), 17);
		fprintf(t->f, " %5.1f", score_shown(d->score));
		for (size_t c = 0; c < shown; c++) {
			const Safecampus__Indicator *i =
				dashboard_indicator(d->indicators, d->n_indicators, cols[c]->key);
			char v[32];
			dashboard_fmt_value(v, sizeof v, i ? i->value : 0, i && i->has_value,
					    cols[c]->unit, DASHBOARD_FMT_COMPACT);
			fprintf(t->f, " %5s", v);
		}
		rterm_col(t, C_RESET);
		fputc('\n', t->f);
	}
	for (size_t c = 0; c < shown && at < sizeof legend; c++)
		at += (size_t)snprintf(legend + at, sizeof legend - at, "%s%s = %s", c ? "; " : "",
				       dashboard_short(cols[c]->key),
				       dashboard_indicator_label(cols[c]->key, cols[c]->label));
	rterm_col(t, C_DIM);
	fputs("  ", t->f);
	rterm_wrap(t->f, legend, 2, 2);
	if (shown < nall) {
		fputs("  ", t->f);
		wrapf(t->f, 2, 2,
		      _("%zu more column(s) in --html and --csv; --sort KEY always shows KEY."),
		      nall - shown);
	}
	if (unsent) {
		fputs("  ", t->f);
		wrapf(t->f, 2, 2,
		      _("*: %llu records done at these schools are not yet synced; their numbers "
			"change "
			"when they arrive (sync health below)."),
		      unsent);
	}
	fputs("  ", t->f);
	rterm_wrap(t->f,
		   _("Red: misses the target. One school in full: `safecampus dashboard --school "
		     "ID`."),
		   2, 2);
	rterm_col(t, C_RESET);
	free(cols);
}

static const Safecampus__Indicator *any_indicator(const Safecampus__Dashboard *d, const char *key)
{
	const Safecampus__Indicator *i = dashboard_indicator(d->indicators, d->n_indicators, key);

	for (size_t s = 0; !i && s < d->n_schools; s++)
		i = dashboard_indicator(d->schools[s]->indicators, d->schools[s]->n_indicators,
					key);
	return i;
}

/* Month by month, the last MAX_MONTHS months of the period. */
static void trends(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	const Safecampus__Trend *base = dashboard_trend(d, "score");
	size_t first, nm, lw;
	char month[8];
	const char *title;

	if (!d->n_trends)
		return;
	if (!base || !base->n_months)
		base = d->trends[0];
	nm = base->n_months;
	if (!nm)
		return;
	first = nm > MAX_MONTHS ? nm - MAX_MONTHS : 0;
	render__month(t->r, month);
	/* the label takes what the months leave, up to 40 columns */
	lw = W - 2 - (nm - first) * 10;
	lw = lw > 40 ? 40 : lw;
	title = t->r->bureau && !(d->scope && *d->scope) ? _("TRENDS (district averages)")
							 : _("TRENDS");
	rterm_heading(t, title);
	fprintf(t->f, "%*s", (int)(2 + lw - cli_width(title)), "");
	for (size_t m = first; m < nm; m++) {
		const char *mm = base->months[m]->month ? base->months[m]->month : "";
		bool focus = strcmp(mm, month) == 0;
		if (focus)
			rterm_col(t, C_BOLD);
		/* the month is data: cli_cell prints control characters as '?' */
		fprintf(t->f, " %c", focus ? '[' : ' ');
		cli_cell(t->f, mm, 7);
		fputc(focus ? ']' : ' ', t->f);
		if (focus)
			rterm_col(t, C_RESET);
	}
	fputc('\n', t->f);
	for (size_t k = 0; k < d->n_trends; k++) {
		const Safecampus__Trend *tr = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind = any_indicator(d, tr->key);
		const char *label =
			strcmp(tr->key ? tr->key : "", "score") == 0
				? _("Safe-campus score")
				: dashboard_indicator_label(tr->key, ind ? ind->label : NULL);
		fputs("  ", t->f);
		cli_cell(t->f, label, lw);
		for (size_t m = first; m < nm; m++) {
			const char *mm = base->months[m]->month ? base->months[m]->month : "";
			const Safecampus__MonthValue *mv = NULL;
			char v[32];
			for (size_t j = 0; j < tr->n_months; j++)
				if (tr->months[j]->month && strcmp(tr->months[j]->month, mm) == 0)
					mv = tr->months[j];
			if (ind)
				dashboard_fmt_value(v, sizeof v, mv ? mv->value : 0,
						    mv && mv->has_value, ind->unit,
						    DASHBOARD_FMT_COMPACT);
			else if (mv && mv->has_value)
				snprintf(v, sizeof v, "%.1f", mv->value);
			else
				snprintf(v, sizeof v, "-");
			if (strlen(v) > 7) /* the column: "big" rather than a longer line */
				dashboard_fmt_value(v, sizeof v, mv ? mv->value : 0, true, "",
						    DASHBOARD_FMT_COMPACT);
			fprintf(t->f, "  %7s%s", mv && mv->has_value ? v : "-",
				m + 1 < nm ? " " : "");
		}
		fputc('\n', t->f);
	}
	/* the server's definition (dashboards.md, "Time"): say it, so a line
	 * that does not look like the month's own work is not misread */
	rterm_wrap(t->f,
		   _("Each month is the period from its start to that month's end: the last month "
		     "is the figures above."),
		   0, 2);
	fputc('\n', t->f);
}

static const char *sev_name(int s)
{
	switch (s) {
	case SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL:
		return _("CRITICAL");
	case SAFECAMPUS__SEVERITY__SEVERITY_HIGH:
		return _("HIGH");
	case SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM:
		return _("MEDIUM");
	case SAFECAMPUS__SEVERITY__SEVERITY_LOW:
		return _("LOW");
	default:
		return "-";
	}
}

/* < 0 when alert a comes first: most severe, then oldest. */
static int alert_cmp(const Safecampus__Alert *a, const Safecampus__Alert *b)
{
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1; /* SEVERITY_* ascend with severity */
	return strcmp(a->since_date ? a->since_date : "", b->since_date ? b->since_date : "");
}

static int alert_order(const Safecampus__Dashboard *d, size_t **out)
{
	size_t *o = malloc((d->n_alerts + 1) * sizeof *o);

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_alerts; i++) {
		size_t j = i;
		while (j > 0 && alert_cmp(d->alerts[i], d->alerts[o[j - 1]]) < 0) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = i;
	}
	*out = o;
	return 0;
}

static int alerts(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	bool show_school = t->r->bureau && !(d->scope && *d->scope);
	size_t *o, title_w = W - 2 - 8 - 1 - 19 - 1 - (show_school ? 17 : 0) - 1 - 10;
	char buf[64], tbuf[512];
	int rc;

	rterm_heading(t, _("ALERTS"));
	fprintf(t->f, " (%zu)\n", d->n_alerts);
	if (!d->n_alerts) {
		fprintf(t->f, "  %s\n", _("none"));
		return 0;
	}
	rc = alert_order(d, &o);
	if (rc)
		return rc;
	for (size_t k = 0; k < d->n_alerts && k < MAX_ALERTS; k++) {
		const Safecampus__Alert *a = d->alerts[o[k]];
		render__alert_kind(a->kind, buf, sizeof buf);
		fputs("  ", t->f);
		rterm_col(t, a->severity >= SAFECAMPUS__SEVERITY__SEVERITY_HIGH ? C_RED : C_YELLOW);
		cli_cell(t->f, sev_name(a->severity), 8);
		rterm_col(t, C_RESET);
		fputc(' ', t->f);
		cli_cell(t->f, buf, 19);
		fputc(' ', t->f);
		if (show_school) {
			cli_cell(t->f, render__school_label(t->r, a->school), 16);
			fputc(' ', t->f);
		}
		cli_cell(t->f, dashboard_title_text(a->title, tbuf, sizeof tbuf), title_w);
		fputc(' ', t->f);
		cli_cell(t->f, a->since_date && *a->since_date ? a->since_date : "-", 10);
		fputc('\n', t->f);
		if (dashboard_alert_pending(t->r->local, a)) {
			fprintf(t->f, "%*s", 11, "");
			rterm_col(t, C_YELLOW);
			fprintf(t->f, "%s ", t->cont);
			rterm_wrap(t->f, _("answered by a record made here, not yet synced"), 13,
				   13);
			rterm_col(t, C_RESET);
		}
	}
	if (d->n_alerts > MAX_ALERTS)
		fprintf(t->f, _("  ... and %zu more (all of them in --html and --csv)\n"),
			d->n_alerts - MAX_ALERTS);
	free(o);
	return 0;
}

static void missing(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	bool show_school = t->r->bureau && !(d->scope && *d->scope);
	size_t what_w = W - 2 - (show_school ? 17 : 0) - 1 - 14;
	char tbuf[512];

	rterm_heading(t, _("MISSING SUBMISSIONS"));
	fprintf(t->f, " (%zu)\n", d->n_missing);
	if (!d->n_missing) {
		fprintf(t->f, "  %s\n", _("none"));
		return;
	}
	for (size_t k = 0; k < d->n_missing && k < MAX_MISSING; k++) {
		const Safecampus__MissingSubmission *m = d->missing[k];
		fputs("  ", t->f);
		if (show_school) {
			cli_cell(t->f, render__school_label(t->r, m->school), 16);
			fputc(' ', t->f);
		}
		cli_cell(t->f, dashboard_title_text(m->what, tbuf, sizeof tbuf), what_w);
		fprintf(t->f, " %s ", _("due"));
		cli_cell(t->f, m->due_date && *m->due_date ? m->due_date : "-", 10);
		fputc('\n', t->f);
		if (dashboard_missing_pending(t->r->local, m)) {
			fprintf(t->f, "    ");
			rterm_col(t, C_YELLOW);
			fprintf(t->f, "%s ", t->cont);
			rterm_wrap(t->f,
				   _("recorded here, not yet synced: not missing once you sync"), 6,
				   6);
			rterm_col(t, C_RESET);
		}
	}
	if (d->n_missing > MAX_MISSING)
		fprintf(t->f, _("  ... and %zu more (all of them in --html and --csv)\n"),
			d->n_missing - MAX_MISSING);
}

static void ageing(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	uint32_t max = 0;

	if (!d->n_hazard_ageing)
		return;
	for (size_t i = 0; i < d->n_hazard_ageing; i++)
		if (d->hazard_ageing[i]->open > max)
			max = d->hazard_ageing[i]->open;
	rterm_heading(t, _("OPEN HAZARDS BY AGE"));
	fputc('\n', t->f);
	rterm_col(t, C_DIM);
	fprintf(t->f, "  %-14s ", "");
	rterm_rcell(t->f, _("OPEN"), 6);
	fputc(' ', t->f);
	rterm_rcell(t->f, _("OVERDUE"), 8);
	fputc('\n', t->f);
	rterm_col(t, C_RESET);
	for (size_t i = 0; i < d->n_hazard_ageing; i++) {
		const Safecampus__AgeBucket *b = d->hazard_ageing[i];
		uint32_t over = b->overdue > b->open ? b->open : b->overdue;
		size_t wo = max ? (size_t)dashboard__round((double)over * 50 / max) : 0;
		size_t wa = max ? (size_t)dashboard__round((double)b->open * 50 / max) : 0;
		fputs("  ", t->f);
		char lb[64];
		cli_cell(t->f, dashboard_title_text(b->label, lb, sizeof lb), 14);
		fprintf(t->f, " %6u %8u  ", b->open, b->overdue);
		rterm_col(t, C_RED);
		glyphs(t, t->full, wo);
		rterm_col(t, C_YELLOW);
		glyphs(t, t->half, wa > wo ? wa - wo : 0);
		rterm_col(t, C_RESET);
		fputc('\n', t->f);
	}
	rterm_col(t, C_DIM);
	fprintf(t->f, _("  %s overdue  %s open, within its deadline\n"), t->full, t->half);
	rterm_col(t, C_RESET);
}

int render_term(FILE *f, const struct render_ctx *r)
{
	struct term t = { .f = f, .r = r, .d = r->d };
	size_t *order = NULL;
	bool district = r->bureau && !(r->d->scope && *r->d->scope);
	int rc;

	if (r->ascii) {
		t.dot = " | ";
		t.up = "^";
		t.down = "v";
		t.flat = "=";
		t.full = "#";
		t.empty = ".";
		t.half = "+";
		t.cont = "->";
	} else {
		t.dot = " · ";
		t.up = "↑";
		t.down = "↓";
		t.flat = "→";
		t.full = "█";
		t.empty = "░";
		t.half = "▒";
		t.cont = "↳";
	}
	order = malloc((r->d->n_schools + 1) * sizeof *order);
	if (!order)
		return -ENOMEM;
	rc = dashboard_sort_schools(r->d, district ? r->sort : "score", order);
	if (rc)
		goto out;
	header(&t);
	score(&t);
	/* the bureau compares schools first; a school looks at its own indicators */
	if (district) {
		schools(&t, order);
		indicators(&t);
	} else {
		indicators(&t);
		ranking(&t, order);
	}
	trends(&t);
	rc = alerts(&t);
	if (rc)
		goto out;
	missing(&t);
	rc = render_rates_term(t.f, r);
	if (rc)
		goto out;
	render_flags_term(t.f, r);
	ageing(&t);
	rterm_health(&t);
	rterm_local_note(&t);
	if (ferror(f))
		rc = -EIO;
out:
	free(order);
	return rc;
}
