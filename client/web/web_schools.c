/* Schools by name: this install's own in every page's bar, and a field that
 * names schools (kind_ops.schools_field: a notice's targets,
 * ';'-separated school ids) as a list of the district's schools to tick, for
 * the bureau: its officers know schools by name, not by id, and a typed id
 * with a typo went nowhere. The schools are those of the district dashboard
 * stored here (every school the server ranks, with its name); before the
 * first one arrives the field stays a text box. */
#include "web_rec.h"

#include <stdio.h>
#include <string.h>

#include "dashboard.h"
#include "i18n.h"
#include "report.h"
#include "util.h"

bool web_school_picker(struct web_page *p, struct web_req *r, const char *field, const char *val)
{
	char key[DASHBOARD_KEY_MAX];
	Safecampus__Dashboard *d = NULL;
	int64_t stored = 0;

	if (r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU)
		return false;
	dashboard_key(key, NULL, NULL);
	if (dashboard_load(r->w->st, key, &d, &stored) != 0)
		return false;
	if (!d->n_schools) {
		dashboard_free(d);
		return false;
	}
	/* always posted, so unticking every school (all of them) is a change */
	web_p(p,
	      "<input type=\"hidden\" name=\"%s\" value=\"\"><div class=\"choices\" id=\"in-%s\">",
	      field, field);
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *s = d->schools[i];
		if (!s->school || !*s->school)
			continue;
		web_p(p, "<label><input type=\"checkbox\" name=\"%s\" value=\"", field);
		web_e(p, s->school);
		web_p(p, "\"%s> ", sc_list_has(val, s->school) ? " checked" : "");
		web_e(p, s->label && *s->label ? s->label : s->school);
		web_p(p, "</label>");
	}
	web_p(p, "</div><div class=\"help\">%s</div>", _("None ticked: every school."));
	dashboard_free(d);
	return true;
}

const char *web_args_joined(struct web_req *r, const char *name, char *out, size_t n)
{
	size_t len = 0;
	bool any = false;

	out[0] = '\0';
	for (size_t i = 0; i < r->nfields; i++) {
		const struct web_field *f = &r->fields[i];
		const char *v = f->val.data ? (const char *)f->val.data : "";
		if (f->filename || strcmp(f->name, name) != 0)
			continue;
		any = true;
		if (!*v)
			continue;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? ";" : "",
					v);
		if (len >= n)
			return NULL; /* more than fits: refuse rather than cut an id */
	}
	return any ? out : web_arg(r, name);
}

/* The dashboard stored here for this install's own scope (the district's
 * at the bureau, every school with its name), decoded again only when a new
 * one arrived (it is large at the bureau); NULL if none. */
static const Safecampus__Dashboard *own_dashboard(struct web *w)
{
	char key[DASHBOARD_KEY_MAX];
	Safecampus__Dashboard *d = NULL;

	if (w->own_dash_read && w->own_dash_version == w->dash_version)
		return w->own_dash;
	web_schools_free(w);
	dashboard_key(key, NULL, NULL);
	if (dashboard_load(w->st, key, &d, NULL) == 0)
		w->own_dash = d;
	w->own_dash_read = true;
	w->own_dash_version = w->dash_version;
	return w->own_dash;
}

void web_schools_free(struct web *w)
{
	if (w->own_dash)
		dashboard_free(w->own_dash);
	w->own_dash = NULL;
	w->own_dash_read = false;
}

/* The name the dashboard gives this install's scope (the server's, from the
 * school's profile), "" if none or only the id. */
static const char *dashboard_name(struct web *w)
{
	const Safecampus__Dashboard *d = own_dashboard(w);
	const char *id =
		w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU ? w->cfg.district : w->cfg.school;

	if (d && d->scope_label && *d->scope_label && strcmp(d->scope_label, id ? id : ""))
		return d->scope_label;
	return "";
}

const char *web_school_label(struct web *w, const char *school)
{
	const Safecampus__Dashboard *d;

	if (school && !*school) /* a record of the bureau's own (a notice) */
		return _("Education Bureau");
	if (!school || w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU || !(d = own_dashboard(w)))
		return school ? school : "";
	for (size_t i = 0; i < d->n_schools; i++)
		if (d->schools[i]->school && !strcmp(d->schools[i]->school, school) &&
		    d->schools[i]->label && *d->schools[i]->label)
			return d->schools[i]->label;
	return school;
}

void web_scope_name(struct web *w, char *out, size_t n)
{
	char today[11];
	struct kind_env env;

	out[0] = '\0';
	if (w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU) {
		const char *d = dashboard_name(w);
		if (*d)
			snprintf(out, n, _("%s Education Bureau"), d);
		else
			snprintf(out, n, "%s", _("Education Bureau"));
		return;
	}
	/* the profile kept here first: it is this school's own word, and
	 * there before any sync */
	web_today(today);
	verb_env(w->st, &w->cfg, today, &env);
	if (report_school_name(&env, w->cfg.school, out, n) == 0 && *out)
		return;
	if (*dashboard_name(w))
		snprintf(out, n, "%s", dashboard_name(w));
	else
		snprintf(out, n, _("School %s"), w->cfg.school ? w->cfg.school : "");
}

void web_school_choice(struct web_page *p, struct web_req *r, const char *val)
{
	const Safecampus__Dashboard *d = own_dashboard(r->w);
	bool listed = false;

	/* an officer picks a school by its name; before the district dashboard
	 * arrives (or for a school it does not rank) the id is typed */
	if (!d || !d->n_schools) {
		web_p(p, "<input id=\"f-school\" name=\"school\" value=\"");
		web_e(p, val ? val : "");
		web_p(p, "\">");
		return;
	}
	web_p(p, "<select id=\"f-school\" name=\"school\"><option value=\"\">%s</option>",
	      _("the whole district"));
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *s = d->schools[i];
		bool sel = val && s->school && !strcmp(val, s->school);
		if (!s->school || !*s->school)
			continue;
		listed |= sel;
		web_p(p, "<option value=\"");
		web_e(p, s->school);
		web_p(p, "\"%s>", sel ? " selected" : "");
		web_e(p, s->label && *s->label ? s->label : s->school);
		web_p(p, "</option>");
	}
	if (val && *val && !listed) { /* asked for by address: kept, as typed */
		web_p(p, "<option value=\"");
		web_e(p, val);
		web_p(p, "\" selected>");
		web_e(p, val);
		web_p(p, "</option>");
	}
	web_p(p, "</select>");
}
