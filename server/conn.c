#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "server.h"
#include "util.h"


static const char *const state_names[CONN_NSTATES] = {
	"new", "proxy", "handshake", "hello", "ready", "busy", "aborting", "closing",
};

bool conn_serving(const struct conn *c)
{
	return c->state == CONN_READY || c->state == CONN_BUSY || c->state == CONN_ABORTING;
}

const char *conn_name(const struct conn *c)
{
	static char name[160];

	if (c->state == CONN_PROXY || c->state == CONN_HANDSHAKE || !c->id.campus[0])
		return c->peer;
	snprintf(name, sizeof name, "%s/%s", c->id.school[0] ? c->id.school : "bureau",
		 c->id.campus);
	return name;
}

void conn__log(enum log_level lvl, const char *file, int line, const struct conn *c,
	       const char *fmt, ...)
{
	char msg[1800];
	size_t at, n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* the event is the words before the first key=value field */
	n = strlen(msg);
	at = n;
	for (size_t w = 0; w < n;) {
		size_t e = w;
		while (e < n && msg[e] != ' ')
			e++;
		if (memchr(msg + w, '=', e - w)) {
			at = w > 0 ? w - 1 : 0;
			break;
		}
		w = e + 1;
	}
	log_write(lvl, file, line, "%.*s conn=%s%s", (int)at, msg, conn_name(c), msg + at);
}

/* Refusals come in floods: one line per reason and second, with the count
 * of the refusals it stands for. */
static void log_refusal(struct conn *c, enum server_refusal why, const char *text)
{
	struct server *s = c->srv;
	struct server_refusal_log *r = &s->refusals[why];
	uint64_t now = uv_now(s->loop);

	c->quiet = true;
	r->total++;
	if (r->logged_ms && now - r->logged_ms < 1000) {
		r->suppressed++;
		return;
	}
	if (r->suppressed)
		conn_warn(c, "refused reason=\"%s\" also_refused_last_s=%u refused_total=%llu",
			  text, r->suppressed, (unsigned long long)r->total);
	else
		conn_warn(c, "refused reason=\"%s\" refused_total=%llu", text,
			  (unsigned long long)r->total);
	r->logged_ms = now;
	r->suppressed = 0;
}

/* ---- the handshake queue: connections not yet identified, oldest first */

static void hs_push(struct conn *c)
{
	struct server *s = c->srv;

	c->hs_next = NULL;
	c->hs_prev = s->hs_tail;
	if (s->hs_tail)
		s->hs_tail->hs_next = c;
	else
		s->hs_head = c;
	s->hs_tail = c;
	s->nhandshakes++;
}

static void hs_unlink(struct conn *c)
{
	struct server *s = c->srv;

	if (c->hs_prev)
		c->hs_prev->hs_next = c->hs_next;
	else
		s->hs_head = c->hs_next;
	if (c->hs_next)
		c->hs_next->hs_prev = c->hs_prev;
	else
		s->hs_tail = c->hs_prev;
	c->hs_prev = c->hs_next = NULL;
	s->nhandshakes--;
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
	if (c->addr_counted)
		limit_dec(&s->by_addr, c->addr);
	if (c->cert_counted)
		limit_dec(&s->by_cert, c->certkey);
	if (c->dropped)
		s->ndropped--;
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

/* Turned away before it was served: nothing of ours to deliver, so no
 * graceful close holding the slot while a stalled peer never answers. */
static void drop_now(struct conn *c, int status, const char *why)
{
	if (!c->dropped) {
		c->dropped = true;
		c->srv->ndropped++;
	}
	if (c->state != CONN_CLOSING)
		conn_set_state(c, CONN_CLOSING);
	channel_abort(&c->ch, status, why);
}

static void on_timeout(uv_timer_t *t)
{
	struct conn *c = container_of(t, struct conn, timer);

	conn_info(c, "timeout state=%s", state_names[c->state]);
	switch (c->state) {
	case CONN_BUSY: {
		/* the database has not answered in request_timeout_ms: give the
		 * request up; it answers Error through its own path */
		void (*abort)(void *) = c->abort;
		c->abort = NULL;
		conn_warn(c, "request timed out after_ms=%ld", c->srv->cfg->request_timeout_ms);
		conn_set_state(c, CONN_ABORTING);
		if (abort)
			abort(c->req);
		break;
	}
	case CONN_ABORTING:
		conn_warn(c, "request still not finished after being given up");
		conn_set_state(c, CONN_ABORTING); /* keep watching; it holds c */
		break;
	case CONN_READY:
		if (c->busy) {
			/* a request made without conn_request_begin (dashboard.c)
			 * has its own timeout; c stays until it answers */
			conn_set_state(c, CONN_READY);
			break;
		}
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_TIMEOUT, "idle too long");
		break;
	case CONN_HELLO:
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_TIMEOUT, "no Hello in time");
		break;
	case CONN_PROXY: /* the spec: a partial header is refused */
		log_refusal(c, SERVER_REFUSED_PROXY,
			    "no complete PROXY header in proxy_timeout_ms");
		drop_now(c, -ETIMEDOUT, "no PROXY header in time");
		break;
	default:
		drop_now(c, -ETIMEDOUT, "timeout"); /* handshake: nothing to deliver */
		break;
	}
}

