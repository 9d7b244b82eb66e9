/* Verifying stored history. See verify.h and docs/internals/people.md. */
#include "verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "i18n.h"
#include "kind_ops.h"
#include "kinds.h"

#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

struct verify_person {
	char school[64], login[40];
	int role;
	bool key_ok;
	uint8_t pub[SIG_PUBKEY_LEN];
	int64_t revoked_ms;
};

static const char *s_(const char *s)
{
	return s ? s : "";
}

void verify_init(struct verify *v, verify_report_fn report, void *arg)
{
	memset(v, 0, sizeof *v);
	v->report = report;
	v->arg = arg;
}

void verify_free(struct verify *v)
{
	free(v->people);
	v->people = NULL;
	v->npeople = v->cap = 0;
}

int verify_admin_key(struct verify *v, const char *pem_path)
{
	FILE *f = fopen(pem_path, "r");
	EVP_PKEY *k;
	int rc = SC_EINVALID;

	if (!f)
		return SC_EINVALID;
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 && sig_pubkey_raw(k, v->admin) == 0) {
		v->have_admin = true;
		rc = 0;
	}
	EVP_PKEY_free(k);
	return rc;
}

static struct verify_person *person_find(struct verify *v, const char *school, const char *login)
{
	for (size_t i = 0; i < v->npeople; i++)
		if (!strcmp(v->people[i].school, school) && !strcmp(v->people[i].login, login))
			return &v->people[i];
	return NULL;
}

int verify_add_person(struct verify *v, const Safecampus__Record *r)
{
	const Safecampus__Person *m = r->person;
	struct verify_person *p;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_PERSON || !m)
		return 0;
	p = person_find(v, s_(r->school), s_(m->login));
	if (!p) {
		if (v->npeople == v->cap) {
			size_t cap = v->cap ? 2 * v->cap : 32;
			struct verify_person *more = realloc(v->people, cap * sizeof *more);
			if (!more)
				return -ENOMEM;
			v->people = more;
			v->cap = cap;
		}
		p = &v->people[v->npeople++];
	}
	memset(p, 0, sizeof *p);
	snprintf(p->school, sizeof p->school, "%s", s_(r->school));
	snprintf(p->login, sizeof p->login, "%s", s_(m->login));
	p->role = (int)m->role;
	p->revoked_ms = m->revoked_ms;
	p->key_ok = sig_unhex(m->public_key, p->pub, SIG_PUBKEY_LEN) == 0;
	return 0;
}

const char verify_enrolment_kind[] = "person";

bool verify_kind_signs(const struct kind *k)
{
	if (!k)
		return false;
	if (!strcmp(k->name, verify_enrolment_kind) || (k->ops && k->ops->sign_roles))
		return true;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind_ops *o = kind_at(i)->ops;
		for (size_t j = 0; o && j < o->nverbs; j++)
			if (o->verbs[j].sign_roles && o->verbs[j].kind &&
			    !strcmp(o->verbs[j].kind, k->name))
				return true;
	}
	return false;
}

/* ---------------------------------------------------------------- reports */

struct ctx {
	struct verify *v;
	const char *school, *chain;
};

