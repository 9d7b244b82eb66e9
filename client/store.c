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
#include "uuid.h"

/* "SCMP": marks the file as ours, so a stray SQLite database is refused. */
#define STORE_APP_ID 0x53434d50
#define STORE_BUSY_MS 5000

enum { OB_PENDING = 0, OB_REJECTED = 1 };

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
	"  seq INTEGER NOT NULL DEFAULT 0,\n"          /* 0: the server never accepted it */
	"  written_by TEXT NOT NULL DEFAULT '',\n"
	"  parent_id TEXT,\n"                          /* kind->parent_field's value */
	"  payload BLOB NOT NULL,\n"
	"  base_hlc INTEGER,\n"                        /* last version the server holds, */
	"  base_deleted INTEGER,\n"                    /* restored when a local edit is  */
	"  base_payload BLOB\n"                        /* discarded                      */
	");\n"
	"CREATE INDEX records_kind_hlc ON records(kind, hlc);\n"
	"CREATE INDEX records_parent ON records(parent_id, hlc) WHERE parent_id IS NOT NULL;\n"
	"CREATE TABLE outbox(\n"
	"  qseq INTEGER PRIMARY KEY,\n"                /* queue position of the first write */
	"  record_id TEXT NOT NULL UNIQUE,\n"
	"  hlc INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  record BLOB NOT NULL,\n"                    /* packed Safecampus__Record */
	"  state INTEGER NOT NULL DEFAULT 0,\n"        /* 0 pending, 1 rejected */
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
};
#define STORE_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(STORE_MIGRATIONS == STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---------------------------------------------------------------- statements */

#define REC_COLS "id, kind, school, campus, hlc, deleted, seq, written_by, payload"

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

static const char *const sql_text[Q__COUNT] = {
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_META_PUT] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
		       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[Q_META_ALL] = "SELECT key, value FROM meta",
	[Q_REC_GET] = "SELECT " REC_COLS " FROM records WHERE id = ?1",
	[Q_REC_HEAD] = "SELECT kind, hlc, seq, written_by FROM records WHERE id = ?1",
	[Q_REC_PUT] = "INSERT INTO records(id, kind, school, campus, hlc, deleted, seq, "
		      "written_by, parent_id, payload) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
		      "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
		      "school = excluded.school, campus = excluded.campus, hlc = excluded.hlc, "
		      "deleted = excluded.deleted, seq = max(records.seq, excluded.seq), "
		      "written_by = excluded.written_by, parent_id = excluded.parent_id, "
		      "payload = excluded.payload",
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

struct store {
	sqlite3 *db;
	sqlite3_stmt *q[Q__COUNT]; /* prepared on first use, kept until close */
	char *path;
};

/* A statement in use: the cached one, or a private copy when the cached one
 * is already stepping (a callback of store_each that calls store_each). */
struct qh {
	sqlite3_stmt *s;
	bool owned;
};

/* ---------------------------------------------------------------- errors */

static char last_error[512];

const char *store_last_error(void)
{
	return last_error;
}

/* Each public call starts clean, so the text always belongs to its failure. */
static void clear_error(void)
{
	last_error[0] = '\0';
}

__attribute__((format(printf, 1, 2)))
static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
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
static int sql_fail(struct store *st, int rc, const char *what)
{
	int src = sqlite3_extended_errcode(st->db);

	if ((rc & 0xff) == SQLITE_NOTADB)
		set_error("%s: %s is not a safecampus store (not an SQLite database)", what,
			  st->path);
	else if ((rc & 0xff) == SQLITE_CORRUPT)
		set_error("%s: %s is damaged (%s); restore it from a backup or re-init a new "
			  "store and sync", what, st->path, sqlite3_errmsg(st->db));
	else if ((rc & 0xff) == SQLITE_BUSY)
		set_error("%s: %s is locked by another safecampus process", what, st->path);
	else
		set_error("%s: %s (sqlite %d)", what, sqlite3_errmsg(st->db), src);
	return map_sqlite(rc);
}

/* ---------------------------------------------------------------- helpers */

static int q_get(struct store *st, enum q id, struct qh *h)
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
		rc = sqlite3_prepare_v3(st->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT,
					slot, NULL);
		h->s = *slot;
	}
	if (rc != SQLITE_OK) {
		h->s = NULL;
		return sql_fail(st, rc, "prepare");
	}
	return 0;
}

static void q_put(struct qh *h)
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

