#include "kindsql.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "signoff.h"

/* Common columns the pull statements return before the payload fields. */
enum {
	COL_ID,
	COL_SCHOOL,
	COL_CAMPUS,
	COL_HLC,
	COL_DELETED,
	COL_SEQ,
	COL_WRITTEN_BY,
	COL_FIRST_FIELD
};
/* Upsert parameters before the payload arrays: $1 school, $2 written_by, then
 * the arrays id, campus, hlc, deleted, digest. */
enum { P_SCHOOL, P_WRITTEN_BY, P_ID, P_CAMPUS, P_HLC, P_DELETED, P_DIGEST, P_FIRST_FIELD };

#define KINDSQL_MAX_BATCH_BYTES (256u << 20)

static struct kindsql *all;
static size_t nall;

static int is_numeric(const char *type)
{
	return !strcmp(type, "bigint") || !strcmp(type, "integer") || !strcmp(type, "smallint") ||
	       !strcmp(type, "double precision") || !strcmp(type, "real") ||
	       !strcmp(type, "numeric");
}

/* Appends printf output to a growing heap string; returns -ENOMEM on failure. */
static int sql_cat(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sql_cat(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	uint8_t *dst;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	dst = buf_reserve(b, (size_t)n + 1);
	if (!dst)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_commit(b, (size_t)n); /* the NUL stays outside: later text overwrites it */
	return 0;
}

static char *buf_to_str(struct buf *b)
{
	char *s;

	if (buf_append(b, "", 1))
		return NULL;
	s = strdup((const char *)buf_head(b));
	buf_free(b);
	return s;
}

/* Column types of table `name`, in payload field order; SC_ECONFIG if a field
 * has no column. types[i] is malloc'd. */
static int load_types(PGconn *pg, const struct kind *k, char **types, char *err, size_t errlen)
{
	const char *params[1] = { k->name };
	PGresult *res = PQexecParams(
		pg,
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		"JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = "
		"c.relnamespace "
		"WHERE c.relname = $1 AND n.nspname = current_schema() AND a.attnum > 0 "
		"AND NOT a.attisdropped",
		1, NULL, params, NULL, NULL, 0);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "reading columns of %s: %s", k->name, PQerrorMessage(pg));
		rc = SC_EDB;
		goto out;
	}
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		types[i] = NULL;
		for (int r = 0; r < PQntuples(res); r++) {
			if (strcmp(PQgetvalue(res, r, 0), f->name) == 0) {
				types[i] = strdup(PQgetvalue(res, r, 1));
				if (!types[i]) {
					rc = -ENOMEM;
					goto out;
				}
			}
		}
		if (!types[i]) {
			snprintf(err, errlen,
				 "table %s has no column for field %s.%s: a migration is missing",
				 k->name, k->desc->name, f->name);
			rc = SC_ECONFIG;
			goto out;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			snprintf(err, errlen,
				 "field %s.%s is repeated: payload fields must be scalar",
				 k->desc->name, f->name);
			rc = SC_ECONFIG;
			goto out;
		}
	}
out:
	PQclear(res);
	return rc;
}

