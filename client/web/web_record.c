/* A record's page (its fields, its whole history, the workflow actions
 * legal now for the signed-in person) and the form to add, edit or take a
 * verb, with required marks, enum choices, date pickers, help and each
 * field's message beside it. Everything comes from the kind table and the
 * descriptor; the write is client/verb.c, as on the command line. */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence.h"
#include "i18n.h"
#include "rules.h"
#include "util.h"
#include "web_rec.h"

/* ---------------------------------------------------------------- the record */

struct hist_ctx {
	struct web_page *p;
	const struct kind *ek;
	struct web *w;
	struct web_req *r;
	bool files;   /* a column of evidence files */
	bool schools; /* a column of the school each step is from (a notice's answers) */
};

/* Does a verb of k attach files to the events it writes? */
static bool events_take_files(const struct kind *k)
{
	for (size_t i = 0; k->ops && i < k->ops->nverbs; i++)
		if (k->ops->verbs[i].flags & KV_EVIDENCE_FILE)
			return true;
	return false;
}

/* A column of the history: not the parent, and not the hash and name of the
 * file when the evidence column shows the file itself. */
static bool hist_column(const struct kind *ek, const ProtobufCFieldDescriptor *f, bool files)
{
	if (!web_settable(f) || (ek->parent_field && !strcmp(f->name, ek->parent_field)))
		return false;
	return !files || (strcmp(f->name, "evidence_sha256") && strcmp(f->name, "evidence_path"));
}

static int hist_cb(void *arg, const Safecampus__Record *rec)
{
	struct hist_ctx *x = arg;
	const ProtobufCMessage *m = kind_payload(rec);
	enum store_sync_state ss = STORE_SYNCED;

	if (!m)
		return 0;
	if (store_sync_state(x->w->st, rec->id, &ss) != 0)
		ss = STORE_SYNCED;
	web_p(x->p, "<tr>");
	if (x->schools) {
		web_p(x->p, "<td>");
		web_e(x->p, web_school_label(x->w, rec->school));
		web_p(x->p, "</td>");
	}
	for (unsigned i = 0; i < x->ek->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &x->ek->desc->fields[i];
		if (!hist_column(x->ek, f, x->files))
			continue;
		web_p(x->p, "<td>");
		web_value(x->r, x->p, x->ek, m, f);
		web_p(x->p, "</td>");
	}
	if (x->files) {
		web_p(x->p, "<td class=\"ev\">");
		web_evidence_list(x->r, x->p, rec);
		web_p(x->p, "</td>");
	}
	web_sync_cell(x->p, "td", ss);
	web_p(x->p, "</tr>\n");
	return 0;
}

static void history(struct web_req *r, struct web_page *p, const Safecampus__Record *rec,
		    const struct kind *k, const struct kind *ek)
{
	struct hist_ctx x = { .p = p,
			      .ek = ek,
			      .w = r->w,
			      .r = r,
			      .files = events_take_files(k),
			      /* the bureau's own record, answered by schools */
			      .schools = r->w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU &&
					 (!rec->school || !*rec->school) };
	unsigned ncols = 1; /* the sync state's; one more a field and for the files */

	web_p(p, "<h2>%s</h2>\n<table id=\"history\"><thead><tr>", _("History"));
	if (x.schools) {
		web_p(p, "<th>%s</th>", _("School"));
		ncols++;
	}
	for (unsigned i = 0; i < ek->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &ek->desc->fields[i];
		if (!hist_column(ek, f, x.files))
			continue;
		web_p(p, "<th>");
		web_e(p, web_field_label(ek, f->name));
		web_p(p, "</th>");
		ncols++;
	}
	if (x.files) {
		web_p(p, "<th>%s</th>", _("Evidence files"));
		ncols++;
	}
	web_p(p, "<th>%s</th></tr></thead><tbody>\n", _("Sync"));
	if (store_each_child(r->w->st, ek->name, rec->id, hist_cb, &x) != 0)
		web_p(p, "<tr><td class=\"error\" colspan=\"%u\">%s</td></tr>", ncols,
		      _("The history could not be read."));
	web_p(p, "</tbody></table>\n");
}

/* May this person change rec through its edit form: a kind this install
 * writes, a record of its school (verb_may_write), not one made by a command
 * of its own (an enrolment, signed), not an event the server has. */
static bool edit_allowed(struct web_req *r, const struct kind *k, const Safecampus__Record *rec,
			 char *why, size_t n)
{
	if (!verb_may_write(&r->w->cfg, k, rec, why, n))
		return false;
	if (k->ops && k->ops->no_add_form) {
		snprintf(why, n,
			 _("%s records are made with a command of their own, not with a form"),
			 web_kind_label(k));
		return false;
	}
	if (k->immutable && rec->seq != 0) {
		snprintf(why, n, _("%s records on the server cannot change; add a new one instead"),
			 web_kind_label(k));
		return false;
	}
	return true;
}

/* "登记隐患" on an inspection's page: a new record of each kind that names
 * this kind's records in a field (hazard.inspection_id), that field filled
 * in. Its add form, else the step that makes one (a hazard is reported); a
 * kind's own workflow steps are the actions above. */
