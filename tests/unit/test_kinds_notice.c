/* The notice workflow's rules (wf_notice.c) on statuses built without a
 * database (split from test_kinds_all.c).
 *
 * Build with -fsanitize=address: records are built and freed field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kinds.h"
#include "kinds_samples.h"
#include "rules.h"
#include "workflow.h"

/* ------------------------------------------------------------------ the notice workflow */

/* One row as wf_notice's load_sql returns it. */
struct nrow {
	const char *hlc, *issue, *due, *addressed, *deleted, *acked_hlc, *ack_ms, *reported_hlc,
		*reported_ms, *report_date, *late;
};

static PGresult *nresult(const struct nrow *row)
{
	PGresAttDesc att[12];
	const char *v[12] = { NOTICE_ID,         row->hlc,         row->issue,       row->due,
			      row->addressed,    row->deleted,     row->acked_hlc,   row->ack_ms,
			      row->reported_hlc, row->reported_ms, row->report_date, row->late };
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	assert_non_null(res);
	memset(att, 0, sizeof att);
	for (int i = 0; i < 12; i++) {
		att[i].name = (char *)"c";
		att[i].format = 0;
		att[i].typid = 25; /* text */
		att[i].typlen = -1;
		att[i].atttypmod = -1;
	}
	assert_true(PQsetResultAttrs(res, 12, att));
	for (int i = 0; i < 12; i++)
		assert_true(PQsetvalue(res, 0, i, (char *)v[i], (int)strlen(v[i])));
	return res;
}

static const struct nrow fresh = {
	"2000", "2026-03-16", "2026-04-10", "t", "f", "0", "0", "0", "0", "", "f",
};

static const struct workflow *notice_wf(void)
{
	const struct workflow *wf = workflow_for_event(kind_by_name("notice_event"));

	assert_non_null(wf);
	return wf;
}

static void *nstatus(const struct nrow *row)
{
	const struct workflow *wf = notice_wf();
	void *st = calloc(1, wf->status_size);
	PGresult *res = nresult(row);

	assert_non_null(st);
	assert_int_equal(wf->load(st, res, 0), 0);
	PQclear(res);
	return st;
}

/* The store columns of st joined with '|'. */
static void nstore(const void *st, char *out, size_t outlen)
{
	const struct workflow *wf = notice_wf();
	char vals[WF_MAX_STORE_COLS][WF_TEXT];
	size_t at = 0;

	wf->store(st, vals);
	out[0] = '\0';
	for (int i = 0; i < wf->nstore; i++)
		at += (size_t)snprintf(out + at, outlen - at, "%s%s", i ? "|" : "", vals[i]);
}

/* Applies a notice_event built from the sample plus overrides; returns rc. */
static int napply(void *st, const char *overrides, char *why, size_t whylen)
{
	Safecampus__Record *r = ks_make("notice_event", overrides);
	char rwhy[256];
	int rc;

	/* what the server checks first */
	if (rules_check(r, rwhy, sizeof rwhy) != 0)
		fail_msg("notice_event {%s} fails the rules: %s", overrides, rwhy);
	why[0] = '\0';
	rc = notice_wf()->apply(st, r, why, whylen);
	kind_record_free(r);
	return rc;
}

#define ACK(hlc) "action=ack|notice_hlc=" hlc
#define REPORT(hlc, date)                                    \
	"action=report|notice_hlc=" hlc "|report_date=" date \
	"|channels=class_meeting|evidence=minutes and photos"

