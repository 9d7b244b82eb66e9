/* The client's local store on SQLite. See store.h for the contract and
 * docs/internals/store.md for the design. */
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"
#include "uuid.h"

/* "SCMP": marks the file as ours, so a stray SQLite database is refused. */
#define STORE_APP_ID 0x53434d50
#define STORE_BUSY_MS 5000


/* ---------------------------------------------------------------- schema */

/* migrations[i] brings a store from user_version i to i + 1. Append only:
 * never edit a migration that has shipped. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta(\n"
	"  key TEXT PRIMARY KEY NOT NULL,\n"
	"  value\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE records(\n"
	"  id TEXT PRIMARY KEY NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  school TEXT NOT NULL,\n"
	"  campus TEXT NOT NULL,\n"
	"  hlc INTEGER NOT NULL,\n"
	"  deleted INTEGER NOT NULL DEFAULT 0,\n"
	"  seq INTEGER NOT NULL DEFAULT 0,\n" /* 0: the server never accepted it */
	"  written_by TEXT NOT NULL DEFAULT '',\n"
	"  parent_id TEXT,\n" /* kind->parent_field's value */
	"  payload BLOB NOT NULL,\n"
	"  base_hlc INTEGER,\n"     /* last version the server holds, */
	"  base_deleted INTEGER,\n" /* restored when a local edit is  */
	"  base_payload BLOB\n"     /* discarded                      */
	");\n"
	"CREATE INDEX records_kind_hlc ON records(kind, hlc);\n"
	"CREATE INDEX records_parent ON records(parent_id, hlc) WHERE parent_id IS NOT NULL;\n"
	"CREATE TABLE outbox(\n"
	"  qseq INTEGER PRIMARY KEY,\n" /* queue position of the first write */
	"  record_id TEXT NOT NULL UNIQUE,\n"
	"  hlc INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  record BLOB NOT NULL,\n"             /* packed Safecampus__Record */
	"  state INTEGER NOT NULL DEFAULT 0,\n" /* 0 pending, 1 rejected */
	"  reason INTEGER NOT NULL DEFAULT 0,\n"
	"  detail TEXT NOT NULL DEFAULT '',\n"
	"  created_ms INTEGER NOT NULL,\n"
	"  updated_ms INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX outbox_state ON outbox(state, qseq);\n",
	/* 1 -> 2: opaque values kept by key (cached dashboards, generator state) */
	"CREATE TABLE blobs(\n"
	"  key TEXT PRIMARY KEY NOT NULL,\n"
	"  value BLOB NOT NULL,\n"
	"  stored_ms INTEGER NOT NULL\n"
	");\n",
	/* 2 -> 3: the people who sign at this campus (client/person.c), and the
	 * signature each record carries (packed Safecampus__Signature) */
	"CREATE TABLE people(\n"
	"  login TEXT PRIMARY KEY NOT NULL,\n"
	"  display_name TEXT NOT NULL,\n"
	"  role INTEGER NOT NULL,\n"   /* SAFECAMPUS__STAFF_ROLE__* */
	"  school TEXT NOT NULL,\n"    /* '' for the bureau */
	"  record_id TEXT NOT NULL,\n" /* its Person record (enrolment) */
	"  enrolled_by TEXT NOT NULL,\n"
	"  enrolled_ms INTEGER NOT NULL,\n"
	"  revoked_ms INTEGER NOT NULL DEFAULT 0,\n"
	"  pw_salt BLOB NOT NULL,\n"
	"  pw_hash BLOB NOT NULL,\n"
	"  pw_log2n INTEGER NOT NULL,\n" /* scrypt N = 2^log2n, r, p */
	"  pw_r INTEGER NOT NULL,\n"
	"  pw_p INTEGER NOT NULL,\n"
	"  public_key BLOB NOT NULL,\n" /* raw Ed25519, 32 bytes */
	"  key_pem TEXT NOT NULL\n"     /* encrypted PKCS#8 (scrypt + AES-256) */
	") WITHOUT ROWID;\n"
	"ALTER TABLE records ADD COLUMN signature BLOB;\n",
	/* 3 -> 4: the annual report's sections as people edited them before
	 * printing (client/store_report.c); scope is the school, '' the district */
	"CREATE TABLE report_edits(\n"
	"  year INTEGER NOT NULL,\n"
	"  scope TEXT NOT NULL,\n"
	"  section TEXT NOT NULL,\n"
	"  body TEXT NOT NULL,\n"
	"  updated_ms INTEGER NOT NULL,\n"
	"  PRIMARY KEY(year, scope, section)\n"
	") WITHOUT ROWID;\n",
	/* 4 -> 5: the schools held (store_schools), read from an index rather
	 * than a scan of every payload: a notice to every school asks for them
	 * each time it is derived (the bureau's home page, its notice list) */
	"CREATE INDEX records_school ON records(school);\n",
};
#define STORE_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(STORE_MIGRATIONS == STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---------------------------------------------------------------- statements */

