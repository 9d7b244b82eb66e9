/* Unit tests for client/store.c on a temporary file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kinds.h"
#include "store.h"
#include "store_harness.h"
#include "uuid.h"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	struct store_config cfg = {
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = "s1",
		.campus = "north",
		.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
	};

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof fx->path, "%s/store.db", fx->dir);
	if (store_open(&fx->st, fx->path, true) != 0)
		return -1;
	if (store_config_save(fx->st, &cfg) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	char p[160];

	store_harness_remove(fx->st, fx->path);
	snprintf(p, sizeof p, "%s/garbage", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void reopen(struct fx *fx)
{
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(&fx->st, fx->path, false), 0);
}

/* Runs SQL on the store file from a second connection (triggers to inject
 * failures, direct checks). */
static void side_sql(struct fx *fx, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("side sql failed: %s", err);
	sqlite3_close(db);
}

static void set_field(ProtobufCMessage *m, const struct kind *k, const char *name, const char *v)
{
	char err[256];

	assert_int_equal(kind_field_set(m, kind_field(k, name), v, err, sizeof err), 0);
}

static Safecampus__Record *record_new(const char *id, const struct kind *k, ProtobufCMessage *m)
{
	Safecampus__Record *r = malloc(sizeof *r);

	assert_non_null(r);
	safecampus__record__init(r);
	r->id = strdup(id);
	kind_record_set_payload(r, k, m);
	return r;
}

static Safecampus__Record *hazard(const char *id, const char *title)
{
	const struct kind *k = kind_by_name("hazard");
	ProtobufCMessage *m = kind_payload_new(k);

	set_field(m, k, "title", title);
	set_field(m, k, "area", "fire");
	set_field(m, k, "severity", "high");
	set_field(m, k, "found_date", "2024-03-01");
	return record_new(id, k, m);
}

static Safecampus__Record *event(const char *id, const char *hazard_id, const char *note)
{
	const struct kind *k = kind_by_name("hazard_event");
	ProtobufCMessage *m = kind_payload_new(k);

	set_field(m, k, "hazard_id", hazard_id);
	set_field(m, k, "action", "note");
	set_field(m, k, "actor", "Li");
	set_field(m, k, "note", note);
	return record_new(id, k, m);
}

static const char *title_of(const Safecampus__Record *r)
{
	return r->hazard ? r->hazard->title : "";
}

static char *new_id(char buf[37])
{
	assert_int_equal(uuid_new(buf), 0);
	return buf;
}

static void write_hazard(struct fx *fx, const char *id, const char *title, uint64_t *hlc)
{
	Safecampus__Record *r = hazard(id, title);

	assert_int_equal(store_write(fx->st, r), 0);
	if (hlc)
		*hlc = r->hlc;
	kind_record_free(r);
}

static void get_title(struct fx *fx, const char *id, char *out, size_t n)
{
	Safecampus__Record *r;

	assert_int_equal(store_get(fx->st, id, &r), 0);
	snprintf(out, n, "%s", title_of(r));
	safecampus__record__free_unpacked(r, NULL);
}

static struct store_outbox_stats stats(struct fx *fx)
{
	struct store_outbox_stats s;

	assert_int_equal(store_outbox_stats(fx->st, &s), 0);
	return s;
}

/* An ack for a batch: accepted[i] true/false, seq = 100 + i. */
static Safecampus__PushAck *ack_new(Safecampus__Record **sent, size_t n, const bool *accepted)
{
	Safecampus__PushAck *a = calloc(1, sizeof *a);

	safecampus__push_ack__init(a);
	a->n_results = n;
	a->results = calloc(n, sizeof *a->results);
	for (size_t i = 0; i < n; i++) {
		Safecampus__RecordResult *res = calloc(1, sizeof *res);
		safecampus__record_result__init(res);
		res->id = strdup(sent[i]->id);
		res->accepted = accepted[i];
		res->seq = accepted[i] ? 100 + i : 0;
		res->reason = accepted[i] ? 0 : SAFECAMPUS__REJECT_REASON__REJECT_INVALID;
		res->detail = strdup(accepted[i] ? "" : "hazard.title: too rude");
		a->results[i] = res;
	}
	return a;
}

static void ack_free(Safecampus__PushAck *a)
{
	safecampus__push_ack__free_unpacked(a, NULL);
}

