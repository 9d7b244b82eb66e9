/* Notices from the bureau (上级通知) and each school's acknowledgement and
 * implementation report (已收到 / 落实情况) on the command line.
 *
 * The bureau issues notices (by hand or from a recurring campaign-day
 * template); a school acknowledges the notice as it sees it (naming its hlc)
 * and reports how it implemented it. The server's rules (server/wf_notice.c,
 * docs/internals/kinds.md) are checked here first, against what this store
 * knows, so a step the server would refuse is refused at once and writes
 * nothing. Where a school stands is folded from the notice_event rows: a
 * school's own, or for the bureau every school's as pulled. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define NACT(x) SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_##x
#define CAMP(x) SAFECAMPUS__NOTICE_CAMPAIGN__NOTICE_CAMPAIGN_##x

/* ---------------------------------------------------------------- events and folding */

struct nt_ev {
	Safecampus__Record *r;       /* owned copy */
	enum store_sync_state sync;
};

struct nt_evs {
	struct nt_ev *ev;
	size_t n, cap;
	struct cli *c;
	const char *skip;            /* an event id to leave out (the one being checked) */
	int rc;
};

/* Where one school stands on one notice. */
struct nt_fold {
	uint64_t cur;                /* the notice's version (hlc) as known here */
	uint64_t acked_hlc;          /* newest version acknowledged, 0: never */
	int64_t ack_ms;
	uint64_t reported_hlc;       /* newest version reported on, 0: none */
	char report_date[11];
	bool late;                   /* report_date after the due date */
	unsigned nack, nreport;
};

static int ev_collect(void *arg, const Safecampus__Record *r)
{
	struct nt_evs *x = arg;
	struct nt_ev *e;
	int rc;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_NOTICE_EVENT || r->deleted || (x->skip && strcmp(r->id, x->skip) == 0))
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		struct nt_ev *more = realloc(x->ev, cap * sizeof *more);
		if (!more) {
			x->rc = -ENOMEM;
			return 1;
		}
		x->ev = more;
		x->cap = cap;
	}
	e = &x->ev[x->n];
	e->r = cli_record_dup(r);
	if (!e->r) {
		x->rc = -ENOMEM;
		return 1;
	}
	x->n++;
	rc = store_sync_state(x->c->st, r->id, &e->sync);
	if (rc) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

/* The server's order first (by seq), then local events by HLC. */
static int ev_order(const void *a, const void *b)
{
	const struct nt_ev *x = a, *y = b;
	bool xs = x->r->seq != 0, ys = y->r->seq != 0;

	if (xs != ys)
		return xs ? -1 : 1;
	if (xs && x->r->seq != y->r->seq)
		return x->r->seq < y->r->seq ? -1 : 1;
	if (x->r->hlc != y->r->hlc)
		return x->r->hlc < y->r->hlc ? -1 : 1;
	return strcmp(x->r->id, y->r->id);
}

static void evs_free(struct nt_evs *x)
{
	for (size_t i = 0; i < x->n; i++)
		safecampus__record__free_unpacked(x->ev[i].r, NULL);
	free(x->ev);
	memset(x, 0, sizeof *x);
}

static int evs_load(struct cli *c, const char *notice_id, const char *skip, struct nt_evs *x)
{
	int rc;

	memset(x, 0, sizeof *x);
	x->c = c;
	x->skip = skip;
	rc = store_each_child(c->st, "notice_event", notice_id, ev_collect, x);
	if (x->rc)
		rc = x->rc;
	if (rc == 0 && x->n > 1)
		qsort(x->ev, x->n, sizeof *x->ev, ev_order);
	return rc;
}

/* Folds the events of school (NULL: all, for a school's own store) the way
 * wf_notice.c does; rejected events do not count. */
static void nt_fold(const Safecampus__Record *notice, const struct nt_evs *x, const char *school,
		    struct nt_fold *f)
{
	const char *due = cli_s(notice->notice->due_date);

	memset(f, 0, sizeof *f);
	f->cur = notice->hlc;
	for (size_t i = 0; i < x->n; i++) {
		const Safecampus__Record *r = x->ev[i].r;
		const Safecampus__NoticeEvent *ev = r->notice_event;
		if (x->ev[i].sync == STORE_REJECTED)
			continue;
		if (school && strcmp(cli_s(r->school), school) != 0)
			continue;
		if (ev->action == NACT(ACK)) {
			f->nack++;
			if (ev->notice_hlc > f->acked_hlc) {
				f->acked_hlc = ev->notice_hlc;
				f->ack_ms = ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(r->hlc);
			}
		} else if (ev->action == NACT(REPORT)) {
			/* the server takes a report only on a version acknowledged */
			if (ev->notice_hlc == 0 || ev->notice_hlc > f->acked_hlc)
				continue;
			f->nreport++;
			if (ev->notice_hlc > f->reported_hlc) {
				f->reported_hlc = ev->notice_hlc;
				snprintf(f->report_date, sizeof f->report_date, "%s",
					 cli_s(ev->report_date));
			}
		}
	}
	/* judged against the due date as it is now (the bureau may move it) */
	f->late = f->reported_hlc && *due && strcmp(f->report_date, due) > 0;
}

/* A school's standing in one word, as `notice list` shows it. */
static const char *fold_word(const struct nt_fold *f)
{
	if (f->acked_hlc == 0)
		return "unread";
	if (f->acked_hlc < f->cur)
		return "re-ack";
	if (f->reported_hlc >= f->cur)
		return f->late ? "late" : "reported";
	return "acked";
}

static bool fold_overdue(const Safecampus__Record *notice, const struct nt_fold *f,
			 const char *today)
{
	const char *due = cli_s(notice->notice->due_date);

	return f->reported_hlc == 0 && *due && strcmp(due, today) < 0;
}

