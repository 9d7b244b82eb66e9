/* Shared by test_channel.c and test_channel_io.c: the district PKI made for
 * the group (ch_group_setup), TLS contexts from it, and the loop harness that
 * connects a server and a client channel over loopback (ch_pair_init,
 * ch_pair_run) with scenario hooks. */
#ifndef TESTS_UNIT_CHANNEL_HARNESS_H
#define TESTS_UNIT_CHANNEL_HARNESS_H

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
#include <uv.h>

#include "buf.h"
#include "channel.h"
#include "err.h"
#include "frame.h"
#include "tls.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#ifndef SC_SOURCE_DIR_DEFAULT
#define SC_SOURCE_DIR_DEFAULT "."
#endif

static char g_dir[256];   /* temp dir with the district PKI */
static char g_rogue[300]; /* a second, untrusted CA */

/* out = dir/file. */
static void ch_path(char *out, size_t n, const char *dir, const char *file)
{
	snprintf(out, n, "%s/%s", dir, file);
}

/* Runs a shell command made from fmt; returns its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Makes the district PKI and a rogue CA in a fresh temporary directory. */
static int ch_group_setup(void **state)
{
	const char *src = getenv("SC_SOURCE_DIR");
	char pki[512];

	(void)state;
	if (!src || !*src)
		src = SC_SOURCE_DIR_DEFAULT;
	snprintf(pki, sizeof pki, "%s/deploy/pki.sh", src);
	snprintf(g_dir, sizeof g_dir, "/tmp/sc-test-channel-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_rogue, sizeof g_rogue, "%s/rogue", g_dir);
	if (run("bash %s %s/pki test-district localhost 2>/dev/null", pki, g_dir) ||
	    run("bash %s issue %s/pki s1 c1 2>/dev/null", pki, g_dir) ||
	    run("bash %s issue %s/pki bureau hq 2>/dev/null", pki, g_dir) ||
	    run("bash %s issue --expired --name expired %s/pki s1 c1 2>/dev/null", pki, g_dir) ||
	    run("bash %s %s test-district localhost 2>/dev/null", pki, g_rogue) ||
	    run("bash %s issue %s s1 c1 2>/dev/null", pki, g_rogue)) {
		fprintf(stderr, "cannot make certificates with %s (set SC_SOURCE_DIR)\n", pki);
		return -1;
	}
	/* A certificate from the right CA whose OU is not an id. */
	if (run("cd %s/pki && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
		"-out badid.key 2>/dev/null && openssl req -new -config ca.db/openssl.cnf "
		"-key badid.key -subj '/O=test-district/OU=s 1/CN=c1' -out badid.csr && "
		"openssl ca -batch -notext -config ca.db/openssl.cnf -extensions ext_client "
		"-preserveDN -rand_serial -in badid.csr -out badid.crt 2>/dev/null",
		g_dir)) {
		fprintf(stderr, "cannot make the bad-id certificate\n");
		return -1;
	}
	snprintf(g_dir + strlen(g_dir), sizeof g_dir - strlen(g_dir), "/pki");
	return 0;
}

/* Removes the temporary directory ch_group_setup made. */
static int ch_group_teardown(void **state)
{
	(void)state;
	if (g_dir[0]) {
		char *slash = strrchr(g_dir, '/');
		if (slash && strcmp(slash, "/pki") == 0)
			*slash = '\0';
		if (strncmp(g_dir, "/tmp/sc-test-channel-", 21) == 0)
			run("rm -rf '%s'", g_dir);
	}
	return 0;
}

/* A TLS context with dir/base.crt and .key (none when base is NULL). */
static struct tls_ctx *ch_make_ctx(bool server, const char *dir, const char *base)
{
	char crt[512], key[512], ca[512], err[512];
	struct tls_ctx *c = NULL;

	snprintf(crt, sizeof crt, "%s/%s.crt", dir, base ? base : "");
	snprintf(key, sizeof key, "%s/%s.key", dir, base ? base : "");
	ch_path(ca, sizeof ca, g_dir, "ca.crt");
	int rc = tls_ctx_new(&c, server, base ? crt : NULL, base ? key : NULL, ca, NULL, err,
			     sizeof err);
	if (rc != 0)
		fprintf(stderr, "tls_ctx_new: %s\n", err);
	assert_int_equal(rc, 0);
	return c;
}


/* ------------------------------------------------------------------ loop harness */

struct pair;

struct side {
	struct channel ch;
	struct pair *p;
	bool inited, ready, closed;
	int status;
	char why[256];
	int frames;
	int drains;
	struct tls_identity id;
	int id_rc;
	struct channel_stats stats;
};

struct pair {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_timer_t guard;
	uv_timer_t resume_timer;
	uv_connect_t creq;
	struct tls_ctx *sctx, *cctx;
	struct channel_limits lim;
	const char *server_name;
	struct side srv, cli;
	bool timed_out;
	/* scenario hooks */
	void (*srv_ready)(struct pair *p);
	void (*cli_ready)(struct pair *p);
	void (*srv_frame)(struct pair *p, Safecampus__Envelope *env);
	void (*cli_frame)(struct pair *p, Safecampus__Envelope *env);
	bool srv_bad_input_sends; /* answer bad input with an Error and close */
	int srv_bad_code;
	int cli_error_code;
	void (*srv_closed)(struct pair *p);
	bool raw_client; /* a plain TCP client instead of a channel */
	uv_tcp_t raw;
	uv_write_t raw_wreq;
	bool raw_eof;
	uint64_t raw_eof_ms, srv_closed_ms;
	/* scenario state */
	int expect;
	int sent;
	bool saw_congested;
	bool srv_was_reading_when_congested;
	size_t big_len;
};

static struct side *side_of(struct channel *ch)
{
	return ch->data;
}

/* Ends the run (guard timer, listener) once both sides are closed. */
static void ch_maybe_finish(struct pair *p)
{
	if ((p->srv.closed || !p->srv.inited) && (p->cli.closed || !p->cli.inited)) {
		if (!uv_is_closing((uv_handle_t *)&p->listener))
			uv_close((uv_handle_t *)&p->listener, NULL);
		if (!uv_is_closing((uv_handle_t *)&p->guard))
			uv_close((uv_handle_t *)&p->guard, NULL);
		if (!uv_is_closing((uv_handle_t *)&p->resume_timer))
			uv_close((uv_handle_t *)&p->resume_timer, NULL);
	}
}

static void on_ready(struct channel *ch)
{
	struct side *s = side_of(ch);

	s->ready = true;
	s->id_rc = channel_peer_identity(ch, &s->id);
	if (s == &s->p->srv && s->p->srv_ready)
		s->p->srv_ready(s->p);
	if (s == &s->p->cli && s->p->cli_ready)
		s->p->cli_ready(s->p);
}

static void on_frame(struct channel *ch, Safecampus__Envelope *env)
{
	struct side *s = side_of(ch);

	s->frames++;
	if (s == &s->p->srv && s->p->srv_frame)
		s->p->srv_frame(s->p, env);
	if (s == &s->p->cli) {
		if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR)
			s->p->cli_error_code = env->error->code;
		if (s->p->cli_frame)
			s->p->cli_frame(s->p, env);
	}
}

