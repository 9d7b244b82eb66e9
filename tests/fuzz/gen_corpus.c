/* Makes the seed corpora of the client-side fuzz targets from real messages:
 * records built with kinds.c, acks shaped like the server's, the dashboards
 * of tests/tools/dash_fixture.c, configuration files. Each seed is what the
 * driver reads: the bytes of one message (changes, pushack, dashboard), a
 * stream of frames (notify), a file (config). Deterministic.
 *
 *   build-fuzz/tests/fuzz/fuzz_gen_corpus tests/fuzz/corpus
 *
 * The certificates of corpus/identity/ come from gen_certs.sh. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dash_fixture.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"

static const char *root;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s\n", what);
	exit(1);
}

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, target);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die(path);
}

static void put_msg(const char *target, const char *name, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n + 1);

	if (!buf)
		die("out of memory");
	protobuf_c_message_pack(m, buf);
	put(target, name, buf, n);
	free(buf);
}

static Safecampus__Record *rec(const char *id, const char *kind, uint64_t hlc, ...)
{
	const struct kind *k = kind_by_name(kind);
	Safecampus__Record *r = calloc(1, sizeof *r);
	ProtobufCMessage *m;
	const char *name;
	char err[256];
	va_list ap;

	if (!k || !r)
		die(kind);
	safecampus__record__init(r);
	r->id = strdup(id);
	r->school = strdup("s03");
	r->campus = strdup("north");
	r->written_by = strdup("north");
	r->hlc = hlc;
	m = kind_payload_new(k);
	va_start(ap, hlc);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (kind_field_set(m, kind_field(k, name), v, err, sizeof err) != 0)
			die(err);
	}
	va_end(ap);
	kind_record_set_payload(r, k, m);
	return r;
}

#define ID_PENDING "11111111-1111-4111-8111-111111111111"
#define ID_SYNCED "22222222-2222-4222-8222-222222222222"
#define ID_EVENT "33333333-3333-4333-8333-333333333333"
#define ID_DRILL "44444444-4444-4444-8444-444444444444"
#define ID_STAFF "55555555-5555-4555-8555-555555555555"
#define NOW_MS 1796000000000ull /* 2026-11-30 */

static void changes_seed(const char *name, Safecampus__Record **recs, size_t n, uint64_t cursor,
			 int more)
{
	Safecampus__Changes ch = SAFECAMPUS__CHANGES__INIT;

	ch.records = recs;
	ch.n_records = n;
	ch.cursor = cursor;
	ch.more = more;
	put_msg("changes", name, &ch.base);
	for (size_t i = 0; i < n; i++)
		kind_record_free(recs[i]);
}

