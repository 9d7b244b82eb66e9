/* faultproxy: a TCP proxy for fault tests that delays, cuts and black-holes
 * traffic (client <-> safecampusd, safecampusd <-> PostgreSQL).
 *
 *   faultproxy LISTEN_PORT TARGET_HOST TARGET_PORT [options]
 *
 * It listens on 127.0.0.1:LISTEN_PORT (0: any free port, printed), connects
 * each accepted connection to TARGET_HOST:TARGET_PORT and copies bytes both
 * ways: "up" is client -> target, "down" is target -> client. Faults:
 *
 *   --dir up|down|both     which byte count the options below watch (default
 *                          both: whichever direction gets there first; for
 *                          --cut-at-random each connection draws its direction)
 *   --cut-after-bytes N    forward exactly N bytes, then close both sides
 *   --cut-at-random SEED   cut each connection at an offset drawn from
 *                          [--cut-min, --cut-max] (defaults 1, 65536) by a
 *                          generator seeded with SEED and the connection number,
 *                          so a run is reproducible; cuts land mid-frame and
 *                          mid-TLS-record
 *   --cut-with fin|rst|random   close a cut with FIN (default) or RST
 *   --drop-after N         after N bytes forward nothing more, either way, and
 *                          keep both sockets open: a black hole. A close from
 *                          one side is not passed on; the connection ends when
 *                          both sides have closed (or the proxy exits)
 *   --delay-ms N           hold every chunk N ms before forwarding it
 *   --fault-conns N        only the first N connections get a cut or a drop
 *   --max-conns N          at most N connections at once; more are closed at accept
 *   --control FILE         fault settings read from FILE whenever its contents
 *                          change (checked every 100 ms, and on SIGHUP): one
 *                          option a line without the dashes ("cut-after-bytes 300",
 *                          "dir up"), '#' comments. The file replaces every fault
 *                          setting (an empty file means a clean path; a missing
 *                          file changes nothing). Live connections are planned
 *                          again, counting from the bytes they have already
 *                          forwarded. "cut-now" cuts every live connection once.
 *
 * SIGUSR1 cuts every live connection. SIGTERM/SIGINT: every connection is
 * closed and the proxy exits 0.
 *
 * Output (stdout, one line each, for test scripts to grep):
 *   faultproxy: listening port=P target=H:P
 *   faultproxy: control settings="..."
 *   faultproxy: conn=N peer=A up=B down=B end=WHY [cut=DIR@OFFSET how=fin|rst]
 *               [dropped=DIR@OFFSET] ms=T
 *   faultproxy: exit conns=N cuts=N drops=N
 * WHY: closed (both sides ended), client-error / target-error (a read or write
 * failed), connect-failed, cut, dropped (a black hole whose sides both closed),
 * refused (over --max-conns), shutdown.
 *
 * Every buffer is bounded: a direction stops reading while more than 256 KiB
 * wait to be written (or delayed), and resumes below 64 KiB. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define CHUNK_MAX 65536
#define HIGH_WATER (256u * 1024u)
#define LOW_WATER (64u * 1024u)
#define CONTROL_MAX 4096
#define CONTROL_POLL_MS 100
#define CUT_GUARD_MS 2000
#define NONE UINT64_MAX

enum { UP = 0, DOWN = 1 };
enum { DIR_UP = 1, DIR_DOWN = 2, DIR_BOTH = 3 };
enum cut_with { CW_FIN, CW_RST, CW_RANDOM };

static const char *const dir_names[] = { "up", "down" };

struct faults {
	uint64_t cut_after;  /* NONE = off */
	uint64_t drop_after; /* NONE = off */
	bool random;
	uint64_t seed, cut_min, cut_max;
	unsigned dir;
	unsigned delay_ms;
	enum cut_with cut_with;
	long fault_conns; /* -1: every connection */
	long max_conns;   /* 0: no limit */
};

/* One chunk of bytes on its way from one side to the other. */
struct chunk {
	uv_write_t req;
	struct chunk *next;
	struct side *side;
	uint64_t due;
	size_t len;
	char data[];
};

