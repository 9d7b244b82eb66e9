/* Unit tests for common/tls.c and common/channel.c.
 *
 * Build and run by hand (from the source tree):
 *
 *   mkdir -p /tmp/tlsb && protoc-c --c_out=/tmp/tlsb -Iproto proto/safecampus.proto &&
 *   gcc -std=c11 -D_GNU_SOURCE -DUNITTEST -g -Wall -Wextra -Werror -Wshadow \
 *       -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
 *       -fsanitize=address,undefined -fno-omit-frame-pointer \
 *       -Icommon -I/tmp/tlsb -o /tmp/tlsb/test_channel \
 *       tests/unit/test_channel.c common/channel.c common/tls.c common/frame.c \
 *       common/buf.c common/err.c /tmp/tlsb/safecampus.pb-c.c \
 *       -luv -lssl -lcrypto -lprotobuf-c -lcmocka &&
 *   SC_SOURCE_DIR=$PWD /tmp/tlsb/test_channel
 *
 * channel.c must be compiled with -DUNITTEST (channel__send_raw). The
 * certificates come from deploy/pki.sh, found under $SC_SOURCE_DIR (default:
 * SC_SOURCE_DIR_DEFAULT, else "."), made into a fresh temporary directory.
 * Every loop test ends by asserting uv_loop_close() == 0. */
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

static void path(char *out, size_t n, const char *dir, const char *file)
{
	snprintf(out, n, "%s/%s", dir, file);
}

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

static int group_setup(void **state)
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

static int group_teardown(void **state)
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

/* ------------------------------------------------------------------ tls alone */

static struct tls_ctx *make_ctx(bool server, const char *dir, const char *base)
{
	char crt[512], key[512], ca[512], err[512];
	struct tls_ctx *c = NULL;

	snprintf(crt, sizeof crt, "%s/%s.crt", dir, base ? base : "");
	snprintf(key, sizeof key, "%s/%s.key", dir, base ? base : "");
	path(ca, sizeof ca, g_dir, "ca.crt");
	int rc = tls_ctx_new(&c, server, base ? crt : NULL, base ? key : NULL, ca, NULL, err,
			     sizeof err);
	if (rc != 0)
		fprintf(stderr, "tls_ctx_new: %s\n", err);
	assert_int_equal(rc, 0);
	return c;
}

/* Moves ciphertext from a to b. */
static void pump(struct tls *a, struct tls *b)
{
	struct buf tmp;

	buf_init(&tmp, 1 << 20);
	assert_int_equal(tls_out_take(a, &tmp), 0);
	assert_int_equal(tls_out_pending(a), 0);
	if (buf_used(&tmp))
		assert_int_equal(tls_feed(b, buf_head(&tmp), buf_used(&tmp)), 0);
	buf_free(&tmp);
}

static void test_tls_memory(void **state)
{
	struct tls_ctx *sc = make_ctx(true, g_dir, "server");
	struct tls_ctx *cc = make_ctx(false, g_dir, "s1-c1");
	struct tls *s, *c;
	struct buf plain, got;
	struct tls_identity id;
	static uint8_t msg[50000];
	int i;

	(void)state;
	for (i = 0; i < (int)sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7);
	assert_int_equal(tls_new(&s, sc, NULL), 0);
	assert_int_equal(tls_new(&c, cc, "localhost"), 0);
	tls_ctx_free(sc); /* sessions keep their own reference */
	tls_ctx_free(cc);
	buf_init(&plain, 1000); /* deliberately small: tls_read must stop and resume */
	buf_init(&got, sizeof msg);

	assert_int_equal(tls_write(c, "x", 1), -ENOTCONN);
	for (i = 0; i < 10 && !(tls_handshake_done(s) && tls_handshake_done(c)); i++) {
		assert_int_equal(tls_read(c, &plain), 0);
		pump(c, s);
		assert_int_equal(tls_read(s, &plain), 0);
		pump(s, c);
	}
	assert_true(tls_handshake_done(s) && tls_handshake_done(c));
	assert_string_equal(tls_version(c), "TLSv1.3 TLS_AES_256_GCM_SHA384");
	assert_int_equal(tls_peer_identity(s, &id), 0);
	assert_string_equal(id.district, "test-district");
	assert_string_equal(id.school, "s1");
	assert_string_equal(id.campus, "c1");
	assert_int_equal(id.role, SAFECAMPUS__ROLE__ROLE_SCHOOL);
	assert_non_null(strstr(id.subject, "OU=s1"));
	/* the server's certificate does not follow the client convention */
	assert_int_equal(tls_peer_identity(c, &id), SC_ETLS);
	assert_non_null(strstr(tls_error(c), "bad identity"));

	assert_true(tls_write_bound(sizeof msg) >= sizeof msg + 22 * 4);
	assert_int_equal(tls_write(c, msg, sizeof msg), 0);
	assert_true(tls_out_pending(c) > sizeof msg);
	assert_true(tls_out_pending(c) <= tls_write_bound(sizeof msg));
	pump(c, s);
	while (buf_used(&got) < sizeof msg) {
		assert_int_equal(tls_read(s, &plain), 0);
		assert_true(buf_used(&plain) > 0);
		assert_true(buf_used(&plain) <= 1000);
		assert_int_equal(buf_append(&got, buf_head(&plain), buf_used(&plain)), 0);
		buf_reset(&plain);
		if (buf_used(&got) < sizeof msg)
			assert_true(tls_in_pending(s));
	}
	assert_false(tls_in_pending(s));
	assert_memory_equal(buf_head(&got), msg, sizeof msg);

	assert_int_equal(tls_shutdown(c), 0);
	assert_int_equal(tls_write(c, "x", 1), -EPIPE);
	pump(c, s);
	assert_int_equal(tls_read(s, &plain), 0);
	assert_true(tls_peer_closed(s));
	assert_int_equal(buf_used(&plain), 0);

	buf_free(&plain);
	buf_free(&got);
	tls_free(s);
	tls_free(c);
}