void conn_set_state(struct conn *c, enum conn_state to)
{
	/* a move to the same state restarts its timer */
	static const unsigned char legal[CONN_NSTATES][CONN_NSTATES] = {
		/* from \ to:      NEW PROXY HSHAKE HELLO READY BUSY ABORT CLOSING */
		[CONN_NEW] = { 0, 1, 1, 0, 0, 0, 0, 1 },
		[CONN_PROXY] = { 0, 0, 1, 0, 0, 0, 0, 1 },
		[CONN_HANDSHAKE] = { 0, 0, 0, 1, 0, 0, 0, 1 },
		[CONN_HELLO] = { 0, 0, 0, 0, 1, 0, 0, 1 },
		[CONN_READY] = { 0, 0, 0, 0, 1, 1, 0, 1 },
		[CONN_BUSY] = { 0, 0, 0, 0, 1, 0, 1, 1 },
		[CONN_ABORTING] = { 0, 0, 0, 0, 1, 0, 1, 1 },
		[CONN_CLOSING] = { 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	const struct config *cfg = c->srv->cfg;
	long ms = 0;

	if (!legal[c->state][to]) {
		conn_error(c, "illegal state change from=%s to=%s", state_names[c->state],
			   state_names[to]);
		if (c->state == CONN_CLOSING)
			return;
		to = CONN_CLOSING;
	}
	if (c->state != to)
		conn_debug(c, "state from=%s to=%s", state_names[c->state], state_names[to]);
	if (c->state == CONN_HANDSHAKE)
		hs_unlink(c);
	c->state = to;
	switch (to) {
	case CONN_NEW:
		break;
	case CONN_PROXY:
		ms = cfg->proxy_timeout_ms;
		break;
	case CONN_HANDSHAKE:
		hs_push(c);
		ms = cfg->handshake_timeout_ms;
		break;
	case CONN_HELLO:
		ms = cfg->hello_timeout_ms;
		break;
	case CONN_READY:
		ms = cfg->idle_timeout_ms;
		break;
	case CONN_BUSY:
		ms = cfg->request_timeout_ms;
		break;
	case CONN_ABORTING:
		ms = cfg->request_timeout_ms;
		break;
	case CONN_CLOSING:
		ms = 0;
		break;
	case CONN_NSTATES:
		break;
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
		conn_warn(c, "send failed err=\"%s\"", sc_strerror(rc));
		close_now(c, rc, rc == -ENOBUFS ? "write queue over its limit" : "send failed");
	}
}

void conn_fail(struct conn *c, uint64_t request_id, int code, const char *msg)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Error err = SAFECAMPUS__ERROR__INIT;

	if (!c->quiet)
		conn_info(c, "error sent code=%d msg=\"%s\"", code, msg);
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
		conn_set_state(c, CONN_BUSY);
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
	conn_set_state(c, CONN_READY);
	channel_resume(&c->ch);
}

/* The certificate no longer verifies against the server's current context
 * (revoked, or its CA left the trust file): told in words, then closed. */
static bool refuse_if_stale(struct conn *c)
{
	char why[160], msg[240];
	int rc = channel_peer_recheck(&c->ch, c->srv->tls, why, sizeof why);

	if (rc == 0)
		return false;
	if (rc != SC_ETLS)
		snprintf(why, sizeof why, "cannot check it again: %s", sc_strerror(rc));
	snprintf(msg, sizeof msg, "certificate no longer accepted: %s", why);
	conn_warn(c, "refused subject=\"%s\" reason=\"%s\"", c->id.subject, msg);
	c->quiet = true;
	if (c->state == CONN_HANDSHAKE)
		conn_set_state(c, CONN_HELLO); /* the handshake finished: it can be told why */
	conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_FORBIDDEN, msg);
	return true;
}

unsigned conn_recheck_all(struct server *s)
{
	unsigned closed = 0;

	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->state != CONN_HELLO && !conn_serving(c))
			continue; /* handshaking ones are checked at on_ready */
		closed += refuse_if_stale(c);
	}
	return closed;
}

/* ---- channel callbacks */

static int on_preamble(struct channel *ch, const uint8_t *p, size_t n, size_t *used);

