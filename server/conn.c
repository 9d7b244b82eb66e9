#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "server.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

static const char *const state_names[] = {"handshake", "hello", "ready", "closing"};

const char *conn_name(const struct conn *c)
{
	static char name[160];

	if (c->state == CONN_HANDSHAKE || !c->id.campus[0])
		return c->peer;
	snprintf(name, sizeof name, "%s/%s", c->id.school[0] ? c->id.school : "bureau", c->id.campus);
	return name;
}

static void conn_maybe_free(struct conn *c)
{
	if (c->handles_open > 0 || c->busy)
		return;
	struct server *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	free(c);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct conn *c = container_of((uv_timer_t *)h, struct conn, timer);

	c->handles_open--;
	conn_maybe_free(c);
}

static void close_now(struct conn *c, int status, const char *why)
{
	if (c->state != CONN_CLOSING)
		conn_set_state(c, CONN_CLOSING);
	channel_close(&c->ch, status, why);
}

static void on_timeout(uv_timer_t *t)
{
	struct conn *c = container_of(t, struct conn, timer);

	log_info("timeout conn=%s state=%s", conn_name(c), state_names[c->state]);
	if (c->busy) {
		/* the database has not answered in request_timeout_ms: give the
		 * request up; it answers Error through its own path */
		void (*abort)(void *) = c->abort;
		c->abort = NULL;
		log_warn("request timed out conn=%s after_ms=%ld", conn_name(c),
			 c->srv->cfg->request_timeout_ms);
		uv_timer_start(&c->timer, on_timeout, (uint64_t)c->srv->cfg->request_timeout_ms, 0);
		if (abort)
			abort(c->req);
		return;
	}
	if (c->state == CONN_HELLO || c->state == CONN_READY)
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_TIMEOUT,
			  c->state == CONN_HELLO ? "no Hello in time" : "idle too long");
	else
		close_now(c, -ETIMEDOUT, "timeout");
}

void conn_set_state(struct conn *c, enum conn_state to)
{
	static const unsigned char legal[4][4] = {
		/* from \ to:   HANDSHAKE HELLO READY CLOSING */
		[CONN_HANDSHAKE] = {0, 1, 0, 1},
		[CONN_HELLO] = {0, 0, 1, 1},
		[CONN_READY] = {0, 0, 0, 1},
		[CONN_CLOSING] = {0, 0, 0, 0},
	};
	const struct config *cfg = c->srv->cfg;
	long ms = 0;

	if (!legal[c->state][to]) {
		log_error("illegal state change conn=%s from=%s to=%s", conn_name(c),
			  state_names[c->state], state_names[to]);
		to = CONN_CLOSING;
		if (c->state == CONN_CLOSING)
			return;
	}
	log_debug("state conn=%s from=%s to=%s", conn_name(c), state_names[c->state], state_names[to]);
	c->state = to;
	switch (to) {
	case CONN_HANDSHAKE: ms = cfg->handshake_timeout_ms; break;
	case CONN_HELLO: ms = cfg->hello_timeout_ms; break;
	case CONN_READY: ms = cfg->idle_timeout_ms; break;
	case CONN_CLOSING: ms = 0; break;
	}
	if (ms > 0)
		uv_timer_start(&c->timer, on_timeout, (uint64_t)ms, 0);
	else
		uv_timer_stop(&c->timer);
}

void conn_send(struct conn *c, const Safecampus__Envelope *env)
{
	int rc;

	if (c->state == CONN_CLOSING)
		return;
	rc = channel_send(&c->ch, env);
	if (rc) {
		log_warn("send failed conn=%s err=\"%s\"", conn_name(c), sc_strerror(rc));
		close_now(c, rc, rc == -ENOBUFS ? "write queue over its limit" : "send failed");
	}
}

void conn_fail(struct conn *c, uint64_t request_id, int code, const char *msg)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Error err = SAFECAMPUS__ERROR__INIT;

	log_info("error sent conn=%s code=%d msg=\"%s\"", conn_name(c), code, msg);
	err.code = (Safecampus__ErrorCode)code;
	err.message = (char *)msg;
	env.request_id = request_id;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_ERROR;
	env.error = &err;
	conn_send(c, &env);
	close_now(c, SC_EPROTO, msg);
}