static int bind_text(struct qh *h, int i, const char *s)
{
	return sqlite3_bind_text(h->s, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static int bind_blob(struct qh *h, int i, const void *p, size_t n)
{
	static const unsigned char empty;

	/* a NULL pointer would bind SQL NULL, not an empty blob */
	return sqlite3_bind_blob64(h->s, i, n ? p : &empty, n, SQLITE_TRANSIENT);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Runs a statement that returns no row (or whose rows are ignored). */
static int q_done(struct store *st, struct qh *h, const char *what)
{
	int rc = sqlite3_step(h->s);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(h->s);
	if (rc != SQLITE_DONE)
		return sql_fail(st, rc, what);
	return 0;
}

static int exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int code = sql_fail(st, rc, what);
		if (msg && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT &&
		    (rc & 0xff) != SQLITE_BUSY)
			set_error("%s: %s", what, msg);
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static int tx_begin(struct store *st)
{
	/* IMMEDIATE takes the write lock now: a concurrent `sync` process then
	 * waits on busy_timeout instead of failing half way through. */
	return exec(st, "BEGIN IMMEDIATE", "begin transaction");
}

/* Commits if rc is 0, else rolls back; returns the final status. */
static int tx_end(struct store *st, int rc)
{
	if (rc == 0) {
		rc = exec(st, "COMMIT", "commit");
		if (rc == 0)
			return 0;
	}
	if (!sqlite3_get_autocommit(st->db)) {
		char keep[sizeof last_error];
		memcpy(keep, last_error, sizeof keep);
		if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
			log_error("store rollback failed: %s", sqlite3_errmsg(st->db));
		memcpy(last_error, keep, sizeof keep);
	}
	return rc;
}

/* "YYYY-MM-DD HH:MM UTC" for Unix ms, for messages about clocks. */
static void fmt_utc(uint64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, n, "%llu ms", (unsigned long long)ms);
}

static int64_t now_ms(void)
{
	return (int64_t)hlc_wall_ms();
}

/* Packs any message into a malloc'd buffer (*out may be NULL when *n is 0). */
static int pack(const ProtobufCMessage *m, uint8_t **out, size_t *n)
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
static const char *parent_of(const struct kind *k, const ProtobufCMessage *m)
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

static bool str_empty(const char *s)
{
	return !s || !*s;
}

/* Replaces a string field of a record (unpacked or built with strdup). */
static int set_str(char **field, const char *v)
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

static int meta_get_int(struct store *st, const char *key, int64_t *v, bool *found)
{
	struct qh h;
	int rc = q_get(st, Q_META_GET, &h);

	if (rc)
		return rc;
	*v = 0;
	if (found)
		*found = false;
	bind_text(&h, 1, key);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(h.s, 0);
		if (found)
			*found = true;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "read meta");
	}
	q_put(&h);
	return rc;
}

/* Text value of key into out (empty when absent). */
static int meta_get_text(struct store *st, const char *key, char *out, size_t n)
{
	struct qh h;
	int rc = q_get(st, Q_META_GET, &h);

	if (rc)
		return rc;
	out[0] = '\0';
	bind_text(&h, 1, key);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		snprintf(out, n, "%s", col_text(h.s, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "read meta");
	}
	q_put(&h);
	return rc;
}

/* The campus this store writes as: the writer of its local versions, which
 * orders them against equal stamps from other campuses (hlc_version_cmp).
 * "" in a store not yet initialised. */
static int own_campus(struct store *st, char out[64])
{
	return meta_get_text(st, "campus", out, 64);
}

static int meta_put_int(struct store *st, const char *key, int64_t v)
{
	struct qh h;
	int rc = q_get(st, Q_META_PUT, &h);

	if (rc)
		return rc;
	bind_text(&h, 1, key);
	sqlite3_bind_int64(h.s, 2, v);
	rc = q_done(st, &h, "write meta");
	q_put(&h);
	return rc;
}

static int meta_put_text(struct store *st, const char *key, const char *v)
{
	struct qh h;
	int rc = q_get(st, Q_META_PUT, &h);

	if (rc)
		return rc;
	bind_text(&h, 1, key);
	bind_text(&h, 2, v);
	rc = q_done(st, &h, "write meta");
	q_put(&h);
	return rc;
}

/* Reads the persisted clock (inside the caller's transaction, so two
 * processes writing to one store never issue the same stamp). */
static int hlc_load(struct store *st, struct hlc *c)
{
	int64_t v;
	int rc = meta_get_int(st, "hlc", &v, NULL);

	if (rc)
		return rc;
	c->last = (uint64_t)v;
	return 0;
}

static int hlc_save(struct store *st, const struct hlc *c)
{
	return meta_put_int(st, "hlc", (int64_t)c->last);
}

/* ---------------------------------------------------------------- open / close */

static int schema_probe(struct store *st, int64_t *app_id, int64_t *version, int64_t *objects)
{
	static const char *const sql[] = {
		"PRAGMA application_id",
		"PRAGMA user_version",
		"SELECT count(*) FROM sqlite_schema",
	};
	int64_t *out[] = {app_id, version, objects};

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
			return sql_fail(st, rc, "open store");
	}
	return 0;
}

static int migrate(struct store *st)
{
	char sql[64];
	int64_t app_id = 0, version = 0, objects = 0;
	int rc = tx_begin(st);

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
	return tx_end(st, rc);
}

int store_open(struct store **out, const char *path, bool create)
{
	struct store *st = NULL;
	int64_t app_id = 0, version = 0, objects = 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	*out = NULL;
	last_error[0] = '\0';
	if (str_empty(path)) {
		set_error("no store path given");
		return -EINVAL;
	}
	if (!create && access(path, F_OK) != 0) {
		set_error("no store at %s (run `safecampus init` first)", path);
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
		set_error("cannot open %s: %s", path, sqlite3_errmsg(st->db));
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
			set_error("%s is empty, not a safecampus store (run `safecampus init`)",
				  path);
			rc = SC_ENOTFOUND;
			goto out;
		}
	} else if (app_id != STORE_APP_ID) {
		set_error("%s is an SQLite database but not a safecampus store", path);
		rc = SC_ESQLITE;
		goto out;
	} else if (version > STORE_SCHEMA_VERSION) {
		set_error("%s was written by a newer safecampus (store schema %lld, this "
			  "program knows up to %d); upgrade safecampus", path,
			  (long long)version, STORE_SCHEMA_VERSION);
		rc = SC_ESQLITE;
		goto out;
	}
	/* WAL: readers (status, list) never block a sync; FULL: a commit is on
	 * disk before we report it, so a kill or power cut loses nothing
	 * acknowledged or written */
	rc = exec(st, "PRAGMA journal_mode = WAL", "open store");
	if (rc)
		goto out;
	rc = exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
		      "PRAGMA trusted_schema = OFF", "open store");
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
	"server", "server_name", "cert", "key", "ca", "district", "school", "campus",
};

