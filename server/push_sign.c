/* Checking the signatures of a Push. See push_sign.h and
 * docs/internals/people.md.
 *
 * This module is the server's side of identity: it knows the enrolment kind
 * (`person`) by name, as tls.c knows certificates; every other kind reaches it
 * only through the kind table (kind_sign_roles, kind_chain_id). */
#include "push_sign.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hlc.h"
#include "kind_ops.h"
#include "kinds.h"
#include "kindsql.h"
#include "sig.h"
#include "signoff.h"
#include "util.h"
#include "uuid.h"

#define R(x) SAFECAMPUS__REJECT_REASON__REJECT_##x
#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

struct person_row {
	char school[64], login[40], id[37];
	int role;
	uint8_t pub[SIG_PUBKEY_LEN];
	char pub_hex[2 * SIG_PUBKEY_LEN + 1];
	int64_t revoked_ms;
};

struct chain {
	char id[37];
	int pos;
	uint8_t hash[SIG_HASH_LEN];
};

/* One signature verified ahead of the decision (pushsig_prepare,
 * pushsig_verify). The loop writes bytes, len and pub before queueing; one
 * pool thread reads them and writes ran, good and the hash; the loop reads
 * those only after the after_work callback (libuv orders the two). */
struct sigjob {
	uint8_t *bytes; /* canonical bytes, then the 64 signature bytes (owned); NULL: none */
	size_t len;     /* of the canonical bytes */
	uint8_t pub[SIG_PUBKEY_LEN]; /* the key of the check last queued */
	bool queued;                 /* a check with pub was queued */
	bool ran, good, hashed;      /* written by the pool thread */
	uint8_t hash[SIG_HASH_LEN];  /* the event hash (sig_event_hash) */
	const Safecampus__Record *r; /* the loop's: the record the bytes are of */
};

/* A share of one round's verifications for one pool thread. The chunk holds
 * everything its thread reads, so the thread never touches struct pushsig. */
struct sigchunk {
	uv_work_t work;
	struct pushsig *s; /* for after_work, on the loop */
	struct sigjob *jobs;
	const size_t *todo; /* indexes into jobs: todo[from..to) are this chunk's */
	size_t from, to;
};

struct pushsig {
	struct person_row *people;
	size_t npeople, cap;
	bool people_loaded; /* phase 1 answered the people */
	struct chain *chains;
	size_t nchains, ccap;
	bool have_admin;
	bool lenient; /* require_signatures = 0 */
	uint8_t admin[SIG_PUBKEY_LEN];
	struct signoff_batch ins;
	uint64_t log_seq;                       /* the district log's head (028) */
	uint8_t log_hash[SIGNOFF_LOG_HASH_LEN]; /* its hash, if log_seq */
	struct sigjob *jobs; /* by batch position, njobs of them (pushsig_prepare) */
	size_t njobs;
	size_t *todo; /* the current round's: jobs queued */
	struct sigchunk *chunks;
	size_t nchunks;
	size_t outstanding; /* chunks whose after_work has not run */
	pushsig_verified_cb done;
	void *done_arg;
	size_t ahead, on_loop; /* signatures decided by a pool result, by sig_check */
};

/* A round is split in at most this many chunks (libuv's pool has 4 threads
 * unless UV_THREADPOOL_SIZE says otherwise), each of at least
 * CHUNK_MIN signatures so that a small push is not spread for nothing. */
#define POOL_CHUNKS 4
#define CHUNK_MIN 32

/* ------------------------------------------------------------ enrolment cache */

/* The keys of the people this worker has seen, by (school, login): the guess
 * that lets verification start when a Push arrives, before phase 1 says who
 * is enrolled. Direct-mapped and bounded (a collision replaces); loop thread
 * only. A stale or wrong entry costs one more verification, never a wrong
 * decision: pushsig_decide only takes a result made with the key it decides
 * with. An enrolment's key never changes (decide_enrolment), so entries stay
 * right until the person is revoked, and revocation is decided on the row. */
#define KEY_CACHE_SLOTS 4096

struct cached_key {
	char school[64], login[40];
	uint8_t pub[SIG_PUBKEY_LEN];
	bool set;
};

static struct cached_key key_cache[KEY_CACHE_SLOTS];

static struct cached_key *cache_slot(const char *school, const char *login)
{
	uint32_t h = 2166136261u;