static int build(struct kindsql *ks, const struct kind *k, char **types)
{
	struct buf up, sel, ps, pa, cols;
	unsigned nf = k->desc->n_fields;
	int rc = 0;

	buf_init(&up, 1u << 20);
	buf_init(&sel, 1u << 20);
	buf_init(&ps, 1u << 20);
	buf_init(&pa, 1u << 20);
	buf_init(&cols, 1u << 20);

	/* the select list of the pull statements: fields as text */
	rc = sql_cat(&cols, "id::text, school, campus, hlc, deleted, seq, written_by");
	for (unsigned i = 0; i < nf && !rc; i++) {
		const char *fn = k->desc->fields[i].name;
		rc = !strcmp(types[i], "text") ? sql_cat(&cols, ", %s", fn)
					       : sql_cat(&cols, ", coalesce(%s::text, '')", fn);
	}
	/* last: the row's signature, if it is a signed version (signoff.h) */
	if (!rc)
		rc = sql_cat(&cols, ", " SIGNOFF_COLUMN_FMT, k->name, k->name, k->name);
	if (rc)
		goto out;
	if ((rc = buf_append(&cols, "", 1)))
		goto out;
	if (k->bureau_only) {
		/* the bureau's rows (school '') reach every school they address:
		 * all schools, or those named in a `targets` field */
		int has_targets = kind_field(k, "targets") != NULL;
		rc = sql_cat(
			&ps,
			"SELECT %s FROM %s WHERE school = '' AND seq > $2 AND %s ORDER BY seq "
			"LIMIT $3",
			(char *)buf_head(&cols), k->name,
			has_targets
				? "(targets = '' OR $1::text = ANY(string_to_array(targets, ';')))"
				: "$1::text IS NOT NULL");
	} else {
		/* a kind whose bureau rows every school needs too (kind_ops.h) */
		bool shared = k->ops && k->ops->bureau_rows_reach_schools;
		rc = sql_cat(&ps, "SELECT %s FROM %s WHERE %s AND seq > $2 ORDER BY seq LIMIT $3",
			     (char *)buf_head(&cols), k->name,
			     shared ? "(school = $1 OR school = '')" : "school = $1");
	}
	if (!rc)
		rc = sql_cat(&pa, "SELECT %s FROM %s WHERE seq > $1 ORDER BY seq LIMIT $2",
			     (char *)buf_head(&cols), k->name);
	if (rc)
		goto out;

	ks->parent_col = -1;
	if (k->parent_field) {
		for (unsigned i = 0; i < nf; i++)
			if (!strcmp(k->desc->fields[i].name, k->parent_field))
				ks->parent_col = (int)i;
	}
	/* by id alone, across schools, so that push.c sees an id another
	 * school holds (ids are unique per kind in the district,
	 * 007_record_ids.sql). `id = ANY` on the id index alone plans as one
	 * (bitmap) index scan of the ids; the join on unnest it replaces was
	 * planned as a hash join over a sequential scan of the whole table
	 * once the table had some 1000s of rows (PostgreSQL prices the 1000
	 * probes as random reads), and `school = $1 AND id = ANY` as a scan
	 * of the school's rows. push.c plans it with enable_seqscan off, so a
	 * plan made while the table was small is not a scan of it. */
	rc = sql_cat(&sel,
		     "SELECT t.id::text, t.hlc, t.seq, %s%s%s, t.written_by, t.school = $1 "
		     ", coalesce(encode(t.digest, 'hex'), '') "
		     "FROM %s t WHERE t.id = ANY($2::uuid[])",
		     ks->parent_col >= 0 ? "coalesce(t." : "",
		     ks->parent_col >= 0 ? k->parent_field : "''",
		     ks->parent_col >= 0 ? "::text, '')" : "", k->name);
	if (rc)
		goto out;

	/* INSERT ... SELECT FROM unnest(arrays) ON CONFLICT: one statement per batch */
	rc = sql_cat(
		&up,
		"INSERT INTO %s AS t (id, school, campus, hlc, deleted, seq, written_by, digest",
		k->name);
	for (unsigned i = 0; i < nf && !rc; i++)
		rc = sql_cat(&up, ", %s", k->desc->fields[i].name);
	if (!rc)
		rc = sql_cat(&up, ") SELECT u.id::uuid, $1, u.campus, u.hlc, u.deleted, "
				  "nextval('sync_seq'), $2, "
				  "decode(u.digest, 'hex')");
	for (unsigned i = 0; i < nf && !rc; i++) {
		const char *ty = types[i];
		if (!strcmp(ty, "text"))
			rc = sql_cat(&up, ", u.c%u", i);
		else if (is_numeric(ty))
			rc = sql_cat(&up, ", coalesce(NULLIF(u.c%u, '')::%s, 0)", i, ty);
		else if (!strcmp(ty, "boolean"))
			rc = sql_cat(&up, ", coalesce(NULLIF(u.c%u, '')::boolean, false)", i);
		else
			rc = sql_cat(&up, ", NULLIF(u.c%u, '')::%s", i, ty);
	}
	if (!rc)
		rc = sql_cat(&up, " FROM unnest($3::text[], $4::text[], $5::bigint[], "
				  "$6::boolean[], $7::text[]");
	for (unsigned i = 0; i < nf && !rc; i++)
		rc = sql_cat(&up, ", $%u::text[]", P_FIRST_FIELD + 1 + i);
	if (!rc)
		rc = sql_cat(&up, ") AS u(id, campus, hlc, deleted, digest");
	for (unsigned i = 0; i < nf && !rc; i++)
		rc = sql_cat(&up, ", c%u", i);
	if (!rc && k->immutable) {
		rc = sql_cat(&up, ") ON CONFLICT (school, id) DO NOTHING");
	} else if (!rc) {
		/* the newest version wins, in the order of hlc_version_cmp: by
		 * stamp, then by writing campus in byte order; campus stays the
		 * creating campus */
		rc = sql_cat(&up, ") ON CONFLICT (school, id) DO UPDATE SET hlc = excluded.hlc, "
				  "deleted = excluded.deleted, seq = excluded.seq, written_by = "
				  "excluded.written_by, "
				  "digest = excluded.digest, "
				  "received_at = now()");
		for (unsigned i = 0; i < nf && !rc; i++)
			rc = sql_cat(&up, ", %s = excluded.%s", k->desc->fields[i].name,
				     k->desc->fields[i].name);
		if (!rc)
			rc = sql_cat(
				&up,
				" WHERE t.hlc < excluded.hlc OR (t.hlc = excluded.hlc AND "
				"t.written_by COLLATE \"C\" < excluded.written_by COLLATE \"C\")");
	}
	if (!rc)
		rc = sql_cat(&up, " RETURNING id::text, seq");
	if (rc)
		goto out;

	ks->kind = k;
	ks->nparams_upsert = P_FIRST_FIELD + (int)nf;
	ks->upsert = buf_to_str(&up);
	ks->select_existing = buf_to_str(&sel);
	ks->pull_school = buf_to_str(&ps);
	ks->pull_all = buf_to_str(&pa);
	if (!ks->upsert || !ks->select_existing || !ks->pull_school || !ks->pull_all)
		rc = -ENOMEM;
out:
	buf_free(&up);
	buf_free(&sel);
	buf_free(&ps);
	buf_free(&pa);
	buf_free(&cols);
	return rc;
}