static void test_tls_ctx_errors(void **state)
{
	struct tls_ctx *c = NULL;
	struct tls *t = NULL;
	char crt[512], key[512], ca[512], err[512];

	(void)state;
	path(crt, sizeof crt, g_dir, "server.crt");
	path(key, sizeof key, g_dir, "s1-c1.key");
	path(ca, sizeof ca, g_dir, "ca.crt");

	assert_int_equal(tls_ctx_new(&c, true, "/nonexistent.crt", key, ca, NULL, err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, "/nonexistent.crt"));
	assert_non_null(strstr(err, "No such file"));
	assert_null(c);

	assert_int_equal(tls_ctx_new(&c, true, crt, key, ca, NULL, err, sizeof err), SC_ECONFIG);
	assert_non_null(strstr(err, "mismatch"));

	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, ca, "1.1", err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, "1.1"));
	assert_int_equal(tls_ctx_new(&c, true, NULL, NULL, ca, NULL, err, sizeof err), -EINVAL);
	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, NULL, NULL, err, sizeof err), -EINVAL);
	assert_int_equal(
		tls_ctx_new(&c, false, NULL, NULL, "/nonexistent-ca", NULL, err, sizeof err),
		SC_ECONFIG);

	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, ca, "1.2", err, sizeof err), 0);
	assert_int_equal(tls_new(&t, c, NULL), -EINVAL); /* a client must name the server */
	assert_int_equal(tls_new(&t, c, "10.0.0.1"), 0);
	tls_free(t);
	tls_ctx_free(c);
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

static void maybe_finish(struct pair *p)
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
	maybe_finish(s->p);
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
	maybe_finish(p);
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

static void pair_init(struct pair *p, const char *cli_base)
{
	memset(p, 0, sizeof *p);
	p->srv.p = p->cli.p = p;
	p->sctx = make_ctx(true, g_dir, "server");
	p->cctx = make_ctx(false, g_dir, cli_base);
	p->lim = channel_limits_default();
	p->server_name = "localhost";
}

static void pair_run(struct pair *p)
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

static void close_client_ok(struct pair *p)
{
	channel_close(&p->cli.ch, 0, "client done");
}

/* ------------------------------------------------------------------ handshake */

static void test_handshake_school(void **state)
{
	struct pair p;
	char name[64];

	(void)state;
	pair_init(&p, "s1-c1");
	p.cli_ready = close_client_ok;
	pair_run(&p);
	assert_true(p.srv.ready && p.cli.ready);
	assert_int_equal(p.srv.id_rc, 0);
	assert_string_equal(p.srv.id.district, "test-district");
	assert_string_equal(p.srv.id.school, "s1");
	assert_string_equal(p.srv.id.campus, "c1");
	assert_int_equal(p.srv.id.role, SAFECAMPUS__ROLE__ROLE_SCHOOL);
	assert_int_equal(p.cli.status, 0);
	assert_string_equal(p.cli.why, "client done");
	assert_int_equal(p.srv.status, 0);
	assert_string_equal(p.srv.why, "peer closed the connection");
	assert_string_equal(channel_tls_version(&p.cli.ch), "TLSv1.3 TLS_AES_256_GCM_SHA384");
	channel_peer_name(&p.srv.ch, name, sizeof name);
	assert_true(strncmp(name, "127.0.0.1:", 10) == 0);
}

