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
 * spread to rank. Nothing dated after `today` is made.
 *
 * This file: the school's people, names and helpers, its standing records
 * (profile, staff, classes, policies, letters, buses) and the run of one school;
 * the sections it calls are in gen_school_teach.c and gen_school_check.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "indicators.h"
#include "hlc.h"
#include "gen_school_int.h"

const char *const sch_dept_names[4] = { "教导处", "德育处", "总务处", "办公室" };

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

const struct place sch_places[NPLACES] = {
	{ "吕墅", "Lüshu" },        { "薛家", "Xuejia" },     { "罗溪", "Luoxi" },
	{ "孟河", "Menghe" },       { "西夏墅", "Xixiashu" }, { "奔牛", "Benniu" },
	{ "新桥", "Xinqiao" },      { "春江", "Chunjiang" },  { "魏村", "Weicun" },
	{ "安家", "Anjia" },        { "百丈", "Baizhang" },   { "圩塘", "Weitang" },
	{ "汤庄", "Tangzhuang" },   { "河海", "Hehai" },      { "三井", "Sanjing" },
	{ "龙虎塘", "Longhutang" }, { "小河", "Xiaohe" },     { "万绥", "Wansui" },
	{ "浦河", "Puhe" },         { "石桥", "Shiqiao" },
};

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
char *sch_outsider(struct sch *s)
{
	return person_name(s, NULL, 0);
}

/* ------------------------------------------------------------------ helpers */

static char (*dcache)[11];
static int dcache_base, dcache_n;

const char *sch_date(struct sch *s, int day)
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

Safecampus__Record *sch_rec(struct sch *s, int bc, int campus, int day, int minute, void *payload)
{
	return unit_record(s->u, bc, s->campus[campus], day, minute, (void **)payload);
}

void sch_emit(struct sch *s, Safecampus__Record *r)
{
	unit_emit(s->u, r);
}

const char *sch_nm(struct sch *s, int i)
{
	return s->staff[i].name;
}

/* Index in cal->days of the first school day >= day (ndays if none). */
size_t sch_sday_at(const struct calendar *c, int day)
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
int sch_school_day(const struct sch *s, int day)
{
	size_t i = sch_sday_at(s->cal, day);

	return i < s->cal->ndays ? s->cal->days[i].day : -1;
}

bool sch_done(const struct sch *s, int day)
{
	return day >= 0 && day <= s->cal->today;
}

int sch_month_of(int day)
{
	int y, m, d;

	day_split(day, &y, &m, &d);
	return m;
}

/* The diligence-scaled probability of a lapse: base for a perfect school,
 * base + worse for the worst. */
double sch_lapse(const struct sch *s, double base, double worse)
{
	return base + (1.0 - s->dil) * worse;
}


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
			p->dept = sch_dept_names[i - S_DEPT];
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
	Safecampus__Record *r = sch_rec(s, BC(SCHOOL_PROFILE), 0, s->setup_day, 9 * 60, &p);
	int v = (s->idx - 1) / NPLACES;
	const struct place *pl = &sch_places[(s->idx - 1) % NPLACES];
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
	sch_emit(s, r);
}

