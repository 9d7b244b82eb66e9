/* conns: what idle mutual-TLS connections cost a server, and how fast they
 * come back, measured the same way against safecampusd and pgbouncer.
 *
 *   conns --proto sc|pg --host H --port P --cert C --key K --ca CA
 *         --server-pid PID [-n N] [--window W] [--user U --db D]
 *         [--reconnect] [--resume] [--hold-ms MS]
 *
 * Opens N connections (at most W handshaking at once), each authenticated
 * with the client certificate:
 *   sc  TLS 1.3, then Hello; established when Welcome arrives;
 *   pg  SSLRequest, 'S', TLS 1.3, StartupMessage (user, database) inside TLS;
 *       established at the first ReadyForQuery (pgbouncer with auth_type cert).
 * Then, with every connection idle, reads the server's RSS and CPU
 * (/proc/PID/status VmRSS and /proc/PID/stat utime+stime, with all of PID's
 * children for safecampusd's workers) and prints per-connection figures
 * against the readings taken before the first connection. --reconnect then
 * closes every connection at once and opens them all again, timing until the
 * last is established (the "server restarted, every school comes back" case;
 * --resume offers each connection's TLS session ticket from the first round).
 * One line of key=value results at the end, for tests/bench/run_conns.sh.
 *
 * The connections use common/tls.c (OpenSSL over memory BIOs) on one libuv
 * loop, so the client side is the same code for both servers. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "buf.h"
#include "frame.h"
#include "tls.h"

enum proto { P_SC, P_PG };
enum cstate { C_IDLE, C_CONNECTING, C_PREAMBLE, C_TLS, C_UP, C_FAILED };

struct cn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	struct tls *t;
	struct buf in, out;
	enum cstate st;
	int closing;
	void *session; /* resumption: the ticket of the first round (tls.h) */
};

static struct {
	enum proto proto;
	const char *host, *cert, *key, *ca, *user, *db;
	int port, n, window, reconnect, resume, hold_ms;
	int pid;
} opt = { .n = 1000, .window = 200, .user = "main", .db = "safecampus" };

static uv_loop_t *loop;
static struct tls_ctx *ctx;
static struct cn *cns;
static int next_i, inflight, up, failed, closed_n;
static int saved, resumed; /* sessions kept from round 1; handshakes that resumed */
static uint64_t t_round_start, t_round_end;
static struct sockaddr_in addr;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "conns: %s\n", what);
	exit(2);
}

/* ---- server readings */