int kindsql_init(PGconn *pg, char *err, size_t errlen)
{
	int rc = 0;

	kindsql_free();
	nall = kind_count();
	all = calloc(nall, sizeof *all);
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < nall && !rc; i++) {
		const struct kind *k = kind_at(i);
		char **types = calloc(k->desc->n_fields + 1, sizeof *types);
		if (!types)
			return -ENOMEM;
		rc = load_types(pg, k, types, err, errlen);
		if (!rc) {
			rc = build(&all[i], k, types);
			if (rc)
				snprintf(err, errlen, "building SQL for %s: %s", k->name,
					 sc_strerror(rc));
		}
		for (unsigned j = 0; j < k->desc->n_fields; j++)
			free(types[j]);
		free(types);
	}
	if (rc)
		kindsql_free();
	return rc;
}

void kindsql_free(void)
{
	for (size_t i = 0; i < nall && all; i++) {
		free(all[i].select_existing);
		free(all[i].upsert);
		free(all[i].pull_school);
		free(all[i].pull_all);
	}
	free(all);
	all = NULL;
	nall = 0;
}

const struct kindsql *kindsql_of(const struct kind *k)
{
	for (size_t i = 0; i < nall; i++)
		if (all[i].kind == k)
			return &all[i];
	return NULL;
}

int kindsql_array_elem(struct buf *b, const char *s)
{
	/* the literal has '{' at the start; a ',' goes before every later element */
	int rc = buf_append(b, buf_used(b) > 1 ? ",\"" : "\"", buf_used(b) > 1 ? 2 : 1);

	/* copy runs between the characters that need a backslash, not bytes */
	while (!rc && *s) {
		size_t run = strcspn(s, "\"\\");
		rc = buf_append(b, s, run);
		s += run;
		if (!rc && *s) {
			const char esc[2] = { '\\', *s++ };
			rc = buf_append(b, esc, 2);
		}
	}
	return rc ? rc : buf_append(b, "\"", 1);
}

int kindsql_digest(const Safecampus__Record *r, char hex[KINDSQL_DIGEST_HEX + 1])
{
	const ProtobufCMessage *m = kind_payload(r);
	uint8_t stack[1024], *packed = stack, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const uint8_t del = r->deleted ? 1 : 0;
	size_t n;
	int rc = 0;

	if (!m)
		return -EINVAL;
	/* protobuf-c packs fields in descriptor order: the same content always
	 * gives the same bytes, however the client encoded it */
	n = protobuf_c_message_get_packed_size(m);
	if (n > sizeof stack && !(packed = malloc(n)))
		return -ENOMEM;
	protobuf_c_message_pack(m, packed);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, &del, 1) || !EVP_DigestUpdate(ctx, packed, n) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen < KINDSQL_DIGEST_HEX / 2)
		rc = -ENOMEM;
	EVP_MD_CTX_free(ctx);
	if (packed != stack)
		free(packed);
	for (unsigned i = 0; !rc && i < KINDSQL_DIGEST_HEX / 2; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return rc;
}

