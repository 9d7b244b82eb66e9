/* Signing sign-offs for the acting person. See verb_sign.h and
 * docs/internals/people.md. */
#include "verb_sign.h"
#include "i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind_ops.h"
#include "kinds.h"
#include "person.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- the chain */

struct head_ctx {
	struct store *st;
	const char *skip;
	const Safecampus__Record *best; /* borrowed copy owned below */
	Safecampus__Record *own;
	int rc;
};

/* Apply order: what the server accepted, by seq, then local writes by HLC. */
static bool later(const Safecampus__Record *a, const Safecampus__Record *b)
{
	if (!b)
		return true;
	if ((a->seq != 0) != (b->seq != 0))
		return a->seq == 0;
	if (a->seq != b->seq)
		return a->seq > b->seq;
	return a->hlc > b->hlc;
}

static int head_cb(void *arg, const Safecampus__Record *r)
{
	struct head_ctx *x = arg;
	enum store_sync_state s;

	if (!r->signature || (x->skip && strcmp(r->id, x->skip) == 0))
		return 0;
	x->rc = store_sync_state(x->st, r->id, &s);
	if (x->rc)
		return 1;
	if (s == STORE_REJECTED || !later(r, x->best))
		return 0;
	kind_record_free(x->own);
	x->own = kind_record_dup(r);
	if (!x->own) {
		x->rc = -ENOMEM;
		return 1;
	}
	x->best = x->own;
	return 0;
}

int verb_chain_head(struct store *st, const struct kind *k, const char *chain_id,
		    const char *school, const char *skip_id, uint8_t out[SIG_HASH_LEN], bool *have)
{
	struct head_ctx x = { .st = st, .skip = skip_id };
	int rc;

	*have = false;
	if (k->immutable && k->parent_field) {
		rc = store_each_child(st, k->name, chain_id, head_cb, &x);
		if (rc == 0 && x.rc == 0 && !x.best) {
			/* no step yet: a signed parent of the same school is the
			 * chain's first step (a letter before its counter-signature;
			 * the server keys chains by school, so the bureau's notice
			 * is not the first step of a school's answers) */
			Safecampus__Record *r = NULL;
			rc = store_get(st, chain_id, &r);
			if (rc == 0 && r->signature && !strcmp(s_(r->school), s_(school)))
				x.own = r;
			else
				kind_record_free(r);
			x.best = x.own;
			rc = rc == SC_ENOTFOUND ? 0 : rc;
		}
	} else {
		/* a signed record that is not an event: the version stored now */
		Safecampus__Record *r = NULL;
		rc = store_get(st, chain_id, &r);
		if (rc == SC_ENOTFOUND)
			return 0;
		if (rc == 0 && r->signature)
			x.own = r;
		else
			kind_record_free(r);
		x.best = x.own;
	}
	if (!rc)
		rc = x.rc;
	if (!rc && x.best) {
		rc = sig_event_hash(x.best, out);
		*have = rc == 0;
	}
	kind_record_free(x.own);
	return rc;
}

/* ---------------------------------------------------------------- signing */

/* The *_sha256 fields of r that hold a hash: the evidence the signature names. */
static size_t evidence_of(const Safecampus__Record *r, uint8_t (*ev)[SIG_HASH_LEN], size_t max)
{
	const struct kind *k = kind_of(r);
	size_t n = 0;

	for (unsigned i = 0; k && i < k->desc->n_fields && n < max; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		size_t len = strlen(f->name);
		char *v;
		if (f->type != PROTOBUF_C_TYPE_STRING || len < 7 ||
		    strcmp(f->name + len - 7, "_sha256") != 0)
			continue;
		v = kind_field_get(kind_payload(r), f);
		if (v && sig_unhex(v, ev[n], SIG_HASH_LEN) == 0)
			n++;
		free(v);
	}
	/* and the files attached to it (client/evidence.h), each hash once */
	for (size_t i = 0; r->signature && i < r->signature->n_files && n < max; i++) {
		const ProtobufCBinaryData *h = &r->signature->files[i]->sha256;
		bool dup = h->len != SIG_HASH_LEN;
		for (size_t j = 0; j < n && !dup; j++)
			dup = memcmp(ev[j], h->data, SIG_HASH_LEN) == 0;
		if (!dup)
			memcpy(ev[n++], h->data, SIG_HASH_LEN);
	}
	return n;
}

