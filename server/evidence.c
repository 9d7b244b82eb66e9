/* Evidence files on the server (docs/PROTOCOL.md section 14,
 * docs/internals/evidence.md): EvidenceOffer, EvidenceChunk and EvidenceGet.
 *
 * The bytes are kept in PostgreSQL (016_evidence.sql), one row per chunk,
 * so that every process behind the balancer sees the same uploads and a cut
 * connection resumes on any of them. A file is accepted only if a signature
 * of the pushing school names its hash (signoff.evidence, with its size in
 * signoff.files); the chunks must follow each other without a gap; the last
 * one makes the server hash the whole file in SQL (sha256 over the chunks in
 * order) and either mark it complete or drop it to be sent again.
 *
 * A refused request is answered with an EvidenceStatus/EvidenceData giving
 * the reason; the connection stays open and the client goes on with its
 * other work. Only a database failure is an Error (nothing was applied). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "server.h"
#include "sig.h"
#include "signoff.h"

#define EVQ_STMTS 3
#define EVQ_COLS 6

enum ev_op { EV_OFFER, EV_OFFER_INSERT, EV_CHUNK, EV_GET };

/* One evidence request in the database. */
struct evq {
	struct conn *c;
	struct db_conn *dc;
	uint64_t rid;
	enum ev_op op;
	int failed, queue_failed;
	unsigned owed, nstmts;
	char school[64], campus[64], hex[65];
	char off_s[24], len_s[16], last_s[8], num_s[24];
	char *data_param; /* "\x<hex>" of the chunk's bytes */
	uint64_t off, size;
	uint32_t len;
	bool last;
	/* the first row of each statement's result, as text (NULL: SQL NULL) */
	bool row[EVQ_STMTS];
	char *val[EVQ_STMTS][EVQ_COLS];
	size_t vlen[EVQ_STMTS][EVQ_COLS];
	Safecampus__EvidenceFile desc; /* OFFER: what the signature says */
	char *media_type, *name;
};

struct evstmt {
	struct evq *q;
	unsigned i;
};

static void evq_free(struct evq *q)
{
	for (unsigned i = 0; i < EVQ_STMTS; i++)
		for (unsigned j = 0; j < EVQ_COLS; j++)
			free(q->val[i][j]);
	free(q->data_param);
	free(q->media_type);
	free(q->name);
	free(q);
}

static const char *s_(const char *s)
{
	return s ? s : "";
}

/* ---------------------------------------------------------------- answers */

static void send_status(struct conn *c, uint64_t rid, const uint8_t *sha, uint64_t have,
			uint64_t size, bool complete, Safecampus__EvidenceReason why,
			const char *detail)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceStatus st = SAFECAMPUS__EVIDENCE_STATUS__INIT;

	st.sha256.data = (uint8_t *)sha;
	st.sha256.len = sha ? 32 : 0;
	st.have = have;
	st.size = size;
	st.complete = complete;
	st.reason = why;
	st.detail = (char *)s_(detail);
	st.max_chunk = (uint32_t)c->srv->cfg->evidence_max_chunk;
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_STATUS;
	env.evidence_status = &st;
	if (why)
		conn_info(c, "evidence refused reason=%d detail=\"%s\"", why, s_(detail));
	conn_send(c, &env);
}

static void send_data_refusal(struct conn *c, uint64_t rid, const uint8_t *sha,
			      Safecampus__EvidenceReason why, const char *detail)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceData d = SAFECAMPUS__EVIDENCE_DATA__INIT;

	d.sha256.data = (uint8_t *)sha;
	d.sha256.len = sha ? 32 : 0;
	d.reason = why;
	d.detail = (char *)s_(detail);
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_DATA;
	env.evidence_data = &d;
	conn_info(c, "evidence get refused reason=%d detail=\"%s\"", why, s_(detail));
	conn_send(c, &env);
}

/* ---------------------------------------------------------------- the database */

static void evq_start(struct evq *q);
static void evq_end(struct evq *q);

static int owe(struct evq *q, int rc)
{
	q->owed += rc == 0;
	return rc;
}

