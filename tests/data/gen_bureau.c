/* The bureau's records: the district calendar of each term in the period, and
 * the notices it issues (about six a term, with the campaign days). */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "hlc.h"

#define CAMP(x) SAFECAMPUS__NOTICE_CAMPAIGN__NOTICE_CAMPAIGN_##x

/* A notice the bureau sends every year on (about) the same day. */
struct notice_tpl {
	int month, day; /* issued on the first school day from this date */
	int due_days;   /* report within */
	int campaign;
	bool subset; /* only some schools (a targeted check) */
	const char *title, *body, *action;
};

static const struct notice_tpl tpls[] = {
	{ 3, 2, 21, CAMP(OTHER), false, "关于做好春季开学安全工作的通知",
	  "开学前完成校园安全大检查，开展开学第一课安全教育。",
	  "开学安全检查和开学第一课，上报检查记录" },
	{ 3, 16, 21, CAMP(SAFETY_EDUCATION_DAY), false, "关于开展全国中小学生安全教育日活动的通知",
	  "围绕3月最后一个周一的全国中小学生安全教育日，开展主题教育和应急演练。",
	  "主题班会、应急演练、安全教育平台专题，上报活动总结" },
	{ 4, 8, 17, CAMP(NATIONAL_SECURITY_DAY), false,
	  "关于开展全民国家安全教育日宣传教育活动的通知",
	  "4月15日全民国家安全教育日，开展国家安全主题教育。",
	  "国旗下讲话、主题班会，上报活动照片" },
	{ 5, 6, 16, CAMP(DISASTER_PREVENTION_DAY), false,
	  "关于开展防灾减灾日主题教育及应急疏散演练的通知",
	  "5月12日防灾减灾日，开展防震减灾知识教育和全员应急疏散演练。",
	  "疏散演练并上报演练方案与总结" },
	{ 5, 18, 23, CAMP(DROWNING), false, "关于进一步加强预防学生溺水工作的通知",
	  "进入汛期，落实“六不”要求，家校联动开展防溺水教育，排查周边危险水域。",
	  "防溺水专题教育、家长告知书、危险水域排查，上报回执率" },
	{ 6, 15, 16, CAMP(DROWNING), false, "关于做好暑期安全教育工作的通知",
	  "放假前开展暑期安全教育，重点防溺水、交通安全、防电信诈骗。",
	  "暑期安全教育课、致家长的一封信，上报完成率" },
	{ 9, 1, 29, CAMP(SAFETY_MONTH), false, "关于开展秋季开学“安全教育月”活动的通知",
	  "各校结合开学第一课，围绕交通、消防、防溺水、防欺凌开展安全教育月活动，组织一次应急疏散演"
	  "练。",
	  "开学第一课、主题班会、致家长的一封信，月底前上报落实情况" },
	{ 9, 8, 30, CAMP(HELMET_BELT), false, "关于开展“一盔一带”交通安全专题教育的通知",
	  "会同交警部门开展“一盔一带”安全守护行动：骑乘电动自行车佩戴安全头盔，乘车系好安全带。",
	  "专题班会、家长群宣传、校门口护学岗劝导，上报照片及家长告知书回执" },
	{ 10, 19, 28, CAMP(OTHER), false, "关于开展预防中小学生欺凌专项治理的通知",
	  "开展学生欺凌隐患排查，完善预防欺凌工作制度，畅通举报渠道。",
	  "专项排查、主题班会、教师培训，上报排查台账" },
	{ 11, 2, 18, CAMP(FIRE_DAY_119), false, "关于开展“119”消防安全宣传月活动的通知",
	  "以“119”消防日为契机，开展消防安全宣传教育、消防隐患排查和灭火疏散演练。",
	  "消防主题教育、疏散演练、消防设施检查，上报活动总结" },
	{ 11, 23, 21, CAMP(OTHER), true, "关于开展冬季校园安全隐患排查整治的通知",
	  "对校舍、食堂燃气、电气线路、消防设施开展冬季专项排查，发现隐患立即整改。",
	  "专项排查并上报隐患整改台账" },
	{ 12, 21, 28, CAMP(DROWNING), false, "关于做好寒假安全教育及防溺水工作的通知",
	  "放假前开展寒假安全教育，重点防溺水（冰面）、防火、防一氧化碳中毒、交通安全。",
	  "寒假安全教育课、致家长的一封信、安全教育平台专题，上报完成率" },
};

#define NTPL (sizeof tpls / sizeof tpls[0])

