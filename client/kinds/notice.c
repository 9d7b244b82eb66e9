/* Notices (上级通知) on the command line: what only a terminal does with
 * them -- the standing under `show`, the footer of `list`, and the campaign
 * templates of `notice template`. The workflow's rules are
 * common/notice_fsm.c, the verbs issue/ack/report and the status words the
 * kind's table entry, common/kind_notice.c. */
#include "cli_kind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "kind_notice.h"

#define CAMP(x) SAFECAMPUS__NOTICE_CAMPAIGN__NOTICE_CAMPAIGN_##x
#define NACT(x) SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_##x

/* The standing of one school from events already loaded. */
static void standing_of(const Safecampus__Record *notice, const struct kind_events *x,
			const char *school, struct notice_standing *st)
{
	notice_standing_init(st, notice);
	for (size_t i = 0; i < x->n; i++)
		if (x->ev[i].sync != KIND_REJECTED && !x->ev[i].r->deleted &&
		    strcmp(cli_s(x->ev[i].r->school), school) == 0)
			notice_standing_add(st, x->ev[i].r);
	notice_standing_done(st, notice);
}

/* ---------------------------------------------------------------- show */

/* `show` for a notice: this school's standing and events, or for the
 * bureau the standing of every target school. */
static int show_status(struct cli *c, const struct kind_env *env, const Safecampus__Record *r)
{
	struct kind_events x;
	struct notice_standing f;
	char today[11], when[32];
	int rc = notice_standing_load(env, r, NULL, NULL, &x, &f);

	if (rc) {
		kind_events_free(&x);
		return cli_store_fail(rc, _("cannot read the notice's events"));
	}
	cli_today(today);
	cli_fmt_time((int64_t)HLC_MS(r->hlc), when, sizeof when);
	printf(_("\nversion: %s (hlc %llu)%s\n"), when, (unsigned long long)r->hlc,
	       r->deleted ? ", WITHDRAWN by the bureau" : "");
	if (cli_is_bureau(c)) {
		struct notice_schools ts;
		rc = notice_schools(env, r->notice, &ts);
		if (rc) {
			kind_events_free(&x);
			return cli_store_fail(rc, _("cannot read the schools"));
		}
		printf(_("\nschools (%zu%s):\n"), ts.n,
		       *cli_s(r->notice->targets) ? "" : ", every school this store has rows of");
		if (ts.n)
			printf("  %-16s %-9s %-17s %-11s %s\n", "SCHOOL", "STATUS", "ACKNOWLEDGED",
			       "REPORTED", "REPORTS");
		for (size_t i = 0; i < ts.n; i++) {
			char ack[32];
			standing_of(r, &x, ts.v[i], &f);
			cli_fmt_time(f.acked_hlc ? f.ack_ms : 0, ack, sizeof ack);
			fputs("  ", stdout);
			cli_cell(stdout, ts.v[i], 16);
			printf(" %-9s %-17s %-11s %u\n", notice_standing_word(&f), ack,
			       f.report_date[0] ? f.report_date : "-", f.nreport);
			(void)today;
		}
		notice_schools_free(&ts);
	} else {
		printf(_("this school: %s"), kind_status_label(notice_standing_word(&f)));
		if (f.acked_hlc && f.acked_hlc < f.cur)
			printf(_(" (acknowledged an older version: `safecampus notice ack %.8s`)"),
			       r->id);
		else if (f.acked_hlc == 0)
			printf(_(" (`safecampus notice ack %.8s`)"), r->id);
		else if (f.reported_hlc < f.cur)
			printf(_(" (report with `safecampus notice report %.8s ...`)"), r->id);
		if (notice_standing_overdue(&f, r, today))
			printf(_(", OVERDUE (due %s)"), r->notice->due_date);
		fputc('\n', stdout);
	}
	printf(_("\nevents (%zu):\n"), x.n);
	if (x.n)
		printf("  %-16s  %-6s  %-12s  %-18s  %-10s  %-8s  %s\n", "WHEN", "ACTION", "SCHOOL",
		       "ACTOR", "VERSION", "SYNC", "REPORT");
	for (size_t i = 0; i < x.n; i++) {
		const Safecampus__Record *e = x.ev[i].r;
		const Safecampus__NoticeEvent *ev = e->notice_event;
		const char *act =
			kind_enum_name(&safecampus__notice_action__descriptor, (int)ev->action);
		char ver[32];
		cli_fmt_time(ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(e->hlc), when, sizeof when);
		printf("  %-16s  ", when);
		cli_cell(stdout, act ? act : "?", 6);
		fputs("  ", stdout);
		cli_cell(stdout, e->school, 12);
		fputs("  ", stdout);
		cli_cell(stdout, ev->actor, 18);
		snprintf(ver, sizeof ver, "%s",
			 ev->notice_hlc == r->hlc  ? "current"
			 : ev->notice_hlc < r->hlc ? "older"
						   : "newer?");
		printf("  %-10s  %-8s  ", ver,
		       x.ev[i].sync == KIND_REJECTED
			       ? "rejected"
			       : cli_sync_name((enum store_sync_state)x.ev[i].sync));
		if (ev->action == NACT(REPORT)) {
			printf(_("%s via "), cli_s(ev->report_date));
			cli_text(stdout, ev->channels);
			if (cli_s(ev->evidence)[0]) {
				fputs(": ", stdout);
				cli_text(stdout, ev->evidence);
			}
		}
		fputc('\n', stdout);
	}
	kind_events_free(&x);
	return 0;
}