static void gen_staff(struct sch *s)
{
	for (int i = 0; i < NSTAFF; i++) {
		Safecampus__Staff *p;
		Safecampus__Record *r = sch_rec(s, BC(STAFF), 0, s->setup_day, 9 * 60 + 5, &p);
		struct person *pe = &s->staff[i];
		pe->id = r->id;
		p->name = (char *)pe->name;
		p->staff_role = (Safecampus__StaffRole)pe->role;
		p->department = (char *)pe->dept;
		int y = rng_int(s->R, 1992, 2025);
		p->joined_date = (char *)sch_date(
			s, day_make(y, rng_chance(s->R, 0.8) ? 8 : rng_int(s->R, 1, 12),
				    rng_int(s->R, 1, 28)));
		if (day_make(y, 1, 1) > s->setup_day)
			p->joined_date = (char *)sch_date(s, s->setup_day - 30);
		sch_emit(s, r);
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
			sch_rec(s, BC(SCHOOL_CLASS), k->campus, s->setup_day, 9 * 60 + 10, &p);
		k->id = r->id;
		k->name = arena_printf(s->a, "%s年级%d班", cn_grade[k->grade], i % 4 + 1);
		k->students = base + (i < extra ? 1 : 0);
		k->miss = 1.0;
		p->grade = k->grade;
		p->name = (char *)k->name;
		p->head_teacher = (char *)sch_nm(s, S_HEAD + i);
		p->student_count = k->students;
		/* the class opened when its pupils started grade 1 */
		int y, m, d;
		day_split(s->setup_day, &y, &m, &d);
		if (m < 8)
			y--;
		p->opened_date = (char *)sch_date(s, day_make(y - k->grade + 1, 9, 1));
		sch_emit(s, r);
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
		Safecampus__Record *r =
			sch_rec(s, BC(POLICY), 0, s->setup_day, 14 * 60 + (int)i, &p);
		int eff = day_make(rng_int(s->R, 2015, y - 1), rng_int(s->R, 1, 12),
				   rng_int(s->R, 1, 28));
		int rev = s->setup_day - rng_int(s->R, 0, 20);
		bool revised = rng_chance(s->R, 0.7);
		p->title = strstr(t->title, "%s")
				   ? arena_printf(s->a, "%s小学安全隐患排查整改实施方案",
						  sch_places[(s->idx - 1) % NPLACES].zh)
				   : (char *)t->title;
		p->type = (Safecampus__PolicyType)t->type;
		p->version = revised ? arena_printf(s->a, "%d年修订", y)
				     : arena_printf(s->a, "%d年版", y - 1);
		p->effective_date = (char *)sch_date(s, eff);
		if (revised)
			p->revised_date = (char *)sch_date(s, rev);
		p->summary = (char *)t->summary;
		if (t->scenario) {
			s->plan_id[t->scenario] = r->id;
			s->plan_title[t->scenario] = p->title;
		}
		sch_emit(s, r);
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
		size_t i0 = sch_sday_at(s->cal, s->cal->terms[t].start);
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
			if (i >= S_DEPT && rng_chance(s->R, sch_lapse(s, 0.015, 0.1)))
				continue;
			if (i0 + (size_t)lag >= s->cal->ndays)
				continue;
			int day = s->cal->days[i0 + (size_t)lag].day;
			if (!sch_done(s, day))
				continue;
			Safecampus__Letter *p;
			Safecampus__Record *r =
				sch_rec(s, BC(LETTER), 0, day, 15 * 60 + i % 60, &p);
			p->year = y;
			p->level = (Safecampus__LetterLevel)level;
			p->signer = (char *)sch_nm(s, i);
			p->signer_staff_id = (char *)s->staff[i].id;
			p->counter_signer =
				counter < 0 ? arena_printf(s->a, "区教育局 %s", sch_outsider(s))
					    : (char *)sch_nm(s, counter);
			p->signed_date = (char *)sch_date(s, day);
			sch_emit(s, r);
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
	int overdue = rng_chance(s->R, sch_lapse(s, 0.1, 0.45)) ? (int)rng_below(s->R, NBUSES) : -1;
	int serial = 0;

	for (int b = 0; b < NBUSES; b++) {
		struct bus *bu = &s->buses[b];
		Safecampus__Bus *p;
		Safecampus__Record *r = sch_rec(s, BC(BUS), 0, s->setup_day, 10 * 60 + b, &p);
		bu->id = r->id;
		bu->riders = NRIDERS / NBUSES + (b < NRIDERS % NBUSES ? 1 : 0);
		bu->plate = arena_printf(s->a, "苏D·%c%04u", 'A' + (char)((s->idx * 7 + b) % 26),
					 (unsigned)rng_int(s->R, 1000, 9999));
		bu->driver = sch_outsider(s);
		bu->attendant = sch_outsider(s);
		p->plate = (char *)bu->plate;
		p->seats = rng_int(s->R, 45, 56);
		p->company = (char *)company;
		p->driver = (char *)bu->driver;
		p->attendant = (char *)bu->attendant;
		/* school buses are inspected every six months */
		p->next_inspection_date =
			(char *)sch_date(s, b == overdue ? s->cal->today - rng_int(s->R, 3, 40)
							 : s->cal->today + rng_int(s->R, 7, 180));
		sch_emit(s, r);
		for (int k = 0; k < bu->riders; k++) {
			Safecampus__BusRider *q;
			Safecampus__Record *rr =
				sch_rec(s, BC(BUS_RIDER), 0, s->setup_day, 10 * 60 + 30, &q);
			q->bus_id = (char *)bu->id;
			q->student_ref = arena_printf(s->a, "S%03d-%04d", s->idx, ++serial);
			sch_emit(s, rr);
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
	sch_gen_equipment(s);
	sch_gen_risks(s);
	sch_gen_meetings(s);
	sch_gen_education(s);
	sch_gen_lectures(s);
	sch_gen_drills(s);
	sch_gen_inspections(s);
	sch_gen_linkage(s);
	sch_gen_gate(s);
	sch_gen_trips(s);
	sch_gen_notice_answers(s);
	free(s);
}