static void linked_adds(struct web_req *r, struct web_page *p, const struct kind *k,
			const Safecampus__Record *rec, struct verb_ctx *vc)
{
	char field[80], why[512];

	snprintf(field, sizeof field, "%s_id", k->name);
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *g = kind_at(i);
		const ProtobufCFieldDescriptor *f = g != k ? kind_field(g, field) : NULL;
		const struct kind_verb *make = NULL;

		if (!f || f->type != PROTOBUF_C_TYPE_STRING ||
		    f->label == PROTOBUF_C_LABEL_REPEATED ||
		    (g->parent_field && strcmp(g->parent_field, field) == 0) ||
		    !verb_may_write(&r->w->cfg, g, NULL, why, sizeof why))
			continue;
		for (size_t j = 0; g->ops && j < g->ops->nverbs && !make; j++) {
			const struct kind_verb *v = &g->ops->verbs[j];
			if (!(v->flags & KV_PARENT) && v->kind && strcmp(v->kind, g->name) == 0 &&
			    verb_legal(vc, g, v, NULL, NULL, 0, why, sizeof why))
				make = v;
		}
		if (make)
			web_p(p,
			      "<a class=\"button secondary\" data-add=\"%s\" "
			      "href=\"/k/%s/v/%s?%s=%s\">",
			      g->name, g->name, make->name, field, rec->id);
		else if (web_addable(g))
			web_p(p,
			      "<a class=\"button secondary\" data-add=\"%s\" "
			      "href=\"/k/%s/new?%s=%s\">",
			      g->name, g->name, field, rec->id);
		else
			continue;
		/* the heading of the form it opens: 隐患：上报 */
		web_heading(why, sizeof why, web_kind_label(g),
			    make ? web_verb_label(g, make) : _("Add"));
		web_e(p, why);
		web_p(p, "</a>");
	}
}

int web_page_record(struct web_req *r, struct web_page *p, const char *id)
{
	Safecampus__Record *rec = NULL;
	const struct kind *k;
	const ProtobufCMessage *m;
	struct kind_env env;
	struct kind_derived d;
	enum store_sync_state ss = STORE_SYNCED;
	struct verb_ctx vc;
	struct verb_actor a;
	char today[11], title[256];
	const char *msg = web_arg(r, "msg");

	if (store_get(r->w->st, id, &rec) != 0 || !(k = kind_of(rec)) || !(m = kind_payload(rec))) {
		if (rec)
			safecampus__record__free_unpacked(rec, NULL);
		web_error_page(p, r, 404, _("Not found"),
			       _("There is no such page or record here."));
		return 0;
	}
	web_today(today);
	verb_env(r->w->st, &r->w->cfg, today, &env);
	memset(&d, 0, sizeof d);
	if (kind_derive(&env, rec, today, &d) != 0)
		d.status[0] = '\0';
	if (store_sync_state(r->w->st, rec->id, &ss))
		ss = STORE_SYNCED;
	web_record_title(k, rec, title, sizeof title);
	web_head(p, r, title);
	if (msg && *msg) {
		web_p(p, "<p class=\"ok\" id=\"done\">");
		web_e(p, msg);
		web_p(p, "</p>\n");
	}
	web_p(p, "<dl class=\"rec\" id=\"record\">");
	if (d.status[0]) {
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)strcspn(d.status, " !"), d.status);
		web_p(p, "<dt>%s</dt><dd id=\"status\">%s%s</dd>", _("Status"),
		      kind_status_label(w), d.overdue ? _(" (overdue)") : "");
	}
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		if (!web_settable(f))
			continue;
		web_p(p, "<dt>");
		web_e(p, web_field_label(k, f->name));
		web_p(p, "</dt><dd>");
		web_value(r, p, k, m, f);
		web_p(p, "</dd>");
	}
	web_in_force(r, p, k, rec);
	if (rec->signature && rec->signature->n_files) {
		web_p(p, "<dt>%s</dt><dd id=\"evidence\">", _("Evidence files"));
		web_evidence_list(r, p, rec);
		web_p(p, "</dd>");
	}
	web_p(p, "<dt>%s</dt><dd>", _("Campus"));
	web_e(p, rec->campus);
	web_p(p, "</dd><dt>%s</dt>", _("Sync"));
	web_sync_cell(p, "dd", ss);
	web_p(p, "</dl>\n");
	if (k->ops && k->ops->alarm) {
		char line[512];
		if (k->ops->alarm(rec, line, sizeof line)) {
			web_p(p, "<p class=\"error\" id=\"alarm\">");
			web_e(p, line);
			web_p(p, "</p>\n");
		}
	}
	/* the actions legal now, for this person */
	web_verb_ctx(r, &vc, &a, NULL);
	web_p(p, "<div class=\"actions\" id=\"actions\">");
	for (size_t i = 0; k->ops && i < k->ops->nverbs; i++) {
		const struct kind_verb *v = &k->ops->verbs[i];
		char why[512];
		if (!(v->flags & KV_PARENT) ||
		    !verb_legal(&vc, k, v, rec, NULL, 0, why, sizeof why))
			continue;
		web_p(p, "<a class=\"button\" data-verb=\"%s\" href=\"/r/%s/v/%s\">", v->name,
		      rec->id, v->name);
		web_e(p, web_verb_label(k, v));
		web_p(p, "</a>");
	}
	if (!rec->deleted)
		linked_adds(r, p, k, rec, &vc);
	if (edit_allowed(r, k, rec, title, sizeof title))
		web_p(p, "<a class=\"button secondary\" id=\"edit\" href=\"/r/%s/edit\">%s</a>",
		      rec->id, _("Edit"));
	web_p(p, "<a class=\"button secondary\" href=\"/k/%s\">%s</a></div>\n", k->name,
	      _("Back to the list"));
	web_school_standings(r, p, k, &env, rec, today);
	if (k->ops && k->ops->event_kind && kind_by_name(k->ops->event_kind))
		history(r, p, rec, k, kind_by_name(k->ops->event_kind));
	web_verify_box(r, p, rec);
	web_p(p, "<script src=\"/static/evidence.js\" defer></script>\n");
	web_foot(p, r);
	safecampus__record__free_unpacked(rec, NULL);
	return 0;
}