/* One direction of one connection: bytes read from src, written to dst. */
struct side {
	struct pconn *pc;
	int d;
	uv_tcp_t *src, *dst;
	uv_timer_t delay; /* releases delayed chunks */
	struct chunk *qhead, *qtail;
	uint64_t bytes;   /* forwarded (handed to dst) */
	uint64_t dropped; /* read and thrown away in a black hole */
	size_t pending;   /* delayed + being written */
	bool reading, src_done, shut;
};

struct pconn {
	uv_tcp_t cli, tgt;
	uv_connect_t creq;
	uv_shutdown_t sreq[2];
	uv_timer_t guard; /* bounds how long a cut waits for its prefix to drain */
	struct side s[2];
	struct pconn *prev, *next;
	unsigned long id;
	char peer[80];
	uint64_t start_ms;
	uint64_t cut_at[2], drop_at[2];
	bool rst;
	bool connected, cutting, dropping, closing;
	int cut_dir;
	uint64_t cut_pos, drop_pos;
	int drop_dir;
	int handles;
	const char *end;
	char end_detail[96];
};

static uv_loop_t *loop;
static uv_tcp_t listener;
static uv_timer_t control_timer;
static uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
static struct sockaddr_storage target;
static char target_name[300];
static const char *control_path;
static char control_last[CONTROL_MAX + 1];
static bool control_seen;
static struct faults cur;
static long fault_budget_used;
static struct pconn *conns;
static unsigned long nconns_total, nlive, ncuts, ndrops;
static unsigned plan_gen;
static bool stopping;

static void conn_close(struct pconn *pc, const char *why, const char *detail);
static void side_read_start(struct side *s);
static void cut_begin(struct pconn *pc, int d, uint64_t pos);
static void drop_begin(struct pconn *pc, int d, uint64_t pos);

/* ---- settings */

