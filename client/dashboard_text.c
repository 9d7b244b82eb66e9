/* The dashboard's words in the reader's language (dashboard_text.h).
 *
 * The server computes the dashboard in SQL and sends its labels and details
 * in English (server/sql/004_dashboard.sql, 010_fair_numbers.sql): the
 * server has no reader's language, and one district dashboard is read by
 * people of either. The client knows the reader, so it translates: an
 * indicator by its KEY (the label tables below repeat the server's English
 * as msgids), the server's generated texts ("3 of 4 months", "drill for
 * 2026-10") by their templates, with the numbers and names kept as they
 * came. Anything it does not know is shown as the server sent it; in
 * English nothing is changed at all, so the server stays the one place the
 * English wording is defined. */
#include "dashboard_text.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "kind_ops.h"

static const struct {
	const char *key, *label;
} indicator_labels[] = {
	{ "drills", N_("Months with a drill that had a plan and feedback") },
	{ "education_1530", N_("\"1530\" safety education: sessions held of sessions due") },
	{ "education_daily", N_("\"1530\" daily 1 minute before dismissal") },
	{ "education_weekly", N_("\"1530\" weekly 10-minute assembly") },
	{ "education_weekend", N_("\"1530\" 5 minutes before the weekend") },
	{ "education_holiday", N_("\"1530\" 30 minutes before a holiday") },
	{ "hazards_open", N_("Hazards open (not yet verified)") },
	{ "hazards_overdue", N_("Hazards past their deadline, not verified") },
	{ "hazard_verify_days", N_("Median days from report to verification") },
	{ "letters", N_("Current staff holding this year's responsibility letter") },
	{ "notices_acknowledged", N_("Notices acknowledged") },
	{ "notices_on_time", N_("Notices implemented on time") },
	{ "notices_late", N_("Notices implemented late") },
	{ "notices_missing", N_("Notices past due without a report") },
	{ "bus_mismatch", N_("Bus trips with a boarded/alighted mismatch") },
	{ "bus_inspection_overdue", N_("Buses with inspection overdue") },
	{ "equipment_overdue", N_("Equipment checks overdue") },
	{ "gate_duty", N_("School days with both gate shifts staffed") },
	{ "risks_open", N_("Known risks not removed") },
	{ "risks_overdue", N_("Known risks past their planned date") },
	{ "score", N_("Safe-campus score") },
};

/* A column head of the bureau's table of schools: a few words, where the
 * terminal's 5-letter abbreviations (dashboard_short) read as code ("HzOvd");
 * the full label goes in the head's tooltip. */
static const struct {
	const char *key, *head;
} column_heads[] = {
	{ "drills", NC_("column", "Drills") },
	{ "education_1530", NC_("column", "1530 total") },
	{ "education_daily", NC_("column", "1530 daily") },
	{ "education_weekly", NC_("column", "1530 weekly") },
	{ "education_weekend", NC_("column", "1530 weekend") },
	{ "education_holiday", NC_("column", "1530 holiday") },
	{ "hazards_open", NC_("column", "Hazards open") },
	{ "hazards_overdue", NC_("column", "Hazards overdue") },
	{ "hazard_verify_days", NC_("column", "Days to verify") },
	{ "letters", NC_("column", "Letters") },
	{ "notices_acknowledged", NC_("column", "Notices read") },
	{ "notices_on_time", NC_("column", "Notices on time") },
	{ "notices_late", NC_("column", "Notices late") },
	{ "notices_missing", NC_("column", "Notices unreported") },
	{ "bus_mismatch", NC_("column", "Bus count mismatch") },
	{ "bus_inspection_overdue", NC_("column", "Bus inspection overdue") },
	{ "equipment_overdue", NC_("column", "Equipment overdue") },
	{ "gate_duty", NC_("column", "Gate duty") },
	{ "risks_open", NC_("column", "Risks open") },
	{ "risks_overdue", NC_("column", "Risks overdue") },
	{ "score", NC_("column", "Score") },
	{ "name", NC_("column", "School") },
};

/* sc_alerts' kinds (004_dashboard.sql) */
static const struct {
	const char *kind, *words;
} alert_kinds[] = {
	{ "hazard_overdue", N_("hazard overdue") },
	{ "month_without_drill", N_("month without drill") },
	{ "notice_missing", N_("notice missing") },
	{ "bus_mismatch", N_("bus mismatch") },
	{ "equipment_overdue", N_("equipment overdue") },
	{ "risk_overdue", N_("risk overdue") },
};