static char **cfg_slot(struct store_config *cfg, size_t i)
{
	char **slots[] = {
		&cfg->server, &cfg->server_name, &cfg->cert, &cfg->key, &cfg->ca,
		&cfg->district, &cfg->school, &cfg->campus,
	};
	return slots[i];
}

int store_config_save(struct store *st, const struct store_config *cfg)
{
	clear_error();
	struct store_config *c = (struct store_config *)cfg; /* slots are only read */
	int rc = tx_begin(st);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
		rc = meta_put_text(st, cfg_keys[i], *cfg_slot(c, i));
		if (rc)
			goto out;
	}
	rc = meta_put_int(st, "role", cfg->role);
	if (rc)
		goto out;
	rc = meta_put_int(st, "configured_ms", now_ms());
out:
	return tx_end(st, rc);
}

int store_config_load(struct store *st, struct store_config *cfg)
{
	clear_error();
	struct qh h;
	bool found = false;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	rc = q_get(st, Q_META_ALL, &h);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		const char *key = col_text(h.s, 0);
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
			*slot = strdup(col_text(h.s, 1));
			if (!*slot) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	if (rc != SQLITE_DONE) {
		rc = sql_fail(st, rc, "read settings");
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
		set_error("%s is not initialised (run `safecampus init`)", st->path);
		rc = SC_ENOTFOUND;
	}
out:
	q_put(&h);
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

/* ---------------------------------------------------------------- records */

/* Builds a record from a row of REC_COLS. The result frees with
 * safecampus__record__free_unpacked(r, NULL). */
static int row_record(struct store *st, sqlite3_stmt *s, Safecampus__Record **out)
{
	static const uint8_t empty;
	const char *kname = col_text(s, 1);
	const struct kind *k = kind_by_name(kname);
	const void *blob = sqlite3_column_blob(s, 8);
	size_t n = (size_t)sqlite3_column_bytes(s, 8);
	Safecampus__Record *r = NULL;
	ProtobufCMessage *m;
	int rc = 0;

	*out = NULL;
	if (!k) {
		set_error("record %s has kind '%s', unknown to this program", col_text(s, 0),
			  kname);
		return SC_EINVALID;
	}
	m = protobuf_c_message_unpack(k->desc, NULL, n, blob ? blob : &empty);
	if (!m) {
		set_error("record %s in %s does not decode (damaged store?)", col_text(s, 0),
			  st->path);
		return SC_ESQLITE;
	}
	r = malloc(sizeof *r);
	if (!r) {
		protobuf_c_message_free_unpacked(m, NULL);
		return -ENOMEM;
	}
	safecampus__record__init(r);
	*(ProtobufCMessage **)(void *)((char *)r + k->arm->offset) = m;
	r->body_case = (Safecampus__Record__BodyCase)k->body_case;
	r->hlc = (uint64_t)sqlite3_column_int64(s, 4);
	r->deleted = sqlite3_column_int(s, 5) != 0;
	r->seq = (uint64_t)sqlite3_column_int64(s, 6);
	if (set_str(&r->id, col_text(s, 0)) || set_str(&r->school, col_text(s, 2)) ||
	    set_str(&r->campus, col_text(s, 3)) || set_str(&r->written_by, col_text(s, 7))) {
		rc = -ENOMEM;
		safecampus__record__free_unpacked(r, NULL);
		r = NULL;
	}
	*out = r;
	return rc;
}

int store_get(struct store *st, const char *id, Safecampus__Record **out)
{
	clear_error();
	struct qh h;
	int rc = q_get(st, Q_REC_GET, &h);

	*out = NULL;
	if (rc)
		return rc;
	bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW)
		rc = row_record(st, h.s, out);
	else if (rc == SQLITE_DONE) {
		set_error("no record %s", id);
		rc = SC_ENOTFOUND;
	} else {
		rc = sql_fail(st, rc, "read record");
	}
	q_put(&h);
	return rc;
}

static int each_rows(struct store *st, struct qh *h, store_each_cb cb, void *arg)
{
	int rc;

	while ((rc = sqlite3_step(h->s)) == SQLITE_ROW) {
		Safecampus__Record *r;
		int stop;
		rc = row_record(st, h->s, &r);
		if (rc == SC_EINVALID) {
			/* a kind this build does not know: skip, do not fail the listing */
			log_warn("store skipping record: %s", last_error);
			continue;
		}
		if (rc)
			return rc;
		stop = cb(arg, r);
		safecampus__record__free_unpacked(r, NULL);
		if (stop)
			return stop;
	}
	if (rc != SQLITE_DONE)
		return sql_fail(st, rc, "read records");
	return 0;
}

