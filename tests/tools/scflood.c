/* scflood: many connections that take a server slot and do nothing more, for
 * the connection-limit tests. Bounded: at most 1000 connections, held at most
 * 60 s, loopback addresses only.
 *
 * usage: scflood HOST PORT N HOLD_MS [options]
 *   --src A.B.C.D     first source address (default: the kernel's choice)
 *   --src-count K     spread the connections over K consecutive source
 *                     addresses from --src (127.0.0.2, 127.0.0.3, ...)
 *   --tls CERT KEY CA finish the TLS handshake with this certificate (CERT
 *                     "" for none), then stall
 *   --hello           after the handshake also send Hello (and stall READY)
 *
 * Prints "holding connected=N" once every connection is made and, with --tls,
 * each has finished its handshake or been closed (at most 10 s); then at the
 * end one line
 * (SIGTERM ends the hold early; the line still comes)
 *   done connected=N connect_failed=N handshake_ok=N welcomed=N errors=N closed_by_server=N open_at_end=N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "tls.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

#define MAX_CONNS 1000
#define MAX_HOLD_MS 60000

struct fc {
	int fd;
	struct tls *t;
	struct buf plain, cipher;
	int hs_done, hello_sent, welcomed, errored, closed;
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void flush_out(struct fc *c)
{
	buf_reset(&c->cipher);
	if (tls_out_take(c->t, &c->cipher))
		return;
	for (size_t off = 0; off < buf_used(&c->cipher);) {
		ssize_t n = write(c->fd, buf_head(&c->cipher) + off, buf_used(&c->cipher) - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void send_hello(struct fc *c)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	struct buf b;

	h.min_version = 1;
	h.max_version = 1;
	h.client_version = "scflood";
	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	buf_init(&b, 1u << 16);
	if (frame_encode(&b, &env, 1u << 16) == 0 &&
	    tls_write(c->t, buf_head(&b), buf_used(&b)) == 0)
		flush_out(c);
	buf_free(&b);
	c->hello_sent = 1;
}

/* Something to read on c: feed TLS (or drop bytes on bare TCP). */
static void on_readable(struct fc *c, int hello)
{
	uint8_t tmp[16384];
	ssize_t n = read(c->fd, tmp, sizeof tmp);

	if (n <= 0) {
		c->closed = 1;
		close(c->fd); /* as a client does: the server's linger ends */
		return;
	}
	if (!c->t)
		return;
	if (tls_feed(c->t, tmp, (size_t)n) || tls_read(c->t, &c->plain)) {
		flush_out(c);
		c->closed = 1;
		close(c->fd);
		return;
	}
	flush_out(c);
	if (!c->hs_done && tls_handshake_done(c->t)) {
		c->hs_done = 1;
		if (hello)
			send_hello(c);
	}
	const uint8_t *payload;
	size_t len, used;
	while (frame_decode(buf_head(&c->plain), buf_used(&c->plain), 1u << 22, &payload, &len,
			    &used) == FRAME_OK) {
		Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
		buf_consume(&c->plain, used);
		if (!e)
			continue;
		if (e->body_case == SAFECAMPUS__ENVELOPE__BODY_WELCOME)
			c->welcomed = 1;
		if (e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR)
			c->errored = 1;
		frame_envelope_free(e);
	}
}