/* ---------------------------------------------------------------- the form */

static bool in_list(const char *const *l, const char *name)
{
	for (; l && *l; l++)
		if (strcmp(*l, name) == 0)
			return true;
	return false;
}

static bool verb_sets(const struct kind_verb *v, const char *field)
{
	for (const struct kind_set *s = v ? v->sets : NULL; s && s->field; s++)
		if (strcmp(s->field, field) == 0 && !s->if_empty)
			return true;
	return false;
}

/* The verb whose record is a new one of k (`hazard report`): its required
 * fields are the add form's. */
static const struct kind_verb *new_verb(const struct kind *k)
{
	for (size_t i = 0; k->ops && i < k->ops->nverbs; i++)
		if (k->ops->verbs[i].kind && !strcmp(k->ops->verbs[i].kind, k->name) &&
		    !(k->ops->verbs[i].flags & KV_PARENT))
			return &k->ops->verbs[i];
	return NULL;
}

/* True if the program fills field in when it is left empty (a default of the
 * kind's table, or a value the verb sets): the person need not give it. */
static bool filled_in(const struct kind *fk, const struct kind_verb *v, const char *field)
{
	const struct kind_field_ui *ui = kind_field_ui(fk, field);

	if (ui && ui->dflt != KF_NONE)
		return true;
	for (const struct kind_set *s = v ? v->sets : NULL; s && s->field; s++)
		if (strcmp(s->field, field) == 0)
			return true;
	return false;
}

/* What the form marks required, NULL-terminated in req (n slots): the verb's
 * list (adding: that of the verb that makes a new record of the kind) and
 * the kind's rules (common/rules.c, what the server refuses without), less
 * what is filled in when left empty. */
static void required_of(const struct kind *fk, const struct kind_verb *v, const char **req,
			size_t n)
{
	const struct kind_verb *nv = v ? v : new_verb(fk);
	const char *const *rl;
	size_t k = 0, nr = rules_required(fk->name, &rl);

	for (const char *const *l = nv ? nv->required : NULL; l && *l && k + 1 < n; l++)
		req[k++] = *l;
	for (size_t i = 0; i < nr && k + 1 < n; i++) {
		bool have = false;
		for (size_t j = 0; j < k && !have; j++)
			have = strcmp(req[j], rl[i]) == 0;
		if (!have && !filled_in(fk, v, rl[i]))
			req[k++] = rl[i];
	}
	req[k] = NULL;
}

/* The record written is a sign-off (the verb's or, with no verb, the kind's
 * sign_roles) or a workflow step: the person gives the password again. */
/* The roles that sign what a form writes: the verb's, or for a kind's own
 * "new" form those of the verb that writes such records (a new notice is
 * the bureau's issue, signed by an officer: kind_sign_roles, as verb_sign
 * asks), else the kind's. */
static unsigned form_sign_roles(const struct kind *fk, const struct kind_verb *v)
{
	ProtobufCMessage *m;
	Safecampus__Record *r;
	unsigned roles;

	if (v)
		return v->sign_roles;
	m = kind_payload_new(fk);
	r = m ? verb_record_new(fk, m) : NULL;
	roles = r ? kind_sign_roles(r) : fk->ops ? fk->ops->sign_roles : 0;
	if (r)
		kind_record_free(r);
	return roles;
}

static bool signed_step(const struct kind *fk, const struct kind_verb *v)
{
	return (v && (v->flags & KV_PARENT)) || form_sign_roles(fk, v);
}

/* Which fields the form asks for. */
static bool asked(const struct kind *fk, const struct kind_verb *v, const char *parent_id,
		  const ProtobufCFieldDescriptor *f)
{
	if (!web_settable(f))
		return false;
	if (v && verb_sets(v, f->name))
		return false;
	if (parent_id && fk->parent_field && !strcmp(fk->parent_field, f->name))
		return false;
	/* the file uploaded fills them in, as --evidence FILE does */
	if (v && (v->flags & KV_EVIDENCE_FILE) &&
	    (!strcmp(f->name, "evidence_sha256") || !strcmp(f->name, "evidence_path")))
		return false;
	if (v && (v->required || v->optional) && v->optional)
		return in_list(v->required, f->name) || in_list(v->optional, f->name);
	return true;
}

struct form {
	const struct kind *fk;     /* the kind of the record written */
	const struct kind_verb *v; /* NULL: add or edit */
	const char *const *required;
	const ProtobufCMessage *cur;   /* edit: the record's values */
	const struct verb_result *res; /* after a refused post */
	bool person;                   /* someone is signed in */
	bool files;                    /* the form takes an evidence file */
	bool password;                 /* the step is signed: ask for the password again */
};

