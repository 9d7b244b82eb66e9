/* The page /report: the year's safe-campus work summary (client/report.h)
 * as a form, one textarea per section prefilled with the draft the records
 * give, to be edited and printed. Edits are kept in the store
 * (store_report_edit_*), so the page opens again as it was left; the
 * figures behind each section stay linked to their records' pages. With a
 * bureau identity: the district's report and the figures of every school. */
#include "web_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"

#define REPORT_MAX_SECTION 16384 /* bytes of one section's text */

/* A school named in ?school= (the bureau's drill-down), or NULL. */
static const char *school_arg(struct web_req *r)
{
	const char *s = web_arg(r, "school");

	if (!s || !*s || r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU || strlen(s) >= 64)
		return NULL;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return NULL;
	return s;
}

/* The year asked for (this year when none); false for a bad one. */
static bool year_arg(struct web_req *r, int *year)
{
	const char *y = web_arg(r, "year");
	char today[11];

	if (y && *y)
		return report_parse_year(y, year) == 0;
	web_today(today);
	today[4] = '\0';
	return report_parse_year(today, year) == 0;
}

/* The scope the page is about: the school, or for the bureau "" (the
 * district) or the school it drills down to. */
static const char *scope_of(struct web_req *r)
{
	const char *s = school_arg(r);

	if (r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU)
		return r->w->cfg.school ? r->w->cfg.school : "";
	return s ? s : "";
}

/* The text without carriage returns and trailing white space (a browser
 * sends CRLF), malloc'd. */
static char *tidy(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *t = malloc(n + 1);

	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r')
			t[k++] = s[i];
	while (k && (t[k - 1] == '\n' || t[k - 1] == ' ' || t[k - 1] == '\t'))
		k--;
	t[k] = '\0';
	return t;
}

static void back_url(char *out, size_t n, int year, const char *school)
{
	snprintf(out, n, "/report?year=%d%s%s", year, school ? "&school=" : "",
		 school ? school : "");
}

#define SOURCES_INLINE 12 /* record links shown unfolded under a figure */

static void sources(struct web_page *p, const struct report_section *s, unsigned *note)
{
	web_p(p, "<ol class=\"src\" start=\"%u\" id=\"src-%s\">\n", *note + 1, s->key);
	for (size_t j = 0; j < s->nfigs; j++) {
		const struct report_fig *g = &s->figs[j];
		const struct kind *k = kind_by_name(g->kind);
		if (!g->text)
			continue;
		web_p(p, "<li id=\"fig-%u\" data-kind=\"%s\">", ++*note, g->kind);
		web_e(p, g->text);
		web_p(p, " (");
		web_e(p, k ? kind_label(k) : g->kind);
		web_p(p, "):");
		/* a district's figure rests on thousands of records: past a
		 * line's worth they fold, so the draft reads as a text (it
		 * was 13,000 px of ids) and prints without them */
		if (g->nids > SOURCES_INLINE) {
			web_p(p, " <details class=\"ids\"><summary>");
			web_p(p, _("%llu records"), (unsigned long long)g->nids);
			web_p(p, "</summary>");
		}
		for (size_t i = 0; i < g->nids && i < 200; i++)
			web_p(p, " <a href=\"/r/%s\">%.8s</a>", g->ids[i], g->ids[i]);
		if (g->nids > 200) {
			web_p(p, " %s <a href=\"/k/%s\">", _("..."), g->kind);
			web_p(p, _("all %zu"), g->nids);
			web_p(p, "</a>");
		}
		if (g->nids > SOURCES_INLINE)
			web_p(p, "</details>");
		web_p(p, "</li>\n");
	}
	web_p(p, "</ol>\n");
}

static void schools_table(struct web_page *p, const struct report *d, struct report *const *v,
			  size_t n)
{
	char label[256];

	web_p(p,
	      "<h2>%s</h2>\n<div class=\"scroll\"><table class=\"schools sortable\" "
	      "id=\"schools\"><thead><tr><th>"
	      "</th>",
	      _("Figures per school"));
	for (size_t s = 0; s < n; s++) {
		web_p(p, "<th><a href=\"/report?year=%d&amp;school=", d->year);
		web_u(p, v[s]->scope);
		web_p(p, "\">");
		web_e(p, v[s]->name ? v[s]->name : v[s]->scope);
		web_p(p, "</a></th>");
	}
	web_p(p, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < d->nsec; i++)
		for (size_t j = 0; j < d->sec[i].nfigs; j++) {
			const struct report_fig *g = &d->sec[i].figs[j];
			if (!g->numeric || !g->text)
				continue;
			report_fig_label(g, label, sizeof label);
			web_p(p, "<tr><th>");
			web_e(p, label);
			web_p(p, "</th>");
			for (size_t s = 0; s < n; s++) {
				const struct report_fig *h = &v[s]->sec[i].figs[j];
				web_p(p, "<td>%.0f</td>", h->text ? h->value : 0);
			}
			web_p(p, "</tr>\n");
		}
	web_p(p, "</tbody></table></div>\n");
}

