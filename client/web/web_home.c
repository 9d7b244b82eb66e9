/* The home page (what is due, the sync state, every kind) and the sync page
 * (last contact, the outbox, rejected records with their reasons, fix or
 * discard them). */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "i18n.h"
#include "store_events.h"
#include "web_rec.h"

static void sync_summary(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	struct store_outbox_stats os = { 0 };
	int64_t last = 0;
	char t[32];

	if (store_outbox_stats(w->st, &os) || store_last_sync(w->st, &last))
		web_p(p, "<p class=\"error\">%s</p>", _("The outbox could not be read."));
	web_fmt_time(last, t, sizeof t);
	web_p(p, "<div class=\"cards\" id=\"sync-state\"><div class=\"card\"><h3>%s</h3><p>",
	      _("Server"));
	if (w->opts->sync && sync_connected(w->opts->sync))
		web_p(p, "<span class=\"ok\">%s</span>", _("connected"));
	else
		web_p(p, "<span class=\"pending\">%s</span>",
		      _("not connected: work goes on here, and is "
			"sent when the server is back"));
	if (w->opts->sync_rep && w->opts->sync_rep->error[0]) {
		web_p(p, "<br><span class=\"help\">");
		web_e(p, w->opts->sync_rep->error);
		web_p(p, "</span>");
	}
	web_p(p, "</p></div><div class=\"card\"><h3>%s</h3><p>%s</p></div>", _("Last contact"), t);
	web_p(p, "<div class=\"card\"><h3>%s</h3><p id=\"outbox\">", _("Waiting to be sent"));
	web_p(p, _("%llu records"), (unsigned long long)os.pending);
	web_p(p, "</p></div><div class=\"card\"><h3>%s</h3><p id=\"rejected-count\" class=\"%s\">",
	      _("Rejected by the server"), os.rejected ? "rejected" : "");
	web_p(p, _("%llu records"), (unsigned long long)os.rejected);
	web_p(p, "</p></div></div>\n");
}

struct due_ctx {
	struct web_page *p;
	struct kind_env env;
	const struct kind_env *use; /* env, or one with the kind's events read at once */
	char today[11];
	unsigned n;
	struct web *w; /* at the bureau: name each record's school */
};

static int due_cb(void *arg, const Safecampus__Record *rec)
{
	struct due_ctx *x = arg;
	const struct kind *k = kind_of(rec);
	struct kind_derived d;

	if (x->n >= 50)
		return 1;
	if (rec->deleted || !k)
		return 0;
	memset(&d, 0, sizeof d);
	if (kind_derive(x->use, rec, x->today, &d) != 0 || !d.overdue)
		return 0;
	x->n++;
	{
		char t[256];
		web_record_title(k, rec, t, sizeof t);
		web_p(x->p, "<li><a href=\"/r/%s\" title=\"%s\">", rec->id, rec->id);
		web_e(x->p, t);
		web_p(x->p, "</a> ");
	}
	if (x->w && rec->school && *rec->school) {
		char s[256];
		/* TRANSLATORS: the school of an overdue record, at the bureau */
		snprintf(s, sizeof s, _("(%s)"), web_school_label(x->w, rec->school));
		web_e(x->p, s);
		web_p(x->p, " ");
	}
	{
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)strcspn(d.status, " !"), d.status);
		web_e(x->p, kind_status_label(w));
	}
	web_p(x->p, "</li>\n");
	return 0;
}

/* Envs for deriving every record of a kind: its events read in one query
 * (store_events.h) when it has an event kind, once per page for both lists
 * (what is due this week and what is overdue read the same hazards). */
struct env_cache {
	struct store *st;
	const struct kind_env *base;
	size_t n;                /* kind_count() */
	struct store_events *ev; /* per kind index; held[i] says loaded */
	struct kind_env *fast;
	unsigned char *state; /* 0 not tried, 1 held, 2 base */
};

static void env_cache_init(struct env_cache *c, struct store *st, const struct kind_env *base)
{
	*c = (struct env_cache){ .st = st, .base = base, .n = kind_count() };
	c->ev = calloc(c->n, sizeof *c->ev);
	c->fast = calloc(c->n, sizeof *c->fast);
	c->state = calloc(c->n, 1);
	if (!c->ev || !c->fast || !c->state)
		c->n = 0; /* no memory: every kind derives the slow way */
}

static void env_cache_free(struct env_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->state[i] == 1)
			store_events_free(&c->ev[i]);
	free(c->ev);
	free(c->fast);
	free(c->state);
}

/* The env for deriving the records of kind_at(i). */
static const struct kind_env *env_for(struct env_cache *c, size_t i)
{
	const struct kind *k = kind_at(i);

	if (i >= c->n || !k->ops || !k->ops->event_kind)
		return c->base;
	if (c->state[i] == 0) {
		c->state[i] = 2;
		if (store_events_load(c->st, k->ops->event_kind, &c->ev[i]) != 0) {
			store_events_free(&c->ev[i]);
		} else {
			store_events_env(&c->ev[i], c->base, &c->fast[i]);
			c->state[i] = 1;
		}
	}
	return c->state[i] == 1 ? &c->fast[i] : c->base;
}

