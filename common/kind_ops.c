/* Generic helpers over the kind behaviour table (kind_ops.h). */
#include "kind_ops.h"
#include "i18n.h"

#include <errno.h>
#include <pthread.h>
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

const struct kind_bound *kind_field_bound(const struct kind *k, const char *field)
{
	const struct kind_ops *o = k ? k->ops : NULL;

	for (const struct kind_bound *b = o ? o->bounds : NULL; b && b->field; b++)
		if (strcmp(b->field, field) == 0)
			return b;
	return NULL;
}

bool kind_field_is_hex(const struct kind *k, const char *field)
{
	const struct kind_ops *o = k ? k->ops : NULL;

	for (const char *const *f = o ? o->hex_fields : NULL; f && *f; f++)
		if (strcmp(*f, field) == 0)
			return true;
	return false;
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

bool kind_bureau_writes_for_school(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);

	return k && k->ops && k->ops->bureau_for_school && r->school && *r->school &&
	       (kind_sign_roles(r) & KS_BUREAU);
}

bool kind_signer_side(const Safecampus__Record *r, const char *signer_school)
{
	const char *school = r->school ? r->school : "";

	signer_school = signer_school ? signer_school : "";
	if (!strcmp(signer_school, school))
		return true;
	return !*signer_school && (kind_sign_roles(r) & KS_BUREAU);
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

/* The verbs that write each kind, found once (kind_verb_of asks for every
 * record a Push carries, several times): per kind, in the order of the
 * kinds' groups and their verbs, the verbs whose records are of that kind,
 * each with the values it fills in as literal text (KF_TEXT: a hazard
 * step's action tells assign from rectify). A record matches a verb when
 * its fields' text is those literals; an enum's literal is kept as the
 * enum's value and a string's compared as it is, so matching renders
 * nothing and allocates nothing. The tables are static: the kinds and
 * their verbs are. */
#define VERB_CANDS_MAX 256
#define VERB_LITS_MAX 256
#define VERB_KINDS_MAX 128

enum lit_how {
	LIT_ENUM,   /* the field's value is `value` */
	LIT_STRING, /* the field's string is `text` */
	LIT_TEXT,   /* the field's text form (kind_field_get) is `text` */
};

struct verb_lit {
	const ProtobufCFieldDescriptor *f;
	enum lit_how how;
	const char *text; /* the literal */
	int value;        /* LIT_ENUM: the value whose text it is */
};

struct verb_cand {
	const struct kind_verb *v;
	unsigned lit, nlit; /* its literals: verbs_tab.lit[lit .. lit + nlit) */
	bool specific;      /* it names its step (sets a field) */
};

static struct {
	struct verb_cand cand[VERB_CANDS_MAX];
	struct verb_lit lit[VERB_LITS_MAX];
	unsigned first[VERB_KINDS_MAX + 1]; /* kind i's: cand[first[i] .. first[i + 1]) */
	unsigned ncand, nlit;
} verbs_tab;
static pthread_once_t verbs_once = PTHREAD_ONCE_INIT;

static void verbs_full(int max, const char *what)
{
	fprintf(stderr, "kind_ops: more than %d %s\n", max, what);
	abort();
}

/* How literal text of field f is matched; LIT_ENUM sets *value. */
static enum lit_how lit_how_of(const ProtobufCFieldDescriptor *f, const char *text, int *value)
{
	const ProtobufCEnumDescriptor *e = f->descriptor;

	/* the fields whose text form is their value alone: no presence bit,
	 * not repeated, not in a oneof (kinds.h) */
	if ((f->label != PROTOBUF_C_LABEL_NONE && f->label != PROTOBUF_C_LABEL_REQUIRED) ||
	    (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
		return LIT_TEXT;
	if (f->type == PROTOBUF_C_TYPE_STRING)
		return LIT_STRING;
	if (f->type != PROTOBUF_C_TYPE_ENUM)
		return LIT_TEXT;
	if (!*text) { /* the zero value's text */
		*value = 0;
		return LIT_ENUM;
	}
	for (unsigned i = 0; i < e->n_values; i++) {
		const char *name = kind_enum_name(e, e->values[i].value);
		if (e->values[i].value != 0 && name && strcmp(name, text) == 0) {
			*value = e->values[i].value;
			return LIT_ENUM;
		}
	}
	return LIT_TEXT; /* a number, or nothing any value reads as */
}

/* Adds v (of group g) to the verbs of kind k if it writes k's records and
 * its literals can hold. */
static void verbs_add(const struct kind *k, const struct kind *g, const struct kind_verb *v)
{
	struct verb_cand *c;

	if (strcmp(v->kind ? v->kind : g->name, k->name) != 0)
		return;
	if (verbs_tab.ncand == VERB_CANDS_MAX)
		verbs_full(VERB_CANDS_MAX, "verbs in all kinds' groups");
	c = &verbs_tab.cand[verbs_tab.ncand];
	*c = (struct verb_cand){ .v = v,
				 .lit = verbs_tab.nlit,
				 .specific = v->sets && v->sets->field };
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		const ProtobufCFieldDescriptor *f;
		struct verb_lit *l;
		if (s->fill != KF_TEXT)
			continue;
		f = kind_field(k, s->field);
		if (!f || !s->text) {
			verbs_tab.nlit = c->lit; /* no record holds it: the verb writes none */
			return;
		}
		if (verbs_tab.nlit == VERB_LITS_MAX)
			verbs_full(VERB_LITS_MAX, "literal values in all verbs");
		l = &verbs_tab.lit[verbs_tab.nlit++];
		*l = (struct verb_lit){ .f = f, .text = s->text };
		l->how = lit_how_of(f, s->text, &l->value);
		c->nlit++;
	}
	verbs_tab.ncand++;
}

static void verbs_build(void)
{
	size_t nk = kind_count();

	if (nk > VERB_KINDS_MAX)
		verbs_full(VERB_KINDS_MAX, "kinds");
	for (size_t ki = 0; ki < nk; ki++) {
		const struct kind *k = kind_at(ki);
		verbs_tab.first[ki] = verbs_tab.ncand;
		for (size_t i = 0; i < nk; i++) {
			const struct kind *g = kind_at(i);
			for (size_t j = 0; g->ops && j < g->ops->nverbs; j++)
				verbs_add(k, g, &g->ops->verbs[j]);
		}
	}
	verbs_tab.first[nk] = verbs_tab.ncand;
}

static bool lit_holds(const struct verb_lit *l, const ProtobufCMessage *m)
{
	const void *at = m ? (const char *)m + l->f->offset : NULL;
	char *have;
	bool same;

	if (!m) /* every field's text is "" */
		return !*l->text;
	switch (l->how) {
	case LIT_ENUM:
		return *(const int *)at == l->value;
	case LIT_STRING: {
		const char *s = *(const char *const *)at;
		return strcmp(s ? s : "", l->text) == 0;
	}
	default:
		have = kind_field_get(m, l->f);
		same = have && strcmp(have, l->text) == 0;
		free(have);
		return same;
	}
}

const struct kind_verb *kind_verb_of(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const struct kind_verb *best = NULL;
	const ProtobufCMessage *m;
	size_t ki;

	if (!k)
		return NULL;
	pthread_once(&verbs_once, verbs_build);
	m = kind_payload(r);
	ki = kind_index(k);
	for (unsigned i = verbs_tab.first[ki]; i < verbs_tab.first[ki + 1]; i++) {
		const struct verb_cand *c = &verbs_tab.cand[i];
		unsigned j = 0;
		while (j < c->nlit && lit_holds(&verbs_tab.lit[c->lit + j], m))
			j++;
		if (j < c->nlit)
			continue;
		/* a verb that names its step (sets a literal) is more
		 * specific than one that writes any record of the kind */
		if (!best || c->specific)
			best = c->v;
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

const char *kind_value_word(const struct kind *k, const char *field, const char *value)
{
	return value && i18n_zh() ? kind_enum_label_tr(k, field, value) : value ? value : "";
}

const char *kind_role_word(const char *name)
{
	if (name && i18n_zh())
		for (const struct kind_enum_label *l = kind_enum_staff_role; l->name; l++)
			if (strcmp(l->name, name) == 0)
				return i18n_pgettext(NULL, l->label);
	return name ? name : "";
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
		char key[64];
		size_t k = 0;
		if (v <= 0 || v >= 32 || !(bits & (1u << v)))
			continue;
		/* "STAFF_ROLE_VICE_PRINCIPAL" -> "vice_principal" */
		if (strncmp(name, "STAFF_ROLE_", 11) == 0)
			name += 11;
		for (; name[k] && k + 1 < sizeof key; k++)
			key[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		key[k] = '\0';
		/* TRANSLATORS: between the roles that may sign a step: "校长、分管校长或科室主任" */
		at += (size_t)snprintf(out + at, n - at, "%s%s",
				       !at         ? ""
				       : left == 1 ? i18n_pgettext("roles", NC_("roles", " or "))
						   : i18n_pgettext("roles", NC_("roles", ", ")),
				       kind_role_word(key));
		left--;
	}
	if (at >= n && n)
		out[n - 1] = '\0';
}

const struct kind *kind_named_by(const struct kind *k, const char *field,
				 const struct kind_ref **ref)
{
	char name[64];
	size_t n = strlen(field);

	if (ref)
		*ref = NULL;
	for (size_t i = 0; k->ops && i < k->ops->nrefs; i++)
		if (k->ops->refs[i].field && !strcmp(k->ops->refs[i].field, field)) {
			if (ref)
				*ref = &k->ops->refs[i];
			return kind_by_name(k->ops->refs[i].kind);
		}
	if (n <= 3 || n >= sizeof name || strcmp(field + n - 3, "_id") != 0)
		return NULL;
	snprintf(name, sizeof name, "%.*s", (int)(n - 3), field);
	for (const char *s = name; s;) { /* the longest tail that is a kind */
		const struct kind *pk = kind_by_name(s);
		if (pk)
			return pk;
		s = strchr(s, '_');
		s = s ? s + 1 : NULL;
	}
	return NULL;
}