	for (const char *c = school; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *c = login; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return &key_cache[h & (KEY_CACHE_SLOTS - 1)];
}

static void cache_put(const char *school, const char *login, const uint8_t pub[SIG_PUBKEY_LEN])
{
	struct cached_key *k = cache_slot(school, login);

	/* longer names than a row holds are never looked up as such */
	if (strlen(school) >= sizeof k->school || strlen(login) >= sizeof k->login)
		return;
	snprintf(k->school, sizeof k->school, "%s", school);
	snprintf(k->login, sizeof k->login, "%s", login);
	memcpy(k->pub, pub, SIG_PUBKEY_LEN);
	k->set = true;
}

static const uint8_t *cache_find(const char *school, const char *login)
{
	const struct cached_key *k = cache_slot(school, login);

	return k->set && !strcmp(k->school, school) && !strcmp(k->login, login) ? k->pub : NULL;
}

const char *const pushsig_people_sql =
	"SELECT school, login, id::text, role, public_key, revoked_ms FROM person "
	"WHERE school = $1 OR school = ''";

const char *const pushsig_chains_sql =
	"SELECT DISTINCT ON (chain_id) chain_id::text, pos, encode(hash, 'hex') FROM signoff "
	"WHERE school = $1 AND chain_id = ANY($2::uuid[]) ORDER BY chain_id, pos DESC";

static bool is_enrolment(const Safecampus__Record *r)
{
	return r->body_case == SAFECAMPUS__RECORD__BODY_PERSON && r->person;
}

struct pushsig *pushsig_new(const char *admin_key_path, bool require)
{
	struct pushsig *s = calloc(1, sizeof *s);
	FILE *f;

	if (!s)
		return NULL;
	/* read once per process: the loop does not wait on a file per push
	 * (people_key is fixed until a restart) */
	static char path[512];
	static bool loaded, have;
	static uint8_t key[SIG_PUBKEY_LEN];