int store_each(struct store *st, const char *kind, store_each_cb cb, void *arg)
{
	clear_error();
	struct qh h;
	int rc = q_get(st, kind ? Q_REC_EACH_KIND : Q_REC_EACH, &h);

	if (rc)
		return rc;
	if (kind)
		bind_text(&h, 1, kind);
	rc = each_rows(st, &h, cb, arg);
	q_put(&h);
	return rc;
}

int store_each_child(struct store *st, const char *kind, const char *parent_id,
		     store_each_cb cb, void *arg)
{
	clear_error();
	struct qh h;
	int rc = q_get(st, Q_REC_EACH_CHILD, &h);

	if (rc)
		return rc;
	bind_text(&h, 1, kind);
	bind_text(&h, 2, parent_id);
	rc = each_rows(st, &h, cb, arg);
	q_put(&h);
	return rc;
}

/* kind, hlc, seq and writer (NULL: not wanted) of an existing row; *found
 * false if absent. */
static int rec_head(struct store *st, const char *id, char kind[64], uint64_t *hlc,
		    uint64_t *seq, char writer[64], bool *found)
{
	struct qh h;
	int rc = q_get(st, Q_REC_HEAD, &h);

	if (rc)
		return rc;
	*found = false;
	*hlc = *seq = 0;
	kind[0] = '\0';
	if (writer)
		writer[0] = '\0';
	bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*found = true;
		snprintf(kind, 64, "%s", col_text(h.s, 0));
		*hlc = (uint64_t)sqlite3_column_int64(h.s, 1);
		*seq = (uint64_t)sqlite3_column_int64(h.s, 2);
		if (writer)
			snprintf(writer, 64, "%s", col_text(h.s, 3));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "read record");
	}
	q_put(&h);
	return rc;
}

/* Upserts r into records (payload packed from its body). */
static int rec_put(struct store *st, const struct kind *k, const Safecampus__Record *r,
		   const char *written_by)
{
	const ProtobufCMessage *m = kind_payload(r);
	uint8_t *buf = NULL;
	size_t n = 0;
	struct qh h = {0};
	int rc = pack(m, &buf, &n);

	if (rc)
		return rc;
	rc = q_get(st, Q_REC_PUT, &h);
	if (rc)
		goto out;
	bind_text(&h, 1, r->id);
	bind_text(&h, 2, k->name);
	bind_text(&h, 3, r->school);
	bind_text(&h, 4, r->campus);
	sqlite3_bind_int64(h.s, 5, (int64_t)r->hlc);
	sqlite3_bind_int(h.s, 6, r->deleted ? 1 : 0);
	sqlite3_bind_int64(h.s, 7, (int64_t)r->seq);
	bind_text(&h, 8, written_by);
	if (parent_of(k, m))
		bind_text(&h, 9, parent_of(k, m));
	else
		sqlite3_bind_null(h.s, 9);
	bind_blob(&h, 10, buf, n);
	rc = q_done(st, &h, "write record");
out:
	q_put(&h);
	free(buf);
	return rc;
}

/* Remembers r as the version the server holds (if newer than the one known). */
static int rec_base(struct store *st, const Safecampus__Record *r)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	struct qh h = {0};
	int rc = pack(kind_payload(r), &buf, &n);

	if (rc)
		return rc;
	rc = q_get(st, Q_REC_BASE, &h);
	if (rc)
		goto out;
	bind_text(&h, 1, r->id);
	sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
	sqlite3_bind_int(h.s, 3, r->deleted ? 1 : 0);
	bind_blob(&h, 4, buf, n);
	rc = q_done(st, &h, "write record");
out:
	q_put(&h);
	free(buf);
	return rc;
}

static int rec_seq(struct store *st, const char *id, uint64_t seq)
{
	struct qh h;
	int rc = q_get(st, Q_REC_SEQ, &h);

	if (rc)
		return rc;
	bind_text(&h, 1, id);
	sqlite3_bind_int64(h.s, 2, (int64_t)seq);
	rc = q_done(st, &h, "write record");
	q_put(&h);
	return rc;
}

/* Pending outbox entry of id: *hlc and *state, *found false if none. */
static int ob_head(struct store *st, const char *id, uint64_t *hlc, int *state, bool *found)
{
	struct qh h;
	int rc = q_get(st, Q_OB_GET, &h);

	if (rc)
		return rc;
	*found = false;
	*hlc = 0;
	*state = 0;
	bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*found = true;
		*hlc = (uint64_t)sqlite3_column_int64(h.s, 0);
		*state = sqlite3_column_int(h.s, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "read outbox");
	}
	q_put(&h);
	return rc;
}

/* Queues r as it will be pushed: seq 0, written_by empty (server fills both). */
static int ob_put(struct store *st, const struct kind *k, Safecampus__Record *r)
{
	uint64_t seq = r->seq;
	char *wb = r->written_by;
	uint8_t *buf = NULL;
	size_t n = 0;
	struct qh h = {0};
	int rc;

	r->seq = 0;
	r->written_by = (char *)protobuf_c_empty_string;
	rc = pack(&r->base, &buf, &n);
	r->seq = seq;
	r->written_by = wb;
	if (rc)
		return rc;
	rc = q_get(st, Q_OB_PUT, &h);
	if (rc)
		goto out;
	bind_text(&h, 1, r->id);
	sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
	bind_text(&h, 3, k->name);
	bind_blob(&h, 4, buf, n);
	sqlite3_bind_int64(h.s, 5, now_ms());
	rc = q_done(st, &h, "write outbox");
out:
	q_put(&h);
	free(buf);
	return rc;
}

