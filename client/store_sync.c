/* The client store, sync side: outbox batches, acknowledgements, pulled
 * rows, the cursor and clock, and the outbox as people see it. See store.h. */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
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


/* ---------------------------------------------------------------- sync side */

int store_outbox_stats(struct store *st, struct store_outbox_stats *s)
{
	store__clear_error();
	struct qh h;
	int rc = store__q_get(st, Q_OB_STATS, &h);

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
		rc = store__sql_fail(st, rc, "read outbox");
	}
	store__q_put(&h);
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
	store__clear_error();
	static const uint8_t empty;
	Safecampus__Record **recs = NULL;
	size_t cnt = 0, bytes = 0;
	struct qh h = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if (max > (size_t)INT32_MAX)
		max = INT32_MAX;
	rc = store__q_get(st, Q_OB_BATCH, &h);
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
		if (cnt > 0 && bytes + len > STORE_BATCH_BYTES) {
			rc = SQLITE_DONE; /* the rest go in the next Push */
			break;
		}
		bytes += len;
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
			store__set_error(
				_("an outbox entry in %s does not decode (damaged store?)"),
				st->path);
			rc = SC_ESQLITE;
			goto out;
		}
		/* one school's records per Push: the server acts for one school
		 * per Push (the bureau writes a school's letter_event) */
		if (cnt > 0 && strcmp(r->school ? r->school : "",
				      recs[0]->school ? recs[0]->school : "") != 0) {
			safecampus__record__free_unpacked(r, NULL);
			rc = SQLITE_DONE; /* the rest go in the next Push */
			break;
		}
		recs[cnt++] = r;
	}
	if (rc != SQLITE_DONE) {
		rc = store__sql_fail(st, rc, "read outbox");
		goto out;
	}
	rc = 0;
	*out = recs;
	*n = cnt;
	recs = NULL;
out:
	store__q_put(&h);
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
	store__clear_error();
	struct hlc c;
	int rc;

	if (!ack || ack->n_results != n) {
		store__set_error(_("push ack has %zu results for %zu records"),
				 ack ? ack->n_results : 0, n);
		return SC_EPROTO;
	}
	for (size_t i = 0; i < n; i++) {
		const Safecampus__RecordResult *res = ack->results[i];
		if (!res || !sent[i] || !res->id || !sent[i]->id || strcmp(res->id, sent[i]->id)) {
			store__set_error(_("push ack result %zu does not match the record sent"),
					 i);
			return SC_EPROTO;
		}
	}
	rc = store__tx_begin(st);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const Safecampus__RecordResult *res = ack->results[i];
		const Safecampus__Record *r = sent[i];
		struct qh h;
		if (res->accepted) {
			rc = store__q_get(st, Q_OB_ACK_DEL, &h);
			if (rc)
				break;
			store__bind_text(&h, 1, r->id);
			sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
			rc = store__q_done(st, &h, "apply ack");
			store__q_put(&h);
			if (rc == 0 && res->seq)
				rc = store__rec_seq(st, r->id, res->seq);
			if (rc == 0 && kind_of(r))
				rc = store__rec_base(st, r);
		} else {
			rc = store__q_get(st, Q_OB_REJECT, &h);
			if (rc)
				break;
			store__bind_text(&h, 1, r->id);
			sqlite3_bind_int64(h.s, 2, (int64_t)r->hlc);
			sqlite3_bind_int(h.s, 3, (int)res->reason);
			store__bind_text(&h, 4, res->detail);
			sqlite3_bind_int64(h.s, 5, store__now_ms());
			rc = store__q_done(st, &h, "apply ack");
			store__q_put(&h);
		}
	}
	if (rc == 0 && ack->server_hlc) {
		rc = store__hlc_load(st, &c);
		if (rc == 0) {
			observe(&c, ack->server_hlc);
			rc = store__hlc_save(st, &c);
		}
	}
	return store__tx_end(st, rc);
}

/* One pulled row, inside the caller's transaction; `self` is this store's
 * campus, the writer of its outbox entries. */
