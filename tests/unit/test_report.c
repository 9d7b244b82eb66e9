/* Unit tests for the annual report (client/report.c, report_out.c) and its
 * edits in the store (client/store_report.c), over a real SQLite store. */
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

#include "i18n.h"
#include "kinds.h"
#include "report.h"
#include "store.h"
#include "store_harness.h"
#include "uuid.h"
#include "verb.h"

struct fx {
	char dir[64], path[128];
	struct store *st;
	struct store_config cfg;
	struct kind_env env;
	char today[11];
	char drill[5][37]; /* 0..2: s1 in 2025, 3: s1 in 2024, 4: s2 in 2025 */
};

static void set(ProtobufCMessage *m, const struct kind *k, const char *name, const char *v)
{
	char err[256];

	assert_int_equal(kind_field_set(m, kind_field(k, name), v, err, sizeof err), 0);
}

static void drill(struct fx *fx, char id[37], const char *school, const char *date,
		  const char *scenario, const char *secs, const char *feedback)
{
	const struct kind *k = kind_by_name("drill");
	ProtobufCMessage *m = kind_payload_new(k);
	Safecampus__Record *r = malloc(sizeof *r);

	assert_non_null(r);
	safecampus__record__init(r);
	assert_int_equal(uuid_new(id), 0);
	r->id = strdup(id);
	r->school = strdup(school);
	set(m, k, "drill_date", date);
	set(m, k, "theme", "monthly");
	set(m, k, "scenario", scenario);
	set(m, k, "evacuation_seconds", secs);
	if (feedback)
		set(m, k, "feedback", feedback);
	kind_record_set_payload(r, k, m);
	assert_int_equal(store_write(fx->st, r), 0);
	kind_record_free(r);
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	fx->cfg = store_harness_config();
	if (store_harness_open(&fx->st, fx->dir, fx->path, "test_report", &fx->cfg) != 0)
		return -1;
	drill(fx, fx->drill[0], "s1", "2025-03-12", "fire", "120", "good");
	drill(fx, fx->drill[1], "s1", "2025-04-09", "earthquake", "90", NULL);
	drill(fx, fx->drill[2], "s1", "2025-04-20", "fire", "101", "slow");
	drill(fx, fx->drill[3], "s1", "2024-11-09", "fire", "300", NULL);
	drill(fx, fx->drill[4], "s2", "2025-05-14", "flood", "60", NULL);
	snprintf(fx->today, sizeof fx->today, "2026-01-10");
	verb_env(fx->st, &fx->cfg, fx->today, &fx->env);
	i18n_set_lang("en");
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	store_harness_remove(fx->st, fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static const struct report_section *section(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nsec; i++)
		if (strcmp(r->sec[i].key, key) == 0)
			return &r->sec[i];
	fail_msg("no section %s", key);
	return NULL;
}

/* The figure whose clause contains text. */
static const struct report_fig *fig(const struct report_section *s, const char *text)
{
	for (size_t i = 0; i < s->nfigs; i++)
		if (s->figs[i].text && strstr(s->figs[i].text, text))
			return &s->figs[i];
	fail_msg("no figure '%s' in %s: %s", text, s->key, s->text);
	return NULL;
}

static bool has_id(const struct report_fig *g, const char *id)
{
	for (size_t i = 0; i < g->nids; i++)
		if (strcmp(g->ids[i], id) == 0)
			return true;
	return false;
}

static void test_school_figures(void **state)
{
	struct fx *fx = *state;
	struct report *r = NULL;
	const struct report_section *s;
	const struct report_fig *g;

	assert_int_equal(report_build(&fx->env, 2025, "s1", &r), 0);
	s = section(r, "drill");
	g = fig(s, "3 emergency drills were held");
	assert_true(g->numeric);
	assert_int_equal((int)g->value, 3);
	assert_int_equal(g->nids, 3);
	for (int i = 0; i < 3; i++)
		assert_true(has_id(g, fx->drill[i]));
	assert_false(has_id(g, fx->drill[3])); /* 2024 */
	assert_false(has_id(g, fx->drill[4])); /* another school */
	fig(s, "in 2 months of the year");
	fig(s, "of which Fire 2 times, Earthquake 1 times");
	fig(s, "the average evacuation time was 104 seconds"); /* 311 / 3, rounded */
	fig(s, "the fastest 90 seconds");
	g = fig(s, "2 had feedback");
	assert_int_equal(g->nids, 2);
	assert_false(has_id(g, fx->drill[1]));
	assert_non_null(strstr(s->text, "3 emergency drills were held, in 2 months"));
	/* a section without records says so, and no figure of a list is made up */
	s = section(r, "linkage");
	assert_non_null(strstr(s->text, "0 joint activities"));
	for (size_t i = 0; i < s->nfigs; i++)
		assert_true(!s->figs[i].text || s->figs[i].numeric);
	report_free(r);

	assert_int_equal(report_build(&fx->env, 2024, "s1", &r), 0);
	g = fig(section(r, "drill"), "1 emergency drills were held");
	assert_true(has_id(g, fx->drill[3]));
	report_free(r);
}

static void test_district(void **state)
{
	struct fx *fx = *state;
	struct report *r = NULL;
	char(*schools)[64] = NULL;
	size_t n = 0;
	const struct report_fig *g;

	assert_int_equal(report_build(&fx->env, 2025, NULL, &r), 0);
	g = fig(section(r, "drill"), "4 emergency drills were held");
	assert_true(has_id(g, fx->drill[4]));
	report_free(r);
	assert_int_equal(report_schools(&fx->env, &schools, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(schools[0], "s1");
	assert_string_equal(schools[1], "s2");
	free(schools);
	/* the store's DISTINCT (env.schools) and reading every record agree */
	{
		struct kind_env slow = fx->env;
		slow.schools = NULL;
		assert_int_equal(report_schools(&slow, &schools, &n), 0);
		assert_int_equal(n, 2);
		assert_string_equal(schools[0], "s1");
		assert_string_equal(schools[1], "s2");
		free(schools);
	}
}

static void test_html_links(void **state)
{
	struct fx *fx = *state;
	struct report *r = NULL;
	char *doc = NULL, want[128];
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);

	assert_non_null(f);
	assert_int_equal(report_build(&fx->env, 2025, "s1", &r), 0);
	report_write_html(f, r, NULL, 0, "School s1", "http://x:1");
	assert_int_equal(fclose(f), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(want, sizeof want, "href=\"http://x:1/r/%s\"", fx->drill[i]);
		assert_non_null(strstr(doc, want));
	}
	snprintf(want, sizeof want, "/r/%s", fx->drill[3]);
	assert_null(strstr(doc, want));
	assert_non_null(strstr(doc, "@page{size:A4"));
	assert_non_null(strstr(doc, "@media print"));
	free(doc);
	report_free(r);
}

static void test_edits(void **state)
{
	struct fx *fx = *state;
	char *t = NULL;
	int64_t ms = 0;

	assert_int_equal(store_report_edit_get(fx->st, 2025, "s1", "drill", &t, &ms), SC_ENOTFOUND);
	assert_null(t);
	assert_int_equal(store_report_edit_put(fx->st, 2025, "s1", "drill", "全年演练三次。"), 0);
	assert_int_equal(store_report_edit_put(fx->st, 2025, "s1", "drill", "全年演练 3 次。"), 0);
	assert_int_equal(store_report_edit_get(fx->st, 2025, "s1", "drill", &t, &ms), 0);
	assert_string_equal(t, "全年演练 3 次。");
	assert_true(ms > 0);
	free(t);
	/* another year, another scope: nothing */
	assert_int_equal(store_report_edit_get(fx->st, 2024, "s1", "drill", &t, NULL),
			 SC_ENOTFOUND);
	assert_int_equal(store_report_edit_get(fx->st, 2025, "", "drill", &t, NULL), SC_ENOTFOUND);
	/* kept across a reopen */
	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->path, false), 0);
	verb_env(fx->st, &fx->cfg, fx->today, &fx->env);
	assert_int_equal(store_report_edit_get(fx->st, 2025, "s1", "drill", &t, NULL), 0);
	free(t);
	/* empty text: back to the draft */
	assert_int_equal(store_report_edit_put(fx->st, 2025, "s1", "drill", ""), 0);
	assert_int_equal(store_report_edit_get(fx->st, 2025, "s1", "drill", &t, NULL),
			 SC_ENOTFOUND);
}

static void test_year(void **state)
{
	int y = 0;

	(void)state;
	assert_int_equal(report_parse_year("2025", &y), 0);
	assert_int_equal(y, 2025);
	assert_int_equal(report_parse_year("1999", &y), SC_EINVALID);
	assert_int_equal(report_parse_year("20x5", &y), SC_EINVALID);
	assert_int_equal(report_parse_year("", &y), SC_EINVALID);
	assert_int_equal(report_parse_year(NULL, &y), SC_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_school_figures, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_district, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_html_links, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_edits, fx_setup, fx_teardown),
		cmocka_unit_test(test_year),
	};

	i18n_init("en");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