static void say(struct ctx *x, bool bad, const struct verify_link *l, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say(struct ctx *x, bool bad, const struct verify_link *l, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (bad)
		x->v->bad++;
	if (x->v->report)
		x->v->report(x->v->arg, bad, x->school, x->chain, l ? s_(l->kind) : "",
			     l ? s_(l->id) : "", text);
}

static void fmt_utc(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(out, n, "%lld ms", (long long)ms);
}

/* ---------------------------------------------------------------- one step */

/* The signature of one stored step, who made it and whether they could. */
static void check_signature(struct ctx *x, const struct verify_link *l)
{
	const Safecampus__Record *r = l->r;
	const Safecampus__Signature *g = r->signature;
	bool enrol = r->body_case == SAFECAMPUS__RECORD__BODY_PERSON && r->person;
	const struct verify_person *p = NULL;
	const uint8_t *pub;
	char why[256], when[40], who[160];
	unsigned roles = kind_sign_roles(r);

	if (!g || !g->signer || !*g->signer) {
		x->v->unsigned_++;
		if (!x->v->lenient)
			say(x, true, l,
			    _("not signed, but it is a sign-off (its signature was "
			      "removed, or the row was added directly)"));
		return;
	}
	x->v->signatures++;
	if (!strcmp(g->signer, SIG_DISTRICT_SIGNER)) {
		if (!enrol) {
			say(x, true, l,
			    _("signed with the district admin key, which signs "
			      "enrolments only"));
			return;
		}
		if (!x->v->have_admin) {
			say(x, false, l,
			    _("enrolment signed with the district admin key: not checked "
			      "(give the district's public key, people-admin.pub)"));
			return;
		}
		pub = x->v->admin;
	} else {
		p = person_find(x->v, s_(g->signer_school), g->signer);
		if (!p || !p->key_ok) {
			say(x, true, l, _("signed by %s of %s, who is not enrolled here"),
			    g->signer, *s_(g->signer_school) ? g->signer_school : _("the bureau"));
			return;
		}
		pub = p->pub;
	}
	if (sig_check(r, pub, why, sizeof why)) {
		say(x, true, l, _("the stored row is not what %s signed: %s"), g->signer, why);
		return;
	}
	if (p && !kind_signer_side(r, p->school))
		say(x, true, l, _("signed by %s of %s, not of the record's school %s"), p->login,
		    *p->school ? p->school : _("the bureau"), s_(r->school));
	if (enrol) {
		bool top = r->person->role == ROLE(PRINCIPAL) ||
			   r->person->role == ROLE(BUREAU_OFFICER);
		if (p && (top || p->role != ROLE(PRINCIPAL)))
			say(x, true, l,
			    _("this enrolment is signed by %s, who may not enrol this "
			      "person (a principal enrols the school's staff, the "
			      "district key principals and bureau officers)"),
			    p->login);
	} else if (!p || p->role <= 0 || p->role >= 32 || !(roles & (1u << p->role))) {
		kind_sign_roles_text(roles, who, sizeof who);
		say(x, true, l, _("signed by %s, who is not a %s"), g->signer, who);
	}
	if (p && p->revoked_ms) {
		fmt_utc(p->revoked_ms, when, sizeof when);
		if (g->signed_ms >= p->revoked_ms) {
			say(x, true, l, _("signed by %s after their revocation on %s"), p->login,
			    when);
		} else {
			char at[40];
			fmt_utc(g->signed_ms, at, sizeof at);
			x->v->before_revocation++;
			say(x, false, l,
			    _("valid: signed by %s on %s, before their revocation on %s"), p->login,
			    at, when);
		}
	}
}

/* ---------------------------------------------------------------- the chain */

static int by_pos(const void *a, const void *b)
{
	const struct verify_link *x = a, *y = b;

	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The hash the next step must name: the recorded one, else recomputed. */
static const uint8_t *hash_of(const struct verify_link *l, const uint8_t *computed, bool have)
{
	return l->have_stored ? l->stored_hash : have ? computed : NULL;
}

static void prev_of(const struct verify_link *l, const uint8_t **p, size_t *len)
{
	if (l->r && l->r->signature) {
		*p = l->r->signature->prev_hash.data;
		*len = l->r->signature->prev_hash.len;
	} else {
		*p = l->stored_prev;
		*len = l->have_stored ? l->stored_prev_len : 0;
	}
}

static void check_by_pos(struct ctx *x, struct verify_link *links, size_t n,
			 uint8_t (*h)[SIG_HASH_LEN], const bool *have)
{
	for (size_t i = 0; i < n; i++) {
		const struct verify_link *l = &links[i];
		const uint8_t *prev,
			*want = i ? hash_of(&links[i - 1], h[i - 1], have[i - 1]) : NULL;
		size_t plen;
		char hex[17];

		if (l->pos != (i ? links[i - 1].pos + 1 : 1)) {
			/* a position skipped: the step that held it is gone */
			say(x, true, l,
			    _("the chain jumps from step %d to step %d: a signed step "
			      "was deleted before this one"),
			    i ? links[i - 1].pos : 0, l->pos);
			continue;
		}
		if (!l->r && l->row_expected) {
			say(x, true, l,
			    _("step %d was signed and accepted, but its row is gone "
			      "(deleted)"),
			    l->pos);
			continue;
		}
		if (!l->r && !l->have_stored)
			continue;
		prev_of(l, &prev, &plen);
		if (i == 0 ? plen != 0
			   : (!want || plen != SIG_HASH_LEN || memcmp(prev, want, SIG_HASH_LEN))) {
			if (plen == SIG_HASH_LEN)
				sig_hex(prev, 8, hex);
			say(x, true, l,
			    _("step %d does not follow step %d: its prev_hash %s%s does "
			      "not name it"),
			    l->pos, i ? links[i - 1].pos : 0,
			    plen == SIG_HASH_LEN ? hex : _("(none)"),
			    plen == SIG_HASH_LEN ? "..." : "");
		}
	}
}

static void check_by_hash(struct ctx *x, struct verify_link *links, size_t n,
			  uint8_t (*h)[SIG_HASH_LEN], const bool *have, bool versions)
{
	size_t firsts = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *prev;
		size_t plen;
		bool found = false;

		if (!links[i].r || !links[i].r->signature)
			continue;
		prev_of(&links[i], &prev, &plen);
		if (plen == 0) {
			if (++firsts == 2)
				say(x, true, &links[i],
				    _("a second first step: another step of this "
				      "chain names no step before it either"));
			continue;
		}
		if (versions)
			continue; /* the version before is not kept here */
		for (size_t j = 0; j < n && !found; j++)
			found = j != i && have[j] && plen == SIG_HASH_LEN &&
				!memcmp(prev, h[j], SIG_HASH_LEN);
		for (size_t j = 0; j < i && found; j++) {
			const uint8_t *q;
			size_t ql;
			prev_of(&links[j], &q, &ql);
			if (links[j].r && ql == plen && !memcmp(q, prev, plen)) {
				say(x, true, &links[i],
				    _("forks the chain: %s names the same step "
				      "before it"),
				    links[j].id);
				break;
			}
		}
		if (!found)
			say(x, true, &links[i],
			    _("the step before this one is not here: it was "
			      "deleted, or altered so that its hash changed"));
	}
}

int verify_chain(struct verify *v, const char *school, const char *chain_id, bool versions,
		 struct verify_link *links, size_t n)
{
	struct ctx x = { v, school, chain_id };
	uint8_t(*h)[SIG_HASH_LEN] = calloc(n ? n : 1, sizeof *h);
	bool *have = calloc(n ? n : 1, sizeof *have);
	unsigned long before = v->bad;
	bool positions = n > 0;

	if (!h || !have) {
		free(h);
		free(have);
		return -ENOMEM;
	}
	/* steps no one signs (a hazard reported, an escalation) are not links */
	for (size_t i = 0; i < n; i++) {
		const Safecampus__Record *r = links[i].r;
		if (r && !r->signature && !kind_sign_roles(r) &&
		    r->body_case != SAFECAMPUS__RECORD__BODY_PERSON)
			links[i--] = links[--n];
	}
	if (n == 0) {
		free(h);
		free(have);
		return 0;
	}
	v->chains++;
	for (size_t i = 0; i < n; i++)
		positions = positions && links[i].pos > 0;
	if (positions)
		qsort(links, n, sizeof *links, by_pos);
	for (size_t i = 0; i < n; i++) {
		struct verify_link *l = &links[i];
		if (!l->r)
			continue;
		check_signature(&x, l);
		if (!l->r->signature || sig_event_hash(l->r, h[i]) != 0)
			continue;
		have[i] = true;
		if (l->have_stored && memcmp(h[i], l->stored_hash, SIG_HASH_LEN) != 0)
			say(&x, true, l,
			    _("its hash is not the one recorded when the server "
			      "accepted it: the row or its signature was changed"));
	}
	if (positions)
		check_by_pos(&x, links, n, h, have);
	else
		check_by_hash(&x, links, n, h, have, versions);
	free(h);
	free(have);
	return (int)(v->bad - before);
}

static const char *school_of(const struct verify_link *l)
{
	return l->r && l->r->school ? l->r->school : "";
}

int verify_chains(struct verify *v, const char *school, const char *chain,
		  const struct verify_link *links, size_t n)
{
	struct verify_link *group = calloc(n ? n : 1, sizeof *group);
	bool *done = calloc(n ? n : 1, sizeof *done);
	int bad = group && done ? 0 : -ENOMEM;

	for (size_t i = 0; bad >= 0 && i < n; i++) {
		size_t k = 0;
		bool versions = true; /* no step among them: one record's versions */
		int r;
		if (done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			const struct kind *kj = kind_of(links[j].r);
			if (done[j] || strcmp(school_of(&links[j]), school_of(&links[i])))
				continue;
			group[k++] = links[j];
			done[j] = true;
			versions = versions && !(kj && kj->immutable && kj->parent_field);
		}
		r = verify_chain(v, *school_of(&links[i]) ? school_of(&links[i]) : school, chain,
				 versions, group, k);
		bad = r < 0 ? r : bad + r;
	}
	free(group);
	free(done);
	return bad;
}
