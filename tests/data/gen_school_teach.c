/* One school's teaching of safety: the "1530" sessions in every class (themed
 * by month and by the bureau's campaigns), lectures, linkage with police and
 * fire services, safety meetings, and the drills with their plans. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "indicators.h"
#include "hlc.h"
#include "gen_school_int.h"

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
	const struct mtheme *mt = &mthemes[sch_month_of(sd->day)];
	Safecampus__Education *p;

	if (s->st)
		s->st->sessions_due++;
	if (rng_chance(s->R, sch_lapse(s, 0.006, 0.07) * k->miss * slot_factor[slot]))
		return;
	if (s->st)
		s->st->sessions_held++;
	Safecampus__Record *r =
		sch_rec(s, BC(EDUCATION), k->campus, sd->day,
			slot == SLOT(WEEKLY_10) ? 14 * 60 + 40 : 15 * 60 + 50 + slot, &p);
	p->school_class_id = (char *)k->id;
	p->session_date = (char *)sch_date(s, sd->day);
	p->slot = (Safecampus__EducationSlot)slot;
	p->teacher = (char *)(rng_chance(s->R, 0.9)
				      ? sch_nm(s, S_HEAD + ci)
				      : sch_nm(s, S_SUBJECT + (int)rng_below(s->R, N_SUBJECT)));
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
	sch_emit(s, r);
}

void sch_gen_education(struct sch *s)
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

void sch_gen_lectures(struct sch *s)
{
	for (int t = 0; t < s->cal->nterms; t++) {
		const struct term *te = &s->cal->terms[t];
		bool spring = strstr(te->name, "spring") != NULL;
		const struct dated_tpl *tp = spring ? lecture_spring : lecture_autumn;
		for (int i = 0; i < 4; i++) {
			int day =
				sch_school_day(s, te->start + tp[i].offset + rng_int(s->R, -3, 3));
			if (!sch_done(s, day) || day > te->end)
				continue;
			Safecampus__Lecture *p;
			Safecampus__Record *r = sch_rec(s, BC(LECTURE), 0, day, 14 * 60, &p);
			const char *place = sch_places[(s->idx - 1) % NPLACES].zh;
			p->lecture_date = (char *)sch_date(s, day);
			if (tp[i].kind == 0)
				p->speaker = arena_printf(s->a, "%s派出所教导员 %s（法制副校长）",
							  place, sch_outsider(s));
			else if (tp[i].kind == 1)
				p->speaker =
					arena_printf(s->a, "新北交警大队民警 %s", sch_outsider(s));
			else
				p->speaker = arena_printf(s->a, "新北区消防救援大队 %s",
							  sch_outsider(s));
			p->topic = (char *)tp[i].text;
			p->audience = (char *)tp[i].extra;
			p->attendees = strstr(tp[i].extra, "全")
					       ? s->students - rng_int(s->R, 0, 20)
					       : s->students / 2 + rng_int(s->R, -30, 30);
			sch_emit(s, r);
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

void sch_gen_linkage(struct sch *s)
{
	const char *place = sch_places[(s->idx - 1) % NPLACES].zh;

	for (int t = 0; t < s->cal->nterms; t++) {
		const struct term *te = &s->cal->terms[t];
		for (size_t i = 0; i < sizeof linkage_tpls / sizeof linkage_tpls[0]; i++) {
			const struct dated_tpl *tp = &linkage_tpls[i];
			int day = te->start + tp->offset + rng_int(s->R, 0, 4);
			if (day < s->cal->start || day > te->end || !sch_done(s, day))
				continue;
			if (rng_chance(s->R, sch_lapse(s, 0.03, 0.25)))
				continue;
			Safecampus__Linkage *p;
			Safecampus__Record *r = sch_rec(s, BC(LINKAGE), 0, day, 10 * 60, &p);
			p->activity_date = (char *)sch_date(s, day);
			p->partner = (Safecampus__LinkagePartner)tp->kind;
			p->partner_name = strstr(tp->extra, "%s")
						  ? arena_printf(s->a, "%s%s", place, tp->extra + 2)
						  : (char *)tp->extra;
			p->activity = (char *)tp->text;
			p->participants = tp->kind == PARTNER(PARENTS_COMMITTEE)
						  ? rng_int(s->R, 20, 60)
						  : rng_int(s->R, 3, 12);
			sch_emit(s, r);
		}
	}
}

static void meeting(struct sch *s, int day, int type, const char *title, int attendees,
		    const char *minutes)
{
	Safecampus__Meeting *p;
	Safecampus__Record *r;

	if (!sch_done(s, day) || rng_chance(s->R, sch_lapse(s, 0.01, 0.12)))
		return;
	r = sch_rec(s, BC(MEETING), 0, day, 16 * 60 + 10, &p);
	p->type = (Safecampus__MeetingType)type;
	p->meeting_date = (char *)sch_date(s, day);
	p->title = (char *)title;
	p->attendees = attendees;
	p->minutes = (char *)minutes;
	sch_emit(s, r);
}

void sch_gen_meetings(struct sch *s)
{
	int y, m, d;

	/* monthly: leadership at the start, guards the first week, head teachers the second */
	for (int day = s->cal->start; day <= s->cal->end;) {
		day_split(day, &y, &m, &d);
		int first = sch_school_day(s, day_make(y, m, 1));
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
			int g = sch_school_day(s, first + 2);
			if (g >= 0 && g < next_month)
				meeting(s, g, MEET(GUARD),
					arena_printf(s->a, "%d月保安工作会议", m),
					rng_int(s->R, 5, 6),
					"强调门卫登记、上放学护学岗和夜间巡查要求。");
			int h = sch_school_day(s, first + 8);
			if (h >= 0 && h < next_month)
				meeting(s, h, MEET(HEAD_TEACHER),
					arena_printf(s->a, "%d月班主任安全工作会", m),
					rng_int(s->R, 23, 26), minutes);
		}
		day = next_month;
	}
	for (int t = 0; t < s->cal->nterms; t++) {
		int day = sch_school_day(s, s->cal->terms[t].start);
		if (day >= 0 && day <= s->cal->terms[t].end)
			meeting(s, day, MEET(ALL_STAFF_TRAINING), "开学全体教职工安全培训会",
				NSTAFF - rng_int(s->R, 0, 5),
				"学习安全工作制度和应急预案，签订安全责任书。");
		day = sch_school_day(s, s->cal->terms[t].start + 63);
		if (day >= 0 && day <= s->cal->terms[t].end)
			meeting(s, day, MEET(ALL_STAFF_TRAINING), "消防安全知识全员培训",
				NSTAFF - rng_int(s->R, 0, 8),
				"消防救援站讲解灭火器和消火栓使用，现场实操。");
	}
}

