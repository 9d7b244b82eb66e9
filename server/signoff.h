/* Signatures of sign-offs as PostgreSQL stores them (table signoff, 015):
 * the text form a pull or `--verify` reads back with a row, and the insert of
 * the signatures a push accepted. */
#ifndef SC_SIGNOFF_H
#define SC_SIGNOFF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "safecampus.pb-c.h"

/* A select-list item (three times the kind table's name) giving the signature
 * of that row's version as one text, or NULL: signer, signer_school,
 * signed_ms, hex prev_hash, hex evidence hashes joined by ',', hex sig, the
 * evidence files (016: "hex,size,hex media type,hex name" joined by ';'),
 * separated by the unit separator (0x1f), which no login, school or hex holds. */
#define SIGNOFF_COLUMN_FMT                                                                        \
	"(SELECT s.signer || chr(31) || s.signer_school || chr(31) || s.signed_ms || chr(31) || " \
	"encode(s.prev_hash, 'hex') || chr(31) || array_to_string(ARRAY(SELECT encode(e, 'hex') " \
	"FROM unnest(s.evidence) e), ',') || chr(31) || encode(s.sig, 'hex') || chr(31) || "      \
	"s.files FROM signoff s "                                                                 \
	"WHERE s.school = %s.school AND s.id = %s.id AND s.hlc = %s.hlc)"

/** Parses that text into a new Signature (*out freed with
 * safecampus__signature__free_unpacked). SC_EINVALID if it does not parse. */
SC_WUR int signoff_parse(const char *text, Safecampus__Signature **out);

/** The statement that stores accepted signatures: parameters are 16 arrays
 * (one element per signature) built by signoff_batch_*. */
extern const char *const signoff_insert_sql;
#define SIGNOFF_NPARAMS 16

/* The district's signoff log (028, docs/internals/people.md): row n's
 * log_hash = SHA-256(row n-1's log_hash, or SIGNOFF_LOG_ZERO, || its hash). */
#define SIGNOFF_LOG_HASH_LEN 32
/** The log's head: "log_seq, hex log_hash" of its last row, none if empty. */
extern const char *const signoff_log_head_sql;
/** out = SHA-256(prev || hash); prev NULL: the 32 zero bytes before row 1. */
SC_WUR int signoff_log_next(const uint8_t *prev, const uint8_t hash[32], uint8_t out[32]);

/** The text form of s's evidence files (signoff.files) into out; 0 or
 * SC_ETOOBIG. */
SC_WUR int signoff_files_text(const Safecampus__Signature *s, struct buf *out);
/** Parses that text (len bytes) into s->files. 0, SC_EINVALID or -ENOMEM. */
SC_WUR int signoff_files_parse(const char *text, size_t len, Safecampus__Signature *s);

struct signoff_batch {
	struct buf col[SIGNOFF_NPARAMS];
	const char *param[SIGNOFF_NPARAMS];
	size_t n;
};

void signoff_batch_init(struct signoff_batch *b);
/** Adds the signature of r (kind name, chain id, position, event hash, its
 * place in the district's log and the log's hash up to it). */
SC_WUR int signoff_batch_add(struct signoff_batch *b, const Safecampus__Record *r, const char *kind,
			     const char *chain_id, int pos, const uint8_t hash[32],
			     uint64_t log_seq, const uint8_t log_hash[32]);
/** The parameters (valid until the batch is freed); NULL on failure. */
const char *const *signoff_batch_params(struct signoff_batch *b);
void signoff_batch_free(struct signoff_batch *b);

#endif