static void test_handshake_bureau_by_ip(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, "bureau-hq");
	p.server_name = "127.0.0.1"; /* checked against the IP SAN */
	p.cli_ready = close_client_ok;
	pair_run(&p);
	assert_true(p.srv.ready && p.cli.ready);
	assert_int_equal(p.srv.id_rc, 0);
	assert_string_equal(p.srv.id.district, "test-district");
	assert_string_equal(p.srv.id.school, "");
	assert_string_equal(p.srv.id.campus, "hq");
	assert_int_equal(p.srv.id.role, SAFECAMPUS__ROLE__ROLE_BUREAU);
	assert_int_equal(p.cli.status, 0);
	assert_int_equal(p.srv.status, 0);
}

/* Server-side refusals: the server never reaches on_ready and says why; the
 * client learns through an alert. */
static void expect_refused(const char *cli_dir, const char *cli_base, const char *srv_reason)
{
	struct pair p;

	pair_init(&p, NULL);
	tls_ctx_free(p.cctx);
	p.cctx = NULL;
	if (cli_base) {
		char crt[512], key[512], ca[512], err[512];
		snprintf(crt, sizeof crt, "%s/%s.crt", cli_dir, cli_base);
		snprintf(key, sizeof key, "%s/%s.key", cli_dir, cli_base);
		path(ca, sizeof ca, g_dir, "ca.crt"); /* trusts the real server */
		assert_int_equal(tls_ctx_new(&p.cctx, false, crt, key, ca, NULL, err, sizeof err),
				 0);
	} else {
		p.cctx = make_ctx(false, g_dir, NULL);
	}
	pair_run(&p);
	assert_false(p.srv.ready);
	assert_int_equal(p.srv.status, SC_ETLS);
	if (!strstr(p.srv.why, srv_reason))
		fail_msg("server why \"%s\" lacks \"%s\"", p.srv.why, srv_reason);
	assert_true(strncmp(p.srv.why, "tls: ", 5) == 0);
	assert_int_equal(p.cli.status, SC_ETLS);
	if (!strstr(p.cli.why, "alert"))
		fail_msg("client why \"%s\" names no alert", p.cli.why);
	assert_int_equal(p.srv.frames + p.cli.frames, 0);
}

static void test_refuse_no_cert(void **state)
{
	(void)state;
	expect_refused(NULL, NULL, "peer did not return a certificate");
}

static void test_refuse_rogue_ca(void **state)
{
	(void)state;
	expect_refused(g_rogue, "s1-c1",
		       "certificate verify failed: unable to get local issuer certificate");
}

static void test_refuse_expired(void **state)
{
	(void)state;
	expect_refused(g_dir, "expired", "certificate verify failed: certificate has expired");
}

static void test_refuse_bad_identity(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, "badid");
	pair_run(&p);
	assert_false(p.srv.ready); /* handshake passed, identity did not */
	assert_int_equal(p.srv.status, SC_ETLS);
	if (!strstr(p.srv.why, "bad identity") || !strstr(p.srv.why, "OU"))
		fail_msg("server why \"%s\"", p.srv.why);
	assert_int_equal(p.srv.frames + p.cli.frames, 0);
}

static void expect_wrong_host(const char *name, const char *reason)
{
	struct pair p;

	pair_init(&p, "s1-c1");
	p.server_name = name;
	pair_run(&p);
	assert_false(p.cli.ready);
	assert_false(p.srv.ready);
	assert_int_equal(p.cli.status, SC_ETLS);
	if (!strstr(p.cli.why, reason))
		fail_msg("client why \"%s\" lacks \"%s\"", p.cli.why, reason);
	assert_int_equal(p.srv.status, SC_ETLS);
}

static void test_wrong_host(void **state)
{
	(void)state;
	expect_wrong_host("wrong.example", "certificate verify failed: hostname mismatch");
	expect_wrong_host("127.0.0.2", "certificate verify failed: IP address mismatch");
}

/* ------------------------------------------------------------------ frames */

#define SMALL_FRAMES 2000
#define RT_MAX_FRAME (1u << 20)

