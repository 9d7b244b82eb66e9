/* Notices from the bureau (上级通知) and each school's acknowledgement and
 * report (已收到 / 落实情况): the kind table entries of notice and
 * notice_event. The workflow's rules are notice_fsm.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind_notice.h"
#include "i18n.h"
#include "kind_due.h"
#include "kind_ops.h"
#include "kinds.h"
#include "notice_fsm.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- standing */

int notice_standing_load(const struct kind_env *env, const Safecampus__Record *notice,
			 const char *school, const char *skip_id, struct kind_events *x,
			 struct notice_standing *st)
{
	int rc = kind_events_load(env, "notice_event", notice->id, skip_id, x);

	notice_standing_init(st, notice);
	for (size_t i = 0; rc == 0 && i < x->n; i++) {
		const Safecampus__Record *r = x->ev[i].r;
		if (x->ev[i].sync == KIND_REJECTED || r->deleted)
			continue;
		if (school && strcmp(s_(r->school), school) != 0)
			continue;
		notice_standing_add(st, r);
	}
	notice_standing_done(st, notice);
	return rc;
}

/* ---------------------------------------------------------------- the schools a notice is for */

static int schools_add(struct notice_schools *s, const char *school)
{
	if (!school || !*school)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], school) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **more = realloc(s->v, cap * sizeof *more);
		if (!more)
			return -ENOMEM;
		s->v = more;
		s->cap = cap;
	}
	s->v[s->n] = strdup(school);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

struct schools_ctx {
	struct notice_schools *s;
	int rc;
};

static int schools_cb(void *arg, const Safecampus__Record *r)
{
	struct schools_ctx *x = arg;

	x->rc = schools_add(x->s, r->school);
	return x->rc ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void notice_schools_free(struct notice_schools *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

int notice_schools(const struct kind_env *env, const Safecampus__Notice *n,
		   struct notice_schools *out)
{
	const char *t = s_(n->targets);
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!*t && env->schools) {
		/* every school held: the store's one query over the column, not a
		 * decode of every record for each notice (the bureau's home page
		 * derived each notice so: 1.1 s on 48,500 records) */
		char(*v)[64] = NULL;
		size_t nv = 0;
		rc = env->schools(env->ctx, &v, &nv);
		for (size_t i = 0; rc == 0 && i < nv; i++)
			rc = schools_add(out, v[i]);
		free(v);
	} else if (!*t) {
		struct schools_ctx x = { .s = out };
		rc = env->each(env->ctx, NULL, schools_cb, &x);
		if (x.rc)
			rc = x.rc;
	} else {
		for (const char *p = t; *p && rc == 0;) {
			size_t w = strcspn(p, ";");
			char one[64];
			snprintf(one, sizeof one, "%.*s", (int)w, p);
			rc = schools_add(out, one);
			p += w;
			p += *p == ';';
		}
	}
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_str);
	return rc;
}

/* fn(ctx, school, standing) for each school notice r is for, in school
 * order, from one read of its events; stops at fn's first non-zero. */
static int each_standing(const struct kind_env *env, const Safecampus__Record *r,
			 int (*fn)(void *ctx, const char *school, const struct notice_standing *st),
			 void *ctx)
{
	struct notice_schools ts;
	struct kind_events x = { 0 };
	int rc = notice_schools(env, r->notice, &ts);

	if (rc == 0)
		rc = kind_events_load(env, "notice_event", r->id, NULL, &x);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		struct notice_standing st;
		notice_standing_init(&st, r);
		for (size_t j = 0; j < x.n; j++)
			if (x.ev[j].sync != KIND_REJECTED && !x.ev[j].r->deleted &&
			    strcmp(s_(x.ev[j].r->school), ts.v[i]) == 0)
				notice_standing_add(&st, x.ev[j].r);
		notice_standing_done(&st, r);
		rc = fn(ctx, ts.v[i], &st);
	}
	kind_events_free(&x);
	notice_schools_free(&ts);
	return rc;
}

struct counts_ctx {
	const Safecampus__Record *r;
	const char *today;
	struct notice_counts *k;
};