void conn_request_begin(struct conn *c, void (*abort)(void *req), void *req)
{
	c->busy = true;
	c->abort = abort;
	c->req = req;
	channel_pause(&c->ch);
	if (c->state == CONN_READY)
		uv_timer_start(&c->timer, on_timeout, (uint64_t)c->srv->cfg->request_timeout_ms, 0);
}

void conn_request_done(struct conn *c)
{
	c->busy = false;
	c->abort = NULL;
	c->req = NULL;
	if (c->state == CONN_CLOSING) {
		conn_maybe_free(c);
		return;
	}
	if (c->srv->stopping) {
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE, "server shutting down");
		return;
	}
	uv_timer_start(&c->timer, on_timeout, (uint64_t)c->srv->cfg->idle_timeout_ms, 0);
	channel_resume(&c->ch);
}

/* ---- channel callbacks */

static void on_ready(struct channel *ch)
{
	struct conn *c = container_of(ch, struct conn, ch);
	const char *district = c->srv->cfg->district;
	int rc = channel_peer_identity(ch, &c->id);

	if (rc) {
		log_warn("refused conn=%s reason=\"certificate subject does not follow the "
			 "O=district, OU=school, CN=campus convention\"", c->peer);
		close_now(c, rc, "bad certificate identity");
		return;
	}
	if (strcmp(c->id.district, district) != 0) {
		char why[200];
		snprintf(why, sizeof why, "certificate is for district %s, not %s", c->id.district, district);
		log_warn("refused conn=%s subject=\"%s\" reason=\"%s\"", c->peer, c->id.subject, why);
		/* the handshake succeeded, so the client can be told why in words */
		conn_set_state(c, CONN_HELLO);
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_FORBIDDEN, why);
		return;
	}
	log_info("handshake ok conn=%s peer=%s subject=\"%s\" tls=\"%s\"", conn_name(c), c->peer,
		 c->id.subject, channel_tls_version(ch));
	conn_set_state(c, CONN_HELLO);
}

static void on_frame(struct channel *ch, Safecampus__Envelope *env)
{
	struct conn *c = container_of(ch, struct conn, ch);

	if (c->state == CONN_CLOSING)
		return;
	c->requests++;
	handle_envelope(c, env);
}

static void on_bad_input(struct channel *ch, int code, const char *why)
{
	struct conn *c = container_of(ch, struct conn, ch);

	conn_fail(c, 0, code, why);
}

static void on_close(struct channel *ch, int status, const char *why)
{
	struct conn *c = container_of(ch, struct conn, ch);

	if (status && c->state == CONN_HANDSHAKE)
		log_warn("handshake failed conn=%s reason=\"%s\"", c->peer, why ? why : sc_strerror(status));
	else
		log_info("closed conn=%s status=%d reason=\"%s\" requests=%llu", conn_name(c), status,
			 why ? why : "", (unsigned long long)c->requests);
	if (c->state != CONN_CLOSING)
		conn_set_state(c, CONN_CLOSING);
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, on_timer_closed);
	c->handles_open--;
	conn_maybe_free(c);
}

static const struct channel_ops conn_ops = {
	.on_ready = on_ready,
	.on_frame = on_frame,
	.on_bad_input = on_bad_input,
	.on_drain = NULL,
	.on_close = on_close,
};

int conn_accept(struct server *s)
{
	struct channel_limits lim = channel_limits_default();
	int rc;
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->state = CONN_HANDSHAKE;
	lim.max_frame = (size_t)s->cfg->max_frame;
	lim.wq_max = (size_t)s->cfg->write_queue_max;
	rc = channel_init(&c->ch, s->loop, s->tls, NULL, &conn_ops, &lim);
	if (rc) {
		free(c);
		return rc;
	}
	uv_timer_init(s->loop, &c->timer);
	c->handles_open = 2;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	rc = uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&c->ch.tcp);
	if (!rc)
		channel_peer_name(&c->ch, c->peer, sizeof c->peer);
	if (!rc && (size_t)s->cfg->max_connections < s->nconns) {
		log_warn("refused conn=%s reason=\"max_connections reached\"", c->peer);
		rc = -EMFILE;
	}
	if (!rc)
		rc = channel_start(&c->ch);
	if (rc) {
		close_now(c, rc, "accept failed");
		return rc;
	}
	uv_timer_start(&c->timer, on_timeout, (uint64_t)s->cfg->handshake_timeout_ms, 0);
	return 0;
}
