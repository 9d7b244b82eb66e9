/* The client's side of the protocol, as a small state machine on its own
 * libuv loop:
 *
 *   CONNECT -> HANDSHAKE -> HELLO -> PUSH (until the outbox has nothing
 *   pending) -> PULL (until more = false) -> done, or with --watch:
 *   SUBSCRIBE -> IDLE, and on Notify or a local write: PUSH, PULL again.
 *
 * With opts->dashboard the first round ends with DASHBOARD (one
 * DashboardRequest, its Dashboard stored) before done or SUBSCRIBE. The
 * watch subscription asks for dashboards too; a Dashboard the server pushes
 * (request id 0) is stored whatever the phase.
 *
 * One request is in flight at a time; every response is applied to the store
 * in one SQLite transaction before the next request goes out. */
#include "sync.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "channel.h"
#include "dashboard.h"
#include "fault.h"
#include "log.h"
#include "tls.h"

#define PROTOCOL_VERSION 1
#define CLIENT_VERSION "safecampus 0.1.0"
#define WATCH_POLL_MS 2000
#define PING_MS 30000

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

enum phase {
	PH_CONNECT, PH_HANDSHAKE, PH_HELLO, PH_PUSH, PH_PULL, PH_DASHBOARD, PH_SUBSCRIBE, PH_IDLE,
	PH_DONE
};

struct sync {
	uv_loop_t loop;
	struct channel ch;
	uv_timer_t timer;        /* request time limit */
	uv_timer_t poll;         /* watch: look at the outbox, keep alive */
	uv_signal_t sigint, sigterm;
	uv_getaddrinfo_t gai;
	uv_connect_t connect;
	struct store *st;
	struct store_config cfg;
	const struct sync_opts *opts;
	struct sync_report *rep;
	struct tls_ctx *tls;
	enum phase phase;
	uint64_t next_rid, waiting_rid;
	unsigned timeout_ms, batch;
	int rc;                  /* first failure */
	int want_round;          /* watch: a Notify or a local write came while busy */
	int subscribed;
	int channel_open;
	int dashboard_done;      /* opts->dashboard: the requested Dashboard is stored */
	uint64_t deadline_ms;    /* watch_secs */
	Safecampus__Record **sent;
	size_t nsent;
	uint64_t last_io_ms;     /* for keep-alive pings */
};