/* Does notice n target school? ("" targets every school) */
static bool targets_school(const Safecampus__Notice *n, const char *school)
{
	const char *t = cli_s(n->targets);
	size_t sl = strlen(school);

	if (!*t)
		return true;
	for (const char *p = t; *p;) {
		size_t w = strcspn(p, ";");
		if (w == sl && strncmp(p, school, sl) == 0)
			return true;
		p += w;
		p += *p == ';';
	}
	return false;
}

/* ---------------------------------------------------------------- the schools the bureau knows */

struct schools {
	char **v;
	size_t n, cap;
	int rc;
};

static int schools_add(struct schools *s, const char *school)
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

static int schools_cb(void *arg, const Safecampus__Record *r)
{
	struct schools *s = arg;

	s->rc = schools_add(s, r->school);
	return s->rc ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void schools_free(struct schools *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The schools a notice is for: its targets, or every school this store has
 * rows of when it targets all. */
static int notice_targets(struct cli *c, const Safecampus__Notice *n, struct schools *out)
{
	const char *t = cli_s(n->targets);
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!*t) {
		rc = store_each(c->st, NULL, schools_cb, out);
		if (out->rc)
			rc = out->rc;
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

/* Counts of one notice over its target schools, for the bureau. */
struct nt_counts {
	unsigned targets, acked, reported, late, missing, unread, reack;
	bool all;    /* targets every school (counted over the schools known here) */
};

static int notice_counts(struct cli *c, const Safecampus__Record *r, const char *today,
			 struct nt_counts *k)
{
	struct schools ts;
	struct nt_evs x;
	int rc;

	memset(k, 0, sizeof *k);
	k->all = !*cli_s(r->notice->targets);
	rc = notice_targets(c, r->notice, &ts);
	if (rc == 0)
		rc = evs_load(c, r->id, NULL, &x);
	else
		memset(&x, 0, sizeof x);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		struct nt_fold f;
		nt_fold(r, &x, ts.v[i], &f);
		k->targets++;
		k->acked += f.acked_hlc && f.acked_hlc >= f.cur;
		k->reack += f.acked_hlc && f.acked_hlc < f.cur;
		k->unread += f.acked_hlc == 0;
		k->reported += f.reported_hlc && !f.late;
		k->late += f.reported_hlc && f.late;
		k->missing += fold_overdue(r, &f, today);
	}
	evs_free(&x);
	schools_free(&ts);
	return rc;
}

/* ---------------------------------------------------------------- status for list / show */

int nt_status_word(struct cli *c, const Safecampus__Record *r, char *out, size_t n,
		   bool *overdue)
{
	char today[11];
	int rc;

	cli_today(today);
	*overdue = false;
	if (r->body_case != SAFECAMPUS__RECORD__BODY_NOTICE)
		return SC_EINVALID;
	if (cli_is_bureau(c)) {
		struct nt_counts k;
		rc = notice_counts(c, r, today, &k);
		if (rc)
			return rc;
		*overdue = k.missing > 0;
		snprintf(out, n, "%s", *cli_s(r->notice->due_date) &&
						  strcmp(r->notice->due_date, today) < 0
					      ? "past_due"
					      : "open");
		return 0;
	}
	{
		struct nt_evs x;
		struct nt_fold f;
		rc = evs_load(c, r->id, NULL, &x);
		if (rc == 0) {
			nt_fold(r, &x, NULL, &f);
			*overdue = fold_overdue(r, &f, today);
			snprintf(out, n, "%s%s", fold_word(&f),
				 f.reported_hlc < f.cur ? " open" : "");
		}
		evs_free(&x);
	}
	return rc;
}

static bool word_in(const char *words, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = words; *p;) {
		size_t w = strcspn(p, " ");
		if (w == wl && strncmp(p, want, wl) == 0)
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

enum { NC_ID, NC_TITLE, NC_ISSUE, NC_DUE, NC_STATUS, NC_TARGETS, NC_ACKED, NC_REPORTED, NC_LATE,
       NC_MISSING, NC_CAMPAIGN, NC_SYNC, NC__N };

struct list_ctx {
	struct cli *c;
	const char *status, *since, *school;
	char today[11];
	struct cli_table *t;
	unsigned unread, open, overdue, reack;
	int rc;
};

static int list_row(void *arg, const Safecampus__Record *r)
{
	struct list_ctx *x = arg;
	const Safecampus__Notice *n = r->notice;
	const char *cells[NC__N] = {0};
	char sid[9], words[64], shown[32], tg[40], ack[16], rep[16], late[16], miss[16];
	enum store_sync_state sync;
	bool overdue = false;
	int rc;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_NOTICE || r->deleted)
		return 0;
	if (x->since && strcmp(cli_s(n->issue_date), x->since) < 0)
		return 0;
	if (x->school && !targets_school(n, x->school))
		return 0;
	rc = store_sync_state(x->c->st, r->id, &sync);
	if (rc == 0)
		rc = nt_status_word(x->c, r, words, sizeof words, &overdue);
	if (rc) {
		x->rc = rc;
		return 1;
	}
	if (overdue) {
		size_t wl = strlen(words);
		snprintf(words + wl, sizeof words - wl, " overdue");
	}
	if (x->status && !word_in(words, x->status))
		return 0;
	snprintf(sid, sizeof sid, "%.8s", r->id);
	snprintf(shown, sizeof shown, "%.*s%s", (int)strcspn(words, " "), words,
		 overdue ? "!" : "");
	cells[NC_ID] = sid;
	cells[NC_TITLE] = n->title;
	cells[NC_ISSUE] = n->issue_date;
	cells[NC_DUE] = n->due_date;
	cells[NC_STATUS] = shown;
	cells[NC_CAMPAIGN] = n->campaign ? kind_enum_name(&safecampus__notice_campaign__descriptor,
							  (int)n->campaign)
					 : "";
	cells[NC_SYNC] = cli_sync_name(sync);
	if (cli_is_bureau(x->c)) {
		struct nt_counts k;
		rc = notice_counts(x->c, r, x->today, &k);
		if (rc) {
			x->rc = rc;
			return 1;
		}
		snprintf(tg, sizeof tg, "%s%u", k.all ? "all:" : "", k.targets);
		snprintf(ack, sizeof ack, "%u", k.acked);
		snprintf(rep, sizeof rep, "%u", k.reported);
		snprintf(late, sizeof late, "%u", k.late);
		snprintf(miss, sizeof miss, "%u", k.missing);
		cells[NC_TARGETS] = tg;
		cells[NC_ACKED] = ack;
		cells[NC_REPORTED] = rep;
		cells[NC_LATE] = late;
		cells[NC_MISSING] = miss;
	}
	if (cli_table_add(x->t, cells) != 0) {
		x->rc = -ENOMEM;
		return 1;
	}
	x->unread += word_in(words, "unread") || word_in(words, "re-ack");
	x->reack += word_in(words, "re-ack");
	x->open += word_in(words, "open");
	x->overdue += overdue;
	return 0;
}

int nt_list(struct cli *c, const char *status, const char *since, const char *school)
{
	struct list_ctx x = {.c = c, .status = status, .since = since, .school = school};
	bool bureau = cli_is_bureau(c);
	unsigned cnt = bureau ? CLI_COL_KEEP : CLI_COL_OFF;
	size_t n;
	int rc;

	cli_today(x.today);
	x.t = cli_table_new(NC__N);
	if (!x.t)
		return cli_store_fail(-ENOMEM, "cannot list notices");
	cli_table_col(x.t, NC_ID, "id", 8, CLI_COL_KEEP);
	cli_table_col(x.t, NC_TITLE, "title", 0, CLI_COL_KEEP | CLI_COL_FLEX);
	/* the bureau's counts take room: the issue date goes first when short of it */
	cli_table_col(x.t, NC_ISSUE, "issued", 10, bureau ? 0 : CLI_COL_KEEP);
	cli_table_col(x.t, NC_DUE, "due", 10, CLI_COL_KEEP);
	cli_table_col(x.t, NC_STATUS, "status", 10, CLI_COL_KEEP);
	cli_table_col(x.t, NC_TARGETS, "schools", 8, cnt);
	cli_table_col(x.t, NC_ACKED, "ack", 5, cnt);
	cli_table_col(x.t, NC_REPORTED, "rpt", 5, cnt);
	cli_table_col(x.t, NC_LATE, "late", 4, cnt);
	cli_table_col(x.t, NC_MISSING, "miss", 5, cnt);
	cli_table_col(x.t, NC_CAMPAIGN, "campaign", 24, CLI_COL_HIDE_EMPTY);
	cli_table_col(x.t, NC_SYNC, "sync", 8, CLI_COL_KEEP);
	rc = store_each(c->st, "notice", list_row, &x);
	if (x.rc)
		rc = x.rc;
	if (rc) {
		cli_table_free(x.t);
		return cli_store_fail(rc, "cannot list notices");
	}
	cli_table_print(x.t, stdout, cli_term_width());
	n = cli_table_rows(x.t);
	cli_table_free(x.t);
	printf("%zu notice%s", n, n == 1 ? "" : "s");
	if (bureau) {
		if (x.overdue)
			printf(", %u past due with schools missing (status marked !)", x.overdue);
		printf("\n(ack: acknowledged the current version; rpt: reported on time; late: "
		       "reported after the due\ndate; miss: no report and past due; over the "
		       "target schools, \"all:N\" = every school this\nstore has rows of)\n");
		return 0;
	}
	if (x.unread)
		printf(", %u to acknowledge", x.unread);
	if (x.open)
		printf(", %u to report on", x.open);
	if (x.overdue)
		printf(", %u overdue (status marked !)", x.overdue);
	fputc('\n', stdout);
	if (x.reack)
		printf("re-ack: the bureau changed the notice after you acknowledged it; acknowledge "
		       "it again\n(`" CLI_PROG " notice ack ID`) before reporting\n");
	return 0;
}

int nt_show_status(struct cli *c, const Safecampus__Record *r)
{
	struct nt_evs x;
	struct nt_fold f;
	char today[11], when[32];
	int rc = evs_load(c, r->id, NULL, &x);

	if (rc) {
		evs_free(&x);
		return cli_store_fail(rc, "cannot read the notice's events");
	}
	cli_today(today);
	cli_fmt_time((int64_t)HLC_MS(r->hlc), when, sizeof when);
	printf("\nversion: %s (hlc %llu)%s\n", when, (unsigned long long)r->hlc,
	       r->deleted ? ", WITHDRAWN by the bureau" : "");
	if (cli_is_bureau(c)) {
		struct schools ts;
		rc = notice_targets(c, r->notice, &ts);
		if (rc) {
			evs_free(&x);
			return cli_store_fail(rc, "cannot read the schools");
		}
		printf("\nschools (%zu%s):\n", ts.n,
		       *cli_s(r->notice->targets) ? "" : ", every school this store has rows of");
		if (ts.n)
			printf("  %-16s %-9s %-17s %-11s %s\n", "SCHOOL", "STATUS", "ACKNOWLEDGED",
			       "REPORTED", "REPORTS");
		for (size_t i = 0; i < ts.n; i++) {
			char ack[32];
			nt_fold(r, &x, ts.v[i], &f);
			cli_fmt_time(f.acked_hlc ? f.ack_ms : 0, ack, sizeof ack);
			fputs("  ", stdout);
			cli_cell(stdout, ts.v[i], 16);
			printf(" %-9s %-17s %-11s %u\n", fold_word(&f), ack,
			       f.report_date[0] ? f.report_date : "-", f.nreport);
			(void)today;
		}
		schools_free(&ts);
	} else {
		nt_fold(r, &x, NULL, &f);
		printf("this school: %s", fold_word(&f));
		if (f.acked_hlc && f.acked_hlc < f.cur)
			printf(" (acknowledged an older version: `" CLI_PROG " notice ack %.8s`)",
			       r->id);
		else if (f.acked_hlc == 0)
			printf(" (`" CLI_PROG " notice ack %.8s`)", r->id);
		else if (f.reported_hlc < f.cur)
			printf(" (report with `" CLI_PROG " notice report %.8s ...`)", r->id);
		if (fold_overdue(r, &f, today))
			printf(", OVERDUE (due %s)", r->notice->due_date);
		fputc('\n', stdout);
	}
	printf("\nevents (%zu):\n", x.n);
	if (x.n)
		printf("  %-16s  %-6s  %-12s  %-18s  %-10s  %-8s  %s\n", "WHEN", "ACTION", "SCHOOL",
		       "ACTOR", "VERSION", "SYNC", "REPORT");
	for (size_t i = 0; i < x.n; i++) {
		const Safecampus__Record *e = x.ev[i].r;
		const Safecampus__NoticeEvent *ev = e->notice_event;
		const char *act = kind_enum_name(&safecampus__notice_action__descriptor,
						 (int)ev->action);
		char ver[32];
		cli_fmt_time(ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(e->hlc), when, sizeof when);
		printf("  %-16s  ", when);
		cli_cell(stdout, act ? act : "?", 6);
		fputs("  ", stdout);
		cli_cell(stdout, e->school, 12);
		fputs("  ", stdout);
		cli_cell(stdout, ev->actor, 18);
		snprintf(ver, sizeof ver, "%s", ev->notice_hlc == r->hlc ? "current"
					       : ev->notice_hlc < r->hlc ? "older"
									 : "newer?");
		printf("  %-10s  %-8s  ", ver, x.ev[i].sync == STORE_REJECTED ? "rejected"
						: cli_sync_name(x.ev[i].sync));
		if (ev->action == NACT(REPORT)) {
			printf("%s via ", cli_s(ev->report_date));
			cli_text(stdout, ev->channels);
			if (cli_s(ev->evidence)[0]) {
				fputs(": ", stdout);
				cli_text(stdout, ev->evidence);
			}
		}
		fputc('\n', stdout);
	}
	evs_free(&x);
	return 0;
}

/* ---------------------------------------------------------------- checks */

int nt_check_event(struct cli *c, const Safecampus__Record *r)
{
	const Safecampus__NoticeEvent *ev = r->notice_event;
	Safecampus__Record *n = NULL;
	struct nt_evs x;
	struct nt_fold f;
	char sid[9];
	int rc;

	if (!ev)
		return CLI_FAIL;
	snprintf(sid, sizeof sid, "%.8s", cli_s(ev->notice_id));
	rc = store_get(c->st, ev->notice_id, &n);
	if (rc == SC_ENOTFOUND) {
		cli_err("refused: notice %s is not known here (sync first?)", sid);
		return CLI_FAIL;
	}
	if (rc)
		return cli_store_fail(rc, "cannot read the notice");
	rc = CLI_FAIL;
	if (n->body_case != SAFECAMPUS__RECORD__BODY_NOTICE) {
		cli_err("refused: %s is not a notice", sid);
		goto out;
	}
	if (n->deleted) {
		cli_err("refused: notice %s was withdrawn by the bureau", sid);
		goto out;
	}
	if (!targets_school(n->notice, cli_s(c->cfg.school))) {
		cli_err("refused: notice %s is not addressed to school %s", sid, c->cfg.school);
		goto out;
	}
	if (ev->notice_hlc > n->hlc) {
		cli_err("refused: --notice-hlc %llu is newer than the notice known here (%llu); "
			"sync first", (unsigned long long)ev->notice_hlc, (unsigned long long)n->hlc);
		goto out;
	}
	if (ev->action != NACT(REPORT)) {
		rc = 0;
		goto out;
	}
	if (evs_load(c, n->id, r->id, &x) != 0) {
		evs_free(&x);
		rc = cli_store_fail(-EIO, "cannot read the notice's events");
		goto out;
	}
	nt_fold(n, &x, NULL, &f);
	evs_free(&x);
	if (f.acked_hlc == 0) {
		cli_err("refused: notice %s must be acknowledged before it is reported on "
			"(`" CLI_PROG " notice ack %s`)", sid, sid);
		goto out;
	}
	if (f.acked_hlc < n->hlc || ev->notice_hlc < n->hlc) {
		cli_err("refused: notice %s changed after it was %s: acknowledge it again "
			"(`" CLI_PROG " notice ack %s`), then report", sid,
			f.acked_hlc < n->hlc ? "acknowledged" : "read", sid);
		goto out;
	}
	if (*cli_s(n->notice->issue_date) && *cli_s(ev->report_date) &&
	    strcmp(ev->report_date, n->notice->issue_date) < 0) {
		cli_err("refused: --report-date %s is before the notice's issue date %s",
			ev->report_date, n->notice->issue_date);
		goto out;
	}
	rc = 0;
out:
	safecampus__record__free_unpacked(n, NULL);
	return rc;
}

/* ---------------------------------------------------------------- campaign templates */

struct campaign {
	int value;                   /* NoticeCampaign */
	const char *name;            /* as --campaign takes it */
	int first_year;              /* the first one, to number them */
	int month, day;              /* fixed date; day 0 = last Monday of the month; month
				      * alone (day -1) = the whole month */
	const char *zh, *en;         /* the day's name */
	const char *zh_action, *en_action;
	const char *zh_body, *en_body; /* between the date(s) and the due date */
};

static const struct campaign campaigns[] = {
	{CAMP(SAFETY_EDUCATION_DAY), "safety_education_day", 1996, 3, 0,
	 "全国中小学生安全教育日",
	 "National Safety Education Day for Primary and Secondary School Students",
	 "召开一次安全主题班会，组织一次应急疏散演练，向家长发送一封安全告知书",
	 "hold a themed class meeting in every class, run an evacuation drill, and send a "
	 "safety letter to parents",
	 "是全国中小学生安全教育日。请各校围绕本年度主题开展安全教育活动，并于",
	 " is National Safety Education Day for primary and secondary school students. "
	 "Each school holds safety education on this year's theme and reports how it was "
	 "implemented (date, channels, evidence) by "},
	{CAMP(NATIONAL_SECURITY_DAY), "national_security_day", 2016, 4, 15,
	 "全民国家安全教育日", "National Security Education Day",
	 "国旗下讲话一次，各班开展国家安全主题班会",
	 "give a talk at the flag-raising assembly and hold a national-security class meeting "
	 "in every class",
	 "是全民国家安全教育日。请各校开展国家安全主题教育，并于",
	 " is National Security Education Day. Each school holds national security "
	 "education and reports how it was implemented (date, channels, evidence) by "},
	{CAMP(DISASTER_PREVENTION_DAY), "disaster_prevention_day", 2009, 5, 12,
	 "全国防灾减灾日", "National Disaster Prevention and Reduction Day",
	 "组织一次防震减灾应急疏散演练，开展一次校舍隐患排查",
	 "run an earthquake evacuation drill and inspect the school buildings for hazards",
	 "是全国防灾减灾日。请各校开展防灾减灾宣传教育和应急疏散演练，并于",
	 " is National Disaster Prevention and Reduction Day. Each school holds disaster "
	 "prevention education and an evacuation drill, and reports how it was implemented "
	 "(date, channels, evidence) by "},
	{CAMP(SAFETY_MONTH), "safety_month", 0, 6, -1,
	 "安全教育月", "Safety Education Month",
	 "每周开展一次安全主题教育，开展防溺水专题教育，发放暑期安全告家长书",
	 "hold a themed safety session every week, teach drowning prevention, and send the "
	 "summer safety letter to parents",
	 "为安全教育月。请各校每周开展安全主题教育，并于",
	 " is Safety Education Month. Each school holds a themed safety session every week "
	 "and reports how it was implemented (date, channels, evidence) by "},
	{CAMP(FIRE_DAY_119), "fire_day_119", 1992, 11, 9,
	 "全国“119”消防日", "National '119' Fire Safety Day",
	 "组织一次消防疏散演练，开展灭火器使用培训和消防隐患排查",
	 "run a fire evacuation drill, train staff to use extinguishers, and inspect for fire "
	 "hazards",
	 "是全国“119”消防日。请各校开展消防安全教育和疏散演练，并于",
	 " is National '119' Fire Safety Day. Each school holds fire safety education and "
	 "an evacuation drill, and reports how it was implemented (date, channels, evidence) "
	 "by "},
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
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int d = cp->day, last = mdays[cp->month - 1];

	if (cp->month == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		last = 29;
	end[0] = '\0';
	if (d == 0) {
		/* the last Monday: back from the month's last day */
		int wd = cli_weekday(y, cp->month, last);
		d = last - (wd + 6) % 7;
	} else if (d < 0) {
		snprintf(start, 11, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)cp->month % 100u);
		snprintf(end, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)cp->month % 100u,
			 (unsigned)last % 100u);
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
	static const char *const months[] = {"January", "February", "March", "April", "May",
					     "June", "July", "August", "September", "October",
					     "November", "December"};
	long m = strtol(d + 5, NULL, 10);

	snprintf(out, n, "%ld %s %.4s", strtol(d + 8, NULL, 10),
		 months[(m >= 1 && m <= 12) ? m - 1 : 0], d);
}

/* ---------------------------------------------------------------- the verbs */

static const char *const channel_help =
	"class_meeting, class_group, lecture, parent_letter, public_account, education_platform, "
	"assembly, drill, other";

/* Refuses at once when this install is not the bureau (or is, for acks). */
static int need_role(struct cli *c, bool bureau, const char *what)
{
	if (bureau && !cli_is_bureau(c)) {
		cli_err("refused: only the bureau %s; this install is school %s, campus %s "
			"(schools acknowledge notices and report on them: `" CLI_PROG
			" notice ack|report`)", what, c->cfg.school, c->cfg.campus);
		return CLI_FAIL;
	}
	if (!bureau && cli_is_bureau(c)) {
		cli_err("refused: a school %s; the bureau issues notices and reads the schools' "
			"answers (`" CLI_PROG " notice list`)", what);
		return CLI_FAIL;
	}
	return 0;
}

/* Sets one field of m from text; a bad value is a usage error naming --flag. */
static int set_field(const struct kind *k, ProtobufCMessage *m, const char *field,
		     const char *text, const char *cmd)
{
	char err[256];

	if (kind_field_set(m, kind_field(k, field), text, err, sizeof err) != 0) {
		char msg[300];
		cli_flagify(k, err, msg, sizeof msg);
		return cli_usage(cmd, "--%s: %s", field, msg);
	}
	return 0;
}

static char *get_field(const struct kind *k, const ProtobufCMessage *m, const char *field)
{
	return kind_field_get(m, kind_field(k, field));
}

/* Checks and writes a new notice; prints its id and a line for people. */
static int issue_write(struct cli *c, const struct kind *k, ProtobufCMessage *m)
{
	Safecampus__Record *r = cli_record_new(k, m);
	const Safecampus__Notice *n;
	int rc;

	if (!r)
		return cli_store_fail(-ENOMEM, "cannot make the notice");
	n = r->notice;
	rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r);
	if (rc == 0) {
		printf("%s\n", r->id);
		fprintf(stderr, "issued notice %.8s \"%s\" to %s, due %s; it reaches the schools "
			"after `" CLI_PROG " sync` here and theirs\n", r->id, cli_s(n->title),
			*cli_s(n->targets) ? n->targets : "every school", cli_s(n->due_date));
	}
	kind_record_free(r);
	return rc;
}

static int run_issue(struct cli *c, int argc, char **argv)
{
	static const char *const required[] = {"title", "due_date", NULL};
	static const struct cli_help h = {
		.usage = "notice issue --title T --due-date YYYY-MM-DD [--body T] [--issue-date D] "
			 "[--required-action T] [--targets \"s1;s2\"] [--campaign C]",
		.summary = "Issues a notice to the schools (bureau only). --targets is a "
			   "';'-separated list of school ids;\nwithout it the notice goes to "
			   "every school. Prints the notice's id.",
		.epilog = "--issue-date defaults to today. Each target school acknowledges it "
			  "(`notice ack`) and reports\nhow it implemented it (`notice report`); "
			  "`notice list` counts their answers. Editing a\nnotice later (`edit ID "
			  "--due-date ...`) makes a new version the schools must acknowledge "
			  "again.\nFor a recurring campaign day, `notice template` fills in the "
			  "date and the text.",
	};
	const struct kind *k = kind_by_name("notice");
	struct cli_opt opts[CLI_MAX_OPTS];
	size_t nopts = 0, npos;
	const char *pos[1];
	ProtobufCMessage *m;
	char today[11], *v;
	int rc;

	if (!cli_prescan(c, argc, argv)) {
		rc = cli_config(c);
		if (rc)
			return rc;
		rc = need_role(c, true, "issues notices");
		if (rc)
			return rc;
	}
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS, required, NULL) != 0)
		return CLI_FAIL;
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 0, 0, &npos);
	if (rc == CLI_HELP) {
		fputc('\n', stdout);
		cli_kind_fields_help(stdout, k);
		return CLI_OK;
	}
	if (rc)
		return rc;
	m = kind_payload_new(k);
	if (!m)
		return cli_store_fail(-ENOMEM, "cannot make the notice");
	rc = cli_field_apply(c, "notice issue", m, opts, nopts);
	if (rc == 0 && (v = get_field(k, m, "issue_date")) != NULL) {
		if (!*v) {
			cli_today(today);
			rc = set_field(k, m, "issue_date", today, "notice issue");
		}
		free(v);
	}
	if (rc) {
		kind_payload_free(m);
		return rc;
	}
	return issue_write(c, k, m);
}

