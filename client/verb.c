/* Adding, editing and taking a kind's verb, for the command line and the
 * browser alike (verb.h): errors placed on their fields, the checks the
 * server will make, the write, and the three ways in (verb_apply, verb_edit,
 * verb_write). Nothing here names a kind or prints. The values a verb sets
 * are verb_values.c's, who may take it verb_may.c's, the records its kind's
 * behaviour reads verb_env.c's. */
#include "verb_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "evidence.h"
#include "i18n.h"
#include "rules.h"
#include "verb_sign.h"

/* ---------------------------------------------------------------- errors */

/* A kind as a message names it: what a person types, or in Chinese its label. */
const char *verb__kname(const struct kind *k)
{
	return i18n_zh() ? kind_label(k) : k->name;
}

int verb__fail(struct verb_result *res, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;
	struct verb_error *e;

	if (res->nerrors >= VERB_MAX_ERRORS)
		return rc;
	e = &res->err[res->nerrors++];
	snprintf(e->field, sizeof e->field, "%s", verb__s(field));
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
	rc = verb__fail(res, rc, field, _("refused: %s"), why);
	if (at < res->nerrors)
		res->err[at].check = check;
	return rc;
}

/* ---------------------------------------------------------------- checks and the write */

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
		return verb__fail(res, -ENOMEM, "", _("cannot read the record's fields"));
	/* the parent's kind is the field's name without "_id" */
	n = strlen(k->parent_field);
	snprintf(pkind, sizeof pkind, "%.*s", (int)(n > 3 ? n - 3 : n), k->parent_field);
	rc = *pid ? store_get(c->st, pid, &parent) : SC_ENOTFOUND;
	if (rc == SC_ENOTFOUND)
		rc = verb__fail(res, SC_ENOTFOUND, k->parent_field,
				_("refused: %1$s %2$s is not known here (sync first?)"),
				kind_by_name(pkind) ? verb__kname(kind_by_name(pkind)) : pkind,
				pid);
	else if (rc)
		rc = verb__fail(res, rc, "", _("cannot read the record it belongs to: %s"),
				*store_last_error() ? store_last_error() : sc_strerror(rc));
	else if (kind_by_name(pkind) && kind_of(parent) != kind_by_name(pkind))
		rc = verb__fail(res, SC_EINVALID, k->parent_field,
				_("refused: %1$s %2$s is a %3$s, not a %4$s"), k->parent_field,
				parent->id, kind_of(parent) ? verb__kname(kind_of(parent)) : "?",
				verb__kname(kind_by_name(pkind)));
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
		return verb__fail(res, SC_EINVALID, "", _("refused: a record of no known kind"));
	if (k->bureau_only && !verb__is_bureau(c->cfg))
		return verb__fail(
			res, -EPERM, "",
			_("refused: only the bureau may write %1$s records (this install is school "
			  "%2$s, campus %3$s)"),
			verb__kname(k), verb__s(c->cfg->school), verb__s(c->cfg->campus));
	/* the one school record the bureau writes: what its officer signs on a
	 * school's record (a principal's letter); any other it only reads */
	if (!k->bureau_only && verb__is_bureau(c->cfg) && !kind_bureau_writes_for_school(r)) {
		char list[256];
		size_t at = 0;
		if (k->ops && k->ops->bureau_for_school) {
			verb__bureau_refusal(k, r, why, sizeof why);
			return verb__fail(res, -EPERM, "", "%s", why);
		}
		list[0] = '\0';
		for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
			if (kind_at(i)->bureau_only)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       at ? ", " : "", kind_at(i)->name);
		return verb__fail(
			res, -EPERM, "",
			_("refused: %1$s records are written by schools; the bureau writes "
			  "only %2$s"),
			verb__kname(k), list);
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
			return verb__fail(res, rc, "", _("cannot check the record: %s"),
					  sc_strerror(rc));
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
					 verb__kname(kind_of(now)), now->id,
					 kind_status_label(word), r->id);
			else
				snprintf(res->done, sizeof res->done, _("%1$s %2$.8s is now %3$s"),
					 verb__kname(kind_of(now)), now->id,
					 kind_status_label(word));
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
			return verb__fail(res, rc, "", _("cannot read the records: %s"),
					  sc_strerror(rc));
	}
	rc = verb_check(c, r, res);
	if (rc)
		return rc;
	if (c->nfiles) {
		/* evidence is described inside the signed event, so only a sign-off
		 * takes it (kind_ops.h: KV_EVIDENCE_FILE, evidence_files) */
		if (!kind_sign_roles(r))
			return verb__fail(
				res, SC_EINVALID, "",
				_("evidence files go with sign-offs; this record is not one"));
		rc = evidence_attach(r, c->files, c->nfiles);
		if (rc)
			return verb__fail(res, rc, "", _("cannot attach the evidence: %s"),
					  sc_strerror(rc));
	}
	{
		/* a sign-off is signed for the acting person, over exactly what is
		 * written (verb_sign.c) */
		char why[512];
		rc = verb_sign(c->st, c->cfg, c->actor, r, why, sizeof why);
		if (rc)
			return verb__fail(res, rc, "", "refused: %s", why);
	}
	{
		/* a check and its item's new dates, in one transaction */
		Safecampus__Record *moved = NULL, *both[2] = { r, NULL };
		rc = verb_moved_parent(c->st, c->cfg, r, NULL, &moved);
		if (rc < 0)
			return verb__fail(res, rc, "", _("cannot read the records: %s"),
					  sc_strerror(rc));
		both[1] = moved;
		/* with evidence files: the files are noted for upload in the same
		 * transaction (evidence.h) */
		rc = c->nfiles ? evidence_write(c->st, both, moved ? 2 : 1)
			       : store_write_batch(c->st, both, moved ? 2 : 1);
		safecampus__record__free_unpacked(moved, NULL);
	}
	if (rc)
		return verb__fail(res, rc, "", _("cannot write the record: %s"),
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
		return verb__fail(res, rc, "", _("no record %s here (sync first?)"), id);
	if (rc)
		return verb__fail(res, rc, "", _("cannot read the record: %s"),
				  *store_last_error() ? store_last_error() : sc_strerror(rc));
	if (kind_of(*out) != k) {
		rc = verb__fail(res, SC_ENOTFOUND, "", _("%1$.8s is a %2$s, not a %3$s"), id,
				kind_of(*out) ? verb__kname(kind_of(*out)) : _("record"),
				verb__kname(k));
		safecampus__record__free_unpacked(*out, NULL);
		*out = NULL;
	}
	return rc;
}