static void finish(struct sync *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void finish(struct sync *s, int rc, const char *fmt, ...)
{
	if (rc && !s->rc) {
		va_list ap;
		s->rc = rc;
		va_start(ap, fmt);
		vsnprintf(s->rep->error, sizeof s->rep->error, fmt, ap);
		va_end(ap);
	}
	if (s->phase == PH_DONE)
		return;
	s->phase = PH_DONE;
	uv_timer_stop(&s->timer);
	uv_timer_stop(&s->poll);
	if (s->channel_open)
		channel_close(&s->ch, rc, rc ? s->rep->error : "done");
	if (!uv_is_closing((uv_handle_t *)&s->timer))
		uv_close((uv_handle_t *)&s->timer, NULL);
	if (!uv_is_closing((uv_handle_t *)&s->poll))
		uv_close((uv_handle_t *)&s->poll, NULL);
	if (!uv_is_closing((uv_handle_t *)&s->sigint)) {
		uv_close((uv_handle_t *)&s->sigint, NULL);
		uv_close((uv_handle_t *)&s->sigterm, NULL);
	}
}

static void on_request_timeout(uv_timer_t *t)
{
	struct sync *s = container_of(t, struct sync, timer);

	finish(s, -ETIMEDOUT, "no answer from the server within %u ms", s->timeout_ms);
}

static int send_env(struct sync *s, Safecampus__Envelope *env)
{
	int rc;

	env->request_id = ++s->next_rid;
	s->waiting_rid = env->request_id;
	rc = channel_send(&s->ch, env);
	if (rc) {
		finish(s, rc, "sending to the server failed: %s", sc_strerror(rc));
		return rc;
	}
	uv_timer_start(&s->timer, on_request_timeout, s->timeout_ms, 0);
	return 0;
}

static void free_sent(struct sync *s)
{
	store_batch_free(s->sent, s->nsent);
	s->sent = NULL;
	s->nsent = 0;
}

static void do_pull(struct sync *s);
static void round_done(struct sync *s);

/* Sends the next batch from the outbox, or moves on to pulling. */
static void do_push(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Push push = SAFECAMPUS__PUSH__INIT;
	int rc;

	free_sent(s);
	rc = store_outbox_batch(s->st, s->batch, &s->sent, &s->nsent);
	if (rc) {
		finish(s, rc, "reading the outbox failed: %s", sc_strerror(rc));
		return;
	}
	if (s->nsent == 0) {
		do_pull(s);
		return;
	}
	s->phase = PH_PUSH;
	push.n_records = s->nsent;
	push.records = s->sent;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
	env.push = &push;
	(void)send_env(s, &env);
}

static void do_pull(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Pull pull = SAFECAMPUS__PULL__INIT;
	int rc = store_cursor(s->st, &pull.cursor);

	if (rc) {
		finish(s, rc, "reading the cursor failed: %s", sc_strerror(rc));
		return;
	}
	s->phase = PH_PULL;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
	env.pull = &pull;
	(void)send_env(s, &env);
}

/* ---- dashboards (client/dashboard.h) */

/* Keeps d under key, or under the key its scope gives when key is NULL. */
static int keep_dashboard(struct sync *s, const Safecampus__Dashboard *d, const char *key)
{
	char k[DASHBOARD_KEY_MAX];
	int rc;

	if (!key) {
		dashboard_key_for(k, d, s->cfg.school, NULL);
		key = k;
	}
	rc = dashboard_save(s->st, key, d);
	if (rc == 0) {
		s->rep->dashboards++;
		log_info("dashboard stored key=%s scope=%s as_of=%s", key, d->scope, d->as_of_date);
	}
	return rc;
}

static void do_dashboard(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__DashboardRequest req = SAFECAMPUS__DASHBOARD_REQUEST__INIT;

	s->phase = PH_DASHBOARD;
	if (s->opts->dashboard_school)
		req.school = (char *)s->opts->dashboard_school;
	if (s->opts->dashboard_as_of)
		req.as_of_date = (char *)s->opts->dashboard_as_of;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST;
	env.dashboard_request = &req;
	(void)send_env(s, &env);
}

static void on_dashboard(struct sync *s, const Safecampus__Dashboard *d)
{
	int rc = keep_dashboard(s, d, s->opts->dashboard_key);

	if (rc) {
		finish(s, rc, "storing the dashboard failed: %s", sc_strerror(rc));
		return;
	}
	s->dashboard_done = 1;
	round_done(s); /* again: on to done or SUBSCRIBE */
}

/* ---- */

static void start_round(struct sync *s)
{
	s->want_round = 0;
	do_push(s);
}

/* A push-then-pull round is complete. */
static void round_done(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Subscribe sub = SAFECAMPUS__SUBSCRIBE__INIT;
	int rc = store_set_last_sync(s->st, (int64_t)hlc_wall_ms());

	if (!rc)
		rc = store_cursor(s->st, &s->rep->cursor);
	if (rc) {
		finish(s, rc, "recording the sync failed: %s", sc_strerror(rc));
		return;
	}
	if (s->opts->dashboard && !s->dashboard_done) {
		do_dashboard(s);
		return;
	}
	if (!s->opts->watch) {
		finish(s, 0, "done");
		return;
	}
	if (!s->subscribed) {
		s->phase = PH_SUBSCRIBE;
		sub.enable = 1;
		sub.dashboards = 1;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_SUBSCRIBE;
		env.subscribe = &sub;
		(void)send_env(s, &env);
		return;
	}
	s->phase = PH_IDLE;
	if (s->want_round)
		start_round(s);
}

static void on_push_ack(struct sync *s, const Safecampus__PushAck *ack)
{
	int rc;

	if (ack->n_results != s->nsent) {
		finish(s, SC_EPROTO, "server acknowledged %zu records of %zu sent", ack->n_results, s->nsent);
		return;
	}
	/* crash tests: the server committed; we die before recording its ack */
	fault_point("client_kill_before_ack");
	rc = store_apply_ack(s->st, s->sent, s->nsent, ack);
	if (!rc)
		rc = store_observe_hlc(s->st, ack->server_hlc);
	if (rc) {
		finish(s, rc, "recording the acknowledgement failed: %s", sc_strerror(rc));
		return;
	}
	size_t before = s->rep->pushed + s->rep->rejected;
	for (size_t i = 0; i < ack->n_results; i++) {
		if (ack->results[i]->accepted)
			s->rep->pushed++;
		else
			s->rep->rejected++;
	}
	if (s->rep->pushed + s->rep->rejected == before) {
		do_pull(s);
		return;
	}
	do_push(s);
}

static void on_changes(struct sync *s, const Safecampus__Changes *ch)
{
	int rc = store_apply_changes(s->st, ch);

	if (rc) {
		finish(s, rc, "storing pulled rows failed: %s", sc_strerror(rc));
		return;
	}
	s->rep->pulled += ch->n_records;
	if (ch->more)
		do_pull(s);
	else
		round_done(s);
}

static void on_frame(struct channel *ch, Safecampus__Envelope *env)
{
	struct sync *s = container_of(ch, struct sync, ch);
	int rc;

	s->last_io_ms = hlc_wall_ms();
	log_debug("frame rid=%llu body=%d phase=%d", (unsigned long long)env->request_id, env->body_case,
		  s->phase);
	if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR) {
		finish(s, SC_ESERVER, "server error %d: %s", env->error->code,
		       env->error->message ? env->error->message : "");
		return;
	}
	if (env->request_id == 0) {
		if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_NOTIFY) {
			if (s->phase == PH_IDLE && s->waiting_rid == 0)
				start_round(s);
			else
				s->want_round = 1;
		} else if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_DASHBOARD) {
			/* pushed after a change; a cache, so a failure to keep it is not fatal */
			rc = keep_dashboard(s, env->dashboard, NULL);
			if (rc)
				log_warn("storing a pushed dashboard failed: %s", sc_strerror(rc));
		}
		return;
	}
	if (env->request_id != s->waiting_rid) {
		finish(s, SC_EPROTO, "answer to request %llu while waiting for %llu",
		       (unsigned long long)env->request_id, (unsigned long long)s->waiting_rid);
		return;
	}
	s->waiting_rid = 0;
	uv_timer_stop(&s->timer);
	switch (s->phase) {
	case PH_HELLO:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_WELCOME)
			break;
		if (env->welcome->max_push_records && (!s->batch || s->batch > env->welcome->max_push_records))
			s->batch = env->welcome->max_push_records;
		rc = store_observe_hlc(s->st, env->welcome->server_hlc);
		if (rc) {
			finish(s, rc, "clock: %s", sc_strerror(rc));
			return;
		}
		log_debug("welcome school=%s campus=%s", env->welcome->school, env->welcome->campus);
		start_round(s);
		return;
	case PH_PUSH:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK)
			break;
		on_push_ack(s, env->push_ack);
		return;
	case PH_PULL:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_CHANGES)
			break;
		on_changes(s, env->changes);
		return;
	case PH_DASHBOARD:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_DASHBOARD)
			break;
		on_dashboard(s, env->dashboard);
		return;
	case PH_SUBSCRIBE:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_NOTIFY)
			break;
		s->subscribed = 1;
		s->phase = PH_IDLE;
		if (s->want_round)
			start_round(s);
		return;
	case PH_IDLE:
		if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_PONG) {
			if (s->want_round)
				start_round(s);
			return;
		}
		break;
	default:
		break;
	}
	finish(s, SC_EPROTO, "unexpected message (body %d) from the server", env->body_case);
}