/* Checks r before any transaction: known kind, canonical id. */
static int write_check(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);

	if (!k || !kind_payload(r)) {
		set_error("record has no known kind");
		return SC_EINVALID;
	}
	if (!uuid_valid(r->id)) {
		set_error("record id '%s' is not a canonical UUID", r->id ? r->id : "");
		return SC_EINVALID;
	}
	return 0;
}

/* Fills an empty school or campus from the settings (the bureau's school is
 * "": filling it in changes nothing). cfg is loaded on first need. */
static int write_fill(struct store *st, struct store_config *cfg, bool *loaded,
		      Safecampus__Record *r)
{
	int rc;

	if (!str_empty(r->campus) && !str_empty(r->school))
		return 0;
	if (!*loaded) {
		rc = store_config_load(st, cfg);
		if (rc)
			return rc;
		*loaded = true;
	}
	/* the bureau's school is "": nothing to copy (and nothing to allocate) */
	if ((str_empty(r->school) && !str_empty(cfg->school) && set_str(&r->school, cfg->school)) ||
	    (str_empty(r->campus) && !str_empty(cfg->campus) && set_str(&r->campus, cfg->campus)))
		return -ENOMEM;
	return 0;
}

/* One local write inside the caller's transaction: stamps r from c, writes
 * records (written by campus `self`) and outbox. */
static int write_one(struct store *st, struct hlc *c, const char *self, Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	uint64_t head_hlc, head_seq;
	char head_kind[64];
	bool found;
	int rc = rec_head(st, r->id, head_kind, &head_hlc, &head_seq, NULL, &found);

	if (rc)
		return rc;
	if (found && strcmp(head_kind, k->name) != 0) {
		set_error("id %s already belongs to a %s record", r->id, head_kind);
		return SC_EINVALID;
	}
	if (found && k->immutable && head_seq != 0) {
		set_error("%s %s is immutable and the server already has it", k->name, r->id);
		return SC_EINVALID;
	}
	r->hlc = hlc_tick(c, hlc_wall_ms());
	r->seq = head_seq;
	/* an edit of another campus's record is still this campus's version */
	rc = rec_put(st, k, r, *self ? self : r->campus);
	if (rc)
		return rc;
	return ob_put(st, k, r);
}

int store_write(struct store *st, Safecampus__Record *r)
{
	Safecampus__Record *one[1] = {r};

	return store_write_batch(st, one, 1);
}

int store_write_batch(struct store *st, Safecampus__Record *const *recs, size_t n)
{
	clear_error();
	struct store_config cfg = {0};
	uint64_t *old_hlc = NULL;
	bool loaded = false, in_tx = false;
	struct hlc c;
	char self[64];
	size_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	old_hlc = malloc(n * sizeof *old_hlc);
	if (!old_hlc)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!recs[i]) {
			set_error("record %zu of the batch is missing", i + 1);
			rc = SC_EINVALID;
			goto out;
		}
		old_hlc[i] = recs[i]->hlc;
		rc = write_check(recs[i]);
		if (rc) {
			if (n > 1) {
				char keep[sizeof last_error];
				memcpy(keep, last_error, sizeof keep);
				set_error("record %zu of the batch: %s", i + 1, keep);
			}
			goto out;
		}
		rc = write_fill(st, &cfg, &loaded, recs[i]);
		if (rc)
			goto out;
	}
	rc = tx_begin(st);
	if (rc)
		goto out;
	in_tx = true;
	rc = hlc_load(st, &c);
	if (rc == 0)
		rc = own_campus(st, self);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = write_one(st, &c, self, recs[i]);
		if (rc && n > 1) {
			char keep[sizeof last_error];
			memcpy(keep, last_error, sizeof keep);
			set_error("record %zu of the batch: %s", i + 1, keep);
		}
	}
	if (rc == 0)
		rc = hlc_save(st, &c);
out:
	if (in_tx)
		rc = tx_end(st, rc);
	if (rc) /* nothing was written: give the records their stamps back */
		for (i = 0; i < n; i++)
			if (recs[i])
				recs[i]->hlc = old_hlc[i];
	free(old_hlc);
	store_config_free(&cfg);
	return rc;
}

/* ---------------------------------------------------------------- blobs */

int store_blob_put(struct store *st, const char *key, const void *data, size_t len)
{
	clear_error();
	struct qh h = {0};
	int rc;

	if (str_empty(key)) {
		set_error("blob key is empty");
		return SC_EINVALID;
	}
	if (len > (size_t)INT32_MAX) {
		set_error("blob %s is too large (%zu bytes)", key, len);
		return -E2BIG;
	}
	rc = tx_begin(st);
	if (rc)
		return rc;
	rc = q_get(st, Q_BLOB_PUT, &h);
	if (rc)
		goto out;
	bind_text(&h, 1, key);
	bind_blob(&h, 2, data, len);
	sqlite3_bind_int64(h.s, 3, now_ms());
	rc = q_done(st, &h, "write blob");
out:
	q_put(&h);
	return tx_end(st, rc);
}

int store_blob_get(struct store *st, const char *key, void **data, size_t *len,
		   int64_t *stored_ms)
{
	clear_error();
	struct qh h;
	int rc;

	*data = NULL;
	*len = 0;
	if (stored_ms)
		*stored_ms = 0;
	rc = q_get(st, Q_BLOB_GET, &h);
	if (rc)
		return rc;
	bind_text(&h, 1, key ? key : "");
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
		set_error("nothing stored under %s", key ? key : "");
		rc = SC_ENOTFOUND;
	} else {
		rc = sql_fail(st, rc, "read blob");
	}
	q_put(&h);
	return rc;
}

