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
#include "sync_int.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "channel.h"
#include "dashboard.h"
#include "fault.h"
#include "log.h"
#include "tls.h"
#include "util.h"

#define PROTOCOL_VERSION 1
#define CLIENT_VERSION "safecampus 0.1.0"
#define WATCH_POLL_MS 2000
#define PING_MS 30000


#define B(p) (1u << (p))
#define ROUND \
	(B(PH_PUSH) | B(PH_PULL) | B(PH_DASHBOARD) | B(PH_SUBSCRIBE) | B(PH_IDLE) | B(PH_EVIDENCE))
static const unsigned phase_next[PH_COUNT] = {
	[PH_BACKOFF] = B(PH_CONNECT) | B(PH_DONE),
	[PH_CONNECT] = B(PH_HANDSHAKE) | B(PH_CLOSING),
	[PH_HANDSHAKE] = B(PH_HELLO) | B(PH_CLOSING),
	[PH_HELLO] = B(PH_PUSH) | B(PH_PULL) | B(PH_EVIDENCE) | B(PH_CLOSING),
	[PH_PUSH] = ROUND | B(PH_CLOSING),
	[PH_PULL] = ROUND | B(PH_CLOSING),
	[PH_DASHBOARD] = ROUND | B(PH_CLOSING),
	[PH_SUBSCRIBE] = ROUND | B(PH_CLOSING),
	[PH_EVIDENCE] = ROUND | B(PH_CLOSING),
	[PH_IDLE] = ROUND | B(PH_CLOSING),
	[PH_CLOSING] = B(PH_BACKOFF) | B(PH_CONNECT) | B(PH_DONE),
	[PH_DONE] = 0,
};
#undef ROUND
#undef B

static const char *const phase_name[PH_COUNT] = {
	"backoff",   "connect",   "handshake", "hello", "push",    "pull",
	"dashboard", "subscribe", "evidence",  "idle",  "closing", "done",
};


static void set_phase(struct sync *s, enum phase next)
{
	assert(phase_next[s->phase] & (1u << next));
	if (!(phase_next[s->phase] & (1u << next)))
		log_warn("sync: unexpected move %s -> %s", phase_name[s->phase], phase_name[next]);
	log_debug("sync phase %s -> %s", phase_name[s->phase], phase_name[next]);
	s->phase = next;
	if (next == PH_IDLE || next == PH_CLOSING || next == PH_BACKOFF || next == PH_DONE)
		uv_timer_stop(&s->timer);
}

