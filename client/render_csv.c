/* The dashboard's tables as CSV files for spreadsheets: one file per table,
 * RFC 4180 (CRLF line ends, a field quoted when it holds a comma, quote, CR or
 * LF, quotes doubled), UTF-8 without a byte order mark, like `export`.
 *
 * A text cell from the data that starts with = + - @ (or a tab or CR) gets a
 * leading apostrophe, so a school name cannot become a spreadsheet formula
 * when the file is opened. Numbers are written plainly (no unit), an empty
 * cell where a value does not apply. Each file is written to NAME.tmp and
 * renamed, so a reader never sees half a table. */
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dashboard_text.h"
#include "i18n.h"

struct csv {
	FILE *f;
	bool first; /* no comma before the first cell of a row */
};

static void cell_raw(struct csv *c, const char *s, bool text)
{
	const char *v = s ? s : "";
	bool formula = text && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
				v[0] == '\t' || v[0] == '\r');
	bool q = false;

	if (!c->first)
		fputc(',', c->f);
	c->first = false;
	for (const char *p = v; *p && !q; p++)
		q = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
	if (!q && !formula) {
		fputs(v, c->f);
		return;
	}
	if (q)
		fputc('"', c->f);
	if (formula)
		fputc('\'', c->f);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			fputc('"', c->f);
		fputc(*p, c->f);
	}
	if (q)
		fputc('"', c->f);
}

static void text(struct csv *c, const char *s)
{
	cell_raw(c, s, true);
}

static void num(struct csv *c, double v, bool has)
{
	char buf[48];

	dashboard_fmt_value(buf, sizeof buf, v, has, "", DASHBOARD_FMT_PLAIN);
	cell_raw(c, buf, false);
}

