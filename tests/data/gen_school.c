/* One school's safety work over the period, modelled on the example school of
 * DOMAIN.md and the report in seed/safe-campus-work-summary.zh.txt: 71 staff,
 * 24 classes (grades 1-6 x 4), 7 buses carrying 296 riders, the "1530" sessions
 * in every class, a drill most months, inspections at the four levels with the
 * hazards they find and their rectification, gate duty, bus trips, equipment
 * checks, the canteen's bottled-LPG risk, and the school's answers to the
 * bureau's notices.
 *
 * Each school has a diligence in [0, 1] drawn from its stream (school01, the
 * example school, is a good one); gaps, late work and overdue items are drawn
 * with probabilities that grow as diligence falls, so the district has a
 * spread to rank. Nothing dated after `today` is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "indicators.h"
#include "hlc.h"

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

static const char *const dept_names[4] = { "教导处", "德育处", "总务处", "办公室" };

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

/* ------------------------------------------------------------------ names */

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
					"徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
					"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
					"彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余",
					"杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "姚",
					"卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石",
					"贾", "夏", "方", "邹", "孟", "秦", "江", "薛", "顾", "钱",
					"严", "戴", "汤", "华", "承", NULL };

static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
				     "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
				     "刚", "英", "华", "玉", "萍", "红", "玲", "芬", "燕", "彬",
				     "鑫", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁",
				     "林", "欣", "佳", "琳", "晨", "雪", "婷", "倩", "颖", "慧",
				     "莉", "琴", "云", "莹", "晶", "怡", "梅", "蕾", "薇", "丹",
				     "建", "国", "志", "文", "新", "春", "海", "峰", "亮", "晓",
				     "雯", "露", "洁", "瑜", "蓉", NULL };

static const struct place {
	const char *zh, *py;
} places[] = {
	{ "吕墅", "Lüshu" },        { "薛家", "Xuejia" },     { "罗溪", "Luoxi" },
	{ "孟河", "Menghe" },       { "西夏墅", "Xixiashu" }, { "奔牛", "Benniu" },
	{ "新桥", "Xinqiao" },      { "春江", "Chunjiang" },  { "魏村", "Weicun" },
	{ "安家", "Anjia" },        { "百丈", "Baizhang" },   { "圩塘", "Weitang" },
	{ "汤庄", "Tangzhuang" },   { "河海", "Hehai" },      { "三井", "Sanjing" },
	{ "龙虎塘", "Longhutang" }, { "小河", "Xiaohe" },     { "万绥", "Wansui" },
	{ "浦河", "Puhe" },         { "石桥", "Shiqiao" },
};
#define NPLACES (int)(sizeof places / sizeof places[0])

static const char *const cn_num[] = {
	"", "", "二", "三", "四", "五", "六", "七", "八", "九", "十"
};
static const char *const cn_grade[] = { "", "一", "二", "三", "四", "五", "六" };

static char *person_name(struct sch *s, const char **taken, int ntaken)
{
	for (;;) {
		const char *sn = rng_pick(s->R, surnames);
		const char *g1 = rng_pick(s->R, given);
		char buf[32];
		if (rng_chance(s->R, 0.7))
			snprintf(buf, sizeof buf, "%s%s%s", sn, g1, rng_pick(s->R, given));
		else
			snprintf(buf, sizeof buf, "%s%s", sn, g1);
		int dup = 0;
		for (int i = 0; i < ntaken && !dup; i++)
			dup = taken[i] && !strcmp(taken[i], buf);
		if (!dup)
			return arena_strdup(s->a, buf);
	}
}

/* A name for someone outside the staff (drivers, police officers). */
static char *outsider(struct sch *s)
{
	return person_name(s, NULL, 0);
}

/* ------------------------------------------------------------------ helpers */

static char (*dcache)[11];
static int dcache_base, dcache_n;

static const char *D(struct sch *s, int day)
{
	if (!dcache) {
		dcache_base = s->cal->start - 800;
		dcache_n = s->cal->end - s->cal->start + 1600;
		dcache = malloc((size_t)dcache_n * sizeof *dcache);
		if (!dcache)
			abort();
		for (int i = 0; i < dcache_n; i++)
			day_fmt(dcache_base + i, dcache[i]);
	}
	if (day >= dcache_base && day < dcache_base + dcache_n)
		return dcache[day - dcache_base];
	return arena_day(s->a, day);
}

static Safecampus__Record *rec(struct sch *s, int bc, int campus, int day, int minute,
			       void *payload)
{
	return unit_record(s->u, bc, s->campus[campus], day, minute, (void **)payload);
}

static void emit(struct sch *s, Safecampus__Record *r)
{
	unit_emit(s->u, r);
}

static const char *nm(struct sch *s, int i)
{
	return s->staff[i].name;
}