static int count_one(void *arg, const char *school, const struct notice_standing *st)
{
	struct counts_ctx *c = arg;
	struct notice_counts *k = c->k;

	(void)school;
	k->targets++;
	k->acked += st->acked_hlc && st->acked_hlc >= st->cur;
	k->reack += st->acked_hlc && st->acked_hlc < st->cur;
	k->unread += st->acked_hlc == 0;
	k->reported += st->reported_hlc && !st->late;
	k->late += st->reported_hlc && st->late;
	k->missing += notice_standing_overdue(st, c->r, c->today);
	return 0;
}

int notice_counts(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		  struct notice_counts *k)
{
	struct counts_ctx c = { r, today, k };

	memset(k, 0, sizeof *k);
	k->all = !*s_(r->notice->targets);
	return each_standing(env, r, count_one, &c);
}

/* ---------------------------------------------------------------- the entries */

/* A school's standing as its status words: "acked open", "!" when overdue. */
static void standing_status(const struct notice_standing *st, const Safecampus__Record *r,
			    const char *today, char *out, size_t n, bool *overdue)
{
	*overdue = notice_standing_overdue(st, r, today);
	snprintf(out, n, "%s%s%s%s", notice_standing_word(st), *overdue ? "!" : "",
		 st->reported_hlc < st->cur ? " open" : "", *overdue ? " overdue" : "");
}

/* For a school its own standing ("acked open", "!" when overdue); for the
 * bureau "open"/"past_due" and the counts over the target schools. */
static int nt_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		     struct kind_derived *d)
{
	const char *due = s_(r->notice->due_date);
	int rc;

	if (env->bureau) {
		struct notice_counts k;
		rc = notice_counts(env, r, today, &k);
		if (rc)
			return rc;
		d->overdue = k.missing > 0;
		snprintf(d->status, sizeof d->status, "%s%s%s",
			 *due && strcmp(due, today) < 0 ? "past_due" : "open",
			 d->overdue ? "!" : "", d->overdue ? " overdue" : "");
		snprintf(d->cell[0], KIND_CELL_LEN, "%s%u", k.all ? "all:" : "", k.targets);
		snprintf(d->cell[1], KIND_CELL_LEN, "%u", k.acked);
		snprintf(d->cell[2], KIND_CELL_LEN, "%u", k.reported);
		snprintf(d->cell[3], KIND_CELL_LEN, "%u", k.late);
		snprintf(d->cell[4], KIND_CELL_LEN, "%u", k.missing);
		return 0;
	}
	{
		struct kind_events x;
		struct notice_standing st;
		rc = notice_standing_load(env, r, NULL, NULL, &x, &st);
		kind_events_free(&x);
		if (rc)
			return rc;
		standing_status(&st, r, today, d->status, sizeof d->status, &d->overdue);
	}
	return 0;
}

struct school_ctx {
	const Safecampus__Record *r;
	const char *today;
	int (*fn)(void *ctx, const struct kind_school_standing *s);
	void *ctx;
};

static int school_one(void *arg, const char *school, const struct notice_standing *st)
{
	struct school_ctx *c = arg;
	struct kind_school_standing s = { .school = school,
					  .seen_ms = st->acked_hlc ? st->ack_ms : 0 };

	standing_status(st, c->r, c->today, s.status, sizeof s.status, &s.overdue);
	if (st->reported_hlc)
		snprintf(s.reported, sizeof s.reported, "%s", st->report_date);
	return c->fn(c->ctx, &s);
}

/* Each target school's own standing, as nt_derive gives it at the school. */
static int nt_each_school(const struct kind_env *env, const Safecampus__Record *r,
			  const char *today,
			  int (*fn)(void *ctx, const struct kind_school_standing *s), void *ctx)
{
	struct school_ctx c = { r, today, fn, ctx };

	return r->notice ? each_standing(env, r, school_one, &c) : 0;
}

static bool nt_reaches(const Safecampus__Record *r, const char *school)
{
	return r->notice && notice_targets(r->notice, school);
}