#define REC_COLS "id, kind, school, campus, hlc, deleted, seq, written_by, payload, signature"


static const char *const sql_text[Q__COUNT] = {
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_META_PUT] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
		       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[Q_META_ALL] = "SELECT key, value FROM meta",
	[Q_REC_GET] = "SELECT " REC_COLS " FROM records WHERE id = ?1",
	[Q_REC_HEAD] = "SELECT kind, hlc, seq, written_by FROM records WHERE id = ?1",
	[Q_REC_PUT] = "INSERT INTO records(id, kind, school, campus, hlc, deleted, seq, "
		      "written_by, parent_id, payload, signature) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
		      "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
		      "school = excluded.school, campus = excluded.campus, hlc = excluded.hlc, "
		      "deleted = excluded.deleted, seq = max(records.seq, excluded.seq), "
		      "written_by = excluded.written_by, parent_id = excluded.parent_id, "
		      "payload = excluded.payload, signature = excluded.signature",
	[Q_REC_SEQ] = "UPDATE records SET seq = max(seq, ?2) WHERE id = ?1",
	[Q_REC_BASE] = "UPDATE records SET base_hlc = ?2, base_deleted = ?3, base_payload = ?4 "
		       "WHERE id = ?1 AND (base_hlc IS NULL OR base_hlc <= ?2)",
	[Q_REC_DEL] = "DELETE FROM records WHERE id = ?1",
	[Q_REC_RESTORE] = "UPDATE records SET hlc = base_hlc, deleted = base_deleted, "
			  "payload = base_payload WHERE id = ?1 AND base_payload IS NOT NULL",
	[Q_REC_EACH] = "SELECT " REC_COLS " FROM records ORDER BY hlc, id",
	[Q_REC_EACH_KIND] = "SELECT " REC_COLS " FROM records WHERE kind = ?1 ORDER BY hlc, id",
	[Q_REC_EACH_CHILD] = "SELECT " REC_COLS " FROM records WHERE parent_id = ?2 "
			     "AND kind = ?1 ORDER BY hlc, id",
	/* REC_COLS of one table, then the parent and the outbox state, ordered
	 * by parent (BINARY, i.e. strcmp order) for store_events.c's search */
	[Q_REC_EACH_PARENTED] = "SELECT r.id, r.kind, r.school, r.campus, r.hlc, r.deleted, "
				"r.seq, r.written_by, r.payload, r.signature, r.parent_id, "
				"o.state FROM records r LEFT JOIN outbox o ON o.record_id = r.id "
				"WHERE r.kind = ?1 AND r.parent_id IS NOT NULL "
				"ORDER BY r.parent_id, r.hlc, r.id",
	[Q_REC_COUNT] = "SELECT count(*) FROM records",
	[Q_REC_COUNT_KIND] = "SELECT count(*) FROM records WHERE kind = ?1",
	[Q_REC_PREFIX] = "SELECT id FROM records WHERE id GLOB ?1 LIMIT 2",
	[Q_CHILD_OB_DEL] = "DELETE FROM outbox WHERE record_id IN "
			   "(SELECT id FROM records WHERE parent_id = ?1 AND seq = 0)",
	[Q_CHILD_REC_DEL] = "DELETE FROM records WHERE parent_id = ?1 AND seq = 0",
	[Q_OB_GET] = "SELECT hlc, state FROM outbox WHERE record_id = ?1",
	/* a rewrite keeps the entry's queue position and first-queued time, and
	 * puts a rejected entry back to pending: the user fixed it */
	[Q_OB_PUT] = "INSERT INTO outbox(record_id, hlc, kind, record, state, reason, detail, "
		     "created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 0, 0, '', ?5, ?5) "
		     "ON CONFLICT(record_id) DO UPDATE SET hlc = excluded.hlc, "
		     "kind = excluded.kind, record = excluded.record, state = 0, reason = 0, "
		     "detail = '', updated_ms = excluded.updated_ms",
	[Q_OB_BATCH] = "SELECT record FROM outbox WHERE state = 0 ORDER BY qseq LIMIT ?1",
	[Q_OB_ACK_DEL] = "DELETE FROM outbox WHERE record_id = ?1 AND hlc = ?2",
	[Q_OB_REJECT] = "UPDATE outbox SET state = 1, reason = ?3, detail = ?4, updated_ms = ?5 "
			"WHERE record_id = ?1 AND hlc = ?2",
	[Q_OB_STATS] = "SELECT coalesce(sum(state = 0), 0), coalesce(sum(state = 1), 0), "
		       "coalesce(min(CASE WHEN state = 0 THEN created_ms END), 0) FROM outbox",
	[Q_OB_REJECTED] = "SELECT record_id, kind, reason, detail FROM outbox WHERE state = 1 "
			  "ORDER BY qseq",
	[Q_OB_EACH] = "SELECT record_id, kind, state, hlc, created_ms, updated_ms, reason, detail "
		      "FROM outbox ORDER BY qseq",
	[Q_OB_DEL] = "DELETE FROM outbox WHERE record_id = ?1",
	[Q_OB_RETRY] = "UPDATE outbox SET state = 0, reason = 0, detail = '', updated_ms = ?2 "
		       "WHERE record_id = ?1 AND state = 1",
	[Q_BLOB_PUT] = "INSERT INTO blobs(key, value, stored_ms) VALUES (?1, ?2, ?3) "
		       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
		       "stored_ms = excluded.stored_ms",
	[Q_BLOB_GET] = "SELECT value, stored_ms FROM blobs WHERE key = ?1",
};


