/* A form's field that names another record by id (a hazard's inspection_id,
 * an education session's school_class_id, a letter's signer_staff_id, a
 * drill's plan_id) is a choice of this school's records of that kind, by what
 * people call them, not a box for a UUID. Which kind: the kind of its
 * kind_ref (a drill's plan: the policies, of the ref's match value, in force
 * today), else the field's name without "_id" when that is a kind (kinds.c's
 * rule for parent fields), else its last words that are one (signer_staff).
 * A text field that holds another kind's name (kind_ops.name_refs: a
 * visitor's host, a class's head teacher) stays text, with the school's
 * records of that kind offered by name as it is typed (a datalist).
 * Nothing here names a kind. */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "versions.h"
#include "web_rec.h"

/* enough for a school's classes, buses, equipment or a term's inspections;
 * past it the newest are offered (store_each gives the oldest first) */
#define PICK_MAX 400

struct pick {
	struct web_page *p;
	const struct kind *k; /* the kind picked from */
	const char *school;   /* this install's school; "" the bureau's */
	const char *val;      /* the id the form holds, "" if none */
	bool found;           /* val was offered */
	char (*ids)[40];      /* the candidates, newest last */
	size_t n;
};


static int collect(void *arg, const Safecampus__Record *r)
{
	struct pick *x = arg;

	if (r->deleted || strcmp(r->school ? r->school : "", x->school) != 0)
		return 0;
	if (x->n == PICK_MAX) { /* keep the newest PICK_MAX */
		memmove(x->ids, x->ids + 1, (PICK_MAX - 1) * sizeof *x->ids);
		x->n--;
	}
	snprintf(x->ids[x->n++], sizeof x->ids[0], "%s", r->id);
	return 0;
}

/* The i-th field a list of k shows (its kind_cols, else its fields in
 * order, as web_list.c picks them) in *f, NULL for a derived cell or
 * @school; false past the last. */
static bool shown_field(const struct kind *k, size_t i, const ProtobufCFieldDescriptor **f)
{
	*f = NULL;
	if (k->ops && k->ops->cols && k->ops->ncols) {
		const struct kind_col *c = i < k->ops->ncols ? &k->ops->cols[i] : NULL;
		if (c && c->field && c->field[0] != '@')
			*f = kind_field(k, c->field);
		return c != NULL;
	}
	if (i < k->desc->n_fields)
		*f = &k->desc->fields[i];
	return i < k->desc->n_fields;
}

void web_record_words(const struct kind *k, const Safecampus__Record *r, char *out, size_t n)
{
	const ProtobufCFieldDescriptor *df = web_date_field(k), *f;
	size_t len = 0, parts = 0;
	char buf[200], day[64];

	out[0] = '\0';
	/* the date leads only where the list would show it first: a drill is
	 * its day, a member of staff their name (not the day they joined) */
	for (size_t i = 0; shown_field(k, i, &f) && parts < 3 && len < n; i++) {
		const char *v = buf;
		if (!f || f->label == PROTOBUF_C_LABEL_REPEATED ||
		    (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_ENUM) ||
		    kind_field_is_hex(k, f->name) || web_ends(f->name, "_id") ||
		    (f != df && web_ends(f->name, "_date")) ||
		    !*versions_field(k, r, f->name, buf, sizeof buf))
			continue;
		if (f->type == PROTOBUF_C_TYPE_ENUM) /* its label, never its key */
			v = kind_enum_label_tr(k, f->name, buf);
		else if (f == df)
			v = date_words(buf, day, sizeof day);
		len += (size_t)snprintf(out + len, n - len, "%s%s", parts ? " · " : "", v);
		parts++;
	}
	/* a list that shows no text still has its day */
	if (!parts && df && *versions_field(k, r, df->name, buf, sizeof buf))
		snprintf(out, n, "%s", date_words(buf, day, sizeof day));
	else if (!parts)
		snprintf(out, n, "%.8s", r->id);
}

void web_heading(char *out, size_t n, const char *a, const char *b)
{
	/* TRANSLATORS: between the parts of a page's heading: 隐患：标题：签发 */
	snprintf(out, n, "%s%s%s", a, i18n_pgettext("heading", NC_("heading", ": ")), b);
}

void web_record_title(const struct kind *k, const Safecampus__Record *r, char *out, size_t n)
{
	const ProtobufCMessage *m = kind_payload(r);
	char *v = NULL;

	for (size_t i = 0; m && k->ops && k->ops->cols && i < k->ops->ncols && !v; i++) {
		const struct kind_col *c = &k->ops->cols[i];
		const ProtobufCFieldDescriptor *f =
			c->field && c->field[0] != '@' ? kind_field(k, c->field) : NULL;
		if (f && (c->school & KC_FLEX) && f->type == PROTOBUF_C_TYPE_STRING)
			v = kind_field_get(m, f);
	}
	if (v && *v) {
		web_heading(out, n, web_kind_label(k), v);
	} else {
		char words[200];
		web_record_words(k, r, words, sizeof words);
		web_heading(out, n, web_kind_label(k), words);
	}
	free(v);
}

static void option(struct pick *x, const Safecampus__Record *r)
{
	char text[400];
	bool sel = !strcmp(x->val, r->id);

	web_record_words(x->k, r, text, sizeof text);
	x->found |= sel;
	web_p(x->p, "<option value=\"%s\"%s>", r->id, sel ? " selected" : "");
	web_e(x->p, text);
	web_p(x->p, "</option>");
}

static int in_force_option(void *arg, const Safecampus__Record *r)
{
	struct pick *x = arg;

	if (!strcmp(r->school ? r->school : "", x->school))
		option(x, r);
	return 0;
}

