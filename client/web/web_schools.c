/* A field that names schools (kind_ops.schools_field: a notice's targets,
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