static int apply_one(struct store *st, struct hlc *c, const char *self, const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const char *writer = store__str_empty(r->written_by) ? r->campus : r->written_by;
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
	rc = store__rec_head(st, r->id, head_kind, &head_hlc, &head_seq, head_writer, &found);
	if (rc)
		return rc;
	if (found && strcmp(head_kind, k->name) != 0) {
		log_warn("store skipping pulled row id=%s kind=%s: local row is a %s", r->id,
			 k->name, head_kind);
		return 0;
	}
	if (found && k->immutable) {
		/* insert-if-absent: only learn the server's sequence */
		return r->seq ? store__rec_seq(st, r->id, r->seq) : 0;
	}
	rc = store__ob_head(st, r->id, &ob_hlc, &ob_state, &ob_found);
	if (rc)
		return rc;
	if ((ob_found && hlc_version_cmp(ob_hlc, self, r->hlc, writer) > 0) ||
	    (found && hlc_version_cmp(head_hlc, head_writer, r->hlc, writer) > 0)) {
		/* a newer local write waits in the outbox (or a newer version is
		 * here already): keep it, remember what the server holds */
		if (r->seq)
			rc = store__rec_seq(st, r->id, r->seq);
		if (rc == 0)
			rc = store__rec_base(st, r);
		return rc;
	}
	rc = store__rec_put(st, k, r, writer);
	if (rc == 0)
		rc = store__rec_base(st, r);
	return rc;
}

int store_apply_changes(struct store *st, const Safecampus__Changes *ch)
{
	store__clear_error();
	struct hlc c;
	char self[64];
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__hlc_load(st, &c);
	if (rc == 0)
		rc = store__own_campus(st, self);
	for (size_t i = 0; rc == 0 && i < ch->n_records; i++)
		if (ch->records[i])
			rc = apply_one(st, &c, self, ch->records[i]);
	if (rc == 0)
		rc = store__hlc_save(st, &c);
	if (rc == 0)
		rc = store__meta_put_int(st, "cursor", (int64_t)ch->cursor);
	if (rc == 0 && ch->log_seq && ch->log_hash.len == 32) {
		/* the bureau's record of the server's signoff log (store.h) */
		char head[24 + 1 + 65];
		int at = snprintf(head, sizeof head, "%" PRIu64 ":", ch->log_seq);
		for (size_t i = 0; i < 32; i++)
			at += snprintf(head + at, sizeof head - (size_t)at, "%02x",
				       ch->log_hash.data[i]);
		rc = store__meta_put_text(st, "log_head", head);
	}
	return store__tx_end(st, rc);
}

int store_log_head(struct store *st, char out[96])
{
	store__clear_error();
	return store__meta_get_text(st, "log_head", out, 96);
}

int store_cursor(struct store *st, uint64_t *cursor)
{
	store__clear_error();
	int64_t v;
	int rc = store__meta_get_int(st, "cursor", &v, NULL);

	*cursor = rc ? 0 : (uint64_t)v;
	return rc;
}

int store_set_cursor(struct store *st, uint64_t cursor)
{
	store__clear_error();
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__meta_put_int(st, "cursor", (int64_t)cursor);
	return store__tx_end(st, rc);
}

int store_observe_hlc(struct store *st, uint64_t server_hlc)
{
	store__clear_error();
	struct hlc c;
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__hlc_load(st, &c);
	if (rc == 0 && server_hlc) {
		rc = hlc_observe(&c, server_hlc, hlc_wall_ms());
		if (rc) {
			char srv[32], here[32];
			store__fmt_utc(HLC_MS(server_hlc), srv, sizeof srv);
			store__fmt_utc(hlc_wall_ms(), here, sizeof here);
			store__set_error(
				_("the server's clock reads %s but this computer's reads %s (more "
				  "than %llu h behind); check the date and time here"),
				srv, here, (unsigned long long)(HLC_MAX_DRIFT_MS / 3600000));
		}
	}
	if (rc == 0)
		rc = store__hlc_save(st, &c);
	return store__tx_end(st, rc);
}

int store_hlc(struct store *st, uint64_t *hlc)
{
	store__clear_error();
	struct hlc c = { 0 };
	int rc = store__hlc_load(st, &c);

	*hlc = c.last;
	return rc;
}