/* The school's records of x->k (the newest PICK_MAX), newest first, each to fn. */
static int each_newest(struct pick *x, struct store *st,
		       void (*fn)(struct pick *x, const Safecampus__Record *r))
{
	int rc;

	x->ids = calloc(PICK_MAX, sizeof *x->ids);
	rc = x->ids ? store_each(st, x->k->name, collect, x) : -ENOMEM;
	for (size_t i = x->n; rc == 0 && i-- > 0;) {
		Safecampus__Record *c = NULL;
		if (store_get(st, x->ids[i], &c) == 0 && c) {
			fn(x, c);
			safecampus__record__free_unpacked(c, NULL);
		}
	}
	free(x->ids);
	x->ids = NULL;
	return rc;
}

bool web_record_picker(struct web_page *p, struct web_req *r, const struct kind *k,
		       const char *field, const char *val, bool req)
{
	const struct kind_ref *ref;
	struct pick x = { .p = p,
			  .school = r->w->cfg.school ? r->w->cfg.school : "",
			  .val = val ? val : "" };
	int rc = 0;

	x.k = kind_named_by(k, field, &ref);
	if (!x.k)
		return false;
	web_p(p, "<select id=\"in-%s\" name=\"%s\" class=\"pick\" data-kind=\"%s\"%s>", field,
	      field, x.k->name, req ? " required" : "");
	web_p(p, "<option value=\"\">%s</option>", req ? _("(choose)") : _("(none)"));
	if (ref && ref->match_field && x.k->ops && x.k->ops->versioned_by) {
		/* a versioned record (a plan): its versions in force today */
		char today[11];
		web_today(today);
		rc = versions_each_in_force(r->w->st, x.k, ref->match_field, ref->match_value,
					    today, in_force_option, &x);
	} else {
		rc = each_newest(&x, r->w->st, option);
	}
	if (*x.val && !x.found) { /* typed by address or not here yet: kept, as it is */
		web_p(p, "<option value=\"");
		web_e(p, x.val);
		web_p(p, "\" selected>");
		web_e(p, x.val);
		web_p(p, "</option>");
	}
	web_p(p, "</select>");
	if (rc)
		web_p(p, "<div class=\"msg\">%s</div>", _("The list could not be read."));
	return true;
}

bool web_record_ref(struct web_page *p, struct web_req *r, const struct kind *k, const char *field,
		    const char *id)
{
	const struct kind_ref *ref;
	const struct kind *pk = kind_named_by(k, field, &ref);
	Safecampus__Record *c = NULL;
	char text[400];

	if (!pk || !*id)
		return false;
	if (store_get(r->w->st, id, &c) != 0 || !c || kind_of(c) != pk) {
		/* not here (yet: a notice not pulled), or not of that kind: its
		 * first characters, as record links show them, and why */
		snprintf(text, sizeof text, "%.8s…", id);
		web_p(p, "<span class=\"ref\" title=\"");
		web_e(p, id);
		web_p(p, "\">");
		web_e(p, text);
		web_p(p, "</span> ");
		web_e(p, _("(not on this computer)"));
	} else {
		web_record_words(pk, c, text, sizeof text);
		web_p(p, "<a class=\"ref\" href=\"/r/%s\" title=\"%s\">", c->id, c->id);
		web_e(p, text);
		web_p(p, "</a>");
	}
	if (c)
		safecampus__record__free_unpacked(c, NULL);
	return true;
}

/* ---------------------------------------------------------------- names */

/* The kind whose names field holds (kind_ops.name_refs), or NULL. */
static const struct kind *named_kind(const struct kind *k, const char *field)
{
	for (const struct kind_name_ref *n = k->ops ? k->ops->name_refs : NULL; n && n->field; n++)
		if (!strcmp(n->field, field))
			return kind_by_name(n->kind);
	return NULL;
}

/* The name r goes by: the first text field its list shows (a staff
 * member's name); false if it has none. */
static bool record_name(const struct kind *k, const Safecampus__Record *r, char *out, size_t n)
{
	const ProtobufCFieldDescriptor *f;

	for (size_t i = 0; shown_field(k, i, &f); i++)
		if (f && f->type == PROTOBUF_C_TYPE_STRING &&
		    f->label != PROTOBUF_C_LABEL_REPEATED && !web_ends(f->name, "_date") &&
		    !web_ends(f->name, "_id") && !kind_field_is_hex(k, f->name) &&
		    *versions_field(k, r, f->name, out, n))
			return true;
	return false;
}

static void name_option(struct pick *x, const Safecampus__Record *r)
{
	char name[200], text[400];

	if (!record_name(x->k, r, name, sizeof name))
		return;
	web_record_words(x->k, r, text, sizeof text);
	web_p(x->p, "<option value=\"");
	web_e(x->p, name);
	web_p(x->p, "\">");
	web_e(x->p, text);
	web_p(x->p, "</option>");
}

bool web_names_field(const struct kind *k, const char *field)
{
	return named_kind(k, field) != NULL;
}

void web_name_choices(struct web_page *p, struct web_req *r, const struct kind *k,
		      const char *field)
{
	struct pick x = { .p = p, .school = r->w->cfg.school ? r->w->cfg.school : "", .val = "" };

	x.k = named_kind(k, field);
	if (!x.k)
		return;
	web_p(p, "<datalist id=\"names-%s\" data-kind=\"%s\">", field, x.k->name);
	/* a list that cannot be read leaves the box as it is: typed */
	(void)each_newest(&x, r->w->st, name_option);
	web_p(p, "</datalist>");
}