static int run_template(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "notice template CAMPAIGN --year YYYY [--due-date D] [--issue-date D] "
			 "[--targets \"s1;s2\"] [--dry-run]",
		.summary = "Issues the notice of a recurring campaign day for a year (bureau "
			   "only), with the date computed\nand the title, body and required "
			   "action written in Chinese and English:\n"
			   "  safety_education_day     全国中小学生安全教育日, the last Monday of "
			   "March\n"
			   "  national_security_day    全民国家安全教育日, 15 April\n"
			   "  disaster_prevention_day  全国防灾减灾日, 12 May\n"
			   "  safety_month             安全教育月, June (1-30 June)\n"
			   "  fire_day_119             全国“119”消防日, 9 November\n"
			   "The due date is 7 days after the day (after the month's end for "
			   "safety_month) unless given.",
		.epilog = "--issue-date defaults to today, or to 14 days before the day when today "
			  "is already past the\ndue date (a notice for a past year). --title, "
			  "--body and --required-action replace the\nprefilled text. --dry-run "
			  "prints the notice without issuing it.",
	};
	struct cli_opt opts[] = {
		{.name = "year", .metavar = "YYYY", .help = "the year of the campaign day",
		 .flags = CLI_OPT_REQUIRED},
		{.name = "due_date", .metavar = "YYYY-MM-DD", .help = "report by (default: 7 days "
								      "after the day)"},
		{.name = "issue_date", .metavar = "YYYY-MM-DD", .help = "default: today"},
		{.name = "targets", .metavar = "A;B;...", .help = "school ids (default: every "
								  "school)"},
		{.name = "title", .metavar = "TEXT", .help = "instead of the prefilled title"},
		{.name = "body", .metavar = "TEXT", .help = "instead of the prefilled body"},
		{.name = "required_action", .metavar = "TEXT",
		 .help = "instead of the prefilled required action"},
		{.name = "dry-run", .help = "print the notice, do not issue it"},
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
		rc = need_role(c, true, "issues notices");
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
			return cli_usage("notice template", "%s has no fixed day: issue it with "
					 "`" CLI_PROG " notice issue --campaign %s ...`", pos[0],
					 pos[0]);
		return cli_usage("notice template", "unknown campaign '%s' (safety_education_day, "
				 "national_security_day, disaster_prevention_day, safety_month, "
				 "fire_day_119)", pos[0]);
	}
	year = strtol(opts[0].value, &endp, 10);
	if (*endp || year < 2000 || year > 2100)
		return cli_usage("notice template", "--year: \"%s\" is not a year from 2000 to 2100",
				 opts[0].value);
	campaign_dates(cp, (int)year, start, end);
	if (opts[1].seen) {
		if (!rules_date_valid(opts[1].value))
			return cli_usage("notice template", "--due-date: \"%s\" is not a date "
					 "YYYY-MM-DD", opts[1].value);
		snprintf(due, sizeof due, "%s", opts[1].value);
	} else if (cli_date_add(end[0] ? end : start, 7, due) != 0) {
		return cli_store_fail(-EINVAL, "cannot compute the due date");
	}
	cli_today(today);
	if (opts[2].seen) {
		if (!rules_date_valid(opts[2].value))
			return cli_usage("notice template", "--issue-date: \"%s\" is not a date "
					 "YYYY-MM-DD", opts[2].value);
		snprintf(issue, sizeof issue, "%s", opts[2].value);
	} else if (strcmp(today, due) > 0 || strcmp(today, start) > 0) {
		if (cli_date_add(start, -14, issue) != 0)
			return cli_store_fail(-EINVAL, "cannot compute the issue date");
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
		return cli_store_fail(-ENOMEM, "cannot make the notice");
	rc = set_field(k, m, "title", opts[4].seen ? opts[4].value : title, "notice template");
	if (!rc)
		rc = set_field(k, m, "body", opts[5].seen ? opts[5].value : body, "notice template");
	if (!rc)
		rc = set_field(k, m, "required_action", opts[6].seen ? opts[6].value : action,
			       "notice template");
	if (!rc)
		rc = set_field(k, m, "issue_date", issue, "notice template");
	if (!rc)
		rc = set_field(k, m, "due_date", due, "notice template");
	if (!rc)
		rc = set_field(k, m, "campaign", cp->name, "notice template");
	if (!rc && opts[3].seen)
		rc = set_field(k, m, "targets", opts[3].value, "notice template");
	if (rc) {
		kind_payload_free(m);
		return rc;
	}
	if (opts[7].seen) {
		const Safecampus__Notice *n = (const Safecampus__Notice *)m;
		printf("campaign:        %s (%s%s%s)\n", cp->name, start, end[0] ? " to " : "", end);
		printf("title:           %s\n", n->title);
		printf("issue_date:      %s\n", n->issue_date);
		printf("due_date:        %s\n", n->due_date);
		printf("targets:         %s\n", *cli_s(n->targets) ? n->targets : "(every school)");
		printf("required_action: %s\n", n->required_action);
		printf("body:\n%s\n", n->body);
		kind_payload_free(m);
		return CLI_OK;
	}
	return issue_write(c, k, m);
}

