/* One school's checking and its follow-up: inspections at the four levels and
 * the hazards they find (folded through hazard_fsm.h), gate duty, bus trips,
 * equipment checks, the risk register, and the answers to the bureau's notices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "indicators.h"
#include "hlc.h"
#include "gen_school_int.h"

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
	Safecampus__Record *r = sch_rec(s, BC(HAZARD_EVENT), h->campus, h->day, h->minute, &p);
	char why[256];

	p->hazard_id = (char *)h->id;
	p->action = (Safecampus__HazardAction)action;
	p->actor = (char *)sch_nm(s, actor);
	p->actor_role = (Safecampus__StaffRole)s->staff[actor].role;
	if (owner)
		p->owner = (char *)owner;
	if (deadline >= 0)
		p->deadline_date = (char *)sch_date(s, deadline);
	if (note)
		p->note = (char *)note;
	if (action == ACT(RECTIFY)) {
		char *hex = arena_alloc(s->a, 65);
		for (int i = 0; i < 4; i++)
			snprintf(hex + 16 * i, 17, "%016llx", (unsigned long long)rng_u64(s->R));
		p->evidence_sha256 = hex;
		p->evidence_path = arena_printf(s->a, "安全档案/隐患整改/%s/%.8s-整改后.jpg",
						sch_date(s, h->day), h->id);
	}
	p->at_ms = day_ms(h->day, h->minute);
	if (hazard_apply(&h->st, p, why, sizeof why) != 0) {
		fprintf(stderr, "scgen: BUG: hazard %s of %s: illegal %s: %s\n", h->id,
			s->u->school,
			kind_enum_name(&safecampus__hazard_action__descriptor, action), why);
		abort();
	}
	sch_emit(s, r);
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
	Safecampus__Record *r = sch_rec(s, BC(HAZARD), campus, day, minute, &p);
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
	p->found_date = (char *)sch_date(s, day);
	p->reporter = (char *)sch_nm(s, reporter);
	if (inspection_id)
		p->inspection_id = (char *)inspection_id;
	sch_emit(s, r);

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
		 rng_chance(s->R, 0.5) ? "列入隐患整改责任清单，限期整改" : NULL, sch_nm(s, owner),
		 deadline);
	for (int cycle = 0; cycle < 2; cycle++) {
		int fix = rng_int(s->R, t->fix_lo, t->fix_hi);
		if (rng_chance(s->R, sch_lapse(s, 0.04, 0.2)))
			fix += rng_int(s->R, 3, 20); /* late, but done */
		if (rng_chance(s->R, sch_lapse(s, 0.015, 0.1)))
			fix += rng_int(s->R, 45, 120); /* stuck: overdue */
		if (!hz_at(&h, h.day + fix, 9 * 60 + rng_int(s->R, 0, 8 * 60)))
			goto out;
		hz_event(&h, ACT(RECTIFY), owner, t->fix, NULL, -1);
		if (!hz_at(&h, h.day + rng_int(s->R, 0, 3), 9 * 60 + rng_int(s->R, 0, 8 * 60)))
			goto out;
		hz_event(&h, ACT(VERIFY), S_VICE, "安全工作领导小组现场核查，整改到位", NULL, -1);
		bool reopen = rng_chance(s->R, cycle ? 0.01 : sch_lapse(s, 0.03, 0.08));
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
	Safecampus__Record *r = sch_rec(s, BC(INSPECTION), campus, day, minute, &p);

	p->inspection_date = (char *)sch_date(s, day);
	p->level = (Safecampus__InspectionLevel)level;
	p->focus = (Safecampus__InspectionFocus)focus;
	p->inspector = (char *)(who ? who : sch_nm(s, inspector));
	if (location)
		p->location = (char *)location;
	p->findings = found ? arena_printf(s->a, "发现隐患%d处，已录入隐患整改台账", found)
			    : (char *)rng_pick(s->R, (const char *const[]){ "检查未发现隐患",
									    "各项设施运行正常",
									    "未发现异常", NULL });
	p->hazards_found = found;
	sch_emit(s, r);
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