/* What this campus owes today and by Sunday: the lines of `safecampus status`
 * (each kind's due and owed hooks, cli_outbox.c's status_due), a record's
 * linked to its page. The bureau owes none of it. */
struct week_ctx {
	struct web_page *p;
	const struct kind_env *env;
	const struct kind *k;
	const char *today, *week_end;
	unsigned n;
	int rc;
};

#define DUE_SHOWN 50 /* lines of the week's list; the rest are counted */

static int week_line(void *arg, const char *line)
{
	struct week_ctx *x = arg;

	if (x->n++ >= DUE_SHOWN)
		return 0;
	web_p(x->p, "<li>");
	web_e_dates(x->p, line);
	web_p(x->p, "</li>\n");
	return 0;
}

static int week_rec(void *arg, const Safecampus__Record *rec)
{
	struct week_ctx *x = arg;
	char line[512];
	int rc;

	if (rec->deleted)
		return 0;
	rc = x->k->ops->due(x->env, rec, x->today, x->week_end, line, sizeof line);
	if (rc < 0) {
		x->rc = rc;
		return 1;
	}
	if (rc == 1 && x->n++ < DUE_SHOWN) {
		web_p(x->p, "<li><a href=\"/r/%s\">", rec->id);
		web_e_dates(x->p, line);
		web_p(x->p, "</a></li>\n");
	}
	return 0;
}

static void due_week(struct web_req *r, struct web_page *p, const struct kind_env *env,
		     struct env_cache *cache, const char *today)
{
	struct week_ctx x = { .p = p, .env = env, .today = today };
	char week_end[11];
	int y, m, d, rc = 0;

	if (r->w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU || date_parse(today, &y, &m, &d) != 0 ||
	    date_add(today, (7 - date_weekday(y, m, d)) % 7, week_end) != 0)
		return;
	x.week_end = week_end;
	web_p(p, "<h2>");
	web_p(p, _("Due today (%s) and this week (to %s)"), date_words(today, (char[64]){ 0 }, 64),
	      date_words(week_end, (char[64]){ 0 }, 64));
	web_p(p, "</h2>\n<ul id=\"due-week\">");
	for (size_t i = 0; rc == 0 && i < kind_count(); i++) {
		x.k = kind_at(i);
		if (!x.k->ops)
			continue;
		if (x.k->ops->owed)
			rc = x.k->ops->owed(env, today, week_line, &x);
		if (rc == 0 && x.k->ops->due) {
			x.env = env_for(cache, i);
			rc = store_each(r->w->st, x.k->name, week_rec, &x);
			if (x.rc)
				rc = x.rc;
			x.env = env;
		}
	}
	if (rc)
		web_p(p, "<li class=\"error\">%s</li>", _("What is due could not all be read."));
	else if (!x.n)
		web_p(p, "<li>%s</li>", _("Nothing is due this week."));
	if (x.n > DUE_SHOWN) {
		web_p(p, "<li id=\"due-more\">");
		web_p(p, _("and %u more (each kind's list shows them)"), x.n - DUE_SHOWN);
		web_p(p, "</li>");
	}
	web_p(p, "</ul>\n");
}

int web_page_home(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	bool bureau = w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	struct due_ctx due = { .p = p, .w = bureau ? w : NULL };
	struct env_cache cache;

	web_head(p, r, _("Home"));
	sync_summary(r, p);
	/* what is late: every record its kind's derive marks overdue (the "!" of
	 * `list`), whether or not its list has an overdue footer */
	web_today(due.today);
	verb_env(w->st, &w->cfg, due.today, &due.env);
	env_cache_init(&cache, w->st, &due.env);
	due_week(r, p, &due.env, &cache, due.today);
	web_p(p, "<h2>%s</h2>\n<ul id=\"due\">", _("Overdue"));
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		int rc;
		/* a kind whose derive marks records late has "overdue" among its
		 * status words; the others (bus trips and riders, 14,000 of the
		 * bureau's records) are not decoded for nothing */
		if (!k->ops || !k->ops->derive || !k->ops->status_words ||
		    !kind_status_has(k->ops->status_words, "overdue"))
			continue;
		due.use = env_for(&cache, i);
		/* stops at the 50 shown (due_cb says 1): nothing after is listed */
		rc = store_each(w->st, k->name, due_cb, &due);
		if (rc)
			break;
	}
	env_cache_free(&cache);
	if (!due.n)
		web_p(p, "<li>%s</li>", _("Nothing is overdue."));
	web_p(p, "</ul>\n<h2>%s</h2>\n<div class=\"cards\" id=\"kinds\">", _("Records"));
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		uint64_t n = 0;
		/* a kind this install cannot write and has none of is left out */
		if (store_count(w->st, k->name, &n))
			n = 0;
		if (!n && !kind_side_writes(k, bureau))
			continue;
		if (k->ops && k->ops->web_page)
			web_p(p, "<div class=\"card\"><h3><a href=\"%s\">", k->ops->web_page);
		else
			web_p(p, "<div class=\"card\"><h3><a href=\"/k/%s\">", k->name);
		web_e(p, web_kind_label(k));
		web_p(p, "</a></h3><p>");
		web_p(p, _("%llu records"), (unsigned long long)n);
		web_p(p, "</p></div>\n");
	}
	web_p(p, "</div>\n");
	web_foot(p, r);
	return 0;
}

