/* Shared by test_kinds_all.c and test_kinds_notice.c: one valid sample record
 * per kind and the helpers that build records from them. */
#ifndef TESTS_UNIT_KINDS_SAMPLES_H
#define TESTS_UNIT_KINDS_SAMPLES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kinds.h"

#define U1 "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b"
#define U2 "6a1d9f3e-2c4b-4d8e-9f0a-1b2c3d4e5f60"
#define NOTICE_ID "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1f"

/* ------------------------------------------------------------------ samples */

/* One valid record per kind ("field=value"), with the fields the rules must
 * require. Every field a sample leaves out is one its kind lets be empty. */
struct sample {
	const char *kind;
	const char *required; /* ','-separated */
	const char *fields[24];
};

static const struct sample samples[] = {
	{ "hazard",
	  "title,area,severity,found_date",
	  { "title=Loose handrail on stairs B", "location=Building B, 2nd floor", "area=building",
	    "severity=medium", "description=扶手松动", "found_date=2026-03-02",
	    "reporter=Zhang San", "inspection_id=" U2 } },
	{ "hazard_event",
	  "hazard_id,action,actor",
	  { "hazard_id=" U1, "action=assign", "actor=Principal Li", "actor_role=principal",
	    "owner=Wang Wu", "deadline_date=2026-03-10", "note=fix by Friday",
	    "evidence_sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	    "evidence_path=photos/handrail.jpg", "at_ms=1772400000000" } },
	{ "school_profile",
	  "name,staff_count,class_count,student_count",
	  { "name=Example Road Primary School", "founded_year=1952", "site_area_m2=16800",
	    "building_area_m2=7786.5", "staff_count=71", "class_count=24", "student_count=988",
	    "boarding_students=12", "campus_count=1", "current_level=district-level since 2009",
	    "target_level=city-level", "bus_count=7", "bus_riders=296" } },
	{ "staff",
	  "name,staff_role",
	  { "name=Zhang Wei", "staff_role=head_teacher", "department=Grade 3", "inactive=true",
	    "joined_date=2015-09-01", "left_date=2026-07-15" } },
	{ "school_class",
	  "grade,name",
	  { "grade=3", "name=三年级2班", "head_teacher=Zhang Wei", "student_count=41",
	    "opened_date=2023-09-01", "closed_date=2029-07-01" } },
	{ "meeting",
	  "type,meeting_date,title",
	  { "type=all_staff_training", "meeting_date=2026-02-24",
	    "title=Spring term safety training", "attendees=68",
	    "minutes=Duties at the gate; fire routes; reporting hazards." } },
	{ "policy",
	  "title,type",
	  { "title=Visitor entry rules", "type=rule", "version=2025 rev. 2",
	    "effective_date=2025-09-01", "revised_date=2026-02-20",
	    "summary=Visitors sign in at the gate and wear a badge." } },
	{ "letter",
	  "year,level,signer,counter_signer,signed_date",
	  { "year=2026", "level=department_teacher", "signer=Zhang Wei", "signer_staff_id=" U1,
	    "counter_signer=Liu Fang", "signed_date=2026-02-25" } },
	{ "education",
	  "school_class_id,session_date,slot,topic,minutes",
	  { "school_class_id=" U1, "session_date=2026-03-06", "slot=weekend_5", "topic=traffic",
	    "channel=class_meeting", "teacher=Zhang Wei", "minutes=5", "theme=一盔一带" } },
	{ "lecture",
	  "lecture_date,speaker,topic",
	  { "lecture_date=2026-03-12", "speaker=Officer Chen (法制副校长)",
	    "topic=Bullying and the law", "audience=grades 4-6", "attendees=320" } },
	{ "drill",
	  "drill_date,theme,scenario",
	  { "drill_date=2026-03-27", "theme=National safety education day", "scenario=fire",
	    "plan_id=" U1, "plan_ref=Fire evacuation plan 2025", "student_count=988",
	    "staff_count=71", "evacuation_seconds=150", "segments=principal;teacher;student",
	    "feedback=Stair C was slow; add a teacher there." } },
	{ "inspection",
	  "inspection_date,level,focus,inspector",
	  { "inspection_date=2026-03-02", "level=leadership", "focus=fire",
	    "inspector=Safety leadership group", "location=Canteen",
	    "findings=Two extinguishers past their date.", "hazards_found=2" } },
	{ "linkage",
	  "activity_date,partner,activity",
	  { "activity_date=2026-03-18", "partner=traffic_police", "partner_name=Xinhua Rd brigade",
	    "activity=Helmet checks at dismissal", "participants=6" } },
	{ "gate_duty",
	  "duty_date,shift",
	  { "duty_date=2026-03-09", "shift=morning", "leader=Vice Principal Zhao",
	    "teacher=Zhang Wei", "guard=Guard Sun", "parent_volunteers=2",
	    "incidents=A scooter blocked the gate", "volunteers=Wang Ma;Li Ba" } },
	{ "bus",
	  "plate,seats",
	  { "plate=川A·12345", "seats=45", "company=City School Bus Co.", "driver=Driver Ma",
	    "attendant=Attendant He", "next_inspection_date=2026-09-30", "inactive=true" } },
	{ "bus_rider",
	  "bus_id,student_ref",
	  { "bus_id=" U1, "student_ref=S2025-0143", "inactive=true" } },
	{ "bus_trip",
	  "bus_id,trip_date,direction,checked_by",
	  { "bus_id=" U1, "trip_date=2026-03-09", "direction=from_school", "boarded=42",
	    "alighted=41", "checked_by=Attendant He" } },
	{ "equipment",
	  "item,type,location,interval_days",
	  { "item=Gas leak alarm", "type=gas_alarm", "location=Canteen kitchen",
	    "installed_date=2017-06-01", "interval_days=365", "last_check_date=2025-06-10",
	    "next_due_date=2026-06-10", "result=ok" } },
	{ "equipment_check",
	  "equipment_id,check_date,result,checker",
	  { "equipment_id=" U1, "check_date=2025-06-10", "result=fault", "checker=Gas company",
	    "note=Sensor 2 replaced" } },
	{ "risk",
	  "title,status",
	  { "title=Bottled LPG in the canteen", "description=Old stoves lack flame-out protection",
	    "area=food", "mitigation=Leak alarms and cut-off valves fitted",
	    "plan=Convert the kitchen from gas to electric", "planned_date=2027-08-31",
	    "status=mitigated" } },
	{ "notice",
	  "title,issue_date,due_date",
	  { "title=Safety education day 2026", "body=Hold a themed class meeting.",
	    "issue_date=2026-03-16", "due_date=2026-04-10",
	    "required_action=Class meeting and a letter to parents", "targets=sch-001;sch_2.b",
	    "campaign=safety_education_day" } },
	{ "notice_event",
	  "notice_id,action,actor,notice_hlc",
	  { "notice_id=" NOTICE_ID, "action=ack", "actor=Safety office", "notice_hlc=1000",
	    "at_ms=1773800000000" } },
	{ "calendar",
	  "term_name,term_start_date,term_end_date",
	  { "term_name=2026-2027 autumn", "term_start_date=2026-09-01", "term_end_date=2027-01-22",
	    "holidays=2026-10-01..2026-10-07;2027-01-01", "makeup_days=2026-09-27;2026-10-10" } },
	{ "visitor",
	  "visit_date,name,purpose,host,time_in_ms",
	  { "visit_date=2026-03-02", "name=Liu Fang", "organisation=City Water Company",
	    "purpose=meter inspection", "host=Wang Wu (logistics)", "time_in_ms=1772430000000",
	    "time_out_ms=1772433600000" } },
	{ "person",
	  "login,display_name,role,public_key,enrolled_ms",
	  { "login=chen.li", "display_name=Chen Li", "role=principal",
	    "public_key=61c9fb9bd70055d9ea250231c9fb9bd70055d9ea250231c9fb9bd70055d9ea25",
	    "enrolled_ms=1772430000000" } },
	{ "letter_event",
	  "letter_id,action,level,actor,signed_date",
	  { "letter_id=" U1, "action=countersign", "level=department_teacher", "actor=Liu Fang",
	    "signed_date=2026-02-26" } },
};

#define NSAMPLES (sizeof samples / sizeof samples[0])

/* The sample of kind, or NULL. */
static const struct sample *ks_sample_of(const char *kind)
{
	for (size_t i = 0; i < NSAMPLES; i++)
		if (!strcmp(samples[i].kind, kind))
			return &samples[i];
	return NULL;
}

/* ------------------------------------------------------------------ helpers */

/* strdup that fails the test when out of memory. */
static char *ks_xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* Sets "field=value" on m; fails the test on a bad field or value. */
static void ks_set_pair(const struct kind *k, ProtobufCMessage *m, const char *pair)
{
	char name[64], err[256] = "";
	const char *eq = strchr(pair, '=');
	const ProtobufCFieldDescriptor *f;

	assert_non_null(eq);
	assert_true((size_t)(eq - pair) < sizeof name);
	memcpy(name, pair, (size_t)(eq - pair));
	name[eq - pair] = '\0';
	f = kind_field(k, name);
	if (!f)
		fail_msg("%s has no field %s", k->name, name);
	if (kind_field_set(m, f, eq + 1, err, sizeof err) != 0)
		fail_msg("%s.%s = \"%s\": %s", k->name, name, eq + 1, err);
}

/* The sample of kind, then `overrides` ("field=value|field=value"). Free with
 * kind_record_free. */
static Safecampus__Record *ks_make(const char *kind, const char *overrides)
{
	const struct kind *k = kind_by_name(kind);
	const struct sample *s = ks_sample_of(kind);
	Safecampus__Record *r = malloc(sizeof *r);
	ProtobufCMessage *m;

	assert_non_null(k);
	assert_non_null(s);
	assert_non_null(r);
	safecampus__record__init(r);
	r->id = ks_xstrdup(U2);
	r->school = ks_xstrdup(k->bureau_only ? "" : "sch-001");
	r->campus = ks_xstrdup("main");
	r->hlc = 1000;
	m = kind_payload_new(k);
	assert_non_null(m);
	kind_record_set_payload(r, k, m);
	for (size_t i = 0; i < 24 && s->fields[i]; i++)
		ks_set_pair(k, m, s->fields[i]);
	if (overrides && *overrides) {
		char *copy = ks_xstrdup(overrides), *save = NULL;
		for (char *p = strtok_r(copy, "|", &save); p; p = strtok_r(NULL, "|", &save))
			ks_set_pair(k, m, p);
		free(copy);
	}
	return r;
}

#endif