static const char *error_for(const struct form *fm, const char *field)
{
	for (size_t i = 0; fm->res && i < fm->res->nerrors; i++)
		if (!strcmp(fm->res->err[i].field, field))
			return fm->res->err[i].msg;
	return NULL;
}

/* The characters of a field's key (snake_case). */
static const char key_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

/* A field a message names, as "field" of k or "kind.field" of any kind, at
 * s: its kind, field and length, or 0. */
static size_t msg_field(const struct kind *k, const char *s, const struct kind **fk, char *f,
			size_t fn)
{
	size_t a = strspn(s, key_chars), b;

	if (!a || a >= fn)
		return 0;
	memcpy(f, s, a);
	f[a] = '\0';
	if (s[a] == '.' && (b = strspn(s + a + 1, key_chars)) && b < fn) {
		const struct kind *other = kind_by_name(f);
		memcpy(f, s + a + 1, b);
		f[b] = '\0';
		if (other && kind_field(other, f)) {
			*fk = other;
			return a + 1 + b;
		}
		memcpy(f, s, a);
		f[a] = '\0';
	}
	*fk = k;
	return kind_field(k, f) ? a : 0;
}

/* Writes s[0..n) escaped. */
static void msg_run(struct web_page *p, const char *s, size_t n)
{
	char *run = n ? strndup(s, n) : NULL;

	if (n && !run)
		p->oom = true;
	else if (run)
		web_e(p, run);
	free(run);
}

/* A rule's message as a form shows it: without the "refused: " the command
 * line starts it with (the page says nothing was saved), without a leading
 * "field: " (the label is beside it), and with every field it names
 * ("kind.field", or a field's key as in "不能早于 issue_date") in its label.
 * Quoted text is the person's own and stays as typed. */
static void web_msg(struct web_page *p, const struct kind *k, const char *msg)
{
	const char *pre = _("refused: %s");
	size_t pl = strcspn(pre, "%");
	const char *s = msg, *run, *c;
	bool quoted = false, word = false;

	if (pl && strncmp(s, pre, pl) == 0)
		s += pl;
	c = strstr(s, ": ");
	if (c && (size_t)(c - s) < 64 && !memchr(s, ' ', (size_t)(c - s)) &&
	    !memchr(s, '.', (size_t)(c - s)))
		s = c + 2;
	for (run = s; *s;) {
		const struct kind *fk;
		char f[64];
		size_t n = quoted || word ? 0 : msg_field(k, s, &fk, f, sizeof f);

		if (n) {
			msg_run(p, run, (size_t)(s - run));
			web_e(p, web_field_label(fk, f));
			run = s += n;
			continue;
		}
		n = 1;
		if (*s == '"')
			quoted = !quoted;
		while ((s[n] & 0xC0) == 0x80)
			n++;
		if (!strncmp(s, "\u201c", n)) /* the Chinese messages quote in “” */
			quoted = true;
		else if (!strncmp(s, "\u201d", n))
			quoted = false;
		/* inside a word ("of_school"), a field's key is not a word of its own */
		word = strchr(key_chars, *s) != NULL;
		s += n;
	}
	msg_run(p, run, (size_t)(s - run));
}

/* A number input's min and max: the kind table's bounds (the rules'), an
 * unsigned field's 0 else. The browser then refuses -1 before sending; the
 * rules still refuse it when it comes (a script, an old page). */
static void number_bounds(struct web_page *p, const struct kind *k,
			  const ProtobufCFieldDescriptor *f)
{
	const struct kind_bound *b = kind_field_bound(k, f->name);

	if (b) {
		web_p(p, " min=\"%lld\"", b->min);
		if (b->max != KB_NO_MAX)
			web_p(p, " max=\"%lld\"", b->max);
	} else if (f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_UINT64 ||
		   f->type == PROTOBUF_C_TYPE_FIXED32 || f->type == PROTOBUF_C_TYPE_FIXED64) {
		web_p(p, " min=\"0\"");
	}
}

/* A text field holding a ';'-separated list of set words (its ui values:
 * a notice report's channels, a drill's segments). */
static bool word_list(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	const struct kind_field_ui *ui = kind_field_ui(k, f->name);

	return f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED && ui &&
	       ui->values;
}

static bool schools_field(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	return k->ops && k->ops->schools_field && !strcmp(k->ops->schools_field, f->name);
}