/* ---------------------------------------------------------------- list */

static void list_footer(struct cli *c, const struct kind *k, const struct cli_list_counts *n)
{
	unsigned unread = cli_list_count(k, n, "unread") + cli_list_count(k, n, "re-ack");
	unsigned reack = cli_list_count(k, n, "re-ack"), open = cli_list_count(k, n, "open");

	printf(ngettext("%zu notice", "%zu notices", n->rows), n->rows);
	if (cli_is_bureau(c)) {
		if (n->overdue)
			printf(_(", %u past due with schools missing (status marked !)"),
			       n->overdue);
		printf(_("\n(ack: acknowledged the current version; rpt: reported on time; late: "
			 "reported after the due\ndate; miss: no report and past due; over the "
			 "target schools, \"all:N\" = every school this\nstore has rows of)\n"));
		return;
	}
	if (unread)
		printf(_(", %u to acknowledge"), unread);
	if (open)
		printf(_(", %u to report on"), open);
	if (n->overdue)
		printf(_(", %u overdue (status marked !)"), n->overdue);
	fputc('\n', stdout);
	if (reack)
		printf(_("re-ack: the bureau changed the notice after you acknowledged it; "
			 "acknowledge "
			 "it again\n(`safecampus notice ack ID`) before reporting\n"));
}

/* ---------------------------------------------------------------- campaign templates */

struct campaign {
	int value;           /* NoticeCampaign */
	const char *name;    /* as --campaign takes it */
	int first_year;      /* the first one, to number them */
	int month, day;      /* fixed date; day 0 = last Monday of the month; month
				      * alone (day -1) = the whole month */
	const char *zh, *en; /* the day's name */
	const char *zh_action, *en_action;
	const char *zh_body, *en_body; /* between the date(s) and the due date */
};