int kindsql_batch_init(struct kindsql_batch *b, const struct kindsql *ks, const char *school,
		       const char *written_by)
{
	int n = ks->nparams_upsert, rc = 0;

	memset(b, 0, sizeof *b);
	b->ks = ks;
	b->cols = calloc((size_t)n, sizeof *b->cols);
	b->values = calloc((size_t)n, sizeof *b->values);
	if (!b->cols || !b->values) {
		kindsql_batch_free(b);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		buf_init(&b->cols[i], KINDSQL_MAX_BATCH_BYTES);
	rc = buf_append(&b->cols[P_SCHOOL], school, strlen(school));
	if (!rc)
		rc = buf_append(&b->cols[P_WRITTEN_BY], written_by, strlen(written_by));
	for (int i = P_ID; i < n && !rc; i++)
		rc = buf_append(&b->cols[i], "{", 1);
	if (rc)
		kindsql_batch_free(b);
	return rc;
}

int kindsql_batch_add(struct kindsql_batch *b, const Safecampus__Record *r)
{
	return kindsql_batch_add_digested(b, r, NULL);
}

int kindsql_batch_add_digested(struct kindsql_batch *b, const Safecampus__Record *r,
			       const char *digest)
{
	const ProtobufCMessageDescriptor *d = b->ks->kind->desc;
	const ProtobufCMessage *m = kind_payload(r);
	char num[32];
	int rc;

	if (!m)
		return -EINVAL;
	rc = kindsql_array_elem(&b->cols[P_ID], r->id);
	if (!rc)
		rc = kindsql_array_elem(&b->cols[P_CAMPUS], r->campus);
	snprintf(num, sizeof num, "%llu", (unsigned long long)r->hlc);
	if (!rc)
		rc = kindsql_array_elem(&b->cols[P_HLC], num);
	if (!rc)
		rc = kindsql_array_elem(&b->cols[P_DELETED], r->deleted ? "t" : "f");
	if (!rc) {
		char hex[KINDSQL_DIGEST_HEX + 1];
		rc = digest ? 0 : kindsql_digest(r, hex);
		if (!rc)
			rc = kindsql_array_elem(&b->cols[P_DIGEST], digest ? digest : hex);
	}
	for (unsigned i = 0; i < d->n_fields && !rc; i++) {
		char *text = kind_field_get(m, &d->fields[i]);
		if (!text)
			return -ENOMEM;
		rc = kindsql_array_elem(&b->cols[P_FIRST_FIELD + i], text);
		free(text);
	}
	if (!rc)
		b->n++;
	return rc;
}

const char *const *kindsql_batch_params(struct kindsql_batch *b)
{
	for (int i = 0; i < b->ks->nparams_upsert; i++) {
		if (i >= P_ID && buf_append(&b->cols[i], "}", 1))
			return NULL;
		if (buf_append(&b->cols[i], "", 1))
			return NULL;
		b->values[i] = (char *)buf_head(&b->cols[i]);
	}
	return (const char *const *)b->values;
}

void kindsql_batch_free(struct kindsql_batch *b)
{
	if (b->cols)
		for (int i = 0; i < b->ks->nparams_upsert; i++)
			buf_free(&b->cols[i]);
	free(b->cols);
	free(b->values);
	memset(b, 0, sizeof *b);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int kindsql_row_to_record(const struct kindsql *ks, const PGresult *res, int row,
			  Safecampus__Record **out)
{
	const struct kind *k = ks->kind;
	Safecampus__Record *r = malloc(sizeof *r);
	ProtobufCMessage *m = NULL;
	char err[256];
	int rc = 0;

	if (!r)
		return -ENOMEM;
	safecampus__record__init(r);
	r->id = strdup(PQgetvalue(res, row, COL_ID));
	r->school = strdup(PQgetvalue(res, row, COL_SCHOOL));
	r->campus = strdup(PQgetvalue(res, row, COL_CAMPUS));
	r->written_by = strdup(PQgetvalue(res, row, COL_WRITTEN_BY));
	r->deleted = PQgetvalue(res, row, COL_DELETED)[0] == 't';
	if (!r->id || !r->school || !r->campus || !r->written_by) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = parse_u64(PQgetvalue(res, row, COL_HLC), &r->hlc)) ||
	    (rc = parse_u64(PQgetvalue(res, row, COL_SEQ), &r->seq)))
		goto out;
	m = kind_payload_new(k);
	if (!m) {
		rc = -ENOMEM;
		goto out;
	}
	kind_record_set_payload(r, k, m);
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		rc = kind_field_set(m, &k->desc->fields[i],
				    PQgetvalue(res, row, COL_FIRST_FIELD + (int)i), err,
				    sizeof err);
		if (rc) {
			log_error("stored row does not decode kind=%s id=%s field=%s err=\"%s\"",
				  k->name, r->id, k->desc->fields[i].name, err);
			goto out;
		}
	}
	if (PQnfields(res) > COL_FIRST_FIELD + (int)k->desc->n_fields &&
	    !PQgetisnull(res, row, COL_FIRST_FIELD + (int)k->desc->n_fields)) {
		rc = signoff_parse(PQgetvalue(res, row, COL_FIRST_FIELD + (int)k->desc->n_fields),
				   &r->signature);
		if (rc) {
			log_error("stored signature does not decode kind=%s id=%s", k->name, r->id);
			goto out;
		}
	}
out:
	if (rc) {
		kind_record_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}
