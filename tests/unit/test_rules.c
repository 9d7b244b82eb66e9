/* rules.c: generic field rules from the descriptors and the per-kind table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kinds.h"
#include "rules.h"

#define HID "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b"

/* Records live on the stack; strings point at literals and are never freed. */
struct fixture {
	Safecampus__Record r;
	Safecampus__Hazard h;
	Safecampus__HazardEvent e;
};

static void hazard_record(struct fixture *fx)
{
	safecampus__record__init(&fx->r);
	safecampus__hazard__init(&fx->h);
	fx->h.title = "Loose handrail on stairs B";
	fx->h.location = "Building B, 2nd floor";
	fx->h.area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_BUILDING;
	fx->h.severity = SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM;
	fx->h.description = "扶手松动";
	fx->h.found_date = "2026-03-02";
	fx->h.reporter = "Zhang San";
	fx->r.body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
	fx->r.hazard = &fx->h;
}

static void event_record(struct fixture *fx)
{
	safecampus__record__init(&fx->r);
	safecampus__hazard_event__init(&fx->e);
	fx->e.hazard_id = HID;
	fx->e.action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN;
	fx->e.actor = "Principal Li";
	fx->e.actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
	fx->e.owner = "Wang Wu";
	fx->e.deadline_date = "2026-03-10";
	fx->e.at_ms = 1772400000000;
	fx->r.body_case = SAFECAMPUS__RECORD__BODY_HAZARD_EVENT;
	fx->r.hazard_event = &fx->e;
}

static void assert_ok(const Safecampus__Record *r)
{
	char why[256] = "untouched";
	int rc = rules_check(r, why, sizeof why);

	if (rc != 0)
		fail_msg("refused: %d %s", rc, why);
	assert_string_equal(why, "");
}

static void assert_refused(const Safecampus__Record *r, const char *want)
{
	char why[256] = "";

	assert_int_equal(rules_check(r, why, sizeof why), SC_EINVALID);
	if (strcmp(why, want) != 0)
		fail_msg("why \"%s\", want \"%s\"", why, want);
}

/* ------------------------------------------------------------------ dates */

static void test_date_valid(void **state)
{
	static const char *const good[] = {
		"2026-01-01", "2026-12-31", "2026-01-31", "2026-04-30", "2026-02-28",
		"2024-02-29", /* leap: divisible by 4 */
		"2000-02-29", /* leap: divisible by 400 */
		"1904-02-29", "1900-01-01", "9999-12-31", "2026-06-30", "2026-09-30",
		"2026-11-30", "2026-07-31", "2026-08-31", "2026-10-31",
	};
	static const char *const bad[] = {
		"2026-02-29",               /* not leap */
		"2023-02-29", "1900-02-29", /* divisible by 100, not 400 */
		"2100-02-29", "2024-02-30", "2026-02-30",  "2026-04-31",     "2026-06-31",
		"2026-09-31", "2026-11-31", "2026-01-32",  "2026-13-01",     "2026-00-10",
		"2026-01-00", "1899-12-31", "0000-01-01",  "2026-1-01",      "2026-01-1",
		"2026/01/01", "20260101",   "2026-01-01 ", " 2026-01-01",    "2026-01-01T00:00",
		"26-01-01",   "",           "2026-0a-01",  "２０２６-01-01", "+026-01-01",
		"2026--1-01",
	};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!rules_date_valid(good[i]))
			fail_msg("refused good date %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rules_date_valid(bad[i]))
			fail_msg("took bad date \"%s\"", bad[i]);
	assert_false(rules_date_valid(NULL));
}