/* ---------------------------------------------------------------- the sync page */

struct ob_ctx {
	struct web_req *r;
	struct web_page *p;
	unsigned n;
};

static int ob_cb(void *arg, const struct store_outbox_entry *e)
{
	struct ob_ctx *x = arg;
	struct web_page *p = x->p;
	const struct kind *k = kind_by_name(e->kind);
	char t[32];

	if (x->n++ >= 500)
		return 1;
	web_fmt_time(e->created_ms, t, sizeof t);
	web_p(p, "<tr class=\"%s\"><td><a href=\"/r/%s\">%.8s</a></td><td>",
	      e->rejected ? "rejected" : "", e->id, e->id);
	web_e(p, k ? web_kind_label(k) : e->kind);
	web_p(p, "</td><td>%s</td><td>%s</td><td>", t,
	      e->rejected ? _("rejected") : _("not yet synced"));
	if (e->rejected) {
		char d[600];
		web_e(p, cli_reject_name(e->reason));
		web_p(p, ": ");
		web_e(p, cli_detail(e->detail, d, sizeof d));
		web_p(p,
		      "</td><td class=\"actions\"><a class=\"button secondary\" "
		      "href=\"/r/%s/edit\">%s</a>"
		      "<form method=\"post\" action=\"/sync\" class=\"inline\">",
		      e->id, _("Fix"));
		web_csrf(p, x->r);
		web_p(p,
		      "<input type=\"hidden\" name=\"id\" value=\"%s\"><button name=\"do\" "
		      "value=\"retry\" class=\"secondary\">%s</button> <button name=\"do\" "
		      "value=\"discard\" "
		      "data-discard=\"%s\">%s</button></form>",
		      e->id, _("Send again"), e->id, _("Discard"));
	} else {
		web_p(p, "</td><td>");
	}
	web_p(p, "</td></tr>\n");
	return 0;
}

int web_page_sync(struct web_req *r, struct web_page *p)
{
	struct ob_ctx x = { .r = r, .p = p };

	web_head(p, r, _("Sync"));
	sync_summary(r, p);
	if (r->w->opts->sync && r->sess) {
		/* the sync runs by itself; a person waiting for a record to reach
		 * the server (or back online) says "now" */
		web_p(p, "<form method=\"post\" action=\"/sync\" id=\"sync-now\">");
		web_csrf(p, r);
		web_p(p, "<button name=\"do\" value=\"now\">%s</button></form>\n", _("Sync now"));
	}
	web_p(p,
	      "<h2>%s</h2>\n<table id=\"outbox-list\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
	      "<th>%s</th><th>%s</th><th></th></tr></thead><tbody>\n",
	      _("Outbox"), _("Record"), _("Kind"), _("Written"), _("State"), _("Server's reason"));
	if (store_each_outbox(r->w->st, ob_cb, &x) < 0)
		web_p(p, "<tr><td class=\"error\" colspan=\"6\">%s</td></tr>",
		      _("The outbox could not be read."));
	web_p(p, "</tbody></table>\n");
	if (!x.n)
		web_p(p, "<p id=\"outbox-empty\">%s</p>\n",
		      _("Everything here has reached the server."));
	web_foot(p, r);
	return 0;
}

int web_page_outbox_post(struct web_req *r, struct web_page *p)
{
	const char *id = web_arg(r, "id"), *what = web_arg(r, "do");
	int rc;

	if (web_need_person(r, p))
		return 0;
	if (what && strcmp(what, "now") == 0) {
		web_wrote(r); /* wakes the sync at once */
		web_redirect(p, "/sync");
		return 0;
	}
	if (!id || !what || (strcmp(what, "retry") != 0 && strcmp(what, "discard") != 0)) {
		web_error_page(p, r, 400, _("Sync"),
			       _("The form could not be read: nothing was written."));
		return 0;
	}
	rc = strcmp(what, "retry") == 0 ? store_outbox_retry(r->w->st, id)
					: store_outbox_discard(r->w->st, id);
	if (rc) {
		web_error_page(p, r, rc == SC_ENOTFOUND ? 404 : 500, _("Sync"),
			       rc == SC_ENOTFOUND ? _("That record is no longer in the outbox.")
						  : store_last_error());
		return 0;
	}
	web_wrote(r);
	web_redirect(p, "/sync");
	return 0;
}
