/* The people who sign here, in the browser (/people): who they are, and for
 * the principal the forms the CLI's `person add` and `person revoke` are, so
 * a principal who never opens a terminal enrols the school's staff
 * (client/person.c does the work: the key pair, the scrypt-protected key, the
 * signed enrolment record in the outbox). Everyone changes their own
 * password here. A principal or a bureau officer is still enrolled with the
 * district admin's key, at the command line, by the district admin. */
#include "web_int.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "kind_ops.h"
#include "person.h"

struct form_state {
	const char *error; /* beside the form, or NULL */
	const char *field; /* which field it concerns ("login", ...) or NULL */
	const char *done;  /* a confirmation, or NULL */
	const char *login; /* what was typed, shown again */
	const char *name;
	int role;
};

/* May the signed-in person enrol and revoke the school's people? person_add
 * decides; this only says whether to offer the forms. */
static bool enrols(const struct web_req *r)
{
	return r->sess && r->w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU &&
	       r->sess->who.role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
}

struct list_ctx {
	struct web_req *r;
	struct web_page *p;
	bool revoke;
};

static int row(void *arg, const struct person *q)
{
	struct list_ctx *x = arg;
	struct web_page *p = x->p;
	char t[32];

	web_p(p, "<tr><td>");
	web_e(p, q->login);
	web_p(p, "</td><td>");
	web_e(p, q->display_name);
	web_p(p, "</td><td>");
	web_e(p, web_role_label(q->role));
	web_p(p, "</td><td>");
	web_fmt_time(q->enrolled_ms, t, sizeof t);
	web_e(p, t);
	web_p(p, "</td><td class=\"%s\">%s</td><td class=\"actions\">",
	      q->revoked_ms ? "error" : "", q->revoked_ms ? _("Revoked") : _("Active"));
	if (x->revoke && !q->revoked_ms && strcmp(q->login, x->r->sess->who.login) != 0) {
		web_p(p, "<form method=\"post\" action=\"/people\" class=\"inline revoke\">");
		web_csrf(p, x->r);
		web_p(p,
		      "<input type=\"hidden\" name=\"do\" value=\"revoke\"><input type=\"hidden\" "
		      "name=\"login\" value=\"");
		web_e(p, q->login);
		web_p(p, "\"><input type=\"password\" name=\"password\" required "
			 "autocomplete=\"current-password\" placeholder=\"");
		web_e(p, _("your password"));
		web_p(p, "\" aria-label=\"");
		web_e(p, _("your password"));
		web_p(p, "\"> <button type=\"submit\" class=\"secondary\">%s</button></form>",
		      _("Revoke"));
	}
	web_p(p, "</td></tr>\n");
	return 0;
}

static void field(struct web_page *p, const struct form_state *s, const char *name,
		  const char *label, const char *type, const char *value, const char *help)
{
	web_p(p, "<div class=\"field%s\"><label for=\"in-%s\">",
	      s->field && !strcmp(s->field, name) ? " bad" : "", name);
	web_e(p, label);
	web_p(p,
	      " <span class=\"req\">*</span></label><input id=\"in-%s\" name=\"%s\" type=\"%s\" "
	      "required",
	      name, name, type);
	if (!strcmp(type, "password"))
		web_p(p, " autocomplete=\"%s\"",
		      !strcmp(name, "password") ? "current-password" : "new-password");
	web_p(p, " value=\"");
	web_e(p, value ? value : "");
	web_p(p, "\">");
	if (help) {
		web_p(p, "<div class=\"help\">");
		web_e(p, help);
		web_p(p, "</div>");
	}
	if (s->field && !strcmp(s->field, name) && s->error) {
		web_p(p, "<div class=\"msg\" id=\"err-%s\">", name);
		web_e(p, s->error);
		web_p(p, "</div>");
	}
	web_p(p, "</div>\n");
}