static void on_bad_input(struct channel *ch, int code, const char *why)
{
	struct side *s = side_of(ch);
	struct pair *p = s->p;

	if (s != &p->srv)
		return;
	p->srv_bad_code = code;
	if (p->srv_bad_input_sends) {
		Safecampus__Error e = SAFECAMPUS__ERROR__INIT;
		Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;

		e.code = (Safecampus__ErrorCode)code;
		e.message = (char *)why;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_ERROR;
		env.error = &e;
		assert_int_equal(channel_send(ch, &env), 0);
		channel_close(ch, SC_EPROTO, why);
		channel_close(ch, 0, "second close is ignored");
	}
	/* else: the channel closes by itself with SC_EPROTO */
}

static void on_drain(struct channel *ch)
{
	side_of(ch)->drains++;
}

static void on_close(struct channel *ch, int status, const char *why)
{
	struct side *s = side_of(ch);

	assert_false(s->closed); /* exactly once */
	s->closed = true;
	s->status = status;
	snprintf(s->why, sizeof s->why, "%s", why);
	channel_get_stats(ch, &s->stats);
	if (getenv("SC_TEST_VERBOSE"))
		fprintf(stderr, "  %s closed status=%d why=\"%s\" writes=%llu frames_in=%llu\n",
			s == &s->p->srv ? "server" : "client", status, why,
			(unsigned long long)s->stats.writes,
			(unsigned long long)s->stats.frames_in);
	channel_close(ch, 0, "after close: no effect");
	if (s == &s->p->srv && s->p->srv_closed)
		s->p->srv_closed(s->p);
	ch_maybe_finish(s->p);
}

static const struct channel_ops ops = {
	.on_ready = on_ready,
	.on_frame = on_frame,
	.on_bad_input = on_bad_input,
	.on_drain = on_drain,
	.on_close = on_close,
};