/* A new notice_event, as the server would judge it, against what is known here. */
static int ev_check(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n)
{
	const Safecampus__NoticeEvent *ev = r->notice_event;
	Safecampus__Record *notice = NULL;
	struct notice_status s;
	struct notice_standing st;
	struct kind_events x;
	int rc;

	if (!ev)
		return sc_refuse(SC_EINVALID, why, n, _("not a notice_event"));
	rc = env->get(env->ctx, s_(ev->notice_id), &notice);
	if (rc == SC_ENOTFOUND)
		return sc_refuse(SC_ENOTFOUND, why, n,
				 _("notice %.8s is not known here (sync first?)"),
				 s_(ev->notice_id));
	if (rc)
		return rc;
	if (notice->body_case != SAFECAMPUS__RECORD__BODY_NOTICE) {
		rc = sc_refuse(SC_EINVALID, why, n, _("%.8s is not a notice"), s_(ev->notice_id));
		goto out;
	}
	notice_status_init(&s);
	s.local = true;
	notice_status_set_notice(&s, notice, env->school);
	rc = notice_standing_load(env, notice, NULL, r->id, &x, &st);
	kind_events_free(&x);
	if (rc)
		goto out;
	s.acked_hlc = st.acked_hlc;
	s.reported_hlc = st.reported_hlc;
	rc = notice_apply(&s, r, why, n);
out:
	safecampus__record__free_unpacked(notice, NULL);
	return rc;
}

/* `notice ack` of a version already acknowledged adds nothing. */
static int ack_skip(const struct kind_env *env, const Safecampus__Record *notice, char *msg,
		    size_t n)
{
	struct kind_events x;
	struct notice_standing st;
	int rc = notice_standing_load(env, notice, NULL, NULL, &x, &st);

	kind_events_free(&x);
	if (rc)
		return rc;
	if (!notice->deleted && st.acked_hlc >= notice->hlc &&
	    notice_targets(notice->notice, env->school)) {
		snprintf(msg, n,
			 _("notice %.8s is already acknowledged in its current version; "
			   "nothing to do"),
			 notice->id);
		return 1;
	}
	return 0;
}

static void ack_done(const struct kind_env *env, const Safecampus__Record *notice,
		     const Safecampus__Record *r, char *out, size_t n)
{
	snprintf(out, n,
		 _("notice %.8s acknowledged (event %s); report with `safecampus notice "
		   "report %.8s ...`"),
		 notice->id, r->id, notice->id);
}

static void report_done(const struct kind_env *env, const Safecampus__Record *notice,
			const Safecampus__Record *r, char *out, size_t n)
{
	const char *due = s_(notice->notice->due_date);

	snprintf(out, n, _("notice %.8s reported (event %s)%s"), notice->id, r->id,
		 *due && strcmp(s_(r->notice_event->report_date), due) > 0
			 ? _("; after the due date, so it counts as late")
			 : "");
}

static void issue_done(const struct kind_env *env, const Safecampus__Record *parent,
		       const Safecampus__Record *r, char *out, size_t n)
{
	const Safecampus__Notice *nt = r->notice;

	snprintf(out, n,
		 _("issued notice %.8s \"%s\" to %s, due %s; it reaches the schools after "
		   "`safecampus sync` here and theirs"),
		 r->id, s_(nt->title), *s_(nt->targets) ? nt->targets : _("every school"),
		 s_(nt->due_date));
}

#define ROLE_HINT_BUREAU \
	N_(" (schools acknowledge notices and report on them: `safecampus notice ack|report`)")
#define ROLE_HINT_SCHOOL                                                                     \
	N_("; the bureau issues notices and reads the schools' answers (`safecampus notice " \
	   "list`)")