static void send_ping(struct channel *ch, uint64_t id)
{
	Safecampus__Ping ping = SAFECAMPUS__PING__INIT;
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;

	ping.nonce = id * 3;
	env.request_id = id;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PING;
	env.ping = &ping;
	assert_int_equal(channel_send(ch, &env), 0);
}

/* A Hello whose packed size is exactly max_frame. */
static void send_big(struct pair *p, size_t packed, int expect_rc)
{
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	size_t n = packed - 10, got;
	char *s;

	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	for (;;) { /* varint lengths make the exact size a small search */
		s = malloc(n + 1);
		assert_non_null(s);
		memset(s, 'a' + (int)(n % 26), n);
		s[n] = '\0';
		h.client_version = s;
		got = safecampus__envelope__get_packed_size(&env);
		if (got == packed)
			break;
		free(s);
		n += packed > got ? 1 : (size_t)-1;
	}
	p->big_len = n;
	assert_int_equal(channel_send(&p->cli.ch, &env), expect_rc);
	free(s);
}

static void rt_cli_ready(struct pair *p)
{
	Safecampus__Envelope empty = SAFECAMPUS__ENVELOPE__INIT;

	assert_int_equal(channel_send(&p->cli.ch, &empty), -EINVAL);
	send_big(p, RT_MAX_FRAME + 1, SC_ETOOBIG); /* refused, channel unchanged */
	send_big(p, RT_MAX_FRAME, 0);
	for (int i = 0; i < SMALL_FRAMES; i++)
		send_ping(&p->cli.ch, (uint64_t)i + 2);
	p->expect = SMALL_FRAMES + 1;
}

static void rt_resume(uv_timer_t *t)
{
	struct pair *p = container_of(t, struct pair, resume_timer);

	channel_resume(&p->srv.ch);
}

/* The server echoes every frame, pausing now and then as it would while a
 * request is in the database. */
static void rt_srv_frame(struct pair *p, Safecampus__Envelope *env)
{
	assert_int_equal(channel_send(&p->srv.ch, env), 0);
	if (p->srv.frames % 300 == 0) {
		channel_pause(&p->srv.ch);
		channel_pause(&p->srv.ch);
		assert_int_equal(uv_timer_start(&p->resume_timer, rt_resume, 1, 0), 0);
	}
}

static void rt_cli_frame(struct pair *p, Safecampus__Envelope *env)
{
	int n = p->cli.frames;

	assert_int_equal(env->request_id, (uint64_t)n);
	if (n == 1) {
		assert_int_equal(env->body_case, SAFECAMPUS__ENVELOPE__BODY_HELLO);
		assert_int_equal(strlen(env->hello->client_version), p->big_len);
		assert_int_equal(env->hello->client_version[0], 'a' + (int)(p->big_len % 26));
	} else {
		assert_int_equal(env->body_case, SAFECAMPUS__ENVELOPE__BODY_PING);
		assert_int_equal(env->ping->nonce, (uint64_t)n * 3);
	}
	if (n == p->expect)
		channel_close(&p->cli.ch, 0, "all echoed");
}

static void test_roundtrip(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, "s1-c1");
	p.lim.max_frame = RT_MAX_FRAME;
	p.lim.read_max = RT_MAX_FRAME + FRAME_HEADER;
	p.cli_ready = rt_cli_ready;
	p.srv_frame = rt_srv_frame;
	p.cli_frame = rt_cli_frame;
	pair_run(&p);
	assert_int_equal(p.srv.frames, SMALL_FRAMES + 1);
	assert_int_equal(p.cli.frames, SMALL_FRAMES + 1);
	assert_int_equal(p.cli.status, 0);
	assert_int_equal(p.srv.status, 0);
	assert_int_equal(p.cli.stats.frames_out, SMALL_FRAMES + 1);
	assert_int_equal(p.srv.stats.frames_in, SMALL_FRAMES + 1);
	/* queued frames are coalesced: far fewer writes than frames */
	assert_true(p.cli.stats.writes < 20);
	assert_true(p.srv.stats.writes < SMALL_FRAMES / 4);
}

/* ------------------------------------------------------------------ bad input */

static void raw_prefix_too_big(struct pair *p)
{
	assert_int_equal(channel__send_raw(&p->cli.ch, "\x7f\xff\xff\xff", 4), 0);
}

static void raw_garbage(struct pair *p)
{
	assert_int_equal(channel__send_raw(&p->cli.ch, "\x00\x00\x00\x03\xff\xff\xff", 7), 0);
}