static void field_input(struct web_page *p, struct web_req *r, const struct form *fm,
			const ProtobufCFieldDescriptor *f)
{
	const struct kind *k = fm->fk;
	const struct kind_field_ui *ui = kind_field_ui(k, f->name);
	const char *err = error_for(fm, f->name), *help = kind_field_help(k, f->name);
	bool schools = schools_field(k, f), words = word_list(k, f);
	char joined[8192];
	/* a form sent back keeps every tick (one value each), not the first
	 * value only: the empty one always posted, and no school ticked means
	 * every school */
	const char *posted = schools || words ? web_args_joined(r, f->name, joined, sizeof joined)
					      : web_arg(r, f->name);
	char *cur = fm->cur ? kind_field_get(fm->cur, f) : NULL;
	const char *val = posted ? posted : cur ? cur : "";
	bool req = in_list(fm->required, f->name);
	const struct kind_bound *bound = kind_field_bound(k, f->name);
	char ms[32] = "", rng[96] = "";

	if (ui && (ui->dflt == KF_PERSON || ui->dflt == KF_PERSON_ROLE) && fm->person) {
		/* who acts is the signed-in person, not a choice */
		web_p(p, "<div class=\"field\"><label>");
		web_e(p, web_field_label(k, f->name));
		web_p(p, "</label><div id=\"in-%s\">", f->name);
		web_e(p, ui->dflt == KF_PERSON ? r->sess->who.display_name
					       : web_role_label(r->sess->who.role));
		web_p(p, "</div></div>\n");
		free(cur);
		return;
	}
	web_p(p, "<div class=\"field%s\"><label for=\"in-%s\">", err ? " bad" : "", f->name);
	web_e(p, web_field_label(k, f->name));
	if (req)
		web_p(p, " <span class=\"req\" title=\"%s\">*</span>", _("required"));
	web_p(p, "</label>");
	if (f->type == PROTOBUF_C_TYPE_ENUM && f->label != PROTOBUF_C_LABEL_REPEATED) {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		web_p(p, "<select id=\"in-%s\" name=\"%s\"%s><option value=\"\"></option>", f->name,
		      f->name, req ? " required" : "");
		for (unsigned i = 0; i < e->n_values; i++) {
			const char *name = kind_enum_name(e, e->values[i].value);
			if (!e->values[i].value || !name)
				continue;
			web_p(p, "<option value=\"%s\"%s>", name,
			      !strcmp(val, name) ? " selected" : "");
			web_e(p, kind_enum_label_tr(k, f->name, name));
			web_p(p, "</option>");
		}
		web_p(p, "</select>");
	} else if (f->type == PROTOBUF_C_TYPE_BOOL) {
		web_p(p,
		      "<select id=\"in-%s\" name=\"%s\"><option value=\"\"></option>"
		      "<option value=\"true\"%s>%s</option><option "
		      "value=\"false\"%s>%s</option></select>",
		      f->name, f->name, !strcmp(val, "true") ? " selected" : "", _("yes"),
		      !strcmp(val, "false") ? " selected" : "", _("no"));
	} else {
		const char *type = "text";
		if (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_STRING &&
		    web_ends(f->name, "_date"))
			type = "date";
		else if (f->label != PROTOBUF_C_LABEL_REPEATED && web_ends(f->name, "_ms") &&
			 f->type != PROTOBUF_C_TYPE_STRING) {
			type = "datetime-local";
			/* the store says Unix ms; the picker wants local time */
			if (!posted && cur && strcmp(cur, "0") != 0) {
				time_t t = (time_t)(strtoll(cur, NULL, 10) / 1000);
				struct tm tm;
				if (localtime_r(&t, &tm))
					strftime(ms, sizeof ms, "%Y-%m-%dT%H:%M", &tm);
				val = ms;
			} else if (!posted)
				val = "";
		} else if (f->label != PROTOBUF_C_LABEL_REPEATED &&
			   f->type != PROTOBUF_C_TYPE_STRING)
			type = "number";
		if (schools && web_school_picker(p, r, f->name, val)) {
			help = NULL; /* the picker says it */
		} else if (words) {
			/* a ';' list of set words (a drill's segments): ticks by
			 * their labels, not a box for the keys; always posted, so
			 * unticking them all is a change */
			web_p(p,
			      "<input type=\"hidden\" name=\"%s\" value=\"\"><div "
			      "class=\"choices\" "
			      "id=\"in-%s\">",
			      f->name, f->name);
			for (const struct kind_enum_label *w = ui->values; w->name; w++) {
				web_p(p,
				      "<label><input type=\"checkbox\" name=\"%s\" "
				      "value=\"%s\"%s> ",
				      f->name, w->name,
				      sc_list_has(val, w->name) ? " checked" : "");
				web_e(p, kind_enum_label_tr(k, f->name, w->name));
				web_p(p, "</label>");
			}
			web_p(p, "</div>");
			help = NULL; /* the words it takes are the ticks */
		} else if (f->label != PROTOBUF_C_LABEL_REPEATED &&
			   f->type == PROTOBUF_C_TYPE_STRING &&
			   web_record_picker(p, r, k, f->name, val, req)) {
			/* another record, chosen by what people call it */
		} else if (f->label != PROTOBUF_C_LABEL_REPEATED &&
			   f->type == PROTOBUF_C_TYPE_STRING && rules_long_text(f->name)) {
			/* minutes, findings, a summary: paragraphs, not a line */
			web_p(p, "<textarea id=\"in-%s\" name=\"%s\" rows=\"4\"%s>", f->name,
			      f->name, req ? " required" : "");
			web_e(p, val);
			web_p(p, "</textarea>");
		} else {
			web_p(p, "<input id=\"in-%s\" name=\"%s\" type=\"%s\"%s%s", f->name,
			      f->name, type, req ? " required" : "",
			      f->type == PROTOBUF_C_TYPE_DOUBLE || f->type == PROTOBUF_C_TYPE_FLOAT
				      ? " step=\"any\""
				      : "");
			if (!strcmp(type, "number"))
				number_bounds(p, k, f);
			if (!strcmp(type, "text") && web_names_field(k, f->name))
				web_p(p, " list=\"names-%s\" autocomplete=\"off\"", f->name);
			web_p(p, " value=\"");
			web_e(p, val);
			web_p(p, "\">");
			web_name_choices(p, r, k, f->name);
			if (!strcmp(type, "date")) {
				char id[80];
				snprintf(id, sizeof id, "in-%s", f->name);
				web_date_reading(p, id, val);
			}
		}
	}
	/* a range said in the page's words: the browser's own message for a
	 * number past min or max is in its locale (a count's floor of 0 goes
	 * without saying) */
	if (bound && bound->max == KB_NO_MAX && bound->min != 0)
		snprintf(rng, sizeof rng, _("At least %lld."), bound->min);
	else if (bound && bound->max != KB_NO_MAX)
		snprintf(rng, sizeof rng, _("From %lld to %lld."), bound->min, bound->max);
	if (help || *rng || f->label == PROTOBUF_C_LABEL_REPEATED || (ui && ui->dflt == KF_TODAY)) {
		web_p(p, "<div class=\"help\">");
		if (help)
			web_e(p, help);
		if (*rng) {
			web_p(p, " <span class=\"range\">");
			web_e(p, rng);
			web_p(p, "</span>");
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			web_p(p, " %s", _("Several values: separate them with ;"));
		if (ui && ui->dflt == KF_TODAY)
			web_p(p, " %s", _("Empty: today."));
		web_p(p, "</div>");
	}
	if (err) {
		web_p(p, "<div class=\"msg\" id=\"err-%s\">", f->name);
		web_msg(p, k, err);
		web_p(p, "</div>");
	}
	web_p(p, "</div>\n");
	free(cur);
}

static void form_page(struct web_req *r, struct web_page *p, const struct kind *g,
		      const struct kind_verb *v, const char *id, bool edit,
		      const struct verb_result *res)
{
	const struct kind *fk = v && v->kind ? kind_by_name(v->kind) : g;
	struct form fm = { .fk = fk, .v = v, .res = res, .person = r->sess != NULL };
	Safecampus__Record *rec = NULL;
	char title[256], action[128];
	const char *parent = v && (v->flags & KV_PARENT) ? id : NULL;
	const char *group = NULL;
	const char *req[32];

	if (!fk) {
		web_error_page(p, r, 404, _("Not found"),
			       _("There is no such page or record here."));
		return;
	}
	if (edit && store_get(r->w->st, id, &rec) == 0)
		fm.cur = kind_payload(rec);
	required_of(fk, v, req, sizeof req / sizeof req[0]);
	fm.required = req;
	fm.password = signed_step(fk, v);
	fm.files = web_evidence_takes(g, v, edit);
	if (edit || parent) {
		/* the form says which record it is about: "隐患: 三楼消防通道堆放杂物: 签发" */
		Safecampus__Record *pr = NULL;
		char what[224];
		if (edit && rec && fm.cur)
			web_record_title(g, rec, what, sizeof what);
		else if (parent && store_get(r->w->st, parent, &pr) == 0 && kind_payload(pr))
			web_record_title(g, pr, what, sizeof what);
		else
			snprintf(what, sizeof what, "%s %.8s", web_kind_label(g), id);
		web_heading(title, sizeof title, what, edit ? _("Edit") : web_verb_label(g, v));
		if (pr)
			safecampus__record__free_unpacked(pr, NULL);
	} else if (v)
		web_heading(title, sizeof title, web_kind_label(g), web_verb_label(g, v));
	else
		web_heading(title, sizeof title, web_kind_label(g), _("Add"));
	if (edit)
		snprintf(action, sizeof action, "/r/%s/edit", id);
	else if (parent)
		snprintf(action, sizeof action, "/r/%s/v/%s", id, v->name);
	else if (v)
		snprintf(action, sizeof action, "/k/%s/v/%s", g->name, v->name);
	else
		snprintf(action, sizeof action, "/k/%s/new", g->name);
	web_head(p, r, title);
	if (!r->sess)
		web_p(p, "<p class=\"error\">%s <a href=\"/login?back=%s\">%s</a></p>\n",
		      _("Sign in to write records."), action, _("Sign in"));
	if (v && v->summary) {
		web_p(p, "<p class=\"help\">");
		web_e(p, _(v->summary));
		web_p(p, "</p>\n");
	}
	for (size_t i = 0; res && i < res->nerrors; i++) {
		if (res->err[i].field[0] && kind_field(fk, res->err[i].field) &&
		    asked(fk, v, parent, kind_field(fk, res->err[i].field)))
			continue;
		web_p(p, "<p class=\"error\" id=\"form-error\">");
		web_msg(p, fk, res->err[i].msg);
		web_p(p, "</p>\n");
	}
	web_p(p, "<form method=\"post\" action=\"%s\" id=\"record-form\"%s novalidate>\n", action,
	      fm.files ? " enctype=\"multipart/form-data\"" : "");
	web_csrf(p, r);
	/* the table's order and groups first, then the descriptor's other fields */
	for (size_t i = 0; fk->ops && i < fk->ops->nfields; i++) {
		const ProtobufCFieldDescriptor *f = kind_field(fk, fk->ops->fields[i].field);
		const char *gr = fk->ops->fields[i].group;
		if (!f || !asked(fk, v, parent, f))
			continue;
		if (gr && (!group || strcmp(group, gr) != 0)) {
			web_p(p, "%s<fieldset><legend>", group ? "</fieldset>" : "");
			web_e(p, _(gr));
			web_p(p, "</legend>");
			group = gr;
		}
		field_input(p, r, &fm, f);
	}
	if (group)
		web_p(p, "</fieldset>");
	for (unsigned i = 0; i < fk->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &fk->desc->fields[i];
		if (asked(fk, v, parent, f) && !kind_field_ui(fk, f->name))
			field_input(p, r, &fm, f);
	}
	if (fm.files) {
		const char *err = error_for(&fm, "_evidence");
		size_t flen = 0;
		/* a form sent back cannot hold the file chosen (a browser never
		 * fills a file input): say so, or the step is saved without it */
		if (!err && res && res->nerrors && web_file(r, "_evidence", &flen) && flen)
			err = _("The file chosen was not kept: choose it again before saving.");
		web_evidence_input(p, r, err);
	}
	if (fm.password && r->sess) {
		const char *err = error_for(&fm, "_password");
		web_p(p,
		      "<div class=\"field%s\"><label for=\"in-_password\">%s <span class=\"req\">*"
		      "</span></label><input id=\"in-_password\" name=\"_password\" "
		      "type=\"password\" "
		      "autocomplete=\"current-password\" required><div class=\"help\">%s</div>",
		      err ? " bad" : "", _("Your password, to sign this step"),
		      _("The step is recorded under your name."));
		if (err) {
			web_p(p, "<div class=\"msg\" id=\"err-_password\">");
			web_e(p, err);
			web_p(p, "</div>");
		}
		web_p(p, "</div>\n");
	}
	web_p(p, "<button type=\"submit\" id=\"save\">%s</button>\n</form>\n", _("Save"));
	if (fm.files)
		web_p(p, "<script src=\"/static/evidence.js\" defer></script>\n");
	web_foot(p, r);
	if (rec)
		safecampus__record__free_unpacked(rec, NULL);
}

/* Is the write this form makes one the pages offer this person (the record's
 * actions, its Edit, the list's Add and verbs)? The same test refuses a form
 * sent for one they do not offer. false with why. */
static bool form_allowed(struct web_req *r, const struct kind *k, const struct kind_verb *v,
			 const char *id, bool edit, char *why, size_t n)
{
	Safecampus__Record *rec = NULL;
	struct verb_ctx vc;
	struct verb_actor a;
	bool ok;

	why[0] = '\0';
	if (id && store_get(r->w->st, id, &rec) != 0)
		rec = NULL;
	web_verb_ctx(r, &vc, &a, NULL);
	if (v)
		ok = (!(v->flags & KV_PARENT) || rec) &&
		     verb_legal(&vc, k, v, (v->flags & KV_PARENT) ? rec : NULL, NULL, 0, why, n);
	else if (edit)
		ok = rec && edit_allowed(r, k, rec, why, n);
	else if (k->ops && k->ops->no_add_form) {
		snprintf(why, n,
			 _("%s records are made with a command of their own, not with a form"),
			 web_kind_label(k));
		ok = false;
	} else
		ok = verb_may_write(&r->w->cfg, k, NULL, why, n);
	if (rec)
		safecampus__record__free_unpacked(rec, NULL);
	return ok;
}

/* The page for a form this person is not offered: why, and that nothing
 * was written. */
void web_not_offered(struct web_req *r, struct web_page *p, const char *why)
{
	char msg[768];
	const char *pre = _("refused: %s");
	size_t pl = strcspn(pre, "%"), wl;
	char said[600];

	if (pl && strncmp(why, pre, pl) == 0)
		why += pl;
	/* the reason as a sentence of its own, then what happened */
	wl = strlen(why);
	if (wl && !strchr(".!?)", why[wl - 1]) &&
	    (wl < 3 || (strcmp(why + wl - 3, "。") && strcmp(why + wl - 3, "）"))))
		/* TRANSLATORS: the end of a sentence: "。" */
		snprintf(said, sizeof said, "%s%s", why,
			 i18n_pgettext("sentence", NC_("sentence", ".")));
	else
		snprintf(said, sizeof said, "%s", why);
	snprintf(msg, sizeof msg, _("%s Nothing was written."), *why ? said : _("Not allowed."));
	web_error_page(p, r, 403, _("Not offered to you"), msg);
}

int web_page_form(struct web_req *r, struct web_page *p, const struct kind *k,
		  const struct kind_verb *v, const char *id, bool edit)
{
	char why[512];

	if (!form_allowed(r, k, v, id, edit, why, sizeof why)) {
		web_not_offered(r, p, why);
		return 0;
	}
	form_page(r, p, k, v, id, edit, NULL);
	return 0;
}

/* "2026-12-03T10:05" (local) as Unix ms. */
static bool local_ms(const char *s, char *out, size_t n)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (!end || (*end && *end != ':'))
		return false;
	tm.tm_isdst = -1;
	snprintf(out, n, "%lld", (long long)mktime(&tm) * 1000LL);
	return true;
}