static void test_date_fields(void **state)
{
	struct fixture fx;

	(void)state;
	hazard_record(&fx);
	assert_ok(&fx.r);
	fx.h.found_date = "2026-02-30";
	assert_refused(&fx.r, "hazard.found_date: \"2026-02-30\" is not a real date");
	fx.h.found_date = "2024-02-29";
	assert_ok(&fx.r);
	fx.h.found_date = "2025-02-29";
	assert_refused(&fx.r, "hazard.found_date: \"2025-02-29\" is not a real date");
	fx.h.found_date = "yesterday";
	assert_refused(&fx.r, "hazard.found_date: \"yesterday\" is not a real date");

	event_record(&fx);
	fx.e.deadline_date = "2026-04-31";
	assert_refused(&fx.r, "hazard_event.deadline_date: \"2026-04-31\" is not a real date");
	fx.e.deadline_date = ""; /* empty is fine for the generic rule */
	assert_ok(&fx.r);
	fx.e.deadline_date = "2028-02-29";
	assert_ok(&fx.r);
}

/* ------------------------------------------------------------------ generic rules */

static void test_id_fields(void **state)
{
	struct fixture fx;

	(void)state;
	event_record(&fx);
	fx.e.hazard_id = "not-a-uuid";
	assert_refused(&fx.r, "hazard_event.hazard_id: \"not-a-uuid\" is not a record id "
			      "(lower-case UUID)");
	fx.e.hazard_id = "0F8E1C2A-3B4D-4E5F-8A6B-7C8D9E0F1A2B";
	assert_refused(&fx.r, "hazard_event.hazard_id: \"0F8E1C2A-3B4D-4E5F-8A6B-7C8D9E0F1A2B\" "
			      "is not a record id (lower-case UUID)");
	fx.e.hazard_id = "{0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b}";
	assert_refused(&fx.r, "hazard_event.hazard_id: \"{0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b}\" "
			      "is not a record id (lower-case UUID)");
	fx.e.hazard_id = HID;
	assert_ok(&fx.r);
}

static void test_ms_fields(void **state)
{
	struct fixture fx;

	(void)state;
	event_record(&fx);
	fx.e.at_ms = -1;
	assert_refused(&fx.r, "hazard_event.at_ms: -1 is negative (a time in Unix ms)");
	fx.e.at_ms = INT64_MIN;
	assert_refused(&fx.r, "hazard_event.at_ms: -9223372036854775808 is negative (a time in "
			      "Unix ms)");
	fx.e.at_ms = 0;
	assert_ok(&fx.r);
	fx.e.at_ms = INT64_MAX;
	assert_ok(&fx.r);
}

static void test_enum_fields(void **state)
{
	struct fixture fx;

	(void)state;
	hazard_record(&fx);
	fx.h.severity = (Safecampus__Severity)42;
	assert_refused(&fx.r, "hazard.severity: 42 is not a known value");
	fx.h.severity = (Safecampus__Severity)-1;
	assert_refused(&fx.r, "hazard.severity: -1 is not a known value");
	fx.h.severity = SAFECAMPUS__SEVERITY__SEVERITY_CRITICAL;
	fx.h.area = (Safecampus__HazardArea)10;
	assert_refused(&fx.r, "hazard.area: 10 is not a known value");
	fx.h.area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_OTHER;
	assert_ok(&fx.r);

	event_record(&fx);
	fx.e.actor_role = (Safecampus__StaffRole)12;
	assert_refused(&fx.r, "hazard_event.actor_role: 12 is not a known value");
	fx.e.actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_BUREAU_OFFICER;
	fx.e.action = (Safecampus__HazardAction)99;
	assert_refused(&fx.r, "hazard_event.action: 99 is not a known value");
}