static void free_all(struct report *r, struct report **v, size_t n)
{
	report_free(r);
	report_free_many(v, n);
}

/* The page itself; in a child process (web_job.c), since at the bureau it
 * reads the whole district's records. */
static int report_page(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	bool bureau = w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	const char *school = school_arg(r), *scope = scope_of(r);
	struct report *rep = NULL, **v = NULL;
	struct kind_env env;
	char today[11], title[512], who[160];
	unsigned note = 0;
	size_t nv = 0;
	int year, rc;

	if (!year_arg(r, &year)) {
		web_error_page(p, r, 400, _("Bad year"),
			       _("The year must be a number from 2000 to 2100, such as 2026."));
		return 0;
	}
	web_today(today);
	verb_env(w->st, &w->cfg, today, &env);
	rc = bureau && !*scope ? report_build_district(&env, year, &rep, &v, &nv)
			       : report_build(&env, year, scope, &rep);
	if (rc) {
		web_error_page(p, r, 500, _("Cannot compute the report"), store_last_error());
		return 0;
	}
	if (!school) /* the district, or this school: its name as the bar shows it */
		web_scope_name(w, who, sizeof who);
	else
		snprintf(who, sizeof who, _("School %s"), scope);
	report_title(rep, who, title, sizeof title);
	web_head(p, r, title);
	web_p(p,
	      "<link rel=\"stylesheet\" href=\"/static/report.css\">\n<script "
	      "src=\"/static/report.js\" defer></script>\n<div class=\"report\" id=\"report\">\n");
	web_p(p,
	      "<form class=\"filters noprint\" method=\"get\" action=\"/report\"><div><label "
	      "for=\"f-year\">%s</label><input id=\"f-year\" name=\"year\" type=\"number\" "
	      "min=\"2000\" max=\"2100\" value=\"%d\"></div>",
	      _("Year"), year);
	if (bureau) {
		web_p(p, "<div><label for=\"f-school\">%s</label>", _("One school (drill-down)"));
		web_school_choice(p, r, school);
		web_p(p, "</div>");
	}
	web_p(p, "<div><button type=\"submit\">%s</button></div></form>\n", _("Show"));
	web_p(p, "<p class=\"help noprint\">%s</p>\n",
	      _("The draft below is what this year's records say. Edit each section as you wish, "
		"save, then print the page with the browser (Ctrl+P): it prints on A4 without the "
		"menus. The figures keep their links to the records behind them."));
	/* multipart: Chinese text is not tripled by URL-encoding, and the form
	 * gets the upload's body limit, room for every section at its maximum */
	web_p(p, "<form method=\"post\" action=\"/report\" id=\"report-form\" "
		 "enctype=\"multipart/form-data\">");
	web_csrf(p, r);
	web_p(p, "<input type=\"hidden\" name=\"year\" value=\"%d\">", year);
	if (school) {
		web_p(p, "<input type=\"hidden\" name=\"school\" value=\"");
		web_e(p, school);
		web_p(p, "\">");
	}
	for (size_t i = 0; i < rep->nsec; i++) {
		const struct report_section *s = &rep->sec[i];
		char *edit = NULL, when[32];
		int64_t ms = 0;
		int e = store_report_edit_get(w->st, year, scope, s->key, &edit, &ms);
		if (e != 0 && e != SC_ENOTFOUND) {
			free_all(rep, v, nv);
			web_error_page(p, r, 500, _("Cannot read the saved report"),
				       store_last_error());
			return 0;
		}
		web_p(p, "<section id=\"sec-%s\"><h2><label for=\"s_%s\">%s", s->key, s->key,
		      report_ordinal(i));
		web_e(p, s->title);
		web_p(p, "</label></h2>\n");
		if (edit) {
			web_fmt_time(ms, when, sizeof when);
			web_p(p,
			      "<p class=\"edited noprint\" id=\"edited-%s\">%s %s <label><input "
			      "type=\"checkbox\" name=\"reset_%s\" value=\"1\"> %s</label></p>\n",
			      s->key, _("Edited, saved"), when, s->key, _("back to the draft"));
		}
		/* maxlength counts characters: a Chinese one is 3 bytes */
		web_p(p, "<textarea name=\"s_%s\" id=\"s_%s\" rows=\"6\" maxlength=\"%d\">", s->key,
		      s->key, REPORT_MAX_SECTION / 3);
		web_e(p, edit ? edit : s->text);
		web_p(p, "</textarea>\n<div class=\"printonly\"><p class=\"para\">");
		web_e(p, edit ? edit : s->text);
		web_p(p, "</p></div>\n");
		sources(p, s, &note);
		web_p(p, "</section>\n");
		free(edit);
	}
	web_p(p, "<div class=\"actions\"><button type=\"submit\">%s</button></div></form>\n",
	      _("Save the report"));
	if (nv)
		schools_table(p, rep, v, nv);
	web_p(p, "</div>\n");
	web_foot(p, r);
	free_all(rep, v, nv);
	return 0;
}