static const struct campaign campaigns[] = {
	{ CAMP(SAFETY_EDUCATION_DAY), "safety_education_day", 1996, 3, 0, "全国中小学生安全教育日",
	  "National Safety Education Day for Primary and Secondary School Students",
	  "召开一次安全主题班会，组织一次应急疏散演练，向家长发送一封安全告知书",
	  "hold a themed class meeting in every class, run an evacuation drill, and send a "
	  "safety letter to parents",
	  "是全国中小学生安全教育日。请各校围绕本年度主题开展安全教育活动，并于",
	  " is National Safety Education Day for primary and secondary school students. "
	  "Each school holds safety education on this year's theme and reports how it was "
	  "implemented (date, channels, evidence) by " },
	{ CAMP(NATIONAL_SECURITY_DAY), "national_security_day", 2016, 4, 15, "全民国家安全教育日",
	  "National Security Education Day", "国旗下讲话一次，各班开展国家安全主题班会",
	  "give a talk at the flag-raising assembly and hold a national-security class meeting "
	  "in every class",
	  "是全民国家安全教育日。请各校开展国家安全主题教育，并于",
	  " is National Security Education Day. Each school holds national security "
	  "education and reports how it was implemented (date, channels, evidence) by " },
	{ CAMP(DISASTER_PREVENTION_DAY), "disaster_prevention_day", 2009, 5, 12, "全国防灾减灾日",
	  "National Disaster Prevention and Reduction Day",
	  "组织一次防震减灾应急疏散演练，开展一次校舍隐患排查",
	  "run an earthquake evacuation drill and inspect the school buildings for hazards",
	  "是全国防灾减灾日。请各校开展防灾减灾宣传教育和应急疏散演练，并于",
	  " is National Disaster Prevention and Reduction Day. Each school holds disaster "
	  "prevention education and an evacuation drill, and reports how it was implemented "
	  "(date, channels, evidence) by " },
	{ CAMP(SAFETY_MONTH), "safety_month", 0, 6, -1, "安全教育月", "Safety Education Month",
	  "每周开展一次安全主题教育，开展防溺水专题教育，发放暑期安全告家长书",
	  "hold a themed safety session every week, teach drowning prevention, and send the "
	  "summer safety letter to parents",
	  "为安全教育月。请各校每周开展安全主题教育，并于",
	  " is Safety Education Month. Each school holds a themed safety session every week "
	  "and reports how it was implemented (date, channels, evidence) by " },
	{ CAMP(FIRE_DAY_119), "fire_day_119", 1992, 11, 9, "全国“119”消防日",
	  "National '119' Fire Safety Day",
	  "组织一次消防疏散演练，开展灭火器使用培训和消防隐患排查",
	  "run a fire evacuation drill, train staff to use extinguishers, and inspect for fire "
	  "hazards",
	  "是全国“119”消防日。请各校开展消防安全教育和疏散演练，并于",
	  " is National '119' Fire Safety Day. Each school holds fire safety education and "
	  "an evacuation drill, and reports how it was implemented (date, channels, evidence) "
	  "by " },
};

static const struct campaign *campaign_by_name(const char *name)
{
	char buf[64];
	size_t i = 0;

	for (; name[i] && i + 1 < sizeof buf; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[i] = '\0';
	for (size_t j = 0; j < sizeof campaigns / sizeof campaigns[0]; j++)
		if (strcmp(campaigns[j].name, buf) == 0)
			return &campaigns[j];
	return NULL;
}

/* The campaign's date(s) in year y: start and end ("" end: one day). */
static void campaign_dates(const struct campaign *cp, int y, char start[11], char end[11])
{
	int d = cp->day, last = date_month_days(y, cp->month);

	end[0] = '\0';
	if (d == 0) {
		/* the last Monday: back from the month's last day */
		int wd = date_weekday(y, cp->month, last);
		d = last - (wd + 6) % 7;
	} else if (d < 0) {
		snprintf(start, 11, "%04u-%02u-01", (unsigned)y % 10000u,
			 (unsigned)cp->month % 100u);
		snprintf(end, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
			 (unsigned)cp->month % 100u, (unsigned)last % 100u);
		return;
	}
	snprintf(start, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)cp->month % 100u,
		 (unsigned)d % 100u);
}

/* "2026年3月30日" and "30 March 2026" */
static void zh_date(const char *d, char *out, size_t n)
{
	snprintf(out, n, "%.4s年%ld月%ld日", d, strtol(d + 5, NULL, 10), strtol(d + 8, NULL, 10));
}

static void en_date(const char *d, char *out, size_t n)
{
	static const char *const months[] = { "January",   "February", "March",    "April",
					      "May",       "June",     "July",     "August",
					      "September", "October",  "November", "December" };
	long m = strtol(d + 5, NULL, 10);

	snprintf(out, n, "%ld %s %.4s", strtol(d + 8, NULL, 10),
		 months[(m >= 1 && m <= 12) ? m - 1 : 0], d);
}

/* ---------------------------------------------------------------- notice template */

/* Refuses at once when this install is not the bureau. */
static int need_bureau(struct cli *c)
{
	const struct kind_verb *v = kind_verb(kind_by_name("notice"), "issue");

	if (!cli_is_bureau(c)) {
		cli_err(_("refused: only the bureau issues notices; this install is school %s, "
			  "campus "
			  "%s%s"),
			c->cfg.school, c->cfg.campus, v ? cli_s(v->role_hint) : "");
		return CLI_FAIL;
	}
	return 0;
}

/* Checks and writes a new notice as `notice issue` would. */
static int issue_write(struct cli *c, const struct kind *k, ProtobufCMessage *m)
{
	Safecampus__Record *r = cli_record_new(k, m);

	if (!r)
		return cli_store_fail(-ENOMEM, _("cannot make the notice"));
	return cli_verb_write(c, kind_verb(k, "issue"), r);
}