static void conn_endv(struct sync *s, int rc, enum sync_failure class, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void conn_end(struct sync *s, int rc, enum sync_failure class, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int send_env(struct sync *s, Safecampus__Envelope *env);

int sync__send(struct sync *s, Safecampus__Envelope *env)
{
	return send_env(s, env);
}

void sync__fail(struct sync *s, int rc, enum sync_failure class, const char *msg)
{
	conn_end(s, rc, class, "%s", msg);
}

void sync__set_phase(struct sync *s, enum phase next)
{
	set_phase(s, next);
}

void sync__conn_end(struct sync *s, int rc, enum sync_failure class, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_endv(s, rc, class, fmt, ap);
	va_end(ap);
}

static void conn_end(struct sync *s, int rc, enum sync_failure class, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_endv(s, rc, class, fmt, ap);
	va_end(ap);
}

/* Ends this connection: records why (the first reason of a connection wins)
 * and closes it; sync__connection_closed decides what follows. class
 * SYNC_FAIL_NONE with rc 0 is the normal end. */
static void conn_endv(struct sync *s, int rc, enum sync_failure class, const char *fmt, va_list ap)
{
	if (s->phase == PH_CLOSING || s->phase == PH_DONE || s->phase == PH_BACKOFF)
		return;
	if (class != SYNC_FAIL_NONE && !s->failed) {
		char detail[sizeof s->rep->error - 48]; /* room for the name */
		vsnprintf(detail, sizeof detail, fmt, ap);
		s->failed = 1;
		s->rc = rc ? rc : SC_EPROTO;
		s->rep->failure = class;
		snprintf(s->rep->error, sizeof s->rep->error, "%s: %s", sync_failure_name(class),
			 detail);
		log_info("sync failed phase=%s rc=%d class=%s error=\"%s\"", phase_name[s->phase],
			 rc, sync_failure_name(class), s->rep->error);
	} else if (class == SYNC_FAIL_NONE) {
		s->stop = 1;
	}
	set_phase(s, PH_CLOSING);
	if (s->gai_busy)
		(void)uv_cancel((uv_req_t *)&s->gai);
	if (s->channel_open)
		channel_close(&s->ch, class == SYNC_FAIL_NONE ? 0 : s->rc,
			      class == SYNC_FAIL_NONE ? "done" : s->rep->error);
	else
		sync__connection_closed(s);
}

static void fail_store(struct sync *s, int rc, const char *what)
{
	const char *e = store_last_error();

	conn_end(s, rc, SYNC_FAIL_STORE, _("%s failed: %s"), what, e && *e ? e : sc_strerror(rc));
}

/* Everything closes; uv_run returns once the handles have. */
void sync__end(struct sync *s)
{
	set_phase(s, PH_DONE);
	uv_timer_stop(&s->poll);
	uv_timer_stop(&s->retry);
	uv_close((uv_handle_t *)&s->timer, NULL);
	uv_close((uv_handle_t *)&s->poll, NULL);
	uv_close((uv_handle_t *)&s->retry, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
}

void sync__on_request_timeout(uv_timer_t *t)
{
	struct sync *s = container_of(t, struct sync, timer);

	/* the time left to wait out an unavailable database ran out */
	if (s->unavail_retry && !s->opts->watch)
		conn_end(s, -ETIMEDOUT, SYNC_FAIL_UNAVAILABLE,
			 _("the district database is still unavailable after %u ms of trying"),
			 s->timeout_ms);
	else if (s->phase == PH_CONNECT || s->phase == PH_HANDSHAKE)
		conn_end(s, -ETIMEDOUT, SYNC_FAIL_UNREACHABLE, _("no answer from %s within %u ms"),
			 s->cfg.server, s->limit_ms);
	else
		conn_end(s, -ETIMEDOUT, SYNC_FAIL_LOST,
			 _("the server stopped answering (no answer "
			   "within %u ms)"),
			 s->limit_ms);
	/* the peer said nothing for the whole limit: the graceful close would
	 * wait up to CHANNEL_CLOSE_TIMEOUT_MS more for an EOF a silent path never
	 * sends, so `sync --timeout-ms 2000` took 3-4 s (network_faults.sh);
	 * nothing is lost by not waiting: what was not acknowledged stays in
	 * the outbox */
	if (s->channel_open)
		channel_abort(&s->ch, -ETIMEDOUT, "no answer in time");
}

static int send_env(struct sync *s, Safecampus__Envelope *env)
{
	int rc;

	env->request_id = ++s->next_rid;
	s->waiting_rid = env->request_id;
	rc = channel_send(&s->ch, env);
	if (rc) {
		conn_end(s, rc,
			 rc == SC_ETOOBIG       ? SYNC_FAIL_PROTOCOL
			 : s->phase == PH_HELLO ? SYNC_FAIL_UNREACHABLE
						: SYNC_FAIL_LOST,
			 _("sending to the server failed: %s"), sc_strerror(rc));
		return rc;
	}
	s->limit_ms = s->timeout_ms;
	if (s->unavail_retry && !s->opts->watch) {
		uint64_t spent = hlc_wall_ms() - s->started_ms;

		s->limit_ms = spent + ONESHOT_MIN_LEFT_MS < s->timeout_ms
				      ? s->timeout_ms - (unsigned)spent
				      : ONESHOT_MIN_LEFT_MS;
	}
	uv_timer_start(&s->timer, sync__on_request_timeout, s->limit_ms, 0);
	return 0;
}

void sync__free_sent(struct sync *s)
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

	sync__free_sent(s);
	rc = store_outbox_batch(s->st, s->batch, &s->sent, &s->nsent);
	if (rc) {
		fail_store(s, rc, "reading the outbox");
		return;
	}
	if (s->nsent == 0) {
		/* the records are up: now the evidence files they name */
		if (!sync__evidence_next(s))
			do_pull(s);
		return;
	}
	set_phase(s, PH_PUSH);
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
		fail_store(s, rc, "reading the cursor");
		return;
	}
	set_phase(s, PH_PULL);
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PULL;
	env.pull = &pull;
	(void)send_env(s, &env);
}

/* ---- dashboards (client/dashboard.h) */

/* Keeps d under key, or under the key its scope gives when key is NULL. */
static void on_dashboard(struct sync *s, const Safecampus__Dashboard *d)
{
	int rc = sync__dashboard_keep(s, d, s->opts->dashboard_key);

	if (rc) {
		fail_store(s, rc, "storing the dashboard");
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
		fail_store(s, rc, "recording the sync");
		return;
	}
	/* a good round: the next failure starts the backoff from the beginning */
	s->failures = 0;
	s->rc = 0; /* an earlier attempt's failure is not this sync's result */
	s->rep->failure = SYNC_FAIL_NONE;
	s->rep->error[0] = '\0';
	if (s->opts->changed)
		s->opts->changed(s->opts->changed_arg, SYNC_CHANGED_ROUND);
	if (s->opts->dashboard && !s->dashboard_done) {
		sync__dashboard_request(s);
		return;
	}
	if (!s->opts->watch) {
		conn_end(s, 0, SYNC_FAIL_NONE, "done");
		return;
	}
	if (!s->subscribed) {
		/* tests (watch.sh): a change committed between the last pull and
		 * the subscription, which no Notify announces */
		if (fault_armed("client_slow_subscribe")) {
			log_warn("fault injection: client_slow_subscribe, 5 s before Subscribe");
			sleep(5);
		}
		set_phase(s, PH_SUBSCRIBE);
		sub.enable = 1;
		sub.dashboards = 1;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_SUBSCRIBE;
		env.subscribe = &sub;
		(void)send_env(s, &env);
		return;
	}
	set_phase(s, PH_IDLE);
	if (s->want_round)
		start_round(s);
}

static void on_push_ack(struct sync *s, const Safecampus__PushAck *ack)
{
	int rc;

	if (ack->n_results != s->nsent) {
		conn_end(s, SC_EPROTO, SYNC_FAIL_PROTOCOL,
			 _("the server acknowledged %zu records of %zu sent"), ack->n_results,
			 s->nsent);
		return;
	}
	/* crash tests: the server committed; we die before recording its ack */
	fault_point("client_kill_before_ack");
	rc = store_apply_ack(s->st, s->sent, s->nsent, ack);
	if (rc) {
		fail_store(s, rc, "recording the acknowledgement");
		return;
	}
	rc = store_observe_hlc(s->st, ack->server_hlc);
	if (rc) {
		conn_end(s, rc, rc == -ERANGE ? SYNC_FAIL_PROTOCOL : SYNC_FAIL_STORE,
			 _("clock: %s"),
			 store_last_error()[0] ? store_last_error() : sc_strerror(rc));
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
		if (!sync__evidence_next(s))
			do_pull(s);
		return;
	}
	do_push(s);
}

static void on_changes(struct sync *s, const Safecampus__Changes *ch)
{
	int rc = store_apply_changes(s->st, ch);

	if (rc) {
		fail_store(s, rc, "storing pulled rows");
		return;
	}
	s->rep->pulled += ch->n_records;
	if (ch->more)
		do_pull(s);
	else
		round_done(s);
}

/* The server answered with Error: which failure that is for people. */
static void on_server_error(struct sync *s, const Safecampus__Error *e)
{
	const char *msg = e->message && *e->message ? e->message : "no detail";

	switch (e->code) {
	case SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE:
		conn_end(s, SC_ESERVER, SYNC_FAIL_UNAVAILABLE,
			 _("the server is running but cannot reach its "
			   "database (server error %d: %s)"),
			 e->code, msg);
		return;
	case SAFECAMPUS__ERROR_CODE__ERROR_OVERLOADED:
		conn_end(s, SC_ESERVER, SYNC_FAIL_UNAVAILABLE,
			 _("the server is overloaded and asks to try "
			   "later (server error %d: %s)"),
			 e->code, msg);
		return;
	case SAFECAMPUS__ERROR_CODE__ERROR_FORBIDDEN:
		conn_end(s, SC_ESERVER, SYNC_FAIL_TLS,
			 _("the server does not accept this campus's "
			   "certificate (server error %d: %s)"),
			 e->code, msg);
		return;
	case SAFECAMPUS__ERROR_CODE__ERROR_TIMEOUT:
		conn_end(s, SC_ESERVER, SYNC_FAIL_LOST,
			 _("the server gave up waiting and closed the "
			   "connection (server error %d: %s)"),
			 e->code, msg);
		return;
	case SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL:
		conn_end(s, SC_ESERVER, SYNC_FAIL_PROTOCOL,
			 _("the server failed while handling the request; "
			   "nothing of it was stored (server error %d: %s)"),
			 e->code, msg);
		return;
	default:
		conn_end(s, SC_ESERVER, SYNC_FAIL_PROTOCOL,
			 _("the server refused a request (server error "
			   "%d: %s)"),
			 e->code, msg);
		return;
	}
}


static void on_frame(struct channel *ch, Safecampus__Envelope *env)
{
	struct sync *s = container_of(ch, struct sync, ch);
	int rc;

	s->last_io_ms = hlc_wall_ms();
	log_debug("frame rid=%llu body=%d phase=%s", (unsigned long long)env->request_id,
		  env->body_case, phase_name[s->phase]);
	if (s->phase == PH_CLOSING || s->phase == PH_DONE)
		return;
	if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR) {
		on_server_error(s, env->error);
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
			rc = sync__dashboard_keep(s, env->dashboard, NULL);
			if (rc)
				log_warn("storing a pushed dashboard failed: %s", sc_strerror(rc));
		}
		return;
	}
	if (env->request_id != s->waiting_rid) {
		conn_end(s, SC_EPROTO, SYNC_FAIL_PROTOCOL,
			 _("answer to request %llu while waiting for %llu"),
			 (unsigned long long)env->request_id, (unsigned long long)s->waiting_rid);
		return;
	}
	s->waiting_rid = 0;
	uv_timer_stop(&s->timer);
	switch (s->phase) {
	case PH_HELLO:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_WELCOME)
			break;
		if (env->welcome->max_push_records &&
		    (!s->batch || s->batch > env->welcome->max_push_records))
			s->batch = env->welcome->max_push_records;
		rc = store_observe_hlc(s->st, env->welcome->server_hlc);
		if (rc) {
			conn_end(s, rc, rc == -ERANGE ? SYNC_FAIL_PROTOCOL : SYNC_FAIL_STORE,
				 _("clock: %s"),
				 store_last_error()[0] ? store_last_error() : sc_strerror(rc));
			return;
		}
		log_debug("welcome school=%s campus=%s tls=\"%s\"", env->welcome->school,
			  env->welcome->campus, channel_tls_version(&s->ch));
		sync__keep_session(s->st, &s->ch);
		s->progress_ms = hlc_wall_ms();
		if (s->failures && s->opts->notice) {
			char msg[128];
			snprintf(msg, sizeof msg, _("connected to %s again"), s->cfg.server);
			s->opts->notice(s->opts->notice_arg, msg);
		}
		if (s->opts->evidence_fetch)
			(void)sync__evidence_fetch(s);
		else
			start_round(s);
		return;
	case PH_EVIDENCE:
		if (sync__evidence_on(s, env))
			return;
		if (s->opts->evidence_fetch)
			conn_end(s, 0, SYNC_FAIL_NONE, "done");
		else
			do_pull(s);
		return;
	case PH_PUSH:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK)
			break;
		s->unavail_retry = 0; /* the database answers again: full timeouts */
		on_push_ack(s, env->push_ack);
		return;
	case PH_PULL:
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_CHANGES)
			break;
		s->unavail_retry = 0;
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
		/* the answer's head: a change committed after the last pull read
		 * and before the server took the subscription sent this
		 * connection no Notify, so pull it now */
		if (env->notify->head > s->rep->cursor)
			s->want_round = 1;
		set_phase(s, PH_IDLE);
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
	conn_end(s, SC_EPROTO, SYNC_FAIL_PROTOCOL,
		 _("unexpected message (body %d) from the server"), env->body_case);
}