static void gen_calendars(struct gen *g, struct unit *u)
{
	for (int i = 0; i < g->cal.nterms; i++) {
		const struct term *t = &g->cal.terms[i];
		Safecampus__Calendar *c;
		/* published two weeks before the term */
		Safecampus__Record *r =
			unit_record(u, SAFECAMPUS__RECORD__BODY_CALENDAR, g->bureau_campus,
				    t->start - 14, 10 * 60, (void **)&c);
		c->term_name = (char *)t->name;
		c->term_start_date = arena_day(u->a, t->start);
		c->term_end_date = arena_day(u->a, t->end);
		c->holidays = (char *)t->holidays;
		c->makeup_days = (char *)t->makeup;
		unit_emit(u, r);
	}
}

/* The first school day on or after day, or -1. */
static int school_day_from(const struct calendar *c, int day)
{
	for (size_t i = 0; i < c->ndays; i++)
		if (c->days[i].day >= day)
			return c->days[i].day;
	return -1;
}

static void gen_notices(struct gen *g, struct unit *u)
{
	int y0, y1, m, d;

	day_split(g->cal.start, &y0, &m, &d);
	day_split(g->cal.end, &y1, &m, &d);
	for (int y = y0; y <= y1; y++) {
		for (size_t k = 0; k < NTPL; k++) {
			const struct notice_tpl *tp = &tpls[k];
			int want = day_make(y, tp->month, tp->day);
			if (want < g->cal.start || want > g->cal.end)
				continue;
			int issue = school_day_from(&g->cal, want);
			/* only what the bureau has issued by today; and no later
			 * than a week after the template date (not after a break) */
			if (issue < 0 || issue > g->cal.today || issue > want + 7)
				continue;
			if (g->nnotices == MAX_NOTICES)
				return;
			struct notice_info *ni = &g->notices[g->nnotices];
			Safecampus__Notice *n;
			int minute = 9 * 60 + rng_int(&u->rng, 0, 90);
			Safecampus__Record *r =
				unit_record(u, SAFECAMPUS__RECORD__BODY_NOTICE, g->bureau_campus,
					    issue, minute, (void **)&n);
			memset(ni, 0, sizeof *ni);
			snprintf(ni->id, sizeof ni->id, "%s", r->id);
			ni->issue = issue;
			ni->due = issue + tp->due_days;
			ni->hlc = r->hlc;
			ni->kind = (int)k;
			ni->targets = "";
			if (tp->subset) {
				/* about a third of the schools, at most 40 */
				size_t cap = 16 * 41;
				char *t = arena_alloc(u->a, cap);
				size_t used = 0;
				int picked = 0;
				for (int s = 1; s <= g->nschools && picked < 40; s++) {
					if (!rng_chance(&u->rng, 0.34) &&
					    !(s == g->nschools && !picked))
						continue;
					char id[16];
					gen_school_id(g, s, id);
					used += (size_t)snprintf(t + used, cap - used, "%s%s",
								 used ? ";" : "", id);
					ni->for_school[s] = true;
					picked++;
				}
				ni->targets = t;
			} else {
				for (int s = 1; s <= g->nschools; s++)
					ni->for_school[s] = true;
			}
			n->title = (char *)tp->title;
			n->body = (char *)tp->body;
			n->issue_date = arena_day(u->a, ni->issue);
			n->due_date = arena_day(u->a, ni->due);
			n->required_action = (char *)tp->action;
			n->targets = (char *)ni->targets;
			n->campaign = (Safecampus__NoticeCampaign)tp->campaign;
			unit_emit(u, r);
			g->nnotices++;
		}
	}
}

void gen_bureau(struct gen *g, struct unit *u)
{
	gen_calendars(g, u);
	gen_notices(g, u);
}

const char *gen_notice_theme(int kind)
{
	switch (tpls[kind].campaign) {
	case CAMP(HELMET_BELT):
		return "一盔一带";
	case CAMP(FIRE_DAY_119):
		return "119消防安全宣传月";
	case CAMP(DROWNING):
		return "预防溺水";
	case CAMP(SAFETY_EDUCATION_DAY):
		return "全国中小学生安全教育日";
	case CAMP(NATIONAL_SECURITY_DAY):
		return "全民国家安全教育日";
	case CAMP(DISASTER_PREVENTION_DAY):
		return "防灾减灾日";
	case CAMP(SAFETY_MONTH):
		return "安全教育月";
	default:
		return NULL;
	}
}