static void test_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",             /* never valid */
		"abc\x80",          /* lone continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong 3-byte */
		"\xed\xa0\x80",     /* UTF-16 surrogate */
		"\xf0\x80\x80\xaf", /* overlong 4-byte */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xe4\xb8", /* cut short */
		"\xe4\xb8x",
		"\xf0\x9f\x98",
	};
	static const char *const good[] = {
		"plain",
		"扶手松动",
		"\xf0\x9f\x9a\x92 fire engine",
		"\xc2\xa9",
		"\xed\x9f\xbf",     /* U+D7FF, last before surrogates */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
		"tab\tand\nnewline",
	};
	struct fixture fx;

	(void)state;
	hazard_record(&fx);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fx.h.description = (char *)bad[i];
		assert_refused(&fx.r, "hazard.description: not valid UTF-8 text");
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		fx.h.description = (char *)good[i];
		assert_ok(&fx.r);
	}
	/* every string field is checked, not only description */
	fx.h.description = "";
	fx.h.reporter = "\xff";
	assert_refused(&fx.r, "hazard.reporter: not valid UTF-8 text");
	event_record(&fx);
	fx.e.note = "\xc0\x80";
	assert_refused(&fx.r, "hazard_event.note: not valid UTF-8 text");

	/* rules_utf8_scrub: valid text unchanged, each bad byte '?', so the
	 * result passes (a reason quoting a value cut by a byte count) */
	char buf[64];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(buf, sizeof buf, "%s", good[i]);
		rules_utf8_scrub(buf);
		assert_string_equal(buf, good[i]);
	}
	hazard_record(&fx);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%s", bad[i]);
		rules_utf8_scrub(buf);
		assert_int_equal(strlen(buf), strlen(bad[i]));
		fx.h.description = buf;
		assert_ok(&fx.r);
	}
	snprintf(buf, sizeof buf, "school \"%.9s\"", "a扶手松动");
	rules_utf8_scrub(buf);
	assert_string_equal(buf, "school \"a扶手??\"");
	snprintf(buf, sizeof buf, "%s", "\xe4\xb8x\xf0\x9f\x9a\x92");
	rules_utf8_scrub(buf);
	assert_string_equal(buf, "??x\xf0\x9f\x9a\x92");
}

static void test_text_length(void **state)
{
	struct fixture fx;
	char *big = malloc(RULES_MAX_TEXT + 2);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', RULES_MAX_TEXT + 1);
	big[RULES_MAX_TEXT] = '\0';
	hazard_record(&fx);
	fx.h.title = big;
	assert_ok(&fx.r);
	big[RULES_MAX_TEXT] = 'a';
	big[RULES_MAX_TEXT + 1] = '\0';
	assert_refused(&fx.r, "hazard.title: 8193 bytes, at most 8192");
	free(big);
}

/* Long free text (minutes, descriptions) may be 64 KB: real minutes of a
 * long meeting are more than 8 KB (~2,700 Chinese characters). */
static void test_long_text(void **state)
{
	struct fixture fx;
	char *big = malloc(RULES_MAX_LONG_TEXT + 2);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', RULES_MAX_LONG_TEXT + 1);
	big[RULES_MAX_LONG_TEXT] = '\0';
	hazard_record(&fx);
	fx.h.description = big;
	assert_ok(&fx.r);
	big[RULES_MAX_LONG_TEXT] = 'a';
	big[RULES_MAX_LONG_TEXT + 1] = '\0';
	assert_refused(&fx.r, "hazard.description: 65537 bytes, at most 65536");
	free(big);
}

static void meeting_record(Safecampus__Record *r, Safecampus__Meeting *m)
{
	safecampus__record__init(r);
	safecampus__meeting__init(m);
	m->type = SAFECAMPUS__MEETING_TYPE__MEETING_TYPE_LEADERSHIP;
	m->meeting_date = "2026-09-01";
	m->title = "开学安全工作会";
	r->body_case = SAFECAMPUS__RECORD__BODY_MEETING;
	r->meeting = m;
}

/* Implausible values are refused with the field named (issue 10). */
static void test_implausible(void **state)
{
	Safecampus__Record r;
	Safecampus__Meeting m;
	(void)state;

	rules_set_today("2026-12-03");
	meeting_record(&r, &m);
	assert_ok(&r);
	m.meeting_date = "2030-01-10";
	assert_refused(
		&r,
		"meeting.meeting_date: 2030-01-10 is in the future: a record says what was done");
	m.meeting_date = "1900-01-10";
	assert_refused(&r, "meeting.meeting_date: 1900-01-10 is before 2000: a typo for the year?");
	m.meeting_date = "2026-12-04"; /* tomorrow: a day of slack */
	assert_ok(&r);
	m.meeting_date = "2026-12-05";
	assert_refused(
		&r,
		"meeting.meeting_date: 2026-12-05 is in the future: a record says what was done");
	m.meeting_date = "2026-09-01";
	/* a blank title is no title */
	m.title = "  \t ";
	assert_refused(&r, "meeting.title is required");
	m.title = "\xe3\x80\x80\xe3\x80\x80"; /* two ideographic spaces */
	assert_refused(&r, "meeting.title is required");
	m.title = " 会 ";
	assert_ok(&r);
	rules_set_today(NULL);
}