static void on_ready(struct channel *ch)
{
	struct sync *s = container_of(ch, struct sync, ch);
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Hello hello = SAFECAMPUS__HELLO__INIT;
	struct store_outbox_stats st;
	int64_t last = 0;

	if (s->phase != PH_HANDSHAKE)
		return;
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
	set_phase(s, PH_HELLO);
	(void)send_env(s, &env);
}

static void on_bad_input(struct channel *ch, int code, const char *why)
{
	struct sync *s = container_of(ch, struct sync, ch);

	conn_end(s, SC_EPROTO, SYNC_FAIL_PROTOCOL, _("bad data from the server (%d): %s"), code,
		 why);
}

/* The connection closed by itself (the server, the network, TLS): which
 * failure that is depends on how far it had got. */
static void classify_close(struct sync *s, int status, const char *why)
{
	const char *w = why && *why ? why : "closed";

	if (status == SC_ETLS) {
		if (strstr(w, "verify failed"))
			conn_end(s, status, SYNC_FAIL_TLS,
				 _("this client does not trust the server's "
				   "certificate (%s)"),
				 w);
		else if (strstr(w, "alert"))
			conn_end(s, status, SYNC_FAIL_TLS,
				 _("the server refused this campus's certificate "
				   "or the connection (%s)"),
				 w);
		else if (s->phase == PH_HANDSHAKE && strstr(w, "wrong version number"))
			conn_end(s, status, SYNC_FAIL_UNREACHABLE,
				 _("%s answers, but it is not a safecampus "
				   "server (%s): check the address given to `init`"),
				 s->cfg.server, w);
		else
			conn_end(s, status, SYNC_FAIL_TLS, _("the secure connection failed (%s)"),
				 w);
		return;
	}
	switch (s->phase) {
	case PH_CONNECT:
	case PH_HANDSHAKE:
		/* a balancer with no server behind it accepts and closes; so does a
		 * server that gives up on a slow handshake */
		log_info("sync: connection closed during the handshake: %s", w);
		conn_end(s, status ? status : -ECONNRESET, SYNC_FAIL_UNREACHABLE,
			 _("%s closed the connection before it was set up (a load balancer with no "
			   "server behind it, or a server starting or too busy)"),
			 s->cfg.server);
		return;
	case PH_HELLO:
		/* nothing of the sync happened yet: still "cannot get through" */
		if (status == 0)
			conn_end(s, -ECONNRESET, SYNC_FAIL_UNREACHABLE,
				 _("%s closed the connection before accepting this campus: it was "
				   "restarting, or it does not accept this campus's certificate"),
				 s->cfg.server);
		else
			conn_end(s, status, SYNC_FAIL_UNREACHABLE,
				 _("%s dropped the connection while it was being set up (the "
				   "server gave up "
				   "waiting on a slow network, or it was restarting; %s)"),
				 s->cfg.server, w);
		return;
	default:
		if (status == 0)
			conn_end(s, -ECONNRESET, SYNC_FAIL_LOST,
				 _("the server closed the connection "
				   "(it is restarting or shutting down)"));
		else
			conn_end(s, status, SYNC_FAIL_LOST,
				 _("the connection to the server broke: the server "
				   "stopped, or the network dropped (%s)"),
				 w);
		return;
	}
}

