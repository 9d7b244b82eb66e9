/* ingest_sign: what signatures cost a sign-off push, end to end through a
 * running safecampusd (part of the ingest benchmark, run by run_ingest.sh;
 * a file of its own because ingest.c is about hazards and COPY).
 *
 * One school's certificate; a principal enrolled with the district admin key
 * (pki.sh people: DIR/people-admin.key, the server's people_key). Then, for
 * each of R rounds and each of two variants, N fresh hazards are pushed
 * (untimed) and N assign events on them are pushed in Pushes of -b events,
 * up to -w Pushes in flight, timed from the first send to the last PushAck:
 *   unsigned  the events carry no signature (the server runs with
 *             require_signatures = 0, which lets unsigned steps through);
 *   signed    each event signed by the principal (Ed25519 over the canonical
 *             bytes, sig.c), so the server checks the signature, the signer,
 *             the chain head of every hazard, and stores each signature in
 *             signoff.
 * Every result must be accepted. The variants alternate within a round so a
 * shared machine's drift falls on both. Also reported: what signing costs the
 * client per event (untimed above: a person signs one step at a time).
 *
 * usage: ingest_sign --server HOST:PORT --pki DIR [-n N] [-b BATCH] [-w WINDOW]
 *                    [-r ROUNDS] [--school S] [--server-pid PID] [--pg-pid POSTMASTER]
 *                    [--only signed|unsigned] [--cut] [--setup-batch N]
 * With the pids it also prints the CPU per event of the server (with its
 * worker processes when workers > 1; apart, its event loop thread, without
 * the thread pool that verifies signatures) and of the whole PostgreSQL
 * cluster (/proc, user + system), each variant, and the median over rounds
 * of signed time / unsigned time (the two ran back to back). --only runs one variant (a server
 * that requires signatures takes only signed ones). --cut, for
 * tests/e2e/signatures_pool.sh: after the rounds (-r 0: none), sends one round of
 * signed Pushes and hangs up at once, without reading an answer, so that the
 * server's verification is still running when the connection goes.
 * --setup-batch: the untimed hazards go in Pushes of N (default -b). A server
 * Error names the pushes it answered ("during signed pushes").
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"
#include "sig.h"
#include "tls.h"
#include "uuid.h"

static int fd = -1;
static struct tls *t;
static struct buf plain, cipher;
static struct hlc clock_;
static const char *school = "school001";
static const char *stage = "setup"; /* what is being pushed, for errors */

static void die(const char *what)
{
	fprintf(stderr, "ingest_sign: %s\n", what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void flush_out(void)
{
	buf_reset(&cipher);
	if (tls_out_take(t, &cipher))
		die("tls");
	for (size_t off = 0; off < buf_used(&cipher);) {
		ssize_t n = write(fd, buf_head(&cipher) + off, buf_used(&cipher) - off);
		if (n <= 0)
			die("write");
		off += (size_t)n;
	}
}

static void pump(void)
{
	uint8_t tmp[65536];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n <= 0 || tls_feed(t, tmp, (size_t)n))
		die("connection closed");
	if (tls_read(t, &plain))
		die(tls_error(t));
	flush_out();
}

static void send_frame(const struct buf *f)
{
	if (tls_write(t, buf_head(f), buf_used(f)))
		die("tls write");
	flush_out();
}

static void encode(struct buf *out, uint64_t rid, Safecampus__Record **recs, size_t n)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Push p = SAFECAMPUS__PUSH__INIT;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;

	env.request_id = rid;
	if (recs) {
		p.records = recs;
		p.n_records = n;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
		env.push = &p;
	} else {
		h.min_version = h.max_version = 1;
		h.client_version = "ingest_sign";
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
		env.hello = &h;
	}
	buf_init(out, 64u << 20);
	if (frame_encode(out, &env, 64u << 20))
		die("encode");
}