static const struct kind_verb notice_verbs[] = {
	{ .name = "issue",
	  .kind = "notice",
	  .usage = "notice issue --title T --due-date YYYY-MM-DD [--body T] [--issue-date D] "
		   "[--required-action T] [--targets \"s1;s2\"] [--campaign C]",
	  /* the summary heads the browser's form too: no option names in it */
	  .summary = N_("Issues a notice to the schools (bureau only): to the schools named, or "
			"to every school."),
	  .epilog = N_(
		  "--targets is a ';'-separated list of school ids; without it the notice goes "
		  "to every school.\nPrints the notice's id. --issue-date defaults to today. Each "
		  "target school acknowledges it (`notice "
		  "ack`) and reports\nhow it implemented it (`notice report`); `notice list` "
		  "counts their answers. Editing a\nnotice later (`edit ID --due-date ...`) makes "
		  "a new version the schools must acknowledge again.\nFor a recurring campaign "
		  "day, `notice template` fills in the date and the text."),
	  .required = (const char *const[]){ "title", "due_date", NULL },
	  .sets = (const struct kind_set[]){ { "issue_date", KF_TODAY, NULL, true }, { 0 } },
	  .flags = KV_BUREAU | KV_PRINT_ID | KV_FIELDS_HELP,
	  .sign_roles = KS_BUREAU,
	  .role_what = N_("issues notices"),
	  .role_hint = ROLE_HINT_BUREAU,
	  .done = issue_done },
	{ .name = "ack",
	  .kind = "notice_event",
	  .usage = "notice ack ID --as LOGIN",
	  .summary = N_("Acknowledges a notice (已收到) as this school sees it now: the "
			"acknowledgement names the\nnotice's version. When the bureau changes the "
			"notice, acknowledge it again."),
	  .epilog = N_(
		  "--actor defaults to \"safety office, campus <campus>\". ID is the notice's id "
		  "or its first 8\ncharacters (see `safecampus notice list`)."),
	  .required = (const char *const[]){ NULL },
	  .optional = (const char *const[]){ NULL },
	  .sets = (const struct kind_set[]){ { "notice_id", KF_PARENT_ID, NULL, false },
					     { "action", KF_TEXT, "ack", false },
					     { "actor", KF_SIGNER_NAME, NULL, false },
					     { "notice_hlc", KF_PARENT_HLC, NULL, false },
					     { 0 } },
	  .flags = KV_PARENT | KV_SCHOOL,
	  .sign_roles = KS_LEADERSHIP,
	  .role_what = N_("acknowledges notices"),
	  .role_hint = ROLE_HINT_SCHOOL,
	  .skip = ack_skip,
	  .done = ack_done },
	{ .name = "report",
	  .kind = "notice_event",
	  .usage = "notice report ID --channels \"a;b\" --evidence TEXT [--report-date D] "
		   "--as LOGIN",
	  .summary =
		  N_("Reports how this school implemented a notice (落实情况): when, through which "
		     "channels, and\nwhat shows it. The notice must be acknowledged in its current "
		     "version first."),
	  .epilog = N_(
		  "--report-date defaults to today; a report after the due date is accepted and "
		  "counted as late.\nChannels (';'-separated): class_meeting, class_group, "
		  "lecture, parent_letter, public_account,\neducation_platform, assembly, drill, "
		  "other."),
	  .required = (const char *const[]){ "channels", "evidence", NULL },
	  .optional = (const char *const[]){ "report_date", NULL },
	  .sets = (const struct kind_set[]){ { "notice_id", KF_PARENT_ID, NULL, false },
					     { "action", KF_TEXT, "report", false },
					     { "actor", KF_SIGNER_NAME, NULL, false },
					     { "notice_hlc", KF_PARENT_HLC, NULL, false },
					     { "report_date", KF_TODAY, NULL, true },
					     { 0 } },
	  .flags = KV_PARENT | KV_SCHOOL,
	  .sign_roles = KS_LEADERSHIP,
	  .role_what = N_("reports on notices"),
	  .role_hint = ROLE_HINT_SCHOOL,
	  .done = report_done },
};

