/* The dashboards: the page with the same charts as `dashboard --html`
 * (client/render_html.c renders them into a frame of ours), a school's
 * drill-down for the bureau, and an event stream that tells the page when
 * the sync stored a new dashboard. */
#include "web_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "date.h"
#include "i18n.h"
#include "local_rates.h"
#include "render.h"
#include "render_html.h"
#include "render_rates.h"

int web__suspend(struct web_req *r);

static const char *school_arg(struct web_req *r)
{
	const char *s = web_arg(r, "school");

	if (!s || !*s || r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU)
		return NULL;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return NULL;
	return strlen(s) < 64 ? s : NULL;
}

/* A school's reporting rates counted here (local_rates.h, as `safecampus
 * rates`), below the server's dashboard: they need no server, and what is
 * recorded here counts before it is synced. Nothing when they cannot be
 * counted (the page still has the server's). */
static void local_rates(struct web_req *r, struct web_page *p)
{
	struct render_ctx rc = { .web = true };
	struct local_rates lr;
	struct kind_env env;
	struct html h = { 0 };
	char today[11], *mem = NULL;
	size_t len = 0;
	int e;

	verb_today(today);
	verb_env(r->w->st, &r->w->cfg, today, &env);
	if (local_rates_build(&env, today, &lr) != 0)
		return;
	h.f = open_memstream(&mem, &len);
	if (!h.f)
		return;
	rc.d = &lr.d;
	h.r = &rc;
	h.d = &lr.d;
	e = render_rates_html(&h);
	if (fclose(h.f) != 0 || e) {
		free(mem);
		return;
	}
	web_p(p, "<div id=\"local-rates\">\n");
	web_p(p, "%.*s", (int)len, mem);
	free(mem);
	web_p(p, "<p class=\"legend\">");
	web_p(p,
	      _("Counted on this computer from its records and the district calendar, for %s "
		"to %s as of %s: records not yet synced count already, and the server's "
		"dashboard above shows the same numbers once they are synced."),
	      date_words(lr.start, (char[64]){ 0 }, 64), date_words(lr.end, (char[64]){ 0 }, 64),
	      date_words(lr.as_of, (char[64]){ 0 }, 64));
	web_p(p, "</p>\n</div>\n");
}

int web_page_dashboard(struct web_req *r, struct web_page *p)
{
	const char *school = school_arg(r);
	bool bureau = r->w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;

	web_head(p, r, bureau && !school ? _("District dashboard") : _("School dashboard"));
	web_p(p, "<p class=\"live noprint\" id=\"live\" data-updated=\"%s\">%s</p>\n", _("Updated"),
	      _("This page updates itself when the server sends a new dashboard."));
	if (bureau) {
		web_p(p,
		      "<form class=\"filters noprint\" method=\"get\"><div><label "
		      "for=\"f-school\">%s</label>",
		      _("One school (drill-down)"));
		web_school_choice(p, r, school);
		web_p(p, "</div><div><button type=\"submit\">%s</button></div></form>\n",
		      _("Show"));
	}
	web_p(p, "<iframe class=\"dash\" id=\"dash\" title=\"%s\" src=\"/dashboard/frame",
	      _("Dashboard"));
	if (school) {
		web_p(p, "?school=");
		web_u(p, school);
	}
	web_p(p, "\"></iframe>\n");
	if (!bureau)
		local_rates(r, p);
	web_foot(p, r);
	return 0;
}

int web_page_dashboard_frame(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	const char *school = school_arg(r);
	bool bureau = w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	char key[DASHBOARD_KEY_MAX];
	Safecampus__Dashboard *d = NULL;
	struct dashboard_local local;
	bool have_local = false;
	int64_t stored = 0;
	struct render_ctx rc = { 0 };
	char *mem = NULL;
	size_t len = 0;
	FILE *f;
	int e;

	dashboard_key(key, school, NULL);
	e = dashboard_load(w->st, key, &d, &stored);
	if (e == SC_ENOTFOUND && school) {
		Safecampus__Dashboard *dist = NULL;
		dashboard_key(key, NULL, NULL);
		e = dashboard_load(w->st, key, &dist, &stored);
		if (e == 0) {
			e = dashboard_derive_school(dist, school, &d);
			dashboard_free(dist);
			rc.derived = e == 0;
		}
	}
	if (e) {
		web_head(p, r, _("Dashboard"));
		web_p(p, "<p id=\"no-dashboard\">%s</p>",
		      e == SC_ENOTFOUND
			      ? _("No dashboard is stored here yet: it arrives with the next "
				  "sync while the server is reachable.")
			      : _("The stored dashboard could not be read."));
		web_foot(p, r);
		return 0;
	}
	have_local = dashboard_local_load(w->st, &local) == 0;
	rc.d = d;
	rc.bureau = bureau;
	rc.now_ms = verb_now_ms();
	rc.stored_ms = stored;
	rc.sort = web_arg(r, "sort");
	rc.local = have_local ? &local : NULL;
	/* no "Made by safecampus serve" footer: a program's name a browser
	 * user never typed */
	rc.synced = true;
	rc.web = true;
	f = open_memstream(&mem, &len);
	if (!f || render_html(f, &rc) != 0) {
		if (f)
			fclose(f);
		free(mem);
		web_error_page(p, r, 500, _("Dashboard"), _("The dashboard could not be shown."));
		goto out;
	}
	fclose(f);
	web_p(p, "%.*s", (int)len, mem);
	free(mem);
	/* the renderer's page carries its own inline style and sort script */
	p->csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
		 "img-src data:; frame-ancestors 'self'; base-uri 'none'";
out:
	if (have_local)
		dashboard_local_free(&local);
	dashboard_free(d);
	return 0;
}

/* One event, then the stream ends; the browser's EventSource comes back
 * with Last-Event-ID at once (retry: 1000) and waits here again, so a
 * stream never holds more than one answer and needs no write queue. */
int web_page_events(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	const char *last = web_header(r, "Last-Event-ID");
	uint64_t seen = last ? strtoull(last, NULL, 10) : 0;

	if (!last && !r->sse_since_ms) {
		/* a first connection learns where things stand */
		r->sse_version = w->dash_version;
		seen = w->dash_version;
	}
	p->ctype = "text/event-stream; charset=utf-8";
	if (seen != w->dash_version) {
		web_p(p, "retry: 1000\nid: %llu\nevent: dashboard\ndata: %llu\n\n",
		      (unsigned long long)w->dash_version, (unsigned long long)w->dash_version);
		return 0;
	}
	if (!r->sse_since_ms) {
		r->sse_version = seen;
		if (web__suspend(r) == 0)
			return 1; /* waits for news or WEB_SSE_WAIT_MS */
	}
	/* time is up (or no room to wait): a comment keeps the browser coming back */
	web_p(p, "retry: 1000\nid: %llu\n: nothing new\n\n", (unsigned long long)seen);
	return 0;
}
