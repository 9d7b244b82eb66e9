/* Kinds whose only behaviour is what people see: labels (English, Chinese)
 * of the kind and of each field, in form order. The web interface and the
 * forms read them; the CLI's help does too. One entry each, registered in
 * kinds.c like every other. */
#include "kind_ops.h"

#define FIELDS(a) .fields = a, .nfields = sizeof a / sizeof a[0]

static const struct kind_field_ui school_profile_fields[] = {
	{"name", "School name", "学校名称", NULL, NULL, NULL, KF_NONE, NULL},
	{"founded_year", "Founded", "建校年份", NULL, NULL, NULL, KF_NONE, NULL},
	{"site_area_m2", "Site area (m²)", "占地面积", NULL, NULL, NULL, KF_NONE, NULL},
	{"building_area_m2", "Floor area (m²)", "建筑面积", NULL, NULL, NULL, KF_NONE, NULL},
	{"staff_count", "Staff", "教职工数", NULL, NULL, NULL, KF_NONE, NULL},
	{"class_count", "Classes", "班级数", NULL, NULL, NULL, KF_NONE, NULL},
	{"student_count", "Students", "学生数", NULL, NULL, NULL, KF_NONE, NULL},
	{"boarding_students", "Boarders", "住校生数", NULL, NULL, NULL, KF_NONE, NULL},
	{"campus_count", "Campuses", "校区数", NULL, NULL, NULL, KF_NONE, NULL},
	{"current_level", "Current level", "现有等级", NULL, NULL, NULL, KF_NONE, NULL},
	{"target_level", "Target level", "创建目标", NULL, NULL, NULL, KF_NONE, NULL},
	{"bus_count", "School buses", "校车数", NULL, NULL, NULL, KF_NONE, NULL},
	{"bus_riders", "Bus riders", "乘车学生数", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_school_profile = {
	.kind = "school_profile",
	.label = "School profile",
	.label_zh = "学校概况",
	FIELDS(school_profile_fields),
};

static const struct kind_field_ui school_class_fields[] = {
	{"grade", "Grade", "年级", NULL, NULL, NULL, KF_NONE, NULL},
	{"name", "Class", "班级名称", NULL, NULL, NULL, KF_NONE, NULL},
	{"head_teacher", "Head teacher", "班主任", NULL, NULL, NULL, KF_NONE, NULL},
	{"student_count", "Students", "学生数", NULL, NULL, NULL, KF_NONE, NULL},
	{"opened_date", "Opened", "建班日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"closed_date", "Closed", "结业日期", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_school_class = {
	.kind = "school_class",
	.label = "Class",
	.label_zh = "班级",
	FIELDS(school_class_fields),
};

static const struct kind_field_ui meeting_fields[] = {
	{"type", "Kind of meeting", "会议类型", NULL, NULL, NULL, KF_NONE, NULL},
	{"meeting_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"title", "Title", "主题", NULL, NULL, NULL, KF_NONE, NULL},
	{"attendees", "Attendees", "参会人数", NULL, NULL, NULL, KF_NONE, NULL},
	{"minutes", "Minutes", "会议纪要", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_meeting = {
	.kind = "meeting",
	.label = "Safety meeting",
	.label_zh = "安全会议",
	FIELDS(meeting_fields),
};

static const struct kind_field_ui policy_fields[] = {
	{"title", "Title", "名称", NULL, NULL, NULL, KF_NONE, NULL},
	{"type", "Kind", "类别", NULL, NULL, NULL, KF_NONE, NULL},
	{"version", "Version", "版本", NULL, NULL, NULL, KF_NONE, NULL},
	{"effective_date", "In force from", "施行日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"revised_date", "Revised", "修订日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"summary", "Summary", "内容摘要", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_policy = {
	.kind = "policy",
	.label = "Rule or plan",
	.label_zh = "制度与预案",
	FIELDS(policy_fields),
};

static const struct kind_field_ui education_fields[] = {
	{"school_class_id", "Class", "班级", NULL, NULL, NULL, KF_NONE, NULL},
	{"session_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"slot", "Slot", "时段", NULL, NULL, NULL, KF_NONE, NULL},
	{"topic", "Topic", "主题", NULL, NULL, NULL, KF_NONE, NULL},
	{"channel", "Channel", "形式", NULL, NULL, NULL, KF_NONE, NULL},
	{"teacher", "Teacher", "授课教师", NULL, NULL, NULL, KF_NONE, NULL},
	{"minutes", "Minutes", "时长（分钟）", NULL, NULL, NULL, KF_NONE, NULL},
	{"theme", "Theme", "内容", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_education = {
	.kind = "education",
	.label = "\"1530\" safety lesson",
	.label_zh = "“1530”安全教育",
	FIELDS(education_fields),
};

static const struct kind_field_ui lecture_fields[] = {
	{"lecture_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"speaker", "Speaker", "主讲人", NULL, NULL, NULL, KF_NONE, NULL},
	{"topic", "Topic", "主题", NULL, NULL, NULL, KF_NONE, NULL},
	{"audience", "Audience", "对象", NULL, NULL, NULL, KF_NONE, NULL},
	{"attendees", "Attendees", "参加人数", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_lecture = {
	.kind = "lecture",
	.label = "Legal vice-principal lecture",
	.label_zh = "法制副校长讲座",
	FIELDS(lecture_fields),
};

static const struct kind_field_ui drill_fields[] = {
	{"drill_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"theme", "Theme", "主题", NULL, NULL, NULL, KF_NONE, NULL},
	{"scenario", "Scenario", "演练类型", NULL, NULL, NULL, KF_NONE, NULL},
	{"plan_id", "Plan", "所用预案", NULL, NULL, NULL, KF_NONE, NULL},
	{"plan_ref", "Plan reference", "预案名称", NULL, NULL, NULL, KF_NONE, NULL},
	{"student_count", "Students", "参加学生数", NULL, NULL, NULL, KF_NONE, NULL},
	{"staff_count", "Staff", "参加教职工数", NULL, NULL, NULL, KF_NONE, NULL},
	{"evacuation_seconds", "Evacuation time (s)", "疏散用时（秒）", NULL, NULL, NULL, KF_NONE, NULL},
	{"segments", "Who took part", "参与环节", NULL, NULL, NULL, KF_NONE, NULL},
	{"feedback", "Review", "总结评估", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_drill = {
	.kind = "drill",
	.label = "Emergency drill",
	.label_zh = "应急演练",
	FIELDS(drill_fields),
};

static const struct kind_field_ui inspection_fields[] = {
	{"inspection_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"level", "Level", "排查层级", NULL, NULL, NULL, KF_NONE, NULL},
	{"focus", "Focus", "重点", NULL, NULL, NULL, KF_NONE, NULL},
	{"inspector", "Inspector", "检查人", NULL, NULL, NULL, KF_NONE, NULL},
	{"location", "Where", "地点", NULL, NULL, NULL, KF_NONE, NULL},
	{"findings", "Findings", "发现问题", NULL, NULL, NULL, KF_NONE, NULL},
	{"hazards_found", "Hazards found", "隐患数", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_inspection = {
	.kind = "inspection",
	.label = "Safety inspection",
	.label_zh = "安全排查",
	FIELDS(inspection_fields),
};

static const struct kind_field_ui linkage_fields[] = {
	{"activity_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"partner", "Partner", "合作方", NULL, NULL, NULL, KF_NONE, NULL},
	{"partner_name", "Partner name", "单位名称", NULL, NULL, NULL, KF_NONE, NULL},
	{"activity", "Activity", "活动内容", NULL, NULL, NULL, KF_NONE, NULL},
	{"participants", "Participants", "参加人数", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_linkage = {
	.kind = "linkage",
	.label = "Joint activity",
	.label_zh = "家校社联动",
	FIELDS(linkage_fields),
};

static const struct kind_field_ui gate_duty_fields[] = {
	{"duty_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"shift", "Shift", "时段", NULL, NULL, NULL, KF_NONE, NULL},
	{"leader", "Leader on duty", "值班领导", NULL, NULL, NULL, KF_NONE, NULL},
	{"teacher", "Teacher", "值班教师", NULL, NULL, NULL, KF_NONE, NULL},
	{"guard", "Guard", "保安", NULL, NULL, NULL, KF_NONE, NULL},
	{"parent_volunteers", "Parent volunteers", "家长志愿者", NULL, NULL, NULL, KF_NONE, NULL},
	{"incidents", "Incidents", "情况记录", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_gate_duty = {
	.kind = "gate_duty",
	.label = "Gate duty",
	.label_zh = "护学岗",
	FIELDS(gate_duty_fields),
};

static const struct kind_field_ui equipment_check_fields[] = {
	{"equipment_id", "Equipment", "设备", NULL, NULL, NULL, KF_NONE, NULL},
	{"check_date", "Date", "日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"result", "Result", "结果", NULL, NULL, NULL, KF_NONE, NULL},
	{"checker", "Checked by", "检查人", NULL, NULL, NULL, KF_NONE, NULL},
	{"note", "Note", "备注", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_equipment_check = {
	.kind = "equipment_check",
	.label = "Equipment check",
	.label_zh = "设备检查",
	FIELDS(equipment_check_fields),
};

static const struct kind_field_ui calendar_fields[] = {
	{"term_name", "Term", "学期", NULL, NULL, NULL, KF_NONE, NULL},
	{"term_start_date", "Term starts", "开学日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"term_end_date", "Term ends", "结束日期", NULL, NULL, NULL, KF_NONE, NULL},
	{"holidays", "Holidays", "节假日", NULL, NULL, NULL, KF_NONE, NULL},
	{"makeup_days", "Make-up school days", "调休上课日", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_calendar = {
	.kind = "calendar",
	.label = "School calendar",
	.label_zh = "校历",
	FIELDS(calendar_fields),
};