	signoff_batch_init(&s->ins);
	if (!loaded || strcmp(path, admin_key_path ? admin_key_path : "") != 0) {
		snprintf(path, sizeof path, "%s", admin_key_path ? admin_key_path : "");
		loaded = true;
		have = false;
		f = *path ? fopen(path, "r") : NULL;
		if (f) {
			EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
			fclose(f);
			have = k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 &&
			       sig_pubkey_raw(k, key) == 0;
			EVP_PKEY_free(k);
		}
	}
	s->have_admin = have;
	s->lenient = !require;
	memcpy(s->admin, key, sizeof key);
	return s;
}

void pushsig_free(struct pushsig *s)
{
	if (!s)
		return;
	/* a pool thread may still be writing into the jobs */
	assert(s->outstanding == 0);
	for (size_t i = 0; i < s->njobs; i++)
		free(s->jobs[i].bytes);
	free(s->jobs);
	free(s->todo);
	free(s->chunks);
	signoff_batch_free(&s->ins);
	free(s->people);
	free(s->chains);
	free(s);
}

int pushsig_role_of(const char *text)
{
	char name[64] = "STAFF_ROLE_";
	size_t at = strlen(name);
	const ProtobufCEnumValue *v;

	for (const char *p = text; *p && at + 1 < sizeof name; p++)
		name[at++] = (char)toupper((unsigned char)*p);
	name[at] = '\0';
	v = protobuf_c_enum_descriptor_get_value_by_name(&safecampus__staff_role__descriptor, name);
	return v ? v->value : 0;
}

static struct person_row *person_find(struct pushsig *s, const char *school, const char *login)
{
	for (size_t i = 0; i < s->npeople; i++)
		if (!strcmp(s->people[i].school, school) && !strcmp(s->people[i].login, login))
			return &s->people[i];
	return NULL;
}

static struct person_row *person_by_id(struct pushsig *s, const char *id)
{
	for (size_t i = 0; i < s->npeople; i++)
		if (!strcmp(s->people[i].id, id))
			return &s->people[i];
	return NULL;
}

static struct person_row *person_slot(struct pushsig *s)
{
	if (s->npeople == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct person_row *more = realloc(s->people, cap * sizeof *more);
		if (!more)
			return NULL;
		s->people = more;
		s->cap = cap;
	}
	memset(&s->people[s->npeople], 0, sizeof *s->people);
	return &s->people[s->npeople++];
}

static int person_fill(struct person_row *p, const char *school, const char *login, const char *id,
		       int role, const char *pub_hex, int64_t revoked_ms)
{
	snprintf(p->school, sizeof p->school, "%s", school);
	snprintf(p->login, sizeof p->login, "%s", login);
	snprintf(p->id, sizeof p->id, "%s", id);
	snprintf(p->pub_hex, sizeof p->pub_hex, "%s", pub_hex);
	p->role = role;
	p->revoked_ms = revoked_ms;
	return sig_unhex(pub_hex, p->pub, SIG_PUBKEY_LEN);
}

int pushsig_on_people(struct pushsig *s, const PGresult *res)
{
	for (int row = 0; row < PQntuples(res); row++) {
		struct person_row *p = person_slot(s);
		if (!p)
			return -ENOMEM;
		/* a stored key that does not parse signs nothing: keep the row
		 * (its login stays taken) with a key no signature matches */
		if (person_fill(p, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
				PQgetvalue(res, row, 2), pushsig_role_of(PQgetvalue(res, row, 3)),
				PQgetvalue(res, row, 4),
				strtoll(PQgetvalue(res, row, 5), NULL, 10)) == 0)
			cache_put(p->school, p->login, p->pub);
	}
	s->people_loaded = true;
	return 0;
}

static struct chain *chain_find(struct pushsig *s, const char *id)
{
	for (size_t i = 0; i < s->nchains; i++)
		if (!strcmp(s->chains[i].id, id))
			return &s->chains[i];
	return NULL;
}

static struct chain *chain_add(struct pushsig *s, const char *id)
{
	if (s->nchains == s->ccap) {
		size_t cap = s->ccap ? 2 * s->ccap : 32;
		struct chain *more = realloc(s->chains, cap * sizeof *more);
		if (!more)
			return NULL;
		s->chains = more;
		s->ccap = cap;
	}
	memset(&s->chains[s->nchains], 0, sizeof *s->chains);
	snprintf(s->chains[s->nchains].id, sizeof s->chains->id, "%s", id);
	return &s->chains[s->nchains++];
}

int pushsig_on_chains(struct pushsig *s, const PGresult *res)
{
	for (int row = 0; row < PQntuples(res); row++) {
		struct chain *c = chain_add(s, PQgetvalue(res, row, 0));
		if (!c)
			return -ENOMEM;
		c->pos = atoi(PQgetvalue(res, row, 1));
		if (sig_unhex(PQgetvalue(res, row, 2), c->hash, SIG_HASH_LEN))
			memset(c->hash, 0, sizeof c->hash);
	}
	return 0;
}

static bool signs(const Safecampus__Record *r)
{
	return is_enrolment(r) || kind_sign_roles(r) != 0;
}

bool pushsig_signs(const Safecampus__Record *r)
{
	return kind_of(r) && signs(r);
}

int pushsig_chain_ids(Safecampus__Record *const *recs, const bool *live, size_t n, struct buf *b)
{
	int rc = buf_append(b, "{", 1);

	for (size_t i = 0; i < n && !rc; i++)
		if (live[i] && kind_of(recs[i]) && signs(recs[i]) &&
		    uuid_valid(kind_chain_id(recs[i])))
			rc = kindsql_array_elem(b, kind_chain_id(recs[i]));
	return rc ? rc : buf_append(b, "}", 2);
}

static int refuse(int reason, char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse(int reason, char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return reason;
}

/* An enrolment or a revocation: who may sign it, and what may change. */
static int decide_enrolment(struct pushsig *s, const Safecampus__Record *r,
			    const struct person_row *signer, char *why, size_t n)
{
	const Safecampus__Person *m = r->person;
	const struct person_row *old = person_by_id(s, r->id);
	const struct person_row *same = person_find(s, r->school, m->login ? m->login : "");
	uint8_t pub[SIG_PUBKEY_LEN];
	bool top = m->role == ROLE(PRINCIPAL) || m->role == ROLE(BUREAU_OFFICER);

	if (sig_unhex(m->public_key, pub, sizeof pub))
		return refuse(R(INVALID), why, n, "person.public_key is not 64 hex digits");
	if ((m->role == ROLE(BUREAU_OFFICER)) != !*r->school)
		return refuse(R(INVALID), why, n,
			      "a bureau officer belongs to the bureau, and only "
			      "a bureau officer does");
	if (top && signer)
		return refuse(R(SIGNER_ROLE), why, n,
			      "a %s is enrolled (and revoked) with the district "
			      "admin key, not by %s",
			      m->role == ROLE(PRINCIPAL) ? "principal" : "bureau officer",
			      signer->login);
	if (signer && signer->role != ROLE(PRINCIPAL))
		return refuse(R(SIGNER_ROLE), why, n,
			      "%s is not a principal and may not enrol or "
			      "revoke people",
			      signer->login);
	if (old) {
		if (strcmp(old->login, m->login) || old->role != (int)m->role ||
		    strcmp(old->pub_hex, m->public_key))
			return refuse(R(INVALID), why, n,
				      "an enrolment's login, role and key never "
				      "change; enrol the person anew");
		if (old->revoked_ms && old->revoked_ms != m->revoked_ms)
			return refuse(R(INVALID), why, n,
				      "%s was revoked; a revocation never clears", old->login);
	} else if (same) {
		return refuse(R(INVALID), why, n, "login %s is already enrolled in this school",
			      m->login);
	}
	return 0;
}

/* ------------------------------------------------------------ verifying ahead */

int pushsig_prepare(struct pushsig *s, Safecampus__Record *const *recs, const bool *live, size_t n)
{
	struct buf b;
	char why[8]; /* the words are sig_check's, given again when decided */
	int rc = 0;

	assert(!s->jobs);
	s->jobs = calloc(n ? n : 1, sizeof *s->jobs);
	if (!s->jobs)
		return -ENOMEM;
	s->njobs = n;
	buf_init(&b, 4u << 20);
	for (size_t i = 0; i < n && !rc; i++) {
		const Safecampus__Record *r = recs[i];
		const Safecampus__Signature *g = r->signature;
		struct sigjob *j = &s->jobs[i];

		if (!live[i] || !kind_of(r) || !signs(r) || !g || !g->signer || !*g->signer)
			continue;
		buf_reset(&b);
		if (sig_signed_bytes(r, &b, why, sizeof why))
			continue;
		j->bytes = malloc(buf_used(&b) + SIG_LEN);
		if (!j->bytes) {
			rc = -ENOMEM;
			break;
		}
		memcpy(j->bytes, buf_head(&b), buf_used(&b));
		memcpy(j->bytes + buf_used(&b), g->sig.data, SIG_LEN); /* SIG_LEN checked */
		j->len = buf_used(&b);
		j->r = r;
	}
	buf_free(&b);
	return rc;
}

/* The key pushsig_decide will check r's signature with, as far as is known
 * now; NULL if none (decide refuses r before checking, or checks it on the
 * loop: a signer enrolled earlier in the same batch). */
static const uint8_t *key_now(const struct pushsig *s, const Safecampus__Record *r)
{
	const Safecampus__Signature *g = r->signature;
	const char *school = g->signer_school ? g->signer_school : "";
	const struct person_row *p;

	if (!strcmp(g->signer, SIG_DISTRICT_SIGNER))
		return is_enrolment(r) && s->have_admin ? s->admin : NULL;
	if (*school && strcmp(school, r->school))
		return NULL; /* refused as another school's signer */
	if (!s->people_loaded)
		return cache_find(school, g->signer);
	p = person_find((struct pushsig *)s, school, g->signer);
	return p ? p->pub : NULL;
}

/* On a pool thread: only the chunk's jobs are touched. */
static void verify_work(uv_work_t *w)
{
	struct sigchunk *c = container_of(w, struct sigchunk, work);

	for (size_t k = c->from; k < c->to; k++) {
		struct sigjob *j = &c->jobs[c->todo[k]];
		j->good = sig_verify(j->pub, j->bytes, j->len, j->bytes + j->len, SIG_LEN) == 0;
		if (!j->hashed)
			j->hashed = sig_sha256(j->bytes, j->len + SIG_LEN, j->hash) == 0;
		j->ran = true;
	}
}

/* On the loop; status UV_ECANCELED: the chunk never ran (its jobs' ran
 * stays false, so they are verified on the loop if still needed). */
static void verify_after(uv_work_t *w, int status)
{
	struct sigchunk *c = container_of(w, struct sigchunk, work);
	struct pushsig *s = c->s;

	(void)status;
	if (--s->outstanding > 0)
		return;
	/* libuv is done with every chunk: the array may go */
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = 0;
	free(s->todo);
	s->todo = NULL;
	s->done(s->done_arg);
}

bool pushsig_verify(struct pushsig *s, uv_loop_t *loop, pushsig_verified_cb done, void *arg)
{
	size_t ntodo = 0, nchunks, per;

	if (s->outstanding || !s->jobs)
		return false;
	s->todo = malloc(s->njobs * sizeof *s->todo + 1);
	if (!s->todo)
		return false; /* decided on the loop instead */
	for (size_t i = 0; i < s->njobs; i++) {
		struct sigjob *j = &s->jobs[i];
		const uint8_t *key = j->bytes ? key_now(s, j->r) : NULL;
		if (!key || (j->queued && !memcmp(j->pub, key, SIG_PUBKEY_LEN)))
			continue;
		memcpy(j->pub, key, SIG_PUBKEY_LEN);
		j->queued = true;
		j->ran = j->good = false;
		s->todo[ntodo++] = i;
	}
	nchunks = (ntodo + CHUNK_MIN - 1) / CHUNK_MIN;
	if (nchunks > POOL_CHUNKS)
		nchunks = POOL_CHUNKS;
	s->chunks = nchunks ? calloc(nchunks, sizeof *s->chunks) : NULL;
	s->nchunks = s->chunks ? nchunks : 0;
	per = nchunks ? (ntodo + nchunks - 1) / nchunks : 0;
	s->done = done;
	s->done_arg = arg;
	for (size_t c = 0; c < s->nchunks; c++) {
		struct sigchunk *ch = &s->chunks[c];
		ch->s = s;
		ch->jobs = s->jobs;
		ch->todo = s->todo;
		ch->from = c * per;
		ch->to = ch->from + per < ntodo ? ch->from + per : ntodo;
		if (uv_queue_work(loop, &ch->work, verify_work, verify_after) == 0)
			s->outstanding++;
		else
			for (size_t k = ch->from; k < ch->to; k++)
				s->jobs[s->todo[k]].queued = false;
	}
	if (s->outstanding)
		return true;
	/* nothing to do, or nothing could be queued: decided on the loop */
	for (size_t k = 0; k < ntodo; k++)
		s->jobs[s->todo[k]].queued = false;
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = 0;
	free(s->todo);
	s->todo = NULL;
	return false;
}

bool pushsig_busy(const struct pushsig *s)
{
	return s && s->outstanding > 0;
}

void pushsig_cancel(struct pushsig *s)
{
	/* UV_EBUSY for a chunk running or done: it answers as usual */
	for (size_t c = 0; s->outstanding && c < s->nchunks; c++)
		(void)uv_cancel((uv_req_t *)&s->chunks[c].work);
}

/* A verification made ahead with exactly this key, and good. */
static bool verified_ahead(const struct pushsig *s, size_t i, const Safecampus__Record *r,
			   const uint8_t *pub)
{
	const struct sigjob *j = i < s->njobs ? &s->jobs[i] : NULL;

	return !s->outstanding && j && j->bytes && j->r == r && j->ran && j->good &&
	       !memcmp(j->pub, pub, SIG_PUBKEY_LEN);
}

int pushsig_decide(struct pushsig *s, size_t i, const Safecampus__Record *r, int64_t now_ms,
		   char *why, size_t n)
{
	const Safecampus__Signature *g = r->signature;
	unsigned roles = kind_sign_roles(r);
	const struct person_row *p = NULL;
	const uint8_t *pub;
	char check[256], who[160];
	int rc;

	if (!signs(r))
		return 0;
	if ((!g || !g->signer || !*g->signer) && s->lenient)
		return 0;
	if (!g || !g->signer || !*g->signer)
		return refuse(R(SIGNATURE), why, n,
			      "this %s is a sign-off and carries no signature", kind_of(r)->name);
	if (g->signed_ms > now_ms + (int64_t)HLC_MAX_DRIFT_MS)
		return refuse(R(SIGNATURE), why, n,
			      "signed_ms is more than a day ahead of the server");
	if (!strcmp(g->signer, SIG_DISTRICT_SIGNER)) {
		if (!is_enrolment(r))
			return refuse(R(SIGNER_ROLE), why, n,
				      "the district admin key signs enrolments "
				      "only");
		if (!s->have_admin)
			return refuse(R(SIGNATURE), why, n,
				      "this server has no district admin key "
				      "(people_key) to check the enrolment with");
		pub = s->admin;
	} else {
		/* only the pushing school's people and the bureau's are loaded:
		 * a signer naming another school is refused as such */
		if (g->signer_school && *g->signer_school && strcmp(g->signer_school, r->school))
			return refuse(R(SIGNER_SCHOOL), why, n, "%s belongs to %s, not to %s",
				      g->signer, g->signer_school, r->school);
		p = person_find(s, g->signer_school ? g->signer_school : "", g->signer);
		if (!p)
			return refuse(R(SIGNATURE), why, n,
				      "signer %s of %s is not enrolled on the "
				      "server (sync their enrolment first)",
				      g->signer,
				      *g->signer_school ? g->signer_school : "the bureau");
		pub = p->pub;
	}
	/* a bad signature is checked again here for sig_check's words */
	if (verified_ahead(s, i, r, pub)) {
		s->ahead++;
	} else {
		s->on_loop++;
		if (sig_check(r, pub, check, sizeof check))
			return refuse(R(SIGNATURE), why, n, "%s", check);
	}
	if (p && p->revoked_ms && g->signed_ms >= p->revoked_ms)
		return refuse(R(SIGNER_REVOKED), why, n, "%s was revoked before this was signed",
			      p->login);
	/* of the record's school, or the bureau for what its officers sign */
	if (p && !kind_signer_side(r, p->school))
		return refuse(R(SIGNER_SCHOOL), why, n, "%s belongs to %s, not to %s", p->login,
			      *p->school ? p->school : "the bureau", r->school);
	if (is_enrolment(r)) {
		rc = decide_enrolment(s, r, p, why, n);
		if (rc)
			return rc;
	} else if (!p || p->role <= 0 || p->role >= 32 || !(roles & (1u << p->role))) {
		kind_sign_roles_text(roles, who, sizeof who);
		return refuse(R(SIGNER_ROLE), why, n, "this %s is signed by a %s; %s is not one",
			      kind_of(r)->name, who, p ? p->login : g->signer);
	}
	return 0;
}

int pushsig_chain(struct pushsig *s, const Safecampus__Record *r, char *why, size_t n)
{
	const Safecampus__Signature *g = r->signature;
	const struct chain *c;

	if (!signs(r) || !g)
		return 0;
	c = chain_find(s, kind_chain_id(r));
	if (c ? (g->prev_hash.len != SIG_HASH_LEN ||
		 memcmp(g->prev_hash.data, c->hash, SIG_HASH_LEN))
	      : g->prev_hash.len != 0) {
		char want[2 * SIG_HASH_LEN + 1] = "";
		if (c)
			sig_hex(c->hash, 8, want);
		return refuse(R(CHAIN), why, n,
			      "prev_hash does not name the last accepted step of "
			      "%.8s (%s%s): pull, then sign the step again",
			      kind_chain_id(r), c ? want : "none yet", c ? "..." : "");
	}
	return 0;
}

int pushsig_accept(struct pushsig *s, size_t i, const Safecampus__Record *r)
{
	const struct sigjob *j = i < s->njobs && !s->outstanding ? &s->jobs[i] : NULL;
	uint8_t h[SIG_HASH_LEN];
	struct chain *c;
	int rc;

	if (!signs(r) || !r->signature)
		return 0;
	if (j && j->bytes && j->r == r && j->ran && j->hashed)
		memcpy(h, j->hash, sizeof h);
	else if ((rc = sig_event_hash(r, h)))
		return rc;
	c = chain_find(s, kind_chain_id(r));
	if (!c && !(c = chain_add(s, kind_chain_id(r))))
		return -ENOMEM;
	c->pos++;
	memcpy(c->hash, h, sizeof h);
	if (is_enrolment(r)) {
		struct person_row *p = person_by_id(s, r->id);
		if (!p && !(p = person_slot(s)))
			return -ENOMEM;
		rc = person_fill(p, r->school, r->person->login, r->id, (int)r->person->role,
				 r->person->public_key, r->person->revoked_ms);
		if (rc)
			return rc;
		cache_put(p->school, p->login, p->pub);
	}
	/* the next place in the district's log (push.c holds the sync lock) */
	rc = signoff_log_next(s->log_seq ? s->log_hash : NULL, h, s->log_hash);
	if (rc)
		return rc;
	s->log_seq++;
	return signoff_batch_add(&s->ins, r, kind_of(r)->name, kind_chain_id(r), c->pos, h,
				 s->log_seq, s->log_hash);
}

int pushsig_on_log_head(struct pushsig *s, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		s->log_seq = 0; /* an empty log */
		return 0;
	}
	s->log_seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	if (!s->log_seq || sig_unhex(PQgetvalue(res, 0, 1), s->log_hash, SIGNOFF_LOG_HASH_LEN))
		return SC_EDB;
	return 0;
}

size_t pushsig_pending(const struct pushsig *s)
{
	return s->ins.n;
}

const char *const *pushsig_insert_params(struct pushsig *s)
{
	return signoff_batch_params(&s->ins);
}

void pushsig_counts(const struct pushsig *s, size_t *ahead, size_t *on_loop)
{
	*ahead = s ? s->ahead : 0;
	*on_loop = s ? s->on_loop : 0;
}
