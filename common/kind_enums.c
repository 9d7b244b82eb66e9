/* The words people see for the values of the record enums, one list per
 * enum (English msgids, translated where shown; the Chinese is in
 * po/zh_CN/kinds.po, in the words of DOMAIN.md). Fields point at them from
 * their kind's table (kind_field_ui.values), so a value reads the same in
 * every kind that uses the enum, and a person may type the label instead of
 * the value's name. */
#include "kind_ops.h"

const struct kind_enum_label kind_enum_meeting_type[] = {
	{ "leadership", N_("Leadership safety meeting") },
	{ "head_teacher", N_("Head-teacher safety meeting") },
	{ "all_staff_training", N_("All-staff safety training") },
	{ "guard", N_("Security guard meeting") },
	{ "other", N_("Other meeting") },
	{ 0 },
};

const struct kind_enum_label kind_enum_policy_type[] = {
	{ "rule", N_("Rule") },
	{ "emergency_plan", N_("Emergency plan") },
	{ "implementation_plan", N_("Implementation plan") },
	{ 0 },
};

const struct kind_enum_label kind_enum_letter_level[] = {
	{ "principal_vice", N_("Principal and vice principal") },
	{ "vice_department", N_("Vice principal and department head") },
	{ "department_teacher", N_("Department head and teachers") },
	{ "other", N_("Other letter") },
	{ "bureau_principal", N_("Bureau and principal") },
	{ 0 },
};

const struct kind_enum_label kind_enum_education_slot[] = {
	{ "daily_1", N_("1 minute before dismissal") },
	{ "weekly_10", N_("10 minutes at the weekly assembly") },
	{ "weekend_5", N_("5 minutes before the weekend") },
	{ "holiday_30", N_("30 minutes before a holiday") },
	{ 0 },
};

const struct kind_enum_label kind_enum_education_topic[] = {
	{ "epidemic", N_("Epidemic control") },
	{ "fire", N_("Fire safety") },
	{ "traffic", N_("Traffic") },
	{ "anti_bullying", N_("Preventing bullying") },
	{ "drowning", N_("Preventing drowning") },
	{ "infectious_disease", N_("Infectious disease") },
	{ "other", N_("Other") },
	{ "food_safety", N_("Food safety") },
	{ "natural_disaster", N_("Disaster prevention") },
	{ 0 },
};

const struct kind_enum_label kind_enum_education_channel[] = {
	{ "class_meeting", N_("Class meeting") },
	{ "class_group", N_("Class messaging group") },
	{ "lecture", N_("Lecture") },
	{ "parent_letter", N_("Letter to parents") },
	{ "public_account", N_("Public-account post") },
	{ "education_platform", N_("Safety education platform") },
	{ "assembly", N_("School assembly") },
	{ "drill", N_("Drill") },
	{ "other", N_("Other") },
	{ 0 },
};

const struct kind_enum_label kind_enum_drill_scenario[] = {
	{ "fire", N_("Fire") },
	{ "earthquake", N_("Earthquake") },
	{ "flood", N_("Flood") },
	{ "intruder", N_("Intruder") },
	{ "gas_leak", N_("Gas leak") },
	{ "other", N_("Other") },
	{ 0 },
};

/* a drill's segments (';'-separated, rules.c drill_segments) */
const struct kind_enum_label kind_enum_drill_segment[] = {
	{ "principal", N_("Principal's remarks") },
	{ "teacher", N_("Teachers' briefing") },
	{ "student", N_("Students' drill") },
	{ "other", N_("Other") },
	{ 0 },
};

const struct kind_enum_label kind_enum_inspection_level[] = {
	{ "leadership", N_("Leadership group check") },
	{ "department", N_("Department's own check") },
	{ "responsible_daily", N_("Responsible person's daily check") },
	{ "anyone", N_("Any staff member, any time") },
	{ 0 },
};

const struct kind_enum_label kind_enum_inspection_focus[] = {
	{ "fire", N_("Fire safety") },
	{ "building", N_("Buildings") },
	{ "facility", N_("Facilities and equipment") },
	{ "defence_people", N_("People defence") },
	{ "defence_physical", N_("Physical defence") },
	{ "defence_technical", N_("Technical defence") },
	{ "other", N_("Other") },
	{ 0 },
};

const struct kind_enum_label kind_enum_linkage_partner[] = {
	{ "police", N_("Police station") },
	{ "traffic_police", N_("Traffic police") },
	{ "urban_management", N_("Urban management") },
	{ "health", N_("Health authority") },
	{ "parents_committee", N_("Parents' committee") },
	{ "other", N_("Other") },
	{ "fire_service", N_("Fire and rescue") },
	{ 0 },
};

const struct kind_enum_label kind_enum_gate_shift[] = {
	{ "morning", N_("Morning arrival") },
	{ "afternoon", N_("Afternoon dismissal") },
	{ 0 },
};

const struct kind_enum_label kind_enum_bus_direction[] = {
	{ "to_school", N_("To school") },
	{ "from_school", N_("From school") },
	{ 0 },
};

const struct kind_enum_label kind_enum_equipment_type[] = {
	{ "gas_alarm", N_("Gas-leak alarm") },
	{ "gas_valve", N_("Emergency cut-off valve") },
	{ "extinguisher", N_("Fire extinguisher") },
	{ "hydrant", N_("Hydrant") },
	{ "surveillance", N_("Surveillance") },
	{ "other", N_("Other") },
	{ 0 },
};

const struct kind_enum_label kind_enum_equipment_result[] = {
	{ "ok", N_("Passed") },
	{ "fault", N_("Fault found") },
	{ "replaced", N_("Replaced") },
	{ 0 },
};

const struct kind_enum_label kind_enum_risk_status[] = {
	{ "open", N_("Open") },
	{ "mitigated", N_("Mitigated") },
	{ "removed", N_("Removed") },
	{ 0 },
};

const struct kind_enum_label kind_enum_notice_campaign[] = {
	{ "none", N_("No campaign") },
	{ "safety_education_day", N_("Safety education day") },
	{ "national_security_day", N_("National security education day") },
	{ "disaster_prevention_day", N_("Disaster prevention day") },
	{ "safety_month", N_("Safety education month") },
	{ "fire_day_119", N_("\"119\" fire safety day") },
	{ "helmet_belt", N_("\"One helmet, one belt\"") },
	{ "drowning", N_("Preventing drowning") },
	{ "other", N_("Other") },
	{ 0 },
};

const struct kind_enum_label kind_enum_staff_role[] = {
	{ "principal", N_("Principal") },
	{ "vice_principal", N_("Vice principal in charge") },
	{ "department_head", N_("Department head") },
	{ "head_teacher", N_("Head teacher") },
	{ "subject_teacher", N_("Subject teacher") },
	{ "security_guard", N_("Security guard") },
	{ "canteen_staff", N_("Canteen staff") },
	{ "bus_staff", N_("Bus driver or attendant") },
	{ "parent_volunteer", N_("Parent volunteer") },
	{ "logistics", N_("Logistics office") },
	{ "bureau_officer", N_("Bureau officer") },
	{ 0 },
};