static void on_close(struct channel *ch, int status, const char *why)
{
	struct sync *s = container_of(ch, struct sync, ch);

	s->channel_open = 0;
	if (s->phase != PH_CLOSING && s->phase != PH_DONE && !s->stop)
		classify_close(s, status, why); /* moves to CLOSING, then sync__connection_closed */
	else if (s->phase == PH_CLOSING)
		sync__connection_closed(s);
}

const struct channel_ops sync__channel_ops = {
	.on_ready = on_ready,
	.on_frame = on_frame,
	.on_bad_input = on_bad_input,
	.on_drain = NULL,
	.on_close = on_close,
};

/* ---- watching: the poll timer, the stop signals */

static void on_poll(uv_timer_t *t)
{
	struct sync *s = container_of(t, struct sync, poll);
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Ping ping = SAFECAMPUS__PING__INIT;
	struct store_outbox_stats st;
	uint64_t now = hlc_wall_ms();
	int rc;

	if (s->deadline_ms && now >= s->deadline_ms) {
		s->stop = 1;
		if (s->phase == PH_BACKOFF)
			sync__end(s);
		else
			conn_end(s, 0, SYNC_FAIL_NONE, "done");
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
		rc = channel_send(&s->ch, &env);
		if (rc)
			conn_end(s, rc, SYNC_FAIL_LOST, _("the connection broke (keep-alive: %s)"),
				 sc_strerror(rc));
	}
}