static void faults_clear(struct faults *f)
{
	memset(f, 0, sizeof *f);
	f->cut_after = NONE;
	f->drop_after = NONE;
	f->cut_min = 1;
	f->cut_max = 65536;
	f->dir = DIR_BOTH;
	f->cut_with = CW_FIN;
	f->fault_conns = -1;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!v || !*v || *v == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

/* Applies one option (name without dashes). Returns 1 if it took the value,
 * 0 if it took none, negative on error. */
static int opt_apply(struct faults *f, const char *name, const char *val, char *err, size_t errlen)
{
	uint64_t x = 0;

	if (!strcmp(name, "dir")) {
		if (val && !strcmp(val, "up"))
			f->dir = DIR_UP;
		else if (val && !strcmp(val, "down"))
			f->dir = DIR_DOWN;
		else if (val && !strcmp(val, "both"))
			f->dir = DIR_BOTH;
		else
			goto bad;
		return 1;
	}
	if (!strcmp(name, "cut-with")) {
		if (val && !strcmp(val, "fin"))
			f->cut_with = CW_FIN;
		else if (val && !strcmp(val, "rst"))
			f->cut_with = CW_RST;
		else if (val && !strcmp(val, "random"))
			f->cut_with = CW_RANDOM;
		else
			goto bad;
		return 1;
	}
	if (!strcmp(name, "cut-now"))
		return 0; /* an action, handled by the control file reader */
	if (parse_u64(val, &x))
		goto bad;
	if (!strcmp(name, "cut-after-bytes")) {
		f->cut_after = x;
	} else if (!strcmp(name, "cut-at-random")) {
		f->random = true;
		f->seed = x;
	} else if (!strcmp(name, "cut-min")) {
		f->cut_min = x;
	} else if (!strcmp(name, "cut-max")) {
		f->cut_max = x;
	} else if (!strcmp(name, "drop-after")) {
		f->drop_after = x;
	} else if (!strcmp(name, "delay-ms")) {
		if (x > 600000)
			goto bad;
		f->delay_ms = (unsigned)x;
	} else if (!strcmp(name, "fault-conns")) {
		if (x > 100000000)
			goto bad;
		f->fault_conns = (long)x;
	} else if (!strcmp(name, "max-conns")) {
		if (x > 100000000)
			goto bad;
		f->max_conns = (long)x;
	} else {
		snprintf(err, errlen, "unknown option \"%s\"", name);
		return -EINVAL;
	}
	return 1;
bad:
	snprintf(err, errlen, "bad value \"%s\" for %s", val ? val : "", name);
	return -EINVAL;
}

static int faults_check(struct faults *f, char *err, size_t errlen)
{
	if (f->random && (f->cut_min > f->cut_max)) {
		snprintf(err, errlen, "cut-min is above cut-max");
		return -EINVAL;
	}
	return 0;
}

static void faults_describe(const struct faults *f, char *out, size_t n)
{
	size_t off = 0;

#define ADD(...)                                                               \
	do {                                                                   \
		int w_ = snprintf(out + off, n - off, __VA_ARGS__);            \
		if (w_ > 0)                                                    \
			off = (size_t)w_ < n - off ? off + (size_t)w_ : n - 1; \
	} while (0)
	out[0] = '\0';
	ADD("dir=%s", f->dir == DIR_BOTH ? "both" : f->dir == DIR_UP ? "up" : "down");
	if (f->cut_after != NONE)
		ADD(" cut-after-bytes=%llu", (unsigned long long)f->cut_after);
	if (f->random)
		ADD(" cut-at-random=%llu cut-min=%llu cut-max=%llu", (unsigned long long)f->seed,
		    (unsigned long long)f->cut_min, (unsigned long long)f->cut_max);
	if (f->cut_after != NONE || f->random)
		ADD(" cut-with=%s", f->cut_with == CW_FIN   ? "fin"
				    : f->cut_with == CW_RST ? "rst"
							    : "random");
	if (f->drop_after != NONE)
		ADD(" drop-after=%llu", (unsigned long long)f->drop_after);
	if (f->delay_ms)
		ADD(" delay-ms=%u", f->delay_ms);
	if (f->fault_conns >= 0)
		ADD(" fault-conns=%ld", f->fault_conns);
	if (f->max_conns)
		ADD(" max-conns=%ld", f->max_conns);
#undef ADD
}

/* ---- the plan of one connection */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Where this connection will be cut or dropped, counting from what it has
 * already forwarded. */
static void plan(struct pconn *pc)
{
	const struct faults *f = &cur;
	bool any = f->cut_after != NONE || f->random || f->drop_after != NONE;

	for (int d = 0; d < 2; d++)
		pc->cut_at[d] = pc->drop_at[d] = NONE;
	pc->rst = false;
	if (!any)
		return;
	if (f->fault_conns >= 0 && fault_budget_used >= f->fault_conns)
		return;
	fault_budget_used++;

	uint64_t rng =
		cur.seed ^ ((uint64_t)pc->id * 0x2545f4914f6cdd1dull) ^ ((uint64_t)plan_gen << 40);
	(void)splitmix64(&rng);
	for (int d = 0; d < 2; d++) {
		if (!(f->dir & (1u << d)))
			continue;
		if (f->cut_after != NONE)
			pc->cut_at[d] = pc->s[d].bytes + f->cut_after;
		if (f->drop_after != NONE)
			pc->drop_at[d] = pc->s[d].bytes + f->drop_after;
	}
	if (f->random) {
		uint64_t span = f->cut_max - f->cut_min;
		uint64_t off = f->cut_min + (span == UINT64_MAX ? splitmix64(&rng)
								: splitmix64(&rng) % (span + 1));
		int d = f->dir == DIR_UP     ? UP
			: f->dir == DIR_DOWN ? DOWN
					     : (int)(splitmix64(&rng) & 1);

		if (pc->s[d].bytes + off < pc->cut_at[d])
			pc->cut_at[d] = pc->s[d].bytes + off;
	}
	pc->rst = f->cut_with == CW_RST || (f->cut_with == CW_RANDOM && (splitmix64(&rng) & 1));
}

/* A plan may say "now" (cut-after-bytes 0); only act once both sides are up. */
static void plan_act_now(struct pconn *pc)
{
	if (!pc->connected || pc->closing || pc->cutting || pc->dropping)
		return;
	for (int d = 0; d < 2; d++) {
		if (pc->cut_at[d] <= pc->s[d].bytes) {
			cut_begin(pc, d, pc->s[d].bytes);
			return;
		}
	}
	for (int d = 0; d < 2; d++) {
		if (pc->drop_at[d] <= pc->s[d].bytes) {
			drop_begin(pc, d, pc->s[d].bytes);
			return;
		}
	}
}

/* ---- connection lifetime */

static uint64_t now_ms(void)
{
	return uv_now(loop);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct pconn *pc = h->data;

	if (--pc->handles > 0)
		return;
	if (pc->prev)
		pc->prev->next = pc->next;
	else
		conns = pc->next;
	if (pc->next)
		pc->next->prev = pc->prev;
	nlive--;
	free(pc);
}

static void side_discard_queue(struct side *s)
{
	while (s->qhead) {
		struct chunk *c = s->qhead;

		s->qhead = c->next;
		s->pending -= c->len;
		free(c);
	}
	s->qtail = NULL;
}

static void close_tcp(struct pconn *pc, uv_tcp_t *t)
{
	if (uv_is_closing((uv_handle_t *)t))
		return;
	if (pc->rst && pc->end && !strcmp(pc->end, "cut") &&
	    uv_tcp_close_reset(t, on_handle_closed) == 0)
		return;
	uv_close((uv_handle_t *)t, on_handle_closed);
}

static void conn_close(struct pconn *pc, const char *why, const char *detail)
{
	char extra[200] = "";

	if (pc->closing)
		return;
	pc->closing = true;
	pc->end = why;
	if (pc->cutting)
		snprintf(extra, sizeof extra, " cut=%s@%llu how=%s", dir_names[pc->cut_dir],
			 (unsigned long long)pc->cut_pos, pc->rst ? "rst" : "fin");
	else if (pc->dropping)
		snprintf(extra, sizeof extra, " dropped=%s@%llu discarded=%llu",
			 dir_names[pc->drop_dir], (unsigned long long)pc->drop_pos,
			 (unsigned long long)(pc->s[UP].dropped + pc->s[DOWN].dropped));
	printf("faultproxy: conn=%lu peer=%s up=%llu down=%llu end=%s%s%s%s ms=%llu\n", pc->id,
	       pc->peer, (unsigned long long)pc->s[UP].bytes, (unsigned long long)pc->s[DOWN].bytes,
	       why, extra, detail && *detail ? " detail=" : "", detail ? detail : "",
	       (unsigned long long)(now_ms() - pc->start_ms));
	for (int d = 0; d < 2; d++) {
		side_discard_queue(&pc->s[d]);
		uv_timer_stop(&pc->s[d].delay);
		uv_close((uv_handle_t *)&pc->s[d].delay, on_handle_closed);
	}
	uv_timer_stop(&pc->guard);
	uv_close((uv_handle_t *)&pc->guard, on_handle_closed);
	close_tcp(pc, &pc->cli);
	close_tcp(pc, &pc->tgt);
}

static void conn_fail(struct pconn *pc, uv_tcp_t *which, int status)
{
	char detail[96];

	snprintf(detail, sizeof detail, "%s", uv_err_name(status));
	conn_close(pc, which == &pc->cli ? "client-error" : "target-error", detail);
}

/* Both directions finished cleanly (each source ended and its end was passed on). */
static void maybe_done(struct pconn *pc)
{
	if (pc->closing)
		return;
	if (pc->dropping) {
		if (pc->s[UP].src_done && pc->s[DOWN].src_done)
			conn_close(pc, "dropped", NULL);
		return;
	}
	if (pc->s[UP].src_done && pc->s[DOWN].src_done && pc->s[UP].pending == 0 &&
	    pc->s[DOWN].pending == 0)
		conn_close(pc, "closed", NULL);
}

/* ---- writing */

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct side *s = req->data;

	(void)status;
	maybe_done(s->pc);
}

