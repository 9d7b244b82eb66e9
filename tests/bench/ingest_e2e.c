/* ingest: method (c), end to end: one thread per school pushing its batches to
 * safecampusd over mutual TLS, measured from the first send to the last PushAck. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"
#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "tls.h"
#include "ingest_int.h"

/* ------------------------------------------------------------ (c) end to end */

#include <math.h>
#include <poll.h>

struct client {
	int idx;
	pthread_t th;
	int fd;
	struct tls *t;
	struct tls_ctx *ctx;
	struct buf plain, cipher;
	struct buf *frames;
	size_t *frame_n, nframes;
	size_t accepted, rejected, results;
	uint64_t max_seq;
	double t_first, t_last;
	double *sched;       /* --rate: each Push's send time, seconds after t_go */
	double *lat;         /* each Push's latency, seconds */
	struct usage u0, u1; /* this thread's, around the timed part */
	char err[512];
};
static struct client *clients;
static pthread_barrier_t ready, go;
static double t_go; /* set before the go barrier, read after it */
static char srv_host[256], srv_port[16];

static int c_flush(struct client *c)
{
	buf_reset(&c->cipher);
	if (tls_out_take(c->t, &c->cipher))
		return -1;
	size_t off = 0;
	while (off < buf_used(&c->cipher)) {
		ssize_t n = write(c->fd, buf_head(&c->cipher) + off, buf_used(&c->cipher) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->err, sizeof c->err, "write: %s",
				 n < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int c_pump(struct client *c)
{
	uint8_t tmp[16384];
	ssize_t n;

	do
		n = read(c->fd, tmp, sizeof tmp);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		snprintf(c->err, sizeof c->err, "connection closed or timed out (%s)",
			 n < 0 ? strerror(errno) : "EOF");
		return -1;
	}
	if (tls_feed(c->t, tmp, (size_t)n))
		return -1;
	int rc = tls_read(c->t, &c->plain);
	if (c_flush(c) || rc) {
		snprintf(c->err, sizeof c->err, "tls: %s", tls_error(c->t));
		return -1;
	}
	return 0;
}

static int c_send(struct client *c, const struct buf *frame)
{
	if (tls_write(c->t, buf_head(frame), buf_used(frame))) {
		snprintf(c->err, sizeof c->err, "tls write: %s", tls_error(c->t));
		return -1;
	}
	return c_flush(c);
}

/* Next whole Envelope from the connection (caller frees), NULL on failure. */
static Safecampus__Envelope *c_recv(struct client *c)
{
	for (;;) {
		const uint8_t *payload;
		size_t len, used;
		if (frame_decode(buf_head(&c->plain), buf_used(&c->plain), FRAME_MAX_LIMIT,
				 &payload, &len, &used) == FRAME_OK) {
			Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
			buf_consume(&c->plain, used);
			if (!e)
				snprintf(c->err, sizeof c->err, "undecodable frame");
			return e;
		}
		if (c_pump(c))
			return NULL;
	}
}

static int c_connect(struct client *c)
{
	char cert[1024], key[1024], ca[1024], err[400];
	struct addrinfo hints = { 0 }, *ai;
	struct timeval tv = { 120, 0 };
	int one = 1;
	const char *school = ing_ds.schools[c->idx];

	snprintf(cert, sizeof cert, "%s/%s-%s.crt", ing_opt.pki, school, ing_opt.campus);
	snprintf(key, sizeof key, "%s/%s-%s.key", ing_opt.pki, school, ing_opt.campus);
	snprintf(ca, sizeof ca, "%s/ca.crt", ing_opt.pki);
	if (tls_ctx_new(&c->ctx, false, cert, key, ca, NULL, err, sizeof err)) {
		snprintf(c->err, sizeof c->err, "tls setup: %s", err);
		return -1;
	}
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(srv_host, srv_port, &hints, &ai)) {
		snprintf(c->err, sizeof c->err, "cannot resolve %s", srv_host);
		return -1;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen)) {
		snprintf(c->err, sizeof c->err, "connect %s:%s: %s", srv_host, srv_port,
			 strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	buf_init(&c->plain, 80u << 20);
	buf_init(&c->cipher, 80u << 20);
	if (tls_new(&c->t, c->ctx, "localhost"))
		return -1;
	if (tls_read(c->t, &c->plain) == 0 && c_flush(c))
		return -1;
	while (!tls_handshake_done(c->t))
		if (c_pump(c))
			return -1;

	/* Hello / Welcome */
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT, *in;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	struct buf fb;
	h.min_version = 1;
	h.max_version = 1;
	h.client_version = "ingest-bench";
	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	buf_init(&fb, FRAME_MAX_LIMIT);
	if (frame_encode(&fb, &env, FRAME_MAX_LIMIT) || c_send(c, &fb)) {
		buf_free(&fb);
		return -1;
	}
	buf_free(&fb);
	if (!(in = c_recv(c)))
		return -1;
	if (in->body_case != SAFECAMPUS__ENVELOPE__BODY_WELCOME) {
		snprintf(c->err, sizeof c->err, "expected Welcome, got body %d%s%s", in->body_case,
			 in->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? ": " : "",
			 in->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? in->error->message
									   : "");
		frame_envelope_free(in);
		return -1;
	}
	if ((long)in->welcome->max_push_records < ing_opt.batch) {
		snprintf(c->err, sizeof c->err, "server takes at most %u records per Push (-b %ld)",
			 in->welcome->max_push_records, ing_opt.batch);
		frame_envelope_free(in);
		return -1;
	}
	size_t max_frame = in->welcome->max_frame_bytes;
	frame_envelope_free(in);

	/* encode every Push now: the timed part is the server's, not ours */
	size_t first = ing_ds.school_start[c->idx], end = ing_ds.school_start[c->idx + 1];
	c->nframes = (end - first + (size_t)ing_opt.batch - 1) / (size_t)ing_opt.batch;
	c->frames = ing_xcalloc(c->nframes, sizeof *c->frames);
	c->frame_n = ing_xcalloc(c->nframes, sizeof *c->frame_n);
	for (size_t f = 0; f < c->nframes; f++) {
		Safecampus__Push p = SAFECAMPUS__PUSH__INIT;
		size_t at = first + f * (size_t)ing_opt.batch;
		p.n_records = end - at < (size_t)ing_opt.batch ? end - at : (size_t)ing_opt.batch;
		p.records = &ing_ds.ptrs[at];
		env = (Safecampus__Envelope)SAFECAMPUS__ENVELOPE__INIT;
		env.request_id = 2 + f;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
		env.push = &p;
		c->frame_n[f] = p.n_records;
		buf_init(&c->frames[f], FRAME_MAX_LIMIT);
		if (frame_encode(&c->frames[f], &env, max_frame)) {
			snprintf(c->err, sizeof c->err,
				 "a Push of %zu records is over the server's %zu-byte "
				 "frame limit",
				 p.n_records, max_frame);
			return -1;
		}
	}
	/* --rate: Poisson arrivals at rate / clients per school (exponential
	 * gaps from a per-school xorshift, so a run is repeatable); the
	 * schools together are a Poisson stream at rate */
	c->lat = ing_xcalloc(c->nframes ? c->nframes : 1, sizeof *c->lat);
	c->sched = ing_xcalloc(c->nframes ? c->nframes : 1, sizeof *c->sched);
	if (ing_opt.rate > 0) {
		uint64_t x = ing_opt.seed * 0x9e3779b97f4a7c15ull + (uint64_t)c->idx + 1;
		double per = ing_opt.rate / (double)ing_opt.clients, at = 0;
		for (size_t f = 0; f < c->nframes; f++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0; /* (0,1) */
			at += -log(u) / per;
			c->sched[f] = at;
		}
	}
	return 0;
}

/* A whole frame is already decrypted and waiting in c->plain. */
static int c_frame_ready(struct client *c)
{
	const uint8_t *payload;
	size_t len, used;

	return frame_decode(buf_head(&c->plain), buf_used(&c->plain), FRAME_MAX_LIMIT, &payload,
			    &len, &used) == FRAME_OK;
}

/* --rate: waits until the socket is readable (then reads it into c->plain)
 * or the deadline (absolute, ing_now_s; < 0: none) passes. */
static int c_wait(struct client *c, double deadline)
{
	struct pollfd pf = { .fd = c->fd, .events = POLLIN };
	struct timespec ts, *tp = NULL;

	if (deadline >= 0) {
		double d = deadline - ing_now_s();
		if (d <= 0)
			return 0;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		tp = &ts;
	}
	int n = ppoll(&pf, 1, tp, NULL);
	if (n < 0 && errno != EINTR) {
		snprintf(c->err, sizeof c->err, "poll: %s", strerror(errno));
		return -1;
	}
	return n > 0 ? c_pump(c) : 0;
}

static int c_check_ack(struct client *c, Safecampus__Envelope *e, size_t f)
{
	if (e->body_case != SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK) {
		snprintf(c->err, sizeof c->err, "Push %zu: expected PushAck, got body %d%s%s", f,
			 e->body_case, e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? ": " : "",
			 e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? e->error->message : "");
		return -1;
	}
	if (e->request_id != 2 + f || e->push_ack->n_results != c->frame_n[f]) {
		snprintf(c->err, sizeof c->err,
			 "Push %zu: ack for request %" PRIu64 " with %zu results", f, e->request_id,
			 e->push_ack->n_results);
		return -1;
	}
	size_t at = ing_ds.school_start[c->idx] + f * (size_t)ing_opt.batch;
	for (size_t i = 0; i < e->push_ack->n_results; i++) {
		const Safecampus__RecordResult *r = e->push_ack->results[i];
		c->results++;
		if (r->accepted && r->seq && !strcmp(r->id, ing_ds.ptrs[at + i]->id)) {
			c->accepted++;
			if (r->seq > c->max_seq)
				c->max_seq = r->seq;
		} else {
			if (!c->rejected++)
				snprintf(c->err, sizeof c->err, "record %s rejected: reason %d %s",
					 r->id, r->reason, r->detail ? r->detail : "");
		}
	}
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	int ok = c_connect(c) == 0;
	double *sent_at = ing_xcalloc(c->nframes ? c->nframes : 1, sizeof *sent_at);

	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go);
	if (!ok) {
		free(sent_at);
		return NULL;
	}
	c->u0 = ing_self_usage();
	size_t sent = 0, acked = 0;
	c->t_first = ing_now_s();
	while (acked < c->nframes) {
		int room = sent < c->nframes && sent - acked < (size_t)ing_opt.window;
		double due = room && ing_opt.rate > 0 ? t_go + c->sched[sent] : -1;
		if (room && (ing_opt.rate <= 0 || ing_now_s() >= due)) {
			/* with --rate a late send still counts from its schedule */
			sent_at[sent] = ing_opt.rate > 0 ? due : ing_now_s();
			if (c_send(c, &c->frames[sent++]))
				goto fail;
			continue;
		}
		if (acked < sent && (ing_opt.rate <= 0 || c_frame_ready(c))) {
			Safecampus__Envelope *e = c_recv(c);
			if (!e)
				goto fail;
			c->lat[acked] = ing_now_s() - sent_at[acked];
			int rc = c_check_ack(c, e, acked);
			frame_envelope_free(e);
			if (rc)
				goto fail;
			acked++;
			continue;
		}
		if (acked == sent) {
			/* nothing in flight: sleep until the next Push is due */
			struct timespec ts;
			double d = due - ing_now_s();
			if (d > 0) {
				ts.tv_sec = (time_t)d;
				ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
			continue;
		}
		if (c_wait(c, due))
			goto fail;
	}
	c->t_last = ing_now_s();
	c->u1 = ing_self_usage();
	if (tls_shutdown(c->t) == 0)
		(void)c_flush(c);
fail:
	free(sent_at);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentiles of every Push's latency over all clients (nearest rank), in ms. */
static void latency_summary(struct result *r)
{
	size_t n = 0, k = 0;

	for (int i = 0; i < ing_opt.clients; i++)
		n += clients[i].nframes;
	if (!n)
		return;
	double *all = ing_xcalloc(n, sizeof *all);
	for (int i = 0; i < ing_opt.clients; i++)
		for (size_t f = 0; f < clients[i].nframes; f++)
			all[k++] = clients[i].lat[f] * 1e3;
	qsort(all, n, sizeof *all, cmp_double);
#define RANK(q) all[(size_t)ceil((q) * (double)n) - 1]
	r->lat_n = n;
	r->lat_p50 = RANK(0.50);
	r->lat_p90 = RANK(0.90);
	r->lat_p99 = RANK(0.99);
	r->lat_max = all[n - 1];
#undef RANK
	free(all);
}

/* Backends of the server's database pool (application_name safecampusd). */
static int server_backends(int *pids, int max)
{
	PGresult *r =
		ing_q("SELECT pid FROM pg_stat_activity WHERE application_name = 'safecampusd' "
		      "AND datname = current_database()",
		      PGRES_TUPLES_OK);
	int n = 0;

	for (int i = 0; i < PQntuples(r) && n < max; i++)
		pids[n++] = atoi(PQgetvalue(r, i, 0));
	PQclear(r);
	return n;
}

void ing_run_e2e(void)
{
	struct meter m;
	int sess[16], nsess;
	const char *colon = strrchr(ing_opt.server, ':');

	if (!colon || !ing_opt.pki)
		ing_die("--server HOST:PORT and --pki DIR are needed for the end-to-end run");
	snprintf(srv_host, sizeof srv_host, "%.*s", (int)(colon - ing_opt.server), ing_opt.server);
	snprintf(srv_port, sizeof srv_port, "%s", colon + 1);
	ing_fresh_table();
	clients = ing_xcalloc((size_t)ing_opt.clients, sizeof *clients);
	pthread_barrier_init(&ready, NULL, (unsigned)ing_opt.clients + 1);
	pthread_barrier_init(&go, NULL, (unsigned)ing_opt.clients + 1);
	for (int i = 0; i < ing_opt.clients; i++) {
		clients[i].idx = i;
		clients[i].fd = -1;
		if (pthread_create(&clients[i].th, NULL, client_main, &clients[i]))
			ing_die("pthread_create");
	}
	pthread_barrier_wait(&ready); /* everyone connected, said Hello, encoded */
	nsess = server_backends(sess, 16);
	ing_meter_start(&m, sess, nsess);
	t_go = ing_now_s();
	pthread_barrier_wait(&go);
	for (int i = 0; i < ing_opt.clients; i++)
		pthread_join(clients[i].th, NULL);
	size_t accepted = 0, results_n = 0, frames = 0;
	double t0 = 1e300, t1 = 0;
	int failed = 0;
	for (int i = 0; i < ing_opt.clients; i++) {
		struct client *c = &clients[i];
		accepted += c->accepted;
		results_n += c->results;
		frames += c->nframes;
		if (c->err[0] || !c->t_last) {
			fprintf(stderr, "ingest: client %d (%s): %s\n", i, ing_ds.schools[i],
				c->err[0] ? c->err : "did not finish");
			failed = 1;
		}
		if (c->t_first < t0)
			t0 = c->t_first;
		if (c->t_last > t1)
			t1 = c->t_last;
	}
	if (failed || accepted != ing_ds.n)
		ing_die("end to end: %zu of %zu records accepted (%zu results)", accepted, ing_ds.n,
			results_n);
	static char method[64];
	if (ing_opt.rate > 0)
		snprintf(method, sizeof method, "end to end (%ld cl, %.0f Push/s)", ing_opt.clients,
			 ing_opt.rate);
	else
		snprintf(method, sizeof method, "end to end (%ld clients, mTLS)", ing_opt.clients);
	struct result *r = ing_meter_stop(&m, method, t0, t1);
	r->batches = frames;
	latency_summary(r);
	for (int i = 0; i < ing_opt.clients; i++)
		r->wait += clients[i].u1.wait - clients[i].u0.wait;
	snprintf(r->note, sizeof r->note,
		 "%zu Pushes of up to %ld, %ld in flight per connection; %d pool backends%s",
		 frames, ing_opt.batch, ing_opt.window, nsess,
		 ing_opt.rate > 0 ? "; open loop (Poisson), latency from the scheduled send" : "");
	for (int i = 0; i < ing_opt.clients; i++) {
		struct client *c = &clients[i];
		for (size_t f = 0; f < c->nframes; f++)
			buf_free(&c->frames[f]);
		free(c->frames);
		free(c->frame_n);
		free(c->sched);
		free(c->lat);
		buf_free(&c->plain);
		buf_free(&c->cipher);
		tls_free(c->t);
		tls_ctx_free(c->ctx);
		if (c->fd >= 0)
			close(c->fd);
	}
	free(clients);
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
}
