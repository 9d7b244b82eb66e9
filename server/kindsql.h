/* SQL for every record kind, built from the protobuf descriptors and the
 * live table definitions at start-up.
 *
 * For kind K the table is K; the common columns (id, school, campus, hlc,
 * deleted, seq, written_by) come first, then one column per payload field with
 * the field's name. At start-up kindsql_init reads the column types from the
 * catalog and refuses to start if a field has no column, so a .proto change
 * without its migration fails loudly, not at the first push.
 *
 * Values cross as text arrays: a batch of n records becomes one statement with
 * one text[] per column, unnested and cast in SQL to the column type, so a
 * batch is one round trip whatever its size. */
#ifndef SC_KINDSQL_H
#define SC_KINDSQL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "kinds.h"

struct kindsql {
	const struct kind *kind;
	char *select_existing; /* $1 school, $2 uuid[] -> id, hlc, seq, parent_id|'',
				* written_by, school = $1, digest hex|'' (any school) */
	char *upsert;          /* $1 school, $2 written_by, $3.. arrays -> id, seq */
	char *pull_school;     /* $1 school, $2 cursor, $3 limit -> common cols + fields */
	char *pull_all;        /* $1 cursor, $2 limit (bureau) */
	int nparams_upsert;
	int parent_col; /* index of the parent field in the payload, -1 if none */
};

/** Reads the catalog over a blocking connection (start-up only) and builds
 * the statements for every kind. SC_EDB / SC_ECONFIG with a reason in err. */
SC_WUR int kindsql_init(PGconn *pg, char *err, size_t errlen);
void kindsql_free(void);
/** Statements of kind k (never NULL after a successful init). */
const struct kindsql *kindsql_of(const struct kind *k);

/* Text arrays for one upsert. Build with kindsql_batch_add for each accepted
 * record, then pass kindsql_batch_params() as the parameter values. */
struct kindsql_batch {
	const struct kindsql *ks;
	size_t n;
	struct buf *cols; /* one PostgreSQL array literal per parameter */
	char **values;    /* NUL-terminated views into cols, for libpq */
};
SC_WUR int kindsql_batch_init(struct kindsql_batch *b, const struct kindsql *ks, const char *school,
			      const char *written_by);
SC_WUR int kindsql_batch_add(struct kindsql_batch *b, const Safecampus__Record *r);
/** The same with r's digest already made (kindsql_digest's hex), e.g. by
 * push.c's checks: the digest packs and hashes the whole payload. */
SC_WUR int kindsql_batch_add_digested(struct kindsql_batch *b, const Safecampus__Record *r,
				      const char *digest);
/** Finishes the literals; returns the nparams_upsert values (owned by b). */
const char *const *kindsql_batch_params(struct kindsql_batch *b);
void kindsql_batch_free(struct kindsql_batch *b);

/** Builds a Record from one row of a pull result (column layout of
 * pull_school/pull_all). *out owned by caller: kind_record_free. */
SC_WUR int kindsql_row_to_record(const struct kindsql *ks, const PGresult *res, int row,
				 Safecampus__Record **out);

#define KINDSQL_DIGEST_HEX 32
/** The digest of r's content (payload and deleted flag) that the upsert
 * stores, as lower-case hex: tells a re-send of a version from different
 * content under the same (hlc, writer). -ENOMEM, -EINVAL without payload. */
SC_WUR int kindsql_digest(const Safecampus__Record *r, char hex[KINDSQL_DIGEST_HEX + 1]);

/** Appends s to b as one quoted element of a PostgreSQL array literal. */
SC_WUR int kindsql_array_elem(struct buf *b, const char *s);

#endif
