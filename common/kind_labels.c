/* Kinds whose only behaviour is what people see: labels (English, Chinese)
 * of the kind and of each field, in form order. The web interface and the
 * forms read them; the CLI's help does too. One entry each, registered in
 * kinds.c like every other. */
#include "kind_due.h"
#include "kind_ops.h"

#define FIELDS(a) .fields = a, .nfields = sizeof a / sizeof a[0]

static const struct kind_field_ui school_profile_fields[] = {
	{ "name", NC_("school_profile", "School name"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "founded_year", NC_("school_profile", "Founded"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "site_area_m2", NC_("school_profile", "Site area (m²)"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "building_area_m2", NC_("school_profile", "Floor area (m²)"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "staff_count", NC_("school_profile", "Staff"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "class_count", NC_("school_profile", "Classes"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "student_count", NC_("school_profile", "Students"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "boarding_students", NC_("school_profile", "Boarders"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "campus_count", NC_("school_profile", "Campuses"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "current_level", NC_("school_profile", "Current level"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "target_level", NC_("school_profile", "Target level"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "bus_count", NC_("school_profile", "School buses"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "bus_riders", NC_("school_profile", "Bus riders"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_school_profile = {
	.kind = "school_profile",
	.bounds = (const struct kind_bound[]){ { "founded_year", 1800, 2100 },
					       { "site_area_m2", 0, KB_NO_MAX },
					       { "building_area_m2", 0, KB_NO_MAX },
					       { "staff_count", 0, KB_NO_MAX },
					       { "class_count", 0, KB_NO_MAX },
					       { "student_count", 0, KB_NO_MAX },
					       { "boarding_students", 0, KB_NO_MAX },
					       { "campus_count", 0, KB_NO_MAX },
					       { "bus_count", 0, KB_NO_MAX },
					       { "bus_riders", 0, KB_NO_MAX },
					       { NULL, 0, 0 } },
	.import_key = "name",
	.label = N_("School profile"),
	FIELDS(school_profile_fields),
};

static const struct kind_field_ui school_class_fields[] = {
	{ "grade", NC_("school_class", "Grade"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "name", NC_("school_class", "Class"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "head_teacher", NC_("school_class", "Head teacher"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "student_count", NC_("school_class", "Students"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "opened_date", NC_("school_class", "Opened"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "closed_date", NC_("school_class", "Closed"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_school_class = {
	.kind = "school_class",
	.name_refs = (const struct kind_name_ref[]){ { "head_teacher", "staff" }, { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "grade", 1, 12 },
					       { "student_count", 0, KB_NO_MAX },
					       { NULL, 0, 0 } },
	.import_key = "grade name",
	.label = N_("Class"),
	FIELDS(school_class_fields),
};

static const struct kind_field_ui meeting_fields[] = {
	{ "type", NC_("meeting", "Kind of meeting"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_meeting_type },
	{ "meeting_date", NC_("meeting", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "title", NC_("meeting", "Title"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "attendees", NC_("meeting", "Attendees"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "minutes", NC_("meeting", "Minutes"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_meeting = {
	.kind = "meeting",
	.bounds = (const struct kind_bound[]){ { "attendees", 0, KB_NO_MAX }, { NULL, 0, 0 } },
	.import_key = "type meeting_date title",
	.label = N_("Safety meeting"),
	FIELDS(meeting_fields),
};

static const struct kind_field_ui policy_fields[] = {
	{ "title", NC_("policy", "Title"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "type", NC_("policy", "Kind"), NULL, NULL, NULL, KF_NONE, kind_enum_policy_type },
	{ "version", NC_("policy", "Version"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "effective_date", NC_("policy", "In force from"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "revised_date", NC_("policy", "Revised"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "summary", NC_("policy", "Summary"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "previous_id", NC_("policy", "Replaces version"),
	  N_("the version this one replaced (filled in by edit)"), NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_policy = {
	.kind = "policy",
	.versioned_by = "version",
	.previous_field = "previous_id",
	.in_force_field = "effective_date",
	.import_key = "type title version",
	.label = N_("Rule or plan"),
	FIELDS(policy_fields),
};

static const struct kind_field_ui education_fields[] = {
	{ "school_class_id", NC_("education", "Class"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "session_date", NC_("education", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "slot", NC_("education", "Slot"), NULL, NULL, NULL, KF_NONE, kind_enum_education_slot },
	{ "topic", NC_("education", "Topic"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_education_topic },
	{ "channel", NC_("education", "Channel"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_education_channel },
	{ "teacher", NC_("education", "Teacher"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "minutes", NC_("education", "Minutes"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "theme", NC_("education", "Theme"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_education = {
	.kind = "education",
	.name_refs = (const struct kind_name_ref[]){ { "teacher", "staff" }, { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "minutes", 1, 600 }, { NULL, 0, 0 } },
	.owed = kind_owed_education,
	.import_key = "school_class_id session_date slot",
	.label = N_("\"1530\" safety lesson"),
	FIELDS(education_fields),
};

static const struct kind_field_ui lecture_fields[] = {
	{ "lecture_date", NC_("lecture", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "speaker", NC_("lecture", "Speaker"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "topic", NC_("lecture", "Topic"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "audience", NC_("lecture", "Audience"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "attendees", NC_("lecture", "Attendees"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_lecture = {
	.kind = "lecture",
	.bounds = (const struct kind_bound[]){ { "attendees", 0, KB_NO_MAX }, { NULL, 0, 0 } },
	.import_key = "lecture_date topic",
	.label = N_("Legal vice-principal lecture"),
	FIELDS(lecture_fields),
};

static const struct kind_field_ui drill_fields[] = {
	{ "drill_date", NC_("drill", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "theme", NC_("drill", "Theme"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "scenario", NC_("drill", "Scenario"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_drill_scenario },
	{ "plan_id", NC_("drill", "Plan"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "plan_ref", NC_("drill", "Plan reference"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "student_count", NC_("drill", "Students"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "staff_count", NC_("drill", "Staff"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "evacuation_seconds", NC_("drill", "Evacuation time (s)"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "segments", NC_("drill", "Parts held"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_drill_segment },
	{ "feedback", NC_("drill", "Review"), NULL, NULL, NULL, KF_NONE, NULL },
};

/* a drill follows the emergency plan in force that day: the one it names
 * (the version of that plan in force then), else the school's */
static const struct kind_ref drill_refs[] = {
	{ "plan_id", "policy", "drill_date", "type", "emergency_plan" },
};

const struct kind_ops kind_ops_drill = {
	.kind = "drill",
	.bounds = (const struct kind_bound[]){ { "student_count", 0, KB_NO_MAX },
					       { "staff_count", 0, KB_NO_MAX },
					       { "evacuation_seconds", 0, 86400 },
					       { NULL, 0, 0 } },
	.refs = drill_refs,
	.nrefs = sizeof drill_refs / sizeof drill_refs[0],
	.owed = kind_owed_drill,
	.import_key = "drill_date scenario theme",
	.label = N_("Emergency drill"),
	FIELDS(drill_fields),
	.sign_roles = KS_STAFF,
	.evidence_files = true,
};

static const struct kind_field_ui inspection_fields[] = {
	{ "inspection_date", NC_("inspection", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "level", NC_("inspection", "Level"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_inspection_level },
	{ "focus", NC_("inspection", "Focus"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_inspection_focus },
	{ "inspector", NC_("inspection", "Inspector"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "location", NC_("inspection", "Where"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "findings", NC_("inspection", "Findings"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "hazards_found", NC_("inspection", "Hazards found"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_inspection = {
	.kind = "inspection",
	.name_refs = (const struct kind_name_ref[]){ { "inspector", "staff" }, { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "hazards_found", 0, KB_NO_MAX }, { NULL, 0, 0 } },
	.import_key = "inspection_date level inspector location",
	.label = N_("Safety inspection"),
	FIELDS(inspection_fields),
	.sign_roles = KS_STAFF,
	.evidence_files = true,
};

static const struct kind_field_ui linkage_fields[] = {
	{ "activity_date", NC_("linkage", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "partner", NC_("linkage", "Partner"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_linkage_partner },
	{ "partner_name", NC_("linkage", "Partner name"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "activity", NC_("linkage", "Activity"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "participants", NC_("linkage", "Participants"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_linkage = {
	.kind = "linkage",
	.bounds = (const struct kind_bound[]){ { "participants", 0, KB_NO_MAX }, { NULL, 0, 0 } },
	.import_key = "activity_date partner activity",
	.label = N_("Joint activity"),
	FIELDS(linkage_fields),
};

static const struct kind_field_ui gate_duty_fields[] = {
	{ "duty_date", NC_("gate_duty", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "shift", NC_("gate_duty", "Shift"), NULL, NULL, NULL, KF_NONE, kind_enum_gate_shift },
	{ "leader", NC_("gate_duty", "Leader on duty"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "teacher", NC_("gate_duty", "Teacher"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "guard", NC_("gate_duty", "Guard"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "parent_volunteers", NC_("gate_duty", "Parent volunteers"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "volunteers", NC_("gate_duty", "Volunteers' names"),
	  N_("the parent volunteers on duty, names separated by ';' (张妈妈;李爸爸)"), NULL, NULL,
	  KF_NONE, NULL },
	{ "incidents", NC_("gate_duty", "Incidents"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_gate_duty = {
	.kind = "gate_duty",
	.name_refs = (const struct kind_name_ref[]){ { "leader", "staff" },
						     { "teacher", "staff" },
						     { "guard", "staff" },
						     { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "parent_volunteers", 0, KB_NO_MAX },
					       { NULL, 0, 0 } },
	.import_key = "duty_date shift",
	.label = N_("Gate duty"),
	FIELDS(gate_duty_fields),
};

static const struct kind_field_ui calendar_fields[] = {
	{ "term_name", NC_("calendar", "Term"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "term_start_date", NC_("calendar", "Term starts"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "term_end_date", NC_("calendar", "Term ends"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "holidays", NC_("calendar", "Holidays"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "makeup_days", NC_("calendar", "Make-up school days"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_calendar = {
	.kind = "calendar",
	.import_key = "term_name",
	.label = N_("School calendar"),
	FIELDS(calendar_fields),
};
