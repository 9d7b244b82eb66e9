/* The sync engine's connections (client/sync*.c): the name lookup, the
 * connect to each address it gives, and what follows the end of a connection:
 * the next address, a backoff and a new connection, or the end of the run. */
#include "sync_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "channel.h"
#include "err.h"
#include "hlc.h"
#include "i18n.h"
#include "log.h"
#include "util.h"

/* reconnecting: 0.5 s doubling to 60 s, each delay drawn from [d/2, 3d/2) */
#define BACKOFF_FIRST_MS 500u
#define BACKOFF_MAX_MS 60000u
/* a one-shot sync retries an unreachable server, or one whose database is
 * unavailable, this often, within its timeout */
#define ONESHOT_RETRIES 3

static uint64_t rng_next(struct sync *s)
{
	/* splitmix64 */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The next reconnect delay: 0.5 s doubling to 60 s, drawn from [d/2, 3d/2). */
static unsigned backoff_ms(struct sync *s)
{
	unsigned d = BACKOFF_FIRST_MS;

	for (unsigned i = 1; i < s->failures && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	return d / 2 + (unsigned)(rng_next(s) % d);
}

static void on_retry(uv_timer_t *t)
{
	struct sync *s = container_of(t, struct sync, retry);

	if (s->phase != PH_BACKOFF)
		return;
	if (s->gai_busy) { /* the last attempt's lookup has not come back yet */
		uv_timer_start(&s->retry, on_retry, 50, 0);
		return;
	}
	s->rep->retries++;
	sync__connect_start(s);
}

/* A connection is over (its channel closed, or it never had one): reconnect
 * after a while, or end. */
void sync__connection_closed(struct sync *s)
{
	enum sync_failure f = s->rep->failure;
	uint64_t now = hlc_wall_ms(), used = now - s->progress_ms;
	unsigned delay;
	bool retry;
	char msg[sizeof s->rep->error + 64];

	sync__free_sent(s);
	sync__evidence_reset(s);
	if (s->phase != PH_CLOSING)
		return;
	if (s->stop || !s->failed) {
		if (s->stop && s->opts->watch)
			s->rc = 0; /* a watch stopped as asked */
		sync__end(s);
		return;
	}
	/* the next address of the name, at once, while the timeout allows */
	if (f == SYNC_FAIL_UNREACHABLE && s->next_addr < s->naddrs &&
	    (s->opts->watch || used + ONESHOT_MIN_LEFT_MS <= s->timeout_ms)) {
		sync__connect_start(s);
		return;
	}
	s->failures++;
	delay = backoff_ms(s);
	if (s->opts->watch) {
		retry = f != SYNC_FAIL_TLS && f != SYNC_FAIL_STORE && f != SYNC_FAIL_CONFIG;
	} else if (f == SYNC_FAIL_UNAVAILABLE) {
		/* the server's "database unavailable" passes too: a PostgreSQL
		 * failover (docs/OPERATIONS.md) lasts seconds to a minute, and a
		 * push not acknowledged is safe to send again. Each attempt gets
		 * as far as a Welcome, which restarts `used`, so this wait is
		 * bounded by the time since the run began, and the last delay is
		 * cut to what is left of it rather than given up on. */
		uint64_t spent = now - s->started_ms;

		retry = spent + 2 * ONESHOT_MIN_LEFT_MS <= s->timeout_ms;
		if (retry && spent + delay + ONESHOT_MIN_LEFT_MS > s->timeout_ms)
			delay = (unsigned)(s->timeout_ms - spent - ONESHOT_MIN_LEFT_MS);
		s->unavail_retry = retry;
	} else {
		retry = f == SYNC_FAIL_UNREACHABLE && s->oneshot_retries < ONESHOT_RETRIES &&
			used + delay + ONESHOT_MIN_LEFT_MS <= s->timeout_ms;
	}
	if (!retry) {
		sync__end(s);
		return;
	}
	if (!s->opts->watch)
		s->oneshot_retries++;
	if (s->opts->notice) {
		snprintf(msg, sizeof msg, _("%s; retrying in %.1f s"), s->rep->error,
			 delay / 1000.0);
		s->opts->notice(s->opts->notice_arg, msg);
	}
	sync__set_phase(s, PH_BACKOFF);
	uv_timer_start(&s->retry, on_retry, delay, 0);
}

void sync__retry_now(struct sync *s)
{
	if (s->phase == PH_BACKOFF && !s->stop)
		uv_timer_start(&s->retry, on_retry, 0, 0);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct sync *s = req->data;
	int rc;

	if (s->phase != PH_CONNECT)
		return; /* cancelled: this connection already ended */
	if (status < 0) {
		sync__conn_end(s, status, SYNC_FAIL_UNREACHABLE, _("cannot connect to %s (%s)"),
			       s->cfg.server, uv_strerror(status));
		return;
	}
	sync__set_phase(s, PH_HANDSHAKE);
	rc = channel_start(&s->ch);
	if (rc)
		sync__conn_end(s, rc, SYNC_FAIL_TLS, _("starting TLS failed: %s"), sc_strerror(rc));
}

/* CONNECT: to the next address the name resolved to. */
static void connect_next(struct sync *s)
{
	char ip[64] = "?";
	const struct sockaddr *sa;
	int rc;

	if (s->next_addr >= s->naddrs) {
		sync__conn_end(s, -EADDRNOTAVAIL, SYNC_FAIL_UNREACHABLE,
			       _("cannot find %s (no address)"), s->host);
		return;
	}
	sa = (const struct sockaddr *)&s->addrs[s->next_addr++];
	(void)uv_ip_name(sa, ip, sizeof ip);
	log_debug("sync connect addr=%s port=%s try=%u/%u", ip, s->port, s->next_addr, s->naddrs);
	s->connect.data = s;
	rc = uv_tcp_connect(&s->connect, &s->ch.tcp, sa, on_connect);
	if (rc)
		sync__conn_end(s, rc, SYNC_FAIL_UNREACHABLE, _("cannot connect to %s (%s)"),
			       s->cfg.server, uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
	struct sync *s = req->data;

	s->gai_busy = 0;
	if (s->phase != PH_CONNECT) {
		uv_freeaddrinfo(ai);
		return;
	}
	if (status < 0) {
		sync__conn_end(s, status, SYNC_FAIL_UNREACHABLE, _("cannot find %s (%s)"), s->host,
			       uv_strerror(status));
		uv_freeaddrinfo(ai);
		return;
	}
	s->naddrs = s->next_addr = 0;
	for (struct addrinfo *a = ai; a && s->naddrs < SYNC_MAX_ADDRS; a = a->ai_next) {
		if (a->ai_addrlen > sizeof s->addrs[0])
			continue;
		memcpy(&s->addrs[s->naddrs++], a->ai_addr, a->ai_addrlen);
	}
	uv_freeaddrinfo(ai);
	connect_next(s);
}

/* BACKOFF -> CONNECT: a new channel, the name lookup, the connect limit.
 * s->ch is initialised here and released by channel_close (through
 * sync__conn_end), whose on_close comes back to sync__connection_closed; the
 * lookup's address list is on_resolved's to free. */
void sync__connect_start(struct sync *s)
{
	struct addrinfo hints;
	uint64_t used = hlc_wall_ms() - s->progress_ms;
	int rc;

	s->failed = 0;
	s->subscribed = 0;
	s->want_round = 0;
	s->waiting_rid = 0;
	sync__set_phase(s, PH_CONNECT);
	/* a one-shot sync: connecting again may use what is left of its timeout */
	s->limit_ms = s->timeout_ms;
	if (s->unavail_retry && !s->opts->watch)
		used = hlc_wall_ms() - s->started_ms;
	if (!s->opts->watch && used < s->timeout_ms && (s->rep->retries || s->next_addr))
		s->limit_ms = s->timeout_ms - (unsigned)used;
	rc = channel_init(&s->ch, s->loop, s->tls,
			  s->cfg.server_name && *s->cfg.server_name ? s->cfg.server_name : s->host,
			  &sync__channel_ops, &s->lim);
	if (rc) {
		sync__conn_end(s, rc, SYNC_FAIL_TLS, _("TLS session: %s"), sc_strerror(rc));
		return;
	}
	s->channel_open = 1;
	sync__offer_session(s->st, &s->ch);
	s->last_io_ms = hlc_wall_ms();
	uv_timer_start(&s->timer, sync__on_request_timeout, s->limit_ms, 0);
	if (s->next_addr < s->naddrs) {
		connect_next(s);
		return;
	}
	s->naddrs = s->next_addr = 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	s->gai.data = s;
	rc = uv_getaddrinfo(s->loop, &s->gai, on_resolved, s->host, s->port, &hints);
	if (rc) {
		sync__conn_end(s, rc, SYNC_FAIL_UNREACHABLE, _("cannot find %s (%s)"), s->host,
			       uv_strerror(rc));
		return;
	}
	s->gai_busy = 1;
}