static void on_ready(struct channel *ch)
{
	struct conn *c = container_of(ch, struct conn, ch);
	struct server *s = c->srv;
	const char *district = s->cfg->district;
	long per_cert = s->cfg->max_connections_per_cert;
	int rc = channel_peer_identity(ch, &c->id);

	if (rc) {
		conn_warn(c, "refused reason=\"certificate subject does not follow the "
			     "O=district, OU=school, CN=campus convention\"");
		close_now(c, rc, "bad certificate identity");
		return;
	}
	/* verified with the context of its accept: after a reload, check it
	 * against the new one too (a CRL may have arrived meanwhile) */
	if (c->tls_gen != s->tls_gen && refuse_if_stale(c))
		return;
	if (strcmp(c->id.district, district) != 0) {
		char why[200];
		snprintf(why, sizeof why, "certificate is for district %s, not %s", c->id.district,
			 district);
		conn_warn(c, "refused subject=\"%s\" reason=\"%s\"", c->id.subject, why);
		/* the handshake succeeded, so the client can be told why in words */
		conn_set_state(c, CONN_HELLO);
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_FORBIDDEN, why);
		return;
	}
	snprintf(c->certkey, sizeof c->certkey, "%s/%s", c->id.school[0] ? c->id.school : "bureau",
		 c->id.campus);
	conn_set_state(c, CONN_HELLO);
	if (per_cert > 0 && limit_get(&s->by_cert, c->certkey) >= (unsigned long)per_cert) {
		char why[240];
		snprintf(why, sizeof why,
			 "too many connections for certificate %s (at most %ld); "
			 "try again later",
			 c->certkey, per_cert);
		log_refusal(c, SERVER_REFUSED_CERT, "max_connections_per_cert reached");
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_OVERLOADED, why);
		return;
	}
	rc = limit_inc(&s->by_cert, c->certkey);
	if (rc < 0) {
		conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_INTERNAL, "out of memory");
		return;
	}
	c->cert_counted = true;
	if (c->via[0])
		conn_info(c, "handshake ok peer=%s via=%s subject=\"%s\" tls=\"%s\"", c->peer,
			  c->via, c->id.subject, channel_tls_version(ch));
	else
		conn_info(c, "handshake ok peer=%s subject=\"%s\" tls=\"%s\"", c->peer,
			  c->id.subject, channel_tls_version(ch));
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

	if (c->quiet || (c->proxy_local && c->state == CONN_HANDSHAKE)) /* a health check */
		conn_debug(c, "closed status=%d reason=\"%s\"", status, why ? why : "");
	else if (c->state == CONN_PROXY)
		conn_warn(c, "closed before a complete PROXY header status=%d reason=\"%s\"",
			  status, why ? why : "");
	else if (status && c->state == CONN_HANDSHAKE)
		conn_warn(c, "handshake failed reason=\"%s\"", why ? why : sc_strerror(status));
	else
		conn_info(c, "closed status=%d reason=\"%s\" requests=%llu", status, why ? why : "",
			  (unsigned long long)c->requests);
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
	.on_preamble = on_preamble,
	.on_close = on_close,
};

/* "ip:port" / "[v6]:port" -> "ip" / "v6" */
static void addr_of(const char *peer, char *out, size_t n)
{
	const char *colon = strrchr(peer, ':');
	size_t len = colon ? (size_t)(colon - peer) : strlen(peer);

	if (peer[0] == '[' && len >= 2 && peer[len - 1] == ']') {
		peer++;
		len -= 2;
	}
	snprintf(out, n, "%.*s", (int)len, peer);
}

/* Admission at accept: the worker's max_connections. 0, or the refusal. */
static int admit_total(struct conn *c)
{
	struct server *s = c->srv;

	/* dropped ones are gone by the next loop iteration: a burst of accepts
	 * in one iteration must not count them */
	if ((size_t)s->cfg->max_connections < s->nconns - s->ndropped) {
		log_refusal(c, SERVER_REFUSED_TOTAL, "max_connections reached");
		return -EMFILE;
	}
	return 0;
}

/* Admission by address, once the address is known (at accept, or from a
 * balancer's PROXY header), and room in the handshake budget. 0, or the
 * refusal. */