/* ---------------------------------------------------------------- sync side */

int store_outbox_stats(struct store *st, struct store_outbox_stats *s)
{
	clear_error();
	struct qh h;
	int rc = q_get(st, Q_OB_STATS, &h);

	memset(s, 0, sizeof *s);
	if (rc)
		return rc;
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		s->pending = (uint64_t)sqlite3_column_int64(h.s, 0);
		s->rejected = (uint64_t)sqlite3_column_int64(h.s, 1);
		s->oldest_pending_ms = sqlite3_column_int64(h.s, 2);
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "read outbox");
	}
	q_put(&h);
	return rc;
}

void store_batch_free(Safecampus__Record **recs, size_t n)
{
	if (!recs)
		return;
	for (size_t i = 0; i < n; i++)
		safecampus__record__free_unpacked(recs[i], NULL);
	free(recs);
}

int store_outbox_batch(struct store *st, size_t max, Safecampus__Record ***out, size_t *n)
{
	clear_error();
	static const uint8_t empty;
	Safecampus__Record **recs = NULL;
	size_t cnt = 0;
	struct qh h = {0};
	int rc;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if (max > (size_t)INT32_MAX)
		max = INT32_MAX;
	rc = q_get(st, Q_OB_BATCH, &h);
	if (rc)
		return rc;
	sqlite3_bind_int64(h.s, 1, (int64_t)max);
	recs = calloc(max < 1024 ? max : 1024, sizeof *recs);
	if (!recs) {
		rc = -ENOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(h.s, 0);
		size_t len = (size_t)sqlite3_column_bytes(h.s, 0);
		Safecampus__Record *r;
		if (cnt >= 1024 && (cnt & (cnt - 1)) == 0) {
			Safecampus__Record **more = realloc(recs, 2 * cnt * sizeof *recs);
			if (!more) {
				rc = -ENOMEM;
				goto out;
			}
			recs = more;
		}
		r = safecampus__record__unpack(NULL, len, blob ? blob : &empty);
		if (!r) {
			set_error("an outbox entry in %s does not decode (damaged store?)",
				  st->path);
			rc = SC_ESQLITE;
			goto out;
		}
		recs[cnt++] = r;
	}
	if (rc != SQLITE_DONE) {
		rc = sql_fail(st, rc, "read outbox");
		goto out;
	}
	rc = 0;
	*out = recs;
	*n = cnt;
	recs = NULL;
out:
	q_put(&h);
	store_batch_free(recs, cnt);
	return rc;
}

/* Merges a remote stamp; one too far in the future is logged and ignored
 * (the row is still stored: the server accepted it). */
static void observe(struct hlc *c, uint64_t remote)
{
	if (remote && hlc_observe(c, remote, hlc_wall_ms()) != 0)
		log_warn("store ignoring far-future hlc=%llu ms=%llu", (unsigned long long)remote,
			 (unsigned long long)HLC_MS(remote));
}

int store_apply_ack(struct store *st, Safecampus__Record *const *sent, size_t n,
		    const Safecampus__PushAck *ack)
{
	clear_error();
	struct hlc c;
	int rc;

	if (!ack || ack->n_results != n) {
		set_error("push ack has %zu results for %zu records", ack ? ack->n_results : 0, n);
		return SC_EPROTO;
	}
	for (size_t i = 0; i < n; i++) {
		const Safecampus__RecordResult *res = ack->results[i];
		if (!res || !sent[i] || !res->id || !sent[i]->id || strcmp(res->id, sent[i]->id)) {
			set_error("push ack result %zu does not match the record sent", i);
			return SC_EPROTO;
		}
	}
	rc = tx_begin(st);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const Safecampus__RecordResult *res = ack->results[i];
		const Safecampus__Record *r = sent[i];
		struct qh h;
		if (res->accepted) {
			rc = q_get(st, Q_OB_ACK_DEL, &h);
			if (rc)
				break;
			bind_text(&h, 1, r->id);
			sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
			rc = q_done(st, &h, "apply ack");
			q_put(&h);
			if (rc == 0 && res->seq)
				rc = rec_seq(st, r->id, res->seq);
			if (rc == 0 && kind_of(r))
				rc = rec_base(st, r);
		} else {
			rc = q_get(st, Q_OB_REJECT, &h);
			if (rc)
				break;
			bind_text(&h, 1, r->id);
			sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
			sqlite3_bind_int(h.s, 3, (int)res->reason);
			bind_text(&h, 4, res->detail);
			sqlite3_bind_int64(h.s, 5, now_ms());
			rc = q_done(st, &h, "apply ack");
			q_put(&h);
		}
	}
	if (rc == 0 && ack->server_hlc) {
		rc = hlc_load(st, &c);
		if (rc == 0) {
			observe(&c, ack->server_hlc);
			rc = hlc_save(st, &c);
		}
	}
	return tx_end(st, rc);
}

/* One pulled row, inside the caller's transaction; `self` is this store's
 * campus, the writer of its outbox entries. */