static int run_template(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "notice template CAMPAIGN --year YYYY [--due-date D] [--issue-date D] "
			 "[--targets \"s1;s2\"] [--dry-run]",
		.summary =
			N_("Issues the notice of a recurring campaign day for a year (bureau "
			   "only), with the date computed\nand the title, body and required "
			   "action written in Chinese and English:\n"
			   "  safety_education_day     全国中小学生安全教育日, the last Monday of "
			   "March\n"
			   "  national_security_day    全民国家安全教育日, 15 April\n"
			   "  disaster_prevention_day  全国防灾减灾日, 12 May\n"
			   "  safety_month             安全教育月, June (1-30 June)\n"
			   "  fire_day_119             全国“119”消防日, 9 November\n"
			   "The due date is 7 days after the day (after the month's end for "
			   "safety_month) unless given."),
		.epilog = N_(
			"--issue-date defaults to today, or to 14 days before the day when today "
			"is already past the\ndue date (a notice for a past year). --title, "
			"--body and --required-action replace the\nprefilled text. --dry-run "
			"prints the notice without issuing it."),
	};
	struct cli_opt opts[] = {
		{ .name = "year",
		  .metavar = "YYYY",
		  .help = N_("the year of the campaign day"),
		  .flags = CLI_OPT_REQUIRED },
		{ .name = "due_date",
		  .metavar = "YYYY-MM-DD",
		  .help = N_("report by (default: 7 days "
			     "after the day)") },
		{ .name = "issue_date", .metavar = "YYYY-MM-DD", .help = N_("default: today") },
		{ .name = "targets",
		  .metavar = "A;B;...",
		  .help = N_("school ids (default: every "
			     "school)") },
		{ .name = "title",
		  .metavar = "TEXT",
		  .help = N_("instead of the prefilled title") },
		{ .name = "body", .metavar = "TEXT", .help = N_("instead of the prefilled body") },
		{ .name = "required_action",
		  .metavar = "TEXT",
		  .help = N_("instead of the prefilled required action") },
		{ .name = "dry-run", .help = N_("print the notice, do not issue it") },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	const struct kind *k = kind_by_name("notice");
	const struct campaign *cp;
	const char *pos[1];
	size_t npos;
	char start[11], end[11], due[11], issue[11], today[11], zs[40], ze[40], es[40], ee[40];
	char dz[40], de[40], title[512], body[2048], action[1024], when_zh[96], when_en[96];
	char *endp;
	long year;
	ProtobufCMessage *m;
	int rc;

	if (!cli_prescan(c, argc, argv)) {
		rc = cli_config(c);
		if (rc)
			return rc;
		rc = need_bureau(c);
		if (rc)
			return rc;
	}
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 1, 1, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	cp = campaign_by_name(pos[0]);
	if (!cp) {
		int v;
		if (kind_enum_parse(&safecampus__notice_campaign__descriptor, pos[0], &v) == 0)
			return cli_usage("notice template",
					 _("%s has no fixed day: issue it with "
					   "`safecampus notice issue --campaign %s ...`"),
					 pos[0], pos[0]);
		return cli_usage("notice template",
				 _("unknown campaign '%s' (safety_education_day, "
				   "national_security_day, disaster_prevention_day, safety_month, "
				   "fire_day_119)"),
				 pos[0]);
	}
	year = strtol(opts[0].value, &endp, 10);
	if (*endp || year < 2000 || year > 2100)
		return cli_usage("notice template",
				 _("--year: \"%s\" is not a year from 2000 to 2100"),
				 opts[0].value);
	campaign_dates(cp, (int)year, start, end);
	if (opts[1].seen) {
		if (!date_valid(opts[1].value))
			return cli_usage("notice template",
					 _("--due-date: \"%s\" is not a date "
					   "YYYY-MM-DD"),
					 opts[1].value);
		snprintf(due, sizeof due, "%s", opts[1].value);
	} else if (date_add(end[0] ? end : start, 7, due) != 0) {
		return cli_store_fail(-EINVAL, _("cannot compute the due date"));
	}
	cli_today(today);
	if (opts[2].seen) {
		if (!date_valid(opts[2].value))
			return cli_usage("notice template",
					 _("--issue-date: \"%s\" is not a date "
					   "YYYY-MM-DD"),
					 opts[2].value);
		snprintf(issue, sizeof issue, "%s", opts[2].value);
	} else if (strcmp(today, due) > 0 || strcmp(today, start) > 0) {
		if (date_add(start, -14, issue) != 0)
			return cli_store_fail(-EINVAL, _("cannot compute the issue date"));
	} else {
		snprintf(issue, sizeof issue, "%s", today);
	}
	zh_date(start, zs, sizeof zs);
	en_date(start, es, sizeof es);
	zh_date(due, dz, sizeof dz);
	en_date(due, de, sizeof de);
	if (end[0]) {
		zh_date(end, ze, sizeof ze);
		en_date(end, ee, sizeof ee);
		snprintf(when_zh, sizeof when_zh, "%s至%s", zs, ze);
		snprintf(when_en, sizeof when_en, "%s to %s", es, ee);
	} else {
		snprintf(when_zh, sizeof when_zh, "%s", zs);
		snprintf(when_en, sizeof when_en, "%s", es);
	}
	if (cp->first_year && year >= cp->first_year)
		snprintf(title, sizeof title, "%ld年第%ld个%s（%s）/ %s %ld (%s)", year,
			 year - cp->first_year + 1, cp->zh, when_zh, cp->en, year, when_en);
	else
		snprintf(title, sizeof title, "%ld年%s（%s）/ %s %ld (%s)", year, cp->zh, when_zh,
			 cp->en, year, when_en);
	snprintf(body, sizeof body, "%s%s%s前上报落实情况（日期、形式、佐证材料）。\n\n%s%s%s.",
		 when_zh, cp->zh_body, dz, when_en, cp->en_body, de);
	snprintf(action, sizeof action, "%s。/ %c%s.", cp->zh_action,
		 cp->en_action[0] >= 'a' && cp->en_action[0] <= 'z' ? cp->en_action[0] - 32
								    : cp->en_action[0],
		 cp->en_action + 1);
	m = kind_payload_new(k);
	if (!m)
		return cli_store_fail(-ENOMEM, _("cannot make the notice"));
	rc = cli_set_field(k, m, "title", opts[4].seen ? opts[4].value : title, "notice template");
	if (!rc)
		rc = cli_set_field(k, m, "body", opts[5].seen ? opts[5].value : body,
				   "notice template");
	if (!rc)
		rc = cli_set_field(k, m, "required_action", opts[6].seen ? opts[6].value : action,
				   "notice template");
	if (!rc)
		rc = cli_set_field(k, m, "issue_date", issue, "notice template");
	if (!rc)
		rc = cli_set_field(k, m, "due_date", due, "notice template");
	if (!rc)
		rc = cli_set_field(k, m, "campaign", cp->name, "notice template");
	if (!rc && opts[3].seen)
		rc = cli_set_field(k, m, "targets", opts[3].value, "notice template");
	if (rc) {
		kind_payload_free(m);
		return rc;
	}
	if (opts[7].seen) {
		const Safecampus__Notice *n = (const Safecampus__Notice *)m;
		printf(_("campaign:        %s (%s%s%s)\n"), cp->name, start,
		       end[0] ? _(" to ") : "", end);
		printf(_("title:           %s\n"), n->title);
		printf(_("issue_date:      %s\n"), n->issue_date);
		printf(_("due_date:        %s\n"), n->due_date);
		printf(_("targets:         %s\n"),
		       *cli_s(n->targets) ? n->targets : _("(every school)"));
		printf(_("required_action: %s\n"), n->required_action);
		printf(_("body:\n%s\n"), n->body);
		kind_payload_free(m);
		return CLI_OK;
	}
	return issue_write(c, k, m);
}

static const struct cli_verb notice_verbs[] = {
	{ "template",
	  N_("CAMPAIGN --year Y [--due-date D] [--targets ...]: the notice of a campaign "
	     "day\n            (safety_education_day, national_security_day, "
	     "disaster_prevention_day,\n            safety_month, fire_day_119), date and "
	     "text filled in"),
	  run_template },
};

const struct cli_kind cli_kind_notice = {
	.kind = "notice",
	.show = show_status,
	.list_footer = list_footer,
	.verbs = notice_verbs,
	.nverbs = sizeof notice_verbs / sizeof notice_verbs[0],
};
