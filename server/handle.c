/* Dispatch of one decoded Envelope by connection state: Hello first, then
 * requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "dashboard.h"
#include "hlc.h"
#include "log.h"
#include "server.h"

#define PROTOCOL_VERSION 1
#define SERVER_VERSION "safecampusd 0.1.0"

static void record_health(struct conn *c, const Safecampus__Hello *h);

static void on_hello(struct conn *c, uint64_t rid, const Safecampus__Hello *h)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Welcome w = SAFECAMPUS__WELCOME__INIT;
	struct server *s = c->srv;

	if (h->min_version > PROTOCOL_VERSION || h->max_version < PROTOCOL_VERSION ||
	    h->min_version > h->max_version) {
		char msg[128];
		snprintf(msg, sizeof msg,
			 "this server speaks protocol version %d; client offers %u..%u",
			 PROTOCOL_VERSION, h->min_version, h->max_version);
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_VERSION_UNSUPPORTED, msg);
		return;
	}
	w.version = PROTOCOL_VERSION;
	w.district = c->id.district;
	w.school = c->id.school;
	w.campus = c->id.campus;
	w.role = (Safecampus__Role)c->id.role;
	w.server_hlc = hlc_tick(&s->clock, hlc_wall_ms());
	w.max_frame_bytes = (uint32_t)s->cfg->max_frame;
	w.max_push_records = (uint32_t)s->cfg->max_push_records;
	w.server_version = SERVER_VERSION;
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_WELCOME;
	env.welcome = &w;
	conn_set_state(c, CONN_READY);
	conn_info(c, "hello client=\"%s\" outbox_pending=%llu",
		  h->client_version ? h->client_version : "",
		  (unsigned long long)h->outbox_pending);
	conn_send(c, &env);
	if (s->db_ready)
		record_health(c, h);
}

static void health_done(void *arg, int status, PGresult *res)
{
	(void)res;
	if (status)
		log_warn("client health not recorded err=\"%s\"", sc_strerror(status));
	(void)arg;
}

static void health_conn(void *arg, int status, struct db_conn *dc);

struct health {
	char school[64], campus[64], version[64];
	char pending[24], oldest[24], last[24];
};

/* Sync health is written on the side: the Welcome does not wait for it, and a
 * failure to record it only costs the bureau a stale "last contact". */
static void record_health(struct conn *c, const Safecampus__Hello *h)
{
	struct health *hl = calloc(1, sizeof *hl);

	if (!hl)
		return;
	snprintf(hl->school, sizeof hl->school, "%s", c->id.school);
	snprintf(hl->campus, sizeof hl->campus, "%s", c->id.campus);
	snprintf(hl->version, sizeof hl->version, "%s", h->client_version ? h->client_version : "");
	snprintf(hl->pending, sizeof hl->pending, "%llu", (unsigned long long)h->outbox_pending);
	snprintf(hl->oldest, sizeof hl->oldest, "%lld", (long long)h->oldest_pending_ms);
	snprintf(hl->last, sizeof hl->last, "%lld", (long long)h->last_sync_ms);
	if (db_acquire(c->srv->db, health_conn, hl))
		free(hl);
}

static void health_conn(void *arg, int status, struct db_conn *dc)
{
	struct health *hl = arg;
	const char *p[6] = {
		hl->school, hl->campus, hl->pending, hl->oldest, hl->last, hl->version
	};

	if (status == 0) {
		if (db_query(dc,
			     "INSERT INTO client_health (school, campus, last_contact, "
			     "outbox_pending, "
			     "oldest_pending, last_sync, client_version) VALUES ($1, $2, now(), "
			     "$3::bigint, "
			     "CASE WHEN $4::bigint = 0 THEN NULL ELSE to_timestamp($4::bigint / "
			     "1000.0) END, "
			     "CASE WHEN $5::bigint = 0 THEN NULL ELSE to_timestamp($5::bigint / "
			     "1000.0) END, $6) "
			     "ON CONFLICT (school, campus) DO UPDATE SET last_contact = "
			     "excluded.last_contact, "
			     "outbox_pending = excluded.outbox_pending, oldest_pending = "
			     "excluded.oldest_pending, "
			     "last_sync = GREATEST(client_health.last_sync, excluded.last_sync), "
			     "client_version = excluded.client_version",
			     6, p, health_done, NULL) != 0)
			log_warn("client health not queued");
		db_release(dc); /* syncs what was queued */
	}
	free(hl);
}

