/* The reporting-rate table in the dashboards (client/render_rates.c) on the
 * hand-built fixture of tests/tools/dash_fixture.c: each school owes six
 * data sets with expected (k + s) % 4 (k the data set, s the school's index;
 * "1530": 100 + 10 s), received expected × (12 − s) / 12 (integer), on time
 * received − 1 for odd s. The numbers below are worked from that:
 *   s03 (index 2): notice 2/1/1, drill 3/2/2, letter 0, equipment 1/0/0,
 *   bus 2/1/1, "1530" 120/100/100.
 *   District sums: 1950 expected, 913 received, 898 on time: 46.8 % and
 *   46.1 %; per data set 5/18 6/18 6/18 7/18 5/18 884/1860 → 28 33 33 39 28
 *   48 %. The mean of the schools' overall rates would be 52.9 %. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "dash_fixture.h"
#include "render.h"
#include "render_rates.h"

#define NOW_MS 1795946520000LL
#define COMPUTED_MS (NOW_MS - 3 * 3600 * 1000LL)

static Safecampus__Dashboard *fixture(bool bureau, const char *school)
{
	struct dash_fixture_opts o = { .bureau = bureau,
				       .school = school,
				       .computed_ms = COMPUTED_MS };
	Safecampus__Dashboard *d = dash_fixture_new(&o);

	assert_non_null(d);
	return d;
}

static char *render(const Safecampus__Dashboard *d, bool bureau, bool as_html, bool ascii)
{
	struct render_ctx r = {
		.d = d, .bureau = bureau, .now_ms = NOW_MS, .stored_ms = COMPUTED_MS, .ascii = ascii
	};
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(as_html ? render_html(f, &r) : render_term(f, &r), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The line of out after the heading that starts with "  " + label. */
static char *row(const char *out, const char *heading, const char *label)
{
	const char *p = strstr(out, heading);
	char needle[128];

	assert_non_null(p);
	snprintf(needle, sizeof needle, "\n  %s", label);
	p = strstr(p, needle);
	if (!p)
		fail_msg("no row %s in:\n%s", label, strstr(out, heading));
	p += 1;
	const char *e = strchr(p, '\n');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/* The words of a line, squeezed: "Drills 3 2 2 66.7% 66.7%". */
static char *squeeze(char *line)
{
	char *o = line;
	bool sp = true;

	for (char *p = line; *p; p++) {
		if (*p == ' ') {
			if (!sp)
				*o++ = ' ';
			sp = true;
			continue;
		}
		*o++ = *p;
		sp = false;
	}
	if (o > line && o[-1] == ' ')
		o--;
	*o = '\0';
	return line;
}

static void check_row(const char *out, const char *heading, const char *label, const char *want)
{
	char *l = squeeze(row(out, heading, label));

	assert_string_equal(l, want);
	free(l);
}

static void assert_fits(const char *out)
{
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		if (cli_width(line) > RENDER_WIDTH)
			fail_msg("line too wide: %s", line);
		free(line);
		p += len + (nl ? 1 : 0);
	}
}

#define HEAD "REPORTING RATES AND TIMELINESS"

