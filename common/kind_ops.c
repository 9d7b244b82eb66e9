/* Generic helpers over the kind behaviour table (kind_ops.h). */
#include "kind_ops.h"
#include "i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "msg.h"

/* ---------------------------------------------------------------- events */

struct collect {
	struct kind_events *x;
	const char *skip;
	int rc;
};

static int collect_cb(void *arg, const Safecampus__Record *r, enum kind_sync sync)
{
	struct collect *c = arg;
	struct kind_events *x = c->x;
	struct kind_event *e;

	if (c->skip && strcmp(r->id, c->skip) == 0)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		struct kind_event *more = realloc(x->ev, cap * sizeof *more);
		if (!more) {
			c->rc = -ENOMEM;
			return 1;
		}
		x->ev = more;
		x->cap = cap;
	}
	e = &x->ev[x->n];
	memset(e, 0, sizeof *e);
	e->r = (Safecampus__Record *)msg_dup(&r->base);
	if (!e->r) {
		c->rc = -ENOMEM;
		return 1;
	}
	e->sync = sync;
	x->n++;
	return 0;
}

/* The server's order first (by seq), then local events by HLC. */
static int apply_order(const void *a, const void *b)
{
	const struct kind_event *x = a, *y = b;
	bool xs = x->r->seq != 0, ys = y->r->seq != 0;

	if (xs != ys)
		return xs ? -1 : 1;
	if (xs && x->r->seq != y->r->seq)
		return x->r->seq < y->r->seq ? -1 : 1;
	if (x->r->hlc != y->r->hlc)
		return x->r->hlc < y->r->hlc ? -1 : 1;
	return strcmp(x->r->id, y->r->id);
}

int kind_events_load(const struct kind_env *env, const char *kind, const char *parent_id,
		     const char *skip_id, struct kind_events *out)
{
	struct collect c = { .x = out, .skip = skip_id };
	int rc;

	memset(out, 0, sizeof *out);
	rc = env->each_child(env->ctx, kind, parent_id, collect_cb, &c);
	if (c.rc)
		rc = c.rc;
	if (rc == 0 && out->n > 1)
		qsort(out->ev, out->n, sizeof *out->ev, apply_order);
	return rc;
}

void kind_events_free(struct kind_events *x)
{
	for (size_t i = 0; i < x->n; i++)
		safecampus__record__free_unpacked(x->ev[i].r, NULL);
	free(x->ev);
	memset(x, 0, sizeof *x);
}

/* ---------------------------------------------------------------- lookups */

const struct kind_field_ui *kind_field_ui(const struct kind *k, const char *field)
{
	const struct kind_ops *o = k ? k->ops : NULL;

	for (size_t i = 0; o && i < o->nfields; i++)
		if (strcmp(o->fields[i].field, field) == 0)
			return &o->fields[i];
	return NULL;
}

const char *kind_alias_field(const struct kind *k, const char *alias)
{
	const struct kind_ops *o = k ? k->ops : NULL;

	for (size_t i = 0; o && i < o->nfields; i++)
		if (o->fields[i].alias && strcmp(o->fields[i].alias, alias) == 0)
			return o->fields[i].field;
	return NULL;
}

/* Labels are English msgids; field labels carry the kind's name as their
 * context (NC_), since "Title" is 隐患名称 for a hazard and 标题 for a notice. */
static const char *enum_label_in(const struct kind *k, const char *field, const char *value,
				 const char *lang)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	for (const struct kind_enum_label *l = ui ? ui->values : NULL; l && l->name; l++) {
		if (strcmp(l->name, value) != 0)
			continue;
		if (!l->label)
			return value;
		return lang ? i18n_pgettext_in(lang, NULL, l->label)
			    : i18n_pgettext(NULL, l->label);
	}
	return value;
}

const char *kind_enum_label(const struct kind *k, const char *field, const char *value, bool zh)
{
	return enum_label_in(k, field, value, zh ? "zh" : "en");
}

const char *kind_enum_label_tr(const struct kind *k, const char *field, const char *value)
{
	return enum_label_in(k, field, value, NULL);
}

const char *kind_enum_from_label(const struct kind *k, const char *field, const char *text)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	for (const struct kind_enum_label *l = ui ? ui->values : NULL; l && l->name; l++) {
		if (!l->label)
			continue;
		if (strcmp(text, l->label) == 0 ||
		    strcmp(text, i18n_pgettext_in("zh", NULL, l->label)) == 0)
			return l->name;
	}
	return NULL;
}

/* The status words of every kind (kind_ops.status_words), for people: the
 * word stays what --status takes, its label is what a list shows. Listed
 * here so that xgettext finds them; translated in the context "status". */
static const char *const status_labels[] = {
	NC_("status", "active"),
	NC_("status", "inactive"),
	NC_("status", "inspection_overdue"),
	NC_("status", "mismatch"),
	NC_("status", "ok"),
	NC_("status", "reported"),
	NC_("status", "assigned"),
	NC_("status", "rectified"),
	NC_("status", "verified"),
	NC_("status", "closed"),
	NC_("status", "open"),
	NC_("status", "overdue"),
	NC_("status", "current"),
	NC_("status", "left"),
	NC_("status", "unread"),
	NC_("status", "acked"),
	NC_("status", "re-ack"),
	NC_("status", "late"),
	NC_("status", "past_due"),
	NC_("status", "mitigated"),
	NC_("status", "removed"),
	NC_("status", "due_soon"),
	NC_("status", "fault"),
	NC_("status", "replaced"),
	NC_("status", "on_site"),
	NC_("status", "escalated"),
	NC_("status", "awaiting"),
	NC_("status", "countersigned"),
};