static void side_maybe_shutdown(struct side *s)
{
	struct pconn *pc = s->pc;

	if (!s->src_done || s->shut || s->pending || pc->closing || pc->cutting || pc->dropping)
		return;
	s->shut = true;
	pc->sreq[s->d].data = s;
	if (uv_shutdown(&pc->sreq[s->d], (uv_stream_t *)s->dst, on_shutdown))
		maybe_done(pc);
}

static void finish_cut_if_drained(struct pconn *pc)
{
	if (pc->cutting && !pc->closing && pc->s[pc->cut_dir].pending == 0)
		conn_close(pc, "cut", NULL);
}

static void on_written(uv_write_t *req, int status)
{
	struct chunk *c = container_of(req, struct chunk, req);
	struct side *s = c->side;
	struct pconn *pc = s->pc;

	s->pending -= c->len;
	free(c);
	if (pc->closing)
		return;
	if (status < 0) {
		conn_fail(pc, s->dst, status);
		return;
	}
	if (pc->cutting) {
		finish_cut_if_drained(pc);
		return;
	}
	if (!s->reading && !s->src_done && !pc->dropping && s->pending < LOW_WATER)
		side_read_start(s);
	side_maybe_shutdown(s);
	maybe_done(pc);
}

static void chunk_write(struct side *s, struct chunk *c)
{
	uv_buf_t b = uv_buf_init(c->data, (unsigned)c->len);
	int rc;

	c->side = s;
	rc = uv_write(&c->req, (uv_stream_t *)s->dst, &b, 1, on_written);
	if (rc) {
		s->pending -= c->len;
		free(c);
		conn_fail(s->pc, s->dst, rc);
	}
}