static void add_form(struct web_req *r, struct web_page *p, const struct form_state *s)
{
	web_p(p, "<h2>%s</h2>\n<form method=\"post\" action=\"/people\" id=\"person-add\">\n",
	      _("Enrol a person"));
	web_csrf(p, r);
	web_p(p, "<input type=\"hidden\" name=\"do\" value=\"add\">\n");
	field(p, s, "login", _("Login"), "text", s->login, _("2 to 32 of a-z 0-9 . _ -"));
	field(p, s, "name", i18n_pgettext("person", NC_("person", "Name")), "text", s->name,
	      _("the name people see"));
	web_p(p,
	      "<div class=\"field\"><label for=\"in-role\">%s <span class=\"req\">*</span>"
	      "</label><select id=\"in-role\" name=\"role\" required>",
	      i18n_pgettext("person", NC_("person", "Role")));
	for (const struct kind_enum_label *l = kind_enum_staff_role; l->name; l++) {
		int role;
		/* enrolled with the district admin's key, not here */
		if (person_role_parse(l->name, &role) ||
		    role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL ||
		    role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_BUREAU_OFFICER)
			continue;
		web_p(p, "<option value=\"%s\"%s>", l->name, role == s->role ? " selected" : "");
		web_e(p, web_role_label(role));
		web_p(p, "</option>");
	}
	web_p(p, "</select></div>\n");
	field(p, s, "new_password", _("Their password"), "password", NULL,
	      _("At least 8 characters; give it to them in person. It protects their signing "
		"key."));
	field(p, s, "new_password2", _("Their password again"), "password", NULL, NULL);
	field(p, s, "password", _("Your password (you sign the enrolment)"), "password", NULL,
	      NULL);
	web_p(p, "<button type=\"submit\">%s</button>\n</form>\n", _("Enrol"));
}

static void passwd_form(struct web_req *r, struct web_page *p, const struct form_state *s)
{
	web_p(p, "<h2>%s</h2>\n<form method=\"post\" action=\"/people\" id=\"person-passwd\">\n",
	      _("Change your password"));
	web_csrf(p, r);
	web_p(p, "<input type=\"hidden\" name=\"do\" value=\"passwd\">\n");
	field(p, s, "old_password", _("Your password now"), "password", NULL, NULL);
	field(p, s, "new_password", _("New password"), "password", NULL,
	      _("At least 8 characters."));
	field(p, s, "new_password2", _("New password again"), "password", NULL, NULL);
	web_p(p, "<button type=\"submit\">%s</button>\n</form>\n", _("Change the password"));
}

static int page(struct web_req *r, struct web_page *p, const struct form_state *s)
{
	struct list_ctx x = { .r = r, .p = p, .revoke = enrols(r) };

	web_head(p, r, _("People who sign"));
	if (s->done) {
		web_p(p, "<p class=\"ok\" id=\"done\">");
		web_e(p, s->done);
		web_p(p, "</p>\n");
	}
	if (s->error && !s->field) {
		web_p(p, "<p class=\"error\" id=\"error\">");
		web_e(p, s->error);
		web_p(p, "</p>\n");
	}
	web_p(p,
	      "<table id=\"people\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
	      "<th>%s</th><th></th></tr></thead><tbody>\n",
	      _("Login"), i18n_pgettext("person", NC_("person", "Name")),
	      i18n_pgettext("person", NC_("person", "Role")),
	      i18n_pgettext("person", NC_("person", "Enrolled")), _("State"));
	if (person_each(r->w->st, row, &x) != 0)
		web_p(p, "<tr><td class=\"error\" colspan=\"6\">%s</td></tr>",
		      _("The people could not be read."));
	web_p(p, "</tbody></table>\n");
	if (!r->sess)
		web_p(p, "<p class=\"help\">%s</p>\n",
		      _("Sign in to change your password; the principal enrols and revokes "
			"people here."));
	else if (enrols(r))
		add_form(r, p, s);
	else
		web_p(p, "<p class=\"help\">%s</p>\n",
		      _("The principal enrols and revokes the school's people. A principal or a "
			"bureau officer is enrolled by the district admin (safecampus person add "
			"--admin-key)."));
	if (r->sess)
		passwd_form(r, p, s);
	web_foot(p, r);
	return 0;
}

/* What person_* said, for people; field: the form field it concerns. */
static const char *why(int rc, const char **field)
{
	*field = NULL;
	switch (rc) {
	case PERSON_EPASSWORD:
		*field = "password";
		return _("Your password is wrong. Nothing was written.");
	case PERSON_EEXISTS:
		*field = "login";
		return _("This login is taken here: choose another.");
	case PERSON_EWEAK:
		*field = "new_password";
		return _("The password is too short: at least 8 characters.");
	case PERSON_EDENIED:
		return _("You may not do this: the principal enrols and revokes the school's "
			 "people.");
	default:
		return *person_last_error() ? person_last_error() : sc_strerror(rc);
	}
}