const char *kind_status_label(const char *word)
{
	for (size_t i = 0; i < sizeof status_labels / sizeof status_labels[0]; i++)
		if (strcmp(status_labels[i], word) == 0)
			return i18n_pgettext("status", status_labels[i]);
	return word;
}

const char *kind_label(const struct kind *k)
{
	if (!k)
		return "";
	return k->ops && k->ops->label ? i18n_pgettext(NULL, k->ops->label) : k->name;
}

const char *kind_field_label(const struct kind *k, const char *field)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	return ui && ui->label ? i18n_pgettext(k->name, ui->label) : NULL;
}

const char *kind_field_help(const struct kind *k, const char *field)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	return ui && ui->help ? i18n_pgettext(NULL, ui->help) : NULL;
}

int kind_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		struct kind_derived *d)
{
	const struct kind *k = kind_of(r);

	memset(d, 0, sizeof *d);
	if (!k || !k->ops || !k->ops->derive)
		return 0;
	return k->ops->derive(env, r, today, d);
}

bool kind_client_writes(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);

	return !k || !k->ops || !k->ops->client_writes || k->ops->client_writes(r);
}

bool kind_side_writes(const struct kind *k, bool bureau)
{
	if (!k)
		return false;
	if (bureau)
		return k->bureau_only || (k->ops && k->ops->anyone_writes);
	return !k->bureau_only;
}

bool kind_reaches(const Safecampus__Record *r, const char *school)
{
	const struct kind *k = kind_of(r);

	if (k && k->ops && k->ops->reaches)
		return k->ops->reaches(r, school);
	return strcmp(r->school ? r->school : "", school) == 0;
}

const struct kind_verb *kind_verb(const struct kind *k, const char *name)
{
	const struct kind_ops *o = k ? k->ops : NULL;

	for (size_t i = 0; o && i < o->nverbs; i++)
		if (strcmp(o->verbs[i].name, name) == 0)
			return &o->verbs[i];
	return NULL;
}

bool kind_status_has(const char *words, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = words; *p;) {
		size_t n = strcspn(p, " !");
		if (n == wl && strncmp(p, want, wl) == 0)
			return true;
		p += n;
		p += strspn(p, " !");
	}
	return false;
}

/* ---------------------------------------------------------------- sign-offs */

/* Do the values v fills in as literal text match r's? (a hazard step's
 * action tells assign from rectify) */
static bool verb_matches(const struct kind *g, const struct kind_verb *v,
			 const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const char *target = v->kind ? v->kind : g->name;

	if (!k || strcmp(target, k->name) != 0)
		return false;
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		const ProtobufCFieldDescriptor *f;
		char *have;
		bool same;
		if (s->fill != KF_TEXT)
			continue;
		f = kind_field(k, s->field);
		have = f ? kind_field_get(kind_payload(r), f) : NULL;
		same = have && s->text && strcmp(have, s->text) == 0;
		free(have);
		if (!same)
			return false;
	}
	return true;
}

const struct kind_verb *kind_verb_of(const Safecampus__Record *r)
{
	const struct kind_verb *best = NULL;

	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *g = kind_at(i);
		for (size_t j = 0; g->ops && j < g->ops->nverbs; j++) {
			const struct kind_verb *v = &g->ops->verbs[j];
			if (!verb_matches(g, v, r))
				continue;
			/* a verb that names its step (sets a literal) is more
			 * specific than one that writes any record of the kind */
			if (!best || (v->sets && v->sets->field))
				best = v;
		}
	}
	return best;
}

unsigned kind_sign_roles(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const struct kind_verb *v = kind_verb_of(r);

	if (v && v->sign_roles)
		return v->sign_roles_of ? v->sign_roles & v->sign_roles_of(r) : v->sign_roles;
	return k && k->ops ? k->ops->sign_roles : 0;
}

const char *kind_chain_id(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const ProtobufCFieldDescriptor *f;

	if (k && k->immutable && k->parent_field && (f = kind_field(k, k->parent_field))) {
		const char *id =
			*(const char *const *)(const void *)((const char *)kind_payload(r) +
							     f->offset);
		if (id && *id)
			return id;
	}
	return r->id;
}

void kind_sign_roles_text(unsigned bits, char *out, size_t n)
{
	const ProtobufCEnumDescriptor *e = &safecampus__staff_role__descriptor;
	size_t at = 0, left = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < e->n_values; i++)
		left += e->values[i].value > 0 && e->values[i].value < 32 &&
			(bits & (1u << e->values[i].value));
	for (unsigned i = 0; i < e->n_values && at < n; i++) {
		int v = e->values[i].value;
		const char *name = e->values[i].name;
		if (v <= 0 || v >= 32 || !(bits & (1u << v)))
			continue;
		/* "STAFF_ROLE_VICE_PRINCIPAL" -> "vice_principal" */
		if (strncmp(name, "STAFF_ROLE_", 11) == 0)
			name += 11;
		at += (size_t)snprintf(out + at, n - at, "%s",
				       at ? (left == 1 ? " or " : ", ") : "");
		for (const char *p = name; *p && at + 1 < n; p++)
			out[at++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (at < n)
			out[at] = '\0';
		left--;
	}
}
