/* The client store: local writes (records and their outbox entries in one
 * transaction) and the record helpers the sync side shares. See store.h. */
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


/* ---------------------------------------------------------------- records */

/* Builds a record from a row of REC_COLS. The result frees with
 * safecampus__record__free_unpacked(r, NULL). */
static int row_record(struct store *st, sqlite3_stmt *s, Safecampus__Record **out)
{
	static const uint8_t empty;
	const char *kname = store__col_text(s, 1);
	const struct kind *k = kind_by_name(kname);
	const void *blob = sqlite3_column_blob(s, 8);
	size_t n = (size_t)sqlite3_column_bytes(s, 8);
	Safecampus__Record *r = NULL;
	ProtobufCMessage *m;
	int rc = 0;

	*out = NULL;
	if (!k) {
		store__set_error(_("record %s has kind '%s', unknown to this program"),
				 store__col_text(s, 0), kname);
		return SC_EINVALID;
	}
	m = protobuf_c_message_unpack(k->desc, NULL, n, blob ? blob : &empty);
	if (!m) {
		store__set_error(_("record %s in %s does not decode (damaged store?)"),
				 store__col_text(s, 0), st->path);
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
	if (sqlite3_column_type(s, 9) == SQLITE_BLOB) {
		/* a signature that does not decode is left out: verify then says
		 * the record is unsigned, which is what it has become */
		r->signature = safecampus__signature__unpack(
			NULL, (size_t)sqlite3_column_bytes(s, 9), sqlite3_column_blob(s, 9));
	}
	if (store__set_str(&r->id, store__col_text(s, 0)) ||
	    store__set_str(&r->school, store__col_text(s, 2)) ||
	    store__set_str(&r->campus, store__col_text(s, 3)) ||
	    store__set_str(&r->written_by, store__col_text(s, 7))) {
		rc = -ENOMEM;
		safecampus__record__free_unpacked(r, NULL);
		r = NULL;
	}
	*out = r;
	return rc;
}

int store_get(struct store *st, const char *id, Safecampus__Record **out)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, Q_REC_GET, &h);

	*out = NULL;
	if (rc)
		return rc;
	store__bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW)
		rc = row_record(st, h.s, out);
	else if (rc == SQLITE_DONE) {
		store__set_error(_("no record %s"), id);
		rc = SC_ENOTFOUND;
	} else {
		rc = store__sql_fail(st, rc, "read record");
	}
	store__q_put(&h);
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
			log_warn("store skipping record: %s", store__last_error);
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
		return store__sql_fail(st, rc, "read records");
	return 0;
}

int store_each(struct store *st, const char *kind, store_each_cb cb, void *arg)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, kind ? Q_REC_EACH_KIND : Q_REC_EACH, &h);

	if (rc)
		return rc;
	if (kind)
		store__bind_text(&h, 1, kind);
	rc = each_rows(st, &h, cb, arg);
	store__q_put(&h);
	return rc;
}

int store_each_child(struct store *st, const char *kind, const char *parent_id, store_each_cb cb,
		     void *arg)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, Q_REC_EACH_CHILD, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, kind);
	store__bind_text(&h, 2, parent_id);
	rc = each_rows(st, &h, cb, arg);
	store__q_put(&h);
	return rc;
}

int store_each_parented(struct store *st, const char *kind, store_parented_cb cb, void *arg)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, Q_REC_EACH_PARENTED, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, kind);
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		Safecampus__Record *r;
		enum store_sync_state ss = STORE_SYNCED;
		int stop;
		rc = row_record(st, h.s, &r);
		if (rc == SC_EINVALID) {
			log_warn("store skipping record: %s", store__last_error);
			continue;
		}
		if (rc)
			goto out;
		/* outbox.state: NULL (no entry), OB_PENDING or OB_REJECTED, as
		 * store_sync_state reads it */
		if (sqlite3_column_type(h.s, 11) != SQLITE_NULL)
			ss = sqlite3_column_int(h.s, 11) == OB_REJECTED ? STORE_REJECTED
									: STORE_PENDING;
		stop = cb(arg, store__col_text(h.s, 10), r, ss); /* r is cb's now */
		if (stop) {
			rc = stop;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "read records");
out:
	store__q_put(&h);
	return rc;
}

/* kind, hlc, seq and writer (NULL: not wanted) of an existing row; *found
 * false if absent. */
int store__rec_head(struct store *st, const char *id, char kind[64], uint64_t *hlc, uint64_t *seq,
		    char writer[64], bool *found)
{
	struct qh h;
	int rc = store__q_get(st, Q_REC_HEAD, &h);

	if (rc)
		return rc;
	*found = false;
	*hlc = *seq = 0;
	kind[0] = '\0';
	if (writer)
		writer[0] = '\0';
	store__bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*found = true;
		snprintf(kind, 64, "%s", store__col_text(h.s, 0));
		*hlc = (uint64_t)sqlite3_column_int64(h.s, 1);
		*seq = (uint64_t)sqlite3_column_int64(h.s, 2);
		if (writer)
			snprintf(writer, 64, "%s", store__col_text(h.s, 3));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "read record");
	}
	store__q_put(&h);
	return rc;
}