static int apply_one(struct store *st, struct hlc *c, const char *self, const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const char *writer = str_empty(r->written_by) ? r->campus : r->written_by;
	uint64_t head_hlc, head_seq, ob_hlc;
	char head_kind[64], head_writer[64];
	bool found, ob_found;
	int ob_state, rc;

	if (!k || !kind_payload(r) || !uuid_valid(r->id)) {
		log_warn("store skipping pulled row id=%s case=%d (unknown kind or bad id)",
			 r->id ? r->id : "", (int)r->body_case);
		return 0;
	}
	observe(c, r->hlc);
	rc = rec_head(st, r->id, head_kind, &head_hlc, &head_seq, head_writer, &found);
	if (rc)
		return rc;
	if (found && strcmp(head_kind, k->name) != 0) {
		log_warn("store skipping pulled row id=%s kind=%s: local row is a %s", r->id,
			 k->name, head_kind);
		return 0;
	}
	if (found && k->immutable) {
		/* insert-if-absent: only learn the server's sequence */
		return r->seq ? rec_seq(st, r->id, r->seq) : 0;
	}
	rc = ob_head(st, r->id, &ob_hlc, &ob_state, &ob_found);
	if (rc)
		return rc;
	if ((ob_found && hlc_version_cmp(ob_hlc, self, r->hlc, writer) > 0) ||
	    (found && hlc_version_cmp(head_hlc, head_writer, r->hlc, writer) > 0)) {
		/* a newer local write waits in the outbox (or a newer version is
		 * here already): keep it, remember what the server holds */
		if (r->seq)
			rc = rec_seq(st, r->id, r->seq);
		if (rc == 0)
			rc = rec_base(st, r);
		return rc;
	}
	rc = rec_put(st, k, r, writer);
	if (rc == 0)
		rc = rec_base(st, r);
	return rc;
}

int store_apply_changes(struct store *st, const Safecampus__Changes *ch)
{
	clear_error();
	struct hlc c;
	char self[64];
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = hlc_load(st, &c);
	if (rc == 0)
		rc = own_campus(st, self);
	for (size_t i = 0; rc == 0 && i < ch->n_records; i++)
		if (ch->records[i])
			rc = apply_one(st, &c, self, ch->records[i]);
	if (rc == 0)
		rc = hlc_save(st, &c);
	if (rc == 0)
		rc = meta_put_int(st, "cursor", (int64_t)ch->cursor);
	return tx_end(st, rc);
}

int store_cursor(struct store *st, uint64_t *cursor)
{
	clear_error();
	int64_t v;
	int rc = meta_get_int(st, "cursor", &v, NULL);

	*cursor = rc ? 0 : (uint64_t)v;
	return rc;
}

int store_set_cursor(struct store *st, uint64_t cursor)
{
	clear_error();
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = meta_put_int(st, "cursor", (int64_t)cursor);
	return tx_end(st, rc);
}

int store_observe_hlc(struct store *st, uint64_t server_hlc)
{
	clear_error();
	struct hlc c;
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = hlc_load(st, &c);
	if (rc == 0 && server_hlc) {
		rc = hlc_observe(&c, server_hlc, hlc_wall_ms());
		if (rc) {
			char srv[32], here[32];
			fmt_utc(HLC_MS(server_hlc), srv, sizeof srv);
			fmt_utc(hlc_wall_ms(), here, sizeof here);
			set_error("the server's clock reads %s but this computer's reads %s (more "
				  "than %llu h behind); check the date and time here", srv, here,
				  (unsigned long long)(HLC_MAX_DRIFT_MS / 3600000));
		}
	}
	if (rc == 0)
		rc = hlc_save(st, &c);
	return tx_end(st, rc);
}

int store_hlc(struct store *st, uint64_t *hlc)
{
	clear_error();
	struct hlc c = {0};
	int rc = hlc_load(st, &c);

	*hlc = c.last;
	return rc;
}

int store_set_last_sync(struct store *st, int64_t ms)
{
	clear_error();
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = meta_put_int(st, "last_sync_ms", ms);
	return tx_end(st, rc);
}

int store_last_sync(struct store *st, int64_t *ms)
{
	clear_error();
	return meta_get_int(st, "last_sync_ms", ms, NULL);
}

/* ---------------------------------------------------------------- outbox for people */

int store_each_rejected(struct store *st, store_rejected_cb cb, void *arg)
{
	clear_error();
	struct store_rejected rj;
	struct qh h;
	int rc = q_get(st, Q_OB_REJECTED, &h);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		int stop;
		memset(&rj, 0, sizeof rj);
		snprintf(rj.id, sizeof rj.id, "%s", col_text(h.s, 0));
		snprintf(rj.kind, sizeof rj.kind, "%s", col_text(h.s, 1));
		rj.reason = sqlite3_column_int(h.s, 2);
		snprintf(rj.detail, sizeof rj.detail, "%s", col_text(h.s, 3));
		stop = cb(arg, &rj);
		if (stop) {
			q_put(&h);
			return stop;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "read outbox");
	q_put(&h);
	return rc;
}

