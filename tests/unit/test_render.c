/* Unit tests for the dashboard renderers (client/render_*.c) and their model
 * helpers (client/dashboard.c), on the hand-built fixture of
 * tests/tools/dash_fixture.c: 12 schools, 6 months. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "dash_fixture.h"
#include "kinds.h"
#include "render.h" /* and client/dashboard.h (server/ has one too) */
#include "store.h"

/* 2026-11-29 10:02 UTC-ish; the fixture is computed 3 hours before */
#define NOW_MS 1795946520000LL
#define COMPUTED_MS (NOW_MS - 3 * 3600 * 1000LL)

static Safecampus__Dashboard *fixture(bool bureau, const char *school, bool hostile, bool leak)
{
	struct dash_fixture_opts o = { .bureau = bureau,
				       .school = school,
				       .computed_ms = COMPUTED_MS,
				       .hostile = hostile,
				       .leak_names = leak };
	Safecampus__Dashboard *d = dash_fixture_new(&o);

	assert_non_null(d);
	return d;
}

static struct render_ctx ctx(const Safecampus__Dashboard *d, bool bureau)
{
	struct render_ctx r = {
		.d = d, .bureau = bureau, .now_ms = NOW_MS, .stored_ms = COMPUTED_MS + 1000
	};

	return r;
}

