/* Who may take a verb: the install's side (the bureau or a school) and
 * school, the roles that sign it, and, for a page that offers only what can
 * be done, whether the step is legal now (verb_legal: the server's rules,
 * the verb's skip, the workflow's check on the step as it would be
 * written). */
#include "verb_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "person.h"

int verb_role(const struct store_config *cfg, const struct kind_verb *v, char *why, size_t n)
{
	if (v && (v->flags & KV_BUREAU) && !verb__is_bureau(cfg)) {
		snprintf(why, n,
			 _("refused: only the bureau %1$s; this install is school %2$s, campus "
			   "%3$s%4$s"),
			 v->role_what ? _(v->role_what) : "", verb__s(cfg->school),
			 verb__s(cfg->campus), v->role_hint ? _(v->role_hint) : "");
		return -EPERM;
	}
	if (v && (v->flags & KV_SCHOOL) && verb__is_bureau(cfg)) {
		snprintf(why, n, _("refused: a school %1$s%2$s"),
			 v->role_what ? _(v->role_what) : "", v->role_hint ? _(v->role_hint) : "");
		return -EPERM;
	}
	return 0;
}

bool verb_may_write(const struct store_config *cfg, const struct kind *k,
		    const Safecampus__Record *rec, char *why, size_t n)
{
	bool bureau = verb__is_bureau(cfg);

	why[0] = '\0';
	if (!k)
		return false;
	if (!kind_side_writes(k, bureau)) {
		if (bureau)
			snprintf(why, n,
				 _("refused: %s records are written by schools; the bureau reads "
				   "them"),
				 verb__kname(k));
		else
			snprintf(why, n, _("refused: only the bureau writes %s records"),
				 verb__kname(k));
		return false;
	}
	/* the server takes a record only from its school's certificate */
	if (rec && strcmp(verb__s(rec->school), verb__s(cfg->school)) != 0) {
		snprintf(why, n,
			 _("refused: this %1$s is school %2$s's; this install writes for %3$s"),
			 verb__kname(k), *verb__s(rec->school) ? rec->school : _("the bureau"),
			 *verb__s(cfg->school) ? cfg->school : _("the bureau"));
		return false;
	}
	return true;
}

/* Does the bureau write what v writes on parent for parent's school (a
 * counter-signature of a school's letter)? The kind says whether it may at
 * all (bureau_for_school); the record, once made, whether this one is such
 * (kind_bureau_writes_for_school, asked by verb_check and verb_legal). */
bool verb__for_school(const struct store_config *cfg, const struct kind *k,
		      const struct kind_verb *v, const Safecampus__Record *parent)
{
	return verb__is_bureau(cfg) && v && v->kind && (v->flags & KV_PARENT) && k->ops &&
	       k->ops->bureau_for_school && parent && *verb__s(parent->school);
}

/* The refusal for a bureau install writing a school's record it may not. */
void verb__bureau_refusal(const struct kind *k, const Safecampus__Record *r, char *why, size_t n)
{
	char who[160];

	if (k->ops && k->ops->bureau_for_school) {
		kind_sign_roles_text(kind_sign_roles(r), who, sizeof who);
		snprintf(
			why, n,
			_("refused: %1$s records are written by schools; the bureau writes one "
			  "only where a bureau officer signs it, and this one is signed by a %2$s"),
			verb__kname(k), who);
		return;
	}
	snprintf(why, n, _("refused: %s records are written by schools; the bureau reads them"),
		 verb__kname(k));
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
		 c->actor->login, kind_role_word(person_role_name(role)), verb__kname(k), who);
	return false;
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
			text = verb__ends_with(f->name, "_date") ? today
			       : verb__ends_with(f->name, "_id") ? NULL
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
	bool ok = false, bureau_writes;

	why[0] = '\0';
	if (!k || verb_role(c->cfg, v, why, n))
		return false;
	/* the bureau on a school's record: decided on the record made below */
	bureau_writes = verb__for_school(c->cfg, k, v, parent);
	/* the server's rules first (server/push.c): who writes the kind, the
	 * record of which school, signed by which roles */
	if ((!bureau_writes && !verb_may_write(c->cfg, k, v->kind ? NULL : parent, why, n)) ||
	    !may_sign(c, k, v, why, n))
		return false;
	if ((v->flags & KV_PARENT) && v->kind && parent && !bureau_writes &&
	    !kind_reaches(parent, verb__s(c->cfg->school))) {
		/* an event hangs on a record of this school, or one that reaches it
		 * (a notice to it): the server finds no other parent */
		snprintf(why, n, _("refused: %1$s %2$.8s is not this school's"),
			 verb__kname(kind_of(parent) ? kind_of(parent) : g), parent->id);
		return false;
	}
	if (!v->kind || !(v->flags & KV_PARENT))
		return true; /* a change of the record itself, or a new record: always offered */
	if (verb__run_skip(c, v, parent, why, n) != 0)
		return false;
	if (!k->ops || !k->ops->check)
		return true;
	res = calloc(1, sizeof *res);
	m = res ? kind_payload_new(k) : NULL;
	r = m ? verb_record_new(k, m) : NULL;
	if (!r || (bureau_writes && !(r->school = strdup(parent->school)))) {
		snprintf(why, n, "%s", sc_strerror(-ENOMEM));
		goto out;
	}
	/* the step as the verb would write it, by this person: the workflow
	 * decides from the action, the person's role and the parent's state */
	if (verb__set_values(c, k, m, vals, nvals, res) == 0 &&
	    verb__person_fields(c, k, m, res) == 0 &&
	    verb__apply_sets(c, k, v, m, parent, res) == 0) {
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
				 verb__s(c->actor->login),
				 kind_role_word(person_role_name(c->actor->role)), verb__kname(k),
				 who);
			ok = false;
		}
		if (ok && bureau_writes && !kind_bureau_writes_for_school(r)) {
			verb__bureau_refusal(k, r, why, n);
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
