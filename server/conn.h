/* A client connection: an explicit state machine over a TLS channel.
 *
 *   HANDSHAKE --tls ok--> HELLO --Hello ok--> READY --(error/close/timeout)--> CLOSING
 *
 * Each state has its own time limit (handshake_timeout_ms, hello_timeout_ms,
 * idle_timeout_ms while READY). One request is served at a time: while a
 * request is in the database the channel is paused, so a client may pipeline
 * requests and they are answered in order, and a client that sends faster
 * than the database can take is held back instead of buffered without bound. */
#ifndef SC_CONN_H
#define SC_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "channel.h"
#include "tls.h"

struct server;

enum conn_state {
	CONN_HANDSHAKE,
	CONN_HELLO,
	CONN_READY,
	CONN_CLOSING,
};

struct conn {
	struct channel ch;          /* first: the channel's tcp handle is accepted into */
	struct server *srv;
	struct conn *prev, *next;   /* server's list */
	enum conn_state state;
	uv_timer_t timer;           /* the current state's time limit */
	int handles_open;           /* channel + timer; freed when both closed */
	struct tls_identity id;
	char peer[64];              /* address for logs */
	bool busy;                  /* a request is in the database */
	void (*abort)(void *req);   /* gives the busy request up (request_timeout_ms) */
	void *req;
	bool subscribed;
	bool wants_dashboards;      /* Subscribe.dashboards: pushed Dashboards (dashboard.c) */
	uint64_t requests;
};

/** Accepts one pending connection on the server's listener. The conn frees
 * itself after both its handles close. */
SC_WUR int conn_accept(struct server *s);
/** Moves c to state `to`, checking the move is legal, and arms that state's
 * timer. */
void conn_set_state(struct conn *c, enum conn_state to);
/** Sends an Error (request_id may be 0) and closes after it is flushed. */
void conn_fail(struct conn *c, uint64_t request_id, int code, const char *msg);
/** Sends env; on a full write queue the connection is closed. */
void conn_send(struct conn *c, const Safecampus__Envelope *env);
/** A request goes to the database: stop reading, arm request_timeout_ms;
 * when it runs out, abort(req) is called once and must make the request
 * finish (with an Error) through its normal path. */
void conn_request_begin(struct conn *c, void (*abort)(void *req), void *req);
/** A request finished: resume reading and restart the idle timer. */
void conn_request_done(struct conn *c);
/** For logs: "school/campus" or the peer address before the handshake. */
const char *conn_name(const struct conn *c);

/* Request handlers (handle.c, push.c, pull.c). A handler that goes to the
 * database sets c->busy and calls conn_request_done when it has answered.
 * push_start takes ownership of push (safecampus__push__free_unpacked). */
void handle_envelope(struct conn *c, Safecampus__Envelope *env);
void push_start(struct conn *c, uint64_t request_id, Safecampus__Push *push);
void pull_start(struct conn *c, uint64_t request_id, const Safecampus__Pull *pull);

#endif