static int set_str(char **field, const char *v)
{
	char *d = strdup(v);

	if (!d)
		return -ENOMEM;
	if (*field != protobuf_c_empty_string)
		free(*field);
	*field = d;
	return 0;
}

int verb_signer_value(struct store *st, const struct verb_actor *actor, int fill, char *out,
		      size_t n, char *why, size_t whyn)
{
	struct person p;
	int rc;

	if (!actor || !actor->login || !*actor->login)
		return sc_refuse(-EPERM, why, whyn,
				 _("this step is signed by the person who takes it: say who with "
				   "--as LOGIN"));
	rc = person_get(st, actor->login, &p);
	if (rc == PERSON_EUNKNOWN)
		return sc_refuse(
			-EPERM, why, whyn,
			_("no person '%s' is enrolled at this campus (safecampus person list)"),
			actor->login);
	if (rc)
		return sc_refuse(rc, why, whyn, "%s", person_last_error());
	snprintf(out, n, "%s",
		 fill == KF_SIGNER_ROLE ? s_(person_role_name(p.role)) : p.display_name);
	return 0;
}

int verb_sign(struct store *st, const struct store_config *cfg, const struct verb_actor *actor,
	      Safecampus__Record *r, char *why, size_t n)
{
	unsigned roles = kind_sign_roles(r);
	const struct kind *k = kind_of(r);
	uint8_t prev[SIG_HASH_LEN], ev[8][SIG_HASH_LEN];
	char who[160];
	bool have = false;
	struct person p;
	size_t nev;
	int rc;

	if (!roles || !k)
		return 0;
	kind_sign_roles_text(roles, who, sizeof who);
	if (!actor || !actor->login || !*actor->login)
		return sc_refuse(-EPERM, why, n,
				 _("this %s is a sign-off by a %s: say who signs with --as LOGIN"),
				 k->name, who);
	rc = person_get(st, actor->login, &p);
	if (rc == PERSON_EUNKNOWN)
		return sc_refuse(
			-EPERM, why, n,
			_("no person '%s' is enrolled at this campus (safecampus person list)"),
			actor->login);
	if (rc)
		return sc_refuse(rc, why, n, "%s", person_last_error());
	if (p.role <= 0 || p.role >= 32 || !(roles & (1u << p.role)))
		return sc_refuse(-EPERM, why, n, _("%s is a %s; this %s is signed by a %s"),
				 p.login, kind_role_word(person_role_name(p.role)),
				 i18n_zh() ? kind_label(k) : k->name, who);
	if ((!r->school || !*r->school) && set_str(&r->school, s_(cfg->school)))
		return -ENOMEM;
	if ((!r->campus || !*r->campus) && set_str(&r->campus, s_(cfg->campus)))
		return -ENOMEM;
	/* the record's school, or the bureau for what its officers sign */
	if (!kind_signer_side(r, p.school))
		return sc_refuse(-EPERM, why, n,
				 _("%s belongs to %s, not to the record's school %s"), p.login,
				 *p.school ? p.school : "the bureau", s_(r->school));
	rc = verb_chain_head(st, k, kind_chain_id(r), r->school, r->id, prev, &have);
	if (rc)
		return sc_refuse(rc, why, n, _("cannot read the chain: %s"), sc_strerror(rc));
	nev = evidence_of(r, ev, 8);
	rc = person_sign_record(st, p.login, actor->password, r, have ? prev : NULL,
				(const uint8_t(*)[SIG_HASH_LEN])ev, nev);
	if (rc == PERSON_EPASSWORD)
		return sc_refuse(-EACCES, why, n, _("wrong password for %s"), p.login);
	if (rc == PERSON_EREVOKED)
		return sc_refuse(-EPERM, why, n, _("%s was revoked and signs nothing"), p.login);
	if (rc)
		return sc_refuse(rc, why, n, "%s", person_last_error());
	return 0;
}
