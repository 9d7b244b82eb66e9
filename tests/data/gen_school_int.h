/* Internal to the school generator (gen_school.c: names, helpers, the standing
 * records and the run of one school; gen_school_teach.c: the 1530 sessions,
 * lectures, linkage, meetings and drills; gen_school_check.c: inspections and
 * hazards, gate duty, trips, equipment, risks and notice answers): the state
 * of one school and the helpers all three use. */
#ifndef SCGEN_GEN_SCHOOL_INT_H
#define SCGEN_GEN_SCHOOL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "gen.h"

#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x
#define BC(x) SAFECAMPUS__RECORD__BODY_##x
#define TOPIC(x) SAFECAMPUS__EDUCATION_TOPIC__EDUCATION_TOPIC_##x
#define CHAN(x) SAFECAMPUS__EDUCATION_CHANNEL__EDUCATION_CHANNEL_##x
#define SLOT(x) SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_##x
#define SCEN(x) SAFECAMPUS__DRILL_SCENARIO__DRILL_SCENARIO_##x
#define FOCUS(x) SAFECAMPUS__INSPECTION_FOCUS__INSPECTION_FOCUS_##x
#define ILEVEL(x) SAFECAMPUS__INSPECTION_LEVEL__INSPECTION_LEVEL_##x
#define AREA(x) SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_##x
#define SEV(x) SAFECAMPUS__SEVERITY__SEVERITY_##x
#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x
#define HST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x
#define EQT(x) SAFECAMPUS__EQUIPMENT_TYPE__EQUIPMENT_TYPE_##x
#define EQR(x) SAFECAMPUS__EQUIPMENT_RESULT__EQUIPMENT_RESULT_##x
#define PARTNER(x) SAFECAMPUS__LINKAGE_PARTNER__LINKAGE_PARTNER_##x
#define MEET(x) SAFECAMPUS__MEETING_TYPE__MEETING_TYPE_##x
#define POL(x) SAFECAMPUS__POLICY_TYPE__POLICY_TYPE_##x
#define LEVEL(x) SAFECAMPUS__LETTER_LEVEL__LETTER_LEVEL_##x
#define RISK(x) SAFECAMPUS__RISK_STATUS__RISK_STATUS_##x
#define NACT(x) SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_##x

enum { NSTAFF = 71, NCLASSES = 24, NBUSES = 7, NRIDERS = 296, NSCEN = 7 };

/* Staff, by index: the layout of the example school's 71. */
enum {
	S_PRINCIPAL = 0,
	S_VICE = 1,       /* 2: [0] safety and logistics, [1] teaching */
	S_DEPT = 3,       /* 4: 教导处, 德育处, 总务处, 办公室 */
	S_HEAD = 7,       /* 24 head teachers, one per class */
	S_SUBJECT = 31,   /* 28 subject teachers */
	S_GUARD = 59,     /* 4 */
	S_CANTEEN = 63,   /* 4 */
	S_LOGISTICS = 67, /* 2 */
	S_BUS = 69,       /* 2 */
};
#define N_SUBJECT 28
#define N_GUARD 4

/* the departments of S_DEPT.. (gen_school.c) */
extern const char *const sch_dept_names[4];

struct person {
	const char *id, *name, *dept;
	int role;
};

struct klass {
	const char *id, *name;
	int grade, students, campus;
	double miss; /* this class's share of missed sessions */
};

struct bus {
	const char *id, *plate, *driver, *attendant;
	int riders;
};

struct sch {
	struct gen *g;
	struct unit *u;
	struct rng *R;
	struct arena *a;
	struct school_stats *st;
	const struct calendar *cal;
	int idx;
	const char *campus[3];
	int ncampus;
	double dil; /* diligence: 1 = everything on time */
	const char *place, *place_py;
	int students;
	struct person staff[NSTAFF];
	struct klass cls[NCLASSES];
	struct bus buses[NBUSES];
	const char *plan_id[NSCEN], *plan_title[NSCEN]; /* emergency plan by drill scenario */
	int setup_day;                                  /* when the standing records were entered */
};

/* a place a school is named after: Chinese and pinyin */
struct place {
	const char *zh, *py;
};
#define NPLACES 20
/* the places, by (school index - 1) % NPLACES (gen_school.c) */
extern const struct place sch_places[NPLACES];

/* helpers (gen_school.c) */
/* a name for someone outside the staff (drivers, police officers) */
char *sch_outsider(struct sch *s);
/* the date of day as text (cached for the period, else in the arena) */
const char *sch_date(struct sch *s, int day);
/* a new record of body case bc on campus index campus (unit_record) */
Safecampus__Record *sch_rec(struct sch *s, int bc, int campus, int day, int minute, void *payload);
/* checks r and appends it to the school's unit (unit_emit) */
void sch_emit(struct sch *s, Safecampus__Record *r);
/* the name of staff member i */
const char *sch_nm(struct sch *s, int i);
/* index in cal->days of the first school day >= day (ndays if none) */
size_t sch_sday_at(const struct calendar *c, int day);
/* the first school day >= day within the period, or -1 */
int sch_school_day(const struct sch *s, int day);
/* true if day is set and not after today */
bool sch_done(const struct sch *s, int day);
/* the month (1..12) of day */
int sch_month_of(int day);
/* the diligence-scaled probability of a lapse: base .. base + worse */
double sch_lapse(const struct sch *s, double base, double worse);

/* the sections of gen_school_teach.c */
void sch_gen_education(struct sch *s);
void sch_gen_lectures(struct sch *s);
void sch_gen_linkage(struct sch *s);
void sch_gen_meetings(struct sch *s);
void sch_gen_drills(struct sch *s);

/* the sections of gen_school_check.c */
void sch_gen_inspections(struct sch *s);
void sch_gen_gate(struct sch *s);
void sch_gen_trips(struct sch *s);
void sch_gen_equipment(struct sch *s);
void sch_gen_risks(struct sch *s);
void sch_gen_notice_answers(struct sch *s);

#endif