/* The next envelope; every PushAck result must be accepted. */
static void await(void)
{
	for (;;) {
		const uint8_t *payload;
		size_t len, used;
		if (frame_decode(buf_head(&plain), buf_used(&plain), 64u << 20, &payload, &len,
				 &used) == FRAME_OK) {
			Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
			buf_consume(&plain, used);
			if (!e)
				die("undecodable frame");
			if (e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR) {
				fprintf(stderr, "ingest_sign: server error during %s pushes: %s\n",
					stage, e->error->message);
				exit(1);
			}
			if (e->body_case == SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK)
				for (size_t i = 0; i < e->push_ack->n_results; i++)
					if (!e->push_ack->results[i]->accepted) {
						fprintf(stderr, "ingest_sign: rejected: %s\n",
							e->push_ack->results[i]->detail);
						exit(1);
					}
			frame_envelope_free(e);
			return;
		}
		pump();
	}
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static Safecampus__Record *record(void)
{
	Safecampus__Record *r = calloc(1, sizeof *r);
	char id[UUID_STR_LEN + 1];

	if (!r || uuid_new(id))
		die("out of memory");
	safecampus__record__init(r);
	r->id = xstrdup(id);
	r->school = xstrdup(school);
	r->campus = xstrdup("main");
	r->hlc = hlc_tick(&clock_, hlc_wall_ms());
	return r;
}

static Safecampus__Record *hazard(void)
{
	Safecampus__Record *r = record();
	Safecampus__Hazard *h = calloc(1, sizeof *h);

	if (!h)
		die("out of memory");
	safecampus__hazard__init(h);
	r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
	r->hazard = h;
	h->title = xstrdup("楼梯扶手松动");
	h->location = xstrdup("教学楼二号楼梯");
	h->reporter = xstrdup("张伟");
	h->area = SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_BUILDING;
	h->severity = SAFECAMPUS__SEVERITY__SEVERITY_HIGH;
	h->found_date = xstrdup("2026-11-20");
	return r;
}

static Safecampus__Record *assign(const char *hazard_id)
{
	Safecampus__Record *r = record();
	Safecampus__HazardEvent *e = calloc(1, sizeof *e);

	if (!e)
		die("out of memory");
	safecampus__hazard_event__init(e);
	r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD_EVENT;
	r->hazard_event = e;
	e->hazard_id = xstrdup(hazard_id);
	e->action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN;
	e->actor = xstrdup("校长");
	e->actor_role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
	e->owner = xstrdup("赵刚");
	e->deadline_date = xstrdup("2030-01-15");
	return r;
}

/* Signs r as signer of signer_school with k: a first step (no prev_hash). */
static void sign(Safecampus__Record *r, EVP_PKEY *k, const char *signer, const char *signer_school)
{
	Safecampus__Signature *s = calloc(1, sizeof *s);
	struct buf b;

	if (!s)
		die("out of memory");
	safecampus__signature__init(s);
	s->signer = xstrdup(signer);
	s->signer_school = xstrdup(signer_school);
	s->signed_ms = (int64_t)hlc_wall_ms();
	r->signature = s;
	s->sig.data = malloc(SIG_LEN);
	s->sig.len = SIG_LEN;
	buf_init(&b, 1u << 20);
	if (!s->sig.data || sig_canonical(r, &b) ||
	    sig_sign(k, buf_head(&b), buf_used(&b), s->sig.data))
		die("cannot sign");
	buf_free(&b);
}

/* CPU seconds (user + system) of pid, or of pid and its children when
 * children (PostgreSQL: the postmaster and every backend); 0 if pid is 0. */
static double cpu_of(int pid, bool children)
{
	char path[64], line[1024];
	double total = 0;
	long tick = sysconf(_SC_CLK_TCK);
	DIR *d;
	struct dirent *e;

	if (!pid)
		return 0;
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		int p = atoi(e->d_name), ppid = 0;
		unsigned long ut = 0, st = 0;
		FILE *f;
		char *c;
		if (p <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", p);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof line, f) && (c = strrchr(line, ')')) &&
		    sscanf(c + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ppid, &ut,
			   &st) == 3 &&
		    (p == pid || (children && ppid == pid)))
			total += (double)(ut + st) / (double)tick;
		fclose(f);
	}
	if (d)
		closedir(d);
	return total;
}