/* ---------------------------------------------------------------- errors */

char store__last_error[512];

const char *store_last_error(void)
{
	return store__last_error;
}

/* Each public call starts clean, so the text always belongs to its failure. */
void store__clear_error(void)
{
	store__last_error[0] = '\0';
}

__attribute__((format(printf, 1, 2))) void store__set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store__last_error, sizeof store__last_error, fmt, ap);
	va_end(ap);
}

static int map_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return SC_ESQLITE;
	}
}

/* Records what failed and returns the project code for an SQLite status. */
int store__sql_fail(struct store *st, int rc, const char *what)
{
	int src = sqlite3_extended_errcode(st->db);

	if ((rc & 0xff) == SQLITE_NOTADB)
		store__set_error(_("%s: %s is not a safecampus store (not an SQLite database)"),
				 what, st->path);
	else if ((rc & 0xff) == SQLITE_CORRUPT)
		store__set_error(
			_("%s: %s is damaged (%s); restore it from a backup or re-init a new "
			  "store and sync"),
			what, st->path, sqlite3_errmsg(st->db));
	else if ((rc & 0xff) == SQLITE_BUSY)
		store__set_error(_("%s: %s is locked by another safecampus process"), what,
				 st->path);
	else
		store__set_error(_("%s: %s (sqlite %d)"), what, sqlite3_errmsg(st->db), src);
	return map_sqlite(rc);
}

/* ---------------------------------------------------------------- helpers */

int store__q_get(struct store *st, enum q id, struct qh *h)
{
	sqlite3_stmt **slot = &st->q[id];
	int rc;

	h->owned = false;
	if (*slot && !sqlite3_stmt_busy(*slot)) {
		h->s = *slot;
		return 0;
	}
	if (*slot) {
		rc = sqlite3_prepare_v2(st->db, sql_text[id], -1, &h->s, NULL);
		h->owned = true;
	} else {
		rc = sqlite3_prepare_v3(st->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, slot,
					NULL);
		h->s = *slot;
	}
	if (rc != SQLITE_OK) {
		h->s = NULL;
		return store__sql_fail(st, rc, "prepare");
	}
	return 0;
}

