/* scprobe: a deliberately misbehaving client for end-to-end tests.
 *
 * It speaks the wire directly (blocking socket, TLS over memory BIOs, frames
 * built by hand), so tests can send what the real client never would: bad
 * frames, messages out of order, records of another school. It prints one line
 * per thing it sees, for the test script to grep:
 *   handshake ok | handshake failed: REASON
 *   welcome school=S campus=C role=R
 *   error code=N message=TEXT
 *   result i=N accepted=0|1 seq=N reason=N detail=TEXT
 *   changes n=N cursor=N more=0|1 [ids...]
 *   notify head=N
 *   dashboard scope=S label=L period=A..B as_of=D score=X rank=R of=N schools=N
 *             alerts=N missing=N health=N trends=N ageing=N rid=N [ms=T bytes=B]
 *     indicator key=K has=0|1 value=V target=T weight=W score=S previous=P detail=TEXT
 *     school rank=R label=L id=S score=X self=0|1 indicators=N
 *     alert school=S kind=K since=D severity=N record=ID title=TEXT
 *     missing school=S due=D what=TEXT
 *     health school=S campus=C last_contact_ms=N pending=N
 *     trend key=K YYYY-MM=V|- ...
 *   closed
 *
 * usage: scprobe HOST PORT CERT KEY CA MODE [ARG]
 * modes: handshake, garbage, oversize, no-hello, bad-version, empty-body,
 *        push-foreign, push-mixed, push-unknown, push-big-batch N, pull CURSOR,
 *        half-frame, push-hazard TITLE (PROBE_ID: under that id),
 *        push-notice-ack NOTICE_ID   one notice_event ack naming that notice
 *        dashboard [SCHOOL]   one DashboardRequest (dates from PROBE_START,
 *                             PROBE_END, PROBE_ASOF; SCHOOL: the bureau's
 *                             drill-down), printed with its round-trip time
 *        push-files FILE...   one Push of the packed Records in the files
 *                             (hand-made by tests/tools/scforge), in order
 *        evidence-bad HASH   on one connection: an oversize chunk, a truncated
 *                             chunk (length says more than data), a chunk and
 *                             an offer for a file no record names, then an
 *                             offer of HASH and a Ping (the connection lives on)
 *        watch-dashboard SECONDS   Subscribe{enable, dashboards} and print
 *                             every Notify and Dashboard for that long,
 *                             each prefixed by "t=MS " since the subscription
 *        session             one connection, commands from stdin, one a line:
 *                             push TITLE | dashboard | pull CURSOR | mark TEXT
 *                             (printed back as "mark TEXT", for the script
 *                             to wait on); ends at end of input
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"
#include "tls.h"
#include "uuid.h"

/* a probe lives for one exchange; what it allocates dies with it */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static int fd = -1;
static struct tls *t;
/* held until the process exits, as t is: every mode ends by returning from
 * main, many early, and LeakSanitizer reported a ctx only main's frame held
 * (each half-frame probe exited 134 under ASan) */
static struct tls_ctx *ctx;
static struct buf plain, cipher;