/* CPU seconds of pid's main thread alone: safecampusd's event loop (with
 * workers = 1), without its thread pool. */
static double loop_cpu_of(int pid)
{
	char path[96], line[1024];
	unsigned long ut = 0, st = 0;
	char *c;
	FILE *f;

	if (!pid)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(line, sizeof line, f) || !(c = strrchr(line, ')')) ||
	    sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int server_pid, pg_pid;
static int only = -1; /* 0 unsigned, 1 signed, -1 both */
static double cpu_srv[2], cpu_pg[2], cpu_loop[2];

static uint64_t rid = 1;

/* Pushes recs in Pushes of batch, up to window in flight; seconds taken
 * (frames encoded before the clock starts). */
static double push_all(Safecampus__Record **recs, size_t n, size_t batch, size_t window)
{
	size_t nf = (n + batch - 1) / batch, sent = 0, acked = 0;
	struct buf *frames = calloc(nf ? nf : 1, sizeof *frames);
	double t0;

	if (!frames)
		die("out of memory");
	for (size_t i = 0; i < nf; i++)
		encode(&frames[i], rid++, recs + i * batch, i + 1 < nf ? batch : n - i * batch);
	t0 = now_s();
	while (acked < nf) {
		while (sent < nf && sent - acked < window)
			send_frame(&frames[sent++]);
		await();
		acked++;
	}
	t0 = now_s() - t0;
	for (size_t i = 0; i < nf; i++)
		buf_free(&frames[i]);
	free(frames);
	return t0;
}

static void connect_to(const char *server, const char *pki)
{
	char host[256], cert[1024], key[1024], ca[1024], err[512];
	const char *colon = strrchr(server, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct tls_ctx *ctx;
	int one = 1;

	if (!colon || (size_t)(colon - server) >= sizeof host)
		die("--server HOST:PORT");
	memcpy(host, server, (size_t)(colon - server));
	host[colon - server] = '\0';
	snprintf(cert, sizeof cert, "%s/%s-main.crt", pki, school);
	snprintf(key, sizeof key, "%s/%s-main.key", pki, school);
	snprintf(ca, sizeof ca, "%s/ca.crt", pki);
	if (tls_ctx_new(&ctx, false, cert, key, ca, NULL, err, sizeof err))
		die(err);
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		die("cannot resolve the server");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("cannot connect");
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	buf_init(&plain, 256u << 20);
	buf_init(&cipher, 256u << 20);
	if (tls_new(&t, ctx, "localhost"))
		die("tls");
	if (tls_read(t, &plain) == 0)
		flush_out();
	while (!tls_handshake_done(t))
		pump();
	struct buf hello;
	encode(&hello, rid++, NULL, 0);
	send_frame(&hello);
	buf_free(&hello);
	await();
}

/* The principal: a new key, enrolled with the district admin key. */
static EVP_PKEY *enrol(const char *pki, char *login, size_t n)
{
	char path[1024], hex[2 * SIG_PUBKEY_LEN + 1];
	uint8_t pub[SIG_PUBKEY_LEN];
	EVP_PKEY *admin, *k = NULL;
	Safecampus__Record *r = record();
	Safecampus__Person *p = calloc(1, sizeof *p);
	FILE *f;

	snprintf(path, sizeof path, "%s/people-admin.key", pki);
	f = fopen(path, "r");
	if (!f)
		die("no people-admin.key in --pki (deploy/pki.sh people DIR)");
	admin = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	fclose(f);
	if (!admin || !p || sig_keygen(&k) || sig_pubkey_raw(k, pub))
		die("keys");
	sig_hex(pub, sizeof pub, hex);
	snprintf(login, n, "bench%.8s", r->id);
	safecampus__person__init(p);
	r->body_case = SAFECAMPUS__RECORD__BODY_PERSON;
	r->person = p;
	p->login = xstrdup(login);
	p->display_name = xstrdup("Bench Principal");
	p->role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL;
	p->public_key = xstrdup(hex);
	p->enrolled_ms = (int64_t)hlc_wall_ms();
	sign(r, admin, SIG_DISTRICT_SIGNER, "");
	push_all(&r, 1, 1, 1);
	kind_record_free(r);
	EVP_PKEY_free(admin);
	return k;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *pki = NULL;
	size_t n = 10000, batch = 1000, window = 4;
	int rounds = 3;
	static const struct option lo[] = { { "server", 1, 0, 'S' }, { "pki", 1, 0, 'P' },
					    { "school", 1, 0, 'C' }, { "server-pid", 1, 0, 's' },
					    { "pg-pid", 1, 0, 'g' }, { "only", 1, 0, 'O' },
					    { "cut", 0, 0, 'X' },    { "setup-batch", 1, 0, 'B' },
					    { 0, 0, 0, 0 } };
	size_t setup_batch = 0;
	bool cut = false;
	int o;

	while ((o = getopt_long(argc, argv, "n:b:w:r:", lo, NULL)) != -1) {
		switch (o) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'S':
			server = optarg;
			break;
		case 'P':
			pki = optarg;
			break;
		case 'C':
			school = optarg;
			break;
		case 's':
			server_pid = atoi(optarg);
			break;
		case 'g':
			pg_pid = atoi(optarg);
			break;
		case 'O':
			if (strcmp(optarg, "signed") && strcmp(optarg, "unsigned"))
				die("--only signed or --only unsigned");
			only = !strcmp(optarg, "signed");
			break;
		case 'X':
			cut = true;
			break;
		case 'B':
			setup_batch = strtoul(optarg, NULL, 10);
			break;
		default:
			die("usage: ingest_sign --server HOST:PORT --pki DIR [-n N] [-b B] [-w W] "
			    "[-r R]");
		}
	}
	if (!server || !pki || !n || !batch || !window || rounds < (cut ? 0 : 1))
		die("usage: ingest_sign --server HOST:PORT --pki DIR [-n N] [-b B] [-w W] [-r R]");
	if (!setup_batch)
		setup_batch = batch;
	setvbuf(stdout, NULL, _IOLBF, 0);
	connect_to(server, pki);
	char login[64];
	EVP_PKEY *k = enrol(pki, login, sizeof login);
	Safecampus__Record **hz = calloc(n, sizeof *hz), **ev = calloc(n, sizeof *ev);
	double took[2] = { 0, 0 }, sign_s = 0;
	/* each round's signed time over its unsigned time: the variants of one
	 * round ran back to back, so a neighbour's burst moves both */
	double *ratio = calloc((size_t)rounds + 1, sizeof *ratio), round_s[2];
	if (!hz || !ev)
		die("out of memory");
	printf("ingest_sign: %zu assign events per variant and round, Pushes of %zu, window %d, "
	       "%d rounds\n",
	       n, batch, (int)window, rounds);
	for (int round = 0; round < rounds; round++) {
		for (int v = 0; v < 2; v++) {
			/* alternate which goes first, so neither always runs warm */
			int signed_ = (round + v) % 2;
			if (only >= 0 && signed_ != only)
				continue;
			for (size_t i = 0; i < n; i++)
				hz[i] = hazard();
			stage = "setup";
			push_all(hz, n, setup_batch, window);
			for (size_t i = 0; i < n; i++) {
				ev[i] = assign(hz[i]->id);
				if (signed_) {
					double t0 = now_s();
					sign(ev[i], k, login, school);
					sign_s += now_s() - t0;
				}
			}
			double c0 = cpu_of(server_pid, true), p0 = cpu_of(pg_pid, true),
			       l0 = loop_cpu_of(server_pid);
			stage = signed_ ? "signed" : "unsigned";
			double s = push_all(ev, n, batch, window);
			took[signed_] += s;
			round_s[signed_] = s;
			cpu_srv[signed_] += cpu_of(server_pid, true) - c0;
			cpu_pg[signed_] += cpu_of(pg_pid, true) - p0;
			cpu_loop[signed_] += loop_cpu_of(server_pid) - l0;
			printf("  round %d %-8s %8.0f events/s (%.2f s)\n", round + 1,
			       signed_ ? "signed" : "unsigned", (double)n / s, s);
			for (size_t i = 0; i < n; i++) {
				kind_record_free(hz[i]);
				kind_record_free(ev[i]);
			}
		}
		if (only < 0 && ratio)
			ratio[round] = round_s[1] / round_s[0];
	}
	if (cut) {
		/* the same Pushes as a signed round, sent and abandoned */
		size_t nf = (n + batch - 1) / batch;
		for (size_t i = 0; i < n; i++)
			hz[i] = hazard();
		stage = "setup";
		push_all(hz, n, setup_batch, window);
		for (size_t i = 0; i < n; i++) {
			ev[i] = assign(hz[i]->id);
			sign(ev[i], k, login, school);
		}
		for (size_t i = 0; i < nf; i++) {
			struct buf f;
			encode(&f, rid++, ev + i * batch, i + 1 < nf ? batch : n - i * batch);
			send_frame(&f);
			buf_free(&f);
		}
		close(fd);
		printf("ingest_sign: sent %zu signed events in %zu Pushes and hung up\n", n, nf);
		for (size_t i = 0; i < n; i++) {
			kind_record_free(hz[i]);
			kind_record_free(ev[i]);
		}
		free(ratio);
		free(hz);
		free(ev);
		EVP_PKEY_free(k);
		return 0;
	}
	if (only >= 0) {
		printf("%-8s %8.0f events/s (%.1f us per event)\n", only ? "signed" : "unsigned",
		       (double)n * rounds / took[only], 1e6 * took[only] / ((double)n * rounds));
		if (server_pid)
			printf("CPU per event: safecampusd %.1f us, PostgreSQL %.1f us\n",
			       1e6 * cpu_srv[only] / ((double)n * rounds),
			       1e6 * cpu_pg[only] / ((double)n * rounds));
		free(ratio);
		free(hz);
		free(ev);
		EVP_PKEY_free(k);
		return 0;
	}
	double u = (double)n * rounds / took[0], sg = (double)n * rounds / took[1];
	printf("unsigned %8.0f events/s\nsigned   %8.0f events/s\ncost     %+7.1f %% of the "
	       "unsigned time per event (%.1f us -> %.1f us); client signing %.1f us per event\n",
	       u, sg, 100.0 * (took[1] - took[0]) / took[0], 1e6 / u, 1e6 / sg,
	       1e6 * sign_s / ((double)n * rounds));
	if (ratio) {
		qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
		printf("median round: signed takes %+.1f %% of the unsigned time (rounds %+.1f %% "
		       ".. "
		       "%+.1f %%)\n",
		       100.0 * (ratio[rounds / 2] - 1), 100.0 * (ratio[0] - 1),
		       100.0 * (ratio[rounds - 1] - 1));
	}
	if (server_pid)
		printf("CPU per event: safecampusd %.1f us -> %.1f us (its event loop thread %.1f "
		       "us "
		       "-> %.1f us), PostgreSQL %.1f us -> %.1f us\n",
		       1e6 * cpu_srv[0] / ((double)n * rounds),
		       1e6 * cpu_srv[1] / ((double)n * rounds),
		       1e6 * cpu_loop[0] / ((double)n * rounds),
		       1e6 * cpu_loop[1] / ((double)n * rounds),
		       1e6 * cpu_pg[0] / ((double)n * rounds),
		       1e6 * cpu_pg[1] / ((double)n * rounds));
	free(ratio);
	free(hz);
	free(ev);
	EVP_PKEY_free(k);
	return 0;
}