void sch_gen_inspections(struct sch *s)
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
		int m = sch_month_of(sd->day);
		/* leadership group: the first school day of each month and before
		 * a public holiday or the break */
		if (m != last_month || sd->holiday) {
			int focus = sd->holiday ? FOCUS(FIRE) : focus_cycle[nlead++ % 7];
			char *who = arena_printf(s->a, "安全工作领导小组（%s带队）",
						 sch_nm(s, S_PRINCIPAL));
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
				   sch_dept_names[dpt], found_n(s, w_dept, 2));
		}
		/* the responsible person's daily check at each campus gate */
		for (int c = 0; c < s->ncampus; c++) {
			static const int daily_focus[] = { FOCUS(DEFENCE_PHYSICAL),
							   FOCUS(DEFENCE_PEOPLE), FOCUS(FIRE) };
			if (rng_chance(s->R, sch_lapse(s, 0.01, 0.1)))
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

void sch_gen_gate(struct sch *s)
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
				if (rng_chance(s->R, sch_lapse(s, 0.004, 0.04)))
					continue;
				Safecampus__GateDuty *p;
				Safecampus__Record *r =
					sch_rec(s, BC(GATE_DUTY), c, sd->day,
						shift == 1 ? 7 * 60 + 50 : 16 * 60 + 20, &p);
				int leader = c == 0 ? (int)((i + (size_t)shift) % 7)
						    : S_DEPT + (int)(i % 4);
				int teacher =
					S_HEAD + (int)((i * 2 + (size_t)shift + (size_t)c * 13) %
						       (S_GUARD - S_HEAD));
				int guard = S_GUARD + (int)((i + (size_t)c) % N_GUARD);
				p->duty_date = (char *)sch_date(s, sd->day);
				p->shift = (Safecampus__GateShift)shift;
				bool short_staffed = rng_chance(s->R, sch_lapse(s, 0.01, 0.06));
				bool no_leader = short_staffed && rng_chance(s->R, 0.5);
				if (!no_leader)
					p->leader = (char *)sch_nm(s, leader);
				if (!short_staffed || no_leader)
					p->teacher = (char *)sch_nm(s, teacher);
				p->guard = (char *)sch_nm(s, guard);
				p->parent_volunteers =
					shift == 1 ? rng_int(s->R, 1, 4) : rng_int(s->R, 2, 6);
				if (rng_chance(s->R, 0.006))
					p->incidents = (char *)rng_pick(s->R, incidents);
				if (s->st) {
					s->st->shifts_held++;
					s->st->shifts_staffed += !short_staffed;
				}
				sch_emit(s, r);
			}
		}
	}
}