static void on_delay(uv_timer_t *t)
{
	struct side *s = container_of(t, struct side, delay);
	uint64_t now = now_ms();

	while (s->qhead && s->qhead->due <= now && !s->pc->closing) {
		struct chunk *c = s->qhead;

		s->qhead = c->next;
		if (!s->qhead)
			s->qtail = NULL;
		chunk_write(s, c);
	}
	if (s->qhead && !s->pc->closing)
		uv_timer_start(&s->delay, on_delay, s->qhead->due - now, 0);
}

/* Hands n bytes to the other side (now, or after the delay). */
static void side_forward(struct side *s, const char *data, size_t n)
{
	struct chunk *c;

	if (n == 0)
		return;
	c = malloc(sizeof *c + n);
	if (!c) {
		conn_close(s->pc, "client-error", "out of memory");
		return;
	}
	memcpy(c->data, data, n);
	c->len = n;
	c->next = NULL;
	c->side = s;
	s->bytes += n;
	s->pending += n;
	if (cur.delay_ms == 0 && !s->qhead) {
		chunk_write(s, c);
		return;
	}
	c->due = now_ms() + cur.delay_ms;
	if (s->qtail)
		s->qtail->next = c;
	else
		s->qhead = c;
	s->qtail = c;
	if (!uv_is_active((uv_handle_t *)&s->delay))
		uv_timer_start(&s->delay, on_delay, cur.delay_ms, 0);
}

/* ---- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	size_t n = suggested < CHUNK_MAX ? suggested : CHUNK_MAX;

	(void)h;
	buf->base = malloc(n);
	buf->len = buf->base ? n : 0;
}

static struct side *side_of_src(struct pconn *pc, uv_stream_t *src)
{
	return src == (uv_stream_t *)&pc->cli ? &pc->s[UP] : &pc->s[DOWN];
}

static void on_guard(uv_timer_t *t)
{
	struct pconn *pc = container_of(t, struct pconn, guard);

	/* the peer does not take the prefix: cut anyway */
	conn_close(pc, "cut", "prefix-not-drained");
}

static void cut_begin(struct pconn *pc, int d, uint64_t pos)
{
	if (pc->cutting || pc->closing)
		return;
	pc->cutting = true;
	pc->cut_dir = d;
	pc->cut_pos = pos;
	ncuts++;
	for (int i = 0; i < 2; i++) {
		uv_read_stop((uv_stream_t *)pc->s[i].src);
		pc->s[i].reading = false;
	}
	/* what the other direction still held back is lost, as on a real cut */
	side_discard_queue(&pc->s[!d]);
	uv_timer_start(&pc->guard, on_guard, CUT_GUARD_MS + cur.delay_ms, 0);
	finish_cut_if_drained(pc);
}

static void drop_begin(struct pconn *pc, int d, uint64_t pos)
{
	if (pc->dropping || pc->cutting || pc->closing)
		return;
	pc->dropping = true;
	pc->drop_dir = d;
	pc->drop_pos = pos;
	ndrops++;
	printf("faultproxy: conn=%lu black hole from %s@%llu\n", pc->id, dir_names[d],
	       (unsigned long long)pos);
	/* keep reading (and throwing away) so the peers see an open, silent path */
	for (int i = 0; i < 2; i++)
		if (!pc->s[i].src_done && !pc->s[i].reading)
			side_read_start(&pc->s[i]);
}