static void flush_out(void)
{
	buf_reset(&cipher);
	if (tls_out_take(t, &cipher))
		exit(3);
	size_t off = 0;
	while (off < buf_used(&cipher)) {
		ssize_t n = write(fd, buf_head(&cipher) + off, buf_used(&cipher) - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* Reads from the socket into the session; 0 on EOF/timeout. */
static int pump(void)
{
	uint8_t tmp[16384];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n <= 0)
		return 0;
	if (tls_feed(t, tmp, (size_t)n))
		return 0;
	int rc = tls_read(t, &plain);
	flush_out();
	if (rc) {
		printf("tls error: %s\n", tls_error(t));
		return 0;
	}
	return 1;
}

static void send_raw(const void *p, size_t n)
{
	if (tls_write(t, p, n)) {
		printf("tls write failed: %s\n", tls_error(t));
		exit(3);
	}
	flush_out();
}

static void send_env(Safecampus__Envelope *env)
{
	struct buf b;

	buf_init(&b, 64u << 20);
	if (frame_encode(&b, env, 64u << 20))
		exit(3);
	send_raw(buf_head(&b), buf_used(&b));
	buf_free(&b);
}

/* The numbers a test or a benchmark looks at. PROBE_QUIET=1 prints the
 * summary line only. */
static void print_dashboard(const Safecampus__Dashboard *d, uint64_t rid)
{
	int quiet = getenv("PROBE_QUIET") && *getenv("PROBE_QUIET") == '1';

	printf("dashboard scope=%s label=%s period=%s..%s as_of=%s score=%.1f rank=%u of=%u "
	       "schools=%zu "
	       "alerts=%zu missing=%zu health=%zu trends=%zu ageing=%zu rid=%llu\n",
	       d->scope, d->scope_label, d->period_start_date, d->period_end_date, d->as_of_date,
	       d->score, d->rank, d->of_schools, d->n_schools, d->n_alerts, d->n_missing,
	       d->n_health, d->n_trends, d->n_hazard_ageing, (unsigned long long)rid);
	if (quiet)
		return;
	for (size_t i = 0; i < d->n_indicators; i++) {
		const Safecampus__Indicator *x = d->indicators[i];
		printf("  indicator key=%s has=%d value=%g target=%g weight=%g score=%.1f "
		       "previous=%s%g detail=%s\n",
		       x->key, x->has_value, x->value, x->target, x->weight, x->score,
		       x->has_previous ? "" : "-", x->previous, x->detail);
	}
	for (size_t i = 0; i < d->n_schools; i++) {
		const Safecampus__SchoolScore *x = d->schools[i];
		printf("  school rank=%u label=%s id=%s score=%.1f self=%d indicators=%zu\n",
		       x->rank, x->label, x->school, x->score, x->is_self, x->n_indicators);
	}
	for (size_t i = 0; i < d->n_alerts; i++) {
		const Safecampus__Alert *x = d->alerts[i];
		printf("  alert school=%s kind=%s since=%s severity=%d record=%s title=%s\n",
		       x->school, x->kind, x->since_date, x->severity, x->record_id, x->title);
	}
	for (size_t i = 0; i < d->n_missing; i++)
		printf("  missing school=%s due=%s what=%s\n", d->missing[i]->school,
		       d->missing[i]->due_date, d->missing[i]->what);
	for (size_t i = 0; i < d->n_health; i++)
		printf("  health school=%s campus=%s last_contact_ms=%lld pending=%llu\n",
		       d->health[i]->school, d->health[i]->campus,
		       (long long)d->health[i]->last_contact_ms,
		       (unsigned long long)d->health[i]->outbox_pending);
	for (size_t i = 0; i < d->n_trends; i++) {
		printf("  trend key=%s", d->trends[i]->key);
		for (size_t m = 0; m < d->trends[i]->n_months; m++) {
			const Safecampus__MonthValue *v = d->trends[i]->months[m];
			if (v->has_value)
				printf(" %s=%g", v->month, v->value);
			else
				printf(" %s=-", v->month);
		}
		printf("\n");
	}
}

static void print_env(const Safecampus__Envelope *e)
{
	switch (e->body_case) {
	case SAFECAMPUS__ENVELOPE__BODY_WELCOME:
		printf("welcome school=%s campus=%s role=%d\n", e->welcome->school,
		       e->welcome->campus, e->welcome->role);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_ERROR:
		printf("error code=%d message=%s\n", e->error->code, e->error->message);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK:
		for (size_t i = 0; i < e->push_ack->n_results; i++) {
			const Safecampus__RecordResult *r = e->push_ack->results[i];
			printf("result i=%zu accepted=%d seq=%llu reason=%d detail=%s\n", i,
			       r->accepted, (unsigned long long)r->seq, r->reason, r->detail);
		}
		break;
	case SAFECAMPUS__ENVELOPE__BODY_CHANGES:
		printf("changes n=%zu cursor=%llu more=%d", e->changes->n_records,
		       (unsigned long long)e->changes->cursor, e->changes->more);
		for (size_t i = 0; i < e->changes->n_records; i++)
			printf(" %s/%s", e->changes->records[i]->school,
			       e->changes->records[i]->id);
		printf("\n");
		break;
	case SAFECAMPUS__ENVELOPE__BODY_NOTIFY:
		printf("notify head=%llu\n", (unsigned long long)e->notify->head);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_DASHBOARD:
		print_dashboard(e->dashboard, e->request_id);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_STATUS: {
		const Safecampus__EvidenceStatus *s = e->evidence_status;
		printf("evidence rid=%llu reason=%d have=%llu size=%llu complete=%d detail=%s\n",
		       (unsigned long long)e->request_id, s->reason, (unsigned long long)s->have,
		       (unsigned long long)s->size, s->complete, s->detail);
		break;
	}
	case SAFECAMPUS__ENVELOPE__BODY_PONG:
		printf("pong\n");
		break;
	default:
		printf("message body=%d\n", e->body_case);
	}
	fflush(stdout);
}

/* Reads frames until one answers request rid (or the connection ends). */
static int expect(uint64_t rid)
{
	for (;;) {
		const uint8_t *payload;
		size_t len, used;
		while (frame_decode(buf_head(&plain), buf_used(&plain), 64u << 20, &payload, &len,
				    &used) == FRAME_OK) {
			Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
			buf_consume(&plain, used);
			if (!e) {
				printf("undecodable frame\n");
				return -1;
			}
			print_env(e);
			int done = e->request_id == rid ||
				   e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR;
			frame_envelope_free(e);
			if (done)
				return 0;
		}
		if (!pump()) {
			printf("closed\n");
			return -1;
		}
	}
}

static void wait_closed(void)
{
	while (pump())
		;
	printf("closed\n");
}

static Safecampus__Record *hazard(const char *school, const char *campus, const char *title)
{
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__Hazard *h = calloc(1, sizeof *h);
	char *id = malloc(UUID_STR_LEN + 1);
	static struct hlc clock;

	safecampus__record__init(r);
	safecampus__hazard__init(h);
	if (!id || uuid_new(id))
		exit(3);
	/* PROBE_ID: push-hazard under a chosen id (another school's, say) */
	if (getenv("PROBE_ID"))
		snprintf(id, UUID_STR_LEN + 1, "%s", getenv("PROBE_ID"));
	r->id = id;
	r->school = (char *)school;
	r->campus = (char *)campus;
	r->hlc = hlc_tick(&clock, hlc_wall_ms());
	r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
	r->hazard = h;
	h->title = (char *)title;
	h->area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_FIRE;
	h->severity = SAFECAMPUS__SEVERITY__SEVERITY_LOW;
	h->found_date = "2026-11-20";
	return r;
}

static Safecampus__Record *event(const char *school, const char *campus, const char *hazard_id,
				 Safecampus__HazardAction action)
{
	Safecampus__Record *r = hazard(school, campus, "");
	Safecampus__HazardEvent *ev = calloc(1, sizeof *ev);

	safecampus__hazard_event__init(ev);
	free(r->hazard);
	r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD_EVENT;
	r->hazard_event = ev;
	ev->hazard_id = (char *)hazard_id;
	ev->action = action;
	ev->actor = "probe";
	ev->actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
	ev->note = "probe";
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Prints every frame that arrives until deadline (monotonic ms); with
 * stop_rid, returns after the frame answering it. Returns the size of the last
 * frame printed, 0 if the connection ended. */
static size_t watch(uint64_t deadline, uint64_t start, int stop_rid, uint64_t rid)
{
	size_t last = 0;

	for (;;) {
		const uint8_t *payload;
		size_t len, used;
		while (frame_decode(buf_head(&plain), buf_used(&plain), 64u << 20, &payload, &len,
				    &used) == FRAME_OK) {
			Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
			buf_consume(&plain, used);
			if (!e) {
				printf("undecodable frame\n");
				return 0;
			}
			if (start)
				printf("t=%llu ", (unsigned long long)(now_ms() - start));
			print_env(e);
			last = len + 4;
			int done = stop_rid && (e->request_id == rid ||
						e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR);
			frame_envelope_free(e);
			if (done)
				return last;
		}
		uint64_t now = now_ms();
		if (now >= deadline)
			return last;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc == 0)
			return last;
		if (rc < 0 || !pump()) {
			printf("closed\n");
			return 0;
		}
	}
}

static void hello(int minv, int maxv)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;

	h.min_version = (uint32_t)minv;
	h.max_version = (uint32_t)maxv;
	h.client_version = "scprobe";
	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	send_env(&env);
}

static void push(Safecampus__Record **recs, size_t n, uint64_t rid)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Push p = SAFECAMPUS__PUSH__INIT;

	p.records = recs;
	p.n_records = n;
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
	env.push = &p;
	send_env(&env);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { 0 }, *ai;
	char err[512];
	struct timeval tv = { 10, 0 };

	if (argc < 7) {
		fprintf(stderr, "usage: scprobe HOST PORT CERT KEY CA MODE [ARG]\n");
		return 2;
	}
	const char *mode = argv[6], *arg = argc > 7 ? argv[7] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tls_ctx_new(&ctx, false, *argv[3] ? argv[3] : NULL, *argv[4] ? argv[4] : NULL, argv[5],
			NULL, err, sizeof err)) {
		printf("tls setup failed: %s\n", err);
		return 1;
	}
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai))
		return 1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		printf("connect failed: %s\n", strerror(errno));
		return 1;
	}
	freeaddrinfo(ai);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	buf_init(&plain, 80u << 20);
	buf_init(&cipher, 80u << 20);
	if (tls_new(&t, ctx, "localhost"))
		return 1;
	if (tls_read(t, &plain) == 0)
		flush_out();
	while (!tls_handshake_done(t)) {
		if (!pump()) {
			printf("handshake failed: %s\n", tls_error(t));
			return 1;
		}
	}
	printf("handshake ok\n");
	const char *school = getenv("PROBE_SCHOOL") ? getenv("PROBE_SCHOOL") : "schoolA";
	const char *campus = getenv("PROBE_CAMPUS") ? getenv("PROBE_CAMPUS") : "main";

	if (!strcmp(mode, "handshake")) {
		/* TLS 1.3: the server judges our certificate after the client's
		 * handshake ends; a Hello round trip shows whether it accepted it */
		hello(1, 1);
		return expect(1) ? 1 : 0;
	} else if (!strcmp(mode, "garbage")) {
		hello(1, 1);
		expect(1);
		uint8_t junk[] = { 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		send_raw(junk, sizeof junk);
		expect(0);
		wait_closed();
	} else if (!strcmp(mode, "oversize")) {
		hello(1, 1);
		expect(1);
		uint8_t big[] = { 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 };
		send_raw(big, sizeof big);
		expect(0);
		wait_closed();
	} else if (!strcmp(mode, "half-frame")) {
		/* a frame header promising more than ever comes: the server must not
		 * wait forever (hello/idle timeouts) nor crash */
		uint8_t half[] = { 0, 0, 0, 100, 1, 2, 3 };
		send_raw(half, sizeof half);
		wait_closed();
	} else if (!strcmp(mode, "no-hello")) {
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
		Safecampus__Pull p = SAFECAMPUS__PULL__INIT;
		env.request_id = 7;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
		env.pull = &p;
		send_env(&env);
		expect(7);
		wait_closed();
	} else if (!strcmp(mode, "bad-version")) {
		hello(2, 3);
		expect(1);
		wait_closed();
	} else if (!strcmp(mode, "empty-body")) {
		hello(1, 1);
		expect(1);
		uint8_t env[] = { 0, 0, 0, 2, 0x08, 0x05 }; /* request_id 5, no body */
		send_raw(env, sizeof env);
		expect(5);
		wait_closed();
	} else if (!strcmp(mode, "push-foreign")) {
		hello(1, 1);
		expect(1);
		Safecampus__Record *recs[2] = { hazard("schoolB", campus, "not mine"),
						hazard(school, campus, "mine") };
		push(recs, 2, 2);
		expect(2);
	} else if (!strcmp(mode, "push-unknown")) {
		hello(1, 1);
		expect(1);
		Safecampus__Record *recs[2] = { hazard(school, campus, "no body"),
						hazard(school, campus, "ok") };
		recs[0]->body_case = SAFECAMPUS__RECORD__BODY__NOT_SET;
		push(recs, 2, 2);
		expect(2);
	} else if (!strcmp(mode, "push-mixed")) {
		/* 0 valid hazard; 1 bad date; 2 verify straight after report (illegal);
		 * 3 assign of hazard 0 (legal); 4 event of an unknown hazard;
		 * 5 a bad id; 6 rectify by a teacher (legal) */
		hello(1, 1);
		expect(1);
		Safecampus__Record *recs[7];
		recs[0] = hazard(school, campus, "valid");
		recs[1] = hazard(school, campus, "bad date");
		recs[1]->hazard->found_date = "2026-02-30";
		recs[2] = event(school, campus, recs[0]->id,
				SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_VERIFY);
		/* by the rectifier-to-be: illegal now and still illegal on re-send */
		recs[2]->hazard_event->actor = "Zhao";
		recs[3] = event(school, campus, recs[0]->id,
				SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN);
		recs[3]->hazard_event->owner = "Zhao";
		recs[3]->hazard_event->deadline_date = "2030-01-01";
		recs[4] = event(school, campus, "00000000-0000-4000-8000-000000000000",
				SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_NOTE);
		recs[5] = hazard(school, campus, "bad id");
		recs[5]->id = "not-a-uuid";
		recs[6] = event(school, campus, recs[0]->id,
				SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_RECTIFY);
		recs[6]->hazard_event->actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_HEAD_TEACHER;
		recs[6]->hazard_event->actor = "Zhao";
		push(recs, 7, 2);
		expect(2);
		/* the same batch again: idempotent, same answers, same seqs */
		push(recs, 7, 3);
		expect(3);
	} else if (!strcmp(mode, "push-big-batch")) {
		hello(1, 1);
		expect(1);
		size_t n = (size_t)strtoul(arg, NULL, 10);
		Safecampus__Record **recs = calloc(n, sizeof *recs);
		for (size_t i = 0; i < n; i++)
			recs[i] = hazard(school, campus, "bulk");
		push(recs, n, 2);
		expect(2);
	} else if (!strcmp(mode, "pull")) {
		hello(1, 1);
		expect(1);
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
		Safecampus__Pull p = SAFECAMPUS__PULL__INIT;
		p.cursor = strtoull(arg, NULL, 10);
		env.request_id = 2;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
		env.pull = &p;
		send_env(&env);
		expect(2);
	} else if (!strcmp(mode, "push-hazard")) {
		hello(1, 1);
		expect(1);
		/* found today (UTC) unless PROBE_FOUND says otherwise, so the
		 * hazard is open in the dashboard's default period */
		static char today[11];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
		Safecampus__Record *recs[1] = { hazard(school, campus,
						       *arg ? arg : "probe hazard") };
		recs[0]->hazard->found_date = getenv("PROBE_FOUND") ? getenv("PROBE_FOUND") : today;
		push(recs, 1, 2);
		expect(2);
	} else if (!strcmp(mode, "push-notice-ack")) {
		hello(1, 1);
		expect(1);
		Safecampus__Record *recs[1] = { hazard(school, campus, "") };
		Safecampus__NoticeEvent *ev = calloc(1, sizeof *ev);
		if (!ev)
			exit(3);
		safecampus__notice_event__init(ev);
		free(recs[0]->hazard);
		recs[0]->body_case = SAFECAMPUS__RECORD__BODY_NOTICE_EVENT;
		recs[0]->notice_event = ev;
		ev->notice_id = (char *)arg;
		ev->action = SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_ACK;
		ev->actor = "probe";
		ev->notice_hlc = 1;
		push(recs, 1, 2);
		expect(2);
	} else if (!strcmp(mode, "dashboard")) {
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
		Safecampus__DashboardRequest rq = SAFECAMPUS__DASHBOARD_REQUEST__INIT;
		hello(1, 1);
		expect(1);
		rq.school = (char *)arg;
		rq.period_start_date = getenv("PROBE_START") ? getenv("PROBE_START") : "";
		rq.period_end_date = getenv("PROBE_END") ? getenv("PROBE_END") : "";
		rq.as_of_date = getenv("PROBE_ASOF") ? getenv("PROBE_ASOF") : "";
		env.request_id = 2;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST;
		env.dashboard_request = &rq;
		uint64_t t0 = now_ms();
		send_env(&env);
		size_t bytes = watch(t0 + 60000, 0, 1, 2);
		printf("dashboard ms=%llu bytes=%zu\n", (unsigned long long)(now_ms() - t0), bytes);
		return bytes ? 0 : 1;
	} else if (!strcmp(mode, "push-files")) {
		int n = argc - 7;
		Safecampus__Record **recs = calloc(n > 0 ? (size_t)n : 1, sizeof *recs);
		hello(1, 1);
		expect(1);
		for (int i = 0; i < n; i++) {
			static uint8_t b[1 << 20];
			FILE *f = fopen(argv[7 + i], "rb");
			size_t len = f ? fread(b, 1, sizeof b, f) : 0;
			if (f)
				fclose(f);
			recs[i] = safecampus__record__unpack(NULL, len, b);
			if (!recs[i]) {
				printf("cannot read a Record from %s\n", argv[7 + i]);
				return 1;
			}
		}
		push(recs, (size_t)n, 2);
		expect(2);
	} else if (!strcmp(mode, "evidence-bad")) {
		static uint8_t big[300 * 1024], sha[32], other[32];
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
		Safecampus__EvidenceChunk ch = SAFECAMPUS__EVIDENCE_CHUNK__INIT;
		Safecampus__EvidenceOffer of = SAFECAMPUS__EVIDENCE_OFFER__INIT;
		Safecampus__Ping ping = SAFECAMPUS__PING__INIT;
		for (int i = 0; i < 32; i++) {
			unsigned v = 0;
			if (sscanf(arg + 2 * i, "%2x", &v) != 1)
				return 2;
			sha[i] = (uint8_t)v;
			other[i] = (uint8_t)(0xa5 ^ i);
		}
		hello(1, 1);
		expect(1);
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_CHUNK;
		env.evidence_chunk = &ch;
		ch.sha256.data = sha;
		ch.sha256.len = 32;
		/* 2: a chunk above the server's maximum */
		ch.data.data = big;
		ch.data.len = sizeof big;
		ch.length = sizeof big;
		env.request_id = 2;
		send_env(&env);
		expect(2);
		/* 3: a truncated chunk: it says 1000 bytes and carries 500 */
		ch.data.len = 500;
		ch.length = 1000;
		env.request_id = 3;
		send_env(&env);
		expect(3);
		/* 4: a chunk of a file no record of this school names */
		ch.sha256.data = other;
		ch.data.len = ch.length = 1000;
		env.request_id = 4;
		send_env(&env);
		expect(4);
		/* 5: and its offer */
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_OFFER;
		env.evidence_offer = &of;
		of.sha256.data = other;
		of.sha256.len = 32;
		env.request_id = 5;
		send_env(&env);
		expect(5);
		/* 6: the connection lives on: the real file's offer, then a Ping */
		of.sha256.data = sha;
		env.request_id = 6;
		send_env(&env);
		expect(6);
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PING;
		env.ping = &ping;
		env.request_id = 7;
		send_env(&env);
		expect(7);
	} else if (!strcmp(mode, "watch-dashboard")) {
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
		Safecampus__Subscribe sub = SAFECAMPUS__SUBSCRIBE__INIT;
		hello(1, 1);
		expect(1);
		sub.enable = true;
		sub.dashboards = true;
		env.request_id = 2;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_SUBSCRIBE;
		env.subscribe = &sub;
		uint64_t t0 = now_ms();
		send_env(&env);
		printf("subscribed\n");
		watch(t0 + (uint64_t)(strtod(*arg ? arg : "10", NULL) * 1000), t0, 0, 0);
		printf("watch done\n");
	} else if (!strcmp(mode, "session")) {
		/* the same client, request after request: what the server
		 * remembers per connection (tests/e2e/replica_reads.sh) */
		char line[512];
		uint64_t rid = 1;
		hello(1, 1);
		expect(1);
		while (fgets(line, sizeof line, stdin)) {
			line[strcspn(line, "\n")] = '\0';
			char *sp = strchr(line, ' ');
			const char *rest = sp ? sp + 1 : "";
			if (sp)
				*sp = '\0';
			rid++;
			if (!strcmp(line, "push")) {
				static char today[11];
				time_t now = time(NULL);
				struct tm tm;
				gmtime_r(&now, &tm);
				strftime(today, sizeof today, "%Y-%m-%d", &tm);
				Safecampus__Record *recs[1] = { hazard(school, campus, rest) };
				recs[0]->hazard->found_date = today;
				push(recs, 1, rid);
				expect(rid);
			} else if (!strcmp(line, "dashboard")) {
				Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
				Safecampus__DashboardRequest rq =
					SAFECAMPUS__DASHBOARD_REQUEST__INIT;
				rq.school = "";
				rq.period_start_date = rq.period_end_date = rq.as_of_date = "";
				env.request_id = rid;
				env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST;
				env.dashboard_request = &rq;
				send_env(&env);
				if (!watch(now_ms() + 60000, 0, 1, rid))
					return 1;
			} else if (!strcmp(line, "pull")) {
				Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
				Safecampus__Pull p = SAFECAMPUS__PULL__INIT;
				p.cursor = strtoull(rest, NULL, 10);
				env.request_id = rid;
				env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
				env.pull = &p;
				send_env(&env);
				expect(rid);
			} else if (!strcmp(line, "mark")) {
				printf("mark %s\n", rest);
			} else if (line[0]) {
				printf("unknown command %s\n", line);
			}
		}
		printf("session done\n");
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	close(fd);
	return 0;
}