static void test_education_slot(void **state)
{
	Safecampus__Record r;
	Safecampus__Education e;
	(void)state;

	safecampus__record__init(&r);
	safecampus__education__init(&e);
	e.school_class_id = HID;
	e.session_date = "2026-09-01";
	e.slot = SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_DAILY_1;
	e.topic = SAFECAMPUS__EDUCATION_TOPIC__EDUCATION_TOPIC_FIRE;
	e.minutes = 1;
	r.body_case = SAFECAMPUS__RECORD__BODY_EDUCATION;
	r.education = &e;
	assert_ok(&r);
	e.minutes = 45;
	assert_refused(
		&r, "education.minutes: 45 minutes is too long for the daily_1 slot (at most 5): "
		    "is it the right slot?");
	e.slot = SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_HOLIDAY_30;
	assert_ok(&r);
	e.minutes = 91;
	assert_refused(
		&r,
		"education.minutes: 91 minutes is too long for the holiday_30 slot (at most 90): "
		"is it the right slot?");
}

static void test_bus_seats(void **state)
{
	Safecampus__BusTrip t;
	Safecampus__Bus b;
	char why[200] = "";
	(void)state;

	safecampus__bus_trip__init(&t);
	safecampus__bus__init(&b);
	b.seats = 45;
	t.boarded = 45;
	t.alighted = 44; /* a mismatch is the alarm, not a typo */
	assert_int_equal(rules_bus_trip_seats(&t, &b, why, sizeof why), 0);
	t.boarded = 50;
	assert_int_equal(rules_bus_trip_seats(&t, &b, why, sizeof why), SC_EINVALID);
	assert_string_equal(why, "bus_trip.boarded: 50 students on a bus with 45 seats");
	t.boarded = 40;
	t.alighted = 46;
	assert_int_equal(rules_bus_trip_seats(&t, &b, why, sizeof why), SC_EINVALID);
	assert_string_equal(why, "bus_trip.alighted: 46 students on a bus with 45 seats");
	b.seats = 0; /* seats unknown: nothing to say */
	assert_int_equal(rules_bus_trip_seats(&t, &b, why, sizeof why), 0);
}

/* ------------------------------------------------------------------ kind rules */

static void test_hazard_required(void **state)
{
	struct fixture fx;

	(void)state;
	hazard_record(&fx);
	assert_ok(&fx.r);
	fx.h.title = "";
	assert_refused(&fx.r, "hazard.title is required");
	fx.h.title = NULL;
	assert_refused(&fx.r, "hazard.title is required");
	hazard_record(&fx);
	fx.h.area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_UNSPECIFIED;
	assert_refused(&fx.r, "hazard.area is required");
	hazard_record(&fx);
	fx.h.severity = SAFECAMPUS__SEVERITY__SEVERITY_UNSPECIFIED;
	assert_refused(&fx.r, "hazard.severity is required");
	hazard_record(&fx);
	fx.h.found_date = "";
	assert_refused(&fx.r, "hazard.found_date is required");
	/* the optional ones may be empty */
	hazard_record(&fx);
	fx.h.location = "";
	fx.h.description = "";
	fx.h.reporter = "";
	assert_ok(&fx.r);
}

static void test_hazard_event_required(void **state)
{
	struct fixture fx;

	(void)state;
	event_record(&fx);
	assert_ok(&fx.r);
	fx.e.hazard_id = "";
	assert_refused(&fx.r, "hazard_event.hazard_id is required");
	event_record(&fx);
	fx.e.action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_UNSPECIFIED;
	assert_refused(&fx.r, "hazard_event.action is required");
	event_record(&fx);
	fx.e.actor = "";
	assert_refused(&fx.r, "hazard_event.actor is required");
	/* per-action fields are hazard_fsm's: a NOTE without a note passes here */
	event_record(&fx);
	fx.e.action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_NOTE;
	fx.e.owner = "";
	fx.e.deadline_date = "";
	assert_ok(&fx.r);
}