int web_page_report(struct web_req *r, struct web_page *p)
{
	/* a bad year is answered at once; only the report waits for a child */
	int year;

	if (!r->job && !year_arg(r, &year))
		return report_page(r, p);
	return web_job_run(r, p, report_page);
}

/* Saving the edited report; in a child process too (web_job.c): the draft
 * it compares the sections with reads as many records as the page does. The
 * child writes the edits through its own store connection. */
static int report_save(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	const char *school = school_arg(r), *scope = scope_of(r);
	struct report *rep = NULL;
	struct kind_env env;
	char today[11], back[160];
	int year, rc;

	if (!year_arg(r, &year)) {
		web_error_page(p, r, 400, _("Bad year"),
			       _("The year must be a number from 2000 to 2100, such as 2026."));
		return 0;
	}
	web_today(today);
	verb_env(w->st, &w->cfg, today, &env);
	/* the draft as it is now: a section sent back unchanged is not an edit */
	rc = report_build(&env, year, scope, &rep);
	if (rc) {
		web_error_page(p, r, 500, _("Cannot compute the report"), store_last_error());
		return 0;
	}
	/* every section is checked before any is saved: all of the form or none */
	for (size_t i = 0; i < rep->nsec; i++) {
		char name[80];
		const char *v;
		snprintf(name, sizeof name, "s_%s", rep->sec[i].key);
		v = web_arg(r, name);
		if (v && strlen(v) > REPORT_MAX_SECTION) {
			report_free(rep);
			web_error_page(p, r, 413, _("Section too long"),
				       _("A section of the report may hold at most 16384 bytes. "
					 "Nothing was saved."));
			return 0;
		}
	}
	for (size_t i = 0; i < rep->nsec && rc == 0; i++) {
		char name[80];
		const char *v, *reset;
		snprintf(name, sizeof name, "s_%s", rep->sec[i].key);
		v = web_arg(r, name);
		snprintf(name, sizeof name, "reset_%s", rep->sec[i].key);
		reset = web_arg(r, name);
		if (reset && *reset) {
			rc = store_report_edit_put(w->st, year, scope, rep->sec[i].key, NULL);
		} else if (v) {
			char *t = tidy(v), *g = tidy(rep->sec[i].text);
			if (!t || !g)
				rc = -ENOMEM;
			else
				rc = store_report_edit_put(w->st, year, scope, rep->sec[i].key,
							   strcmp(t, g) == 0 ? NULL : t);
			free(t);
			free(g);
		}
	}
	report_free(rep);
	if (rc) {
		web_error_page(p, r, 500, _("Cannot save the report"), store_last_error());
		return 0;
	}
	back_url(back, sizeof back, year, school);
	web_redirect(p, back);
	return 0;
}

int web_page_report_post(struct web_req *r, struct web_page *p)
{
	int year;

	/* who may save and a bad year are answered at once; only the save,
	 * which builds the draft, waits for a child */
	if (!r->job) {
		if (web_need_person(r, p))
			return 0;
		if (!year_arg(r, &year))
			return report_save(r, p); /* its 400 */
	}
	return web_job_run(r, p, report_save);
}

/* What prints is the text below each box (a textarea prints clipped): it
 * follows the box as people type, so an edit prints even before it is
 * saved; leaving the page with unsaved edits asks first. */
static const char report_js[] =
	"'use strict';\n"
	"(function(){var f=document.getElementById('report-form');if(!f)return;var dirty=false;\n"
	" f.querySelectorAll('textarea').forEach(function(t){var p=t.parentNode.querySelector("
	"'.printonly .para');\n"
	"  t.addEventListener('input',function(){dirty=true;if(p)p.textContent=t.value;});});\n"
	" f.addEventListener('submit',function(){dirty=false;});\n"
	" window.addEventListener('beforeunload',function(e){if(dirty){e.preventDefault();"
	"e.returnValue='';}});})();\n";

int web_report_static(struct web_req *r, struct web_page *p, const char *name)
{
	(void)r;
	if (strcmp(name, "report.js") == 0) {
		p->ctype = "text/javascript; charset=utf-8";
		web_p(p, "%s", report_js);
		return 0;
	}
	p->ctype = "text/css; charset=utf-8";
	web_p(p, "%s", report_print_css);
	return 0;
}