static void on_ready(struct channel *ch)
{
	struct sync *s = container_of(ch, struct sync, ch);
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello hello = SAFECAMPUS__HELLO__INIT;
	struct store_outbox_stats st;
	int64_t last = 0;

	if (store_outbox_stats(s->st, &st) || store_last_sync(s->st, &last))
		memset(&st, 0, sizeof st);
	hello.min_version = PROTOCOL_VERSION;
	hello.max_version = PROTOCOL_VERSION;
	hello.client_version = CLIENT_VERSION;
	hello.outbox_pending = st.pending;
	hello.oldest_pending_ms = st.oldest_pending_ms;
	hello.last_sync_ms = last;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	s->phase = PH_HELLO;
	(void)send_env(s, &env);
}

static void on_bad_input(struct channel *ch, int code, const char *why)
{
	struct sync *s = container_of(ch, struct sync, ch);

	finish(s, SC_EPROTO, "bad data from the server (%d): %s", code, why);
}

static void on_close(struct channel *ch, int status, const char *why)
{
	struct sync *s = container_of(ch, struct sync, ch);

	s->channel_open = 0;
	if (s->phase != PH_DONE)
		finish(s, status ? status : SC_EPROTO, "connection closed: %s",
		       why && *why ? why : "by the server");
}

static const struct channel_ops sync_ops = {
	.on_ready = on_ready,
	.on_frame = on_frame,
	.on_bad_input = on_bad_input,
	.on_drain = NULL,
	.on_close = on_close,
};

static void on_poll(uv_timer_t *t)
{
	struct sync *s = container_of(t, struct sync, poll);
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Ping ping = SAFECAMPUS__PING__INIT;
	struct store_outbox_stats st;
	uint64_t now = hlc_wall_ms();

	if (s->deadline_ms && now >= s->deadline_ms) {
		finish(s, 0, "done");
		return;
	}
	if (s->phase != PH_IDLE || s->waiting_rid)
		return;
	/* another process (the CLI) may have written while we watch */
	if (store_outbox_stats(s->st, &st) == 0 && st.pending > 0) {
		start_round(s);
		return;
	}
	if (now - s->last_io_ms >= PING_MS) {
		ping.nonce = now;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PING;
		env.ping = &ping;
		s->last_io_ms = now;
		/* a Pong comes back with its request id; the idle phase accepts it */
		env.request_id = ++s->next_rid;
		s->waiting_rid = env.request_id;
		if (channel_send(&s->ch, &env))
			finish(s, SC_EPROTO, "keep-alive failed");
	}
}