static int admit_addr(struct conn *c)
{
	struct server *s = c->srv;
	const struct config *cfg = s->cfg;
	long per_addr = cfg->max_connections_per_address;

	addr_of(c->peer, c->addr, sizeof c->addr);
	if (per_addr > 0 && limit_get(&s->by_addr, c->addr) >= (unsigned long)per_addr) {
		log_refusal(c, SERVER_REFUSED_ADDR, "max_connections_per_address reached");
		return -EMFILE;
	}
	if (limit_inc(&s->by_addr, c->addr) < 0)
		return -ENOMEM;
	c->addr_counted = true;
	/* the handshake budget is full: the oldest unidentified connection
	 * makes room. A flood must then outpace real handshakes (milliseconds)
	 * to keep anyone out, instead of just holding its connections open. */
	while (s->hs_head && s->nhandshakes >= server_max_handshakes(cfg)) {
		struct conn *old = s->hs_head;
		log_refusal(old, SERVER_REFUSED_HANDSHAKE,
			    "max_handshakes reached: oldest handshake dropped");
		drop_now(old, -ETIMEDOUT, "dropped for a newer handshake (max_handshakes)");
	}
	return 0;
}

/* A trusted balancer's header: the relayed campus becomes the connection's
 * address, then it is admitted by that address and its handshake starts. */
static int proxy_header(struct conn *c, const uint8_t *p, size_t n, size_t *used)
{
	struct proxy_header h;
	const char *why;
	int rc;

	switch (proxy_parse(p, n, &h, &why)) {
	case PROXY_NEED_MORE:
		return CHANNEL_PREAMBLE_MORE;
	case PROXY_BAD:
		log_refusal(c, SERVER_REFUSED_PROXY, why);
		drop_now(c, SC_EPROTO, why);
		return SC_EPROTO;
	case PROXY_OK:
		break;
	}
	if (h.local) {
		c->proxy_local = true; /* the balancer's own: keeps its address */
		conn_debug(c, "proxy local connection (health check)");
	} else if (h.has_addr) {
		snprintf(c->via, sizeof c->via, "%s", c->peer);
		proxy_addr_name(&h.src, c->peer, sizeof c->peer);
		conn_debug(c, "proxy header via=%s crc32c=%d", c->via, h.crc_checked);
	} else {
		conn_debug(c, "proxy header without a TCP address: the balancer's address stands");
	}
	rc = admit_addr(c);
	if (rc) {
		drop_now(c, rc, c->quiet ? "refused" : "out of memory");
		return rc;
	}
	conn_set_state(c, CONN_HANDSHAKE);
	*used = h.len;
	return 0;
}

/* The bytes before TLS: a trusted balancer's PROXY header; from anyone
 * else, only a look at the first bytes, so that a PROXY header (a balancer
 * not listed in proxy_trusted, or a client posing as one) is refused with a
 * reason an operator can act on instead of failing somewhere in TLS. */
static int on_preamble(struct channel *ch, const uint8_t *p, size_t n, size_t *used)
{
	struct conn *c = container_of(ch, struct conn, ch);

	*used = 0;
	if (c->state == CONN_PROXY)
		return proxy_header(c, p, n, used);
	switch (proxy_sniff(p, n)) {
	case PROXY_SNIFF_MAYBE:
		return CHANNEL_PREAMBLE_MORE;
	case PROXY_SNIFF_NO:
		return 0;
	case PROXY_SNIFF_YES:
		break;
	}
	log_refusal(c, SERVER_REFUSED_PROXY_UNTRUSTED,
		    "PROXY protocol header from an address not in proxy_trusted");
	drop_now(c, SC_EPROTO, "PROXY header from an untrusted address");
	return SC_EPROTO;
}

/* Whether the peer is a balancer of proxy_trusted: 1, 0, or the error of
 * a peer already gone (a health check that reset right after connecting,
 * before we accepted): nothing to serve then, and no address to judge. */
static int peer_is_proxy(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof ss;
	int rc = uv_tcp_getpeername(&c->ch.tcp, (struct sockaddr *)&ss, &len);

	if (rc)
		return rc;
	return c->srv->proxies.n > 0 && proxy_trusted(&c->srv->proxies, (struct sockaddr *)&ss);
}

int conn_accept(struct server *s)
{
	struct channel_limits lim = channel_limits_default();
	bool via_proxy = false;
	int rc;
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->state = CONN_NEW;
	c->tls_gen = s->tls_gen;
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
	if (!rc) {
		channel_peer_name(&c->ch, c->peer, sizeof c->peer);
		rc = peer_is_proxy(c);
		if (rc < 0) {
			conn_debug(c, "peer gone before it was served err=\"%s\"", uv_strerror(rc));
			c->quiet = true;
		} else {
			via_proxy = rc == 1;
			rc = admit_total(c);
		}
	}
	/* a balancer's connection is admitted by address once its header
	 * says whose it is */
	if (!rc && !via_proxy)
		rc = admit_addr(c);
	if (!rc) {
		conn_set_state(c, via_proxy ? CONN_PROXY : CONN_HANDSHAKE);
		rc = channel_start(&c->ch);
	}
	if (rc) {
		drop_now(c, rc, c->quiet ? "refused" : "accept failed");
		return c->quiet ? 0 : rc;
	}
	return 0;
}