static void raw_empty(struct pair *p)
{
	send_ping(&p->cli.ch, 1); /* a good frame first, then an empty one */
	assert_int_equal(channel__send_raw(&p->cli.ch, "\x00\x00\x00\x00", 4), 0);
}

static void expect_bad_input(void (*send)(struct pair *), bool owner_answers, int code,
			     int good_frames)
{
	struct pair p;

	pair_init(&p, "s1-c1");
	p.cli_ready = send;
	p.srv_bad_input_sends = owner_answers;
	pair_run(&p);
	assert_int_equal(p.srv_bad_code, code);
	assert_int_equal(p.srv.frames, good_frames);
	assert_int_equal(p.srv.status, SC_EPROTO);
	if (owner_answers) {
		assert_int_equal(p.cli_error_code, code);
		assert_int_equal(p.cli.frames, 1);
	} else {
		assert_int_equal(p.cli.frames, 0);
	}
	assert_int_equal(p.cli.status, 0); /* the server closed with close_notify */
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_bad_input(raw_prefix_too_big, true, SAFECAMPUS__ERROR_CODE__ERROR_FRAME_TOO_LARGE,
			 0);
	expect_bad_input(raw_garbage, true, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME, 0);
	expect_bad_input(raw_garbage, false, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME, 0);
	expect_bad_input(raw_empty, true, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME, 1);
}

/* ------------------------------------------------------------------ backpressure */

#define BP_FRAME 16000

static void bp_client_resume(uv_timer_t *t)
{
	struct pair *p = container_of(t, struct pair, resume_timer);

	channel_resume(&p->cli.ch);
}

static void bp_cli_ready(struct pair *p)
{
	/* Stop reading for a while so the server's queue fills. */
	channel_pause(&p->cli.ch);
	assert_int_equal(uv_timer_start(&p->resume_timer, bp_client_resume, 100, 0), 0);
	send_ping(&p->cli.ch, 1);
}

static void bp_srv_frame(struct pair *p, Safecampus__Envelope *env)
{
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	Safecampus__Envelope out = SAFECAMPUS__ENVELOPE__INIT;
	static char payload[BP_FRAME];
	int rc;

	(void)env;
	memset(payload, 'z', sizeof payload - 1);
	h.client_version = payload;
	out.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	out.hello = &h;
	for (;;) {
		out.request_id = (uint64_t)p->sent + 1;
		rc = channel_send(&p->srv.ch, &out);
		if (rc == -ENOBUFS)
			break;
		assert_int_equal(rc, 0);
		p->sent++;
		if (channel_congested(&p->srv.ch) && !p->saw_congested) {
			p->saw_congested = true;
			p->srv_was_reading_when_congested = p->srv.ch.reading;
		}
	}
	assert_true(channel_queued(&p->srv.ch) <= p->lim.wq_max);
	p->expect = p->sent;
}

static void bp_cli_frame(struct pair *p, Safecampus__Envelope *env)
{
	assert_int_equal(env->request_id, (uint64_t)p->cli.frames);
	if (p->cli.frames == p->expect)
		channel_close(&p->cli.ch, 0, "got everything");
}

static void test_backpressure(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, "s1-c1");
	p.lim.wq_low = 32u << 10;
	p.lim.wq_high = 128u << 10;
	p.lim.wq_max = 8u << 20;
	p.cli_ready = bp_cli_ready;
	p.srv_frame = bp_srv_frame;
	p.cli_frame = bp_cli_frame;
	pair_run(&p);
	assert_true(p.saw_congested);
	assert_false(p.srv_was_reading_when_congested);
	assert_true(p.sent > 100);
	assert_int_equal(p.cli.frames, p.sent);
	assert_true(p.srv.drains >= 1);
	assert_int_equal(p.cli.status, 0);
	assert_int_equal(p.srv.status, 0);
}

/* ------------------------------------------------------------------ not TLS */

static void nt_srv_closed(struct pair *p)
{
	p->srv_closed_ms = uv_now(&p->loop);
	uv_close((uv_handle_t *)&p->raw, NULL);
}