static void on_read(uv_stream_t *src, ssize_t nread, const uv_buf_t *buf)
{
	struct pconn *pc = src->data;
	struct side *s = side_of_src(pc, src);

	if (pc->closing || nread == 0) {
		free(buf->base);
		return;
	}
	if (nread < 0) {
		free(buf->base);
		uv_read_stop(src);
		s->reading = false;
		if (pc->dropping) {
			/* a black hole passes no close on */
			s->src_done = true;
			maybe_done(pc);
			return;
		}
		if (nread != UV_EOF) {
			conn_fail(pc, s->src, (int)nread);
			return;
		}
		s->src_done = true;
		side_maybe_shutdown(s);
		maybe_done(pc);
		return;
	}
	size_t n = (size_t)nread;
	if (pc->dropping || pc->cutting) {
		s->dropped += n;
		free(buf->base);
		return;
	}
	/* the first fault this chunk reaches, cut or drop */
	uint64_t lim = pc->cut_at[s->d] < pc->drop_at[s->d] ? pc->cut_at[s->d] : pc->drop_at[s->d];
	if (lim != NONE && s->bytes + n >= lim) {
		size_t keep = (size_t)(lim - s->bytes);
		bool is_cut = pc->cut_at[s->d] <= pc->drop_at[s->d];

		side_forward(s, buf->base, keep);
		s->dropped += n - keep;
		free(buf->base);
		if (pc->closing)
			return;
		if (is_cut)
			cut_begin(pc, s->d, lim);
		else
			drop_begin(pc, s->d, lim);
		return;
	}
	side_forward(s, buf->base, n);
	free(buf->base);
	if (!pc->closing && s->pending > HIGH_WATER) {
		uv_read_stop(src);
		s->reading = false;
	}
}

static void side_read_start(struct side *s)
{
	int rc;

	if (s->reading || s->src_done || s->pc->closing)
		return;
	rc = uv_read_start((uv_stream_t *)s->src, on_alloc, on_read);
	if (rc) {
		conn_fail(s->pc, s->src, rc);
		return;
	}
	s->reading = true;
}

static void on_target_connected(uv_connect_t *req, int status)
{
	struct pconn *pc = req->data;
	char detail[96];

	if (pc->closing)
		return;
	if (status < 0) {
		snprintf(detail, sizeof detail, "%s", uv_err_name(status));
		conn_close(pc, "connect-failed", detail);
		return;
	}
	pc->connected = true;
	uv_tcp_nodelay(&pc->cli, 1);
	uv_tcp_nodelay(&pc->tgt, 1);
	side_read_start(&pc->s[UP]);
	side_read_start(&pc->s[DOWN]);
	plan_act_now(pc);
}

static void peer_name(uv_tcp_t *t, char *out, size_t n)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	snprintf(out, n, "%s:%d", host, port);
}

static void on_connection(uv_stream_t *l, int status)
{
	struct pconn *pc;
	int rc;

	if (status < 0) {
		printf("faultproxy: accept failed err=%s\n", uv_err_name(status));
		return;
	}
	pc = calloc(1, sizeof *pc);
	if (!pc)
		return;
	pc->id = ++nconns_total;
	pc->start_ms = now_ms();
	pc->handles = 5;
	for (int d = 0; d < 2; d++) {
		pc->s[d].pc = pc;
		pc->s[d].d = d;
		pc->s[d].src = d == UP ? &pc->cli : &pc->tgt;
		pc->s[d].dst = d == UP ? &pc->tgt : &pc->cli;
		pc->cut_at[d] = pc->drop_at[d] = NONE;
		uv_timer_init(loop, &pc->s[d].delay);
		pc->s[d].delay.data = pc;
	}
	uv_timer_init(loop, &pc->guard);
	pc->guard.data = pc;
	uv_tcp_init(loop, &pc->cli);
	uv_tcp_init(loop, &pc->tgt);
	pc->cli.data = pc->tgt.data = pc;
	pc->next = conns;
	if (conns)
		conns->prev = pc;
	conns = pc;
	nlive++;
	rc = uv_accept(l, (uv_stream_t *)&pc->cli);
	if (rc) {
		conn_close(pc, "client-error", uv_err_name(rc));
		return;
	}
	peer_name(&pc->cli, pc->peer, sizeof pc->peer);
	if (stopping) {
		conn_close(pc, "shutdown", NULL);
		return;
	}
	if (cur.max_conns && (long)nlive > cur.max_conns) {
		conn_close(pc, "refused", "max-conns");
		return;
	}
	plan(pc);
	pc->creq.data = pc;
	rc = uv_tcp_connect(&pc->creq, &pc->tgt, (const struct sockaddr *)&target,
			    on_target_connected);
	if (rc)
		conn_close(pc, "connect-failed", uv_err_name(rc));
}