static void test_evidence_hash(void **state)
{
	struct fixture fx;

	(void)state;
	event_record(&fx);
	fx.e.evidence_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	assert_ok(&fx.r);
	fx.e.evidence_sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	assert_refused(&fx.r, "hazard_event.evidence_sha256: must be 64 lower-case hex digits");
	fx.e.evidence_sha256 = "e3b0c442";
	assert_refused(&fx.r, "hazard_event.evidence_sha256: must be 64 lower-case hex digits");
	fx.e.evidence_sha256 = "";
	assert_ok(&fx.r);
}

static void test_record_shape(void **state)
{
	struct fixture fx;
	char why[8];

	(void)state;
	safecampus__record__init(&fx.r);
	assert_refused(&fx.r, "record has no kind (body not set or unknown)");
	fx.r.body_case = (Safecampus__Record__BodyCase)99;
	assert_refused(&fx.r, "record has no kind (body not set or unknown)");
	fx.r.body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
	fx.r.hazard = NULL;
	assert_refused(&fx.r, "hazard: payload missing");
	assert_int_equal(rules_check(NULL, why, sizeof why), SC_EINVALID);
	/* a short buffer gets a cut, terminated message; none at all is fine */
	hazard_record(&fx);
	fx.h.title = "";
	assert_int_equal(rules_check(&fx.r, why, sizeof why), SC_EINVALID);
	assert_string_equal(why, "hazard.");
	assert_int_equal(rules_check(&fx.r, NULL, 0), SC_EINVALID);
	/* id/school/campus/hlc are not looked at */
	hazard_record(&fx);
	fx.r.id = "whatever";
	fx.r.school = "\xff";
	assert_ok(&fx.r);
}

/* A record built through kinds.c from text is checked the same way. */
/* The list forms mark required is the one rules_check refuses without. */
static void test_required_list(void **state)
{
	const char *const *l;
	size_t n;

	(void)state;
	n = rules_required("meeting", &l);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], "type");
	assert_string_equal(l[2], "title");
	assert_int_equal(rules_required("no_such_kind", &l), 0);
	assert_null(l);
}

static void test_built_from_text(void **state)
{
	const struct kind *k = kind_by_name("hazard");
	Safecampus__Record *r = malloc(sizeof *r);
	ProtobufCMessage *m = kind_payload_new(k);
	char err[128], why[256];

	(void)state;
	assert_non_null(r);
	safecampus__record__init(r);
	assert_int_equal(kind_field_set(m, kind_field(k, "title"), "Blocked exit", err, sizeof err),
			 0);
	assert_int_equal(kind_field_set(m, kind_field(k, "area"), "fire", err, sizeof err), 0);
	assert_int_equal(kind_field_set(m, kind_field(k, "severity"), "high", err, sizeof err), 0);
	kind_record_set_payload(r, k, m);
	assert_int_equal(rules_check(r, why, sizeof why), SC_EINVALID);
	assert_string_equal(why, "hazard.found_date is required");
	assert_int_equal(
		kind_field_set(m, kind_field(k, "found_date"), "2026-03-02", err, sizeof err), 0);
	assert_int_equal(rules_check(r, why, sizeof why), 0);
	kind_record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_date_fields),
		cmocka_unit_test(test_id_fields),
		cmocka_unit_test(test_ms_fields),
		cmocka_unit_test(test_enum_fields),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_text_length),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_implausible),
		cmocka_unit_test(test_education_slot),
		cmocka_unit_test(test_bus_seats),
		cmocka_unit_test(test_hazard_required),
		cmocka_unit_test(test_hazard_event_required),
		cmocka_unit_test(test_evidence_hash),
		cmocka_unit_test(test_record_shape),
		cmocka_unit_test(test_built_from_text),
		cmocka_unit_test(test_required_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