static void on_stop_signal(uv_signal_t *sig, int signum)
{
	struct sync *s = sig->data;

	(void)signum;
	finish(s, 0, "done");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct sync *s = req->data;
	int rc;

	if (s->phase == PH_DONE)
		return;
	if (status < 0) {
		finish(s, status, "cannot connect to %s: %s", s->cfg.server, uv_strerror(status));
		return;
	}
	s->phase = PH_HANDSHAKE;
	rc = channel_start(&s->ch);
	if (rc)
		finish(s, rc, "starting TLS failed: %s", sc_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
	struct sync *s = req->data;
	int rc;

	if (status < 0) {
		finish(s, status, "cannot resolve %s: %s", s->cfg.server, uv_strerror(status));
		uv_freeaddrinfo(ai);
		return;
	}
	s->connect.data = s;
	rc = uv_tcp_connect(&s->connect, &s->ch.tcp, ai->ai_addr, on_connect);
	uv_freeaddrinfo(ai);
	if (rc)
		finish(s, rc, "cannot connect to %s: %s", s->cfg.server, uv_strerror(rc));
}

/* "host:port" or "[v6]:port" into host and port. */
static int split_server(const char *server, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(server, ':');

	if (!colon || !colon[1] || strlen(colon + 1) >= portlen)
		return -EINVAL;
	const char *h = server;
	size_t n = (size_t)(colon - server);
	if (server[0] == '[') {
		if (n < 2 || colon[-1] != ']')
			return -EINVAL;
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

int sync_run(struct store *st, const struct sync_opts *opts, struct sync_report *rep)
{
	struct sync *s = calloc(1, sizeof *s);
	struct channel_limits lim = channel_limits_default();
	struct addrinfo hints;
	char host[256], port[16], err[200];
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!s)
		return -ENOMEM;
	s->st = st;
	s->opts = opts;
	s->rep = rep;
	s->timeout_ms = opts->timeout_ms ? opts->timeout_ms : 15000;
	s->batch = opts->batch;
	rc = store_config_load(st, &s->cfg);
	if (rc) {
		snprintf(rep->error, sizeof rep->error, "this store has no server settings: run `safecampus init` first");
		free(s);
		return rc;
	}
	if (split_server(s->cfg.server, host, sizeof host, port, sizeof port)) {
		snprintf(rep->error, sizeof rep->error, "server \"%s\" is not HOST:PORT", s->cfg.server);
		rc = SC_ECONFIG;
		goto out_cfg;
	}
	rc = tls_ctx_new(&s->tls, false, s->cfg.cert, s->cfg.key, s->cfg.ca, "1.3", err, sizeof err);
	if (rc) {
		snprintf(rep->error, sizeof rep->error, "TLS setup: %s", err);
		goto out_cfg;
	}
	uv_loop_init(&s->loop);
	uv_timer_init(&s->loop, &s->timer);
	uv_timer_init(&s->loop, &s->poll);
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	rc = channel_init(&s->ch, &s->loop, s->tls,
			  s->cfg.server_name && *s->cfg.server_name ? s->cfg.server_name : host, &sync_ops, &lim);
	if (rc) {
		finish(s, rc, "TLS session: %s", sc_strerror(rc));
	} else {
		s->channel_open = 1;
		if (opts->watch) {
			uv_signal_start(&s->sigint, on_stop_signal, SIGINT);
			uv_signal_start(&s->sigterm, on_stop_signal, SIGTERM);
			uv_timer_start(&s->poll, on_poll, WATCH_POLL_MS, WATCH_POLL_MS);
			if (opts->watch_secs)
				s->deadline_ms = hlc_wall_ms() + (uint64_t)opts->watch_secs * 1000u;
		}
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		s->gai.data = s;
		rc = uv_getaddrinfo(&s->loop, &s->gai, on_resolved, host, port, &hints);
		if (rc)
			finish(s, rc, "cannot resolve %s: %s", host, uv_strerror(rc));
		else
			uv_timer_start(&s->timer, on_request_timeout, s->timeout_ms, 0);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT);
	rc = s->rc;
	if (uv_loop_close(&s->loop))
		log_warn("sync loop closed with handles open");
	free_sent(s);
	tls_ctx_free(s->tls);
out_cfg:
	store_config_free(&s->cfg);
	free(s);
	return rc;
}