void store__q_put(struct qh *h)
{
	if (!h->s)
		return;
	if (h->owned) {
		sqlite3_finalize(h->s);
	} else {
		sqlite3_reset(h->s);
		sqlite3_clear_bindings(h->s);
	}
	h->s = NULL;
}

int store__bind_text(struct qh *h, int i, const char *s)
{
	return sqlite3_bind_text(h->s, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

int store__bind_blob(struct qh *h, int i, const void *p, size_t n)
{
	static const unsigned char empty;

	/* a NULL pointer would bind SQL NULL, not an empty blob */
	return sqlite3_bind_blob64(h->s, i, n ? p : &empty, n, SQLITE_TRANSIENT);
}

const char *store__col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Runs a statement that returns no row (or whose rows are ignored). */
int store__q_done(struct store *st, struct qh *h, const char *what)
{
	int rc = sqlite3_step(h->s);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(h->s);
	if (rc != SQLITE_DONE)
		return store__sql_fail(st, rc, what);
	return 0;
}

static int exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int code = store__sql_fail(st, rc, what);
		if (msg && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT &&
		    (rc & 0xff) != SQLITE_BUSY)
			store__set_error("%s: %s", what, msg);
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

int store__tx_begin(struct store *st)
{
	/* IMMEDIATE takes the write lock now: a concurrent `sync` process then
	 * waits on busy_timeout instead of failing half way through. */
	int rc;

	/* A caller that must write its own rows with a record (person.c: an
	 * account with its enrolment record) wraps store_write in its own
	 * transaction; the inner begin and end then do nothing and the outer
	 * end commits or rolls back all of it. */
	if (st->tx_depth > 0) {
		st->tx_depth++;
		return 0;
	}
	rc = exec(st, "BEGIN IMMEDIATE", "begin transaction");
	if (rc == 0)
		st->tx_depth = 1;
	return rc;
}

/* Commits if rc is 0, else rolls back; returns the final status. */
int store__tx_end(struct store *st, int rc)
{
	if (st->tx_depth > 1) {
		st->tx_depth--;
		return rc;
	}
	st->tx_depth = 0;
	if (rc == 0) {
		rc = exec(st, "COMMIT", "commit");
		if (rc == 0)
			return 0;
	}
	if (!sqlite3_get_autocommit(st->db)) {
		char keep[sizeof store__last_error];
		memcpy(keep, store__last_error, sizeof keep);
		if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
			log_error("store rollback failed: %s", sqlite3_errmsg(st->db));
		memcpy(store__last_error, keep, sizeof keep);
	}
	return rc;
}

/* "YYYY-MM-DD HH:MM UTC" for Unix ms, for messages about clocks. */
void store__fmt_utc(uint64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, n, "%llu ms", (unsigned long long)ms);
}

int64_t store__now_ms(void)
{
	return (int64_t)hlc_wall_ms();
}

/* Packs any message into a malloc'd buffer (*out may be NULL when *n is 0). */
int store__pack(const ProtobufCMessage *m, uint8_t **out, size_t *n)
{
	size_t len = protobuf_c_message_get_packed_size(m);

	*out = NULL;
	*n = len;
	if (len == 0)
		return 0;
	*out = malloc(len);
	if (!*out)
		return -ENOMEM;
	protobuf_c_message_pack(m, *out);
	return 0;
}

/* The value of kind->parent_field in payload m, or NULL. */
const char *store__parent_of(const struct kind *k, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f;
	const char *v;

	if (!k->parent_field || !m)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(k->desc, k->parent_field);
	if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	v = *(char *const *)(const void *)((const char *)m + f->offset);
	return v && *v ? v : NULL;
}

bool store__str_empty(const char *s)
{
	return !s || !*s;
}

/* Replaces a string field of a record (unpacked or built with strdup). */
int store__set_str(char **field, const char *v)
{
	char *n = strdup(v ? v : "");

	if (!n)
		return -ENOMEM;
	if (*field && *field != protobuf_c_empty_string)
		free(*field);
	*field = n;
	return 0;
}

/* ---------------------------------------------------------------- meta */

int store__meta_get_int(struct store *st, const char *key, int64_t *v, bool *found)
{
	struct qh h;
	int rc = store__q_get(st, Q_META_GET, &h);

	if (rc)
		return rc;
	*v = 0;
	if (found)
		*found = false;
	store__bind_text(&h, 1, key);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(h.s, 0);
		if (found)
			*found = true;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "read meta");
	}
	store__q_put(&h);
	return rc;
}