static long rss_kb_of(int pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static double cpu_s_of(int pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;
	FILE *f;
	char *p;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(buf, sizeof buf, f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* fields after the comm: state(3) ... utime(14) stime(15) */
	if (p &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
		return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

/* PID and its direct children (safecampusd's workers). */
static int family(int pid, int *out, int max)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	out[n++] = pid;
	while (d && (e = readdir(d)) && n < max) {
		char path[64], buf[512];
		int ppid = 0, child = atoi(e->d_name);
		FILE *f;
		if (child <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", child);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof buf, f)) {
			char *p = strrchr(buf, ')');
			if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == pid)
				out[n++] = child;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static void server_reading(long *rss_kb, double *cpu_s)
{
	int pids[64], n = family(opt.pid, pids, 64);

	*rss_kb = 0;
	*cpu_s = 0;
	for (int i = 0; i < n; i++) {
		*rss_kb += rss_kb_of(pids[i]);
		*cpu_s += cpu_s_of(pids[i]);
	}
}

/* ---- connections */

static void start_more(void);

static void on_closed(uv_handle_t *h)
{
	struct cn *c = h->data;

	c->closing = 0;
	closed_n++;
}

static void cn_close(struct cn *c)
{
	if (c->t) {
		if (opt.resume && c->st == C_UP && !c->session) {
			c->session = tls_session_save(c->t);
			saved += c->session != NULL;
		}
		tls_free(c->t);
		c->t = NULL;
	}
	buf_free(&c->in);
	buf_free(&c->out);
	if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
		c->closing = 1;
		uv_close((uv_handle_t *)&c->tcp, on_closed);
	}
}

static void established(struct cn *c)
{
	c->st = C_UP;
	up++;
	resumed += tls_resumed(c->t);
	inflight--;
	if (up + failed == opt.n)
		t_round_end = now_ns();
	start_more();
}

static void cn_fail(struct cn *c, const char *why)
{
	if (c->st == C_FAILED || c->st == C_UP)
		return;
	if (failed < 5)
		fprintf(stderr, "conns: connection %ld failed: %s\n", (long)(c - cns), why);
	c->st = C_FAILED;
	failed++;
	inflight--;
	if (up + failed == opt.n)
		t_round_end = now_ns();
	cn_close(c);
	start_more();
}

static void on_written(uv_write_t *w, int status)
{
	free(w->data);
	free(w);
	(void)status;
}

static void send_raw(struct cn *c, const void *p, size_t n)
{
	uv_write_t *w = malloc(sizeof *w);
	void *copy = malloc(n);
	uv_buf_t b;

	if (!w || !copy)
		die("out of memory");
	memcpy(copy, p, n);
	w->data = copy;
	b = uv_buf_init(copy, (unsigned)n);
	if (uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_written)) {
		free(copy);
		free(w);
		cn_fail(c, "write");
	}
}

static void flush_tls(struct cn *c)
{
	if (!c->t || !tls_out_pending(c->t))
		return;
	buf_reset(&c->out);
	if (tls_out_take(c->t, &c->out))
		die("tls_out_take");
	send_raw(c, buf_head(&c->out), buf_used(&c->out));
	buf_reset(&c->out);
}

static void send_plain(struct cn *c, const void *p, size_t n)
{
	if (tls_write(c->t, p, n)) {
		cn_fail(c, "tls_write");
		return;
	}
	flush_tls(c);
}

static void send_hello(struct cn *c)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	uint8_t frame[256];
	size_t n;

	h.min_version = 1;
	h.max_version = 1;
	h.client_version = "conns bench";
	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	n = protobuf_c_message_get_packed_size(&env.base);
	if (n + 4 > sizeof frame)
		die("hello too big");
	frame[0] = (uint8_t)(n >> 24);
	frame[1] = (uint8_t)(n >> 16);
	frame[2] = (uint8_t)(n >> 8);
	frame[3] = (uint8_t)n;
	protobuf_c_message_pack(&env.base, frame + 4);
	send_plain(c, frame, n + 4);
}

static void send_startup(struct cn *c)
{
	uint8_t m[256];
	size_t n = 8;

	/* protocol 3.0, then key\0value\0 pairs and a final \0 */
	memcpy(m + 4, "\x00\x03\x00\x00", 4);
	n += (size_t)snprintf((char *)m + n, sizeof m - n, "user") + 1;
	n += (size_t)snprintf((char *)m + n, sizeof m - n, "%s", opt.user) + 1;
	n += (size_t)snprintf((char *)m + n, sizeof m - n, "database") + 1;
	n += (size_t)snprintf((char *)m + n, sizeof m - n, "%s", opt.db) + 1;
	m[n++] = 0;
	m[0] = (uint8_t)(n >> 24);
	m[1] = (uint8_t)(n >> 16);
	m[2] = (uint8_t)(n >> 8);
	m[3] = (uint8_t)n;
	send_plain(c, m, n);
}

/* Looks at the decrypted input for "established". */
static void scan_plain(struct cn *c)
{
	const uint8_t *p = buf_head(&c->in);
	size_t n = buf_used(&c->in);

	if (opt.proto == P_SC) {
		if (n < 4)
			return;
		size_t len =
			((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
		if (n < 4 + len)
			return;
		Safecampus__Envelope *e = safecampus__envelope__unpack(NULL, len, p + 4);
		int ok = e && e->body_case == SAFECAMPUS__ENVELOPE__BODY_WELCOME;
		if (e)
			safecampus__envelope__free_unpacked(e, NULL);
		buf_reset(&c->in);
		if (ok)
			established(c);
		else
			cn_fail(c, "no Welcome");
		return;
	}
	/* PostgreSQL messages: type byte, 4-byte length; wait for 'Z' */
	while (n >= 5) {
		size_t len =
			((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
		if (n < 1 + len)
			return;
		if (p[0] == 'E') {
			cn_fail(c, "ErrorResponse");
			return;
		}
		if (p[0] == 'Z') {
			buf_reset(&c->in);
			established(c);
			return;
		}
		p += 1 + len;
		n -= 1 + len;
	}
}

static void drive_tls(struct cn *c)
{
	int was_done = tls_handshake_done(c->t);

	if (tls_read(c->t, &c->in) < 0) {
		flush_tls(c);
		cn_fail(c, tls_error(c->t));
		return;
	}
	flush_tls(c);
	if (!was_done && tls_handshake_done(c->t)) {
		if (opt.proto == P_SC)
			send_hello(c);
		else
			send_startup(c);
	}
	if (c->st == C_TLS && c->t && buf_used(&c->in))
		scan_plain(c);
}

static void on_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	static char chunk[64 << 10];

	(void)h;
	(void)sz;
	*b = uv_buf_init(chunk, sizeof chunk);
}

static void start_tls(struct cn *c)
{
	c->st = C_TLS;
	if (tls_new(&c->t, ctx, opt.host))
		die("tls_new");
	if (opt.resume && c->session && tls_session_offer(c->t, c->session))
		die("tls_session_offer");
	drive_tls(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct cn *c = s->data;

	if (nread == 0)
		return;
	if (nread < 0) {
		if (c->st == C_UP) {
			/* the server closed an idle connection: count it */
			fprintf(stderr,
				"conns: an established connection was closed by the server\n");
			c->st = C_FAILED;
			up--;
			failed++;
			cn_close(c);
		} else {
			cn_fail(c, "closed by the server");
		}
		return;
	}
	if (c->st == C_PREAMBLE) {
		if (b->base[0] != 'S') {
			cn_fail(c, "server refused SSLRequest");
			return;
		}
		start_tls(c);
		return;
	}
	if (!c->t)
		return;
	if (tls_feed(c->t, b->base, (size_t)nread)) {
		cn_fail(c, "tls_feed");
		return;
	}
	drive_tls(c);
}

static void on_connect(uv_connect_t *r, int status)
{
	struct cn *c = r->data;

	if (status < 0) {
		cn_fail(c, uv_strerror(status));
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)) {
		cn_fail(c, "read_start");
		return;
	}
	if (opt.proto == P_PG) {
		c->st = C_PREAMBLE;
		send_raw(c, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
	} else {
		start_tls(c);
	}
}

static void start_one(struct cn *c)
{
	c->st = C_CONNECTING;
	buf_init(&c->in, 1u << 20);
	buf_init(&c->out, 4u << 20);
	uv_tcp_init(loop, &c->tcp);
	c->tcp.data = c;
	c->creq.data = c;
	if (uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&addr, on_connect))
		cn_fail(c, "connect");
}

static void start_more(void)
{
	while (inflight < opt.window && next_i < opt.n) {
		inflight++;
		start_one(&cns[next_i++]);
	}
}

/* Runs the loop until every connection is up or failed. */
static void run_round(void)
{
	next_i = inflight = up = failed = 0;
	t_round_start = now_ns();
	t_round_end = 0;
	start_more();
	while (up + failed < opt.n)
		uv_run(loop, UV_RUN_ONCE);
}

static void hold(int ms)
{
	uint64_t until = now_ns() + (uint64_t)ms * 1000000u;

	while (now_ns() < until)
		uv_run(loop, UV_RUN_NOWAIT), usleep(10000);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "proto", 1, 0, 'P' },      { "host", 1, 0, 'H' },
					    { "port", 1, 0, 'p' },       { "cert", 1, 0, 'c' },
					    { "key", 1, 0, 'k' },        { "ca", 1, 0, 'a' },
					    { "server-pid", 1, 0, 'S' }, { "window", 1, 0, 'w' },
					    { "user", 1, 0, 'u' },       { "db", 1, 0, 'd' },
					    { "reconnect", 0, 0, 'r' },  { "resume", 0, 0, 'R' },
					    { "hold-ms", 1, 0, 'h' },    { 0, 0, 0, 0 } };
	char err[512];
	int o;

	while ((o = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (o) {
		case 'P':
			opt.proto = strcmp(optarg, "pg") ? P_SC : P_PG;
			break;
		case 'H':
			opt.host = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'c':
			opt.cert = optarg;
			break;
		case 'k':
			opt.key = optarg;
			break;
		case 'a':
			opt.ca = optarg;
			break;
		case 'S':
			opt.pid = atoi(optarg);
			break;
		case 'w':
			opt.window = atoi(optarg);
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'd':
			opt.db = optarg;
			break;
		case 'r':
			opt.reconnect = 1;
			break;
		case 'R':
			opt.resume = 1;
			break;
		case 'h':
			opt.hold_ms = atoi(optarg);
			break;
		case 'n':
			opt.n = atoi(optarg);
			break;
		default:
			die("bad option (see the comment at the top of tests/bench/conns.c)");
		}
	}
	if (!opt.host || !opt.port || !opt.cert || !opt.key || !opt.ca || !opt.pid || opt.n < 1)
		die("--host --port --cert --key --ca --server-pid are required");
	struct rlimit rl = { (rlim_t)opt.n + 1024, (rlim_t)opt.n + 1024 };
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("cannot raise the open-file limit (run as root or raise ulimit -n)");
	if (uv_ip4_addr(opt.host, opt.port, &addr))
		die("--host must be an IPv4 address");
	if (tls_ctx_new(&ctx, false, opt.cert, opt.key, opt.ca, "1.3", err, sizeof err)) {
		fprintf(stderr, "conns: %s\n", err);
		return 2;
	}
	if (!(cns = calloc((size_t)opt.n, sizeof *cns)))
		die("out of memory");
	loop = uv_default_loop();

	long rss0, rss1;
	double cpu0, cpu1;
	server_reading(&rss0, &cpu0);
	run_round();
	double setup_s = (double)(t_round_end - t_round_start) / 1e9;
	hold(opt.hold_ms ? opt.hold_ms : 1000); /* let the server settle: idle */
	server_reading(&rss1, &cpu1);
	int up1 = up, failed1 = failed;
	printf("round 1: %d up, %d failed in %.2f s; server RSS %ld -> %ld kB (%.1f kB a "
	       "connection), "
	       "CPU %.2f s (%.3f ms a setup)\n",
	       up1, failed1, setup_s, rss0, rss1, up1 ? (double)(rss1 - rss0) / up1 : 0,
	       cpu1 - cpu0, up1 ? (cpu1 - cpu0) * 1000 / up1 : 0);
	double back_s = 0, cpu_back_ms = 0;
	int up2 = 0, failed2 = 0;
	if (opt.reconnect) {
		for (int i = 0; i < opt.n; i++)
			cn_close(&cns[i]);
		while (closed_n < up1 + failed1)
			uv_run(loop, UV_RUN_ONCE);
		double c0, c1;
		long r;
		resumed = 0;
		server_reading(&r, &c0);
		run_round();
		back_s = (double)(t_round_end - t_round_start) / 1e9;
		server_reading(&r, &c1);
		up2 = up;
		failed2 = failed;
		cpu_back_ms = up2 ? (c1 - c0) * 1000 / up2 : 0;
		printf("round 2 (all reconnect%s): %d up, %d failed in %.2f s; server CPU %.3f ms "
		       "a setup\n",
		       opt.resume ? ", resuming" : "", up2, failed2, back_s, cpu_back_ms);
	}
	printf("result proto=%s n=%d up=%d failed=%d setup_s=%.2f rss_kb_per_conn=%.1f "
	       "cpu_ms_per_setup=%.3f "
	       "back_s=%.2f up_back=%d cpu_ms_per_resetup=%.3f saved=%d resumed=%d\n",
	       opt.proto == P_SC ? "sc" : "pg", opt.n, up1, failed1, setup_s,
	       up1 ? (double)(rss1 - rss0) / up1 : 0, up1 ? (cpu1 - cpu0) * 1000 / up1 : 0, back_s,
	       up2, cpu_back_ms, saved, resumed);
	return failed1 || failed2 ? 1 : 0;
}