static void owed_done(struct evq *q)
{
	if (--q->owed == 0)
		evq_end(q);
}

static void on_stmt(void *arg, int status, PGresult *res)
{
	struct evstmt *x = arg;
	struct evq *q = x->q;
	unsigned i = x->i;

	free(x);
	if (status) {
		if (!q->failed)
			conn_error(q->c, "evidence query failed err=\"%s\" msg=\"%.200s\"",
				   db_strerror(status), res ? PQresultErrorMessage(res) : "");
		q->failed = status;
	} else if (res && PQntuples(res) > 0) {
		q->row[i] = true;
		for (int j = 0; j < PQnfields(res) && j < EVQ_COLS; j++) {
			if (PQgetisnull(res, 0, j))
				continue;
			q->vlen[i][j] = (size_t)PQgetlength(res, 0, j);
			q->val[i][j] = malloc(q->vlen[i][j] + 1);
			if (!q->val[i][j]) {
				q->failed = -ENOMEM;
				break;
			}
			memcpy(q->val[i][j], PQgetvalue(res, 0, j), q->vlen[i][j] + 1);
		}
	}
	owed_done(q);
}

static void on_sync(void *arg, int status, PGresult *res)
{
	struct evq *q = arg;

	(void)res;
	if (status && status != DB_EABORTED && !q->failed)
		q->failed = status;
	owed_done(q);
}

static int queue(struct evq *q, const char *sql, int n, const char *const *p)
{
	struct evstmt *x = malloc(sizeof *x);
	int rc;

	if (!x)
		return -ENOMEM;
	x->q = q;
	x->i = q->nstmts++;
	rc = owe(q, db_query(q->dc, sql, n, p, on_stmt, x));
	if (rc)
		free(x);
	return rc;
}

/* Is the hash named by a signature of this school, what does it say, and
 * what has arrived of it; how much evidence does the school keep besides. */
static const char *const sql_offer =
	"SELECT (SELECT files FROM signoff WHERE school = $1 AND evidence @> "
	"ARRAY[decode($2, 'hex')] LIMIT 1), f.size, f.received, f.complete, "
	"(SELECT coalesce(sum(size), 0) FROM evidence_file WHERE school = $1 AND "
	"sha256 <> decode($2, 'hex')) "
	"FROM (SELECT 1) AS one LEFT JOIN evidence_file f ON f.school = $1 AND "
	"f.sha256 = decode($2, 'hex')";

static const char *const sql_offer_insert =
	"INSERT INTO evidence_file (school, sha256, size, media_type, name, first_campus) "
	"VALUES ($1, decode($2, 'hex'), $3::bigint, $4, $5, $6) ON CONFLICT DO NOTHING";

/* The chunk is stored only where the copy ends, inside the signed size, and,
 * if it says it is the last, where the file ends. */
static const char *const sql_chunk =
	"WITH f AS (SELECT size, received, complete FROM evidence_file WHERE school = $1 AND "
	"sha256 = decode($2, 'hex') FOR UPDATE), "
	"ins AS (INSERT INTO evidence_chunk (school, sha256, off, data) SELECT $1, "
	"decode($2, 'hex'), $3::bigint, $4::bytea FROM f WHERE NOT f.complete AND "
	"f.received = $3::bigint AND $3::bigint + $5::bigint <= f.size AND "
	"(NOT $6::boolean OR $3::bigint + $5::bigint = f.size) RETURNING 1), "
	"up AS (UPDATE evidence_file e SET received = e.received + $5::bigint FROM ins "
	"WHERE e.school = $1 AND e.sha256 = decode($2, 'hex') RETURNING e.received) "
	"SELECT f.size, f.received, f.complete, (SELECT received FROM up) FROM f";

