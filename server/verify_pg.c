/* safecampusd --verify: history as PostgreSQL holds it. See verify_pg.h. */
#include "verify_pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kinds.h"
#include "kindsql.h"
#include "sig.h"
#include "verify.h"

/* one signoff row: a signed version as the server accepted it */
struct srow {
	char school[64], id[37], chain[37], kind[64];
	uint64_t hlc;
	int pos;
	uint8_t hash[SIG_HASH_LEN], prev[SIG_HASH_LEN];
	size_t prev_len;
};

struct vpg {
	PGconn *pg;
	FILE *out;
	Safecampus__Record **recs; /* every row of a kind that signs, by (school, id) */
	bool *used;
	size_t n, cap;
	struct srow *rows; /* signoff, by (school, chain, pos) */
	size_t nrows;
};

static void report(void *arg, bool bad, const char *school, const char *record, const char *kind,
		   const char *event, const char *text)
{
	struct vpg *x = arg;

	fprintf(x->out, "%s school %s, record %s, %s %s: %s\n", bad ? "ALTERED " : "note    ",
		*school ? school : "(bureau)", record, kind, event, text);
}

static int by_key(const void *a, const void *b)
{
	const Safecampus__Record *x = *(Safecampus__Record *const *)a;
	const Safecampus__Record *y = *(Safecampus__Record *const *)b;
	int c = strcmp(x->school, y->school);

	return c ? c : strcmp(x->id, y->id);
}

static long find_rec(const struct vpg *x, const char *school, const char *id)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const Safecampus__Record *r = x->recs[mid];
		int c = strcmp(r->school, school);
		if (!c)
			c = strcmp(r->id, id);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int fail(PGresult *res, const char *what, PGconn *pg)
{
	fprintf(stderr, "safecampusd --verify: %s: %s", what,
		res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
	PQclear(res);
	return SC_EDB;
}

/* The rows of every kind that signs, rebuilt as the pull rebuilds them. */
static int load_records(struct vpg *x, struct verify *v)
{
	const char *params[2] = { "0", "9223372036854775807" };

	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		PGresult *res;
		int rows;

		if (!verify_kind_signs(k))
			continue;
		res = PQexecParams(x->pg, kindsql_of(k)->pull_all, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return fail(res, k->name, x->pg);
		rows = PQntuples(res);
		if (x->n + (size_t)rows > x->cap) {
			size_t cap = x->n + (size_t)rows + 64;
			Safecampus__Record **more = realloc(x->recs, cap * sizeof *more);
			if (!more) {
				PQclear(res);
				return -ENOMEM;
			}
			x->recs = more;
			x->cap = cap;
		}
		for (int row = 0; row < rows; row++) {
			Safecampus__Record *r;
			if (kindsql_row_to_record(kindsql_of(k), res, row, &r)) {
				/* a row edited into something no version ever held */
				fprintf(x->out,
					"ALTERED  school %s, %s %s: the row does not decode "
					"(a field was set to a value no client writes)\n",
					PQgetvalue(res, row, 1), k->name, PQgetvalue(res, row, 0));
				v->bad++;
				continue;
			}
			x->recs[x->n++] = r;
			if (verify_add_person(v, r)) {
				PQclear(res);
				return -ENOMEM;
			}
		}
		PQclear(res);
	}
	if (x->n)
		qsort(x->recs, x->n, sizeof *x->recs, by_key);
	x->used = calloc(x->n ? x->n : 1, sizeof *x->used);
	return x->used ? 0 : -ENOMEM;
}

static int load_signoffs(struct vpg *x)
{
	PGresult *res = PQexec(x->pg, "SELECT school, id::text, chain_id::text, kind, hlc, pos, "
				      "encode(prev_hash, 'hex'), encode(hash, 'hex') FROM signoff "
				      "ORDER BY school, chain_id, pos");
	int rows;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(res, "signoff", x->pg);
	rows = PQntuples(res);
	x->rows = calloc(rows ? (size_t)rows : 1, sizeof *x->rows);
	if (!x->rows) {
		PQclear(res);
		return -ENOMEM;
	}
	for (int i = 0; i < rows; i++) {
		struct srow *s = &x->rows[i];
		const char *prev = PQgetvalue(res, i, 6);
		snprintf(s->school, sizeof s->school, "%s", PQgetvalue(res, i, 0));
		snprintf(s->id, sizeof s->id, "%s", PQgetvalue(res, i, 1));
		snprintf(s->chain, sizeof s->chain, "%s", PQgetvalue(res, i, 2));
		snprintf(s->kind, sizeof s->kind, "%s", PQgetvalue(res, i, 3));
		s->hlc = strtoull(PQgetvalue(res, i, 4), NULL, 10);
		s->pos = atoi(PQgetvalue(res, i, 5));
		s->prev_len = strlen(prev) / 2;
		if (sig_unhex(PQgetvalue(res, i, 7), s->hash, SIG_HASH_LEN) ||
		    (s->prev_len &&
		     (s->prev_len != SIG_HASH_LEN || sig_unhex(prev, s->prev, SIG_HASH_LEN))))
			s->prev_len =
				SIG_HASH_LEN + 1; /* never matches: reported as a broken link */
	}
	x->nrows = (size_t)rows;
	PQclear(res);
	return 0;
}

static bool wanted(const char *only, const char *chain, const struct srow *rows, size_t n)
{
	if (!only || !strcmp(only, chain))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].id, only))
			return true;
	return false;
}

