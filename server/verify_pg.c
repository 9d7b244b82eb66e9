/* safecampusd --verify: history as PostgreSQL holds it. See verify_pg.h. */
#include "verify_pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"
#include "kinds.h"
#include "kindsql.h"
#include "sig.h"
#include "signoff.h"
#include "verify.h"
#include "workflow.h"

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

/* ---------------------------------------------------------------- derived columns */

/* An event of a workflow, by (school, parent, seq): the order push.c
 * applied them in (one push at a time under the district lock, a batch's
 * rows of one kind in batch order). */
struct wev {
	const Safecampus__Record *r;
	char parent[37];
};

static int by_parent_seq(const void *a, const void *b)
{
	const struct wev *x = a, *y = b;
	int c = strcmp(x->r->school, y->r->school);

	if (!c)
		c = strcmp(x->parent, y->parent);
	return c ? c : (x->r->seq > y->r->seq) - (x->r->seq < y->r->seq);
}

static void derived_bad(struct vpg *x, struct verify *v, const char *school, const char *kind,
			const char *id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void derived_bad(struct vpg *x, struct verify *v, const char *school, const char *kind,
			const char *id, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	v->bad++;
	report(x, true, school, id, kind, id, text);
}

/* One school's parents (ids, a uuid[] literal): the stored status of each
 * against the one its stored events make, column by column. */
static int derive_school(struct vpg *x, struct verify *v, const struct workflow *wf,
			 const char *school, const char *ids, const struct wev *ev, size_t nev)
{
	const char *params[2] = { school, ids };
	PGresult *res = PQexecParams(x->pg, wf->load_sql, 2, NULL, params, NULL, NULL, 0);
	char(*have)[WF_TEXT] = calloc(2 * (size_t)wf->nstore, WF_TEXT);
	char(*want)[WF_TEXT] = have ? have + wf->nstore : NULL;
	void *stored = calloc(1, wf->status_size), *made = calloc(1, wf->status_size);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail(res, wf->parent_kind, x->pg);
		res = NULL;
		goto out;
	}
	if (!have || !stored || !made) {
		rc = -ENOMEM;
		goto out;
	}
	for (int row = 0; row < PQntuples(res); row++) {
		const char *id = PQgetvalue(res, row, 0);
		struct wev key = { 0 };
		Safecampus__Record probe = { .school = (char *)school };
		const struct wev *e;
		char why[256];
		bool replays = true;

		if (wf->load(stored, res, row)) {
			derived_bad(x, v, school, wf->parent_kind, id,
				    "its stored status does not read (a column holds a value "
				    "the workflow never writes)");
			continue;
		}
		memcpy(made, stored, wf->status_size);
		wf->rebase(made);
		/* the first of its events, then the rest in seq order */
		key.r = &probe;
		snprintf(key.parent, sizeof key.parent, "%s", id);
		probe.seq = 0;
		size_t lo = 0, hi = nev;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (by_parent_seq(&ev[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (e = ev + lo; e < ev + nev && replays && !strcmp(e->r->school, school) &&
				  !strcmp(e->parent, id);
		     e++) {
			if (wf->apply(made, e->r, why, sizeof why)) {
				derived_bad(x, v, school, wf->parent_kind, id,
					    "its stored steps do not replay: %s %s is refused "
					    "(%s), so a step before it was deleted or altered",
					    wf->event_kind, e->r->id, why);
				replays = false;
			}
		}
		if (!replays)
			continue;
		wf->store(stored, have);
		wf->store(made, want);
		for (int c = 0; c < wf->nstore; c++)
			if (strcmp(have[c], want[c]))
				derived_bad(x, v, school, wf->parent_kind, id,
					    "its stored %s is \"%.80s\", but its steps make it "
					    "\"%.80s\" (the column was edited, or a step deleted)",
					    wf->store_names[c], have[c], want[c]);
	}
out:
	PQclear(res);
	free(have);
	free(stored);
	free(made);
	return rc;
}

/* The derived columns a workflow stores on its parent's row (a hazard's
 * state and owner) are not signed; the events they come from are. So each
 * is derived again from the stored events (the workflow's own apply, the
 * rules of the push) and compared with what is stored. Every workflow that
 * says how (rebase, store_names) is checked; no kind is named here. */
static int check_derived(struct vpg *x, struct verify *v, const char *only)
{
	int rc = 0;

	for (size_t ki = 0; ki < kind_count() && !rc; ki++) {
		const struct kind *ek = kind_at(ki), *pk;
		const struct workflow *wf = workflow_for_event(ek);
		const ProtobufCFieldDescriptor *pf;
		struct wev *ev = NULL;
		size_t nev = 0;
		PGresult *res;
		char sql[200];

		if (!wf || !wf->store_sql || !wf->rebase || !wf->store_names ||
		    !(pk = kind_by_name(wf->parent_kind)) ||
		    !(pf = kind_field(ek, ek->parent_field)))
			continue;
		ev = calloc(x->n ? x->n : 1, sizeof *ev);
		if (!ev)
			return -ENOMEM;
		for (size_t i = 0; i < x->n; i++) {
			const Safecampus__Record *r = x->recs[i];
			const char *p;
			if (kind_of(r) != ek)
				continue;
			p = *(const char *const *)((const char *)kind_payload(r) + pf->offset);
			ev[nev].r = r;
			snprintf(ev[nev].parent, sizeof ev[nev].parent, "%s", p ? p : "");
			nev++;
		}
		qsort(ev, nev, sizeof *ev, by_parent_seq);
		/* every parent row, also those with no events left (reported) */
		snprintf(sql, sizeof sql,
			 "SELECT school, string_agg(id::text, ',' ORDER BY id) FROM %s %s "
			 "GROUP BY school ORDER BY school",
			 pk->name, only ? "WHERE id::text = $1" : "");
		{
			const char *params[1] = { only };
			res = PQexecParams(x->pg, sql, only ? 1 : 0, NULL, params, NULL, NULL, 0);
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			free(ev);
			return fail(res, pk->name, x->pg);
		}
		for (int row = 0; row < PQntuples(res) && !rc; row++) {
			struct buf ids;
			buf_init(&ids, 1u << 30);
			rc = buf_append(&ids, "{", 1);
			if (!rc)
				rc = buf_append(&ids, PQgetvalue(res, row, 1),
						strlen(PQgetvalue(res, row, 1)));
			if (!rc)
				rc = buf_append(&ids, "}", 2);
			if (!rc)
				rc = derive_school(x, v, wf, PQgetvalue(res, row, 0),
						   (const char *)buf_head(&ids), ev, nev);
			buf_free(&ids);
		}
		PQclear(res);
		free(ev);
	}
	return rc;
}

/* ---------------------------------------------------------------- the signoff log */

/* The district's signoff log (028): positions 1.. without a gap, each
 * log_hash the fold of the one before and the row's hash, and, given the
 * head the bureau recorded, a log that still reaches it with its hash. A
 * row deleted (even the newest step of a chain, with its signoff row) or
 * edited shows as a gap or a fold that differs; the rows after it
 * recomputed to hide that, as a head the log no longer reaches. */
static int check_log(struct vpg *x, struct verify *v, uint64_t want_seq, const uint8_t *want)
{
	PGresult *res = PQexec(x->pg, "SELECT log_seq, encode(log_hash, 'hex'), "
				      "encode(hash, 'hex'), school, id::text, kind FROM signoff "
				      "ORDER BY log_seq NULLS FIRST");
	uint8_t fold[SIGNOFF_LOG_HASH_LEN], stored[SIGNOFF_LOG_HASH_LEN], h[SIG_HASH_LEN];
	uint64_t at = 0;
	bool broken = false, reached = want_seq == 0;
	int rows;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return fail(res, "signoff log", x->pg);
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		const char *school = PQgetvalue(res, i, 3), *id = PQgetvalue(res, i, 4),
			   *kind = PQgetvalue(res, i, 5);
		uint64_t seq;
		if (PQgetisnull(res, i, 0)) {
			derived_bad(x, v, school, kind, id,
				    "its signoff row has no place in the district's signoff log "
				    "(it was added directly)");
			continue;
		}
		seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);
		if (sig_unhex(PQgetvalue(res, i, 2), h, sizeof h) ||
		    sig_unhex(PQgetvalue(res, i, 1), stored, sizeof stored)) {
			derived_bad(x, v, school, kind, id,
				    "its signoff row's hash or log_hash is not 32 bytes");
			broken = true;
			continue;
		}
		if (seq != at + 1 && !broken) {
			/* after a break the fold is not known: one report */
			derived_bad(x, v, school, kind, id,
				    "the signoff log jumps from position %llu to %llu: the signed "
				    "step(s) between were deleted",
				    (unsigned long long)at, (unsigned long long)seq);
			broken = true;
		}
		if (!broken) {
			if (signoff_log_next(at ? fold : NULL, h, fold)) {
				PQclear(res);
				return -ENOMEM;
			}
			if (memcmp(fold, stored, sizeof fold)) {
				derived_bad(x, v, school, kind, id,
					    "its place %llu in the signoff log holds another hash "
					    "than the log before it makes: a step at or before "
					    "it was deleted or altered",
					    (unsigned long long)seq);
				broken = true;
			}
		}
		if (seq == want_seq) {
			reached = true;
			if (broken || memcmp(fold, want, sizeof fold))
				derived_bad(x, v, school, kind, id,
					    "the signoff log at position %llu is not the one the "
					    "bureau recorded: a signed step at or before it was "
					    "deleted or altered, and the log rewritten",
					    (unsigned long long)seq);
		}
		at = seq;
	}
	PQclear(res);
	if (!reached) {
		v->bad++;
		fprintf(x->out,
			"ALTERED  the signoff log ends at position %llu, but the bureau recorded "
			"position %llu: the newest signed step(s) were deleted\n",
			(unsigned long long)at, (unsigned long long)want_seq);
	}
	return 0;
}

int verify_pg_run(const struct config *cfg, const char *only_id, const char *log_head, FILE *out)
{
	struct vpg x = { .out = out };
	struct verify v;
	char err[512];
	PGresult *res;
	int rc;

	uint64_t head_seq = 0;
	uint8_t head_hash[SIGNOFF_LOG_HASH_LEN];

	if (log_head) {
		char *end;
		const char *colon = strchr(log_head, ':');
		head_seq = strtoull(log_head, &end, 10);
		if (!colon || end != colon || head_seq == 0 || strlen(colon + 1) != 64 ||
		    sig_unhex(colon + 1, head_hash, sizeof head_hash)) {
			fprintf(stderr,
				"safecampusd --verify: --log-head=%s is not N:HEX (a position and "
				"64 hex digits, as `safecampus verify` at the bureau prints it)\n",
				log_head);
			return 2;
		}
	}
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
	if (!rc)
		rc = check_derived(&x, &v, only_id && *only_id ? only_id : NULL);
	/* the whole district's log, also for one ID: a deletion is not of an ID */
	if (!rc && (!only_id || !*only_id || head_seq))
		rc = check_log(&x, &v, head_seq, head_hash);
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