int store_each_outbox(struct store *st, store_outbox_cb cb, void *arg)
{
	clear_error();
	struct store_outbox_entry e;
	struct qh h;
	int rc = q_get(st, Q_OB_EACH, &h);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		int stop;
		memset(&e, 0, sizeof e);
		snprintf(e.id, sizeof e.id, "%s", col_text(h.s, 0));
		snprintf(e.kind, sizeof e.kind, "%s", col_text(h.s, 1));
		e.rejected = sqlite3_column_int(h.s, 2) == OB_REJECTED;
		e.hlc = (uint64_t)sqlite3_column_int64(h.s, 3);
		e.created_ms = sqlite3_column_int64(h.s, 4);
		e.updated_ms = sqlite3_column_int64(h.s, 5);
		e.reason = sqlite3_column_int(h.s, 6);
		snprintf(e.detail, sizeof e.detail, "%s", col_text(h.s, 7));
		stop = cb(arg, &e);
		if (stop) {
			q_put(&h);
			return stop;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "read outbox");
	q_put(&h);
	return rc;
}

static int run_id(struct store *st, enum q id, const char *rid, const char *what)
{
	struct qh h;
	int rc = q_get(st, id, &h);

	if (rc)
		return rc;
	bind_text(&h, 1, rid);
	rc = q_done(st, &h, what);
	q_put(&h);
	return rc;
}

int store_outbox_discard(struct store *st, const char *id)
{
	clear_error();
	uint64_t ob_hlc, head_hlc, head_seq;
	char head_kind[64];
	bool ob_found, found;
	int state;
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = ob_head(st, id, &ob_hlc, &state, &ob_found);
	if (rc)
		goto out;
	if (!ob_found) {
		set_error("no outbox entry for %s", id);
		rc = SC_ENOTFOUND;
		goto out;
	}
	rc = run_id(st, Q_OB_DEL, id, "discard");
	if (rc)
		goto out;
	rc = rec_head(st, id, head_kind, &head_hlc, &head_seq, NULL, &found);
	if (rc || !found)
		goto out;
	if (head_seq == 0) {
		/* the server never had it: it goes, and so do its children that
		 * the server never had either (they could only be rejected) */
		rc = run_id(st, Q_CHILD_OB_DEL, id, "discard");
		if (rc == 0)
			rc = run_id(st, Q_CHILD_REC_DEL, id, "discard");
		if (rc == 0)
			rc = run_id(st, Q_REC_DEL, id, "discard");
	} else {
		/* back to the version the server holds */
		rc = run_id(st, Q_REC_RESTORE, id, "discard");
	}
out:
	return tx_end(st, rc);
}

int store_outbox_retry(struct store *st, const char *id)
{
	clear_error();
	uint64_t ob_hlc;
	bool found;
	int state;
	struct qh h = {0};
	int rc = tx_begin(st);

	if (rc)
		return rc;
	rc = ob_head(st, id, &ob_hlc, &state, &found);
	if (rc)
		goto out;
	if (!found) {
		set_error("no outbox entry for %s", id);
		rc = SC_ENOTFOUND;
		goto out;
	}
	rc = q_get(st, Q_OB_RETRY, &h);
	if (rc)
		goto out;
	bind_text(&h, 1, id);
	sqlite3_bind_int64(h.s, 2, now_ms());
	rc = q_done(st, &h, "retry");
out:
	q_put(&h);
	return tx_end(st, rc);
}

/* ---------------------------------------------------------------- lookups for the CLI */

int store_sync_state(struct store *st, const char *id, enum store_sync_state *state)
{
	clear_error();
	uint64_t hlc;
	bool found;
	int ob_state;
	int rc = ob_head(st, id, &hlc, &ob_state, &found);

	*state = STORE_SYNCED;
	if (rc)
		return rc;
	if (found)
		*state = ob_state == OB_REJECTED ? STORE_REJECTED : STORE_PENDING;
	return 0;
}

int store_count(struct store *st, const char *kind, uint64_t *n)
{
	clear_error();
	struct qh h;
	int rc = q_get(st, kind ? Q_REC_COUNT_KIND : Q_REC_COUNT, &h);

	*n = 0;
	if (rc)
		return rc;
	if (kind)
		bind_text(&h, 1, kind);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(h.s, 0);
		rc = 0;
	} else {
		rc = sql_fail(st, rc, "count records");
	}
	q_put(&h);
	return rc;
}

int store_resolve_id(struct store *st, const char *prefix, char out[37])
{
	clear_error();
	char pat[UUID_STR_LEN + 2];
	size_t len = prefix ? strlen(prefix) : 0;
	int found = 0;
	struct qh h;
	int rc;

	out[0] = '\0';
	if (len < 4 || len > UUID_STR_LEN) {
		set_error("'%s' is not a record id (give the full id or at least 4 of its "
			  "first characters)", prefix ? prefix : "");
		return SC_EINVALID;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = prefix[i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-')) {
			set_error("'%s' is not a record id (hex digits and '-' only)", prefix);
			return SC_EINVALID;
		}
		pat[i] = ch;
	}
	pat[len] = '*';
	pat[len + 1] = '\0';
	rc = q_get(st, Q_REC_PREFIX, &h);
	if (rc)
		return rc;
	bind_text(&h, 1, pat);
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		if (found++ == 0)
			snprintf(out, UUID_STR_LEN + 1, "%s", col_text(h.s, 0));
	}
	if (rc != SQLITE_DONE) {
		rc = sql_fail(st, rc, "find record");
	} else if (found == 0) {
		set_error("no record with id %s", prefix);
		rc = SC_ENOTFOUND;
	} else if (found > 1) {
		set_error("id prefix %s matches more than one record; give more characters",
			  prefix);
		out[0] = '\0';
		rc = -ENOTUNIQ;
	} else {
		rc = 0;
	}
	q_put(&h);
	return rc;
}