/* Runs a renderer into a string the caller frees. */
static char *term(const struct render_ctx *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(render_term(f, r), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *html(const struct render_ctx *r)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(render_html(f, r), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Display width of a line with ANSI colour sequences left out. */
static size_t line_width(const char *s, size_t len)
{
	char *plain = malloc(len + 1);
	size_t at = 0, w;

	assert_non_null(plain);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\033' && i + 1 < len && s[i + 1] == '[') {
			i += 2;
			while (i < len && s[i] != 'm')
				i++;
			continue;
		}
		plain[at++] = s[i];
	}
	plain[at] = '\0';
	w = cli_width(plain);
	free(plain);
	return w;
}

static void assert_fits(const char *out)
{
	size_t lineno = 1;

	for (const char *p = out; *p; lineno++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t w = line_width(p, len);
		if (w > RENDER_WIDTH)
			fail_msg("line %zu is %zu columns: %.*s", lineno, w, (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* The line of out that contains needle (a copy), or NULL. */
static char *line_with(const char *out, const char *needle)
{
	const char *p = strstr(out, needle), *b, *e;

	if (!p)
		return NULL;
	for (b = p; b > out && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

/* ---------------------------------------------------------------- terminal */

static void test_term_school_view(void **state)
{
	Safecampus__Dashboard *d = fixture(false, NULL, false, false);
	struct render_ctx r = ctx(d, false);
	char *out, score[32], *l;

	(void)state;
	for (int ascii = 0; ascii < 2; ascii++) {
		r.ascii = ascii;
		out = term(&r);
		assert_fits(out);
		assert_null(strchr(out, '\033'));
		/* header: scope, period, age, the hint */
		assert_non_null(strstr(out, "Binjiang Experimental School"));
		assert_non_null(strstr(out, "period 2026-06-01 to 2026-11-30"));
		assert_non_null(strstr(out, "(3h 0m ago)"));
		assert_non_null(strstr(out, "safecampus dashboard --refresh"));
		/* score, rank, weights */
		snprintf(score, sizeof score, "SCORE %.1f of 100", d->score);
		assert_non_null(strstr(out, score));
		l = line_with(out, "SCORE");
		assert_non_null(strstr(l, "rank "));
		assert_non_null(strstr(l, "of 12 schools"));
		free(l);
		assert_non_null(strstr(out, "weights: 11 indicators are scored"));
		/* indicators with value, target, trend, score, weight and detail; a long label goes on */
		l = line_with(out, "Current staff holding this year's");
		assert_non_null(l);
		assert_non_null(strstr(l, ascii ? ">= 100%" : "≥ 100%"));
		assert_non_null(strstr(l, "  10%"));
		assert_non_null(strstr(l, ascii ? "#" : "█"));
		free(l);
		l = strstr(out, "Current staff holding this year's");
		l = strchr(l, '\n') + 1;
		assert_int_equal(strncmp(l, "    responsibility letter\n", 26), 0);
		assert_non_null(strstr(out, "of 71 staff hold a 2026 letter"));
		l = line_with(out, "Hazards past their deadline, not verified");
		assert_non_null(strstr(l, ascii ? "<= 0" : "≤ 0"));
		assert_non_null(strstr(l, "  15%"));
		free(l);
		/* the others are anonymous; own row marked */
		for (int s = 1; s <= 12; s++) {
			char id[8];
			snprintf(id, sizeof id, "s%02d", s);
			if (strcmp(id, DASH_FIXTURE_SELF) != 0)
				assert_null(strstr(out, dash_fixture_name(id, false)));
		}
		assert_non_null(strstr(out, "RANKING (other schools are not named)"));
		assert_true(count(out, "School ") >= 11);
		l = line_with(strstr(out, "RANKING"), "Binjiang Experimental School ");
		assert_non_null(strstr(l, ascii ? " <" : " ◀"));
		free(l);
		/* its alerts and missing submissions, not other schools' */
		assert_non_null(strstr(out, "Fire door on the east stairwell"));
		assert_null(strstr(out, "Cracked ceiling plaster"));
		assert_non_null(strstr(out, "drill for 2026-10"));
		/* trends, six months, the current one in focus */
		assert_non_null(strstr(out, "[2026-11]"));
		assert_non_null(strstr(out, "2026-06"));
		/* ageing and health */
		assert_non_null(strstr(out, "OPEN HAZARDS BY AGE"));
		assert_non_null(strstr(out, "SYNC HEALTH"));
		/* nothing about pending records without a local outbox */
		assert_null(strstr(out, "not yet synced"));
		free(out);
	}
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* A server that forgets to anonymise: the school view still names no other school. */
static void test_term_school_view_never_names_others(void **state)
{
	Safecampus__Dashboard *d = fixture(false, NULL, false, true);
	struct render_ctx r = ctx(d, false);
	char *out = term(&r), *h = html(&r);

	(void)state;
	for (int s = 1; s <= 12; s++) {
		char id[8];
		snprintf(id, sizeof id, "s%02d", s);
		if (strcmp(id, DASH_FIXTURE_SELF) == 0)
			continue;
		assert_null(strstr(out, dash_fixture_name(id, false)));
		assert_null(strstr(h, dash_fixture_name(id, false)));
	}
	free(out);
	free(h);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_term_bureau_view(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, false, false);
	struct render_ctx r = ctx(d, true);
	char *out, *l, *schools_at;
	size_t order[DASH_FIXTURE_SCHOOLS];
	const Safecampus__SchoolScore *best;

	(void)state;
	for (int ascii = 0; ascii < 2; ascii++) {
		r.ascii = ascii;
		out = term(&r);
		assert_fits(out);
		assert_null(strchr(out, '\033'));
		assert_non_null(strstr(out, "DISTRICT AVERAGE SCORE"));
		assert_non_null(strstr(out, "INDICATORS (district averages)"));
		assert_non_null(strstr(out, "SCHOOLS (12)"));
		assert_non_null(strstr(out, "district average"));
		/* the flag with its records; the school with unsent records marked */
		assert_non_null(strstr(out, "FORMALISM FLAGS (1)"));
		assert_non_null(strstr(
			out, "the same evacuation time: evacuation in 185 seconds in 3 drills"));
		assert_non_null(
			strstr(out, "records:\n      00000000-0000-4000-8000-0000000000d3\n"));
		assert_non_null(
			strstr(out, "*: 17 records done at these schools are not yet synced"));
		/* every school named, 12 indicator columns fit */
		for (int s = 1; s <= 12; s++) {
			char id[8], head[16];
			snprintf(id, sizeof id, "s%02d", s);
			/* names longer than the column are cut with '~' */
			snprintf(head, sizeof head, "%.12s", dash_fixture_name(id, false));
			assert_non_null(strstr(out, head));
		}
		l = line_with(out, "# SCHOOL");
		assert_non_null(strstr(l, "Drill"));
		assert_non_null(strstr(l, "RkOvd"));
		free(l);
		/* 20 indicators: the 11 scored and one more fit, the rest are named */
		assert_non_null(strstr(out, "8 more column(s) in --html and --csv"));
		/* alerts of every school, with the school */
		assert_non_null(strstr(out, "Cracked ceiling plaster"));
		assert_non_null(strstr(out, "Bus ZA-31207"));
		/* stale: Hongqi (no contact for 5 days), Yuhua (unsent for 2 days), Minzhu (never) */
		l = line_with(strstr(out, "SYNC HEALTH"), "5d 3h ago");
		assert_non_null(strstr(l, "Hongqi Middle School"));
		assert_non_null(strstr(l, " STALE"));
		free(l);
		assert_int_equal(count(out, " STALE"), 3);
		assert_non_null(strstr(out, "3 stale"));
		free(out);
	}
	/* --sort drills: the best drill value first */
	r.sort = "drills";
	assert_int_equal(dashboard_sort_schools(d, "drills", order), 0);
	best = d->schools[order[0]];
	for (size_t i = 1; i < d->n_schools; i++) {
		const Safecampus__Indicator *a =
			dashboard_indicator(best->indicators, best->n_indicators, "drills");
		const Safecampus__Indicator *b =
			dashboard_indicator(d->schools[order[i]]->indicators,
					    d->schools[order[i]]->n_indicators, "drills");
		assert_true(a->value >= b->value);
	}
	out = term(&r);
	schools_at = strstr(out, "SCHOOLS (12)");
	assert_non_null(schools_at);
	assert_non_null(strstr(schools_at, "sorted by drills"));
	l = strstr(schools_at, "# SCHOOL");
	l = strchr(l, '\n') + 1;
	assert_int_equal(strncmp(l + 4, best->label, 10), 0);
	free(out);
	/* an unknown key is refused */
	r.sort = "nonsense";
	{
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		assert_int_equal(render_term(f, &r), SC_EINVALID);
		fclose(f);
		free(buf);
	}
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_term_colour_only_when_asked(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, false, false);
	struct render_ctx r = ctx(d, true);
	char *out;

	(void)state;
	r.color = true;
	out = term(&r);
	assert_non_null(strstr(out, "\033["));
	assert_fits(out); /* colour codes take no columns */
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_term_hostile_name(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, true, false);
	struct render_ctx r = ctx(d, true);
	char *out = term(&r);

	(void)state;
	assert_fits(out);
	/* the name's escape code is shown as '?', never sent to the terminal */
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "<b>Riverside</b"));
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_term_wide_names_fit(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, false, false);
	struct render_ctx r = ctx(d, true);
	char *out;

	(void)state;
	/* a long CJK name (2 columns a character) and a long alert title */
	free(d->schools[0]->label);
	d->schools[0]->label = strdup("杭州市城南区实验小学教育集团城南校区附属幼儿园");
	free(d->alerts[0]->title);
	d->alerts[0]->title =
		strdup("消防通道被占用，东侧楼梯间防火门无法自动关闭，需要立即整改并复查，"
		       "同时通知后勤处与分管校长签字确认整改期限");
	free(d->scope_label);
	d->scope_label =
		strdup("A-district-name-that-is-one-single-very-long-word-without-any-space-"
		       "at-all-to-cut-somewhere-in-the-header-line");
	out = term(&r);
	assert_fits(out);
	assert_non_null(strstr(out, "杭州市"));
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* Found by tests/fuzz/fuzz_dashboard: numbers no school has (a value of
 * 3.6e30, a score of NaN or 1e30) made a line of 122 columns (and a bar of
 * NaN cells is undefined behaviour); a month label with a control character
 * went to the terminal as it was. */
static void test_term_absurd_numbers_fit(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, false, false);
	struct render_ctx r = ctx(d, true);
	char *out;

	(void)state;
	assert_true(d->n_indicators >= 2 && d->n_trends >= 2);
	d->indicators[0]->value = 3.653102451552171e30;
	d->indicators[0]->has_value = true;
	d->indicators[0]->score = 1e30;
	d->indicators[1]->has_value = true;
	d->indicators[1]->score = __builtin_nan("");
	for (size_t k = 0; k < d->n_trends; k++) {
		Safecampus__Trend *t = d->trends[k];
		if (t->n_months < 2)
			continue;
		t->months[0]->value = -2.5e21;
		t->months[0]->has_value = true;
		free(t->months[1]->month);
		t->months[1]->month = strdup("202\026-07");
	}
	out = term(&r);
	assert_fits(out);
	assert_null(strchr(out, '\026'));
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static struct dashboard_local *local_fixture(void)
{
	static struct dashboard_kind_count kinds[] = {
		{ .kind = "drill", .pending = 2 },
		{ .kind = "notice_event", .pending = 1 },
		{ .kind = "education", .pending = 3, .rejected = 1 },
	};
	static struct dashboard_ref refs[] = {
		{ .kind = "drill",
		  .id = "11111111-1111-4111-8111-111111111111",
		  .month = "2026-10",
		  .ids = "" },
		{ .kind = "drill",
		  .id = "22222222-2222-4222-8222-222222222222",
		  .month = "2026-11",
		  .ids = "" },
		{ .kind = "notice_event",
		  .id = "33333333-3333-4333-8333-333333333333",
		  .month = "2026-11",
		  .ids = DASH_FIXTURE_NOTICE_ID ";" },
	};
	static struct dashboard_local l = {
		.pending = 6,
		.rejected = 1,
		.oldest_pending_ms = NOW_MS - 2 * 3600 * 1000LL,
		.kinds = kinds,
		.nkinds = 3,
		.refs = refs,
		.nrefs = 3,
	};
	return &l;
}

static void test_term_pending_local(void **state)
{
	Safecampus__Dashboard *d = fixture(false, NULL, false, false);
	struct render_ctx r = ctx(d, false);
	char *out, *l;

	(void)state;
	r.local = local_fixture();
	out = term(&r);
	assert_fits(out);
	/* next to the indicators they count for */
	l = strstr(out, "Months with a drill that had a plan");
	assert_non_null(l);
	assert_non_null(strstr(l, "2 drills recorded here, not yet synced"));
	assert_non_null(
		strstr(out, "3 education sessions recorded here, not yet synced; 1 rejected"));
	assert_non_null(strstr(out, "1 notice report recorded here, not yet synced"));
	/* the month is the one the alert names, not the day after its due date */
	{
		Safecampus__Alert a = SAFECAMPUS__ALERT__INIT;
		a.kind = "month_without_drill";
		a.title = "no drill with a plan and feedback in 2026-10";
		a.since_date = "2026-11-01";
		assert_true(dashboard_alert_pending(r.local, &a));
		a.title = "no drill with a plan and feedback in 2026-09";
		a.since_date = "2026-10-01";
		assert_false(dashboard_alert_pending(r.local, &a));
		a.kind = "equipment_overdue";
		a.title = "no drill with a plan and feedback in 2026-10";
		assert_false(dashboard_alert_pending(r.local, &a));
	}
	/* the drill of 2026-10 answers "No drill in 2026-10" and "drill for 2026-10" */
	l = strstr(out, "No drill in 2026-10");
	assert_non_null(l);
	assert_non_null(strstr(l, "answered by a record made here, not yet synced"));
	l = strstr(out, "drill for 2026-10");
	assert_non_null(l);
	assert_non_null(strstr(l, "recorded here, not yet synced: not missing once you sync"));
	/* the report on the notice answers the missing report */
	l = strstr(out, "notice report: Drowning prevention campaign");
	assert_non_null(l);
	l = strchr(l, '\n') + 1;
	assert_non_null(strstr(l, "not yet synced"));
	/* the overdue hazard has no local step: not marked */
	l = strstr(out, "Fire door on the east stairwell");
	l = strchr(l, '\n') + 1;
	assert_false(strncmp(l, "           ", 11) == 0 &&
		     strstr(l, "not yet synced") < strchr(l, '\n'));
	assert_non_null(strstr(out, "NOT YET SYNCED FROM HERE"));
	assert_non_null(strstr(out, "6 records wait in this install's outbox"));
	assert_non_null(strstr(out, "1 record was rejected"));
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_term_offline_and_derived(void **state)
{
	Safecampus__Dashboard *dist = fixture(true, NULL, false, false), *d = NULL;
	struct render_ctx r;
	char *out;

	(void)state;
	assert_int_equal(dashboard_derive_school(dist, "s05", &d), 0);
	assert_string_equal(d->scope, "s05");
	assert_int_equal(d->n_trends, 0);
	assert_int_equal(d->n_hazard_ageing, 0);
	for (size_t i = 0; i < d->n_alerts; i++)
		assert_string_equal(d->alerts[i]->school, "s05");
	for (size_t i = 0; i < d->n_health; i++)
		assert_string_equal(d->health[i]->school, "s05");
	assert_int_equal(d->n_indicators, 20);
	assert_int_equal(dashboard_derive_school(dist, "s99", &(Safecampus__Dashboard *){ NULL }),
			 SC_ENOTFOUND);
	r = ctx(d, true);
	r.derived = true;
	r.offline = "cannot connect to 127.0.0.1:9: connection refused";
	out = term(&r);
	assert_fits(out);
	assert_non_null(strstr(out, "NOT REFRESHED: cannot connect to 127.0.0.1:9"));
	assert_non_null(strstr(out, "Made from the district dashboard"));
	assert_non_null(strstr(out, "Dongfeng Primary School"));
	assert_non_null(strstr(out, "bureau: one school"));
	assert_non_null(strstr(out, "RANKING\n"));
	/* the bureau sees the other names in a drill-down */
	assert_non_null(strstr(out, "Chengnan Primary School"));
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
	safecampus__dashboard__free_unpacked(dist, NULL);
}

/* ---------------------------------------------------------------- HTML */

static bool is_void(const char *name, size_t n)
{
	static const char *const v[] = { "meta", "link", "br", "hr", "img", "input", NULL };

	for (const char *const *p = v; *p; p++)
		if (strlen(*p) == n && strncmp(*p, name, n) == 0)
			return true;
	return false;
}

/* Every element closed in order; script and style bodies skipped. */
static void assert_well_formed(const char *h)
{
	char stack[64][16];
	int top = 0;

	for (const char *p = strchr(h, '<'); p; p = strchr(p, '<')) {
		const char *e;
		size_t n;
		bool close = p[1] == '/';
		if (strncmp(p, "<!DOCTYPE", 9) == 0) {
			p++;
			continue;
		}
		e = p + 1 + close;
		n = strspn(e, "abcdefghijklmnopqrstuvwxyz0123456789");
		assert_true(n > 0 && n < 16);
		const char *gt = strchr(e, '>');
		assert_non_null(gt);
		if (close) {
			assert_true(top > 0);
			top--;
			if (strlen(stack[top]) != n || strncmp(stack[top], e, n) != 0)
				fail_msg("</%.*s> closes <%s>", (int)n, e, stack[top]);
		} else if (gt[-1] != '/' && !is_void(e, n)) {
			assert_true(top < 64);
			memcpy(stack[top], e, n);
			stack[top++][n] = '\0';
			if ((n == 6 && strncmp(e, "script", 6) == 0) ||
			    (n == 5 && strncmp(e, "style", 5) == 0)) {
				char end[16];
				snprintf(end, sizeof end, "</%.*s>", (int)n, e);
				gt = strstr(gt, end) - 1;
				assert_non_null(gt + 1);
			}
		}
		p = gt + 1;
	}
	assert_int_equal(top, 0);
}

static void test_html_bureau(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, true, false);
	struct render_ctx r = ctx(d, true);
	char *h;

	(void)state;
	r.sort = "hazards_overdue";
	h = html(&r);
	assert_well_formed(h);
	assert_int_equal(strncmp(h, "<!DOCTYPE html>", 15), 0);
	assert_int_equal(count(h, "<svg"), count(h, "</svg>"));
	assert_int_equal(count(h, "<table"), count(h, "</table>"));
	/* ranking: one bar per school; trends; ageing stacks */
	assert_int_equal(count(h, "<rect class=\"bar"), 12);
	assert_int_equal(count(h, "<rect class=\"bar self"), 0);
	assert_int_equal(count(h, "<section id=\"flags\">"), 1);
	assert_int_equal(count(h, "17 records not yet synced"), 1);
	assert_true(count(h, "<polyline class=\"line\"") >= 13);
	assert_int_equal(count(h, "<rect class=\"age-overdue\""), 4);
	assert_int_equal(count(h, "<rect class=\"age-open\""), 4);
	/* accessible: every chart titled */
	assert_int_equal(count(h, "<svg"), count(h, "role=\"img\" aria-labelledby"));
	assert_true(count(h, "<th scope=\"col\"") > 20);
	/* the name with markup is escaped, its escape code replaced */
	assert_null(strstr(h, "<b>Riverside"));
	assert_non_null(strstr(h, "&lt;b&gt;Riverside&lt;/b&gt; &amp; &quot;Annex&quot;"));
	assert_null(strchr(h, '\033'));
	/* nothing fetched */
	assert_null(strstr(h, "src="));
	assert_null(strstr(h, "href=\"http"));
	assert_null(strstr(h, "url("));
	assert_non_null(strstr(h, "Content-Security-Policy"));
	/* the school table, sortable, with the district average */
	assert_non_null(strstr(h, "id=\"school-table\""));
	/* the sort and the heads in words, not keys or abbreviations */
	assert_non_null(strstr(h, "Sorted by Hazards overdue;"));
	assert_non_null(strstr(h, "<button type=\"button\">Hazards overdue</button>"));
	assert_null(strstr(h, "(hazards_overdue)"));
	assert_null(strstr(h, ">HzOvd<"));
	assert_non_null(strstr(h, "<tfoot><tr><td></td><th scope=\"row\">District average</th>"));
	assert_non_null(strstr(h, "<script>"));
	/* stale clients, missing submissions */
	assert_int_equal(count(h, "<tr class=\"stale\">"), 3);
	assert_non_null(strstr(h, "Missing submissions (6)"));
	assert_non_null(strstr(h, "<code>safecampus dashboard --school ID</code>"));
	assert_non_null(strstr(h, "<span class=\"scope\">Whole district</span>"));
	free(h);
	/* in serve's page: a school's name is its drill-down, no command to run */
	r.web = true;
	r.synced = true; /* as web_dash.c draws it */
	r.local = local_fixture();
	h = html(&r);
	assert_well_formed(h);
	assert_null(strstr(h, "<code>safecampus"));
	assert_int_equal(count(h, "<a target=\"_top\" href=\"/dashboard?school=s"), 12);
	assert_non_null(strstr(h, "Click a school's name to see that school in full."));
	assert_non_null(strstr(h, "after the next sync"));
	/* a flag's records open in serve's record page, not as whole ids */
	assert_non_null(strstr(h, "<a target=\"_top\" href=\"/r/"));
	free(h);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_html_school(void **state)
{
	Safecampus__Dashboard *d = fixture(false, NULL, false, false);
	struct render_ctx r = ctx(d, false);
	char *h;

	(void)state;
	r.local = local_fixture();
	r.offline = "connection <refused>";
	h = html(&r);
	assert_well_formed(h);
	assert_int_equal(count(h, "<rect class=\"bar"), 12);
	assert_int_equal(count(h, "<rect class=\"bar self\""), 1);
	assert_non_null(strstr(h, "(you)"));
	assert_null(strstr(h, "id=\"school-table\""));
	assert_null(strstr(h, "<script>"));
	assert_non_null(strstr(h, "2 drills recorded here, not yet synced"));
	assert_non_null(strstr(h, "<strong>Not refreshed:</strong> connection &lt;refused&gt;."));
	for (int s = 1; s <= 12; s++) {
		char id[8];
		snprintf(id, sizeof id, "s%02d", s);
		if (strcmp(id, DASH_FIXTURE_SELF) != 0)
			assert_null(strstr(h, dash_fixture_name(id, false)));
	}
	free(h);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* ---------------------------------------------------------------- CSV */

static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void rm_dir(const char *dir)
{
	static const char *const names[] = { "indicators.csv", "schools.csv", "alerts.csv",
					     "trends.csv",     "health.csv",  "missing.csv",
					     "rates.csv",      NULL };
	char path[512];

	for (const char *const *n = names; *n; n++) {
		snprintf(path, sizeof path, "%s/%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
}

static void test_csv_bureau(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, true, false);
	struct render_ctx r = ctx(d, true);
	char dir[64] = "/tmp/test_render.XXXXXX", sub[96], err[256], *s, *first;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof sub, "%s/out", dir);
	/* a name that a spreadsheet would run as a formula */
	free(d->schools[4]->label);
	d->schools[4]->label = strdup("=HYPERLINK(\"http://x\",\"y\")");
	r.sort = "name";
	assert_int_equal(render_csv(sub, &r, err, sizeof err), 0);

	s = slurp(sub, "schools.csv");
	first = "rank,school,name,score,self,drills,education_1530,education_daily,";
	assert_int_equal(strncmp(s, first, strlen(first)), 0);
	assert_int_equal(count(s, "\r\n"), 13);
	assert_int_equal(count(s, "\n"), 13); /* every line ends CRLF */
	/* quotes doubled, the formula defused, the markup kept as text */
	assert_non_null(strstr(s, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","));
	assert_non_null(
		strstr(s, ",\"<b>Riverside</b> & \"\"Annex\"\" =HYPERLINK(1) \x1b[31mred\","));
	/* sorted by name: Binjiang before Chengnan */
	first = strchr(s, '\n') + 1;
	assert_true(strstr(s, "Binjiang") < strstr(s, "Chengnan"));
	(void)first;
	free(s);

	s = slurp(sub, "indicators.csv");
	assert_int_equal(count(s, "\r\n"), 21);
	assert_non_null(strstr(
		s, "\r\ndrills,Months with a drill that had a plan and feedback,82.5,%,100,true,"));
	assert_non_null(
		strstr(s, ",\"\"\"1530\"\" safety education: sessions held of sessions due\","));
	free(s);

	s = slurp(sub, "alerts.csv");
	assert_int_equal(count(s, "\r\n"), 1 + d->n_alerts);
	assert_non_null(strstr(s, "high,hazard_overdue,s03,Binjiang Experimental School,"));
	free(s);

	s = slurp(sub, "trends.csv");
	assert_int_equal(
		strncmp(s, "key,label,2026-06,2026-07,2026-08,2026-09,2026-10,2026-11\r\n", 58), 0);
	assert_int_equal(count(s, "\r\n"), 22);
	/* August has no "1530" value: an empty cell */
	first = strstr(s, "\r\neducation_1530,");
	assert_non_null(first);
	assert_non_null(strstr(first, ",,"));
	free(s);

	s = slurp(sub, "health.csv");
	assert_non_null(strstr(s, "s04,Hongqi Middle School,main,"));
	first = strstr(s, "s04,Hongqi");
	assert_int_equal(strncmp(first + strcspn(first, "\r") - 5, ",true", 5), 0);
	free(s);

	s = slurp(sub, "missing.csv");
	assert_int_equal(count(s, "\r\n"), 1 + d->n_missing);
	assert_non_null(strstr(s, "\"notice report: \"\"119\"\" fire safety day\""));
	free(s);

	rm_dir(sub);
	rmdir(dir);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void test_csv_school_anonymous(void **state)
{
	Safecampus__Dashboard *d = fixture(false, NULL, false, true);
	struct render_ctx r = ctx(d, false);
	char dir[64] = "/tmp/test_render.XXXXXX", err[256], *s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	r.local = local_fixture();
	assert_int_equal(render_csv(dir, &r, err, sizeof err), 0);
	s = slurp(dir, "schools.csv");
	assert_int_equal(strncmp(s, "rank,school,name,score,self\r\n", 29), 0);
	assert_int_equal(count(s, ",s03,Binjiang Experimental School,"), 1);
	for (int i = 1; i <= 12; i++) {
		char id[8], col[16];
		snprintf(id, sizeof id, "s%02d", i);
		snprintf(col, sizeof col, ",%s,", id);
		if (strcmp(id, DASH_FIXTURE_SELF) == 0)
			continue;
		assert_null(strstr(s, dash_fixture_name(id, false)));
		assert_null(strstr(s, col));
	}
	free(s);
	s = slurp(dir, "indicators.csv");
	assert_non_null(strstr(s, "2 drills recorded here, not yet synced"));
	free(s);
	s = slurp(dir, "missing.csv");
	assert_non_null(strstr(s, "drill for 2026-10,2026-10-31,,true\r\n"));
	free(s);
	rm_dir(dir);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* ---------------------------------------------------------------- model */

static void test_keys_and_formats(void **state)
{
	char k[DASHBOARD_KEY_MAX], v[32];
	Safecampus__Dashboard d = SAFECAMPUS__DASHBOARD__INIT;

	(void)state;
	dashboard_key(k, NULL, NULL);
	assert_string_equal(k, "dashboard");
	dashboard_key(k, "s05", "2026-09");
	assert_string_equal(k, "dashboard:s05@2026-09");
	d.scope = "s03";
	dashboard_key_for(k, &d, "s03", NULL);
	assert_string_equal(k, "dashboard");
	dashboard_key_for(k, &d, "", NULL);
	assert_string_equal(k, "dashboard:s03");
	d.scope = "";
	dashboard_key_for(k, &d, "", "2026-10");
	assert_string_equal(k, "dashboard@2026-10");

	dashboard_fmt_value(v, sizeof v, 83.33, true, "%", DASHBOARD_FMT_FULL);
	assert_string_equal(v, "83.3%");
	dashboard_fmt_value(v, sizeof v, 83.33, true, "%", DASHBOARD_FMT_COMPACT);
	assert_string_equal(v, "83%");
	dashboard_fmt_value(v, sizeof v, 12.5, true, "days", DASHBOARD_FMT_FULL);
	assert_string_equal(v, "12.5 days");
	dashboard_fmt_value(v, sizeof v, 12.5, true, "days", DASHBOARD_FMT_COMPACT);
	assert_string_equal(v, "12.5d");
	dashboard_fmt_value(v, sizeof v, 3, true, "count", DASHBOARD_FMT_FULL);
	assert_string_equal(v, "3");
	dashboard_fmt_value(v, sizeof v, 0, false, "count", DASHBOARD_FMT_FULL);
	assert_string_equal(v, "n/a");
	dashboard_fmt_value(v, sizeof v, 0, false, "count", DASHBOARD_FMT_PLAIN);
	assert_string_equal(v, "");
	dashboard_fmt_value(v, sizeof v, 99.25, true, "%", DASHBOARD_FMT_PLAIN);
	assert_string_equal(v, "99.25");

	assert_true(dashboard_month_valid("2026-11"));
	assert_false(dashboard_month_valid("2026-13"));
	assert_false(dashboard_month_valid("2026-1"));
	assert_false(dashboard_month_valid("26-11-01"));
	assert_string_equal(dashboard_short("hazards_overdue"), "HzOvd");
	assert_string_equal(dashboard_short("meetings_held"), "MeHe");
	assert_true(strlen(dashboard_short("a_b_c_d_e_f_g")) <= 5);
	assert_true(dashboard__round(2.5) == 3 && dashboard__round(-2.5) == -3 &&
		    dashboard__round(2.4) == 2);

	/* trends are shown with the score first, whatever the server's order */
	{
		Safecampus__Trend a = SAFECAMPUS__TREND__INIT, sc = SAFECAMPUS__TREND__INIT,
				  b = SAFECAMPUS__TREND__INIT;
		Safecampus__Trend *tv[] = { &a, &sc, &b };
		a.key = "drills";
		sc.key = "score";
		b.key = "letters";
		d.n_trends = 3;
		d.trends = tv;
		assert_string_equal(dashboard_trend_nth(&d, 0)->key, "score");
		assert_string_equal(dashboard_trend_nth(&d, 1)->key, "drills");
		assert_string_equal(dashboard_trend_nth(&d, 2)->key, "letters");
		sc.key = "gate_duty";
		assert_string_equal(dashboard_trend_nth(&d, 1)->key, "gate_duty");
	}
}

static void test_sort(void **state)
{
	Safecampus__Dashboard *d = fixture(true, NULL, false, false);
	size_t o[DASH_FIXTURE_SCHOOLS];

	(void)state;
	assert_int_equal(dashboard_sort_schools(d, NULL, o), 0);
	for (size_t i = 0; i < d->n_schools; i++)
		assert_int_equal(d->schools[o[i]]->rank, i + 1);
	assert_int_equal(dashboard_sort_schools(d, "name", o), 0);
	for (size_t i = 1; i < d->n_schools; i++)
		assert_true(strcmp(d->schools[o[i - 1]]->label, d->schools[o[i]]->label) <= 0);
	/* lower is better: fewest overdue hazards first; by short header too */
	assert_int_equal(dashboard_sort_schools(d, "HzOvd", o), 0);
	for (size_t i = 1; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *a = d->schools[o[i - 1]], *b = d->schools[o[i]];
		assert_true(dashboard_indicator(a->indicators, a->n_indicators, "hazards_overdue")
				    ->value <=
			    dashboard_indicator(b->indicators, b->n_indicators, "hazards_overdue")
				    ->value);
	}
	/* schools without buses last */
	assert_int_equal(dashboard_sort_schools(d, "bus_mismatch", o), 0);
	{
		const Safecampus__SchoolScore *last = d->schools[o[d->n_schools - 1]];
		assert_false(
			dashboard_indicator(last->indicators, last->n_indicators, "bus_mismatch")
				->has_value);
	}
	assert_int_equal(dashboard_sort_schools(d, "nope", o), SC_EINVALID);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* ---------------------------------------------------------------- with a store */

static void test_store_round_trip_and_outbox(void **state)
{
	char dir[64] = "/tmp/test_render.XXXXXX", path[128], p[160];
	struct store *st;
	struct store_config cfg = {
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = "s03",
		.campus = "main",
		.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
	};
	Safecampus__Dashboard *d = fixture(false, NULL, false, false), *back = NULL;
	struct dashboard_local l;
	const struct kind *k = kind_by_name("drill");
	ProtobufCMessage *m;
	Safecampus__Record *r;
	char err[128], note[256];
	int64_t stored = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/store.db", dir);
	assert_int_equal(store_open(&st, path, true), 0);
	assert_int_equal(store_config_save(st, &cfg), 0);

	assert_int_equal(dashboard_load(st, "dashboard", &back, &stored), SC_ENOTFOUND);
	assert_int_equal(dashboard_save(st, "dashboard", d), 0);
	assert_int_equal(dashboard_load(st, "dashboard", &back, &stored), 0);
	assert_true(stored > 0);
	assert_string_equal(back->scope, "s03");
	assert_int_equal(back->n_schools, 12);
	assert_int_equal(back->n_trends, 21);
	dashboard_free(back);

	/* one pending drill in 2026-10 */
	m = kind_payload_new(k);
	assert_int_equal(
		kind_field_set(m, kind_field(k, "drill_date"), "2026-10-14", err, sizeof err), 0);
	assert_int_equal(kind_field_set(m, kind_field(k, "theme"), "Fire", err, sizeof err), 0);
	assert_int_equal(kind_field_set(m, kind_field(k, "plan_id"), DASH_FIXTURE_HAZARD_ID, err,
					sizeof err),
			 0);
	r = cli_record_new(k, m);
	assert_non_null(r);
	assert_int_equal(store_write(st, r), 0);
	kind_record_free(r);
	assert_int_equal(dashboard_local_load(st, &l), 0);
	assert_int_equal(l.pending, 1);
	assert_int_equal(l.nrefs, 1);
	assert_string_equal(l.refs[0].kind, "drill");
	assert_string_equal(l.refs[0].month, "2026-10");
	assert_non_null(strstr(l.refs[0].ids, DASH_FIXTURE_HAZARD_ID));
	assert_true(l.oldest_pending_ms > 0);
	assert_int_equal(dashboard_local_note(&l, "drills", note, sizeof note), 1);
	assert_string_equal(note, "1 drill recorded here, not yet synced");
	assert_int_equal(dashboard_local_note(&l, "letters", note, sizeof note), 0);
	assert_string_equal(note, "");
	dashboard_local_free(&l);

	store_close(st);
	for (const char *const *sfx = (const char *const[]){ "", "-wal", "-shm", NULL }; *sfx;
	     sfx++) {
		snprintf(p, sizeof p, "%s%s", path, *sfx);
		unlink(p);
	}
	rmdir(dir);
	safecampus__dashboard__free_unpacked(d, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term_school_view),
		cmocka_unit_test(test_term_school_view_never_names_others),
		cmocka_unit_test(test_term_bureau_view),
		cmocka_unit_test(test_term_colour_only_when_asked),
		cmocka_unit_test(test_term_hostile_name),
		cmocka_unit_test(test_term_wide_names_fit),
		cmocka_unit_test(test_term_absurd_numbers_fit),
		cmocka_unit_test(test_term_pending_local),
		cmocka_unit_test(test_term_offline_and_derived),
		cmocka_unit_test(test_html_bureau),
		cmocka_unit_test(test_html_school),
		cmocka_unit_test(test_csv_bureau),
		cmocka_unit_test(test_csv_school_anonymous),
		cmocka_unit_test(test_keys_and_formats),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_store_round_trip_and_outbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