/* ---- control */

static void cut_all(const char *why)
{
	unsigned long n = 0;

	for (struct pconn *pc = conns; pc; pc = pc->next) {
		if (pc->closing || pc->cutting)
			continue;
		if (!pc->connected) {
			conn_close(pc, "cut", why);
		} else {
			cut_begin(pc, UP, pc->s[UP].bytes);
		}
		n++;
	}
	printf("faultproxy: %s: cut %lu live connections\n", why, n);
}

static void control_apply(const char *text)
{
	struct faults f;
	char line[256], err[160], desc[300];
	const char *p = text;
	bool now = false;
	int lineno = 0;

	faults_clear(&f);
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *name, *val, *save = NULL;

		lineno++;
		snprintf(line, sizeof line, "%.*s",
			 (int)(len < sizeof line ? len : sizeof line - 1), p);
		p += len + (p[len] == '\n');
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		name = strtok_r(line, " \t\r=", &save);
		if (!name)
			continue;
		if (name[0] == '-' && name[1] == '-')
			name += 2;
		val = strtok_r(NULL, " \t\r=", &save);
		if (!strcmp(name, "cut-now")) {
			now = true;
			continue;
		}
		if (opt_apply(&f, name, val, err, sizeof err) < 0) {
			printf("faultproxy: control %s:%d: %s; settings unchanged\n", control_path,
			       lineno, err);
			return;
		}
	}
	if (faults_check(&f, err, sizeof err)) {
		printf("faultproxy: control %s: %s; settings unchanged\n", control_path, err);
		return;
	}
	/* max-conns is not a fault: the file may not drop the command line's */
	if (!f.max_conns)
		f.max_conns = cur.max_conns;
	cur = f;
	fault_budget_used = 0;
	plan_gen++;
	faults_describe(&cur, desc, sizeof desc);
	printf("faultproxy: control settings=\"%s\"%s\n", desc, now ? " cut-now" : "");
	for (struct pconn *pc = conns; pc; pc = pc->next) {
		if (pc->closing || pc->cutting || pc->dropping)
			continue;
		plan(pc);
		plan_act_now(pc);
	}
	if (now)
		cut_all("cut-now");
}

/* Reads the control file; applies it if its contents changed. */
static void control_check(void)
{
	char buf[CONTROL_MAX + 1];
	FILE *f;
	size_t n;

	if (!control_path)
		return;
	f = fopen(control_path, "r");
	if (!f)
		return; /* missing: nothing changes */
	n = fread(buf, 1, CONTROL_MAX, f);
	fclose(f);
	buf[n] = '\0';
	if (control_seen && !strcmp(buf, control_last))
		return;
	control_seen = true;
	memcpy(control_last, buf, n + 1);
	control_apply(buf);
}

static void on_control_timer(uv_timer_t *t)
{
	(void)t;
	control_check();
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (signum == SIGHUP) {
		control_seen = false;
		control_check();
		return;
	}
	if (signum == SIGUSR1) {
		cut_all("SIGUSR1");
		return;
	}
	if (stopping)
		return;
	stopping = true;
	printf("faultproxy: signal %d: shutting down\n", signum);
	uv_close((uv_handle_t *)&listener, NULL);
	uv_close((uv_handle_t *)&control_timer, NULL);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_hup, NULL);
	uv_close((uv_handle_t *)&sig_usr1, NULL);
	for (struct pconn *pc = conns; pc; pc = pc->next)
		conn_close(pc, "shutdown", NULL);
}