static void numf(struct csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void numf(struct csv *c, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cell_raw(c, buf, false);
}

static void time_cell(struct csv *c, int64_t ms)
{
	char buf[32];

	if (ms <= 0) {
		cell_raw(c, "", false);
		return;
	}
	cli_fmt_time(ms, buf, sizeof buf);
	cell_raw(c, buf, false);
}

static void row_end(struct csv *c)
{
	fputs("\r\n", c->f);
	c->first = true;
}

/* A header row from a NULL-terminated list. */
static void header(struct csv *c, const char *const *names)
{
	for (; *names; names++)
		cell_raw(c, *names, false);
	row_end(c);
}

static double weight_sum(const Safecampus__Dashboard *d)
{
	double sum = 0;

	for (size_t i = 0; i < d->n_indicators; i++)
		if (d->indicators[i]->weight > 0)
			sum += d->indicators[i]->weight;
	return sum;
}

static void indicators(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;
	double sum = weight_sum(d);

	header(c, (const char *const[]){ "key", "label", "value", "unit", "target",
					 "higher_is_better", "score", "weight_percent",
					 "previous_month", "detail", "not_yet_synced_here", NULL });
	for (size_t k = 0; k < d->n_indicators; k++) {
		const Safecampus__Indicator *i = d->indicators[k];
		char note[512];
		text(c, i->key);
		text(c, dashboard_indicator_label(i->key, i->label));
		num(c, i->value, i->has_value);
		text(c, i->unit);
		num(c, i->target, true);
		cell_raw(c, i->higher_is_better ? "true" : "false", false);
		num(c, i->score, i->has_value);
		num(c, sum > 0 ? i->weight / sum * 100 : 0, i->weight > 0 && sum > 0);
		num(c, i->previous, i->has_previous);
		text(c, i->detail);
		dashboard_local_note(r->local, i->key, note, sizeof note);
		text(c, note);
		row_end(c);
	}
}

static void schools(struct csv *c, const struct render_ctx *r, const size_t *order)
{
	const Safecampus__Dashboard *d = r->d;
	Safecampus__Indicator *const *cols = NULL;
	size_t ncols = 0;
	char buf[32];

	/* the rows' indicators (the bureau's); a school sees no other school's */
	for (size_t i = 0; i < d->n_schools && !ncols; i++) {
		cols = d->schools[i]->indicators;
		ncols = d->schools[i]->n_indicators;
	}
	/* one column per indicator, named by its key */
	for (const char *const *h =
		     (const char *const[]){ "rank", "school", "name", "score", "self", NULL };
	     *h; h++)
		cell_raw(c, *h, false);
	for (size_t k = 0; k < ncols; k++)
		text(c, cols[k]->key);
	row_end(c);
	for (size_t k = 0; k < d->n_schools; k++) {
		const Safecampus__SchoolScore *s = d->schools[order[k]];
		bool self = s->is_self || (d->scope && *d->scope && s->school &&
					   strcmp(s->school, d->scope) == 0);
		numf(c, "%u", s->rank);
		/* in a school's view another school has no id, whatever the row says */
		text(c, r->bureau || self ? s->school : "");
		text(c, render__school_name(r, s, buf, sizeof buf));
		num(c, s->score, true);
		cell_raw(c, self ? "true" : "false", false);
		for (size_t j = 0; j < ncols; j++) {
			const Safecampus__Indicator *i =
				dashboard_indicator(s->indicators, s->n_indicators, cols[j]->key);
			num(c, i ? i->value : 0, i && i->has_value);
		}
		row_end(c);
	}
}

static void alerts(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;

	header(c, (const char *const[]){ "severity", "kind", "school", "school_name", "title",
					 "since_date", "record_id", "not_yet_synced_here", NULL });
	for (size_t k = 0; k < d->n_alerts; k++) {
		const Safecampus__Alert *a = d->alerts[k];
		const char *sev = kind_enum_name(&safecampus__severity__descriptor, a->severity);
		text(c, sev ? sev : "");
		text(c, a->kind);
		text(c, a->school);
		text(c, render__school_label(r, a->school));
		text(c, a->title);
		text(c, a->since_date);
		text(c, a->record_id);
		cell_raw(c, dashboard_alert_pending(r->local, a) ? "true" : "false", false);
		row_end(c);
	}
}

static void trends(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;
	const Safecampus__Trend *base = dashboard_trend(d, "score");

	if (!base && d->n_trends)
		base = d->trends[0];
	cell_raw(c, "key", false);
	cell_raw(c, "label", false);
	for (size_t m = 0; base && m < base->n_months; m++)
		text(c, base->months[m]->month);
	row_end(c);
	for (size_t k = 0; base && k < d->n_trends; k++) {
		const Safecampus__Trend *t = dashboard_trend_nth(d, k);
		const Safecampus__Indicator *ind =
			dashboard_indicator(d->indicators, d->n_indicators, t->key);
		text(c, t->key);
		text(c, t->key && strcmp(t->key, "score") == 0 ? _("Safe-campus score")
			: ind ? dashboard_indicator_label(ind->key, ind->label)
			      : "");
		for (size_t m = 0; m < base->n_months; m++) {
			const Safecampus__MonthValue *mv = NULL;
			for (size_t j = 0; j < t->n_months; j++)
				if (t->months[j]->month && base->months[m]->month &&
				    strcmp(t->months[j]->month, base->months[m]->month) == 0)
					mv = t->months[j];
			num(c, mv ? mv->value : 0, mv && mv->has_value);
		}
		row_end(c);
	}
}

static void health(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;
	int64_t ref = render__ref_ms(r);

	header(c, (const char *const[]){ "school", "school_name", "campus", "last_contact",
					 "outbox_pending", "oldest_pending", "last_sync", "stale",
					 NULL });
	for (size_t k = 0; k < d->n_health; k++) {
		const Safecampus__SyncHealth *h = d->health[k];
		text(c, h->school);
		text(c, render__school_label(r, h->school));
		text(c, h->campus);
		time_cell(c, h->last_contact_ms);
		numf(c, "%llu", (unsigned long long)h->outbox_pending);
		time_cell(c, h->outbox_pending ? h->oldest_pending_ms : 0);
		time_cell(c, h->last_sync_ms);
		cell_raw(c, dashboard_health_stale(h, ref) ? "true" : "false", false);
		row_end(c);
	}
}

static void missing(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;

	header(c, (const char *const[]){ "school", "school_name", "what", "due_date", "record_id",
					 "not_yet_synced_here", NULL });
	for (size_t k = 0; k < d->n_missing; k++) {
		const Safecampus__MissingSubmission *m = d->missing[k];
		text(c, m->school);
		text(c, render__school_label(r, m->school));
		text(c, m->what);
		text(c, m->due_date);
		text(c, m->record_id);
		cell_raw(c, dashboard_missing_pending(r->local, m) ? "true" : "false", false);
		row_end(c);
	}
}

/* Dashboard.rates as they came: a row per school and data set (school ""
 * = the district's sums); the rates empty where nothing was expected. */
static void rates(struct csv *c, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;

	header(c, (const char *const[]){ "school", "school_name", "kind", "expected", "received",
					 "on_time", "reporting_rate", "timeliness", NULL });
	for (size_t k = 0; k < d->n_rates; k++) {
		const Safecampus__ReportingRate *x = d->rates[k];
		const char *school = x->school ? x->school : "";
		text(c, school);
		text(c, *school ? render__school_label(r, school) : "");
		text(c, x->kind);
		numf(c, "%u", x->expected);
		numf(c, "%u", x->received);
		numf(c, "%u", x->on_time);
		num(c, x->expected ? 100.0 * x->received / x->expected : 0, x->expected > 0);
		num(c, x->expected ? 100.0 * x->on_time / x->expected : 0, x->expected > 0);
		row_end(c);
	}
}

enum table { T_INDICATORS, T_SCHOOLS, T_ALERTS, T_TRENDS, T_HEALTH, T_MISSING, T_RATES };

static const char *const files[] = {
	[T_INDICATORS] = "indicators.csv", [T_SCHOOLS] = "schools.csv", [T_ALERTS] = "alerts.csv",
	[T_TRENDS] = "trends.csv",         [T_HEALTH] = "health.csv",   [T_MISSING] = "missing.csv",
	[T_RATES] = "rates.csv",
};

int render_csv(const char *dir, const struct render_ctx *r, char *err, size_t errlen)
{
	size_t *order = malloc((r->d->n_schools + 1) * sizeof *order);
	bool district = r->bureau && !(r->d->scope && *r->d->scope);
	int rc;

	if (!order)
		return -ENOMEM;
	rc = dashboard_sort_schools(r->d, district ? r->sort : "score", order);
	if (rc) {
		snprintf(err, errlen, _("unknown sort key \"%s\""), r->sort ? r->sort : "");
		goto out;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, _("cannot make %s: %s"), dir, strerror(errno));
		goto out;
	}
	for (size_t t = 0; t < sizeof files / sizeof files[0]; t++) {
		char path[4096], tmp[4100];
		struct csv c = { .first = true };

		snprintf(path, sizeof path, "%s/%s", dir, files[t]);
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		c.f = fopen(tmp, "w");
		if (!c.f) {
			rc = -errno;
			snprintf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
			goto out;
		}
		switch ((enum table)t) {
		case T_INDICATORS:
			indicators(&c, r);
			break;
		case T_SCHOOLS:
			schools(&c, r, order);
			break;
		case T_ALERTS:
			alerts(&c, r);
			break;
		case T_TRENDS:
			trends(&c, r);
			break;
		case T_HEALTH:
			health(&c, r);
			break;
		case T_MISSING:
			missing(&c, r);
			break;
		case T_RATES:
			rates(&c, r);
			break;
		}
		if (ferror(c.f) | (fclose(c.f) != 0)) {
			rc = -EIO;
			snprintf(err, errlen, _("cannot write %s"), tmp);
			unlink(tmp);
			goto out;
		}
		if (rename(tmp, path) != 0) {
			rc = -errno;
			snprintf(err, errlen, _("cannot write %s: %s"), path, strerror(errno));
			unlink(tmp);
			goto out;
		}
	}
out:
	free(order);
	return rc;
}