static void test_not_tls_and_close_bound(void **state)
{
	struct pair p;

	(void)state;
	pair_init(&p, "s1-c1");
	p.raw_client = true;
	p.srv_closed = nt_srv_closed;
	pair_run(&p);
	assert_false(p.srv.ready);
	assert_int_equal(p.srv.status, SC_ETLS);
	if (!strstr(p.srv.why, "tls: http request"))
		fail_msg("server why \"%s\"", p.srv.why);
	/* the server shut its side down at once, then waited for an EOF that
	 * never came, and gave up after CHANNEL_CLOSE_TIMEOUT_MS */
	assert_true(p.raw_eof);
	assert_true(p.srv_closed_ms - p.raw_eof_ms >= CHANNEL_CLOSE_TIMEOUT_MS - 100);
	assert_true(p.srv_closed_ms - p.raw_eof_ms < CHANNEL_CLOSE_TIMEOUT_MS + 1000);
}

/* ------------------------------------------------------------------ misc */

static void test_limits_and_early_close(void **state)
{
	struct pair p;
	struct channel_limits l;
	struct channel ch;

	(void)state;
	pair_init(&p, "s1-c1");
	assert_int_equal(uv_loop_init(&p.loop), 0);

	l = channel_limits_default();
	l.max_frame = 0;
	assert_int_equal(channel_init(&ch, &p.loop, p.sctx, NULL, &ops, &l), -EINVAL);
	l.max_frame = FRAME_MAX_LIMIT + 1;
	assert_int_equal(channel_init(&ch, &p.loop, p.sctx, NULL, &ops, &l), -EINVAL);
	/* a server context with a server name, a client context without */
	assert_int_equal(channel_init(&ch, &p.loop, p.sctx, "localhost", &ops, NULL), -EINVAL);
	assert_int_equal(channel_init(&ch, &p.loop, p.cctx, NULL, &ops, NULL), -EINVAL);

	/* incoherent derived limits are mended, as a server config may give them */
	l = channel_limits_default();
	l.max_frame = 8u << 20; /* read_max left at its 4 MiB default */
	l.wq_max = 65536;       /* below one frame and below wq_high */
	assert_int_equal(channel_init(&p.srv.ch, &p.loop, p.sctx, NULL, &ops, &l), 0);
	p.srv.ch.data = &p.srv;
	p.srv.inited = true;
	assert_int_equal(p.srv.ch.lim.read_max, l.max_frame + FRAME_HEADER);
	assert_int_equal(p.srv.ch.lim.wq_max, tls_write_bound(l.max_frame + FRAME_HEADER));
	assert_true(p.srv.ch.lim.wq_high <= p.srv.ch.lim.wq_max);
	assert_true(p.srv.ch.lim.wq_low <= p.srv.ch.lim.wq_high);
	channel_close(&p.srv.ch, 0, NULL);

	/* closed before start: on_close still comes, once */
	assert_int_equal(channel_init(&p.cli.ch, &p.loop, p.cctx, "localhost", &ops, NULL), 0);
	p.cli.ch.data = &p.cli;
	p.cli.inited = true;
	assert_int_equal(channel_send(&p.cli.ch, &(Safecampus__Envelope)SAFECAMPUS__ENVELOPE__INIT),
			 -ENOTCONN);
	channel_close(&p.cli.ch, -ECANCELED, "never connected");
	channel_close(&p.cli.ch, 0, "ignored");
	assert_int_equal(channel_start(&p.cli.ch), -EINVAL);
	/* maybe_finish closes these; give it live handles */
	assert_int_equal(uv_tcp_init(&p.loop, &p.listener), 0);
	assert_int_equal(uv_timer_init(&p.loop, &p.guard), 0);
	assert_int_equal(uv_timer_init(&p.loop, &p.resume_timer), 0);
	uv_run(&p.loop, UV_RUN_DEFAULT);
	assert_true(p.cli.closed && p.srv.closed);
	assert_int_equal(p.srv.status, 0);
	assert_string_equal(p.srv.why, "closed");
	assert_int_equal(p.cli.status, -ECANCELED);
	assert_string_equal(p.cli.why, "never connected");
	assert_int_equal(uv_loop_close(&p.loop), 0);
	tls_ctx_free(p.sctx);
	tls_ctx_free(p.cctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_memory),
		cmocka_unit_test(test_tls_ctx_errors),
		cmocka_unit_test(test_handshake_school),
		cmocka_unit_test(test_handshake_bureau_by_ip),
		cmocka_unit_test(test_refuse_no_cert),
		cmocka_unit_test(test_refuse_rogue_ca),
		cmocka_unit_test(test_refuse_expired),
		cmocka_unit_test(test_refuse_bad_identity),
		cmocka_unit_test(test_wrong_host),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_not_tls_and_close_bound),
		cmocka_unit_test(test_limits_and_early_close),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
