/* Adding, editing and taking a kind's verb, for the command line and the
 * browser alike (verb.h). Nothing here names a kind or prints. */
#include "verb.h"
#include "i18n.h"
#include "verb_sign.h"
#include "evidence.h"
#include "person.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "uuid.h"

/* ---------------------------------------------------------------- the records around */

struct env_ctx {
	struct store *st;
};

static int env_get(void *ctx, const char *id, Safecampus__Record **out)
{
	return store_get(ctx, id, out);
}

static int env_each(void *ctx, const char *kind, kind_each_cb cb, void *arg)
{
	return store_each(ctx, kind, cb, arg);
}

struct child_ctx {
	struct store *st;
	kind_child_cb cb;
	void *arg;
	int rc;
};

static int child_cb(void *arg, const Safecampus__Record *r)
{
	struct child_ctx *x = arg;
	enum store_sync_state st;

	x->rc = store_sync_state(x->st, r->id, &st);
	if (x->rc)
		return 1;
	return x->cb(x->arg, r,
		     st == STORE_REJECTED  ? KIND_REJECTED
		     : st == STORE_PENDING ? KIND_PENDING
					   : KIND_SYNCED);
}

static int env_each_child(void *ctx, const char *kind, const char *parent_id, kind_child_cb cb,
			  void *arg)
{
	struct child_ctx x = { .st = ctx, .cb = cb, .arg = arg };
	int rc = store_each_child(x.st, kind, parent_id, child_cb, &x);

	return x.rc ? x.rc : rc;
}

static int env_school_known(void *ctx, const char *school, bool *any, bool *known)
{
	return store_school_known(ctx, school, any, known);
}

static int env_schools(void *ctx, char (**out)[64], size_t *n)
{
	return store_schools(ctx, out, n);
}

void verb_env(struct store *st, const struct store_config *cfg, const char *today,
	      struct kind_env *env)
{
	*env = (struct kind_env){
		.ctx = st,
		.bureau = cfg && cfg->role == SAFECAMPUS__ROLE__ROLE_BUREAU,
		.school = cfg && cfg->school ? cfg->school : "",
		.campus = cfg && cfg->campus ? cfg->campus : "",
		.today = today,
		.get = env_get,
		.each = env_each,
		.each_child = env_each_child,
		.school_known = env_school_known,
		.schools = env_schools,
	};
}