/* Index in cal->days of the first school day >= day (ndays if none). */
static size_t sday_at(const struct calendar *c, int day)
{
	size_t lo = 0, hi = c->ndays;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first school day >= day within the period, or -1. */
static int school_day(const struct sch *s, int day)
{
	size_t i = sday_at(s->cal, day);

	return i < s->cal->ndays ? s->cal->days[i].day : -1;
}

static bool done(const struct sch *s, int day)
{
	return day >= 0 && day <= s->cal->today;
}

static int month_of(int day)
{
	int y, m, d;

	day_split(day, &y, &m, &d);
	return m;
}

/* The diligence-scaled probability of a lapse: base for a perfect school,
 * base + worse for the worst. */
static double lapse(const struct sch *s, double base, double worse)
{
	return base + (1.0 - s->dil) * worse;
}

/* ------------------------------------------------------------------ months */

static const struct mtheme {
	const char *theme;
	int topic, scenario;
	const char *drill;
} mthemes[13] = {
	[1] = { "寒假安全（防溺水、防火、防一氧化碳中毒）", TOPIC(FIRE), SCEN(FIRE),
		"寒假前消防疏散演练" },
	[2] = { "开学安全第一课", TOPIC(TRAFFIC), SCEN(EARTHQUAKE), "开学应急疏散演练" },
	[3] = { "全国中小学生安全教育日", TOPIC(TRAFFIC), SCEN(EARTHQUAKE), "防震应急疏散演练" },
	[4] = { "国家安全教育与预防欺凌", TOPIC(ANTI_BULLYING), SCEN(INTRUDER),
		"防暴反恐应急演练" },
	[5] = { "防灾减灾", TOPIC(NATURAL_DISASTER), SCEN(EARTHQUAKE), "防灾减灾日地震疏散演练" },
	[6] = { "预防溺水", TOPIC(DROWNING), SCEN(FLOOD), "防汛防溺水应急演练" },
	[7] = { "暑期安全", TOPIC(DROWNING), SCEN(FIRE), "消防疏散演练" },
	[8] = { "暑期安全", TOPIC(DROWNING), SCEN(FIRE), "消防疏散演练" },
	[9] = { "开学交通安全", TOPIC(TRAFFIC), SCEN(FIRE), "开学消防应急疏散演练" },
	[10] = { "预防校园欺凌", TOPIC(ANTI_BULLYING), SCEN(INTRUDER), "防暴反恐应急演练" },
	[11] = { "119消防安全", TOPIC(FIRE), SCEN(FIRE), "“119”消防疏散演练" },
	[12] = { "冬季传染病预防与用气安全", TOPIC(INFECTIOUS_DISEASE), SCEN(GAS_LEAK),
		 "食堂燃气泄漏应急演练" },
};

static const int topics[] = {
	TOPIC(EPIDEMIC),    TOPIC(FIRE),
	TOPIC(TRAFFIC),     TOPIC(ANTI_BULLYING),
	TOPIC(DROWNING),    TOPIC(INFECTIOUS_DISEASE),
	TOPIC(FOOD_SAFETY), TOPIC(NATURAL_DISASTER),
	TOPIC(OTHER),
};

/* ------------------------------------------------------------------ setup */

static void make_people(struct sch *s)
{
	const char *taken[NSTAFF];

	for (int i = 0; i < NSTAFF; i++) {
		struct person *p = &s->staff[i];
		taken[i] = NULL;
		p->name = person_name(s, taken, i);
		taken[i] = p->name;
		if (i == S_PRINCIPAL) {
			p->role = ROLE(PRINCIPAL);
			p->dept = "校长室";
		} else if (i < S_DEPT) {
			p->role = ROLE(VICE_PRINCIPAL);
			p->dept = "校长室";
		} else if (i < S_HEAD) {
			p->role = ROLE(DEPARTMENT_HEAD);
			p->dept = dept_names[i - S_DEPT];
		} else if (i < S_SUBJECT) {
			p->role = ROLE(HEAD_TEACHER);
			p->dept = arena_printf(s->a, "%s年级组", cn_grade[(i - S_HEAD) / 4 + 1]);
		} else if (i < S_GUARD) {
			static const char *const groups[] = { "语文组", "数学组", "英语组",
							      "综合组" };
			p->role = ROLE(SUBJECT_TEACHER);
			p->dept = groups[(i - S_SUBJECT) % 4];
		} else if (i < S_CANTEEN) {
			p->role = ROLE(SECURITY_GUARD);
			p->dept = "保卫科";
		} else if (i < S_LOGISTICS) {
			p->role = ROLE(CANTEEN_STAFF);
			p->dept = "食堂";
		} else if (i < S_BUS) {
			p->role = ROLE(LOGISTICS);
			p->dept = "总务处";
		} else {
			p->role = ROLE(BUS_STAFF);
			p->dept = "校车管理";
		}
	}
}

static void make_campuses(struct sch *s)
{
	s->campus[0] = "main";
	s->ncampus = 1;
	if (s->idx == 1) {
		s->ncampus = 2;
	} else {
		double x = rng_unit(s->R);
		s->ncampus = x < 0.70 ? 1 : x < 0.92 ? 2 : 3;
	}
	if (s->ncampus > 1)
		s->campus[1] = "east";
	if (s->ncampus > 2)
		s->campus[2] = "north";
}

static void gen_profile(struct sch *s)
{
	Safecampus__SchoolProfile *p;
	Safecampus__Record *r = rec(s, BC(SCHOOL_PROFILE), 0, s->setup_day, 9 * 60, &p);
	int v = (s->idx - 1) / NPLACES;
	const struct place *pl = &places[(s->idx - 1) % NPLACES];
	static const char *const variant_py[] = { "",       "Central ", "Experimental ", "No. 2 ",
						  "No. 3 ", "No. 4 ",   "No. 5 ",        "No. 6 ",
						  "No. 7 ", "No. 8 ",   "No. 9 " };

	if (v == 0)
		p->name = arena_printf(s->a, "%s小学 (%s Primary School)", pl->zh, pl->py);
	else if (v == 1)
		p->name = arena_printf(s->a, "%s中心小学 (%s Central Primary School)", pl->zh,
				       pl->py);
	else if (v == 2)
		p->name = arena_printf(s->a, "%s实验小学 (%s Experimental Primary School)", pl->zh,
				       pl->py);
	else if (v <= 10)
		p->name = arena_printf(s->a, "%s第%s小学 (%s %sPrimary School)", pl->zh,
				       cn_num[v - 1], pl->py, variant_py[v]);
	else
		p->name = arena_printf(s->a, "%s第%d小学 (%s No. %d Primary School)", pl->zh, v - 1,
				       pl->py, v - 1);
	if (s->idx == 1) {
		p->founded_year = 1952;
		p->site_area_m2 = 16800;
		p->building_area_m2 = 7786.6;
		p->current_level = "区级平安校园（2009年）";
	} else {
		p->founded_year = rng_int(s->R, 1905, 2015);
		p->site_area_m2 = 100.0 * rng_int(s->R, 90, 300);
		p->building_area_m2 =
			(double)(int)(p->site_area_m2 * (0.35 + 0.25 * rng_unit(s->R))) +
			0.1 * rng_int(s->R, 0, 9);
		p->current_level = (char *)rng_pick(
			s->R, (const char *const[]){
				      "区级平安校园（2009年）", "区级平安校园（2013年）",
				      "市级平安校园（2016年）", "区级平安校园（2018年）", NULL });
	}
	p->target_level = strstr(p->current_level, "市级") ? "省级平安校园" : "市级平安校园";
	p->staff_count = NSTAFF;
	p->class_count = NCLASSES;
	p->student_count = s->students;
	p->boarding_students = 0;
	p->campus_count = s->ncampus;
	p->bus_count = NBUSES;
	p->bus_riders = NRIDERS;
	emit(s, r);
}

static void gen_staff(struct sch *s)
{
	for (int i = 0; i < NSTAFF; i++) {
		Safecampus__Staff *p;
		Safecampus__Record *r = rec(s, BC(STAFF), 0, s->setup_day, 9 * 60 + 5, &p);
		struct person *pe = &s->staff[i];
		pe->id = r->id;
		p->name = (char *)pe->name;
		p->staff_role = (Safecampus__StaffRole)pe->role;
		p->department = (char *)pe->dept;
		int y = rng_int(s->R, 1992, 2025);
		p->joined_date =
			(char *)D(s, day_make(y, rng_chance(s->R, 0.8) ? 8 : rng_int(s->R, 1, 12),
					      rng_int(s->R, 1, 28)));
		if (day_make(y, 1, 1) > s->setup_day)
			p->joined_date = (char *)D(s, s->setup_day - 30);
		emit(s, r);
	}
	if (s->st)
		s->st->staff = NSTAFF;
}

static void gen_classes(struct sch *s)
{
	int base = s->students / NCLASSES, extra = s->students % NCLASSES;
	int worse = rng_int(s->R, 0, s->dil < 0.7 ? 4 : 2);

	for (int i = 0; i < NCLASSES; i++) {
		struct klass *k = &s->cls[i];
		Safecampus__SchoolClass *p;
		k->grade = i / 4 + 1;
		/* grades 1-2 at the second campus, grade 3 at the third */
		k->campus = 0;
		if (s->ncampus > 1 && k->grade <= 2)
			k->campus = 1;
		if (s->ncampus > 2 && k->grade == 3)
			k->campus = 2;
		Safecampus__Record *r =
			rec(s, BC(SCHOOL_CLASS), k->campus, s->setup_day, 9 * 60 + 10, &p);
		k->id = r->id;
		k->name = arena_printf(s->a, "%s年级%d班", cn_grade[k->grade], i % 4 + 1);
		k->students = base + (i < extra ? 1 : 0);
		k->miss = 1.0;
		p->grade = k->grade;
		p->name = (char *)k->name;
		p->head_teacher = (char *)nm(s, S_HEAD + i);
		p->student_count = k->students;
		/* the class opened when its pupils started grade 1 */
		int y, m, d;
		day_split(s->setup_day, &y, &m, &d);
		if (m < 8)
			y--;
		p->opened_date = (char *)D(s, day_make(y - k->grade + 1, 9, 1));
		emit(s, r);
	}
	/* some classes are worse at "1530" than the rest */
	for (int j = 0; j < worse; j++)
		s->cls[rng_below(s->R, NCLASSES)].miss = 3.0 + 5.0 * rng_unit(s->R);
}

static const struct policy_tpl {
	const char *title;
	int type;
	int scenario; /* emergency plan for this drill scenario, or 0 */
	const char *summary;
} policy_tpls[] = {
	{ "教师值日制度", POL(RULE), 0, "值日教师到岗时间、巡查路线和交接要求" },
	{ "疫情防控期间学校保安工作职责", POL(RULE), 0,
	  "保安在校门测温、登记、值守和巡逻中的职责" },
	{ "外来人员出入校园管理制度", POL(RULE), 0, "外来人员登记、核实、陪同和离校登记" },
	{ "安全值班工作方案", POL(IMPLEMENTATION_PLAN), 0,
	  "节假日和夜间值班安排、联系方式和报告程序" },
	{ "%s安全隐患排查整改实施方案", POL(IMPLEMENTATION_PLAN), 0,
	  "领导小组集中查、处室自己查、责任人每日查、全体教工时刻查；全覆盖、零容忍、严管理、重实"
	  "效" },
	{ "校车安全管理制度", POL(RULE), 0, "校车上下车清点、随车照管、车辆检验和驾驶员管理" },
	{ "消防安全应急疏散预案", POL(EMERGENCY_PLAN), SCEN(FIRE),
	  "火情报告、疏散路线、集合点和分工" },
	{ "地震应急疏散预案", POL(EMERGENCY_PLAN), SCEN(EARTHQUAKE),
	  "避震姿势、疏散顺序和清点人数" },
	{ "防暴反恐应急处置预案", POL(EMERGENCY_PLAN), SCEN(INTRUDER),
	  "校门封控、报警、护卫学生和防护器械使用" },
	{ "食堂燃气泄漏应急预案", POL(EMERGENCY_PLAN), SCEN(GAS_LEAK),
	  "关阀、通风、禁火、疏散和报告" },
	{ "防汛防溺水应急预案", POL(EMERGENCY_PLAN), SCEN(FLOOD),
	  "汛期值班、危险水域排查和溺水事故处置" },
	{ "校园突发事件总体应急预案", POL(EMERGENCY_PLAN), SCEN(OTHER),
	  "组织机构、响应分级、处置流程和善后" },
};

static void gen_policies(struct sch *s)
{
	int y, m, d;

	day_split(s->setup_day, &y, &m, &d);
	for (size_t i = 0; i < sizeof policy_tpls / sizeof policy_tpls[0]; i++) {
		const struct policy_tpl *t = &policy_tpls[i];
		Safecampus__Policy *p;
		Safecampus__Record *r = rec(s, BC(POLICY), 0, s->setup_day, 14 * 60 + (int)i, &p);
		int eff = day_make(rng_int(s->R, 2015, y - 1), rng_int(s->R, 1, 12),
				   rng_int(s->R, 1, 28));
		int rev = s->setup_day - rng_int(s->R, 0, 20);
		bool revised = rng_chance(s->R, 0.7);
		p->title = strstr(t->title, "%s")
				   ? arena_printf(s->a, "%s小学安全隐患排查整改实施方案",
						  places[(s->idx - 1) % NPLACES].zh)
				   : (char *)t->title;
		p->type = (Safecampus__PolicyType)t->type;
		p->version = revised ? arena_printf(s->a, "%d年修订", y)
				     : arena_printf(s->a, "%d年版", y - 1);
		p->effective_date = (char *)D(s, eff);
		if (revised)
			p->revised_date = (char *)D(s, rev);
		p->summary = (char *)t->summary;
		if (t->scenario) {
			s->plan_id[t->scenario] = r->id;
			s->plan_title[t->scenario] = p->title;
		}
		emit(s, r);
	}
}

/* Responsibility letters for each calendar year the period touches, signed in
 * the first two weeks of the first term of that year: bureau <-> principal,
 * principal <-> vices, vices <-> department heads, department heads <-> every
 * other member of staff. About 3% of staff do not sign. */
static void gen_letters(struct sch *s)
{
	int last_year = 0;

	for (int t = 0; t < s->cal->nterms; t++) {
		int y, m, d;
		day_split(s->cal->terms[t].start, &y, &m, &d);
		if (y == last_year)
			continue;
		last_year = y;
		size_t i0 = sday_at(s->cal, s->cal->terms[t].start);
		int signed_n = 0;
		for (int i = 0; i < NSTAFF; i++) {
			int counter, level, lag;
			if (i == S_PRINCIPAL) {
				level = LEVEL(OTHER);
				counter = -1;
				lag = 0;
			} else if (i < S_DEPT) {
				level = LEVEL(PRINCIPAL_VICE);
				counter = S_PRINCIPAL;
				lag = rng_int(s->R, 0, 1);
			} else if (i < S_HEAD) {
				level = LEVEL(VICE_DEPARTMENT);
				counter = S_VICE + (i - S_DEPT) % 2;
				lag = rng_int(s->R, 1, 3);
			} else if (i < S_GUARD) {
				level = LEVEL(DEPARTMENT_TEACHER);
				counter = i < S_SUBJECT ? S_DEPT + 1 : S_DEPT;
				lag = rng_int(s->R, 2, 9);
			} else {
				level = LEVEL(OTHER);
				counter = S_DEPT + 2;
				lag = rng_int(s->R, 2, 9);
			}
			if (i >= S_DEPT && rng_chance(s->R, lapse(s, 0.015, 0.1)))
				continue;
			if (i0 + (size_t)lag >= s->cal->ndays)
				continue;
			int day = s->cal->days[i0 + (size_t)lag].day;
			if (!done(s, day))
				continue;
			Safecampus__Letter *p;
			Safecampus__Record *r = rec(s, BC(LETTER), 0, day, 15 * 60 + i % 60, &p);
			p->year = y;
			p->level = (Safecampus__LetterLevel)level;
			p->signer = (char *)nm(s, i);
			p->signer_staff_id = (char *)s->staff[i].id;
			p->counter_signer = counter < 0
						    ? arena_printf(s->a, "区教育局 %s", outsider(s))
						    : (char *)nm(s, counter);
			p->signed_date = (char *)D(s, day);
			emit(s, r);
			signed_n++;
		}
		if (s->st)
			s->st->letters = signed_n;
	}
}

static void gen_buses(struct sch *s)
{
	static const char *const companies[] = { "安达校车公司", "常运校车服务有限公司",
						 "新北公交校车分公司", NULL };
	const char *company = s->idx == 1 ? companies[0] : rng_pick(s->R, companies);
	int overdue = rng_chance(s->R, lapse(s, 0.1, 0.45)) ? (int)rng_below(s->R, NBUSES) : -1;
	int serial = 0;

	for (int b = 0; b < NBUSES; b++) {
		struct bus *bu = &s->buses[b];
		Safecampus__Bus *p;
		Safecampus__Record *r = rec(s, BC(BUS), 0, s->setup_day, 10 * 60 + b, &p);
		bu->id = r->id;
		bu->riders = NRIDERS / NBUSES + (b < NRIDERS % NBUSES ? 1 : 0);
		bu->plate = arena_printf(s->a, "苏D·%c%04u", 'A' + (char)((s->idx * 7 + b) % 26),
					 (unsigned)rng_int(s->R, 1000, 9999));
		bu->driver = outsider(s);
		bu->attendant = outsider(s);
		p->plate = (char *)bu->plate;
		p->seats = rng_int(s->R, 45, 56);
		p->company = (char *)company;
		p->driver = (char *)bu->driver;
		p->attendant = (char *)bu->attendant;
		/* school buses are inspected every six months */
		p->next_inspection_date =
			(char *)D(s, b == overdue ? s->cal->today - rng_int(s->R, 3, 40)
						  : s->cal->today + rng_int(s->R, 7, 180));
		emit(s, r);
		for (int k = 0; k < bu->riders; k++) {
			Safecampus__BusRider *q;
			Safecampus__Record *rr =
				rec(s, BC(BUS_RIDER), 0, s->setup_day, 10 * 60 + 30, &q);
			q->bus_id = (char *)bu->id;
			q->student_ref = arena_printf(s->a, "S%03d-%04d", s->idx, ++serial);
			emit(s, rr);
		}
	}
}

/* ------------------------------------------------------------------ 1530 */

static const char *campaign_theme(struct sch *s, int day)
{
	for (int i = 0; i < s->g->nnotices; i++) {
		const struct notice_info *n = &s->g->notices[i];
		if (n->for_school[s->idx] && day >= n->issue && day <= n->due) {
			const char *t = gen_notice_theme(n->kind);
			if (t)
				return t;
		}
	}
	return NULL;
}

static void session(struct sch *s, const struct klass *k, int ci, const struct sday *sd, int slot)
{
	static const double slot_factor[] = { 0, 1.0, 0.4, 0.8, 0.3 };
	const struct mtheme *mt = &mthemes[month_of(sd->day)];
	Safecampus__Education *p;

	if (s->st)
		s->st->sessions_due++;
	if (rng_chance(s->R, lapse(s, 0.006, 0.07) * k->miss * slot_factor[slot]))
		return;
	if (s->st)
		s->st->sessions_held++;
	Safecampus__Record *r =
		rec(s, BC(EDUCATION), k->campus, sd->day,
		    slot == SLOT(WEEKLY_10) ? 14 * 60 + 40 : 15 * 60 + 50 + slot, &p);
	p->school_class_id = (char *)k->id;
	p->session_date = (char *)D(s, sd->day);
	p->slot = (Safecampus__EducationSlot)slot;
	p->teacher = (char *)(rng_chance(s->R, 0.9)
				      ? nm(s, S_HEAD + ci)
				      : nm(s, S_SUBJECT + (int)rng_below(s->R, N_SUBJECT)));
	switch (slot) {
	case SLOT(DAILY_1):
		p->minutes = rng_chance(s->R, 0.06) ? 2 : 1;
		p->channel = rng_chance(s->R, 0.8) ? CHAN(CLASS_MEETING) : CHAN(CLASS_GROUP);
		p->topic = rng_chance(s->R, 0.5) ? mt->topic : topics[rng_below(s->R, 9)];
		break;
	case SLOT(WEEKLY_10):
		p->minutes = rng_int(s->R, 9, 15);
		p->channel = rng_chance(s->R, 0.5) ? CHAN(ASSEMBLY) : CHAN(CLASS_MEETING);
		p->topic = rng_chance(s->R, 0.7) ? mt->topic : topics[rng_below(s->R, 9)];
		p->theme = (char *)mt->theme;
		break;
	case SLOT(WEEKEND_5):
		p->minutes = rng_int(s->R, 4, 8);
		p->channel = rng_chance(s->R, 0.6) ? CHAN(CLASS_MEETING) : CHAN(CLASS_GROUP);
		p->topic = rng_chance(s->R, 0.5) ? TOPIC(DROWNING) : mt->topic;
		p->theme = "周末安全提醒";
		break;
	default:
		p->minutes = rng_int(s->R, 25, 40);
		static const int holiday_channels[] = { CHAN(CLASS_MEETING), CHAN(CLASS_MEETING),
							CHAN(PARENT_LETTER),
							CHAN(EDUCATION_PLATFORM) };
		p->channel = (Safecampus__EducationChannel)holiday_channels[rng_below(s->R, 4)];
		p->topic = rng_chance(s->R, 0.5) ? TOPIC(DROWNING) : TOPIC(TRAFFIC);
		p->theme = "节假日安全教育";
		break;
	}
	if (slot == SLOT(WEEKLY_10) || slot == SLOT(HOLIDAY_30)) {
		const char *ct = campaign_theme(s, sd->day);
		if (ct)
			p->theme = (char *)ct;
	}
	emit(s, r);
}

static void gen_education(struct sch *s)
{
	for (int c = 0; c < NCLASSES; c++) {
		const struct klass *k = &s->cls[c];
		for (size_t i = 0; i < s->cal->ndays_done; i++) {
			const struct sday *sd = &s->cal->days[i];
			if (sd->weekly)
				session(s, k, c, sd, SLOT(WEEKLY_10));
			session(s, k, c, sd, SLOT(DAILY_1));
			if (sd->weekend)
				session(s, k, c, sd, SLOT(WEEKEND_5));
			if (sd->holiday)
				session(s, k, c, sd, SLOT(HOLIDAY_30));
		}
	}
}

/* ------------------------------------------------------------------ lectures, linkage, meetings */

struct dated_tpl {
	int offset; /* days after the term starts */
	int kind;   /* partner / meeting type */
	const char *text, *extra;
};

static const struct dated_tpl lecture_autumn[] = {
	{ 10, 0, "开学法制教育第一课：遵纪守法，从我做起", "全校学生" },
	{ 30, 1, "“一盔一带”交通安全进校园", "三至六年级学生" },
	{ 62, 2, "消防安全知识讲座：火场逃生与自救", "全体师生" },
	{ 95, 0, "防范电信网络诈骗与未成年人自我保护", "四至六年级学生" },
};
static const struct dated_tpl lecture_spring[] = {
	{ 12, 0, "预防校园欺凌与未成年人保护法", "四至六年级学生" },
	{ 40, 1, "文明出行，安全乘车", "一至三年级学生" },
	{ 70, 2, "防灾减灾与应急避险", "全体师生" },
	{ 95, 0, "防溺水专题法制教育", "全校学生" },
};

static void gen_lectures(struct sch *s)
{
	for (int t = 0; t < s->cal->nterms; t++) {
		const struct term *te = &s->cal->terms[t];
		bool spring = strstr(te->name, "spring") != NULL;
		const struct dated_tpl *tp = spring ? lecture_spring : lecture_autumn;
		for (int i = 0; i < 4; i++) {
			int day = school_day(s, te->start + tp[i].offset + rng_int(s->R, -3, 3));
			if (!done(s, day) || day > te->end)
				continue;
			Safecampus__Lecture *p;
			Safecampus__Record *r = rec(s, BC(LECTURE), 0, day, 14 * 60, &p);
			const char *place = places[(s->idx - 1) % NPLACES].zh;
			p->lecture_date = (char *)D(s, day);
			if (tp[i].kind == 0)
				p->speaker = arena_printf(s->a, "%s派出所教导员 %s（法制副校长）",
							  place, outsider(s));
			else if (tp[i].kind == 1)
				p->speaker = arena_printf(s->a, "新北交警大队民警 %s", outsider(s));
			else
				p->speaker =
					arena_printf(s->a, "新北区消防救援大队 %s", outsider(s));
			p->topic = (char *)tp[i].text;
			p->audience = (char *)tp[i].extra;
			p->attendees = strstr(tp[i].extra, "全")
					       ? s->students - rng_int(s->R, 0, 20)
					       : s->students / 2 + rng_int(s->R, -30, 30);
			emit(s, r);
		}
	}
}

static const struct dated_tpl linkage_tpls[] = {
	{ -3, PARTNER(POLICE), "开学前联合派出所开展校园及周边安全排查", "%s派出所" },
	{ 5, PARTNER(PARENTS_COMMITTEE), "家委会组织家长志愿者参加上放学护学岗", "校家长委员会" },
	{ 18, PARTNER(TRAFFIC_POLICE), "交警到校门口疏导上放学交通，开展“一盔一带”劝导",
	  "新北交警大队" },
	{ 40, PARTNER(URBAN_MANAGEMENT), "联合城管整治校园周边流动摊贩和占道经营", "%s城管中队" },
	{ 55, PARTNER(HEALTH), "卫生监督所检查食堂食品安全和传染病防控", "新北区卫生监督所" },
	{ 68, PARTNER(FIRE_SERVICE), "消防救援站到校指导疏散演练和灭火器使用", "%s消防救援站" },
};

static void gen_linkage(struct sch *s)
{
	const char *place = places[(s->idx - 1) % NPLACES].zh;

	for (int t = 0; t < s->cal->nterms; t++) {
		const struct term *te = &s->cal->terms[t];
		for (size_t i = 0; i < sizeof linkage_tpls / sizeof linkage_tpls[0]; i++) {
			const struct dated_tpl *tp = &linkage_tpls[i];
			int day = te->start + tp->offset + rng_int(s->R, 0, 4);
			if (day < s->cal->start || day > te->end || !done(s, day))
				continue;
			if (rng_chance(s->R, lapse(s, 0.03, 0.25)))
				continue;
			Safecampus__Linkage *p;
			Safecampus__Record *r = rec(s, BC(LINKAGE), 0, day, 10 * 60, &p);
			p->activity_date = (char *)D(s, day);
			p->partner = (Safecampus__LinkagePartner)tp->kind;
			p->partner_name = strstr(tp->extra, "%s")
						  ? arena_printf(s->a, "%s%s", place, tp->extra + 2)
						  : (char *)tp->extra;
			p->activity = (char *)tp->text;
			p->participants = tp->kind == PARTNER(PARENTS_COMMITTEE)
						  ? rng_int(s->R, 20, 60)
						  : rng_int(s->R, 3, 12);
			emit(s, r);
		}
	}
}

static void meeting(struct sch *s, int day, int type, const char *title, int attendees,
		    const char *minutes)
{
	Safecampus__Meeting *p;
	Safecampus__Record *r;

	if (!done(s, day) || rng_chance(s->R, lapse(s, 0.01, 0.12)))
		return;
	r = rec(s, BC(MEETING), 0, day, 16 * 60 + 10, &p);
	p->type = (Safecampus__MeetingType)type;
	p->meeting_date = (char *)D(s, day);
	p->title = (char *)title;
	p->attendees = attendees;
	p->minutes = (char *)minutes;
	emit(s, r);
}

static void gen_meetings(struct sch *s)
{
	int y, m, d;

	/* monthly: leadership at the start, guards the first week, head teachers the second */
	for (int day = s->cal->start; day <= s->cal->end;) {
		day_split(day, &y, &m, &d);
		int first = school_day(s, day_make(y, m, 1));
		int next_month = m == 12 ? day_make(y + 1, 1, 1) : day_make(y, m + 1, 1);
		if (first >= 0 && first < next_month) {
			const struct mtheme *mt = &mthemes[m];
			char *minutes =
				arena_printf(s->a,
					     "传达上级安全工作文件精神，部署%d月安全工作：%s；"
					     "落实“1530”安全教育和每月一次应急演练。",
					     m, mt->theme);
			meeting(s, first, MEET(LEADERSHIP),
				arena_printf(s->a, "%d月安全工作领导小组会议", m),
				rng_int(s->R, 6, 7), minutes);
			int g = school_day(s, first + 2);
			if (g >= 0 && g < next_month)
				meeting(s, g, MEET(GUARD),
					arena_printf(s->a, "%d月保安工作会议", m),
					rng_int(s->R, 5, 6),
					"强调门卫登记、上放学护学岗和夜间巡查要求。");
			int h = school_day(s, first + 8);
			if (h >= 0 && h < next_month)
				meeting(s, h, MEET(HEAD_TEACHER),
					arena_printf(s->a, "%d月班主任安全工作会", m),
					rng_int(s->R, 23, 26), minutes);
		}
		day = next_month;
	}
	for (int t = 0; t < s->cal->nterms; t++) {
		int day = school_day(s, s->cal->terms[t].start);
		if (day >= 0 && day <= s->cal->terms[t].end)
			meeting(s, day, MEET(ALL_STAFF_TRAINING), "开学全体教职工安全培训会",
				NSTAFF - rng_int(s->R, 0, 5),
				"学习安全工作制度和应急预案，签订安全责任书。");
		day = school_day(s, s->cal->terms[t].start + 63);
		if (day >= 0 && day <= s->cal->terms[t].end)
			meeting(s, day, MEET(ALL_STAFF_TRAINING), "消防安全知识全员培训",
				NSTAFF - rng_int(s->R, 0, 8),
				"消防救援站讲解灭火器和消火栓使用，现场实操。");
	}
}

/* ------------------------------------------------------------------ drills */

static void gen_drills(struct sch *s)
{
	int y, m, d, skip = -1, month_i = 0;

	/* at about a third of schools one month has no drill */
	int nmonths = 0;
	for (int day = s->cal->start; day <= s->cal->today && day <= s->cal->end;) {
		day_split(day, &y, &m, &d);
		nmonths++;
		day = m == 12 ? day_make(y + 1, 1, 1) : day_make(y, m + 1, 1);
	}
	if (nmonths > 1 && rng_chance(s->R, lapse(s, 0.2, 0.7)))
		skip = (int)rng_below(s->R, (uint32_t)nmonths);

	for (int day = s->cal->start; day <= s->cal->end; month_i++) {
		day_split(day, &y, &m, &d);
		int from = day_make(y, m, 1);
		int next = m == 12 ? day_make(y + 1, 1, 1) : day_make(y, m + 1, 1);
		day = next;
		/* school days of the month, mid-month preferred */
		size_t a = sday_at(s->cal, from), b = sday_at(s->cal, next);
		if (a >= b)
			continue;
		size_t mid_a = sday_at(s->cal, from + 7), mid_b = sday_at(s->cal, from + 24);
		if (mid_a >= mid_b) {
			mid_a = a;
			mid_b = b;
		}
		int when = s->cal->days[mid_a + rng_below(s->R, (uint32_t)(mid_b - mid_a))].day;
		int last = s->cal->days[b - 1].day;
		bool held = month_i != skip && done(s, when);
		if (s->st && (last <= s->cal->today || held))
			s->st->months++;
		if (!held)
			continue;
		const struct mtheme *mt = &mthemes[m];
		Safecampus__Drill *p;
		Safecampus__Record *r = rec(s, BC(DRILL), 0, when, 10 * 60, &p);
		bool plan = !rng_chance(s->R, lapse(s, 0.03, 0.3));
		bool fb = !rng_chance(s->R, lapse(s, 0.04, 0.35));
		p->drill_date = (char *)D(s, when);
		p->theme = (char *)mt->drill;
		p->scenario = (Safecampus__DrillScenario)mt->scenario;
		if (plan) {
			p->plan_id = (char *)s->plan_id[mt->scenario];
			p->plan_ref = arena_printf(s->a, "《%s》", s->plan_title[mt->scenario]);
		}
		p->student_count = s->students - rng_int(s->R, 0, 25);
		p->staff_count = NSTAFF - rng_int(s->R, 2, 8);
		p->evacuation_seconds = rng_int(s->R, 140, 320);
		double x = rng_unit(s->R);
		p->segments = x < 0.85   ? "principal;teacher;student"
			      : x < 0.95 ? "teacher;student"
					 : "principal;teacher;student;other";
		if (fb)
			p->feedback = arena_printf(
				s->a, "全校%d名学生%d秒内疏散到操场集合点，%s；%s。",
				p->student_count, p->evacuation_seconds,
				rng_chance(s->R, 0.7) ? "秩序良好" : "个别班级下楼时拥挤",
				rng_chance(s->R, 0.5) ? "下次演练加强楼梯口疏导"
						      : "各班按预案路线疏散，无掉队");
		if (s->st) {
			s->st->drill_months++;
			s->st->drills++;
			s->st->drills_planned_fb += plan && fb;
		}
		emit(s, r);
	}
}

/* ------------------------------------------------------------------ hazards */

static const struct hz_tpl {
	int area;
	int severity;
	int fix_lo, fix_hi; /* days the repair usually takes */
	const char *title, *location, *fix;
} hz_tpls[] = {
	{ AREA(FIRE), SEV(LOW), 1, 3, "灭火器压力不足", "教学楼%d楼走廊", "更换灭火器并登记" },
	{ AREA(FIRE), SEV(MEDIUM), 0, 1, "消防通道堆放杂物", "综合楼一楼消防通道",
	  "清理杂物并张贴禁放标识" },
	{ AREA(FIRE), SEV(MEDIUM), 2, 5, "应急照明灯不亮", "教学楼%d号楼梯间",
	  "更换应急照明灯电池" },
	{ AREA(FIRE), SEV(MEDIUM), 2, 6, "安全出口指示灯损坏", "实验楼%d楼", "更换安全出口指示灯" },
	{ AREA(FIRE), SEV(MEDIUM), 3, 7, "室内消火栓箱水带缺失", "教学楼%d楼消火栓箱",
	  "补齐水带并检查接口" },
	{ AREA(BUILDING), SEV(HIGH), 2, 7, "楼梯扶手松动", "教学楼%d号楼梯",
	  "重新固定扶手，加装膨胀螺栓" },
	{ AREA(BUILDING), SEV(HIGH), 7, 30, "教室吊顶局部脱落", "教学楼%d楼教室",
	  "拆除松动吊顶并重新安装" },
	{ AREA(BUILDING), SEV(MEDIUM), 14, 45, "围墙出现裂缝", "学校北侧围墙",
	  "请施工单位加固围墙" },
	{ AREA(BUILDING), SEV(MEDIUM), 5, 15, "卫生间地面破损湿滑", "教学楼%d楼卫生间",
	  "铺设防滑地砖" },
	{ AREA(BUILDING), SEV(HIGH), 2, 7, "教室窗户限位器损坏", "教学楼%d楼教室",
	  "加装窗户限位器" },
	{ AREA(FACILITY), SEV(MEDIUM), 5, 15, "篮球架底座锈蚀", "操场篮球场", "除锈加固并刷漆" },
	{ AREA(FACILITY), SEV(HIGH), 1, 4, "电线裸露", "综合楼%d楼走廊", "重新布线并加装线槽" },
	{ AREA(FACILITY), SEV(MEDIUM), 1, 3, "插座面板破损", "教学楼%d楼教室", "更换插座面板" },
	{ AREA(FACILITY), SEV(LOW), 1, 2, "体育器材螺丝松动", "体育器材室",
	  "紧固螺丝并检查其余器材" },
	{ AREA(FACILITY), SEV(HIGH), 1, 3, "饮水机漏电保护失效", "教学楼%d楼开水间",
	  "更换漏电保护器" },
	{ AREA(DEFENCE_PEOPLE), SEV(LOW), 1, 3, "门卫外来人员登记不全", "校门门卫室",
	  "重新培训保安并规范登记" },
	{ AREA(DEFENCE_PEOPLE), SEV(MEDIUM), 1, 5, "保安值守期间脱岗", "校门门卫室",
	  "约谈保安公司并调整排班" },
	{ AREA(DEFENCE_PHYSICAL), SEV(HIGH), 3, 10, "校门防冲撞隔离桩损坏", "校门口",
	  "更换防冲撞隔离桩" },
	{ AREA(DEFENCE_PHYSICAL), SEV(HIGH), 5, 14, "围墙护栏缺失一段", "学校西侧围墙",
	  "补装护栏" },
	{ AREA(DEFENCE_PHYSICAL), SEV(LOW), 2, 7, "防护器械（钢叉、盾牌）不足", "校门门卫室",
	  "补充防护器械" },
	{ AREA(DEFENCE_TECHNICAL), SEV(MEDIUM), 2, 10, "监控摄像头故障", "校园%d号监控点",
	  "维修更换摄像头" },
	{ AREA(DEFENCE_TECHNICAL), SEV(HIGH), 2, 7, "一键报警装置失灵", "校门门卫室",
	  "联系厂家维修并与派出所联网测试" },
	{ AREA(DEFENCE_TECHNICAL), SEV(LOW), 3, 10, "周界报警误报频繁", "学校东侧围墙",
	  "调整周界报警灵敏度" },
	{ AREA(FOOD), SEV(HIGH), 1, 3, "食堂液化气软管老化", "食堂操作间", "更换燃气软管并检漏" },
	{ AREA(FOOD), SEV(LOW), 1, 2, "食品留样记录不全", "食堂留样间",
	  "补全留样记录并培训食堂人员" },
	{ AREA(FOOD), SEV(MEDIUM), 2, 5, "食堂排烟罩油污过多", "食堂操作间", "清洗排烟罩及管道" },
	{ AREA(TRAFFIC), SEV(MEDIUM), 7, 30, "校门口斑马线褪色", "校门口道路",
	  "联系交警重新施划标线" },
	{ AREA(TRAFFIC), SEV(MEDIUM), 7, 21, "校门口减速带损坏", "校门口道路",
	  "联系城管更换减速带" },
};
#define NHZ (sizeof hz_tpls / sizeof hz_tpls[0])

static int area_of_focus(struct sch *s, int focus)
{
	switch (focus) {
	case FOCUS(FIRE):
		return AREA(FIRE);
	case FOCUS(BUILDING):
		return AREA(BUILDING);
	case FOCUS(FACILITY):
		return rng_chance(s->R, 0.75) ? AREA(FACILITY) : AREA(FOOD);
	case FOCUS(DEFENCE_PEOPLE):
		return AREA(DEFENCE_PEOPLE);
	case FOCUS(DEFENCE_PHYSICAL):
		return rng_chance(s->R, 0.75) ? AREA(DEFENCE_PHYSICAL) : AREA(TRAFFIC);
	case FOCUS(DEFENCE_TECHNICAL):
		return AREA(DEFENCE_TECHNICAL);
	default:
		return rng_chance(s->R, 0.5) ? AREA(TRAFFIC) : AREA(FOOD);
	}
}

/* Who rectifies hazards of an area. */
static int owner_of(struct sch *s, int area)
{
	switch (area) {
	case AREA(FIRE):
	case AREA(FACILITY):
	case AREA(DEFENCE_TECHNICAL):
		return rng_chance(s->R, 0.6) ? S_LOGISTICS + (int)rng_below(s->R, 2) : S_DEPT + 2;
	case AREA(BUILDING):
		return S_DEPT + 2;
	case AREA(DEFENCE_PEOPLE):
	case AREA(DEFENCE_PHYSICAL):
		return S_GUARD;
	case AREA(FOOD):
		return S_CANTEEN;
	default:
		return S_DEPT + 1;
	}
}

struct hz {
	struct sch *s;
	const char *id;
	int campus;
	struct hazard_status st;
	int day, minute; /* time of the last event */
	bool stopped;    /* the next event would be after today */
};

/* Moves the clock to (day, minute), strictly after the last event. False if
 * that is after today: the hazard stays where it is. */
static bool hz_at(struct hz *h, int day, int minute)
{
	if (day < h->day || (day == h->day && minute <= h->minute)) {
		day = h->day;
		minute = h->minute + rng_int(h->s->R, 10, 90);
		if (minute >= 18 * 60) {
			day++;
			minute = 8 * 60 + rng_int(h->s->R, 0, 60);
		}
	}
	if (h->stopped || day > h->s->cal->today) {
		h->stopped = true;
		return false;
	}
	h->day = day;
	h->minute = minute;
	return true;
}

static void hz_event(struct hz *h, int action, int actor, const char *note, const char *owner,
		     int deadline)
{
	struct sch *s = h->s;
	Safecampus__HazardEvent *p;
	Safecampus__Record *r = rec(s, BC(HAZARD_EVENT), h->campus, h->day, h->minute, &p);
	char why[256];

	p->hazard_id = (char *)h->id;
	p->action = (Safecampus__HazardAction)action;
	p->actor = (char *)nm(s, actor);
	p->actor_role = (Safecampus__StaffRole)s->staff[actor].role;
	if (owner)
		p->owner = (char *)owner;
	if (deadline >= 0)
		p->deadline_date = (char *)D(s, deadline);
	if (note)
		p->note = (char *)note;
	if (action == ACT(RECTIFY)) {
		char *hex = arena_alloc(s->a, 65);
		for (int i = 0; i < 4; i++)
			snprintf(hex + 16 * i, 17, "%016llx", (unsigned long long)rng_u64(s->R));
		p->evidence_sha256 = hex;
		p->evidence_path = arena_printf(s->a, "安全档案/隐患整改/%s/%.8s-整改后.jpg",
						D(s, h->day), h->id);
	}
	p->at_ms = day_ms(h->day, h->minute);
	if (hazard_apply(&h->st, p, why, sizeof why) != 0) {
		fprintf(stderr, "scgen: BUG: hazard %s of %s: illegal %s: %s\n", h->id,
			s->u->school,
			kind_enum_name(&safecampus__hazard_action__descriptor, action), why);
		abort();
	}
	emit(s, r);
}

/* One hazard found on day, with its life up to today. */
static void gen_hazard(struct sch *s, int campus, int day, int minute, const char *inspection_id,
		       int focus, int reporter)
{
	int area = area_of_focus(s, focus);
	size_t pick = rng_below(s->R, NHZ);
	const struct hz_tpl *t = &hz_tpls[pick];
	Safecampus__Hazard *p;

	for (size_t i = 0; i < NHZ && t->area != area; i++)
		t = &hz_tpls[(pick + i) % NHZ];
	Safecampus__Record *r = rec(s, BC(HAZARD), campus, day, minute, &p);
	struct hz h = { .s = s, .id = r->id, .campus = campus, .day = day, .minute = minute };
	int sev = t->severity;
	double x = rng_unit(s->R);
	if (x < 0.1 && sev > SEV(LOW))
		sev--;
	else if (x > 0.95 && sev < SEV(CRITICAL))
		sev++;
	hazard_status_init(&h.st);
	p->title = (char *)t->title;
	const char *num = strstr(t->location, "%d");
	p->location = num ? arena_printf(s->a, "%.*s%d%s", (int)(num - t->location), t->location,
					 rng_int(s->R, 1, 4), num + 2)
			  : (char *)t->location;
	if (campus > 0)
		p->location =
			arena_printf(s->a, "%s校区 %s", campus == 1 ? "东" : "北", p->location);
	p->area = (Safecampus__HazardArea)area;
	p->severity = (Safecampus__Severity)sev;
	p->description = arena_printf(s->a, "检查发现%s，存在安全隐患，需限期整改。", t->title);
	p->found_date = (char *)D(s, day);
	p->reporter = (char *)nm(s, reporter);
	if (inspection_id)
		p->inspection_id = (char *)inspection_id;
	emit(s, r);

	/* the principal signs it into the responsibility list with an owner and
	 * a deadline; the owner rectifies; the leadership group (a vice
	 * principal) verifies; the principal closes it after final review */
	int window = sev == SEV(CRITICAL) ? 2 : sev == SEV(HIGH) ? 5 : sev == SEV(MEDIUM) ? 10 : 7;
	if (t->fix_hi > window)
		window = t->fix_hi * 4 / 5 + 1;
	int owner = owner_of(s, area);
	int signer = rng_chance(s->R, 0.9) ? S_PRINCIPAL : S_VICE;
	int delay = sev >= SEV(HIGH) ? rng_int(s->R, 0, 1) : rng_int(s->R, 0, 2);
	if (!hz_at(&h, day + delay, 8 * 60 + rng_int(s->R, 30, 9 * 60)))
		goto out;
	int deadline = h.day + window;
	hz_event(&h, ACT(ASSIGN), signer,
		 rng_chance(s->R, 0.5) ? "列入隐患整改责任清单，限期整改" : NULL, nm(s, owner),
		 deadline);
	for (int cycle = 0; cycle < 2; cycle++) {
		int fix = rng_int(s->R, t->fix_lo, t->fix_hi);
		if (rng_chance(s->R, lapse(s, 0.04, 0.2)))
			fix += rng_int(s->R, 3, 20); /* late, but done */
		if (rng_chance(s->R, lapse(s, 0.015, 0.1)))
			fix += rng_int(s->R, 45, 120); /* stuck: overdue */
		if (!hz_at(&h, h.day + fix, 9 * 60 + rng_int(s->R, 0, 8 * 60)))
			goto out;
		hz_event(&h, ACT(RECTIFY), owner, t->fix, NULL, -1);
		if (!hz_at(&h, h.day + rng_int(s->R, 0, 3), 9 * 60 + rng_int(s->R, 0, 8 * 60)))
			goto out;
		hz_event(&h, ACT(VERIFY), S_VICE, "安全工作领导小组现场核查，整改到位", NULL, -1);
		bool reopen = rng_chance(s->R, cycle ? 0.01 : lapse(s, 0.03, 0.08));
		bool close = !reopen && !rng_chance(s->R, 0.08);
		if (close) {
			if (!hz_at(&h, h.day + rng_int(s->R, 0, 5),
				   10 * 60 + rng_int(s->R, 0, 7 * 60)))
				goto out;
			hz_event(&h, ACT(CLOSE), S_PRINCIPAL,
				 "整改责任人、后勤服务处报校长审核，销号", NULL, -1);
		}
		if (!reopen)
			break;
		if (!hz_at(&h, h.day + rng_int(s->R, 3, 20), 9 * 60 + rng_int(s->R, 0, 8 * 60)))
			goto out;
		hz_event(&h, ACT(REOPEN), S_VICE, "复查发现问题反复出现，重新整改", NULL,
			 h.day + window);
	}
out:
	if (s->u->nhz == s->u->caphz) {
		s->u->caphz = s->u->caphz ? s->u->caphz * 2 : 64;
		struct hz_final *n = realloc(s->u->hz, s->u->caphz * sizeof *n);
		if (!n)
			abort();
		s->u->hz = n;
	}
	s->u->hz[s->u->nhz++] = (struct hz_final){ .id = h.id, .st = h.st };
	if (s->st) {
		char today[11];
		day_fmt(s->cal->today, today);
		s->st->hazards++;
		s->st->hazards_open += h.st.state != HST(VERIFIED) && h.st.state != HST(CLOSED);
		/* the clock from the found day when nobody set a deadline (indicators.h) */
		s->st->hazards_overdue +=
			indicators_hazard_overdue(&h.st, p->found_date, sev, today);
		s->st->reopened += h.st.reopen_count > 0;
	}
}

static void inspection(struct sch *s, int campus, int day, int level, int focus, int inspector,
		       const char *who, const char *location, int found)
{
	Safecampus__Inspection *p;
	int minute = 8 * 60 + rng_int(s->R, 0, 8 * 60);
	Safecampus__Record *r = rec(s, BC(INSPECTION), campus, day, minute, &p);

	p->inspection_date = (char *)D(s, day);
	p->level = (Safecampus__InspectionLevel)level;
	p->focus = (Safecampus__InspectionFocus)focus;
	p->inspector = (char *)(who ? who : nm(s, inspector));
	if (location)
		p->location = (char *)location;
	p->findings = found ? arena_printf(s->a, "发现隐患%d处，已录入隐患整改台账", found)
			    : (char *)rng_pick(s->R, (const char *const[]){ "检查未发现隐患",
									    "各项设施运行正常",
									    "未发现异常", NULL });
	p->hazards_found = found;
	emit(s, r);
	for (int i = 0; i < found; i++)
		gen_hazard(s, campus, day, minute + 5 + i, r->id, focus, inspector);
}

static int found_n(struct sch *s, const double *w, int n)
{
	double x = rng_unit(s->R);

	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n;
}

static void gen_inspections(struct sch *s)
{
	static const int focus_cycle[] = {
		FOCUS(FIRE),           FOCUS(BUILDING),         FOCUS(FACILITY),
		FOCUS(DEFENCE_PEOPLE), FOCUS(DEFENCE_PHYSICAL), FOCUS(DEFENCE_TECHNICAL),
		FOCUS(OTHER)
	};
	static const int dept_focus[4] = { FOCUS(BUILDING), FOCUS(DEFENCE_PEOPLE), FOCUS(FACILITY),
					   FOCUS(DEFENCE_TECHNICAL) };
	static const double w_lead[] = { 0.25, 0.35, 0.25 };
	static const double w_dept[] = { 0.45, 0.4 };
	int last_month = -1, nlead = 0, fortnight = 0;

	for (size_t i = 0; i < s->cal->ndays_done; i++) {
		const struct sday *sd = &s->cal->days[i];
		int m = month_of(sd->day);
		/* leadership group: the first school day of each month and before
		 * a public holiday or the break */
		if (m != last_month || sd->holiday) {
			int focus = sd->holiday ? FOCUS(FIRE) : focus_cycle[nlead++ % 7];
			char *who = arena_printf(s->a, "安全工作领导小组（%s带队）",
						 nm(s, S_PRINCIPAL));
			inspection(s, 0, sd->day, ILEVEL(LEADERSHIP), focus, S_PRINCIPAL, who,
				   sd->holiday ? "全校（节前安全大检查）" : "全校",
				   found_n(s, w_lead, 3));
			last_month = m;
		}
		/* departments: every other Wednesday, in turn */
		if (day_wday(sd->day) == 2 && (fortnight++ % 2) == 0) {
			int dpt = (fortnight / 2) % 4;
			inspection(s, (int)rng_below(s->R, (uint32_t)s->ncampus), sd->day,
				   ILEVEL(DEPARTMENT), dept_focus[dpt], S_DEPT + dpt, NULL,
				   dept_names[dpt], found_n(s, w_dept, 2));
		}
		/* the responsible person's daily check at each campus gate */
		for (int c = 0; c < s->ncampus; c++) {
			static const int daily_focus[] = { FOCUS(DEFENCE_PHYSICAL),
							   FOCUS(DEFENCE_PEOPLE), FOCUS(FIRE) };
			if (rng_chance(s->R, lapse(s, 0.01, 0.1)))
				continue;
			inspection(s, c, sd->day, ILEVEL(RESPONSIBLE_DAILY), daily_focus[i % 3],
				   S_GUARD + (int)((i + (size_t)c) % N_GUARD), NULL,
				   "校门、围墙及周界", rng_chance(s->R, 0.02) ? 1 : 0);
		}
		/* anyone, at any time: about once a week someone reports something */
		if (rng_chance(s->R, 0.22)) {
			int who = S_HEAD + (int)rng_below(s->R, S_GUARD - S_HEAD);
			inspection(s, (int)rng_below(s->R, (uint32_t)s->ncampus), sd->day,
				   ILEVEL(ANYONE), focus_cycle[rng_below(s->R, 7)], who, NULL, NULL,
				   rng_chance(s->R, 0.85) ? 1 : 0);
		}
	}
}

/* ------------------------------------------------------------------ gate duty, trips */

static void gen_gate(struct sch *s)
{
	static const char *const incidents[] = { "家长电动车未戴头盔，已劝导",
						 "校门口车辆违停，交警到场疏导",
						 "陌生人欲进校，保安劝离并登记",
						 "学生忘带红领巾，联系家长送达", NULL };

	for (size_t i = 0; i < s->cal->ndays_done; i++) {
		const struct sday *sd = &s->cal->days[i];
		for (int c = 0; c < s->ncampus; c++) {
			for (int shift = 1; shift <= 2; shift++) {
				if (s->st)
					s->st->shifts_due++;
				if (rng_chance(s->R, lapse(s, 0.004, 0.04)))
					continue;
				Safecampus__GateDuty *p;
				Safecampus__Record *r =
					rec(s, BC(GATE_DUTY), c, sd->day,
					    shift == 1 ? 7 * 60 + 50 : 16 * 60 + 20, &p);
				int leader = c == 0 ? (int)((i + (size_t)shift) % 7)
						    : S_DEPT + (int)(i % 4);
				int teacher =
					S_HEAD + (int)((i * 2 + (size_t)shift + (size_t)c * 13) %
						       (S_GUARD - S_HEAD));
				int guard = S_GUARD + (int)((i + (size_t)c) % N_GUARD);
				p->duty_date = (char *)D(s, sd->day);
				p->shift = (Safecampus__GateShift)shift;
				bool short_staffed = rng_chance(s->R, lapse(s, 0.01, 0.06));
				bool no_leader = short_staffed && rng_chance(s->R, 0.5);
				if (!no_leader)
					p->leader = (char *)nm(s, leader);
				if (!short_staffed || no_leader)
					p->teacher = (char *)nm(s, teacher);
				p->guard = (char *)nm(s, guard);
				p->parent_volunteers =
					shift == 1 ? rng_int(s->R, 1, 4) : rng_int(s->R, 2, 6);
				if (rng_chance(s->R, 0.006))
					p->incidents = (char *)rng_pick(s->R, incidents);
				if (s->st) {
					s->st->shifts_held++;
					s->st->shifts_staffed += !short_staffed;
				}
				emit(s, r);
			}
		}
	}
}

static void gen_trips(struct sch *s)
{
	for (size_t i = 0; i < s->cal->ndays_done; i++) {
		const struct sday *sd = &s->cal->days[i];
		for (int b = 0; b < NBUSES; b++) {
			const struct bus *bu = &s->buses[b];
			int absent = rng_chance(s->R, 0.5) ? rng_int(s->R, 0, 3) : 0;
			for (int dir = 1; dir <= 2; dir++) {
				Safecampus__BusTrip *p;
				Safecampus__Record *r =
					rec(s, BC(BUS_TRIP), 0, sd->day,
					    dir == 1 ? 8 * 60 + 5 : 17 * 60 + 10, &p);
				p->bus_id = (char *)bu->id;
				p->trip_date = (char *)D(s, sd->day);
				p->direction = (Safecampus__BusDirection)dir;
				p->boarded =
					bu->riders - absent - (dir == 2 && rng_chance(s->R, 0.05));
				p->alighted = p->boarded;
				/* a miscount, or a child left on the bus: the alarm */
				if (rng_chance(s->R, lapse(s, 0.001, 0.004)))
					p->alighted = p->boarded - (rng_chance(s->R, 0.8) ? 1 : -1);
				p->checked_by = (char *)bu->attendant;
				if (s->st) {
					s->st->trips++;
					s->st->trips_mismatch += p->alighted != p->boarded;
				}
				emit(s, r);
			}
		}
	}
}

/* ------------------------------------------------------------------ equipment */

static void equipment(struct sch *s, int campus, const char *item, int type, const char *location,
		      int installed, int interval, bool overdue)
{
	/* checks every interval days, on a phase of its own; the latest known
	 * before the period is the row's starting point */
	int today = s->cal->today, last = -1, check_lo = s->cal->start;
	int first;

	if (interval >= 365) {
		/* yearly, on the installation's anniversary */
		int iy, im, idd, ty, tm, td;
		day_split(installed, &iy, &im, &idd);
		day_split(today, &ty, &tm, &td);
		first = day_make(ty, im, idd > 28 ? 28 : idd);
		if (first > today)
			first = day_make(ty - 1, im, idd > 28 ? 28 : idd);
		if (overdue)
			first = today - 365 - rng_int(s->R, 10, 60);
	} else {
		first = s->cal->start - rng_int(s->R, 0, interval - 1);
	}
	struct {
		int day, result;
	} checks[512];
	int n = 0;
	if (interval >= 365) {
		checks[n++].day = first;
	} else {
		int stop = overdue ? today - interval - rng_int(s->R, 5, 40) : today;
		/* a check is made on or a few days before its due date */
		for (int d = first; d <= stop && n < 512; d += interval - rng_int(s->R, 0, 3))
			checks[n++].day = d;
	}
	for (int i = 0; i < n; i++) {
		double x = rng_unit(s->R);
		checks[i].result = x < 0.95 ? EQR(OK) : x < 0.98 ? EQR(FAULT) : EQR(REPLACED);
	}
	if (n) {
		last = checks[n - 1].day;
	}
	Safecampus__Equipment *p;
	Safecampus__Record *r = rec(s, BC(EQUIPMENT), campus, s->setup_day, 11 * 60, &p);
	p->item = (char *)item;
	p->type = (Safecampus__EquipmentType)type;
	p->location = (char *)location;
	p->installed_date = (char *)D(s, installed);
	p->interval_days = interval;
	if (last >= installed) {
		p->last_check_date = (char *)D(s, last);
		p->next_due_date = (char *)D(s, last + interval);
		p->result = (Safecampus__EquipmentResult)checks[n - 1].result;
	}
	emit(s, r);
	if (s->st) {
		s->st->equipment++;
		s->st->equipment_overdue += last < 0 || last + interval < today;
	}
	for (int i = 0; i < n; i++) {
		if (checks[i].day < check_lo || checks[i].day < installed)
			continue;
		Safecampus__EquipmentCheck *q;
		Safecampus__Record *rr =
			rec(s, BC(EQUIPMENT_CHECK), campus, checks[i].day, 15 * 60, &q);
		q->equipment_id = (char *)r->id;
		q->check_date = (char *)D(s, checks[i].day);
		q->result = (Safecampus__EquipmentResult)checks[i].result;
		q->checker = (char *)nm(s, type == EQT(GAS_ALARM) || type == EQT(GAS_VALVE)
						   ? S_LOGISTICS
						   : S_LOGISTICS + 1);
		if (type == EQT(GAS_ALARM) || type == EQT(GAS_VALVE))
			q->note = "燃气公司年度检验，报警联动切断正常";
		else if (checks[i].result == EQR(FAULT))
			q->note = "压力不足或部件损坏，已报修";
		else if (checks[i].result == EQR(REPLACED))
			q->note = "到期更换";
		emit(s, rr);
	}
}

static void gen_equipment(struct sch *s)
{
	int y, m, d;
	int overdue_item = rng_chance(s->R, lapse(s, 0.15, 0.6)) ? rng_int(s->R, 0, 9) : -1;

	day_split(s->cal->start, &y, &m, &d);
	for (int c = 0; c < s->ncampus; c++) {
		const char *pre = c == 0 ? "" : c == 1 ? "东校区" : "北校区";
		int k = c * 100;
		if (c == 0) {
			/* the canteen's leak alarms and cut-off valve: fitted in 2017,
			 * checked every year by the gas company */
			int inst = day_make(2017, 5, rng_int(s->R, 8, 26));
			equipment(s, 0, "燃气泄漏报警器（食堂操作间1号）", EQT(GAS_ALARM),
				  "食堂操作间", inst, 365, overdue_item == 0);
			equipment(s, 0, "燃气泄漏报警器（食堂操作间2号）", EQT(GAS_ALARM),
				  "食堂操作间", inst, 365, false);
			equipment(s, 0, "燃气紧急切断阀", EQT(GAS_VALVE), "食堂液化气瓶间", inst,
				  365, false);
		}
		static const char *const ext[] = { "教学楼A", "教学楼B", "综合楼",
						   "食堂",    "行政楼",  "门卫室" };
		int next = c == 0 ? 6 : 2;
		for (int i = 0; i < next; i++)
			equipment(s, c,
				  arena_printf(s->a, "%s%s灭火器（%d具）", pre, ext[i],
					       rng_int(s->R, 4, 24)),
				  EQT(EXTINGUISHER), arena_printf(s->a, "%s%s", pre, ext[i]),
				  day_make(rng_int(s->R, y - 4, y - 1), rng_int(s->R, 1, 12),
					   rng_int(s->R, 1, 28)),
				  30, k + 1 + i == overdue_item);
		equipment(s, c, arena_printf(s->a, "%s室内消火栓（教学楼）", pre), EQT(HYDRANT),
			  arena_printf(s->a, "%s教学楼各层", pre),
			  day_make(rng_int(s->R, 2008, 2018), 8, 20), 90, k + 7 == overdue_item);
		if (c == 0)
			equipment(s, c, "室外消火栓", EQT(HYDRANT), "操场东侧",
				  day_make(rng_int(s->R, 2008, 2018), 8, 20), 90, false);
		equipment(s, c, arena_printf(s->a, "%s校园视频监控系统（%d路）", pre, c ? 16 : 64),
			  EQT(SURVEILLANCE), arena_printf(s->a, "%s监控室", pre),
			  day_make(rng_int(s->R, 2018, 2023), 7, 15), 90, k + 8 == overdue_item);
		equipment(s, c, arena_printf(s->a, "%s一键报警装置（与派出所联网）", pre),
			  EQT(OTHER), arena_printf(s->a, "%s门卫室", pre),
			  day_make(rng_int(s->R, 2018, 2023), 7, 15), 30, k + 9 == overdue_item);
	}
}

/* ------------------------------------------------------------------ risks */

static void risk(struct sch *s, const char *title, const char *desc, int area,
		 const char *mitigation, const char *plan, int planned, int status)
{
	Safecampus__Risk *p;
	Safecampus__Record *r = rec(s, BC(RISK), 0, s->setup_day, 11 * 60 + 30, &p);

	p->title = (char *)title;
	p->description = (char *)desc;
	p->area = (Safecampus__HazardArea)area;
	p->mitigation = (char *)mitigation;
	p->plan = (char *)plan;
	if (planned >= 0)
		p->planned_date = (char *)D(s, planned);
	p->status = (Safecampus__RiskStatus)status;
	emit(s, r);
}

static void gen_risks(struct sch *s)
{
	int y, m, d;

	day_split(s->cal->start, &y, &m, &d);
	/* "next year": the summer break of the coming year */
	int next_summer = day_make(m >= 9 ? y + 1 : y, 8, 15);
	/* the canteen cooks with bottled LPG: every school has the risk; a few
	 * converted to electric last summer already */
	if (s->idx == 1 || !rng_chance(s->R, 0.2))
		risk(s, "食堂使用瓶装液化气，老式灶台无法安装熄火保护装置",
		     "食堂使用瓶装液化气；2017年已安装泄漏报警和保护装置并每年检验，但灶台为老式灶"
		     "台，"
		     "无法安装熄火保护装置。",
		     AREA(FOOD),
		     "燃气泄漏报警器和紧急切断阀（2017年安装，每年检验）；液化气瓶间专人管理，每日"
		     "检查",
		     "灶台气改电改造，届时彻底消除隐患", next_summer, RISK(MITIGATED));
	else
		risk(s, "食堂使用瓶装液化气，老式灶台无法安装熄火保护装置",
		     "食堂曾使用瓶装液化气，老式灶台无法安装熄火保护装置。", AREA(FOOD),
		     "燃气泄漏报警器和紧急切断阀（2017年安装，每年检验）",
		     "灶台气改电改造（已完成）", next_summer - 365, RISK(REMOVED));
	if (s->idx == 1)
		risk(s, "校车停车场地不足", "校车增加到7辆，校门口停车场地不够。", AREA(TRAFFIC),
		     "与镇政府和社区协调", "填埋校门南侧河沟并铺设道砖，建成八百多平方米停车场",
		     day_make(y, 6, 30) < s->cal->start ? day_make(y, 6, 30) : s->cal->start - 60,
		     RISK(REMOVED));
	if (s->idx == 1 || rng_chance(s->R, 0.5))
		risk(s, "学校紧邻主干道，上放学交通拥堵",
		     "学校地处两区交界处，紧邻主干道，上放学时段交通拥堵、秩序混乱。",
		     AREA(TRAFFIC),
		     "带班领导、值班教师、保安和家长志愿者组成护学岗，交警上放学时段疏导",
		     "协调交警和属地政府设置接送等候区", -1, RISK(MITIGATED));
	if (s->idx != 1 && rng_chance(s->R, lapse(s, 0.1, 0.5))) {
		/* a plan whose date has passed: the bureau's risk_overdue alert */
		int planned = s->cal->today - rng_int(s->R, 10, 120);
		risk(s, "教学楼电气线路老化",
		     "老教学楼电气线路敷设于上世纪九十年代，部分线路老化。", AREA(FACILITY),
		     "总务处每周巡查，限制大功率电器使用", "利用假期整体更换电气线路", planned,
		     RISK(OPEN));
	}
}

/* ------------------------------------------------------------------ notices */

static const char *const channel_sets[] = {
	"class_meeting;public_account;parent_letter",     "class_meeting;class_group",
	"assembly;class_meeting;education_platform",      "lecture;public_account",
	"class_meeting;parent_letter;education_platform", NULL
};

static void notice_event(struct sch *s, const struct notice_info *ni, struct notice_standing *ns,
			 int action, int day, int minute)
{
	Safecampus__NoticeEvent *p;
	Safecampus__Record *r = rec(s, BC(NOTICE_EVENT), 0, day, minute, &p);
	int64_t at = day_ms(day, minute);

	p->notice_id = (char *)ni->id;
	p->action = (Safecampus__NoticeAction)action;
	p->actor = arena_printf(s->a, "%s（%s）", nm(s, S_DEPT + 3), dept_names[3]);
	p->notice_hlc = ni->hlc;
	p->at_ms = at;
	if (action == NACT(ACK)) {
		/* as server/wf_notice.c: a newer version acknowledged */
		if (p->notice_hlc > ns->acked_hlc) {
			ns->acked_hlc = p->notice_hlc;
			ns->ack_ms = at;
			ns->updated_ms = at;
		}
	} else {
		p->report_date = (char *)D(s, day);
		p->channels = (char *)rng_pick(s->R, channel_sets);
		p->evidence =
			arena_printf(s->a, "主题班会照片%d张；公众号推文链接；家长告知书回执%d份",
				     rng_int(s->R, 12, 48), s->students - rng_int(s->R, 0, 60));
		if (ns->acked_hlc != ni->hlc || day < ni->issue) {
			fprintf(stderr, "scgen: BUG: report on notice %s by %s without an ack\n",
				ni->id, s->u->school);
			abort();
		}
		if (ns->reported_hlc != ni->hlc) {
			ns->reported_hlc = ni->hlc;
			ns->reported_ms = at;
			ns->report_day = day;
			ns->late = day > ni->due;
			ns->updated_ms = at;
		}
	}
	emit(s, r);
}

static void gen_notice_answers(struct sch *s)
{
	for (int i = 0; i < s->g->nnotices; i++) {
		const struct notice_info *ni = &s->g->notices[i];
		if (!ni->for_school[s->idx])
			continue;
		struct notice_standing ns = { .notice_id = ni->id, .report_day = -1 };
		if (s->st)
			s->st->notices++;
		int ack = -1, rep = -1;
		if (!rng_chance(s->R, lapse(s, 0.005, 0.06))) {
			double x = rng_unit(s->R);
			int lag = x < 0.6 ? 0 : x < 0.9 ? rng_int(s->R, 1, 2) : rng_int(s->R, 3, 9);
			ack = school_day(s, ni->issue + lag);
		}
		if (ack >= 0 && !rng_chance(s->R, lapse(s, 0.02, 0.22))) {
			int span = ni->due - ni->issue;
			if (rng_chance(s->R, lapse(s, 0.04, 0.25)))
				rep = ni->due + rng_int(s->R, 1, 12);
			else
				rep = ni->issue +
				      rng_int(s->R, span * 3 / 10 > 1 ? span * 3 / 10 : 1, span);
			if (rep < ack)
				rep = ack;
		}
		if (done(s, ack)) {
			notice_event(s, ni, &ns, NACT(ACK), ack, 8 * 60 + rng_int(s->R, 0, 120));
			if (s->st)
				s->st->acked++;
		}
		if (done(s, rep) && done(s, ack)) {
			notice_event(s, ni, &ns, NACT(REPORT), rep, 16 * 60 + rng_int(s->R, 0, 90));
			if (s->st) {
				s->st->reported++;
				s->st->late += ns.late;
			}
		} else if (s->st && ni->due < s->cal->today) {
			s->st->missing++;
		}
		if (ns.acked_hlc) {
			struct unit *u = s->u;
			if (u->nns == u->capns) {
				u->capns = u->capns ? u->capns * 2 : 16;
				struct notice_standing *n = realloc(u->ns, u->capns * sizeof *n);
				if (!n)
					abort();
				u->ns = n;
			}
			u->ns[u->nns++] = ns;
		}
	}
}

/* ------------------------------------------------------------------ the school */

void gen_school(struct gen *g, struct unit *u)
{
	struct sch *s = calloc(1, sizeof *s);

	if (!s)
		abort();
	s->g = g;
	s->u = u;
	s->R = &u->rng;
	s->a = u->a;
	s->cal = &g->cal;
	s->idx = u->index;
	s->st = gen_stats ? &gen_stats[u->index] : NULL;
	s->setup_day = g->cal.start - 5;
	/* school01 is the example school: a good one; a few schools struggle
	 * (every fifth, and one in twelve of the others) */
	if (s->idx == 1)
		s->dil = 0.92;
	else if (s->idx % 5 == 4 || rng_chance(s->R, 0.08))
		s->dil = 0.4 + 0.25 * rng_unit(s->R);
	else
		s->dil = 0.72 + 0.27 * rng_unit(s->R);
	s->students = s->idx == 1 ? 988 : rng_int(s->R, 820, 1180);
	make_campuses(s);
	make_people(s);

	gen_profile(s);
	gen_staff(s);
	gen_classes(s);
	gen_policies(s);
	gen_letters(s);
	gen_buses(s);
	gen_equipment(s);
	gen_risks(s);
	gen_meetings(s);
	gen_education(s);
	gen_lectures(s);
	gen_drills(s);
	gen_inspections(s);
	gen_linkage(s);
	gen_gate(s);
	gen_trips(s);
	gen_notice_answers(s);
	free(s);
}