/* Every byte is here: the file is complete if its bytes hash to its name. */
static const char *const sql_finish =
	"UPDATE evidence_file e SET complete = true, completed_at = now() WHERE e.school = $1 "
	"AND e.sha256 = decode($2, 'hex') AND NOT e.complete AND e.received = e.size AND "
	"(SELECT sha256(coalesce(string_agg(c.data, ''::bytea ORDER BY c.off), ''::bytea)) "
	"FROM evidence_chunk c WHERE c.school = $1 AND c.sha256 = decode($2, 'hex')) = "
	"decode($2, 'hex') RETURNING e.complete";

/* ... and if they did not, they are dropped and the file starts again at 0. */
static const char *const sql_reset =
	"WITH d AS (DELETE FROM evidence_chunk c WHERE c.school = $1 AND c.sha256 = "
	"decode($2, 'hex') AND EXISTS (SELECT 1 FROM evidence_file e WHERE e.school = $1 AND "
	"e.sha256 = decode($2, 'hex') AND NOT e.complete AND e.received = e.size) RETURNING 1) "
	"UPDATE evidence_file e SET received = 0 WHERE e.school = $1 AND e.sha256 = "
	"decode($2, 'hex') AND NOT e.complete AND e.received = e.size RETURNING (SELECT count(*) "
	"FROM d)";

/* A school reads its own files; the bureau any school's ($2 ""). */
static const char *const sql_get =
	"WITH f AS (SELECT school, size, media_type, name FROM evidence_file WHERE sha256 = "
	"decode($1, 'hex') AND complete AND ($2 = '' OR school = $2) ORDER BY school LIMIT 1) "
	"SELECT f.school, f.size, f.media_type, f.name, (SELECT substring(c.data FROM "
	"($3::bigint - c.off + 1)::int) FROM evidence_chunk c WHERE c.school = f.school AND "
	"c.sha256 = decode($1, 'hex') AND c.off <= $3::bigint ORDER BY c.off DESC LIMIT 1) FROM f";

static const char *const sql_get_elsewhere =
	"SELECT 1 FROM evidence_file WHERE sha256 = decode($1, 'hex') AND complete LIMIT 1";

static void on_conn(void *arg, int status, struct db_conn *dc)
{
	struct evq *q = arg;
	int rc = 0;

	if (status) {
		q->failed = status;
		q->owed = 1;
		owed_done(q);
		return;
	}
	q->dc = dc;
	q->nstmts = 0;
	switch (q->op) {
	case EV_OFFER: {
		const char *p[2] = { q->school, q->hex };
		rc = queue(q, sql_offer, 2, p);
		break;
	}
	case EV_OFFER_INSERT: {
		const char *p[6] = { q->school,         q->hex,      q->num_s,
				     s_(q->media_type), s_(q->name), q->campus };
		rc = queue(q, sql_offer_insert, 6, p);
		break;
	}
	case EV_CHUNK: {
		const char *p[6] = {
			q->school, q->hex, q->off_s, q->data_param, q->len_s, q->last_s
		};
		rc = queue(q, sql_chunk, 6, p);
		if (!rc)
			rc = queue(q, sql_finish, 2, p);
		if (!rc)
			rc = queue(q, sql_reset, 2, p);
		break;
	}
	case EV_GET: {
		const char *p[3] = { q->hex, q->school, q->off_s };
		rc = queue(q, sql_get, 3, p);
		if (!rc)
			rc = queue(q, sql_get_elsewhere, 1, p);
		break;
	}
	}
	if (!rc)
		rc = owe(q, db_sync(dc, on_sync, q));
	if (rc) {
		q->failed = rc;
		q->queue_failed = 1;
		if (q->owed == 0) {
			q->owed = 1;
			owed_done(q);
		}
	}
}

static void evq_abort(void *arg)
{
	struct evq *q = arg;

	if (!q->failed)
		q->failed = -ETIMEDOUT;
	if (q->dc && !q->queue_failed)
		db_abort(q->dc, "request timed out");
}

static void evq_start(struct evq *q)
{
	int rc;

	for (unsigned i = 0; i < EVQ_STMTS; i++) {
		q->row[i] = false;
		for (unsigned j = 0; j < EVQ_COLS; j++) {
			free(q->val[i][j]);
			q->val[i][j] = NULL;
		}
	}
	q->dc = NULL;
	q->owed = 0;
	rc = db_acquire(q->c->srv->db, on_conn, q);
	if (rc) {
		q->failed = rc;
		q->owed = 1;
		owed_done(q);
	}
}