static void changes(void)
{
	Safecampus__Record *r[40];
	size_t n = 0;

	/* a round after another campus worked */
	r[n++] = rec("a0000000-0000-4000-8000-000000000001", "hazard", HLC_MAKE(NOW_MS - 5000, 0),
		     "title", "Loose ceiling tile", "area", "building", "severity", "medium",
		     "found_date", "2026-11-28", "reporter", "Zhao Liu", NULL);
	r[n - 1]->seq = 31;
	r[n - 1]->written_by[0] = 's';
	r[n++] = rec(ID_SYNCED, "hazard", HLC_MAKE(NOW_MS, 3), "title", "Cracked stair rail (east)",
		     "area", "building", "severity", "high", "found_date", "2026-10-12", NULL);
	r[n - 1]->seq = 32;
	r[n++] = rec(ID_PENDING, "hazard", HLC_MAKE(NOW_MS - 86400000, 0), "title", "Old title",
		     "area", "fire", "severity", "low", "found_date", "2026-11-02", NULL);
	r[n - 1]->seq = 33;
	r[n++] = rec(ID_EVENT, "hazard_event", HLC_MAKE(NOW_MS, 9), "hazard_id", ID_SYNCED,
		     "action", "assign", "actor", "Wang Wu", "actor_role", "principal", "owner",
		     "Li Ming", "deadline_date", "2026-12-10", NULL);
	r[n - 1]->seq = 34;
	r[n++] = rec("a0000000-0000-4000-8000-000000000002", "drill", HLC_MAKE(NOW_MS - 100, 1),
		     "drill_date", "2026-11-20", "theme", "earthquake", "student_count", "640",
		     "evacuation_seconds", "185", NULL);
	r[n - 1]->seq = 35;
	r[n - 1]->deleted = 1;
	r[n++] = rec("a0000000-0000-4000-8000-000000000003", "notice", HLC_MAKE(NOW_MS - 900, 0),
		     "title", "Winter fire safety", "issue_date", "2026-11-25", "due_date",
		     "2026-12-05", "targets", "s01;s03", NULL);
	free(r[n - 1]->school);
	r[n - 1]->school = strdup("");
	r[n - 1]->seq = 36;
	changes_seed("round", r, n, 36, 0);

	n = 0;
	changes_seed("empty", r, n, 0, 0);
	changes_seed("empty-more", r, n, 999, 1);

	/* the server's version of the pending write is newer; equal stamps from another writer */
	r[n++] = rec(ID_PENDING, "hazard", HLC_MAKE(NOW_MS + 60000, 0), "title", "Server title",
		     "area", "fire", "severity", "high", "found_date", "2026-11-02", NULL);
	r[n - 1]->seq = 40;
	r[n++] = rec(ID_SYNCED, "hazard", HLC_MAKE(NOW_MS, 3), "title", "Same stamp", "area",
		     "building", "severity", "high", "found_date", "2026-10-12", NULL);
	free(r[n - 1]->written_by);
	r[n - 1]->written_by = strdup("south");
	r[n - 1]->seq = 41;
	changes_seed("conflict", r, n, 41, 1);

	n = 0;
	/* an id used by another kind here; an id that is not one; no body */
	r[n++] = rec(ID_SYNCED, "drill", HLC_MAKE(NOW_MS + 1, 0), "drill_date", "2026-11-01", NULL);
	r[n++] = rec("not-a-uuid", "staff", HLC_MAKE(NOW_MS, 0), "name", "Nobody", NULL);
	r[n] = calloc(1, sizeof *r[n]);
	safecampus__record__init(r[n]);
	r[n]->id = strdup("a0000000-0000-4000-8000-000000000004");
	r[n]->hlc = 1;
	n++;
	changes_seed("odd-rows", r, n, 50, 0);

	/* one record of every kind, with an empty payload, in one message */
	n = 0;
	for (size_t i = 0; i < kind_count() && n < 40; i++) {
		char id[37];
		snprintf(id, sizeof id, "b%07zx-0000-4000-8000-000000000000", i);
		r[n] = rec(id, kind_at(i)->name, HLC_MAKE(NOW_MS, i), NULL);
		r[n]->seq = 100 + i;
		n++;
	}
	changes_seed("every-kind", r, n, 100 + n, 0);
}

static void ack_seed(const char *name, const char *const *ids, const int *accepted, size_t n,
		     uint64_t server_hlc)
{
	Safecampus__PushAck ack = SAFECAMPUS__PUSH_ACK__INIT;
	Safecampus__RecordResult res[8], *p[8];

	for (size_t i = 0; i < n; i++) {
		safecampus__record_result__init(&res[i]);
		res[i].id = (char *)ids[i];
		res[i].accepted = accepted[i] > 0;
		res[i].seq = accepted[i] > 0 ? 200 + i : 0;
		res[i].reason = accepted[i] > 0 ? 0 : (Safecampus__RejectReason)-accepted[i];
		res[i].detail = accepted[i] > 0 ? "" : "hazard_event: hazard_id names no hazard";
		p[i] = &res[i];
	}
	ack.results = p;
	ack.n_results = n;
	ack.server_hlc = server_hlc;
	put_msg("pushack", name, &ack.base);
}

static void pushacks(void)
{
	static const char *const ids[] = { ID_PENDING, ID_EVENT, ID_DRILL, ID_STAFF };
	static const char *const swapped[] = { ID_EVENT, ID_PENDING, ID_DRILL, ID_STAFF };
	static const int all[] = { 1, 1, 1, 1 }, none[] = { -3, -5, -4, -2 },
			 mixed[] = { 1, -5, 1, -3 };
	uint64_t now = HLC_MAKE(NOW_MS, 7);

	ack_seed("accepted", ids, all, 4, now);
	ack_seed("rejected", ids, none, 4, now);
	ack_seed("mixed", ids, mixed, 4, 0);
	ack_seed("short", ids, all, 3, now);
	ack_seed("swapped", swapped, all, 4, now);
	ack_seed("clock-ahead", ids, mixed, 4, HLC_MAKE(NOW_MS + 40ull * 86400000, 0));
	ack_seed("empty", ids, all, 0, 0);
}

static void dash_seed(const char *name, const struct dash_fixture_opts *o)
{
	Safecampus__Dashboard *d = dash_fixture_new(o);

	if (!d)
		die("dash_fixture_new");
	put_msg("dashboard", name, &d->base);
	safecampus__dashboard__free_unpacked(d, NULL);
}

