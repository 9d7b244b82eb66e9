/* A client connection: an explicit state machine over a TLS channel.
 *
 *   HANDSHAKE --tls ok--> HELLO --Hello ok--> READY --(error/close/timeout)--> CLOSING
 *
 * Each state has its own time limit (handshake_timeout_ms, hello_timeout_ms,
 * idle_timeout_ms while READY), armed by conn_set_state.
 *
 * Admission (docs/OPERATIONS.md, "Connection limits"): at accept, the
 * worker's max_connections and the peer address's max_connections_per_address;
 * while HANDSHAKE, a budget of max_handshakes shared by every connection not
 * yet identified (when full, the oldest is dropped for the newcomer, so a
 * flood of stalled handshakes delays real clients by one handshake at most);
 * after the handshake, max_connections_per_cert per school/campus. One request is served at a time: while a
 * request is in the database the channel is paused, so a client may pipeline
 * requests and they are answered in order, and a client that sends faster
 * than the database can take is held back instead of buffered without bound. */
#ifndef SC_CONN_H
#define SC_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "channel.h"
#include "log.h"
#include "tls.h"

struct server;

enum conn_state {
	CONN_NEW,       /* allocated, not yet accepted */
	CONN_HANDSHAKE,
	CONN_HELLO,
	CONN_READY,
	CONN_CLOSING,
};

struct conn {
	struct channel ch;          /* first: the channel's tcp handle is accepted into */
	struct server *srv;
	struct conn *prev, *next;   /* server's list */
	struct conn *hs_prev, *hs_next; /* server's handshake queue, oldest first (HANDSHAKE only) */
	enum conn_state state;
	uv_timer_t timer;           /* the current state's time limit */
	int handles_open;           /* channel + timer; freed when both closed */
	struct tls_identity id;
	char peer[64];              /* address for logs */
	char addr[48];              /* peer IP without port: per-address limit key */
	char certkey[136];          /* "school/campus" ("bureau/office"): per-certificate key */
	bool addr_counted, cert_counted; /* holds a count in the server's limit tables */
	bool quiet;                 /* refused at admission: its close is not logged again */
	unsigned tls_gen;           /* server TLS context generation it was accepted with */
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
/** After a reload: verifies the certificate of every identified connection
 * against the server's current TLS context (CA, dates, CRLs) and closes
 * those that no longer pass (a revoked certificate). Returns how many. */
unsigned conn_recheck_all(struct server *s);

/** Logging with the connection as context: the line is the message with
 * conn=<conn_name> inserted before its first key=value field, e.g.
 *   conn_info(c, "push records=%zu", n)  ->  "push conn=schoolA/main records=3" */
#define conn_log_at(lvl, c, ...) do { if ((lvl) >= log_min_level) \
	conn__log((lvl), __FILE__, __LINE__, (c), __VA_ARGS__); } while (0)
#define conn_debug(c, ...) conn_log_at(LOG_DEBUG, c, __VA_ARGS__)
#define conn_info(c, ...) conn_log_at(LOG_INFO, c, __VA_ARGS__)
#define conn_warn(c, ...) conn_log_at(LOG_WARN, c, __VA_ARGS__)
#define conn_error(c, ...) conn_log_at(LOG_ERROR, c, __VA_ARGS__)
void conn__log(enum log_level lvl, const char *file, int line, const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Request handlers (handle.c, push.c, pull.c). A handler that goes to the
 * database sets c->busy and calls conn_request_done when it has answered.
 * push_start takes ownership of push (safecampus__push__free_unpacked). */
void handle_envelope(struct conn *c, Safecampus__Envelope *env);
void push_start(struct conn *c, uint64_t request_id, Safecampus__Push *push);
void pull_start(struct conn *c, uint64_t request_id, const Safecampus__Pull *pull);

#endif