/* One chain of the signoff table, with the rows it signed attached. */
static int check_chain(struct vpg *x, struct verify *v, const struct srow *rows, size_t n,
		       struct verify_link *links, const char *only)
{
	/* versions of one record, unless the chain has events (a hazard's
	 * steps; a letter and its counter-signature): then every row stays */
	bool versions = true;

	for (size_t i = 0; i < n; i++) {
		const struct kind *k = kind_by_name(rows[i].kind);
		versions = versions && !(k && k->immutable && k->parent_field);
	}

	for (size_t i = 0; i < n; i++) {
		const struct srow *s = &rows[i];
		long at = find_rec(x, s->school, s->id);
		struct verify_link *l = &links[i];

		memset(l, 0, sizeof *l);
		l->id = s->id;
		l->kind = s->kind;
		l->pos = s->pos;
		l->have_stored = true;
		memcpy(l->stored_hash, s->hash, SIG_HASH_LEN);
		memcpy(l->stored_prev, s->prev, SIG_HASH_LEN);
		l->stored_prev_len = s->prev_len;
		l->row_expected = !versions;
		if (at >= 0 && x->recs[at]->hlc == s->hlc) {
			l->r = x->recs[at];
			x->used[at] = true;
		}
	}
	if (!wanted(only, rows[0].chain, rows, n))
		return 0;
	return verify_chain(v, rows[0].school, rows[0].chain, versions, links, n) < 0 ? -ENOMEM : 0;
}

static int run(struct vpg *x, struct verify *v, const char *only)
{
	struct verify_link *links = calloc(x->nrows ? x->nrows : 1, sizeof *links);
	int rc = 0;

	if (!links)
		return -ENOMEM;
	for (size_t i = 0; i < x->nrows && !rc;) {
		size_t j = i;
		while (j < x->nrows && !strcmp(x->rows[j].school, x->rows[i].school) &&
		       !strcmp(x->rows[j].chain, x->rows[i].chain))
			j++;
		rc = check_chain(x, v, &x->rows[i], j - i, links, only);
		i = j;
	}
	/* rows with no signature recorded at their version: verify_chain says
	 * which of them are sign-offs that should have one */
	for (size_t i = 0; i < x->n && !rc; i++) {
		const Safecampus__Record *r = x->recs[i];
		if (x->used[i] || (only && strcmp(only, r->id) && strcmp(only, kind_chain_id(r))))
			continue;
		links[0] = (struct verify_link){
			.r = r, .id = r->id, .kind = kind_of(r)->name, .row_expected = true
		};
		if (verify_chain(v, r->school, kind_chain_id(r), false, links, 1) < 0)
			rc = -ENOMEM;
	}
	free(links);
	return rc;
}

int verify_pg_run(const struct config *cfg, const char *only_id, FILE *out)
{
	struct vpg x = { .out = out };
	struct verify v;
	char err[512];
	PGresult *res;
	int rc;

	verify_init(&v, report, &x);
	v.lenient = cfg->require_signatures == 0;
	if (*cfg->people_key && verify_admin_key(&v, cfg->people_key)) {
		fprintf(stderr, "safecampusd --verify: people_key %s holds no Ed25519 public key\n",
			cfg->people_key);
		return 1;
	}
	x.pg = PQconnectdb(cfg->database);
	if (PQstatus(x.pg) != CONNECTION_OK) {
		rc = fail(NULL, "cannot connect to PostgreSQL", x.pg);
		goto out;
	}
	/* one snapshot: rows and signatures as of the same moment */
	res = PQexec(x.pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail(res, "begin", x.pg);
		goto out;
	}
	PQclear(res);
	rc = kindsql_init(x.pg, err, sizeof err);
	if (rc) {
		fprintf(stderr, "safecampusd --verify: %s\n", err);
		goto out;
	}
	rc = load_records(&x, &v);
	if (!rc)
		rc = load_signoffs(&x);
	if (!rc)
		rc = run(&x, &v, only_id && *only_id ? only_id : NULL);
	if (rc == -ENOMEM)
		fprintf(stderr, "safecampusd --verify: out of memory\n");
	if (!rc && only_id && *only_id && v.chains == 0 && v.bad == 0) {
		/* a typo must not read as "nothing wrong" */
		fprintf(stderr, "safecampusd --verify: no signed record or step has the id %s\n",
			only_id);
		rc = SC_ENOTFOUND;
	} else if (!rc)
		fprintf(out,
			"%lu chains, %lu signatures checked (%lu made before their signer's "
			"revocation, %lu sign-offs unsigned): %lu problems\n",
			v.chains, v.signatures, v.before_revocation, v.unsigned_, v.bad);
out:
	for (size_t i = 0; i < x.n; i++)
		kind_record_free(x.recs[i]);
	free(x.recs);
	free(x.used);
	free(x.rows);
	PQfinish(x.pg);
	rc = rc || v.bad ? 1 : 0;
	verify_free(&v);
	return rc;
}