int main(int argc, char **argv)
{
	const char *src = NULL, *cert = NULL, *key = NULL, *ca = NULL;
	int src_count = 1, use_tls = 0, hello = 0, printed = 0;
	struct tls_ctx *ctx = NULL;
	struct sockaddr_in dst = { 0 };
	static struct fc cs[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	char err[512];

	if (argc < 5) {
		fprintf(stderr, "usage: scflood HOST PORT N HOLD_MS [--src A] [--src-count K] "
				"[--tls CERT KEY CA] [--hello]\n");
		return 2;
	}
	long n = strtol(argv[3], NULL, 10), hold = strtol(argv[4], NULL, 10);
	if (n < 1 || n > MAX_CONNS || hold < 0 || hold > MAX_HOLD_MS) {
		fprintf(stderr, "scflood: N must be 1..%d and HOLD_MS 0..%d\n", MAX_CONNS,
			MAX_HOLD_MS);
		return 2;
	}
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--src") && i + 1 < argc) {
			src = argv[++i];
		} else if (!strcmp(argv[i], "--src-count") && i + 1 < argc) {
			src_count = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--tls") && i + 3 < argc) {
			use_tls = 1;
			cert = argv[++i];
			key = argv[++i];
			ca = argv[++i];
		} else if (!strcmp(argv[i], "--hello")) {
			hello = 1;
		} else {
			fprintf(stderr, "scflood: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    (ntohl(dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "scflood: HOST must be a 127.x.y.z address\n");
		return 2;
	}
	uint32_t src0 = 0;
	if (src) {
		struct in_addr a;
		if (inet_pton(AF_INET, src, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127 ||
		    src_count < 1) {
			fprintf(stderr, "scflood: --src must be a 127.x.y.z address\n");
			return 2;
		}
		src0 = ntohl(a.s_addr);
	}
	if (use_tls && tls_ctx_new(&ctx, false, *cert ? cert : NULL, *cert ? key : NULL, ca, NULL,
				   err, sizeof err)) {
		fprintf(stderr, "scflood: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* the server closes what it refuses */
	struct sigaction term = { 0 };
	term.sa_handler = on_term; /* SIGTERM ends the hold early, still with the summary */
	sigaction(SIGTERM, &term, NULL);

	long connected = 0, failed = 0;
	for (long i = 0; i < n; i++) {
		struct fc *c = &cs[i];
		if (stop) {
			/* told to end while connecting: a blocked connect() returns
			 * EINTR, and the rest would each block again */
			c->fd = -1;
			c->closed = 1;
			continue;
		}
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			failed++;
			c->closed = 1;
			continue;
		}
		if (src) {
			struct sockaddr_in sa = { 0 };
			sa.sin_family = AF_INET;
			sa.sin_addr.s_addr = htonl(src0 + (uint32_t)(i % src_count));
			if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa)) {
				perror("scflood: bind");
				return 1;
			}
		}
		if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst)) {
			failed++;
			close(c->fd);
			c->fd = -1;
			c->closed = 1;
			continue;
		}
		connected++;
		if (use_tls) {
			buf_init(&c->plain, 1u << 20);
			buf_init(&c->cipher, 1u << 20);
			if (tls_new(&c->t, ctx, "localhost") == 0 && tls_read(c->t, &c->plain) == 0)
				flush_out(c);
		}
	}

	uint64_t start = now_ms(), end = start + (uint64_t)hold;
	for (;;) {
		uint64_t now = now_ms();
		long settled = 0, open = 0;
		for (long i = 0; i < n; i++) {
			open += !cs[i].closed;
			settled += cs[i].closed || !use_tls || cs[i].hs_done;
		}
		if (!printed && (settled == n || now - start > 10000)) {
			printf("holding connected=%ld open=%ld\n", connected, open);
			printed = 1;
		}
		if (now >= end || open == 0 || stop)
			break;
		nfds_t k = 0;
		for (long i = 0; i < n; i++) {
			if (cs[i].closed)
				continue;
			pfd[k].fd = cs[i].fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			k++;
		}
		int wait = (int)(end - now);
		if (!printed && wait > 100)
			wait = 100;
		int r = poll(pfd, k, wait);
		if (r < 0 && errno != EINTR)
			break;
		k = 0;
		for (long i = 0; i < n; i++) {
			if (cs[i].closed)
				continue;
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(&cs[i], hello);
			k++;
		}
	}
	if (!printed)
		printf("holding connected=%ld open=%ld\n", connected, connected);
	long hs = 0, wel = 0, errs = 0, closed = 0, open = 0;
	for (long i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		hs += cs[i].hs_done;
		wel += cs[i].welcomed;
		errs += cs[i].errored;
		closed += cs[i].closed;
		open += !cs[i].closed;
	}
	printf("done connected=%ld connect_failed=%ld handshake_ok=%ld welcomed=%ld errors=%ld "
	       "closed_by_server=%ld "
	       "open_at_end=%ld\n",
	       connected, failed, hs, wel, errs, closed, open);
	return 0;
}