void sch_gen_trips(struct sch *s)
{
	for (size_t i = 0; i < s->cal->ndays_done; i++) {
		const struct sday *sd = &s->cal->days[i];
		for (int b = 0; b < NBUSES; b++) {
			const struct bus *bu = &s->buses[b];
			int absent = rng_chance(s->R, 0.5) ? rng_int(s->R, 0, 3) : 0;
			for (int dir = 1; dir <= 2; dir++) {
				Safecampus__BusTrip *p;
				Safecampus__Record *r =
					sch_rec(s, BC(BUS_TRIP), 0, sd->day,
						dir == 1 ? 8 * 60 + 5 : 17 * 60 + 10, &p);
				p->bus_id = (char *)bu->id;
				p->trip_date = (char *)sch_date(s, sd->day);
				p->direction = (Safecampus__BusDirection)dir;
				p->boarded =
					bu->riders - absent - (dir == 2 && rng_chance(s->R, 0.05));
				p->alighted = p->boarded;
				/* a miscount, or a child left on the bus: the alarm */
				if (rng_chance(s->R, sch_lapse(s, 0.001, 0.004)))
					p->alighted = p->boarded - (rng_chance(s->R, 0.8) ? 1 : -1);
				p->checked_by = (char *)bu->attendant;
				if (s->st) {
					s->st->trips++;
					s->st->trips_mismatch += p->alighted != p->boarded;
				}
				sch_emit(s, r);
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
	Safecampus__Record *r = sch_rec(s, BC(EQUIPMENT), campus, s->setup_day, 11 * 60, &p);
	p->item = (char *)item;
	p->type = (Safecampus__EquipmentType)type;
	p->location = (char *)location;
	p->installed_date = (char *)sch_date(s, installed);
	p->interval_days = interval;
	if (last >= installed) {
		p->last_check_date = (char *)sch_date(s, last);
		p->next_due_date = (char *)sch_date(s, last + interval);
		p->result = (Safecampus__EquipmentResult)checks[n - 1].result;
	}
	sch_emit(s, r);
	if (s->st) {
		s->st->equipment++;
		s->st->equipment_overdue += last < 0 || last + interval < today;
	}
	for (int i = 0; i < n; i++) {
		if (checks[i].day < check_lo || checks[i].day < installed)
			continue;
		Safecampus__EquipmentCheck *q;
		Safecampus__Record *rr =
			sch_rec(s, BC(EQUIPMENT_CHECK), campus, checks[i].day, 15 * 60, &q);
		q->equipment_id = (char *)r->id;
		q->check_date = (char *)sch_date(s, checks[i].day);
		q->result = (Safecampus__EquipmentResult)checks[i].result;
		q->checker = (char *)sch_nm(s, type == EQT(GAS_ALARM) || type == EQT(GAS_VALVE)
						       ? S_LOGISTICS
						       : S_LOGISTICS + 1);
		if (type == EQT(GAS_ALARM) || type == EQT(GAS_VALVE))
			q->note = "燃气公司年度检验，报警联动切断正常";
		else if (checks[i].result == EQR(FAULT))
			q->note = "压力不足或部件损坏，已报修";
		else if (checks[i].result == EQR(REPLACED))
			q->note = "到期更换";
		sch_emit(s, rr);
	}
}

void sch_gen_equipment(struct sch *s)
{
	int y, m, d;
	int overdue_item = rng_chance(s->R, sch_lapse(s, 0.15, 0.6)) ? rng_int(s->R, 0, 9) : -1;

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
	Safecampus__Record *r = sch_rec(s, BC(RISK), 0, s->setup_day, 11 * 60 + 30, &p);

	p->title = (char *)title;
	p->description = (char *)desc;
	p->area = (Safecampus__HazardArea)area;
	p->mitigation = (char *)mitigation;
	p->plan = (char *)plan;
	if (planned >= 0)
		p->planned_date = (char *)sch_date(s, planned);
	p->status = (Safecampus__RiskStatus)status;
	sch_emit(s, r);
}

void sch_gen_risks(struct sch *s)
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
	if (s->idx != 1 && rng_chance(s->R, sch_lapse(s, 0.1, 0.5))) {
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
	Safecampus__Record *r = sch_rec(s, BC(NOTICE_EVENT), 0, day, minute, &p);
	int64_t at = day_ms(day, minute);

	p->notice_id = (char *)ni->id;
	p->action = (Safecampus__NoticeAction)action;
	p->actor = arena_printf(s->a, "%s（%s）", sch_nm(s, S_DEPT + 3), sch_dept_names[3]);
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
		p->report_date = (char *)sch_date(s, day);
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
	sch_emit(s, r);
}

void sch_gen_notice_answers(struct sch *s)
{
	for (int i = 0; i < s->g->nnotices; i++) {
		const struct notice_info *ni = &s->g->notices[i];
		if (!ni->for_school[s->idx])
			continue;
		struct notice_standing ns = { .notice_id = ni->id, .report_day = -1 };
		if (s->st)
			s->st->notices++;
		int ack = -1, rep = -1;
		if (!rng_chance(s->R, sch_lapse(s, 0.005, 0.06))) {
			double x = rng_unit(s->R);
			int lag = x < 0.6 ? 0 : x < 0.9 ? rng_int(s->R, 1, 2) : rng_int(s->R, 3, 9);
			ack = sch_school_day(s, ni->issue + lag);
		}
		if (ack >= 0 && !rng_chance(s->R, sch_lapse(s, 0.02, 0.22))) {
			int span = ni->due - ni->issue;
			if (rng_chance(s->R, sch_lapse(s, 0.04, 0.25)))
				rep = ni->due + rng_int(s->R, 1, 12);
			else
				rep = ni->issue +
				      rng_int(s->R, span * 3 / 10 > 1 ? span * 3 / 10 : 1, span);
			if (rep < ack)
				rep = ack;
		}
		if (sch_done(s, ack)) {
			notice_event(s, ni, &ns, NACT(ACK), ack, 8 * 60 + rng_int(s->R, 0, 120));
			if (s->st)
				s->st->acked++;
		}
		if (sch_done(s, rep) && sch_done(s, ack)) {
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