int store_set_last_sync(struct store *st, int64_t ms)
{
	store__clear_error();
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__meta_put_int(st, "last_sync_ms", ms);
	return store__tx_end(st, rc);
}

int store_last_sync(struct store *st, int64_t *ms)
{
	store__clear_error();
	return store__meta_get_int(st, "last_sync_ms", ms, NULL);
}

/* ---------------------------------------------------------------- outbox for people */

int store_each_rejected(struct store *st, store_rejected_cb cb, void *arg)
{
	store__clear_error();
	struct store_rejected rj;
	struct qh h;
	int rc = store__q_get(st, Q_OB_REJECTED, &h);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		int stop;
		memset(&rj, 0, sizeof rj);
		snprintf(rj.id, sizeof rj.id, "%s", store__col_text(h.s, 0));
		snprintf(rj.kind, sizeof rj.kind, "%s", store__col_text(h.s, 1));
		rj.reason = sqlite3_column_int(h.s, 2);
		snprintf(rj.detail, sizeof rj.detail, "%s", store__col_text(h.s, 3));
		stop = cb(arg, &rj);
		if (stop) {
			store__q_put(&h);
			return stop;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "read outbox");
	store__q_put(&h);
	return rc;
}

int store_each_outbox(struct store *st, store_outbox_cb cb, void *arg)
{
	store__clear_error();
	struct store_outbox_entry e;
	struct qh h;
	int rc = store__q_get(st, Q_OB_EACH, &h);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(h.s)) == SQLITE_ROW) {
		int stop;
		memset(&e, 0, sizeof e);
		snprintf(e.id, sizeof e.id, "%s", store__col_text(h.s, 0));
		snprintf(e.kind, sizeof e.kind, "%s", store__col_text(h.s, 1));
		e.rejected = sqlite3_column_int(h.s, 2) == OB_REJECTED;
		e.hlc = (uint64_t)sqlite3_column_int64(h.s, 3);
		e.created_ms = sqlite3_column_int64(h.s, 4);
		e.updated_ms = sqlite3_column_int64(h.s, 5);
		e.reason = sqlite3_column_int(h.s, 6);
		snprintf(e.detail, sizeof e.detail, "%s", store__col_text(h.s, 7));
		stop = cb(arg, &e);
		if (stop) {
			store__q_put(&h);
			return stop;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "read outbox");
	store__q_put(&h);
	return rc;
}

static int run_id(struct store *st, enum q id, const char *rid, const char *what)
{
	struct qh h;
	int rc = store__q_get(st, id, &h);

	if (rc)
		return rc;
	store__bind_text(&h, 1, rid);
	rc = store__q_done(st, &h, what);
	store__q_put(&h);
	return rc;
}

int store_outbox_discard(struct store *st, const char *id)
{
	store__clear_error();
	uint64_t ob_hlc, head_hlc, head_seq;
	char head_kind[64];
	bool ob_found, found;
	int state;
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__ob_head(st, id, &ob_hlc, &state, &ob_found);
	if (rc)
		goto out;
	if (!ob_found) {
		store__set_error(_("no outbox entry for %s"), id);
		rc = SC_ENOTFOUND;
		goto out;
	}
	rc = run_id(st, Q_OB_DEL, id, "discard");
	if (rc)
		goto out;
	rc = store__rec_head(st, id, head_kind, &head_hlc, &head_seq, NULL, &found);
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
	return store__tx_end(st, rc);
}

int store_outbox_retry(struct store *st, const char *id)
{
	store__clear_error();
	uint64_t ob_hlc;
	bool found;
	int state;
	struct qh h = { 0 };
	int rc = store__tx_begin(st);

	if (rc)
		return rc;
	rc = store__ob_head(st, id, &ob_hlc, &state, &found);
	if (rc)
		goto out;
	if (!found) {
		store__set_error(_("no outbox entry for %s"), id);
		rc = SC_ENOTFOUND;
		goto out;
	}
	rc = store__q_get(st, Q_OB_RETRY, &h);
	if (rc)
		goto out;
	store__bind_text(&h, 1, id);
	sqlite3_bind_int64(h.s, 2, store__now_ms());
	rc = store__q_done(st, &h, "retry");
out:
	store__q_put(&h);
	return store__tx_end(st, rc);
}