/* ---------------------------------------------------------------- tests */

static void test_write_and_outbox(void **state)
{
	struct fx *fx = *state;
	char id[37], t[64];
	Safecampus__Record **b, *r;
	size_t n;
	uint64_t hlc;

	write_hazard(fx, new_id(id), "Broken extinguisher", &hlc);
	assert_int_equal(store_get(fx->st, id, &r), 0);
	assert_string_equal(title_of(r), "Broken extinguisher");
	assert_string_equal(r->school, "s1");
	assert_string_equal(r->campus, "north");
	assert_int_equal(r->hlc, hlc);
	assert_int_equal(r->seq, 0);
	safecampus__record__free_unpacked(r, NULL);

	assert_int_equal(stats(fx).pending, 1);
	assert_true(stats(fx).oldest_pending_ms > 0);
	assert_int_equal(store_outbox_batch(fx->st, 10, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(b[0]->id, id);
	assert_int_equal(b[0]->hlc, hlc);
	assert_int_equal(b[0]->seq, 0);
	assert_string_equal(b[0]->school, "s1");
	assert_string_equal(title_of(b[0]), "Broken extinguisher");
	store_batch_free(b, n);

	/* a failing outbox insert leaves no record behind and the clock unmoved */
	side_sql(fx, "CREATE TRIGGER boom BEFORE INSERT ON outbox "
		     "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	reopen(fx);
	{
		char id2[37];
		uint64_t before, after;
		Safecampus__Record *r2 = hazard(new_id(id2), "never");
		assert_int_equal(store_hlc(fx->st, &before), 0);
		assert_int_not_equal(store_write(fx->st, r2), 0);
		assert_non_null(strstr(store_last_error(), "injected"));
		kind_record_free(r2);
		assert_int_equal(store_get(fx->st, id2, &r), SC_ENOTFOUND);
		assert_int_equal(store_hlc(fx->st, &after), 0);
		assert_int_equal(before, after);
	}
	side_sql(fx, "DROP TRIGGER boom");
	assert_int_equal(stats(fx).pending, 1);
	get_title(fx, id, t, sizeof t);
	assert_string_equal(t, "Broken extinguisher");
}

static void test_write_checks(void **state)
{
	struct fx *fx = *state;
	char id[37], eid[37];
	Safecampus__Record *r;
	uint64_t h1, h2;

	/* not a UUID */
	r = hazard("not-a-uuid", "x");
	assert_int_equal(store_write(fx->st, r), SC_EINVALID);
	kind_record_free(r);

	/* an id keeps its kind */
	write_hazard(fx, new_id(id), "a", &h1);
	r = event(id, id, "n");
	assert_int_equal(store_write(fx->st, r), SC_EINVALID);
	kind_record_free(r);

	/* HLC strictly increases, even within one millisecond */
	write_hazard(fx, id, "b", &h2);
	assert_true(h2 > h1);

	/* an event the server accepted cannot be rewritten */
	r = event(new_id(eid), id, "first");
	assert_int_equal(store_write(fx->st, r), 0);
	{
		Safecampus__Record **b;
		size_t n;
		bool acc[2] = { true, true };
		Safecampus__PushAck *a;
		assert_int_equal(store_outbox_batch(fx->st, 10, &b, &n), 0);
		assert_int_equal(n, 2);
		a = ack_new(b, n, acc);
		assert_int_equal(store_apply_ack(fx->st, b, n, a), 0);
		ack_free(a);
		store_batch_free(b, n);
	}
	assert_int_equal(store_write(fx->st, r), SC_EINVALID);
	kind_record_free(r);
}

static void test_batch_order(void **state)
{
	struct fx *fx = *state;
	char a[37], b[37], c[37];
	Safecampus__Record **recs;
	size_t n;
	uint64_t ha, hb, hc, ha2;

	write_hazard(fx, new_id(a), "A", &ha);
	write_hazard(fx, new_id(b), "B", &hb);
	write_hazard(fx, new_id(c), "C", &hc);
	assert_true(ha < hb && hb < hc);
	/* a rewrite keeps its place in the queue (a parent stays before its
	 * children) but carries the new stamp */
	write_hazard(fx, a, "A2", &ha2);
	assert_true(ha2 > hc);
	assert_int_equal(stats(fx).pending, 3);

	assert_int_equal(store_outbox_batch(fx->st, 2, &recs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(recs[0]->id, a);
	assert_int_equal(recs[0]->hlc, ha2);
	assert_string_equal(title_of(recs[0]), "A2");
	assert_string_equal(recs[1]->id, b);
	store_batch_free(recs, n);

	assert_int_equal(store_outbox_batch(fx->st, 10, &recs, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(recs[2]->id, c);
	store_batch_free(recs, n);

	assert_int_equal(store_outbox_batch(fx->st, 0, &recs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(recs);
}

static void test_ack_only_sent_hlc(void **state)
{
	struct fx *fx = *state;
	char a[37], b[37];
	Safecampus__Record **sent, *r;
	Safecampus__PushAck *ack;
	size_t n;
	bool acc[2] = { true, true };
	uint64_t ha2;
	enum store_sync_state ss;

	write_hazard(fx, new_id(a), "A", NULL);
	write_hazard(fx, new_id(b), "B", NULL);
	assert_int_equal(store_outbox_batch(fx->st, 10, &sent, &n), 0);
	assert_int_equal(n, 2);
	/* rewritten while the push is in flight */
	write_hazard(fx, a, "A2", &ha2);
	ack = ack_new(sent, n, acc);

	/* a mismatched ack changes nothing */
	assert_int_equal(store_apply_ack(fx->st, sent, 1, ack), SC_EPROTO);
	assert_int_equal(stats(fx).pending, 2);

	assert_int_equal(store_apply_ack(fx->st, sent, n, ack), 0);
	ack_free(ack);
	store_batch_free(sent, n);

	assert_int_equal(stats(fx).pending, 1);
	assert_int_equal(store_sync_state(fx->st, a, &ss), 0);
	assert_int_equal(ss, STORE_PENDING);
	assert_int_equal(store_sync_state(fx->st, b, &ss), 0);
	assert_int_equal(ss, STORE_SYNCED);
	assert_int_equal(store_get(fx->st, b, &r), 0);
	assert_int_equal(r->seq, 101);
	safecampus__record__free_unpacked(r, NULL);
	assert_int_equal(store_get(fx->st, a, &r), 0);
	assert_int_equal(r->seq, 100);
	assert_int_equal(r->hlc, ha2);
	assert_string_equal(title_of(r), "A2");
	safecampus__record__free_unpacked(r, NULL);

	assert_int_equal(store_outbox_batch(fx->st, 10, &sent, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(sent[0]->id, a);
	assert_int_equal(sent[0]->hlc, ha2);
	store_batch_free(sent, n);
}

struct rej_seen {
	int count;
	struct store_rejected last;
};

static int rej_cb(void *arg, const struct store_rejected *rj)
{
	struct rej_seen *s = arg;

	s->count++;
	s->last = *rj;
	return 0;
}

static void test_rejected_discard_retry(void **state)
{
	struct fx *fx = *state;
	char a[37], b[37], e[37], t[64];
	Safecampus__Record **sent, *r;
	Safecampus__PushAck *ack;
	size_t n;
	bool acc[2] = { false, true };
	struct rej_seen seen = { 0 };
	enum store_sync_state ss;

	write_hazard(fx, new_id(a), "rude", NULL);
	write_hazard(fx, new_id(b), "fine", NULL);
	assert_int_equal(store_outbox_batch(fx->st, 10, &sent, &n), 0);
	ack = ack_new(sent, n, acc);
	assert_int_equal(store_apply_ack(fx->st, sent, n, ack), 0);
	ack_free(ack);
	store_batch_free(sent, n);

	assert_int_equal(stats(fx).pending, 0);
	assert_int_equal(stats(fx).rejected, 1);
	assert_int_equal(stats(fx).oldest_pending_ms, 0);
	assert_int_equal(store_each_rejected(fx->st, rej_cb, &seen), 0);
	assert_int_equal(seen.count, 1);
	assert_string_equal(seen.last.id, a);
	assert_string_equal(seen.last.kind, "hazard");
	assert_int_equal(seen.last.reason, SAFECAMPUS__REJECT_REASON__REJECT_INVALID);
	assert_string_equal(seen.last.detail, "hazard.title: too rude");
	assert_int_equal(store_sync_state(fx->st, a, &ss), 0);
	assert_int_equal(ss, STORE_REJECTED);
	/* rejected entries are not pushed again on their own */
	assert_int_equal(store_outbox_batch(fx->st, 10, &sent, &n), 0);
	assert_int_equal(n, 0);
	store_batch_free(sent, n);

	/* retry puts it back */
	assert_int_equal(store_outbox_retry(fx->st, a), 0);
	assert_int_equal(stats(fx).pending, 1);
	assert_int_equal(stats(fx).rejected, 0);
	assert_int_equal(store_outbox_retry(fx->st, b), SC_ENOTFOUND);

	/* rejected again; a rewrite (the fix) also puts it back to pending */
	assert_int_equal(store_outbox_batch(fx->st, 10, &sent, &n), 0);
	assert_int_equal(n, 1);
	acc[0] = false;
	ack = ack_new(sent, n, acc);
	assert_int_equal(store_apply_ack(fx->st, sent, n, ack), 0);
	ack_free(ack);
	store_batch_free(sent, n);
	assert_int_equal(stats(fx).rejected, 1);
	write_hazard(fx, a, "polite", NULL);
	assert_int_equal(stats(fx).rejected, 0);
	assert_int_equal(stats(fx).pending, 1);

	/* discard of a record the server never had removes it and its events */
	r = event(new_id(e), a, "note on a");
	assert_int_equal(store_write(fx->st, r), 0);
	kind_record_free(r);
	assert_int_equal(stats(fx).pending, 2);
	assert_int_equal(store_outbox_discard(fx->st, a), 0);
	assert_int_equal(store_get(fx->st, a, &r), SC_ENOTFOUND);
	assert_int_equal(store_get(fx->st, e, &r), SC_ENOTFOUND);
	assert_int_equal(stats(fx).pending, 0);
	assert_int_equal(store_outbox_discard(fx->st, a), SC_ENOTFOUND);

	/* discard of a local edit of an accepted record restores the server's version */
	write_hazard(fx, b, "fine, edited", NULL);
	assert_int_equal(store_outbox_discard(fx->st, b), 0);
	get_title(fx, b, t, sizeof t);
	assert_string_equal(t, "fine");
	assert_int_equal(store_sync_state(fx->st, b, &ss), 0);
	assert_int_equal(ss, STORE_SYNCED);
}

/* A pulled row as the server would send it. */
static Safecampus__Record *pulled(const char *id, const char *title, uint64_t hlc, uint64_t seq)
{
	Safecampus__Record *r = hazard(id, title);

	r->school = strdup("s1");
	r->campus = strdup("south");
	r->written_by = strdup("south");
	r->hlc = hlc;
	r->seq = seq;
	return r;
}

static int apply(struct fx *fx, Safecampus__Record **recs, size_t n, uint64_t cursor)
{
	Safecampus__Changes ch = SAFECAMPUS__CHANGES__INIT;

	ch.records = recs;
	ch.n_records = n;
	ch.cursor = cursor;
	return store_apply_changes(fx->st, &ch);
}

static void test_apply_changes_lww(void **state)
{
	struct fx *fx = *state;
	char a[37], b[37], c[37], e[37], t[64];
	uint64_t ha, hb, cur, now;
	Safecampus__Record *rows[4], *r;
	enum store_sync_state ss;

	/* a: local write still pending, the server's copy is older: keep ours */
	write_hazard(fx, new_id(a), "local newer", &ha);
	/* b: local write pending, the server has a newer one: the server wins */
	write_hazard(fx, new_id(b), "local older", &hb);
	rows[0] = pulled(a, "server older", ha - 5, 7);
	rows[1] = pulled(b, "server newer", hb + 1000, 8);
	rows[2] = pulled(new_id(c), "brand new", hb + 2000, 9);
	rows[3] = event(new_id(e), c, "pulled event");
	rows[3]->school = strdup("s1");
	rows[3]->campus = strdup("south");
	rows[3]->hlc = hb + 3000;
	rows[3]->seq = 10;
	assert_int_equal(apply(fx, rows, 4, 10), 0);
	for (int i = 0; i < 4; i++)
		kind_record_free(rows[i]);

	get_title(fx, a, t, sizeof t);
	assert_string_equal(t, "local newer");
	assert_int_equal(store_sync_state(fx->st, a, &ss), 0);
	assert_int_equal(ss, STORE_PENDING);
	get_title(fx, b, t, sizeof t);
	assert_string_equal(t, "server newer");
	get_title(fx, c, t, sizeof t);
	assert_string_equal(t, "brand new");
	assert_int_equal(store_get(fx->st, c, &r), 0);
	assert_string_equal(r->campus, "south");
	assert_string_equal(r->written_by, "south");
	assert_int_equal(r->seq, 9);
	safecampus__record__free_unpacked(r, NULL);
	assert_int_equal(store_cursor(fx->st, &cur), 0);
	assert_int_equal(cur, 10);

	/* the clock moved past every pulled stamp */
	assert_int_equal(store_hlc(fx->st, &now), 0);
	assert_true(now >= hb + 3000);

	/* an older version of a synced row does not overwrite it */
	rows[0] = pulled(c, "stale", hb + 1500, 11);
	/* an immutable event is insert-if-absent */
	rows[1] = event(e, c, "changed?!");
	rows[1]->hlc = hb + 9000;
	rows[1]->seq = 12;
	assert_int_equal(apply(fx, rows, 2, 12), 0);
	kind_record_free(rows[0]);
	kind_record_free(rows[1]);
	get_title(fx, c, t, sizeof t);
	assert_string_equal(t, "brand new");
	assert_int_equal(store_get(fx->st, e, &r), 0);
	assert_string_equal(r->hazard_event->note, "pulled event");
	safecampus__record__free_unpacked(r, NULL);

	/* a local write after the pull wins over what was pulled */
	write_hazard(fx, c, "edited here", NULL);
	assert_int_equal(store_get(fx->st, c, &r), 0);
	assert_true(r->hlc > hb + 2000);
	safecampus__record__free_unpacked(r, NULL);
}

static void test_apply_changes_atomic(void **state)
{
	struct fx *fx = *state;
	char a[37], b[37];
	Safecampus__Record *rows[2], *r;
	uint64_t cur;

	rows[0] = pulled(new_id(a), "first", HLC_MAKE(hlc_wall_ms(), 0), 1);
	rows[1] = pulled(new_id(b), "second", HLC_MAKE(hlc_wall_ms(), 1), 2);
	assert_int_equal(apply(fx, rows, 1, 1), 0);
	assert_int_equal(store_cursor(fx->st, &cur), 0);
	assert_int_equal(cur, 1);

	/* the second row fails: neither it nor the cursor move */
	{
		char sql[256];
		snprintf(sql, sizeof sql,
			 "CREATE TRIGGER boom BEFORE INSERT ON records "
			 "WHEN new.id = '%s' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
			 b);
		side_sql(fx, sql);
	}
	reopen(fx);
	rows[0]->hlc += 100; /* would update a */
	free(rows[0]->hazard->title);
	rows[0]->hazard->title = strdup("first v2");
	assert_int_not_equal(apply(fx, rows, 2, 2), 0);
	assert_int_equal(store_cursor(fx->st, &cur), 0);
	assert_int_equal(cur, 1);
	assert_int_equal(store_get(fx->st, b, &r), SC_ENOTFOUND);
	assert_int_equal(store_get(fx->st, a, &r), 0);
	assert_string_equal(title_of(r), "first");
	safecampus__record__free_unpacked(r, NULL);

	side_sql(fx, "DROP TRIGGER boom");
	assert_int_equal(apply(fx, rows, 2, 2), 0);
	assert_int_equal(store_cursor(fx->st, &cur), 0);
	assert_int_equal(cur, 2);
	kind_record_free(rows[0]);
	kind_record_free(rows[1]);
}

struct collect {
	int n;
	char notes[8][32];
};

static int collect_cb(void *arg, const Safecampus__Record *r)
{
	struct collect *c = arg;

	if (c->n < 8)
		snprintf(c->notes[c->n], sizeof c->notes[0], "%s", r->hazard_event->note);
	c->n++;
	return 0;
}

static void test_children_and_ids(void **state)
{
	struct fx *fx = *state;
	char h[37], other[37], e[37], full[37], prefix[9];
	struct collect col = { 0 };
	uint64_t n;
	Safecampus__Record *r;

	write_hazard(fx, new_id(h), "parent", NULL);
	write_hazard(fx, new_id(other), "other", NULL);
	for (int i = 0; i < 3; i++) {
		char note[8];
		snprintf(note, sizeof note, "n%d", i);
		r = event(new_id(e), h, note);
		assert_int_equal(store_write(fx->st, r), 0);
		kind_record_free(r);
	}
	r = event(new_id(e), other, "elsewhere");
	assert_int_equal(store_write(fx->st, r), 0);
	kind_record_free(r);

	assert_int_equal(store_each_child(fx->st, "hazard_event", h, collect_cb, &col), 0);
	assert_int_equal(col.n, 3);
	assert_string_equal(col.notes[0], "n0");
	assert_string_equal(col.notes[2], "n2");
	assert_int_equal(store_count(fx->st, "hazard_event", &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_count(fx->st, NULL, &n), 0);
	assert_int_equal(n, 6);

	memcpy(prefix, h, 8);
	prefix[8] = '\0';
	assert_int_equal(store_resolve_id(fx->st, prefix, full), 0);
	assert_string_equal(full, h);
	prefix[0] = (char)(prefix[0] >= 'a' ? prefix[0] - 'a' + 'A' : prefix[0]);
	assert_int_equal(store_resolve_id(fx->st, prefix, full), 0);
	assert_string_equal(full, h);
	assert_int_equal(store_resolve_id(fx->st, "zz*?", full), SC_EINVALID);
	assert_int_equal(store_resolve_id(fx->st, "ab", full), SC_EINVALID);
	assert_int_equal(store_resolve_id(fx->st, "0000000", full) == SC_ENOTFOUND ||
				 strncmp(full, "0000000", 7) == 0,
			 1);
}

static void test_reopen_keeps_everything(void **state)
{
	struct fx *fx = *state;
	char a[37], t[64];
	struct store_config cfg;
	Safecampus__Changes ch = SAFECAMPUS__CHANGES__INIT;
	uint64_t ha, cur, h;
	int64_t ls;

	write_hazard(fx, new_id(a), "persist me", &ha);
	ch.cursor = 77;
	assert_int_equal(store_apply_changes(fx->st, &ch), 0);
	assert_int_equal(store_set_last_sync(fx->st, 1234567), 0);
	reopen(fx);

	assert_int_equal(store_config_load(fx->st, &cfg), 0);
	assert_string_equal(cfg.server, "localhost:7443");
	assert_string_equal(cfg.district, "d1");
	assert_string_equal(cfg.school, "s1");
	assert_string_equal(cfg.campus, "north");
	assert_int_equal(cfg.role, SAFECAMPUS__ROLE__ROLE_SCHOOL);
	store_config_free(&cfg);
	get_title(fx, a, t, sizeof t);
	assert_string_equal(t, "persist me");
	assert_int_equal(stats(fx).pending, 1);
	assert_int_equal(store_cursor(fx->st, &cur), 0);
	assert_int_equal(cur, 77);
	assert_int_equal(store_last_sync(fx->st, &ls), 0);
	assert_int_equal(ls, 1234567);
	assert_int_equal(store_hlc(fx->st, &h), 0);
	assert_int_equal(h, ha);
	/* a server clock ahead of ours moves our stamps past it */
	assert_int_equal(store_observe_hlc(fx->st, ha + 500000), 0);
	write_hazard(fx, a, "again", &h);
	assert_true(h > ha + 500000);
	/* one more than a day ahead is refused */
	assert_int_not_equal(
		store_observe_hlc(fx->st, HLC_MAKE(hlc_wall_ms() + HLC_MAX_DRIFT_MS + 60000, 0)),
		0);
}

static void test_bad_files(void **state)
{
	struct fx *fx = *state;
	char p[160];
	struct store *st = NULL;
	struct store_config cfg;
	FILE *f;

	snprintf(p, sizeof p, "%s/garbage", fx->dir);
	/* missing, not created */
	assert_int_equal(store_open(&st, p, false), -ENOENT);
	assert_null(st);

	/* not SQLite at all */
	f = fopen(p, "w");
	assert_non_null(f);
	for (int i = 0; i < 300; i++)
		fputs("this is not a database, just some text ", f);
	fclose(f);
	assert_int_not_equal(store_open(&st, p, true), 0);
	assert_null(st);
	assert_non_null(strstr(store_last_error(), "not a safecampus store"));

	/* empty file: not a store unless we may create one */
	f = fopen(p, "w");
	fclose(f);
	assert_int_equal(store_open(&st, p, false), SC_ENOTFOUND);
	assert_int_equal(store_open(&st, p, true), 0);
	assert_int_equal(store_config_load(st, &cfg), SC_ENOTFOUND);
	store_close(st);
	st = NULL;
	{
		char w[170];
		snprintf(w, sizeof w, "%s-wal", p);
		unlink(w);
		snprintf(w, sizeof w, "%s-shm", p);
		unlink(w);
	}
	unlink(p);

	/* someone else's SQLite database */
	{
		sqlite3 *db;
		assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(store_open(&st, p, true), SC_ESQLITE);
	assert_non_null(strstr(store_last_error(), "not a safecampus store"));
	unlink(p);

	/* a store from a newer program */
	side_sql(fx, "PRAGMA user_version = 99");
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(&st, fx->path, false), SC_ESQLITE);
	assert_non_null(strstr(store_last_error(), "newer"));
	{
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		side_sql(fx, sql);
	}
	reopen(fx);

	/* a damaged payload is an error, not a crash */
	{
		char id[37], sql[200];
		Safecampus__Record *r;
		write_hazard(fx, new_id(id), "x", NULL);
		snprintf(sql, sizeof sql,
			 "UPDATE records SET payload = x'ffffffff' WHERE id = '%s'", id);
		side_sql(fx, sql);
		assert_int_equal(store_get(fx->st, id, &r), SC_ESQLITE);
	}
}

static void test_write_batch(void **state)
{
	struct fx *fx = *state;
	char ids[4][37], bad[37];
	Safecampus__Record *recs[4], *r;
	uint64_t before, after, n;

	recs[0] = hazard(new_id(ids[0]), "one");
	recs[1] = hazard(new_id(ids[1]), "two");
	recs[2] = event(new_id(ids[2]), ids[0], "on one");
	recs[3] = hazard(new_id(ids[3]), "three");
	assert_int_equal(store_write_batch(fx->st, recs, 4), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_get(fx->st, ids[i], &r), 0);
		assert_int_equal(r->hlc, recs[i]->hlc);
		assert_string_equal(r->school, "s1");
		assert_string_equal(r->campus, "north");
		safecampus__record__free_unpacked(r, NULL);
		if (i)
			assert_true(recs[i]->hlc > recs[i - 1]->hlc);
	}
	assert_int_equal(stats(fx).pending, 4);
	assert_int_equal(store_hlc(fx->st, &after), 0);
	assert_int_equal(after, recs[3]->hlc);
	{
		struct collect col = { 0 };
		assert_int_equal(store_each_child(fx->st, "hazard_event", ids[0], collect_cb, &col),
				 0);
		assert_int_equal(col.n, 1);
	}
	for (int i = 0; i < 4; i++)
		kind_record_free(recs[i]);
	assert_int_equal(store_write_batch(fx->st, recs, 0), 0);

	/* a failing third record: none of the three is written, stamps and clock back */
	for (int i = 0; i < 3; i++)
		recs[i] = hazard(new_id(ids[i]), "all or none");
	{
		char sql[256];
		snprintf(sql, sizeof sql,
			 "CREATE TRIGGER boom BEFORE INSERT ON records "
			 "WHEN new.id = '%s' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
			 ids[2]);
		side_sql(fx, sql);
	}
	reopen(fx);
	assert_int_equal(store_hlc(fx->st, &before), 0);
	assert_int_not_equal(store_write_batch(fx->st, recs, 3), 0);
	assert_non_null(strstr(store_last_error(), "record 3"));
	assert_non_null(strstr(store_last_error(), "injected"));
	assert_int_equal(store_hlc(fx->st, &after), 0);
	assert_int_equal(before, after);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(recs[i]->hlc, 0);
		assert_int_equal(store_get(fx->st, ids[i], &r), SC_ENOTFOUND);
	}
	assert_int_equal(stats(fx).pending, 4);
	side_sql(fx, "DROP TRIGGER boom");

	/* a record that fails the checks stops the batch before anything starts */
	kind_record_free(recs[1]);
	recs[1] = hazard("not-a-uuid", "bad id");
	assert_int_equal(store_write_batch(fx->st, recs, 3), SC_EINVALID);
	assert_non_null(strstr(store_last_error(), "record 2"));
	assert_int_equal(store_get(fx->st, ids[0], &r), SC_ENOTFOUND);
	kind_record_free(recs[1]);
	recs[1] = hazard(new_id(bad), "fine now");
	assert_int_equal(store_write_batch(fx->st, recs, 3), 0);
	assert_int_equal(store_count(fx->st, "hazard", &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(stats(fx).pending, 7);
	for (int i = 0; i < 3; i++)
		kind_record_free(recs[i]);

	/* a big batch is one transaction too */
	{
		enum { BIG = 2000 };
		Safecampus__Record **big = calloc(BIG, sizeof *big);
		char id[37];
		assert_non_null(big);
		for (int i = 0; i < BIG; i++)
			big[i] = hazard(new_id(id), "bulk");
		assert_int_equal(store_write_batch(fx->st, big, BIG), 0);
		assert_int_equal(store_count(fx->st, "hazard", &n), 0);
		assert_int_equal(n, 6 + BIG);
		for (int i = 0; i < BIG; i++)
			kind_record_free(big[i]);
		free(big);
	}
}

static void test_blobs(void **state)
{
	struct fx *fx = *state;
	void *v;
	size_t len;
	int64_t ms, t0 = (int64_t)hlc_wall_ms();
	static const unsigned char bin[] = { 0, 1, 2, 0xff, 0, 7 };

	assert_int_equal(store_blob_get(fx->st, "dash", &v, &len, &ms), SC_ENOTFOUND);
	assert_null(v);
	assert_int_equal(store_blob_put(fx->st, "dash", bin, sizeof bin), 0);
	assert_int_equal(store_blob_get(fx->st, "dash", &v, &len, &ms), 0);
	assert_int_equal(len, sizeof bin);
	assert_memory_equal(v, bin, sizeof bin);
	assert_true(ms >= t0 && ms <= (int64_t)hlc_wall_ms());
	free(v);

	/* replaced, not added */
	assert_int_equal(store_blob_put(fx->st, "dash", "v2", 2), 0);
	assert_int_equal(store_blob_get(fx->st, "dash", &v, &len, NULL), 0);
	assert_int_equal(len, 2);
	assert_string_equal(v, "v2"); /* NUL-terminated for text values */
	free(v);

	/* empty values are values */
	assert_int_equal(store_blob_put(fx->st, "empty", NULL, 0), 0);
	assert_int_equal(store_blob_get(fx->st, "empty", &v, &len, NULL), 0);
	assert_int_equal(len, 0);
	free(v);
	assert_int_equal(store_blob_put(fx->st, "", "x", 1), SC_EINVALID);

	/* a large one, kept across reopen */
	{
		size_t big = 3u << 20;
		unsigned char *b = malloc(big);
		assert_non_null(b);
		for (size_t i = 0; i < big; i++)
			b[i] = (unsigned char)(i * 31);
		assert_int_equal(store_blob_put(fx->st, "big", b, big), 0);
		reopen(fx);
		assert_int_equal(store_blob_get(fx->st, "big", &v, &len, NULL), 0);
		assert_int_equal(len, big);
		assert_memory_equal(v, b, big);
		free(v);
		free(b);
	}
	assert_int_equal(store_blob_get(fx->st, "dash", &v, &len, NULL), 0);
	free(v);
}

/* A store written by schema version 1 (no blobs) opens, keeps its rows and
 * gains blobs. */
static void test_migrate_from_v1(void **state)
{
	struct fx *fx = *state;
	char id[37], t[64];
	void *v;
	size_t len;
	int64_t ver = -1;

	write_hazard(fx, new_id(id), "written by v1", NULL);
	side_sql(fx, "DROP TABLE blobs; DROP TABLE people; DROP TABLE report_edits; "
		     "DROP INDEX records_school; ALTER TABLE records DROP COLUMN signature; "
		     "PRAGMA user_version = 1");
	reopen(fx);
	get_title(fx, id, t, sizeof t);
	assert_string_equal(t, "written by v1");
	assert_int_equal(stats(fx).pending, 1);
	assert_int_equal(store_blob_put(fx->st, "k", "v", 1), 0);
	assert_int_equal(store_blob_get(fx->st, "k", &v, &len, NULL), 0);
	assert_int_equal(len, 1);
	free(v);
	{
		sqlite3 *db;
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		ver = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	assert_int_equal(ver, STORE_SCHEMA_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_outbox, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_write_checks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_batch_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ack_only_sent_hlc, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rejected_discard_retry, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_apply_changes_lww, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_apply_changes_atomic, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_children_and_ids, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_write_batch, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_blobs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