static const struct kind_field_ui notice_fields[] = {
	{ "title", NC_("notice", "Title"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "body", NC_("notice", "Text"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "issue_date", NC_("notice", "Issued on"), NULL, N_("Dates"), NULL, KF_NONE, NULL },
	{ "due_date", NC_("notice", "Report by"), NULL, N_("Dates"), NULL, KF_NONE, NULL },
	{ "required_action", NC_("notice", "Required action"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "targets", NC_("notice", "Schools"),
	  N_("school ids separated by ';' (empty: every school)"), N_("Recipients"), NULL, KF_NONE,
	  NULL },
	{ "campaign", NC_("notice", "Campaign"), NULL, N_("Recipients"), NULL, KF_NONE,
	  kind_enum_notice_campaign },
};

static const struct kind_col notice_cols[] = {
	{ NC_("column", "title"), "title", 0, 0, KC_KEEP | KC_FLEX, KC_KEEP | KC_FLEX },
	/* the bureau's counts take room: the issue date goes first when short of it */
	{ NC_("column", "issued"), "issue_date", 0, 10, KC_KEEP, 0 },
	{ NC_("column", "due"), "due_date", 0, 10, KC_KEEP, KC_KEEP },
	{ NC_("column", "status"), "@status", 0, 10, KC_KEEP, KC_KEEP },
	{ NC_("column", "schools"), NULL, 1, 8, KC_OFF, KC_KEEP },
	{ NC_("column", "ack"), NULL, 2, 5, KC_OFF, KC_KEEP },
	{ NC_("column", "rpt"), NULL, 3, 5, KC_OFF, KC_KEEP },
	{ NC_("column", "late"), NULL, 4, 4, KC_OFF, KC_KEEP },
	{ NC_("column", "miss"), NULL, 5, 5, KC_OFF, KC_KEEP },
	{ NC_("column", "campaign"), "campaign", 0, 24, KC_HIDE_EMPTY, KC_HIDE_EMPTY },
};

/* A notice's targets against the schools known here: a typo ("lvshuu")
 * would reach nobody. A store that knows no school at all (a bureau that
 * never synced) cannot tell, and lets it through. */
static int nt_check(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n)
{
	const char *t = r->notice ? s_(r->notice->targets) : "";

	if (!env->school_known)
		return 0;
	for (const char *p = t; *p;) {
		size_t w = strcspn(p, ";");
		char one[64];
		bool any, known;
		int rc;
		snprintf(one, sizeof one, "%.*s", (int)w, p);
		rc = env->school_known(env->ctx, one, &any, &known);
		if (rc)
			return rc;
		if (any && !known)
			return sc_refuse(
				SC_EINVALID, why, n,
				_("notice.targets: no school \"%s\" is known here (no record of it "
				  "has been synced): check the school id, or sync first"),
				one);
		p += w;
		p += *p == ';';
	}
	return 0;
}

const struct kind_ops kind_ops_notice = {
	.kind = "notice",
	.due = kind_due_notice,
	.import_key = "title issue_date",
	.label = N_("Notice"),
	.noun = "notice",
	.schools_field = "targets",
	.fields = notice_fields,
	.nfields = sizeof notice_fields / sizeof notice_fields[0],
	.status_words = "unread acked re-ack reported late open overdue past_due",
	.status_help = N_("for a school: unread, acked, re-ack (acknowledged an older version), "
			  "reported,\nlate, open (not reported), overdue; for the bureau: open, "
			  "past_due, overdue"),
	.derive = nt_derive,
	.check = nt_check,
	.cols = notice_cols,
	.ncols = sizeof notice_cols / sizeof notice_cols[0],
	.reaches = nt_reaches,
	.each_school = nt_each_school,
	.event_kind = "notice_event",
	.group_summary = N_("issue notices (bureau); acknowledge and report on them (school)"),
	.group_help = N_("Notices from the bureau (上级通知) and each school's answer: acknowledge "
			 "(已收到),\nthen report how it was implemented (落实情况)."),
	.verbs = notice_verbs,
	.nverbs = sizeof notice_verbs / sizeof notice_verbs[0],
};

static const struct kind_enum_label answers[] = {
	{ "ack", N_("Acknowledged") },
	{ "report", N_("Implemented") },
	{ 0 },
};

static const struct kind_field_ui event_fields[] = {
	{ "notice_id", NC_("notice_event", "Notice"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "action", NC_("notice_event", "Answer"), NULL, NULL, NULL, KF_NONE, answers },
	{ "actor", NC_("notice_event", "By"), N_("who acts for the school"), NULL, NULL, KF_NONE,
	  NULL },
	{ "notice_hlc", NC_("notice_event", "Version"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "report_date", NC_("notice_event", "Implemented on"),
	  N_("when it was implemented (default: today)"), N_("The implementation"), NULL, KF_NONE,
	  NULL },
	{ "channels", NC_("notice_event", "Channels"),
	  N_("class_meeting, class_group, lecture, parent_letter, public_account, "
	     "education_platform, assembly, drill, other"),
	  N_("The implementation"), NULL, KF_NONE, kind_enum_education_channel },
	{ "evidence", NC_("notice_event", "Evidence"),
	  N_("what shows it: minutes, photos, file names, links"), N_("The implementation"), NULL,
	  KF_NONE, NULL },
	{ "at_ms", NC_("notice_event", "At"), NULL, NULL, NULL, KF_NOW_MS, NULL },
};

const struct kind_ops kind_ops_notice_event = {
	.kind = "notice_event",
	.label = N_("Answer to a notice"),
	.fields = event_fields,
	.nfields = sizeof event_fields / sizeof event_fields[0],
	.check = ev_check,
};