/* ---- main */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: faultproxy LISTEN_PORT TARGET_HOST TARGET_PORT [options]\n"
		"A TCP proxy on 127.0.0.1 that cuts, black-holes and delays traffic, for tests.\n"
		"  --dir up|down|both        byte count the faults watch (up: client->target)\n"
		"  --cut-after-bytes N       forward N bytes, then close both sides\n"
		"  --cut-at-random SEED      cut each connection at a seeded random offset\n"
		"  --cut-min N, --cut-max N  range of that offset (default 1..65536)\n"
		"  --cut-with fin|rst|random how a cut closes (default fin)\n"
		"  --drop-after N            after N bytes forward nothing, keep sockets open\n"
		"  --delay-ms N              hold every chunk N ms\n"
		"  --fault-conns N           only the first N connections get faults\n"
		"  --max-conns N             at most N connections at once\n"
		"  --control FILE            fault settings re-read whenever FILE changes\n"
		"SIGUSR1 cuts every live connection; SIGHUP re-reads FILE; SIGTERM exits 0.\n");
}

int main(int argc, char **argv)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_in la;
	uint64_t lport = 0;
	char err[160], desc[300];
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	faults_clear(&cur);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4 || parse_u64(argv[1], &lport) || lport > 65535) {
		usage(stderr);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		const char *name = argv[i];

		if (strncmp(name, "--", 2) != 0) {
			fprintf(stderr, "faultproxy: unexpected argument \"%s\"\n", name);
			return 2;
		}
		name += 2;
		if (!strcmp(name, "control")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "faultproxy: --control needs a file\n");
				return 2;
			}
			control_path = argv[++i];
			continue;
		}
		rc = opt_apply(&cur, name, i + 1 < argc ? argv[i + 1] : NULL, err, sizeof err);
		if (rc < 0) {
			fprintf(stderr, "faultproxy: %s\n", err);
			return 2;
		}
		i += rc;
	}
	if (faults_check(&cur, err, sizeof err)) {
		fprintf(stderr, "faultproxy: %s\n", err);
		return 2;
	}

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(argv[2], argv[3], &hints, &ai);
	if (rc || !ai) {
		fprintf(stderr, "faultproxy: cannot resolve %s:%s: %s\n", argv[2], argv[3],
			gai_strerror(rc));
		return 1;
	}
	memcpy(&target, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	snprintf(target_name, sizeof target_name, "%s:%s", argv[2], argv[3]);

	loop = uv_default_loop();
	uv_ip4_addr("127.0.0.1", (int)lport, &la);
	uv_tcp_init(loop, &listener);
	rc = uv_tcp_bind(&listener, (const struct sockaddr *)&la, 0);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&listener, 128, on_connection);
	if (rc) {
		fprintf(stderr, "faultproxy: cannot listen on 127.0.0.1:%llu: %s\n",
			(unsigned long long)lport, uv_strerror(rc));
		uv_close((uv_handle_t *)&listener, NULL);
		uv_run(loop, UV_RUN_DEFAULT);
		uv_loop_close(loop);
		return 1;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	if (uv_tcp_getsockname(&listener, (struct sockaddr *)&bound, &blen) == 0)
		lport = ntohs(((struct sockaddr_in *)&bound)->sin_port);

	uv_timer_init(loop, &control_timer);
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	uv_signal_init(loop, &sig_hup);
	uv_signal_init(loop, &sig_usr1);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_hup, on_signal, SIGHUP);
	uv_signal_start(&sig_usr1, on_signal, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	printf("faultproxy: listening port=%llu target=%s\n", (unsigned long long)lport,
	       target_name);
	faults_describe(&cur, desc, sizeof desc);
	printf("faultproxy: settings=\"%s\"\n", desc);
	if (control_path) {
		control_check();
		uv_timer_start(&control_timer, on_control_timer, CONTROL_POLL_MS, CONTROL_POLL_MS);
	}

	uv_run(loop, UV_RUN_DEFAULT);
	printf("faultproxy: exit conns=%lu cuts=%lu drops=%lu\n", nconns_total, ncuts, ndrops);
	rc = uv_loop_close(loop);
	if (rc)
		fprintf(stderr, "faultproxy: loop closed with handles open\n");
	return rc ? 1 : 0;
}
