/* A client connection: an explicit state machine over a TLS channel.
 *
 *   NEW --accept--> HANDSHAKE --tls ok--> HELLO --Hello ok--> READY <--> BUSY --> ABORTING
 *    \                ^                                          |         |           |
 *     `--> PROXY -----'   (error / close / timeout, from any state) ---------+-----------+--> CLOSING
 *
 * PROXY is a connection from a balancer in proxy_trusted, waiting for its
 * PROXY protocol v2 header (proxy.h, proxy_timeout_ms): the header names the
 * campus the balancer relays, and from then on the connection is that
 * campus's (its address in the log, its per-address count). A LOCAL header
 * (the balancer's health check) keeps the balancer's address. From anyone
 * else a PROXY header is refused (the check is on the first bytes, during
 * HANDSHAKE).
 *
 * READY waits for a request; BUSY serves one in the database; ABORTING is a
 * request that ran past request_timeout_ms and was given up, waiting for it
 * to answer Error through its own path. conn_set_state is the only place
 * that changes the state, and each state's timer is armed there: handshake_
 * timeout_ms, hello_timeout_ms, idle_timeout_ms in READY (restarted at every
 * message), request_timeout_ms in BUSY and again in ABORTING. One request is
 * served at a time: while BUSY the channel is paused, so a client may
 * pipeline requests and they are answered in order, and a client that sends
 * faster than the database can take is held back instead of buffered without
 * bound.
 *
 * Admission (docs/OPERATIONS.md, "Connection limits"): at accept, the
 * worker's max_connections and the peer address's max_connections_per_address
 * (for a balancer's connection: the relayed address, once its header came);
 * while HANDSHAKE, a budget of max_handshakes shared by every connection not
 * yet identified (when full, the oldest is dropped for the newcomer, so a
 * flood of stalled handshakes delays real clients by one handshake at most);
 * after the handshake, max_connections_per_cert per school/campus. */
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
	CONN_NEW,   /* allocated, not yet accepted */
	CONN_PROXY, /* from a trusted balancer: waiting for its PROXY header */
	CONN_HANDSHAKE,
	CONN_HELLO,
	CONN_READY,    /* identified, said Hello; waits for a request */
	CONN_BUSY,     /* a request is in the database (conn_request_begin) */
	CONN_ABORTING, /* that request timed out and was given up; it still holds c */
	CONN_CLOSING,
	CONN_NSTATES
};

struct conn {
	struct channel ch; /* first: the channel's tcp handle is accepted into */
	struct server *srv;
	struct conn *prev, *next; /* server's list */
	struct conn *hs_prev,
		*hs_next; /* server's handshake queue, oldest first (HANDSHAKE only) */
	enum conn_state state;
	uv_timer_t timer; /* the current state's time limit */
	int handles_open; /* channel + timer; freed when both closed */
	struct tls_identity id;
	char peer[64];     /* address for logs: the relayed client's behind a balancer */
	char via[64];      /* the balancer's address when relayed (PROXY), else "" */
	bool proxy_local;  /* a balancer's own connection (PROXY LOCAL: a health check) */
	char addr[48];     /* peer IP without port: per-address limit key */
	char certkey[136]; /* "school/campus" ("bureau/office"): per-certificate key */
	bool addr_counted, cert_counted; /* holds a count in the server's limit tables */
	bool quiet;                      /* refused at admission: its close is not logged again */
	bool dropped;                    /* aborted (channel_abort); counted in server ndropped */
	unsigned tls_gen;                /* server TLS context generation it was accepted with */
	/* A request holds c (a lifetime reference, not a state): set by
	 * conn_request_begin with CONN_BUSY, cleared by conn_request_done. It
	 * outlives BUSY when c closes mid-request: c is freed only once the
	 * request let go. */
	bool busy;
	void (*abort)(void *req); /* gives the request up (request_timeout_ms) */
	void *req;
	bool subscribed;
	bool wants_dashboards; /* Subscribe.dashboards: pushed Dashboards (dashboard.c) */
	uint64_t pushed;       /* records acknowledged in Pushes since the last full pull */
	/* uv_hrtime when this client last saw the primary's data (its Push, a
	 * read served by the primary): reads go to the replica only once it
	 * holds everything up to then (db_replica.h) */
	uint64_t read_floor_ns;
	uint64_t requests;
};

/** Accepts one pending connection on the server's listener. The conn frees
 * itself after both its handles close. */
SC_WUR int conn_accept(struct server *s);
/** Moves c to state `to`, checking the move is legal, and arms that state's
 * timer. Moving to the state c is in restarts its timer (READY: a message
 * came). An illegal move logs an error and closes. */
void conn_set_state(struct conn *c, enum conn_state to);
/** Sends an Error (request_id may be 0) and closes after it is flushed. */
void conn_fail(struct conn *c, uint64_t request_id, int code, const char *msg);
/** Sends env; on a full write queue the connection is closed. */
void conn_send(struct conn *c, const Safecampus__Envelope *env);
/** A request goes to the database: READY -> BUSY, stop reading, arm
 * request_timeout_ms; when it runs out (-> ABORTING), abort(req) is called
 * once and must make the request finish (with an Error) through its normal
 * path. abort may be NULL. */
void conn_request_begin(struct conn *c, void (*abort)(void *req), void *req);
/** A request finished: BUSY/ABORTING -> READY, resume reading (or, when
 * closing, free c if nothing else holds it). */
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
#define conn_log_at(lvl, c, ...)                                                \
	do {                                                                    \
		if ((lvl) >= log_min_level)                                     \
			conn__log((lvl), __FILE__, __LINE__, (c), __VA_ARGS__); \
	} while (0)
#define conn_debug(c, ...) conn_log_at(LOG_DEBUG, c, __VA_ARGS__)
#define conn_info(c, ...) conn_log_at(LOG_INFO, c, __VA_ARGS__)
#define conn_warn(c, ...) conn_log_at(LOG_WARN, c, __VA_ARGS__)
#define conn_error(c, ...) conn_log_at(LOG_ERROR, c, __VA_ARGS__)
void conn__log(enum log_level lvl, const char *file, int line, const struct conn *c,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** True while c serves requests: READY, or BUSY/ABORTING with one in the
 * database (e.g. to send it an unsolicited Notify). */
bool conn_serving(const struct conn *c);

/* Request handlers (handle.c, push.c, pull.c). A handler that goes to the
 * database calls conn_request_begin, and conn_request_done when it has answered.
 * push_start takes ownership of push (safecampus__push__free_unpacked). */
void handle_envelope(struct conn *c, Safecampus__Envelope *env);
/** c has been sent every change up to the head (a Changes with more = false):
 * its sync health says it synced now, with what it pushed no longer pending. */
void handle_synced(struct conn *c);
void push_start(struct conn *c, uint64_t request_id, Safecampus__Push *push);
void pull_start(struct conn *c, uint64_t request_id, const Safecampus__Pull *pull);
/* evidence files (evidence.c) */
void evidence_offer(struct conn *c, uint64_t request_id, const Safecampus__EvidenceOffer *m);
void evidence_chunk(struct conn *c, uint64_t request_id, const Safecampus__EvidenceChunk *m);
void evidence_get(struct conn *c, uint64_t request_id, const Safecampus__EvidenceGet *m);

#endif