/* The form again, with the password's message beside it; nothing was written. */
static void wrong_password(struct web_req *r, struct web_page *p, const struct kind *k,
			   const struct kind_verb *v, const char *id, bool edit,
			   struct verb_result *res, const char *pw)
{
	memset(res, 0, sizeof *res);
	res->nerrors = 1;
	snprintf(res->err[0].field, sizeof res->err[0].field, "_password");
	snprintf(res->err[0].msg, sizeof res->err[0].msg, "%s",
		 pw && *pw ? _("Wrong password: the step was not recorded.")
			   : _("Enter your password: it signs this step. Nothing was recorded."));
	p->status = 422;
	form_page(r, p, k, v, id, edit, res);
}

int web_page_form_post(struct web_req *r, struct web_page *p, const struct kind *k,
		       const struct kind_verb *v, const char *id, bool edit)
{
	const struct kind *fk = v && v->kind ? kind_by_name(v->kind) : k;
	const char *parent = v && (v->flags & KV_PARENT) ? id : NULL;
	struct verb_value vals[160];
	char msbuf[160][24];
	/* the ticked fields' values (schools_field, a list of set words), each
	 * in its own buffer: vals point at them */
	char joined[3][8192];
	size_t nj = 0;
	size_t n = 0, nms = 0;
	struct verb_result *res;
	struct verb_ctx vc;
	struct verb_actor a;
	/* "" when none was posted: the signing refuses it (the KDF takes no NULL) */
	const char *pw = web_arg(r, "_password") ? web_arg(r, "_password") : "";
	struct evidence_file ef;
	int rc, have = 0;

	if (!fk) {
		web_error_page(p, r, 404, _("Not found"),
			       _("There is no such page or record here."));
		return 0;
	}
	if (web_need_person(r, p))
		return 0;
	{
		/* only what the pages offer is written, whatever was sent */
		char why[512];
		if (!form_allowed(r, k, v, id, edit, why, sizeof why)) {
			web_not_offered(r, p, why);
			return 0;
		}
	}
	res = calloc(1, sizeof *res);
	if (!res) {
		web_error_page(p, r, 500, _("Save"), sc_strerror(-ENOMEM));
		return 0;
	}
	for (unsigned i = 0; i < fk->desc->n_fields && n < 160; i++) {
		const ProtobufCFieldDescriptor *f = &fk->desc->fields[i];
		/* ticks, one value each: the schools, a list of set words */
		bool ticks = schools_field(fk, f) || word_list(fk, f);
		const char *val = ticks && nj < 3 ? web_args_joined(r, f->name, joined[nj++],
								    sizeof joined[0])
						  : web_arg(r, f->name);
		if (!asked(fk, v, parent, f) || !val || (!edit && !*val))
			continue;
		if (*val && web_ends(f->name, "_ms") && f->type != PROTOBUF_C_TYPE_STRING &&
		    strchr(val, 'T') && nms < 160 && local_ms(val, msbuf[nms], sizeof msbuf[nms]))
			val = msbuf[nms++];
		vals[n++] = (struct verb_value){ f->name, val };
	}
	if (signed_step(fk, v)) {
		/* a signed step: the person confirms it with their password. A
		 * sign-off's signing checks it (one scrypt, not two: verb_sign.c
		 * answers -EACCES); a step that is not signed is checked here. */
		struct person who;
		bool signs = form_sign_roles(fk, v) != 0;
		/* a step that is signed: its fields are checked first, and the
		 * signing then refuses an empty password (below: -EACCES) */
		if (!signs &&
		    (!pw || !*pw || person_login(r->w->st, r->sess->who.login, pw, &who) != 0)) {
			wrong_password(r, p, k, v, id, edit, res, pw);
			free(res);
			return 0;
		}
	}
	if (web_evidence_takes(k, v, edit)) {
		/* checked against the limits and kept by what --evidence FILE uses,
		 * before the record is written; refused: beside the field */
		have = web_evidence_upload(r, &ef, res->err[0].msg, sizeof res->err[0].msg);
		if (have < 0) {
			res->nerrors = 1;
			snprintf(res->err[0].field, sizeof res->err[0].field, "_evidence");
			p->status = have == SC_ETOOBIG ? 413 : 422;
			form_page(r, p, k, v, id, edit, res);
			free(res);
			return 0;
		}
		if (have && kind_field(fk, "evidence_sha256") && n < 159)
			vals[n++] = (struct verb_value){ "evidence_sha256", ef.hex };
		if (have && kind_field(fk, "evidence_path") && n < 160)
			vals[n++] = (struct verb_value){ "evidence_path", ef.name };
	}
	web_verb_ctx(r, &vc, &a, pw);
	vc.files = have ? &ef : NULL;
	vc.nfiles = have ? 1 : 0;
	rc = edit ? verb_edit(&vc, id, vals, n, res) : verb_apply(&vc, k, v, parent, vals, n, res);
	if (rc && have)
		web_evidence_unused(r, &ef);
	if (rc == -EACCES) {
		wrong_password(r, p, k, v, id, edit, res, pw);
		free(res);
		return 0;
	}
	if (rc) {
		p->status = rc == -EPERM ? 403 : 422;
		form_page(r, p, k, v, id, edit, res);
		free(res);
		return 0;
	}
	web_wrote(r);
	{
		char url[2048];
		struct web_page q;
		char done[512];
		web_page_init(&q);
		/* the verb's own line (res->done) is the command line's: record
		 * ids to type, state keys, the next command; the page shows
		 * the state itself, so it only says what was done */
		if (v)
			snprintf(done, sizeof done,
				 _("%s: saved. It waits in the outbox until the next sync."),
				 web_verb_label(k, v));
		else
			snprintf(done, sizeof done, "%s",
				 _("Saved. It waits in the outbox until the next sync."));
		web_p(&q, "/r/%s?msg=", parent ? parent : res->id[0] ? res->id : id);
		web_u(&q, done);
		snprintf(url, sizeof url, "%.*s", (int)buf_used(&q.b),
			 (const char *)buf_head(&q.b));
		web_page_free(&q);
		web_redirect(p, url);
	}
	free(res);
	return 0;
}
