/* One safecampusd worker: a libuv loop, the listening socket, the client
 * connections, the PostgreSQL pool. Workers share nothing but PostgreSQL. */
#ifndef SC_SERVER_H
#define SC_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "hlc.h"
#include "conn_limits.h"
#include "proxy.h"
#include "tls.h"

struct conn;
struct dash_sched;
struct dbstart;
struct replica;

/* The highest seq this worker has heard of for one school's rows ("" for the
 * bureau's own rows): what a school's Notify.head may say. */
struct school_head {
	char school[64];
	uint64_t seq;
	uint64_t at_ns; /* uv_hrtime when seq last rose (server_head_at) */
};

/** Why a connection was turned away at admission (conn.c), for the log's
 * one-line-per-second refusal summary. */
enum server_refusal {
	SERVER_REFUSED_TOTAL,           /* max_connections */
	SERVER_REFUSED_ADDR,            /* max_connections_per_address */
	SERVER_REFUSED_HANDSHAKE,       /* max_handshakes: the oldest handshake dropped */
	SERVER_REFUSED_CERT,            /* max_connections_per_cert */
	SERVER_REFUSED_PROXY,           /* a trusted balancer's PROXY header malformed or late */
	SERVER_REFUSED_PROXY_UNTRUSTED, /* a PROXY header from an address not in proxy_trusted */
	SERVER_REFUSED_N,
};

struct server_refusal_log {
	uint64_t logged_ms; /* uv_now of the last line */
	unsigned suppressed;
	uint64_t total; /* refusals for this reason since the worker started */
};

struct server {
	uv_loop_t *loop;
	struct config *cfg;  /* reloadable settings change on SIGHUP (server_reload) */
	struct tls_ctx *tls; /* for new handshakes; replaced by a reload */
	unsigned tls_gen;    /* bumped at each replacement of tls */
	struct db_pool *db;
	struct replica *replica; /* read replica for dashboards and Pulls, or NULL */
	uv_tcp_t listener;
	uv_signal_t sigterm, sigint, sighup, sigusr1;
	uv_timer_t crl_timer;    /* warns before the CRL's next update passes */
	uv_timer_t trim_timer;   /* gives freed handshake memory back (server.c) */
	uv_timer_t listen_timer; /* accepting starts at the latest when it fires */
	bool listening;
	struct hlc clock;
	struct conn *conns; /* doubly linked list of live connections */
	size_t nconns;
	size_t ndropped;                /* of nconns, aborted and about to be freed */
	struct conn *hs_head, *hs_tail; /* connections in HANDSHAKE, oldest first */
	size_t nhandshakes;
	struct limit_table by_addr; /* connections per peer IP */
	struct limit_table by_cert; /* identified connections per school/campus */
	struct server_refusal_log refusals[SERVER_REFUSED_N];
	struct proxy_trust proxies; /* proxy_trusted, parsed (start, reload) */
	uint64_t head_seq;          /* highest committed seq this worker has heard of */
	uint64_t head_at_ns;        /* uv_hrtime when head_seq last rose */
	struct school_head *heads;  /* per school, so a school never learns the */
	size_t nheads, capheads;    /* district's write volume (server_head_for) */
	int stopping;
	int listen_fd;            /* socket made with SO_REUSEPORT, owned by listener */
	char request_timeout[24]; /* statement_timeout for requests, e.g. "30000ms" */
	struct dash_sched *dash;  /* debounced dashboard pushes (dashboard.c) */
	struct dbstart *dbstart;  /* bringing the database up, until it is (dbstart.c) */
	bool db_ready;            /* migrated, checked, pool made: requests may use db */
	int exit_code;            /* 1 after a fatal failure once running (schema mismatch) */
};

/** Loads TLS, binds, starts accepting, and starts bringing the database up
 * in the background (dbstart.c): until server_db_up, s->db is NULL and
 * requests that need it are answered ERROR_UNAVAILABLE. -errno / SC_E*
 * with the reason logged. */
SC_WUR int server_start(struct server *s, uv_loop_t *loop, struct config *cfg);
/** The database is migrated and checked: makes the pool, LISTENs, starts
 * the dashboard scheduler and escalation, and sets db_ready. */
void server_db_up(struct server *s);
/** Starts accepting (once): called after the first database attempt, or
 * when the wait for it ran out. */
void server_listen(struct server *s);
/** The message of ERROR_UNAVAILABLE while the database is not up. */
#define SERVER_DB_UNAVAILABLE "the district database is unavailable; try again later"
/** SIGHUP: re-reads the configuration (cfg->path, cfg->argv), builds a new
 * TLS context (certificate, key, CA, CRL) and, if all of it loads, swaps it
 * in for new handshakes and applies the reloadable settings; connections
 * whose certificate no longer verifies are closed, the others stay. On any
 * failure the running configuration and context stay and the reason is
 * logged. 0 or the failure. */
int server_reload(struct server *s);
/** Makes the server TLS context of cfg: tls_ctx_new plus the CRL, if any.
 * Logs nothing; the reason goes to err. */
SC_WUR int server_tls_new(const struct config *cfg, struct tls_ctx **out, char *err, size_t errlen);
/** The handshake budget: max_handshakes, or a tenth of max_connections. */
size_t server_max_handshakes(const struct config *cfg);
/** Stops accepting, closes connections gracefully, closes the pool; the loop
 * then runs out by itself. Safe to call more than once. */
void server_stop(struct server *s);
/** After the loop has run out: frees what server_start made that outlives
 * the loop (TLS context, limit tables). */
void server_free(struct server *s);
/** Tells subscribed connections that rows up to seq of `school` ("" for the
 * bureau's own rows) are committed. */
void server_notify(struct server *s, const char *school, uint64_t seq);
/** The head a Notify to c carries: the district's for the bureau; for a school,
 * the highest seq of its own rows and the bureau's that this worker knows. */
uint64_t server_head_for(const struct server *s, const struct conn *c);
/** When this worker learned the head server_head_for(c) gives (the later of
 * the two heads it combines, uv_hrtime): the rows up to it committed before
 * then. A read replica holding everything committed before that time holds
 * them (pull.c). */
uint64_t server_head_at(const struct server *s, const struct conn *c);

#endif