/* ---------------------------------------------------------------- results */

static uint64_t num(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

/* OFFER: the signature's description of this file, or why not. */
static Safecampus__EvidenceReason offer_check(struct evq *q, char *why, size_t n)
{
	const struct config *cfg = q->c->srv->cfg;
	Safecampus__Signature s = SAFECAMPUS__SIGNATURE__INIT;
	Safecampus__EvidenceReason r = SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_NOT_NAMED;
	uint8_t sha[32];

	if (!q->row[0] || !q->val[0][0]) {
		snprintf(why, n, "no signed record of school %s names the file %.16s...", q->school,
			 q->hex);
		return r;
	}
	/* a description that does not parse names nothing: what parsed is looked at */
	if (sig_unhex(q->hex, sha, 32) != 0 ||
	    signoff_files_parse(q->val[0][0], q->vlen[0][0], &s) != 0)
		log_warn("evidence: unreadable file description in signoff school=%s", q->school);
	for (size_t i = 0; i < s.n_files; i++) {
		Safecampus__EvidenceFile *f = s.files[i];
		if (f->sha256.len == 32 && memcmp(f->sha256.data, sha, 32) == 0 && !q->media_type) {
			q->size = f->size;
			q->media_type = strdup(s_(f->media_type));
			q->name = strdup(s_(f->name));
			r = SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK;
		}
	}
	for (size_t i = 0; i < s.n_files; i++)
		protobuf_c_message_free_unpacked(&s.files[i]->base, NULL);
	free(s.files);
	if (r) {
		snprintf(why, n, "the signature that names %.16s... does not describe it", q->hex);
		return r;
	}
	if (!q->media_type || !q->name) {
		snprintf(why, n, "out of memory");
		return SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_TOO_LARGE;
	}
	if (q->size > (uint64_t)cfg->evidence_max_file) {
		snprintf(why, n,
			 "the file is %" PRIu64 " bytes; this server takes at most %ld per file",
			 q->size, cfg->evidence_max_file);
		return SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_TOO_LARGE;
	}
	if (!q->row[0] || !q->val[0][1]) { /* new here: within the school's limit? */
		uint64_t kept = num(q->val[0][4]);
		if (kept + q->size > (uint64_t)cfg->evidence_max_school) {
			snprintf(why, n,
				 "school %s keeps %" PRIu64 " bytes of evidence; this file "
				 "would pass its limit of %ld",
				 q->school, kept, cfg->evidence_max_school);
			return SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OVER_QUOTA;
		}
	}
	return SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK;
}

static bool is_true(const char *s)
{
	return s && s[0] == 't';
}

static void chunk_result(struct evq *q, uint8_t sha[32])
{
	char why[256];
	uint64_t size, received;

	if (!q->row[0]) {
		snprintf(why, sizeof why,
			 "offer the file first: the server has no upload of "
			 "%.16s... for school %s",
			 q->hex, q->school);
		send_status(q->c, q->rid, sha, 0, 0, false,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_NOT_NAMED, why);
		return;
	}
	size = num(q->val[0][0]);
	received = num(q->val[0][1]);
	if (is_true(q->val[0][2])) {
		send_status(q->c, q->rid, sha, size, size, true,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK, "already complete");
		return;
	}
	if (!q->val[0][3]) {
		if (q->off != received) {
			snprintf(why, sizeof why,
				 "chunk at offset %" PRIu64 ", but the server holds "
				 "%" PRIu64 " bytes: continue from there",
				 q->off, received);
			send_status(q->c, q->rid, sha, received, size, false,
				    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_BAD_OFFSET, why);
		} else if (q->off + q->len > size) {
			snprintf(why, sizeof why,
				 "chunk ends at %" PRIu64 ", beyond the file's signed "
				 "size of %" PRIu64 " bytes",
				 q->off + q->len, size);
			send_status(q->c, q->rid, sha, received, size, false,
				    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_BEYOND_SIZE, why);
		} else {
			snprintf(why, sizeof why,
				 "the last chunk ends at %" PRIu64 ", before the "
				 "file's end at %" PRIu64 " bytes",
				 q->off + q->len, size);
			send_status(q->c, q->rid, sha, received, size, false,
				    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_TRUNCATED, why);
		}
		return;
	}
	received = num(q->val[0][3]);
	if (q->row[2]) {
		send_status(
			q->c, q->rid, sha, 0, size, false,
			SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_HASH_MISMATCH,
			"every byte arrived but they do not hash to the file's name; send it again "
			"from 0");
		return;
	}
	if (q->row[1])
		conn_info(q->c, "evidence complete sha256=%s size=%" PRIu64, q->hex, size);
	send_status(q->c, q->rid, sha, received, size, q->row[1],
		    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK, "");
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* bytea's text form "\x0a1b..." into bytes (malloc'ed into *out). */
static int bytea_decode(const char *s, size_t len, uint8_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (len < 2 || s[0] != '\\' || s[1] != 'x' || (len - 2) % 2)
		return SC_EINVALID;
	*out = malloc((len - 2) / 2 + 1);
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < (len - 2) / 2; i++) {
		int hi = nibble(s[2 + 2 * i]), lo = nibble(s[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return SC_EINVALID;
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = (len - 2) / 2;
	return 0;
}

static void get_result(struct evq *q, uint8_t sha[32])
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceData d = SAFECAMPUS__EVIDENCE_DATA__INIT;
	uint8_t *bytes = NULL;
	size_t n = 0;

	if (!q->row[0]) {
		if (q->row[1] && q->school[0])
			send_data_refusal(q->c, q->rid, sha,
					  SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_FORBIDDEN,
					  "that file is another school's evidence");
		else
			send_data_refusal(q->c, q->rid, sha,
					  SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_NOT_FOUND,
					  "the server has no complete copy of that file (not "
					  "uploaded yet?)");
		return;
	}
	d.size = num(q->val[0][1]);
	if (q->off < d.size && q->val[0][4] &&
	    bytea_decode(q->val[0][4], q->vlen[0][4], &bytes, &n) != 0) {
		free(bytes);
		conn_fail(q->c, q->rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL,
			  "bad stored evidence");
		return;
	}
	if (n > (size_t)q->c->srv->cfg->evidence_max_chunk)
		n = (size_t)q->c->srv->cfg->evidence_max_chunk;
	d.sha256.data = sha;
	d.sha256.len = 32;
	d.offset = q->off;
	d.data.data = bytes;
	d.data.len = n;
	d.media_type = q->val[0][2] ? q->val[0][2] : "";
	d.name = q->val[0][3] ? q->val[0][3] : "";
	env.request_id = q->rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_DATA;
	env.evidence_data = &d;
	conn_send(q->c, &env);
	free(bytes);
}

static void evq_end(struct evq *q)
{
	struct conn *c = q->c;
	uint8_t sha[32];
	char why[256];

	if (q->dc)
		db_release(q->dc);
	q->dc = NULL;
	if (sig_unhex(q->hex, sha, 32) != 0 && !q->failed)
		q->failed = SC_EINVALID; /* made by sig_hex: cannot happen */
	if (q->failed) {
		conn_fail(c, q->rid,
			  q->failed == -ECANCELED || q->failed == -ETIMEDOUT
				  ? SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE
				  : SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL,
			  "evidence request failed; nothing of it was applied, try again later");
		goto out;
	}
	switch (q->op) {
	case EV_OFFER: {
		Safecampus__EvidenceReason r = offer_check(q, why, sizeof why);
		if (r) {
			send_status(c, q->rid, sha, 0, 0, false, r, why);
			break;
		}
		if (q->val[0][1]) { /* known already: say how much is here */
			send_status(c, q->rid, sha, num(q->val[0][2]), num(q->val[0][1]),
				    is_true(q->val[0][3]), SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK,
				    "");
			break;
		}
		snprintf(q->num_s, sizeof q->num_s, "%" PRIu64, q->size);
		q->op = EV_OFFER_INSERT;
		evq_start(q); /* still the same request: c stays busy */
		return;
	}
	case EV_OFFER_INSERT:
		send_status(c, q->rid, sha, 0, q->size, false,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK, "");
		break;
	case EV_CHUNK:
		chunk_result(q, sha);
		break;
	case EV_GET:
		get_result(q, sha);
		break;
	}
out:
	evq_free(q);
	conn_request_done(c);
}

/* ---------------------------------------------------------------- requests */

static struct evq *evq_new(struct conn *c, uint64_t rid, enum ev_op op,
			   const ProtobufCBinaryData *sha)
{
	struct evq *q;

	if (sha->len != 32) {
		send_status(c, rid, NULL, 0, 0, false,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_BAD_REQUEST,
			    "sha256 must be 32 bytes");
		return NULL;
	}
	q = calloc(1, sizeof *q);
	if (!q) {
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return NULL;
	}
	q->c = c;
	q->rid = rid;
	q->op = op;
	snprintf(q->school, sizeof q->school, "%s", c->id.school);
	snprintf(q->campus, sizeof q->campus, "%s", c->id.campus);
	sig_hex(sha->data, 32, q->hex);
	return q;
}

void evidence_offer(struct conn *c, uint64_t rid, const Safecampus__EvidenceOffer *m)
{
	struct evq *q = evq_new(c, rid, EV_OFFER, &m->sha256);

	if (!q)
		return;
	conn_request_begin(c, evq_abort, q);
	evq_start(q);
}

void evidence_chunk(struct conn *c, uint64_t rid, const Safecampus__EvidenceChunk *m)
{
	long max = c->srv->cfg->evidence_max_chunk;
	char why[160];
	struct evq *q;

	/* what needs no database is refused at once, and only this chunk */
	if (m->sha256.len == 32 && m->data.len > (size_t)max) {
		snprintf(why, sizeof why, "a chunk of %zu bytes; this server takes at most %ld",
			 m->data.len, max);
		send_status(c, rid, m->sha256.data, 0, 0, false,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_CHUNK_TOO_LARGE, why);
		return;
	}
	if (m->sha256.len == 32 && (m->data.len != m->length || m->data.len == 0)) {
		snprintf(why, sizeof why, "the chunk says %u bytes and carries %zu", m->length,
			 m->data.len);
		send_status(c, rid, m->sha256.data, 0, 0, false,
			    SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_TRUNCATED, why);
		return;
	}
	q = evq_new(c, rid, EV_CHUNK, &m->sha256);
	if (!q)
		return;
	q->off = m->offset;
	q->len = (uint32_t)m->data.len;
	q->last = m->last;
	snprintf(q->off_s, sizeof q->off_s, "%" PRIu64, q->off > INT64_MAX ? INT64_MAX : q->off);
	snprintf(q->len_s, sizeof q->len_s, "%u", q->len);
	snprintf(q->last_s, sizeof q->last_s, "%s", q->last ? "true" : "false");
	q->data_param = malloc(2 * m->data.len + 3);
	if (!q->data_param) {
		evq_free(q);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	memcpy(q->data_param, "\\x", 2);
	sig_hex(m->data.data, m->data.len, q->data_param + 2);
	conn_request_begin(c, evq_abort, q);
	evq_start(q);
}

void evidence_get(struct conn *c, uint64_t rid, const Safecampus__EvidenceGet *m)
{
	struct evq *q;

	if (m->sha256.len != 32) {
		send_data_refusal(c, rid, NULL, SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_BAD_REQUEST,
				  "sha256 must be 32 bytes");
		return;
	}
	q = evq_new(c, rid, EV_GET, &m->sha256);
	if (!q)
		return;
	q->off = m->offset;
	snprintf(q->off_s, sizeof q->off_s, "%" PRIu64, q->off > INT64_MAX ? INT64_MAX : q->off);
	conn_request_begin(c, evq_abort, q);
	evq_start(q);
}