/* Text value of key into out (empty when absent). */
int store__meta_get_text(struct store *st, const char *key, char *out, size_t n)
{
	struct qh h;
	int rc = store__q_get(st, Q_META_GET, &h);

	if (rc)
		return rc;
	out[0] = '\0';
	store__bind_text(&h, 1, key);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		snprintf(out, n, "%s", store__col_text(h.s, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "read meta");
	}
	store__q_put(&h);
	return rc;
}

/* The campus this store writes as: the writer of its local versions, which
 * orders them against equal stamps from other campuses (hlc_version_cmp).
 * "" in a store not yet initialised. */
int store__own_campus(struct store *st, char out[64])
{
	return store__meta_get_text(st, "campus", out, 64);
}

int store__meta_put_int(struct store *st, const char *key, int64_t v)
{
	struct qh h;
	int rc = store__q_get(st, Q_META_PUT, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, key);
	sqlite3_bind_int64(h.s, 2, v);
	rc = store__q_done(st, &h, "write meta");
	store__q_put(&h);
	return rc;
}

int store__meta_put_text(struct store *st, const char *key, const char *v)
{
	struct qh h;
	int rc = store__q_get(st, Q_META_PUT, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, key);
	store__bind_text(&h, 2, v);
	rc = store__q_done(st, &h, "write meta");
	store__q_put(&h);
	return rc;
}

/* Reads the persisted clock (inside the caller's transaction, so two
 * processes writing to one store never issue the same stamp). */
int store__hlc_load(struct store *st, struct hlc *c)
{
	int64_t v;
	int rc = store__meta_get_int(st, "hlc", &v, NULL);

	if (rc)
		return rc;
	c->last = (uint64_t)v;
	return 0;
}

int store__hlc_save(struct store *st, const struct hlc *c)
{
	return store__meta_put_int(st, "hlc", (int64_t)c->last);
}

/* ---------------------------------------------------------------- open / close */

static int schema_probe(struct store *st, int64_t *app_id, int64_t *version, int64_t *objects)
{
	static const char *const sql[] = {
		"PRAGMA application_id",
		"PRAGMA user_version",
		"SELECT count(*) FROM sqlite_schema",
	};
	int64_t *out[] = { app_id, version, objects };

	for (size_t i = 0; i < 3; i++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out[i] = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_OK)
			return store__sql_fail(st, rc, "open store");
	}
	return 0;
}

static int migrate(struct store *st)
{
	char sql[64];
	int64_t app_id = 0, version = 0, objects = 0;
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	/* read again under the write lock: another process may have migrated */
	rc = schema_probe(st, &app_id, &version, &objects);
	if (rc)
		goto out;
	for (int64_t v = version; v < (int64_t)STORE_SCHEMA_VERSION; v++) {
		rc = exec(st, migrations[v], "migrate store schema");
		if (rc)
			goto out;
		log_debug("store migrated path=%s from=%lld to=%lld", st->path, (long long)v,
			  (long long)v + 1);
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APP_ID);
	rc = exec(st, sql, "migrate store schema");
	if (rc)
		goto out;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	rc = exec(st, sql, "migrate store schema");
out:
	return store__tx_end(st, rc);
}