int web_page_people(struct web_req *r, struct web_page *p)
{
	struct form_state s = { .role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_HEAD_TEACHER };
	const char *what = web_arg(r, "do"), *pw = web_arg(r, "password");
	const char *npw = web_arg(r, "new_password"), *npw2 = web_arg(r, "new_password2");
	char done[256];
	int rc;

	if (strcmp(r->method, "POST") != 0) {
		const char *a = web_arg(r, "added"), *v = web_arg(r, "revoked");
		if ((a && person_login_ok(a)) || (v && person_login_ok(v))) {
			snprintf(done, sizeof done,
				 a ? _("%s is enrolled; the enrolment reaches the server with the "
				       "next sync.")
				   : _("%s is revoked; the revocation reaches the server with the "
				       "next sync."),
				 a ? a : v);
			s.done = done;
		} else if (web_arg(r, "passwd"))
			s.done = _("Your password is changed.");
		return page(r, p, &s);
	}
	if (web_need_person(r, p))
		return 0;
	what = what ? what : "";
	s.login = web_arg(r, "login");
	s.name = web_arg(r, "name");
	p->status = 400;
	if (!strcmp(what, "passwd")) {
		const char *old = web_arg(r, "old_password");
		if (!npw || !npw2 || strcmp(npw, npw2) != 0) {
			s.field = "new_password2";
			s.error = _("The two new passwords differ.");
		} else if ((rc = person_passwd(r->w->st, r->sess->who.login, old ? old : "",
					       npw)) != 0) {
			s.error = why(rc, &s.field);
			if (rc == PERSON_EPASSWORD)
				s.field = "old_password";
		} else {
			web_redirect(p, "/people?passwd=1");
			return 0;
		}
		return page(r, p, &s);
	}
	if (!enrols(r)) {
		p->status = 403;
		s.error = why(PERSON_EDENIED, &s.field);
		return page(r, p, &s);
	}
	if (!strcmp(what, "revoke")) {
		struct person_actor by = { .login = r->sess->who.login, .password = pw ? pw : "" };
		if (!s.login || !person_login_ok(s.login) || !strcmp(s.login, by.login)) {
			s.error = _("Choose someone else to revoke.");
		} else if ((rc = person_revoke(r->w->st, s.login, 0, &by)) != 0) {
			s.error = why(rc, &s.field);
			s.field = NULL; /* the row's password box has no message slot */
		} else {
			char to[96];
			snprintf(to, sizeof to, "/people?revoked=%s", s.login);
			web_redirect(p, to);
			return 0;
		}
		s.login = NULL;
		return page(r, p, &s);
	}
	if (!strcmp(what, "add")) {
		struct person q = { 0 };
		struct person_actor by = { .login = r->sess->who.login, .password = pw ? pw : "" };
		const char *role = web_arg(r, "role");
		if (role && person_role_parse(role, &q.role) == 0)
			s.role = q.role;
		if (!s.login || !person_login_ok(s.login)) {
			s.field = "login";
			s.error = _("A login is 2 to 32 of a-z 0-9 . _ -");
		} else if (!s.name || !*s.name || strlen(s.name) > PERSON_NAME_MAX) {
			s.field = "name";
			s.error = _("Give the name people see (at most 128 bytes).");
		} else if (!role || person_role_parse(role, &q.role) ||
			   q.role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL ||
			   q.role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_BUREAU_OFFICER) {
			s.error = _("Choose a role from the list.");
		} else if (!npw || !npw2 || strcmp(npw, npw2) != 0) {
			s.field = "new_password2";
			s.error = _("The two passwords differ.");
		} else {
			snprintf(q.login, sizeof q.login, "%s", s.login);
			snprintf(q.display_name, sizeof q.display_name, "%s", s.name);
			snprintf(q.school, sizeof q.school, "%s", r->w->cfg.school);
			rc = person_add(r->w->st, &q, npw, &by);
			if (rc == 0) {
				char to[96];
				snprintf(to, sizeof to, "/people?added=%s", q.login);
				web_redirect(p, to);
				return 0;
			}
			s.error = why(rc, &s.field);
		}
		return page(r, p, &s);
	}
	s.error = _("Unknown action.");
	return page(r, p, &s);
}