/* The server's generated texts; %s stands for any non-empty run (a number,
 * a date, a title). More specific templates come before the ones they
 * would also match. */
static const char *const detail_templates[] = {
	N_("%s of %s sessions due"), /* tests/tools/dash_fixture.c says these two */
	N_("%s of %s staff hold a %s letter"),
	N_("%s of %s months"),
	N_("%s of %s school days"),
	N_("%s of %s sessions"),
	N_("%s of %s open"),
	N_("%s of %s staff"),
	N_("%s of %s buses"),
	N_("%s of %s items"),
	N_("%s of %s notices"),
	N_("%s of %s due"),
	N_("%s of %s schools"),
	N_("%s indicators scored"),
	N_("%s mismatched"),
	N_("%s verified"),
	N_("%s open"),
	N_("%s schools"),
	N_("no buses"),
	N_("no equipment"),
	N_("no records: scored 0"),
	N_("no school buses"),
	N_("no staff"),
	N_("nothing due this month"),
	N_("median of %s hazards verified"),
	NULL,
};

static const char *const title_templates[] = {
	N_("no drill with a plan and feedback in %s"),
	N_("No drill in %s"), /* tests/tools/dash_fixture.c */
	N_("drill for %s"),
	N_("notice report: %s"),
	/* sc_missing (013_submissions.sql) and the district's "1530" line
	 * (server/dash_build.c) */
	N_("responsibility letter %s: %s"),
	N_("equipment check: %s (%s)"),
	N_("bus inspection: %s"),
	N_("\"1530\" sessions, class %s: %s of %s not held"),
	N_("\"1530\" sessions: %s of %s not held"),
	/* sc_flags (014_flags.sql) */
	N_("%s %s records entered on %s for dates %s to %s"),
	N_("the same minutes in %s meetings"),
	N_("evacuation in %s seconds in %s drills"),
	N_("%s \"1530\" sessions on the holiday %s"),
	N_("drill of %s: feedback received %s"),
	N_("bus trip %s %s: %s boarded, %s alighted"),
	N_("%s (%s) check due %s"),
	N_("%s (planned %s)"),
	/* a hazard's escalation, written by the server (server/escalate.c) */
	N_("overdue %s days (deadline %s): escalated to the owner, %s"),
	N_("overdue %s day (deadline %s): escalated to the owner, %s"),
	N_("overdue %s days (deadline %s): escalated to the owner"),
	N_("overdue %s day (deadline %s): escalated to the owner"),
	N_("overdue %s days (deadline %s): escalated to the principal"),
	N_("overdue %s day (deadline %s): escalated to the principal"),
	N_("overdue %s days (deadline %s): escalated to the bureau"),
	N_("overdue %s day (deadline %s): escalated to the bureau"),
	N_("responsibility letters for %s (%s staff without one)"),
	/* sc_terms' default terms and sc_period's label without a term (010),
	 * also named by kind_due_period */
	N_("Autumn %s (default calendar)"),
	N_("Spring %s (default calendar)"),
	N_("%s to date"),
	N_("0-7 days"),
	N_("8-30 days"),
	N_("31-90 days"),
	N_("over 90 days"),
	NULL,
};

#define MAX_CAPS 4

/* The runs of a template that are a record enum's value name, as the
 * server's format() writes them ("from_school"): shown in the enum's words
 * (返校), as a record's page shows the value. */
static const struct {
	const char *tpl;
	size_t arg;
	const struct kind_enum_label *values;
} enum_runs[] = {
	{ "bus trip %s %s: %s boarded, %s alighted", 1, kind_enum_bus_direction },
};

static void enum_words(const char *tpl, char arg[][256])
{
	for (size_t i = 0; i < sizeof enum_runs / sizeof enum_runs[0]; i++) {
		if (strcmp(enum_runs[i].tpl, tpl) != 0)
			continue;
		for (const struct kind_enum_label *v = enum_runs[i].values; v->name; v++)
			if (strcmp(v->name, arg[enum_runs[i].arg]) == 0) {
				snprintf(arg[enum_runs[i].arg], 256, "%s", _(v->label));
				break;
			}
	}
}