static void synced_conn(void *arg, int status, struct db_conn *dc)
{
	struct health *hl = arg;
	const char *p[3] = { hl->school, hl->campus, hl->pending };

	if (status == 0) {
		/* Hello said how things stood before this sync; the sync has now
		 * ended, so "last sync" is now and what it pushed is sent (a client
		 * that reports only in Hello would show the previous sync) */
		if (db_query(dc,
			     "UPDATE client_health SET last_sync = now(), last_contact = now(), "
			     "outbox_pending = GREATEST(outbox_pending - $3::bigint, 0), "
			     "oldest_pending = CASE WHEN outbox_pending - $3::bigint > 0 "
			     "THEN oldest_pending END WHERE school = $1 AND campus = $2",
			     3, p, health_done, NULL) != 0)
			log_warn("client health not queued");
		db_release(dc);
	}
	free(hl);
}

void handle_synced(struct conn *c)
{
	struct health *hl;

	if (!c->srv->db_ready || c->proxy_local)
		return;
	hl = calloc(1, sizeof *hl);
	if (!hl)
		return;
	snprintf(hl->school, sizeof hl->school, "%s", c->id.school);
	snprintf(hl->campus, sizeof hl->campus, "%s", c->id.campus);
	snprintf(hl->pending, sizeof hl->pending, "%llu", (unsigned long long)c->pushed);
	c->pushed = 0;
	if (db_acquire(c->srv->db, synced_conn, hl))
		free(hl);
}

static void on_ping(struct conn *c, uint64_t rid, const Safecampus__Ping *p)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Pong pong = SAFECAMPUS__PONG__INIT;

	pong.nonce = p->nonce;
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_PONG;
	env.pong = &pong;
	conn_send(c, &env);
}

static void on_subscribe(struct conn *c, uint64_t rid, const Safecampus__Subscribe *sub)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Notify n = SAFECAMPUS__NOTIFY__INIT;

	c->subscribed = sub->enable;
	/* dashboards = true: a fresh Dashboard after each burst of changes that
	 * concerns this identity, the first one right after this subscription */
	c->wants_dashboards = sub->dashboards;
	conn_debug(c, "subscribe enable=%d head=%llu", sub->enable,
		   (unsigned long long)server_head_for(c->srv, c));
	/* the answer is a Notify with the current head, so the client knows where
	 * the feed stands without a second request */
	n.head = server_head_for(c->srv, c);
	env.request_id = rid;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_NOTIFY;
	env.notify = &n;
	conn_send(c, &env);
	if (c->wants_dashboards)
		dashboard_subscribed(c);
}

void handle_envelope(struct conn *c, Safecampus__Envelope *env)
{
	uint64_t rid = env->request_id;

	if (c->state == CONN_HELLO) {
		if (env->body_case != SAFECAMPUS__ENVELOPE__BODY_HELLO) {
			conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_HELLO_REQUIRED,
				  "the first message must be Hello");
			return;
		}
		on_hello(c, rid, env->hello);
		return;
	}
	if (c->state != CONN_READY)
		return;
	conn_set_state(c, CONN_READY); /* a message: the idle timer starts again */
	if (!c->srv->db_ready && (env->body_case == SAFECAMPUS__ENVELOPE__BODY_PUSH ||
				  env->body_case == SAFECAMPUS__ENVELOPE__BODY_PULL ||
				  env->body_case == SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_OFFER ||
				  env->body_case == SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_CHUNK ||
				  env->body_case == SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_GET ||
				  env->body_case == SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST)) {
		/* started while PostgreSQL was down (dbstart.c): say so, nothing applied */
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE, SERVER_DB_UNAVAILABLE);
		return;
	}
	switch (env->body_case) {
	case SAFECAMPUS__ENVELOPE__BODY_PUSH: {
		Safecampus__Push *push = env->push;
		/* take the Push out of the envelope: it lives until the commit */
		env->push = NULL;
		env->body_case = SAFECAMPUS__ENVELOPE__BODY__NOT_SET;
		push_start(c, rid, push);
		break;
	}
	case SAFECAMPUS__ENVELOPE__BODY_PULL:
		pull_start(c, rid, env->pull);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_SUBSCRIBE:
		on_subscribe(c, rid, env->subscribe);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_PING:
		on_ping(c, rid, env->ping);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_DASHBOARD_REQUEST:
		dashboard_start(c, rid, env->dashboard_request);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_OFFER:
		evidence_offer(c, rid, env->evidence_offer);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_CHUNK:
		evidence_chunk(c, rid, env->evidence_chunk);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_GET:
		evidence_get(c, rid, env->evidence_get);
		break;
	case SAFECAMPUS__ENVELOPE__BODY_HELLO:
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNEXPECTED_MESSAGE,
			  "Hello was already received");
		break;
	case SAFECAMPUS__ENVELOPE__BODY__NOT_SET:
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME,
			  "envelope has no body (or one this server does not know)");
		break;
	default:
		conn_fail(c, rid, SAFECAMPUS__ERROR_CODE__ERROR_UNEXPECTED_MESSAGE,
			  "clients may not send this message");
		break;
	}
}