int store_open(struct store **out, const char *path, bool create)
{
	struct store *st = NULL;
	int64_t app_id = 0, version = 0, objects = 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	*out = NULL;
	store__last_error[0] = '\0';
	if (store__str_empty(path)) {
		store__set_error(_("no store path given"));
		return -EINVAL;
	}
	if (!create && access(path, F_OK) != 0) {
		store__set_error(_("no store at %s (run `safecampus init` first)"), path);
		return -ENOENT;
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	st->path = strdup(path);
	if (!st->path) {
		rc = -ENOMEM;
		goto out;
	}
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if (!st->db) {
			rc = -ENOMEM;
			goto out;
		}
		store__set_error(_("cannot open %s: %s"), path, sqlite3_errmsg(st->db));
		rc = (rc & 0xff) == SQLITE_CANTOPEN ? -EACCES : map_sqlite(rc);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);

	/* the first read of the header: a file that is not SQLite fails here */
	rc = schema_probe(st, &app_id, &version, &objects);
	if (rc)
		goto out;
	if (app_id == 0 && version == 0 && objects == 0) {
		if (!create) {
			store__set_error(
				_("%s is empty, not a safecampus store (run `safecampus init`)"),
				path);
			rc = SC_ENOTFOUND;
			goto out;
		}
	} else if (app_id != STORE_APP_ID) {
		store__set_error(_("%s is an SQLite database but not a safecampus store"), path);
		rc = SC_ESQLITE;
		goto out;
	} else if (version > STORE_SCHEMA_VERSION) {
		store__set_error(_("%s was written by a newer safecampus (store schema %lld, this "
				   "program knows up to %d); upgrade safecampus"),
				 path, (long long)version, STORE_SCHEMA_VERSION);
		rc = SC_ESQLITE;
		goto out;
	}
	/* WAL: readers (status, list) never block a sync; FULL: a commit is on
	 * disk before we report it, so a kill or power cut loses nothing
	 * acknowledged or written */
	rc = exec(st, "PRAGMA journal_mode = WAL", "open store");
	if (rc)
		goto out;
	rc = exec(st,
		  "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
		  "PRAGMA trusted_schema = OFF",
		  "open store");
	if (rc)
		goto out;
	if (version < STORE_SCHEMA_VERSION) {
		rc = migrate(st);
		if (rc)
			goto out;
	}
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(st->q[i]);
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_warn("store close path=%s err=%s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

/* ---------------------------------------------------------------- config */

static const char *const cfg_keys[] = {
	"server", "server_name", "cert", "key", "ca", "district", "school", "campus", "crl",
};

static char **cfg_slot(struct store_config *cfg, size_t i)
{
	char **slots[] = {
		&cfg->server,   &cfg->server_name, &cfg->cert,   &cfg->key, &cfg->ca,
		&cfg->district, &cfg->school,      &cfg->campus, &cfg->crl,
	};
	return slots[i];
}

int store_config_save(struct store *st, const struct store_config *cfg)
{
	store__clear_error();
	struct store_config *c = (struct store_config *)cfg; /* slots are only read */
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
		rc = store__meta_put_text(st, cfg_keys[i], *cfg_slot(c, i));
		if (rc)
			goto out;
	}
	rc = store__meta_put_int(st, "role", cfg->role);
	if (rc)
		goto out;
	rc = store__meta_put_int(st, "configured_ms", store__now_ms());
out:
	return store__tx_end(st, rc);
}

int store_config_load(struct store *st, struct store_config *cfg)
{
	store__clear_error();
	struct qh h;
	bool found = false;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	rc = store__q_get(st, Q_META_ALL, &h);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		const char *key = store__col_text(h.s, 0);
		if (strcmp(key, "role") == 0) {
			cfg->role = sqlite3_column_int(h.s, 1);
			continue;
		}
		if (strcmp(key, "configured_ms") == 0)
			found = true;
		for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
			char **slot = cfg_slot(cfg, i);
			if (strcmp(key, cfg_keys[i]) != 0 || *slot)
				continue;
			*slot = strdup(store__col_text(h.s, 1));
			if (!*slot) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		rc = store__sql_fail(st, rc, "read settings");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
		char **slot = cfg_slot(cfg, i);
		if (!*slot && !(*slot = strdup(""))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (!found) {
		store__set_error(_("%s is not initialised (run `safecampus init`)"), st->path);
		rc = SC_ENOTFOUND;
	}
out:
	store__q_put(&h);
	if (rc)
		store_config_free(cfg);
	return rc;
}

void store_config_free(struct store_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
		char **slot = cfg_slot(cfg, i);
		free(*slot);
		*slot = NULL;
	}
}

/* ---------------------------------------------------------------- blobs */

int store_blob_put(struct store *st, const char *key, const void *data, size_t len)
{
	store__clear_error();
	struct qh h = { 0 };
	int rc;

	if (store__str_empty(key)) {
		store__set_error(_("blob key is empty"));
		return SC_EINVALID;
	}
	if (len > (size_t)INT32_MAX) {
		store__set_error(_("blob %s is too large (%zu bytes)"), key, len);
		return -E2BIG;
	}
	rc = store__tx_begin(st);
	if (rc)
		return rc;
	rc = store__q_get(st, Q_BLOB_PUT, &h);
	if (rc)
		goto out;
	store__bind_text(&h, 1, key);
	store__bind_blob(&h, 2, data, len);
	sqlite3_bind_int64(h.s, 3, store__now_ms());
	rc = store__q_done(st, &h, "write blob");
out:
	store__q_put(&h);
	return store__tx_end(st, rc);
}

int store_blob_get(struct store *st, const char *key, void **data, size_t *len, int64_t *stored_ms)
{
	store__clear_error();
	struct qh h;
	int rc;

	*data = NULL;
	*len = 0;
	if (stored_ms)
		*stored_ms = 0;
	rc = store__q_get(st, Q_BLOB_GET, &h);
	if (rc)
		return rc;
	store__bind_text(&h, 1, key ? key : "");
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(h.s, 0);
		size_t n = (size_t)sqlite3_column_bytes(h.s, 0);
		/* one spare byte, so a text value can be used as a C string */
		void *copy = malloc(n + 1);
		if (!copy) {
			rc = -ENOMEM;
		} else {
			if (n)
				memcpy(copy, b, n);
			((char *)copy)[n] = '\0';
			*data = copy;
			*len = n;
			if (stored_ms)
				*stored_ms = sqlite3_column_int64(h.s, 1);
			rc = 0;
		}
	} else if (rc == SQLITE_DONE) {
		store__set_error(_("nothing stored under %s"), key ? key : "");
		rc = SC_ENOTFOUND;
	} else {
		rc = store__sql_fail(st, rc, "read blob");
	}
	store__q_put(&h);
	return rc;
}