/* The notice named by prefix, for ack and report. */
static int load_notice(struct cli *c, const char *prefix, Safecampus__Record **out)
{
	char id[37];
	int rc;

	*out = NULL;
	if (cli_resolve(c, prefix, id))
		return CLI_FAIL;
	rc = store_get(c->st, id, out);
	if (rc)
		return cli_store_fail(rc, "cannot read the notice");
	if ((*out)->body_case != SAFECAMPUS__RECORD__BODY_NOTICE) {
		cli_err("%.8s is a %s, not a notice", id,
			kind_of(*out) ? kind_of(*out)->name : "record");
		safecampus__record__free_unpacked(*out, NULL);
		*out = NULL;
		return CLI_FAIL;
	}
	return 0;
}

static int run_answer(struct cli *c, int argc, char **argv, bool report)
{
	static const struct cli_help hack = {
		.usage = "notice ack ID [--actor NAME]",
		.summary = "Acknowledges a notice (已收到) as this school sees it now: the "
			   "acknowledgement names the\nnotice's version. When the bureau changes "
			   "the notice, acknowledge it again.",
		.epilog = "--actor defaults to \"safety office, campus <campus>\". ID is the "
			  "notice's id or its first 8\ncharacters (see `" CLI_PROG " notice list`).",
	};
	static const struct cli_help hrep = {
		.usage = "notice report ID --channels \"a;b\" --evidence TEXT [--report-date D] "
			 "[--actor NAME]",
		.summary = "Reports how this school implemented a notice (落实情况): when, through "
			   "which channels, and\nwhat shows it. The notice must be acknowledged in "
			   "its current version first.",
		.epilog = "--report-date defaults to today; a report after the due date is "
			  "accepted and counted as late.\nChannels (';'-separated): class_meeting, "
			  "class_group, lecture, parent_letter, public_account,\neducation_platform, "
			  "assembly, drill, other.",
	};
	const struct cli_help *h = report ? &hrep : &hack;
	const struct kind *k = kind_by_name("notice_event");
	struct cli_opt opts[] = {
		{.name = "actor", .metavar = "NAME", .help = "who acts for the school"},
		{.name = "report_date", .metavar = "YYYY-MM-DD", .help = "when it was implemented "
									 "(default: today)"},
		{.name = "channels", .metavar = "A;B;...", .help = channel_help,
		 .flags = CLI_OPT_REQUIRED},
		{.name = "evidence", .metavar = "TEXT",
		 .help = "what shows it: minutes, photos, file names, links",
		 .flags = CLI_OPT_REQUIRED},
	};
	size_t nopts = report ? 4 : 1, npos;
	const char *cmd = report ? "notice report" : "notice ack";
	const char *pos[1];
	Safecampus__Record *n = NULL, *r = NULL;
	ProtobufCMessage *m;
	char actor[128], num[32], today[11], sid[9];
	int rc;

	rc = cli_parse(c, argc, argv, opts, nopts, h, pos, 1, 1, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	rc = need_role(c, false, report ? "reports on notices" : "acknowledges notices");
	if (rc)
		return rc;
	rc = load_notice(c, pos[0], &n);
	if (rc)
		return rc;
	snprintf(sid, sizeof sid, "%.8s", n->id);
	if (!report) {
		/* acknowledged in this version already: nothing to add */
		struct nt_evs x;
		struct nt_fold f;
		rc = evs_load(c, n->id, NULL, &x);
		if (rc == 0)
			nt_fold(n, &x, NULL, &f);
		evs_free(&x);
		if (rc) {
			rc = cli_store_fail(rc, "cannot read the notice's events");
			goto out;
		}
		if (!n->deleted && f.acked_hlc >= n->hlc &&
		    targets_school(n->notice, cli_s(c->cfg.school))) {
			printf("notice %s is already acknowledged in its current version; nothing "
			       "to do\n", sid);
			rc = CLI_OK;
			goto out;
		}
	}
	m = kind_payload_new(k);
	if (!m) {
		rc = cli_store_fail(-ENOMEM, "cannot make the event");
		goto out;
	}
	r = cli_record_new(k, m);
	if (!r) {
		rc = cli_store_fail(-ENOMEM, "cannot make the event");
		goto out;
	}
	snprintf(actor, sizeof actor, "safety office, campus %s", c->cfg.campus);
	snprintf(num, sizeof num, "%llu", (unsigned long long)n->hlc);
	cli_today(today);
	rc = set_field(k, m, "notice_id", n->id, cmd);
	if (!rc)
		rc = set_field(k, m, "action", report ? "report" : "ack", cmd);
	if (!rc)
		rc = set_field(k, m, "actor", opts[0].seen ? opts[0].value : actor, cmd);
	if (!rc)
		rc = set_field(k, m, "notice_hlc", num, cmd);
	if (!rc && report) {
		rc = set_field(k, m, "report_date", opts[1].seen ? opts[1].value : today, cmd);
		if (!rc)
			rc = set_field(k, m, "channels", opts[2].value, cmd);
		if (!rc)
			rc = set_field(k, m, "evidence", opts[3].value, cmd);
	}
	if (!rc && cli_apply_defaults(k, m) != 0)
		rc = cli_store_fail(-ENOMEM, "cannot make the event");
	if (!rc)
		rc = cli_check_record(c, r);
	if (!rc)
		rc = cli_write(c, r);
	if (!rc) {
		const char *due = cli_s(n->notice->due_date);
		if (report)
			printf("notice %s reported (event %s)%s\n", sid, r->id,
			       *due && strcmp(r->notice_event->report_date, due) > 0
				       ? "; after the due date, so it counts as late"
				       : "");
		else
			printf("notice %s acknowledged (event %s); report with `" CLI_PROG
			       " notice report %s ...`\n", sid, r->id, sid);
	}
out:
	kind_record_free(r);
	safecampus__record__free_unpacked(n, NULL);
	return rc;
}

static int run_list(struct cli *c, int argc, char **argv)
{
	char *largv[16];
	int n = 0;

	/* `notice list ...` is `list notice ...` */
	largv[n++] = "list";
	largv[n++] = "notice";
	for (int i = 1; i < argc && n < 15; i++)
		largv[n++] = argv[i];
	largv[n] = NULL;
	if (argc >= 15)
		return cli_usage("notice list", "too many arguments");
	return cmd_list(c, n, largv);
}

static void notice_help(FILE *f)
{
	fputs("Usage: " CLI_PROG " notice VERB ...\n\n"
	      "Notices from the bureau (上级通知) and each school's answer: acknowledge (已收到),\n"
	      "then report how it was implemented (落实情况).\n\n"
	      "The bureau:\n"
	      "  issue     --title T --due-date D [--body T] [--issue-date D] "
	      "[--required-action T]\n"
	      "            [--targets \"s1;s2\"] [--campaign C]: issue a notice\n"
	      "  template  CAMPAIGN --year Y [--due-date D] [--targets ...]: the notice of a "
	      "campaign day\n"
	      "            (safety_education_day, national_security_day, "
	      "disaster_prevention_day,\n"
	      "            safety_month, fire_day_119), date and text filled in\n"
	      "A school:\n"
	      "  ack       ID [--actor NAME]: acknowledge the notice as it is now\n"
	      "  report    ID --channels \"a;b\" --evidence TEXT [--report-date D]: how it was "
	      "implemented\n"
	      "Both:\n"
	      "  list      [--status S] [--since D] [--school S]: a school sees its own standing "
	      "on each\n"
	      "            notice (unread, acked, re-ack, reported, late; '!' overdue); the "
	      "bureau sees\n"
	      "            how many target schools acknowledged, reported, were late or are "
	      "missing\n"
	      "  show      ID: the notice, and who answered what\n\n"
	      "`" CLI_PROG " notice VERB --help` describes each verb.\n"
	      "\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n",
	      f);
}

int cmd_notice(struct cli *c, int argc, char **argv)
{
	int rc = cli_group_help(argc, argv, notice_help);

	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "issue") == 0)
		return run_issue(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "template") == 0)
		return run_template(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "ack") == 0)
		return run_answer(c, argc - 1, argv + 1, false);
	if (strcmp(argv[1], "report") == 0)
		return run_answer(c, argc - 1, argv + 1, true);
	if (strcmp(argv[1], "list") == 0)
		return run_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0) {
		argv[1] = "show";
		return cmd_show(c, argc - 1, argv + 1);
	}
	return cli_usage("notice", "unknown notice verb '%s' (issue, template, ack, report, list, "
			 "show)", argv[1]);
}