static void on_stop_signal(uv_signal_t *sig, int signum)
{
	struct sync *s = sig->data;

	(void)signum;
	sync_stop(s);
}

/* The handles on loop, and the first connection. */
static void sync_begin(struct sync *s, uv_loop_t *loop, bool signals)
{
	s->loop = loop;
	s->ev.fd = -1;
	s->rng = hlc_wall_ms() ^ ((uint64_t)uv_os_getpid() << 32) ^ (uint64_t)(uintptr_t)s;
	s->progress_ms = s->started_ms = hlc_wall_ms();
	uv_timer_init(s->loop, &s->timer);
	uv_timer_init(s->loop, &s->poll);
	uv_timer_init(s->loop, &s->retry);
	uv_signal_init(s->loop, &s->sigint);
	uv_signal_init(s->loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	if (s->opts->watch) {
		if (signals) {
			uv_signal_start(&s->sigint, on_stop_signal, SIGINT);
			uv_signal_start(&s->sigterm, on_stop_signal, SIGTERM);
		}
		uv_timer_start(&s->poll, on_poll, WATCH_POLL_MS, WATCH_POLL_MS);
		if (s->opts->watch_secs)
			s->deadline_ms = hlc_wall_ms() + (uint64_t)s->opts->watch_secs * 1000u;
	}
	s->phase = PH_BACKOFF;
	sync__connect_start(s);
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	sync__free_sent(s);
	sync__evidence_reset(s);
	tls_ctx_free(s->tls);
	store_config_free(&s->cfg);
	free(s);
}

int sync_run(struct store *st, const struct sync_opts *opts, struct sync_report *rep)
{
	struct sync *s = calloc(1, sizeof *s);
	int rc;

	if (!s) {
		memset(rep, 0, sizeof *rep);
		return -ENOMEM;
	}
	s->ev.fd = -1; /* sync_free may come before sync_begin */
	rc = sync__prepare(s, st, opts, rep);
	if (rc) {
		sync_free(s);
		return rc;
	}
	uv_loop_init(&s->own_loop);
	sync_begin(s, &s->own_loop, true);
	uv_run(s->loop, UV_RUN_DEFAULT);
	rc = s->rc;
	if (rc == 0) /* also a watch stopped while it was retrying */
		rep->failure = SYNC_FAIL_NONE;
	if (uv_loop_close(s->loop))
		log_warn("sync loop closed with handles open");
	sync_free(s);
	return rc;
}

int sync_start(uv_loop_t *loop, struct store *st, const struct sync_opts *opts,
	       struct sync_report *rep, struct sync **out)
{
	struct sync *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s) {
		memset(rep, 0, sizeof *rep);
		return -ENOMEM;
	}
	s->ev.fd = -1; /* sync_free may come before sync_begin */
	rc = sync__prepare(s, st, opts, rep);
	if (rc) {
		sync_free(s);
		return rc;
	}
	sync_begin(s, loop, false);
	*out = s;
	return 0;
}

void sync_stop(struct sync *s)
{
	if (s->phase == PH_DONE)
		return;
	s->stop = 1;
	if (s->phase == PH_BACKOFF)
		sync__end(s);
	else
		conn_end(s, 0, SYNC_FAIL_NONE, "done");
}

void sync_kick(struct sync *s)
{
	if (s->phase == PH_IDLE && !s->waiting_rid) {
		start_round(s);
	} else {
		s->want_round = 1;
		sync__retry_now(s); /* not up to a minute's backoff more */
	}
}

bool sync_finished(const struct sync *s)
{
	return s->phase == PH_DONE;
}

bool sync_connected(const struct sync *s)
{
	return s->phase >= PH_HELLO && s->phase <= PH_IDLE;
}