/* A school: one row per data set; nothing expected is "—", never 100 %. */
static void test_term_school(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = fixture(false, NULL);
	char *out = render(d, false, false, false);

	assert_fits(out);
	check_row(out, HEAD, "Notice reports", "Notice reports 2 1 1 50.0% 50.0%");
	check_row(out, HEAD, "Drills", "Drills 3 2 2 66.7% 66.7%");
	check_row(out, HEAD, "Responsibility letters", "Responsibility letters 0 0 0 — —");
	check_row(out, HEAD, "Equipment checks", "Equipment checks 1 0 0 0.0% 0.0%");
	check_row(out, HEAD, "Bus inspections", "Bus inspections 2 1 1 50.0% 50.0%");
	check_row(out, HEAD, "\"1530\" sessions", "\"1530\" sessions 120 100 100 83.3% 83.3%");
	/* a school's view has no district row and names no other school */
	assert_null(strstr(strstr(out, HEAD), "District (sums)"));
	free(out);
	out = render(d, false, false, true);
	check_row(out, HEAD, "Responsibility letters", "Responsibility letters 0 0 0 - -");
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* The bureau: one row per school with its overall counts, then the
 * district's sums, not the mean of the schools' rates (52.9 %). */
static void test_term_bureau(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = fixture(true, NULL);
	char *out = render(d, true, false, false);

	assert_fits(out);
	check_row(out, HEAD, "District (sums)",
		  "District (sums) 1950 913 46.8% 46.1% 28% 33% 33% 39% 28% 48%");
	/* s01: everything received on time; s12: 17 of 219 */
	check_row(out, HEAD, "Chengnan Primary School",
		  "Chengnan Primary School 106 106 100.0% 100.0% — 100% 100% 100% — 100%");
	check_row(out, HEAD, "Minzhu Road",
		  "Minzhu Road Primary Sch~ 219 17 7.8% 7.3% 0% — 0% 0% 0% 8%");
	free(out);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_html(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = fixture(true, NULL);
	char *h = render(d, true, true, false);
	const char *sec = strstr(h, "<section id=\"rates\">");

	assert_non_null(sec);
	/* sortable like the school table; one row per school, the sums below */
	assert_non_null(strstr(sec, "<table id=\"rates-table\" class=\"sortable\">"));
	const char *body = strstr(sec, "<tbody>"), *foot = strstr(sec, "<tfoot>");
	assert_non_null(body);
	assert_non_null(foot);
	char *rows = strndup(body, (size_t)(foot - body));
	assert_int_equal(count(rows, "<tr>"), 12);
	/* a data set that owed nothing sorts last, shows "—" */
	assert_true(count(rows, "<td class=\"n\" data-v=\"\">—</td>") > 0);
	free(rows);
	assert_non_null(strstr(foot, "District (sums)</th><td class=\"n\" data-v=\"1950\">1950</td>"
				     "<td class=\"n\" data-v=\"913\">913</td>"
				     "<td class=\"n\" data-v=\"46.82\">46.8%</td>"));
	assert_non_null(strstr(h, "querySelectorAll('table.sortable')"));
	free(h);
	safecampus__dashboard__free_unpacked(d, NULL);
	d = fixture(false, NULL);
	h = render(d, false, true, false);
	sec = strstr(h, "<section id=\"rates\">");
	assert_non_null(sec);
	assert_non_null(strstr(sec, "Responsibility letters</th><td class=\"n\">0</td><td "
				    "class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\" "
				    "data-v=\"\">—</td>"));
	assert_null(strstr(sec, "District (sums)"));
	free(h);
	/* a dashboard from a server without the table: no section */
	size_t n_rates = d->n_rates;
	d->n_rates = 0;
	h = render(d, false, true, false);
	assert_null(strstr(h, "<section id=\"rates\">"));
	free(h);
	h = render(d, false, false, false);
	assert_null(strstr(h, HEAD));
	free(h);
	d->n_rates = n_rates; /* freed with the message */
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* A drill-down made on the client from the district's dashboard keeps the
 * school's rows (dashboard_derive_school). */
static void test_derived(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = fixture(true, NULL), *v = NULL;

	assert_int_equal(dashboard_derive_school(d, "s03", &v), 0);
	assert_int_equal(v->n_rates, 6);
	for (size_t i = 0; i < v->n_rates; i++)
		assert_string_equal(v->rates[i]->school, "s03");
	char *out = render(v, true, false, false);
	check_row(out, HEAD, "Drills", "Drills 3 2 2 66.7% 66.7%");
	free(out);
	safecampus__dashboard__free_unpacked(v, NULL);
	safecampus__dashboard__free_unpacked(d, NULL);
}

/* rates.csv: the rows as they came, rates empty where nothing was expected */
static void test_csv(void **state)
{
	(void)state;
	Safecampus__Dashboard *d = fixture(true, NULL);
	struct render_ctx r = { .d = d, .bureau = true, .now_ms = NOW_MS };
	char dir[64] = "/tmp/test_render_rates.XXXXXX", path[128], err[256], buf[8192];

	assert_non_null(mkdtemp(dir));
	assert_int_equal(render_csv(dir, &r, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/rates.csv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(
		strncmp(buf,
			"school,school_name,kind,expected,received,on_time,reporting_rate,"
			"timeliness\r\n",
			strlen("school,school_name,kind,expected,received,on_time,reporting_rate,"
			       "timeliness\r\n")),
		0);
	assert_non_null(
		strstr(buf, "\r\ns03,Binjiang Experimental School,drill,3,2,2,66.67,66.67\r\n"));
	assert_non_null(strstr(buf, "\r\ns03,Binjiang Experimental School,letter,0,0,0,,\r\n"));
	assert_non_null(strstr(buf, "\r\n,,education_1530,1860,884,878,47.53,47.2\r\n"));
	static const char *const names[] = { "indicators.csv", "schools.csv", "alerts.csv",
					     "trends.csv",     "health.csv",  "missing.csv",
					     "rates.csv" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	safecampus__dashboard__free_unpacked(d, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term_school), cmocka_unit_test(test_term_bureau),
		cmocka_unit_test(test_html),        cmocka_unit_test(test_derived),
		cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