/* Upserts r into records (payload packed from its body). */
int store__rec_put(struct store *st, const struct kind *k, const Safecampus__Record *r,
		   const char *written_by)
{
	const ProtobufCMessage *m = kind_payload(r);
	uint8_t *buf = NULL, *sig = NULL;
	size_t n = 0;
	struct qh h = { 0 };
	int rc = store__pack(m, &buf, &n);

	if (rc)
		return rc;
	rc = store__q_get(st, Q_REC_PUT, &h);
	if (rc)
		goto out;
	store__bind_text(&h, 1, r->id);
	store__bind_text(&h, 2, k->name);
	store__bind_text(&h, 3, r->school);
	store__bind_text(&h, 4, r->campus);
	sqlite3_bind_int64(h.s, 5, (int64_t)r->hlc);
	sqlite3_bind_int(h.s, 6, r->deleted ? 1 : 0);
	sqlite3_bind_int64(h.s, 7, (int64_t)r->seq);
	store__bind_text(&h, 8, written_by);
	if (store__parent_of(k, m))
		store__bind_text(&h, 9, store__parent_of(k, m));
	else
		sqlite3_bind_null(h.s, 9);
	store__bind_blob(&h, 10, buf, n);
	if (r->signature) {
		size_t sn = protobuf_c_message_get_packed_size(&r->signature->base);
		sig = malloc(sn ? sn : 1);
		if (!sig) {
			rc = -ENOMEM;
			goto out;
		}
		store__bind_blob(&h, 11, sig, protobuf_c_message_pack(&r->signature->base, sig));
	} else {
		sqlite3_bind_null(h.s, 11);
	}
	rc = store__q_done(st, &h, "write record");
out:
	store__q_put(&h);
	free(buf);
	free(sig);
	return rc;
}

/* Remembers r as the version the server holds (if newer than the one known). */
int store__rec_base(struct store *st, const Safecampus__Record *r)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	struct qh h = { 0 };
	int rc = store__pack(kind_payload(r), &buf, &n);

	if (rc)
		return rc;
	rc = store__q_get(st, Q_REC_BASE, &h);
	if (rc)
		goto out;
	store__bind_text(&h, 1, r->id);
	sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
	sqlite3_bind_int(h.s, 3, r->deleted ? 1 : 0);
	store__bind_blob(&h, 4, buf, n);
	rc = store__q_done(st, &h, "write record");
out:
	store__q_put(&h);
	free(buf);
	return rc;
}

int store__rec_seq(struct store *st, const char *id, uint64_t seq)
{
	struct qh h;
	int rc = store__q_get(st, Q_REC_SEQ, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, id);
	sqlite3_bind_int64(h.s, 2, (int64_t)seq);
	rc = store__q_done(st, &h, "write record");
	store__q_put(&h);
	return rc;
}

/* Pending outbox entry of id: *hlc and *state, *found false if none. */
int store__ob_head(struct store *st, const char *id, uint64_t *hlc, int *state, bool *found)
{
	struct qh h;
	int rc = store__q_get(st, Q_OB_GET, &h);

	if (rc)
		return rc;
	*found = false;
	*hlc = 0;
	*state = 0;
	store__bind_text(&h, 1, id);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*found = true;
		*hlc = (uint64_t)sqlite3_column_int64(h.s, 0);
		*state = sqlite3_column_int(h.s, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "read outbox");
	}
	store__q_put(&h);
	return rc;
}

/* Queues r as it will be pushed: seq 0, written_by empty (server fills both). */
static int ob_put(struct store *st, const struct kind *k, Safecampus__Record *r)
{
	uint64_t seq = r->seq;
	char *wb = r->written_by;
	uint8_t *buf = NULL;
	size_t n = 0;
	struct qh h = { 0 };
	int rc;

	r->seq = 0;
	r->written_by = (char *)protobuf_c_empty_string;
	rc = store__pack(&r->base, &buf, &n);
	r->seq = seq;
	r->written_by = wb;
	if (rc)
		return rc;
	rc = store__q_get(st, Q_OB_PUT, &h);
	if (rc)
		goto out;
	store__bind_text(&h, 1, r->id);
	sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
	store__bind_text(&h, 3, k->name);
	store__bind_blob(&h, 4, buf, n);
	sqlite3_bind_int64(h.s, 5, store__now_ms());
	rc = store__q_done(st, &h, "write outbox");
out:
	store__q_put(&h);
	free(buf);
	return rc;
}

