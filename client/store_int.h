/* Internals of the client store, shared by store.c (schema, statements,
 * settings, blobs, lookups), store_records.c (local writes) and store_sync.c
 * (the outbox and what the server sends). Not part of store.h's contract. */
#ifndef SC_STORE_INT_H
#define SC_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "hlc.h"
#include "kinds.h"
#include "store.h"

enum { OB_PENDING = 0, OB_REJECTED = 1 };

enum q {
	Q_META_GET,
	Q_META_PUT,
	Q_META_ALL,
	Q_REC_GET,
	Q_REC_HEAD,
	Q_REC_PUT,
	Q_REC_SEQ,
	Q_REC_BASE,
	Q_REC_DEL,
	Q_REC_RESTORE,
	Q_REC_EACH,
	Q_REC_EACH_KIND,
	Q_REC_EACH_CHILD,
	Q_REC_EACH_PARENTED,
	Q_REC_COUNT,
	Q_REC_COUNT_KIND,
	Q_REC_PREFIX,
	Q_CHILD_OB_DEL,
	Q_CHILD_REC_DEL,
	Q_OB_GET,
	Q_OB_PUT,
	Q_OB_BATCH,
	Q_OB_ACK_DEL,
	Q_OB_REJECT,
	Q_OB_STATS,
	Q_OB_REJECTED,
	Q_OB_EACH,
	Q_OB_DEL,
	Q_OB_RETRY,
	Q_BLOB_PUT,
	Q_BLOB_GET,
	Q__COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *q[Q__COUNT]; /* prepared on first use, kept until close */
	char *path;
	int tx_depth; /* store__tx_begin nests: only the outermost begins and ends */
};

/* A statement in use: the cached one, or a private copy when the cached one
 * is already stepping (a callback of store_each that calls store_each). */
struct qh {
	sqlite3_stmt *s;
	bool owned;
};

/* The message store_last_error() returns; set by store__set_error. */
extern char store__last_error[512];

/* statements, errors and transactions (store.c) */
int store__bind_blob(struct qh *h, int i, const void *p, size_t n);
int store__bind_text(struct qh *h, int i, const char *s);
void store__clear_error(void);
const char *store__col_text(sqlite3_stmt *s, int i);
void store__fmt_utc(uint64_t ms, char *out, size_t n);
int store__hlc_load(struct store *st, struct hlc *c);
int store__hlc_save(struct store *st, const struct hlc *c);
int store__meta_get_int(struct store *st, const char *key, int64_t *v, bool *found);
int store__meta_put_int(struct store *st, const char *key, int64_t v);
/* Text value of key into out (n bytes; "" when absent), and its write. */
int store__meta_get_text(struct store *st, const char *key, char *out, size_t n);
int store__meta_put_text(struct store *st, const char *key, const char *v);
int64_t store__now_ms(void);
int store__own_campus(struct store *st, char out[64]);
int store__pack(const ProtobufCMessage *m, uint8_t **out, size_t *n);
const char *store__parent_of(const struct kind *k, const ProtobufCMessage *m);
int store__q_done(struct store *st, struct qh *h, const char *what);
int store__q_get(struct store *st, enum q id, struct qh *h);
void store__q_put(struct qh *h);
void store__set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int store__set_str(char **field, const char *v);
int store__sql_fail(struct store *st, int rc, const char *what);
bool store__str_empty(const char *s);
int store__tx_begin(struct store *st);
int store__tx_end(struct store *st, int rc);
/* record and outbox rows (store_records.c) */
int store__ob_head(struct store *st, const char *id, uint64_t *hlc, int *state, bool *found);
int store__rec_base(struct store *st, const Safecampus__Record *r);
int store__rec_head(struct store *st, const char *id, char kind[64], uint64_t *hlc, uint64_t *seq,
		    char writer[64], bool *found);
int store__rec_put(struct store *st, const struct kind *k, const Safecampus__Record *r,
		   const char *written_by);
int store__rec_seq(struct store *st, const char *id, uint64_t seq);

#endif