static void dashboards(void)
{
	Safecampus__Dashboard empty = SAFECAMPUS__DASHBOARD__INIT;

	dash_seed("school", &(struct dash_fixture_opts){ .computed_ms = (int64_t)NOW_MS });
	dash_seed("bureau",
		  &(struct dash_fixture_opts){ .bureau = true, .computed_ms = (int64_t)NOW_MS });
	dash_seed("drill-down", &(struct dash_fixture_opts){ .bureau = true,
							     .school = "s05",
							     .computed_ms = (int64_t)NOW_MS });
	dash_seed("hostile", &(struct dash_fixture_opts){ .bureau = true,
							  .hostile = true,
							  .computed_ms = (int64_t)NOW_MS });
	dash_seed("leak-names", &(struct dash_fixture_opts){ .leak_names = true,
							     .computed_ms = (int64_t)NOW_MS });
	put_msg("dashboard", "empty", &empty.base);
}

static void frame(struct buf *b, Safecampus__Envelope *env)
{
	if (frame_encode(b, env, FRAME_MAX_DEFAULT) != 0)
		die("frame_encode");
}

static void notifies(void)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Notify nt = SAFECAMPUS__NOTIFY__INIT;
	Safecampus__Pong pong = SAFECAMPUS__PONG__INIT;
	Safecampus__Error er = SAFECAMPUS__ERROR__INIT;
	struct buf b;

	buf_init(&b, 1u << 20);
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_NOTIFY;
	env.notify = &nt;
	nt.head = 42;
	frame(&b, &env);
	put("notify", "unsolicited", buf_head(&b), buf_used(&b));
	buf_reset(&b);

	/* the answer to Subscribe, then changes elsewhere, a Pong, a late Notify */
	env.request_id = 7;
	frame(&b, &env);
	env.request_id = 0;
	nt.head = 43;
	frame(&b, &env);
	nt.head = 0;
	frame(&b, &env);
	env.request_id = 9;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PONG;
	env.pong = &pong;
	pong.nonce = 12345;
	frame(&b, &env);
	env.request_id = 0;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_NOTIFY;
	nt.head = 44;
	frame(&b, &env);
	put("notify", "watch", buf_head(&b), buf_used(&b));

	/* then an error about the stream and a broken frame */
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_ERROR;
	env.error = &er;
	er.code = SAFECAMPUS__ERROR_CODE__ERROR_TIMEOUT;
	er.message = "idle for too long";
	frame(&b, &env);
	if (buf_append(&b, "\0\0\0\3\x52\x01", 6) != 0)
		die("buf_append");
	put("notify", "watch-then-error", buf_head(&b), buf_used(&b));
	buf_free(&b);
}

static void configs(void)
{
	static const struct {
		const char *name, *text;
	} c[] = {
		{ "server",
		  "# safecampusd\nlisten = 0.0.0.0:7443\ncert = /etc/safecampus/server.pem\n"
		  "key = /etc/safecampus/server.key\nca = /etc/safecampus/ca.pem\n"
		  "crl = /etc/safecampus/crl.pem\ndistrict = d1\n"
		  "database = host=/run/postgresql dbname=safecampus\nworkers = 2\n"
		  "db_pool = 8\nmax_frame = 4194304\nlog_level = info\n" },
		{ "flags", "cert=/c.pem\nkey=/k.pem\nca=/ca.pem\ndistrict=d1\n\0--max-frame=1024\0"
			   "--listen\0[::1]:7443\0--tls_min_version=1.2" },
		{ "spaces",
		  "  \t\n# comment\n   cert   =   /c.pem   \r\nkey=/k.pem\nca=/ca.pem\n"
		  "district = d1\nescalation_today = 2026-11-30\nmax_handshakes = 100\n" },
		{ "bad-number", "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\nmax_frame = 12k\n" },
		{ "out-of-range",
		  "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\nworkers = 99999999999999999999\n" },
		{ "unknown",
		  "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\nmax-connections=5\nfrobnicate = 1\n" },
		{ "no-equals", "cert /c\n" },
		{ "handshakes", "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\nmax_connections = 10\n"
				"max_handshakes = 10\n" },
		{ "bad-date",
		  "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\nescalation_today = 2026-02-30\n" },
		{ "flag-no-value", "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\n\0--workers" },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		size_t n = strlen(c[i].text);
		/* the seeds with flags hold NULs: their length is up to the last flag */
		if (strcmp(c[i].name, "flags") == 0)
			n = sizeof "cert=/c.pem\nkey=/k.pem\nca=/"
				   "ca.pem\ndistrict=d1\n\0--max-frame=1024\0"
				   "--listen\0[::1]:7443\0--tls_min_version=1.2" -
			    1;
		else if (strcmp(c[i].name, "flag-no-value") == 0)
			n = sizeof "cert=/c\nkey=/k\nca=/ca\ndistrict=d1\n\0--workers" - 1;
		put("config", c[i].name, c[i].text, n);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
		return 2;
	}
	root = argv[1];
	changes();
	pushacks();
	dashboards();
	notifies();
	configs();
	return 0;
}
