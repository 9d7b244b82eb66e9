/* Unit tests for common/channel.c on a loop: frame round trips, bad input,
 * backpressure, a peer that does not speak TLS, limits and early close
 * (split from test_channel.c, which has the build line; channel.c must be
 * compiled with -DUNITTEST). Every loop test ends by asserting
 * uv_loop_close() == 0. */
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

#include "channel_harness.h"

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
	ch_pair_init(&p, "s1-c1");
	p.lim.max_frame = RT_MAX_FRAME;
	p.lim.read_max = RT_MAX_FRAME + FRAME_HEADER;
	p.cli_ready = rt_cli_ready;
	p.srv_frame = rt_srv_frame;
	p.cli_frame = rt_cli_frame;
	ch_pair_run(&p);
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

	ch_pair_init(&p, "s1-c1");
	p.cli_ready = send;
	p.srv_bad_input_sends = owner_answers;
	ch_pair_run(&p);
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
	ch_pair_init(&p, "s1-c1");
	p.lim.wq_low = 32u << 10;
	p.lim.wq_high = 128u << 10;
	p.lim.wq_max = 8u << 20;
	p.cli_ready = bp_cli_ready;
	p.srv_frame = bp_srv_frame;
	p.cli_frame = bp_cli_frame;
	ch_pair_run(&p);
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
	ch_pair_init(&p, "s1-c1");
	p.raw_client = true;
	p.srv_closed = nt_srv_closed;
	ch_pair_run(&p);
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
	ch_pair_init(&p, "s1-c1");
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
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_not_tls_and_close_bound),
		cmocka_unit_test(test_limits_and_early_close),
	};

	return cmocka_run_group_tests(tests, ch_group_setup, ch_group_teardown);
}