/* Checks r before any transaction: known kind, canonical id. */
static int write_check(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);

	if (!k || !kind_payload(r)) {
		store__set_error(_("record has no known kind"));
		return SC_EINVALID;
	}
	if (!uuid_valid(r->id)) {
		store__set_error(_("record id '%s' is not a canonical UUID"), r->id ? r->id : "");
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

	if (!store__str_empty(r->campus) && !store__str_empty(r->school))
		return 0;
	if (!*loaded) {
		rc = store_config_load(st, cfg);
		if (rc)
			return rc;
		*loaded = true;
	}
	/* the bureau's school is "": nothing to copy (and nothing to allocate) */
	if ((store__str_empty(r->school) && !store__str_empty(cfg->school) &&
	     store__set_str(&r->school, cfg->school)) ||
	    (store__str_empty(r->campus) && !store__str_empty(cfg->campus) &&
	     store__set_str(&r->campus, cfg->campus)))
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
	int rc = store__rec_head(st, r->id, head_kind, &head_hlc, &head_seq, NULL, &found);

	if (rc)
		return rc;
	if (found && strcmp(head_kind, k->name) != 0) {
		store__set_error(_("id %s already belongs to a %s record"), r->id, head_kind);
		return SC_EINVALID;
	}
	if (found && k->immutable && head_seq != 0) {
		store__set_error(_("%s %s is immutable and the server already has it"), k->name,
				 r->id);
		return SC_EINVALID;
	}
	r->hlc = hlc_tick(c, hlc_wall_ms());
	r->seq = head_seq;
	/* an edit of another campus's record is still this campus's version */
	rc = store__rec_put(st, k, r, *self ? self : r->campus);
	if (rc)
		return rc;
	return ob_put(st, k, r);
}

int store_write(struct store *st, Safecampus__Record *r)
{
	Safecampus__Record *one[1] = { r };

	return store_write_batch(st, one, 1);
}

int store_write_batch(struct store *st, Safecampus__Record *const *recs, size_t n)
{
	store__clear_error();
	struct store_config cfg = { 0 };
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
			store__set_error(_("record %zu of the batch is missing"), i + 1);
			rc = SC_EINVALID;
			goto out;
		}
		old_hlc[i] = recs[i]->hlc;
		rc = write_check(recs[i]);
		if (rc) {
			if (n > 1) {
				char keep[sizeof store__last_error];
				memcpy(keep, store__last_error, sizeof keep);
				store__set_error(_("record %zu of the batch: %s"), i + 1, keep);
			}
			goto out;
		}
		rc = write_fill(st, &cfg, &loaded, recs[i]);
		if (rc)
			goto out;
	}
	rc = store__tx_begin(st);
	if (rc)
		goto out;
	in_tx = true;
	rc = store__hlc_load(st, &c);
	if (rc == 0)
		rc = store__own_campus(st, self);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = write_one(st, &c, self, recs[i]);
		if (rc && n > 1) {
			char keep[sizeof store__last_error];
			memcpy(keep, store__last_error, sizeof keep);
			store__set_error(_("record %zu of the batch: %s"), i + 1, keep);
		}
	}
	if (rc == 0)
		rc = store__hlc_save(st, &c);
out:
	if (in_tx)
		rc = store__tx_end(st, rc);
	if (rc) /* nothing was written: give the records their stamps back */
		for (i = 0; i < n; i++)
			if (recs[i])
				recs[i]->hlc = old_hlc[i];
	free(old_hlc);
	store_config_free(&cfg);
	return rc;
}

/* ---------------------------------------------------------------- schools */

int store_school_known(struct store *st, const char *school, bool *any, bool *known)
{
	store__clear_error();
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db,
				    "SELECT EXISTS (SELECT 1 FROM records WHERE school <> ''), "
				    "EXISTS (SELECT 1 FROM records WHERE school = ?1)",
				    -1, &s, NULL);

	*any = *known = false;
	if (rc != SQLITE_OK)
		return store__sql_fail(st, rc, "look a school up");
	sqlite3_bind_text(s, 1, school ? school : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*any = sqlite3_column_int(s, 0) != 0;
		*known = sqlite3_column_int(s, 1) != 0;
		rc = 0;
	} else {
		rc = store__sql_fail(st, rc, "look a school up");
	}
	sqlite3_finalize(s);
	return rc;
}

int store_schools(struct store *st, char (**out)[64], size_t *n)
{
	store__clear_error();
	sqlite3_stmt *s = NULL;
	char(*v)[64] = NULL;
	size_t cap = 0;
	/* DISTINCT over the column, no payload decoded: what report_schools
	 * found by reading every record (a third of the bureau's report) */
	int rc = sqlite3_prepare_v2(st->db,
				    "SELECT DISTINCT school FROM records WHERE school <> '' "
				    "ORDER BY school",
				    -1, &s, NULL);

	*out = NULL;
	*n = 0;
	if (rc != SQLITE_OK)
		return store__sql_fail(st, rc, "list the schools");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			char(*more)[64];
			cap = cap ? 2 * cap : 16;
			more = realloc(v, cap * sizeof *more);
			if (!more) {
				rc = -ENOMEM;
				goto out;
			}
			v = more;
		}
		snprintf(v[(*n)++], 64, "%s", store__col_text(s, 0));
	}
	rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "list the schools");
out:
	sqlite3_finalize(s);
	if (rc) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}