/* Runs v's skip hook: > 0 nothing to do (res->done says why). */
int verb__run_skip(const struct verb_ctx *c, const struct kind_verb *v,
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
		return verb__fail(res, SC_EINVALID, "", _("this build has no kind %s"), v->kind);
	rc = verb_role(c->cfg, v, why, sizeof why);
	if (rc)
		return verb__fail(res, rc, "", "%s", why);
	if (v && ((v->flags & KV_PARENT) || v->lookup)) {
		if (!parent_id || !*parent_id)
			return verb__fail(res, SC_EINVALID, "", _("which %s? its id is missing"),
					  g->name);
		rc = load_parent(c, g, parent_id, &parent, res);
		if (rc)
			return rc;
	}
	rc = verb__run_skip(c, v, parent, res->done, sizeof res->done);
	if (rc < 0) {
		rc = verb__fail(res, rc, "", _("cannot read the records: %s"), sc_strerror(rc));
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
		if (!r || (verb__for_school(c->cfg, k, v, parent) &&
			   !(r->school = strdup(parent->school)))) {
			rc = verb__fail(res, -ENOMEM, "", _("cannot make the record: %s"),
					sc_strerror(-ENOMEM));
			goto out;
		}
	}
	rc = verb__set_values(c, k, m, vals, nvals, res);
	if (rc == 0 && v)
		rc = verb__apply_sets(c, k, v, m, parent, res);
	if (rc == 0 && v && v->lookup && k->parent_field && parent)
		rc = verb__set_value(c, k, m, k->parent_field, parent->id, res);
	if (rc == 0)
		rc = verb__person_fields(c, k, m, res);
	if (rc == 0 && verb_apply_defaults(k, m) != 0)
		rc = verb__fail(res, -ENOMEM, "", _("cannot make the record: %s"),
				sc_strerror(-ENOMEM));
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
		return verb__fail(res, -ENOMEM, "", "%s", sc_strerror(-ENOMEM));
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
		return verb__fail(res, rc, "", "%s", sc_strerror(rc));
	}
	n = verb_record_new(k, m);
	if (!n)
		return verb__fail(res, -ENOMEM, "", "%s", sc_strerror(-ENOMEM));
	rc = verb_write(c, NULL, NULL, n, res);
	if (rc == 0)
		snprintf(res->done, sizeof res->done,
			 _("%1$s %2$.8s is a new version (%3$.8s is kept as the version it "
			   "replaces)"),
			 verb__kname(k), n->id, r->id);
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
		return verb__fail(res, rc, "", _("no record %s here (sync first?)"), id);
	if (rc)
		return verb__fail(res, rc, "", _("cannot read the record: %s"),
				  *store_last_error() ? store_last_error() : sc_strerror(rc));
	k = kind_of(r);
	if (!k) {
		rc = verb__fail(res, SC_EINVALID, "", _("record %s is of no known kind"), id);
		goto out;
	}
	if (k->immutable && r->seq != 0) {
		rc = verb__fail(
			res, -EPERM, "",
			_("refused: %1$s %2$s is on the server and cannot change; add a new event "
			  "instead"),
			verb__kname(k), id);
		goto out;
	}
	{
		/* a kind with history keeps the old version: a changed version
		 * becomes a new record naming the one it replaces */
		const char *vf = k->ops ? k->ops->versioned_by : NULL;
		const ProtobufCFieldDescriptor *f = vf ? kind_field(k, vf) : NULL;
		char *before = f ? kind_field_get(kind_payload(r), f) : NULL, *after = NULL;
		rc = verb__set_values(c, k, kind_payload(r), vals, nvals, res);
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