static void test_notice_wf_registered(void **state)
{
	const struct workflow *wf = notice_wf();

	(void)state;
	assert_string_equal(wf->event_kind, "notice_event");
	assert_string_equal(wf->parent_kind, "notice");
	assert_true(wf->nstore <= WF_MAX_STORE_COLS);
	/* notices are looked up in the bureau's rows whatever the school */
	assert_non_null(strstr(wf->load_sql, "n.school = ''"));
	assert_non_null(strstr(wf->load_sql, "string_to_array(n.targets, ';')"));
	assert_non_null(strstr(wf->store_sql, "INSERT INTO notice_status"));
	assert_non_null(strstr(wf->store_sql, "ON CONFLICT (school, notice_id) DO UPDATE"));
	/* $2 ids + one array per store column */
	char want[32];
	snprintf(want, sizeof want, "$%d::text[]", 2 + wf->nstore);
	assert_non_null(strstr(wf->store_sql, want));
	snprintf(want, sizeof want, "$%d", 3 + wf->nstore);
	assert_null(strstr(wf->store_sql, want));
	/* the hazard workflow is still there */
	assert_ptr_equal(workflow_for_event(kind_by_name("hazard_event")), &wf_hazard);
	assert_null(workflow_for_event(kind_by_name("notice")));
	assert_null(workflow_for_event(NULL));
}