/* ---------------------------------------------------------------- lookups for the CLI */

int store_sync_state(struct store *st, const char *id, enum store_sync_state *state)
{
	store__clear_error();
	uint64_t hlc;
	bool found;
	int ob_state;
	int rc = store__ob_head(st, id, &hlc, &ob_state, &found);

	*state = STORE_SYNCED;
	if (rc)
		return rc;
	if (found)
		*state = ob_state == OB_REJECTED ? STORE_REJECTED : STORE_PENDING;
	return 0;
}

int store_count(struct store *st, const char *kind, uint64_t *n)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, kind ? Q_REC_COUNT_KIND : Q_REC_COUNT, &h);

	*n = 0;
	if (rc)
		return rc;
	if (kind)
		store__bind_text(&h, 1, kind);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(h.s, 0);
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "count records");
	}
	store__q_put(&h);
	return rc;
}

int store_resolve_id(struct store *st, const char *prefix, char out[37])
{
	store__clear_error();
	char pat[UUID_STR_LEN + 2];
	size_t len = prefix ? strlen(prefix) : 0;
	int found = 0;
	struct qh h;
	int rc;

	out[0] = '\0';
	if (len < 4 || len > UUID_STR_LEN) {
		store__set_error(_("'%s' is not a record id (give the full id or at least 4 of its "
				   "first characters)"),
				 prefix ? prefix : "");
		return SC_EINVALID;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = prefix[i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-')) {
			store__set_error(_("'%s' is not a record id (hex digits and '-' only)"),
					 prefix);
			return SC_EINVALID;
		}
		pat[i] = ch;
	}
	pat[len] = '*';
	pat[len + 1] = '\0';
	rc = store__q_get(st, Q_REC_PREFIX, &h);
	if (rc)
		return rc;
	store__bind_text(&h, 1, pat);
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		if (found++ == 0)
			snprintf(out, UUID_STR_LEN + 1, "%s", store__col_text(h.s, 0));
	}
	if (rc != SQLITE_DONE) {
		rc = store__sql_fail(st, rc, "find record");
	} else if (found == 0) {
		store__set_error(_("no record with id %s"), prefix);
		rc = SC_ENOTFOUND;
	} else if (found > 1) {
		store__set_error(
			_("id prefix %s matches more than one record; give more characters"),
			prefix);
		out[0] = '\0';
		rc = -ENOTUNIQ;
	} else {
		rc = 0;
	}
	store__q_put(&h);
	return rc;
}