/* ------------------------------------------------------------------ drills */

void sch_gen_drills(struct sch *s)
{
	int y, m, d, skip = -1, month_i = 0;

	/* at about a third of schools one month has no drill */
	int nmonths = 0;
	for (int day = s->cal->start; day <= s->cal->today && day <= s->cal->end;) {
		day_split(day, &y, &m, &d);
		nmonths++;
		day = m == 12 ? day_make(y + 1, 1, 1) : day_make(y, m + 1, 1);
	}
	if (nmonths > 1 && rng_chance(s->R, sch_lapse(s, 0.2, 0.7)))
		skip = (int)rng_below(s->R, (uint32_t)nmonths);

	for (int day = s->cal->start; day <= s->cal->end; month_i++) {
		day_split(day, &y, &m, &d);
		int from = day_make(y, m, 1);
		int next = m == 12 ? day_make(y + 1, 1, 1) : day_make(y, m + 1, 1);
		day = next;
		/* school days of the month, mid-month preferred */
		size_t a = sch_sday_at(s->cal, from), b = sch_sday_at(s->cal, next);
		if (a >= b)
			continue;
		size_t mid_a = sch_sday_at(s->cal, from + 7),
		       mid_b = sch_sday_at(s->cal, from + 24);
		if (mid_a >= mid_b) {
			mid_a = a;
			mid_b = b;
		}
		int when = s->cal->days[mid_a + rng_below(s->R, (uint32_t)(mid_b - mid_a))].day;
		int last = s->cal->days[b - 1].day;
		bool held = month_i != skip && sch_done(s, when);
		if (s->st && (last <= s->cal->today || held))
			s->st->months++;
		if (!held)
			continue;
		const struct mtheme *mt = &mthemes[m];
		Safecampus__Drill *p;
		Safecampus__Record *r = sch_rec(s, BC(DRILL), 0, when, 10 * 60, &p);
		bool plan = !rng_chance(s->R, sch_lapse(s, 0.03, 0.3));
		bool fb = !rng_chance(s->R, sch_lapse(s, 0.04, 0.35));
		p->drill_date = (char *)sch_date(s, when);
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
		sch_emit(s, r);
	}
}