static void on_guard(uv_timer_t *t)
{
	struct pair *p = container_of(t, struct pair, guard);

	p->timed_out = true;
	if (p->srv.inited)
		channel_close(&p->srv.ch, -ETIMEDOUT, "test timed out");
	if (p->cli.inited)
		channel_close(&p->cli.ch, -ETIMEDOUT, "test timed out");
	ch_maybe_finish(p);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct pair *p = container_of((uv_tcp_t *)server, struct pair, listener);

	assert_int_equal(status, 0);
	assert_false(p->srv.inited);
	assert_int_equal(channel_init(&p->srv.ch, &p->loop, p->sctx, NULL, &ops, &p->lim), 0);
	p->srv.ch.data = &p->srv;
	p->srv.inited = true;
	assert_int_equal(uv_accept(server, (uv_stream_t *)&p->srv.ch.tcp), 0);
	{
		char name[64];
		channel_peer_name(&p->srv.ch, name,
				  sizeof name); /* before start, as the server logs it */
		assert_true(strncmp(name, "127.0.0.1:", 10) == 0);
	}
	uv_close((uv_handle_t *)&p->listener, NULL); /* one connection per test */
	assert_int_equal(channel_start(&p->srv.ch), 0);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct pair *p = container_of(req, struct pair, creq);

	if (status < 0) {
		channel_close(&p->cli.ch, status, "connect failed");
		return;
	}
	assert_int_equal(channel_start(&p->cli.ch), 0);
}

/* The raw client speaks plain text and never closes on its own. */
static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
	static char space[4096];

	(void)h;
	(void)n;
	*b = uv_buf_init(space, sizeof space);
}

static void raw_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct pair *p = container_of((uv_tcp_t *)s, struct pair, raw);

	(void)b;
	if (nread < 0) {
		p->raw_eof = true;
		p->raw_eof_ms = uv_now(&p->loop);
		uv_read_stop(s);
	}
}

static void raw_written(uv_write_t *req, int status)
{
	(void)req;
	(void)status;
}

static void on_raw_connect(uv_connect_t *req, int status)
{
	struct pair *p = container_of(req, struct pair, creq);
	static char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	uv_buf_t b = uv_buf_init(http, sizeof http - 1);

	assert_int_equal(status, 0);
	assert_int_equal(uv_write(&p->raw_wreq, (uv_stream_t *)&p->raw, &b, 1, raw_written), 0);
	assert_int_equal(uv_read_start((uv_stream_t *)&p->raw, raw_alloc, raw_read), 0);
}

/* A server and a client (certificate cli_base) with default limits. */
static void ch_pair_init(struct pair *p, const char *cli_base)
{
	memset(p, 0, sizeof *p);
	p->srv.p = p->cli.p = p;
	p->sctx = ch_make_ctx(true, g_dir, "server");
	p->cctx = ch_make_ctx(false, g_dir, cli_base);
	p->lim = channel_limits_default();
	p->server_name = "localhost";
}

/* Connects the pair over loopback and runs the loop until both close. */
static void ch_pair_run(struct pair *p)
{
	struct sockaddr_in addr;
	struct sockaddr_storage bound;
	int len = sizeof bound;

	assert_int_equal(uv_loop_init(&p->loop), 0);
	assert_int_equal(uv_timer_init(&p->loop, &p->guard), 0);
	assert_int_equal(uv_timer_init(&p->loop, &p->resume_timer), 0);
	assert_int_equal(uv_timer_start(&p->guard, on_guard, 15000, 0), 0);
	assert_int_equal(uv_tcp_init(&p->loop, &p->listener), 0);
	assert_int_equal(uv_ip4_addr("127.0.0.1", 0, &addr), 0);
	assert_int_equal(uv_tcp_bind(&p->listener, (const struct sockaddr *)&addr, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&p->listener, 8, on_connection), 0);
	assert_int_equal(uv_tcp_getsockname(&p->listener, (struct sockaddr *)&bound, &len), 0);

	if (p->raw_client) {
		assert_int_equal(uv_tcp_init(&p->loop, &p->raw), 0);
		assert_int_equal(uv_tcp_connect(&p->creq, &p->raw, (const struct sockaddr *)&bound,
						on_raw_connect),
				 0);
	} else {
		assert_int_equal(
			channel_init(&p->cli.ch, &p->loop, p->cctx, p->server_name, &ops, &p->lim),
			0);
		p->cli.ch.data = &p->cli;
		p->cli.inited = true;
		assert_int_equal(uv_tcp_connect(&p->creq, &p->cli.ch.tcp,
						(const struct sockaddr *)&bound, on_connect),
				 0);
	}

	uv_run(&p->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&p->loop), 0);
	assert_false(p->timed_out);
	assert_true(p->cli.closed || p->raw_client);
	assert_true(!p->srv.inited || p->srv.closed);
	tls_ctx_free(p->sctx);
	tls_ctx_free(p->cctx);
}

#endif