static void test_notice_ack_then_report(void **state)
{
	void *st = nstatus(&fresh);
	char why[256], out[512];

	(void)state;
	nstore(st, out, sizeof out);
	assert_string_equal(out, "0|0|0|0||false");
	assert_int_equal(napply(st, ACK("2000") "|at_ms=1773800000000", why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773800000000|0|0||false");
	/* ack again: allowed, keeps the first time */
	assert_int_equal(napply(st, ACK("2000") "|at_ms=1773900000000", why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773800000000|0|0||false");
	/* on time: the due date itself */
	assert_int_equal(
		napply(st, REPORT("2000", "2026-04-10") "|at_ms=1775000000000", why, sizeof why),
		0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773800000000|2000|1775000000000|2026-04-10|false");
	/* a second report on the same version is more evidence, not a new status */
	assert_int_equal(napply(st, REPORT("2000", "2026-04-20"), why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773800000000|2000|1775000000000|2026-04-10|false");
	free(st);
}

static void test_notice_late_report(void **state)
{
	void *st = nstatus(&fresh);
	char why[256], out[512];

	(void)state;
	assert_int_equal(napply(st, ACK("2000"), why, sizeof why), 0);
	assert_int_equal(napply(st, REPORT("2000", "2026-04-11"), why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773800000000|2000|1773800000000|2026-04-11|true");
	free(st);
}

static void test_notice_report_needs_ack(void **state)
{
	void *st = nstatus(&fresh);
	char why[256], before[512], after[512];

	(void)state;
	nstore(st, before, sizeof before);
	assert_int_equal(napply(st, REPORT("2000", "2026-04-01"), why, sizeof why), SC_ETRANSITION);
	assert_non_null(strstr(why, "must be acknowledged before it is reported on"));
	nstore(st, after, sizeof after);
	assert_string_equal(before, after);
	free(st);
}

/* The bureau changed the notice (hlc 2000) after the school acknowledged
 * version 1500: the school must acknowledge again before it reports. */
static void test_notice_changed_after_ack(void **state)
{
	struct nrow row = fresh;
	void *st;
	char why[256], out[512];

	(void)state;
	row.acked_hlc = "1500";
	row.ack_ms = "1773000000000";
	st = nstatus(&row);
	assert_int_equal(napply(st, REPORT("2000", "2026-04-01"), why, sizeof why), SC_ETRANSITION);
	assert_non_null(strstr(why, "changed after it was acknowledged"));
	assert_int_equal(napply(st, REPORT("1500", "2026-04-01"), why, sizeof why), SC_ETRANSITION);
	/* an offline ack of the old version is kept, and changes nothing */
	assert_int_equal(napply(st, ACK("1200"), why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "1500|1773000000000|0|0||false");
	assert_int_equal(napply(st, ACK("2000") "|at_ms=1774000000000", why, sizeof why), 0);
	assert_int_equal(napply(st, REPORT("2000", "2026-04-01"), why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1774000000000|2000|1773800000000|2026-04-01|false");
	free(st);
}

/* A report of an earlier version stands until the notice changes and the
 * school reports on the new version; late is judged against that version. */
static void test_notice_report_new_version(void **state)
{
	struct nrow row = fresh;
	void *st;
	char why[256], out[512];

	(void)state;
	row.hlc = "3000";
	row.due = "2026-04-05";
	row.acked_hlc = "2000";
	row.ack_ms = "1773000000000";
	row.reported_hlc = "2000";
	row.reported_ms = "1773500000000";
	row.report_date = "2026-04-01";
	st = nstatus(&row);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "2000|1773000000000|2000|1773500000000|2026-04-01|false");
	assert_int_equal(napply(st, ACK("3000"), why, sizeof why), 0);
	assert_int_equal(napply(st, REPORT("3000", "2026-04-06"), why, sizeof why), 0);
	nstore(st, out, sizeof out);
	assert_string_equal(out, "3000|1773800000000|3000|1773800000000|2026-04-06|true");
	free(st);
}

static void test_notice_refusals(void **state)
{
	struct nrow row = fresh;
	void *st;
	char why[256], before[512], after[512];

	(void)state;
	/* not addressed to this school: the same answer as no notice at all
	 * (the load SQL does not even return it; see test_notice_not_yours) */
	row.addressed = "f";
	st = nstatus(&row);
	assert_int_equal(napply(st, ACK("2000"), why, sizeof why), SC_ENOTFOUND);
	assert_string_equal(why, "notice " NOTICE_ID " is not known to the server");
	free(st);

	/* withdrawn by the bureau */
	row = fresh;
	row.deleted = "t";
	st = nstatus(&row);
	assert_int_equal(napply(st, ACK("2000"), why, sizeof why), SC_ETRANSITION);
	assert_non_null(strstr(why, "was withdrawn by the bureau"));
	free(st);

	row = fresh;
	st = nstatus(&row);
	nstore(st, before, sizeof before);
	/* a version the server never had */
	assert_int_equal(napply(st, ACK("2001"), why, sizeof why), SC_ETRANSITION);
	assert_non_null(
		strstr(why, "notice_hlc 2001 is newer than the notice the server has (2000)"));
	/* a report dated before the notice was issued */
	assert_int_equal(napply(st, ACK("2000"), why, sizeof why), 0);
	nstore(st, before, sizeof before);
	assert_int_equal(napply(st, REPORT("2000", "2026-03-15"), why, sizeof why), SC_EINVALID);
	assert_non_null(strstr(why, "before the notice's issue date 2026-03-16"));
	nstore(st, after, sizeof after);
	assert_string_equal(before, after);
	/* events are never withdrawn */
	Safecampus__Record *r = ks_make("notice_event", ACK("2000"));
	r->deleted = 1;
	assert_int_equal(notice_wf()->apply(st, r, why, sizeof why), SC_EINVALID);
	assert_non_null(strstr(why, "cannot be deleted"));
	kind_record_free(r);
	/* not a notice_event at all */
	r = ks_make("hazard_event", NULL);
	assert_int_equal(notice_wf()->apply(st, r, why, sizeof why), SC_EINVALID);
	kind_record_free(r);
	free(st);

	/* a parent the batch "created" (init): no notice row, refused */
	st = calloc(1, notice_wf()->status_size);
	assert_non_null(st);
	notice_wf()->init(st);
	assert_int_equal(napply(st, ACK("2000"), why, sizeof why), SC_ENOTFOUND);
	assert_string_equal(why, "notice " NOTICE_ID " is not known to the server");
	free(st);
}

static void test_notice_load_bad_row(void **state)
{
	struct nrow row = fresh;
	void *st = calloc(1, notice_wf()->status_size);
	PGresult *res;

	(void)state;
	assert_non_null(st);
	row.hlc = "x";
	res = nresult(&row);
	assert_int_equal(notice_wf()->load(st, res, 0), SC_EDB);
	PQclear(res);
	row = fresh;
	row.report_date = "2026-4-1";
	res = nresult(&row);
	assert_int_equal(notice_wf()->load(st, res, 0), SC_EDB);
	PQclear(res);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice_wf_registered),
		cmocka_unit_test(test_notice_ack_then_report),
		cmocka_unit_test(test_notice_late_report),
		cmocka_unit_test(test_notice_report_needs_ack),
		cmocka_unit_test(test_notice_changed_after_ack),
		cmocka_unit_test(test_notice_report_new_version),
		cmocka_unit_test(test_notice_refusals),
		cmocka_unit_test(test_notice_load_bad_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