int64_t verb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void verb_today(char out[11])
{
	time_t t = (time_t)(verb_now_ms() / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

static bool is_bureau(const struct store_config *cfg)
{
	return cfg && cfg->role == SAFECAMPUS__ROLE__ROLE_BUREAU;
}

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- errors */

/* A kind as a message names it: what a person types, or in Chinese its label. */
static const char *kname(const struct kind *k)
{
	return i18n_zh() ? kind_label(k) : k->name;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static int fail(struct verb_result *res, int rc, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct verb_result *res, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;
	struct verb_error *e;

	if (res->nerrors >= VERB_MAX_ERRORS)
		return rc;
	e = &res->err[res->nerrors++];
	snprintf(e->field, sizeof e->field, "%s", s_(field));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return rc;
}

/* The field a rule's reason is about: "kind.field: ..." or the first
 * snake_case word that names one of k's fields; "" if none. */
static void field_of(const struct kind *k, const char *why, char *out, size_t n)
{
	size_t klen = strlen(k->name);
	const char *p = why;

	out[0] = '\0';
	while (*p) {
		size_t w = 0;
		char tok[96];
		while ((p[w] >= 'a' && p[w] <= 'z') || (p[w] >= '0' && p[w] <= '9') ||
		       p[w] == '_' || p[w] == '.')
			w++;
		while (w && p[w - 1] == '.')
			w--;
		if (w == 0) {
			p++;
			continue;
		}
		if (w < sizeof tok) {
			const char *f = tok;
			memcpy(tok, p, w);
			tok[w] = '\0';
			if (w > klen + 1 && strncmp(tok, k->name, klen) == 0 && tok[klen] == '.')
				f = tok + klen + 1;
			if ((f != tok || strchr(tok, '_')) && kind_field(k, f) && strlen(f) < n) {
				memcpy(out, f, strlen(f) + 1);
				return;
			}
		}
		p += w;
	}
}

/* A refusal from a rule or a kind's check, placed on the field it names. */
static int refuse(struct verb_result *res, const struct kind *k, int rc, const char *why,
		  bool check)
{
	char field[64];
	size_t at = res->nerrors;

	field_of(k, why, field, sizeof field);
	rc = fail(res, rc, field, _("refused: %s"), why);
	if (at < res->nerrors)
		res->err[at].check = check;
	return rc;
}

/* ---------------------------------------------------------------- who may */

int verb_role(const struct store_config *cfg, const struct kind_verb *v, char *why, size_t n)
{
	if (v && (v->flags & KV_BUREAU) && !is_bureau(cfg)) {
		snprintf(why, n,
			 _("refused: only the bureau %1$s; this install is school %2$s, campus "
			   "%3$s%4$s"),
			 v->role_what ? _(v->role_what) : "", s_(cfg->school), s_(cfg->campus),
			 v->role_hint ? _(v->role_hint) : "");
		return -EPERM;
	}
	if (v && (v->flags & KV_SCHOOL) && is_bureau(cfg)) {
		snprintf(why, n, _("refused: a school %1$s%2$s"),
			 v->role_what ? _(v->role_what) : "", v->role_hint ? _(v->role_hint) : "");
		return -EPERM;
	}
	return 0;
}

bool verb_may_write(const struct store_config *cfg, const struct kind *k,
		    const Safecampus__Record *rec, char *why, size_t n)
{
	bool bureau = is_bureau(cfg);

	why[0] = '\0';
	if (!k)
		return false;
	if (!kind_side_writes(k, bureau)) {
		if (bureau)
			snprintf(why, n,
				 _("refused: %s records are written by schools; the bureau reads "
				   "them"),
				 kname(k));
		else
			snprintf(why, n, _("refused: only the bureau writes %s records"), kname(k));
		return false;
	}
	/* the server takes a record only from its school's certificate */
	if (rec && strcmp(s_(rec->school), s_(cfg->school)) != 0) {
		snprintf(why, n,
			 _("refused: this %1$s is school %2$s's; this install writes for %3$s"),
			 kname(k), *s_(rec->school) ? rec->school : _("the bureau"),
			 *s_(cfg->school) ? cfg->school : _("the bureau"));
		return false;
	}
	return true;
}

/* Is actor of a role that may sign what v writes (its sign_roles)? Nobody
 * named: not known yet, the write asks (verb_sign). */
static bool may_sign(const struct verb_ctx *c, const struct kind *k, const struct kind_verb *v,
		     char *why, size_t n)
{
	unsigned roles = v ? v->sign_roles : k->ops ? k->ops->sign_roles : 0;
	int role = c->actor ? c->actor->role : 0;
	char who[160];

	if (!roles || !c->actor || !c->actor->login || role <= 0 || role >= 32 ||
	    (roles & (1u << role)))
		return true;
	kind_sign_roles_text(roles, who, sizeof who);
	snprintf(why, n, _("refused: %1$s is a %2$s; this %3$s is signed by a %4$s"),
		 c->actor->login, s_(person_role_name(role)), kname(k), who);
	return false;
}

/* ---------------------------------------------------------------- values */

/* Sets field of m from text; a record id may be given by a prefix. */
static int set_value(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		     const char *field, const char *text, struct verb_result *res)
{
	const ProtobufCFieldDescriptor *f = kind_field(k, field);
	char err[512], id[37];
	size_t fl;
	const char *why = err;

	if (!f) {
		res->bad_value = true;
		return fail(res, SC_EINVALID, field, _("%s: %s has no such field"), field, k->name);
	}
	if (ends_with(f->name, "_id") && f->type == PROTOBUF_C_TYPE_STRING && *text &&
	    !uuid_valid(text)) {
		int rc = store_resolve_id(c->st, text, id);
		if (rc == -ENOTUNIQ) {
			res->bad_value = true;
			return fail(res, SC_EINVALID, field,
				    _("%s: '%s' is the start of more than one record id: give more "
				      "of it"),
				    field, text);
		}
		if (rc) {
			res->bad_value = true;
			return fail(res, SC_EINVALID, field, _("%s: no record with id '%s' here"),
				    field, text);
		}
		text = id;
	}
	/* a person may type the value's label (全员培训) for its name */
	if (f->type == PROTOBUF_C_TYPE_ENUM && *text) {
		const char *name = kind_enum_from_label(k, f->name, text);
		if (name)
			text = name;
	}
	if (kind_field_set(m, f, text, err, sizeof err) == 0)
		return 0;
	/* kinds says "field: why" */
	fl = strlen(f->name);
	if (strncmp(err, f->name, fl) == 0 && err[fl] == ':' && err[fl + 1] == ' ')
		why = err + fl + 2;
	res->bad_value = true;
	return fail(res, SC_EINVALID, field, _("%s: %s"), field, why);
}

static int set_values(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		      const struct verb_value *vals, size_t n, struct verb_result *res)
{
	int rc = 0;

	/* every bad value is reported, not only the first: a form shows them all */
	for (size_t i = 0; i < n; i++) {
		int r = set_value(c, k, m, vals[i].field, vals[i].value, res);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

int verb_apply_defaults(const struct kind *k, ProtobufCMessage *m)
{
	char buf[32], err[128];

	for (size_t i = 0; k->ops && i < k->ops->nfields; i++) {
		const struct kind_field_ui *ui = &k->ops->fields[i];
		const ProtobufCFieldDescriptor *f;
		char *cur;
		if (ui->dflt != KF_TODAY && ui->dflt != KF_NOW_MS)
			continue;
		f = kind_field(k, ui->field);
		if (!f)
			continue;
		cur = kind_field_get(m, f);
		if (!cur)
			return -ENOMEM;
		if (*cur) {
			free(cur);
			continue;
		}
		free(cur);
		if (ui->dflt == KF_TODAY)
			verb_today(buf);
		else
			snprintf(buf, sizeof buf, "%lld", (long long)verb_now_ms());
		if (kind_field_set(m, f, buf, err, sizeof err) != 0)
			return SC_EINVALID;
	}
	return 0;
}

/* The fields verb v fills in itself. */
static int apply_sets(const struct verb_ctx *c, const struct kind *k, const struct kind_verb *v,
		      ProtobufCMessage *m, const Safecampus__Record *parent,
		      struct verb_result *res)
{
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		char buf[160];
		const char *text = buf;
		if (s->if_empty) {
			char *cur = kind_field_get(m, kind_field(k, s->field));
			bool empty = cur && !*cur;
			free(cur);
			if (!empty)
				continue;
		}
		switch (s->fill) {
		case KF_TODAY:
			verb_today(buf);
			break;
		case KF_NOW_MS:
			snprintf(buf, sizeof buf, "%lld", (long long)verb_now_ms());
			break;
		case KF_TEXT:
			text = s->text;
			break;
		case KF_PARENT_ID:
			text = parent ? parent->id : "";
			break;
		case KF_PARENT_HLC:
			snprintf(buf, sizeof buf, "%llu",
				 parent ? (unsigned long long)parent->hlc : 0ULL);
			break;
		case KF_ACTOR:
			if (c->actor && c->actor->name) {
				snprintf(buf, sizeof buf, "%s", c->actor->name);
				break;
			}
			/* written into the record: the bureau reads it, so Chinese when Chinese */
			snprintf(buf, sizeof buf, _("safety office, campus %s"),
				 s_(c->cfg->campus));
			break;
		case KF_SIGNER_NAME:
		case KF_SIGNER_ROLE: {
			char why[256];
			/* no person named: leave what was given (verb_legal's
			 * placeholders); verb_sign refuses to write it unsigned */
			if (!c->actor)
				continue;
			int rc = verb_signer_value(c->st, c->actor, s->fill, buf, sizeof buf, why,
						   sizeof why);
			if (rc)
				return fail(res, rc, "", "refused: %s", why);
			break;
		}
		default:
			continue;
		}
		if (set_value(c, k, m, s->field, text, res))
			return SC_EINVALID;
	}
	return 0;
}

/* A signed-in person acts as themselves: the fields that name who acts
 * (KF_PERSON, KF_PERSON_ROLE) are theirs, whatever the form said. */
static int person_fields(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
			 struct verb_result *res)
{
	for (size_t i = 0; c->actor && c->actor->name && k->ops && i < k->ops->nfields; i++) {
		const struct kind_field_ui *ui = &k->ops->fields[i];
		char buf[32];
		const char *text = NULL;
		if (ui->dflt == KF_PERSON)
			text = c->actor->name;
		else if (ui->dflt == KF_PERSON_ROLE && c->actor->role) {
			const ProtobufCFieldDescriptor *f = kind_field(k, ui->field);
			const char *name = f && f->type == PROTOBUF_C_TYPE_ENUM
						   ? kind_enum_name(f->descriptor, c->actor->role)
						   : NULL;
			snprintf(buf, sizeof buf, "%s", name ? name : "");
			text = name ? buf : NULL;
		}
		if (text && set_value(c, k, m, ui->field, text, res))
			return SC_EINVALID;
	}
	return 0;
}

/* ---------------------------------------------------------------- checks and the write */

Safecampus__Record *verb_record_new(const struct kind *k, ProtobufCMessage *m)
{
	Safecampus__Record *r = malloc(sizeof *r);
	char id[UUID_STR_LEN + 1];

	if (!r) {
		kind_payload_free(m);
		return NULL;
	}
	safecampus__record__init(r);
	if (uuid_new(id) != 0 || !(r->id = strdup(id))) {
		free(r);
		kind_payload_free(m);
		return NULL;
	}
	kind_record_set_payload(r, k, m);
	return r;
}

/* The record a `*_id` parent field names must exist here and be of its kind. */
static int check_parent(const struct verb_ctx *c, const struct kind *k, const Safecampus__Record *r,
			struct verb_result *res)
{
	const ProtobufCFieldDescriptor *pf = kind_field(k, k->parent_field);
	char *pid = pf ? kind_field_get(kind_payload(r), pf) : NULL;
	Safecampus__Record *parent = NULL;
	char pkind[64];
	size_t n;
	int rc;

	if (!pid)
		return fail(res, -ENOMEM, "", _("cannot read the record's fields"));
	/* the parent's kind is the field's name without "_id" */
	n = strlen(k->parent_field);
	snprintf(pkind, sizeof pkind, "%.*s", (int)(n > 3 ? n - 3 : n), k->parent_field);
	rc = *pid ? store_get(c->st, pid, &parent) : SC_ENOTFOUND;
	if (rc == SC_ENOTFOUND)
		rc = fail(res, SC_ENOTFOUND, k->parent_field,
			  _("refused: %1$s %2$s is not known here (sync first?)"),
			  kind_by_name(pkind) ? kname(kind_by_name(pkind)) : pkind, pid);
	else if (rc)
		rc = fail(res, rc, "", _("cannot read the record it belongs to: %s"),
			  *store_last_error() ? store_last_error() : sc_strerror(rc));
	else if (kind_by_name(pkind) && kind_of(parent) != kind_by_name(pkind))
		rc = fail(res, SC_EINVALID, k->parent_field,
			  _("refused: %1$s %2$s is a %3$s, not a %4$s"), k->parent_field,
			  parent->id, kind_of(parent) ? kname(kind_of(parent)) : "?",
			  kname(kind_by_name(pkind)));
	free(pid);
	if (parent)
		safecampus__record__free_unpacked(parent, NULL);
	return rc;
}

int verb_check(const struct verb_ctx *c, const Safecampus__Record *r, struct verb_result *res)
{
	const struct kind *k = kind_of(r);
	char why[512];
	int rc;

	if (!k)
		return fail(res, SC_EINVALID, "", _("refused: a record of no known kind"));
	if (k->bureau_only && !is_bureau(c->cfg))
		return fail(
			res, -EPERM, "",
			_("refused: only the bureau may write %1$s records (this install is school "
			  "%2$s, campus %3$s)"),
			kname(k), s_(c->cfg->school), s_(c->cfg->campus));
	if (!k->bureau_only && is_bureau(c->cfg)) {
		char list[256];
		size_t at = 0;
		list[0] = '\0';
		for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
			if (kind_at(i)->bureau_only)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       at ? ", " : "", kind_at(i)->name);
		return fail(res, -EPERM, "",
			    _("refused: %1$s records are written by schools; the bureau writes "
			      "only %2$s"),
			    kname(k), list);
	}
	if (rules_check(r, why, sizeof why) != 0)
		return refuse(res, k, SC_EINVALID, why, false);
	if (k->parent_field) {
		rc = check_parent(c, k, r, res);
		if (rc)
			return rc;
	}
	if (k->ops && k->ops->check) {
		struct kind_env env;
		char today[11];
		verb_today(today);
		verb_env(c->st, c->cfg, today, &env);
		why[0] = '\0';
		rc = k->ops->check(&env, r, why, sizeof why);
		if (rc == SC_EINVALID || rc == SC_ETRANSITION || rc == SC_ENOTFOUND)
			return refuse(res, k, rc, why, true);
		if (rc)
			return fail(res, rc, "", _("cannot check the record: %s"), sc_strerror(rc));
	}
	return 0;
}

/* The line for people after a write: the verb's own, else the parent's new state. */
static void say_done(const struct verb_ctx *c, const struct kind_verb *v,
		     const Safecampus__Record *parent, const Safecampus__Record *r,
		     struct verb_result *res)
{
	struct kind_env env;
	char today[11];

	res->done[0] = '\0';
	verb_today(today);
	verb_env(c->st, c->cfg, today, &env);
	if (v && v->done) {
		v->done(&env, parent, r, res->done, sizeof res->done);
	} else if (v && (v->flags & KV_PARENT) && parent) {
		struct kind_derived d;
		Safecampus__Record *now = NULL;
		if (store_get(c->st, parent->id, &now) == 0 &&
		    kind_derive(&env, now, today, &d) == 0 && d.status[0]) {
			char word[64];
			snprintf(word, sizeof word, "%.*s", (int)strcspn(d.status, " !"), d.status);
			if (r != parent)
				snprintf(res->done, sizeof res->done,
					 _("%1$s %2$.8s is now %3$s (event %4$s)"),
					 kname(kind_of(now)), now->id, kind_status_label(word),
					 r->id);
			else
				snprintf(res->done, sizeof res->done, _("%1$s %2$.8s is now %3$s"),
					 kname(kind_of(now)), now->id, kind_status_label(word));
		}
		if (now)
			safecampus__record__free_unpacked(now, NULL);
	}
}

int verb_moved_parent(struct store *st, const struct store_config *cfg, const Safecampus__Record *r,
		      const Safecampus__Record *base, Safecampus__Record **out)
{
	const struct kind *k = kind_of(r);
	const ProtobufCFieldDescriptor *pf;
	Safecampus__Record *p = NULL;
	struct kind_env env;
	char today[11], *pid;
	int rc;

	*out = NULL;
	if (!k || !k->ops || !k->ops->moves_parent || !k->parent_field)
		return 0;
	pf = kind_field(k, k->parent_field);
	pid = pf ? kind_field_get(kind_payload(r), pf) : NULL;
	if (!pid)
		return -ENOMEM;
	if (base && strcmp(base->id, pid) == 0) {
		p = kind_record_dup(base);
		rc = p ? 0 : -ENOMEM;
	} else {
		rc = store_get(st, pid, &p);
	}
	free(pid);
	if (rc == SC_ENOTFOUND || (rc == 0 && p->deleted))
		rc = 0;
	else if (rc == 0) {
		verb_today(today);
		verb_env(st, cfg, today, &env);
		rc = k->ops->moves_parent(&env, r, p);
		if (rc == 1) {
			*out = p;
			return 1;
		}
	}
	safecampus__record__free_unpacked(p, NULL);
	return rc < 0 ? rc : 0;
}

int verb_write(const struct verb_ctx *c, const struct kind_verb *v,
	       const Safecampus__Record *parent, Safecampus__Record *r, struct verb_result *res)
{
	int rc;

	if (v && v->prepare) {
		struct kind_env env;
		char today[11];
		verb_today(today);
		verb_env(c->st, c->cfg, today, &env);
		rc = v->prepare(&env, r);
		if (rc)
			return fail(res, rc, "", _("cannot read the records: %s"), sc_strerror(rc));
	}
	rc = verb_check(c, r, res);
	if (rc)
		return rc;
	if (c->nfiles) {
		/* evidence is described inside the signed event, so only a sign-off
		 * takes it (kind_ops.h: KV_EVIDENCE_FILE, evidence_files) */
		if (!kind_sign_roles(r))
			return fail(res, SC_EINVALID, "",
				    _("evidence files go with sign-offs; this record is not one"));
		rc = evidence_attach(r, c->files, c->nfiles);
		if (rc)
			return fail(res, rc, "", _("cannot attach the evidence: %s"),
				    sc_strerror(rc));
	}
	{
		/* a sign-off is signed for the acting person, over exactly what is
		 * written (verb_sign.c) */
		char why[512];
		rc = verb_sign(c->st, c->cfg, c->actor, r, why, sizeof why);
		if (rc)
			return fail(res, rc, "", "refused: %s", why);
	}
	{
		/* a check and its item's new dates, in one transaction */
		Safecampus__Record *moved = NULL, *both[2] = { r, NULL };
		rc = verb_moved_parent(c->st, c->cfg, r, NULL, &moved);
		if (rc < 0)
			return fail(res, rc, "", _("cannot read the records: %s"), sc_strerror(rc));
		both[1] = moved;
		/* with evidence files: the files are noted for upload in the same
		 * transaction (evidence.h) */
		rc = c->nfiles ? evidence_write(c->st, both, moved ? 2 : 1)
			       : store_write_batch(c->st, both, moved ? 2 : 1);
		safecampus__record__free_unpacked(moved, NULL);
	}
	if (rc)
		return fail(res, rc, "", _("cannot write the record: %s"),
			    *store_last_error() ? store_last_error() : sc_strerror(rc));
	snprintf(res->id, sizeof res->id, "%s", r->id);
	say_done(c, v, parent, r, res);
	return 0;
}

/* The record the verb is about, which must be of kind k. */
static int load_parent(const struct verb_ctx *c, const struct kind *k, const char *id,
		       Safecampus__Record **out, struct verb_result *res)
{
	int rc = store_get(c->st, id, out);

	if (rc == SC_ENOTFOUND)
		return fail(res, rc, "", _("no record %s here (sync first?)"), id);
	if (rc)
		return fail(res, rc, "", _("cannot read the record: %s"),
			    *store_last_error() ? store_last_error() : sc_strerror(rc));
	if (kind_of(*out) != k) {
		rc = fail(res, SC_ENOTFOUND, "", _("%1$.8s is a %2$s, not a %3$s"), id,
			  kind_of(*out) ? kname(kind_of(*out)) : _("record"), kname(k));
		safecampus__record__free_unpacked(*out, NULL);
		*out = NULL;
	}
	return rc;
}

/* Runs v's skip hook: > 0 nothing to do (res->done says why). */
static int run_skip(const struct verb_ctx *c, const struct kind_verb *v,
		    const Safecampus__Record *parent, char *msg, size_t n)
{
	struct kind_env env;
	char today[11];

	if (!v || !v->skip || !parent)
		return 0;
	verb_today(today);
	verb_env(c->st, c->cfg, today, &env);
	msg[0] = '\0';
	return v->skip(&env, parent, msg, n);
}

int verb_apply(const struct verb_ctx *c, const struct kind *g, const struct kind_verb *v,
	       const char *parent_id, const struct verb_value *vals, size_t nvals,
	       struct verb_result *res)
{
	const struct kind *k = !v ? g : v->kind ? kind_by_name(v->kind) : g;
	bool on_record = v && !v->kind;
	Safecampus__Record *parent = NULL, *r = NULL;
	ProtobufCMessage *m;
	char why[512];
	int rc;

	memset(res, 0, sizeof *res);
	if (!k)
		return fail(res, SC_EINVALID, "", _("this build has no kind %s"), v->kind);
	rc = verb_role(c->cfg, v, why, sizeof why);
	if (rc)
		return fail(res, rc, "", "%s", why);
	if (v && ((v->flags & KV_PARENT) || v->lookup)) {
		if (!parent_id || !*parent_id)
			return fail(res, SC_EINVALID, "", _("which %s? its id is missing"),
				    g->name);
		rc = load_parent(c, g, parent_id, &parent, res);
		if (rc)
			return rc;
	}
	rc = run_skip(c, v, parent, res->done, sizeof res->done);
	if (rc < 0) {
		rc = fail(res, rc, "", _("cannot read the records: %s"), sc_strerror(rc));
		goto out;
	}
	if (rc > 0) {
		res->skipped = true;
		rc = 0;
		goto out;
	}
	if (on_record) {
		r = parent;
		m = kind_payload(r);
	} else {
		m = kind_payload_new(k);
		r = m ? verb_record_new(k, m) : NULL;
		if (!r) {
			rc = fail(res, -ENOMEM, "", _("cannot make the record: %s"),
				  sc_strerror(-ENOMEM));
			goto out;
		}
	}
	rc = set_values(c, k, m, vals, nvals, res);
	if (rc == 0 && v)
		rc = apply_sets(c, k, v, m, parent, res);
	if (rc == 0 && v && v->lookup && k->parent_field && parent)
		rc = set_value(c, k, m, k->parent_field, parent->id, res);
	if (rc == 0)
		rc = person_fields(c, k, m, res);
	if (rc == 0 && verb_apply_defaults(k, m) != 0)
		rc = fail(res, -ENOMEM, "", _("cannot make the record: %s"), sc_strerror(-ENOMEM));
	if (rc == 0)
		rc = verb_write(c, v, parent, r, res);
out:
	if (r && r != parent)
		kind_record_free(r);
	if (parent)
		safecampus__record__free_unpacked(parent, NULL);
	return rc;
}

/* Writes r's edited payload as a new record of k whose previous field names
 * r; r itself is left as it is in the store. */
static int new_version(const struct verb_ctx *c, const struct kind *k, const Safecampus__Record *r,
		       struct verb_result *res)
{
	ProtobufCMessage *m = kind_payload_new(k);
	Safecampus__Record *n = NULL;
	char err[256];
	int rc = 0;

	if (!m)
		return fail(res, -ENOMEM, "", "%s", sc_strerror(-ENOMEM));
	for (unsigned i = 0; i < k->desc->n_fields && !rc; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *v;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
			continue;
		v = strcmp(f->name, k->ops->previous_field) == 0
			    ? strdup(r->id)
			    : kind_field_get(kind_payload(r), f);
		rc = !v || kind_field_set(m, f, v, err, sizeof err) != 0 ? -ENOMEM : 0;
		free(v);
	}
	if (rc) {
		kind_payload_free(m);
		return fail(res, rc, "", "%s", sc_strerror(rc));
	}
	n = verb_record_new(k, m);
	if (!n)
		return fail(res, -ENOMEM, "", "%s", sc_strerror(-ENOMEM));
	rc = verb_write(c, NULL, NULL, n, res);
	if (rc == 0)
		snprintf(res->done, sizeof res->done,
			 _("%1$s %2$.8s is a new version (%3$.8s is kept as the version it "
			   "replaces)"),
			 kname(k), n->id, r->id);
	kind_record_free(n);
	return rc;
}

int verb_edit(const struct verb_ctx *c, const char *id, const struct verb_value *vals, size_t nvals,
	      struct verb_result *res)
{
	Safecampus__Record *r = NULL;
	const struct kind *k;
	int rc;

	memset(res, 0, sizeof *res);
	rc = store_get(c->st, id, &r);
	if (rc == SC_ENOTFOUND)
		return fail(res, rc, "", _("no record %s here (sync first?)"), id);
	if (rc)
		return fail(res, rc, "", _("cannot read the record: %s"),
			    *store_last_error() ? store_last_error() : sc_strerror(rc));
	k = kind_of(r);
	if (!k) {
		rc = fail(res, SC_EINVALID, "", _("record %s is of no known kind"), id);
		goto out;
	}
	if (k->immutable && r->seq != 0) {
		rc = fail(
			res, -EPERM, "",
			_("refused: %1$s %2$s is on the server and cannot change; add a new event "
			  "instead"),
			kname(k), id);
		goto out;
	}
	{
		/* a kind with history keeps the old version: a changed version
		 * becomes a new record naming the one it replaces */
		const char *vf = k->ops ? k->ops->versioned_by : NULL;
		const ProtobufCFieldDescriptor *f = vf ? kind_field(k, vf) : NULL;
		char *before = f ? kind_field_get(kind_payload(r), f) : NULL, *after = NULL;
		rc = set_values(c, k, kind_payload(r), vals, nvals, res);
		if (rc == 0 && before && (after = kind_field_get(kind_payload(r), f)) &&
		    strcmp(before, after) != 0 && !r->deleted) {
			rc = new_version(c, k, r, res);
			free(before);
			free(after);
			goto out;
		}
		free(before);
		free(after);
	}
	if (rc == 0)
		rc = verb_write(c, NULL, NULL, r, res);
out:
	safecampus__record__free_unpacked(r, NULL);
	return rc;
}

/* Fills the fields v asks for that are still empty with a plausible value,
 * so that a workflow's check decides on the step and not on a blank field. */
static void placeholders(const struct kind *k, const struct kind_verb *v, ProtobufCMessage *m)
{
	char err[128], today[11];

	verb_today(today);
	for (size_t i = 0; v->required && v->required[i]; i++) {
		const ProtobufCFieldDescriptor *f = kind_field(k, v->required[i]);
		char *cur = f ? kind_field_get(m, f) : NULL;
		const char *text = NULL;
		if (!cur || *cur || f->label == PROTOBUF_C_LABEL_REPEATED) {
			free(cur);
			continue;
		}
		free(cur);
		if (f->type == PROTOBUF_C_TYPE_STRING)
			text = ends_with(f->name, "_date") ? today
			       : ends_with(f->name, "_id") ? NULL
							   : "-";
		else if (f->type == PROTOBUF_C_TYPE_ENUM) {
			const ProtobufCEnumDescriptor *e = f->descriptor;
			for (unsigned j = 0; j < e->n_values && !text; j++)
				if (e->values[j].value != 0)
					text = kind_enum_name(e, e->values[j].value);
		}
		if (text && kind_field_set(m, f, text, err, sizeof err) != 0)
			continue;
	}
}

bool verb_legal(const struct verb_ctx *c, const struct kind *g, const struct kind_verb *v,
		const Safecampus__Record *parent, const struct verb_value *vals, size_t nvals,
		char *why, size_t n)
{
	const struct kind *k = v->kind ? kind_by_name(v->kind) : g;
	struct verb_result *res = NULL;
	Safecampus__Record *r = NULL;
	ProtobufCMessage *m;
	bool ok = false;

	why[0] = '\0';
	if (!k || verb_role(c->cfg, v, why, n))
		return false;
	/* the server's rules first (server/push.c): who writes the kind, the
	 * record of which school, signed by which roles */
	if (!verb_may_write(c->cfg, k, v->kind ? NULL : parent, why, n) ||
	    !may_sign(c, k, v, why, n))
		return false;
	if ((v->flags & KV_PARENT) && v->kind && parent &&
	    !kind_reaches(parent, s_(c->cfg->school))) {
		/* an event hangs on a record of this school, or one that reaches it
		 * (a notice to it): the server finds no other parent */
		snprintf(why, n, _("refused: %1$s %2$.8s is not this school's"),
			 kname(kind_of(parent) ? kind_of(parent) : g), parent->id);
		return false;
	}
	if (!v->kind || !(v->flags & KV_PARENT))
		return true; /* a change of the record itself, or a new record: always offered */
	if (run_skip(c, v, parent, why, n) != 0)
		return false;
	if (!k->ops || !k->ops->check)
		return true;
	res = calloc(1, sizeof *res);
	m = res ? kind_payload_new(k) : NULL;
	r = m ? verb_record_new(k, m) : NULL;
	if (!r) {
		snprintf(why, n, "%s", sc_strerror(-ENOMEM));
		goto out;
	}
	/* the step as the verb would write it, by this person: the workflow
	 * decides from the action, the person's role and the parent's state */
	if (set_values(c, k, m, vals, nvals, res) == 0 && person_fields(c, k, m, res) == 0 &&
	    apply_sets(c, k, v, m, parent, res) == 0) {
		struct kind_env env;
		char today[11];
		int rc;
		placeholders(k, v, m);
		verb_today(today);
		verb_env(c->st, c->cfg, today, &env);
		/* what the verb fills from other records (a counter-signature's
		 * level, which says who signs it) before the check and the roles */
		rc = v->prepare ? v->prepare(&env, r) : 0;
		if (rc == 0)
			rc = k->ops->check(&env, r, why, n);
		ok = rc != SC_ETRANSITION;
		if (ok && v->sign_roles_of && c->actor && c->actor->role > 0 &&
		    c->actor->role < 32 && !(kind_sign_roles(r) & (1u << c->actor->role))) {
			char who[160];
			kind_sign_roles_text(kind_sign_roles(r), who, sizeof who);
			snprintf(why, n,
				 _("refused: %1$s is a %2$s; this %3$s is signed by a %4$s"),
				 s_(c->actor->login), s_(person_role_name(c->actor->role)),
				 kname(k), who);
			ok = false;
		}
		if (ok && !kind_client_writes(r)) {
			snprintf(why, n, _("refused: the server writes this step, not a client"));
			ok = false;
		}
	}
out:
	if (r)
		kind_record_free(r);
	free(res);
	return ok;
}