/* Whether s matches template t wholly, %s matching one or more bytes
 * (shortest first, backtracking), without a space unless spaces; caps get
 * the runs. A detail's runs are numbers ("1,440"), so "3 of 4 sessions due"
 * is not read as "%s of %s due" with "4 sessions" as a number. */
static bool match(const char *t, const char *s, bool spaces, const char **cap, size_t *len,
		  size_t k)
{
	if (!*t)
		return !*s;
	if (t[0] == '%' && t[1] == 's') {
		if (k >= MAX_CAPS)
			return false;
		for (size_t l = 1; s[l - 1] && (spaces || s[l - 1] != ' '); l++) {
			cap[k] = s;
			len[k] = l;
			if (match(t + 2, s + l, spaces, cap, len, k + 1))
				return true;
		}
		return false;
	}
	return *t == *s && match(t + 1, s + 1, spaces, cap, len, k);
}

/* One part of a text: the translation of the first template that matches,
 * with its runs put back; false if none does. */
static bool one(const char *const *tpl, bool spaces, const char *s, char *out, size_t n)
{
	const char *cap[MAX_CAPS];
	size_t len[MAX_CAPS];
	char arg[MAX_CAPS][256];

	for (size_t i = 0; tpl[i]; i++) {
		if (!match(tpl[i], s, spaces, cap, len, 0))
			continue;
		size_t c = 0;
		for (const char *p = strstr(tpl[i], "%s"); p; p = strstr(p + 2, "%s"))
			c++;
		for (size_t k = 0; k < MAX_CAPS; k++)
			snprintf(arg[k], sizeof arg[k], "%.*s", k < c ? (int)len[k] : 0,
				 k < c ? cap[k] : "");
		enum_words(tpl[i], arg);
		/* the format is one of the templates above (or its translation,
		 * which msgfmt --check holds to the same directives); the data
		 * goes in only as arguments */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(out, n, _(tpl[i]), arg[0], arg[1], arg[2], arg[3]);
#pragma GCC diagnostic pop
		return true;
	}
	return false;
}

/* text split at "; " (the server joins its details so), each part
 * translated on its own; out gets the result, or a copy of text. */
static const char *translate(const char *const *tpl, bool spaces, const char *text, char *out,
			     size_t n)
{
	size_t at = 0;
	const char *p = text;

	if (!text || !*text || !i18n_zh() || !n)
		return text ? text : "";
	out[0] = '\0';
	while (*p && at + 1 < n) {
		const char *semi = strstr(p, "; ");
		size_t l = semi ? (size_t)(semi - p) : strlen(p);
		char part[512], done[768];
		snprintf(part, sizeof part, "%.*s", (int)l, p);
		if (!one(tpl, spaces, part, done, sizeof done))
			snprintf(done, sizeof done, "%s", part);
		at += (size_t)snprintf(out + at, n - at, "%s%s", at ? _("; ") : "", done);
		if (at >= n)
			at = n - 1;
		p = semi ? semi + 2 : p + l;
	}
	return out;
}

const char *dashboard_indicator_label(const char *key, const char *server_label)
{
	const char *fallback = server_label && *server_label ? server_label : key ? key : "";

	if (!key || !i18n_zh())
		return fallback;
	for (size_t i = 0; i < sizeof indicator_labels / sizeof indicator_labels[0]; i++)
		if (strcmp(indicator_labels[i].key, key) == 0)
			return _(indicator_labels[i].label);
	return fallback;
}

const char *dashboard_column_head(const char *key, const char *server_label)
{
	for (size_t i = 0; key && i < sizeof column_heads / sizeof column_heads[0]; i++)
		if (strcmp(column_heads[i].key, key) == 0)
			return i18n_pgettext("column", column_heads[i].head);
	return dashboard_indicator_label(key, server_label);
}

bool dashboard_alert_words(const char *kind, char *out, size_t n)
{
	for (size_t i = 0; kind && i < sizeof alert_kinds / sizeof alert_kinds[0]; i++)
		if (strcmp(alert_kinds[i].kind, kind) == 0) {
			snprintf(out, n, "%s", _(alert_kinds[i].words));
			return true;
		}
	return false;
}

const char *dashboard_detail_text(const char *text, char *out, size_t n)
{
	return translate(detail_templates, false, text, out, n);
}

const char *dashboard_title_text(const char *text, char *out, size_t n)
{
	return translate(title_templates, true, text, out, n);
}
