/* One safecampusd worker: a libuv loop, the listening socket, the client
 * connections, the PostgreSQL pool. Workers share nothing but PostgreSQL. */
#ifndef SC_SERVER_H
#define SC_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "hlc.h"
#include "tls.h"

struct conn;
struct dash_sched;

/* The highest seq this worker has heard of for one school's rows ("" for the
 * bureau's own rows): what a school's Notify.head may say. */
struct school_head {
	char school[64];
	uint64_t seq;
};

struct server {
	uv_loop_t *loop;
	const struct config *cfg;
	struct tls_ctx *tls;
	struct db_pool *db;
	uv_tcp_t listener;
	uv_signal_t sigterm, sigint;
	struct hlc clock;
	struct conn *conns;       /* doubly linked list of live connections */
	size_t nconns;
	uint64_t head_seq;        /* highest committed seq this worker has heard of */
	struct school_head *heads; /* per school, so a school never learns the */
	size_t nheads, capheads;   /* district's write volume (server_head_for) */
	int stopping;
	int listen_fd;            /* socket made with SO_REUSEPORT, owned by listener */
	char request_timeout[24]; /* statement_timeout for requests, e.g. "30000ms" */
	struct dash_sched *dash;  /* debounced dashboard pushes (dashboard.c) */
};

/** Binds, migrates nothing (main does that), connects the pool, starts
 * accepting. -errno / SC_E* with the reason logged. */
SC_WUR int server_start(struct server *s, uv_loop_t *loop, const struct config *cfg);
/** Stops accepting, closes connections gracefully, closes the pool; the loop
 * then runs out by itself. Safe to call more than once. */
void server_stop(struct server *s);
/** Tells subscribed connections that rows up to seq of `school` ("" for the
 * bureau's own rows) are committed. */
void server_notify(struct server *s, const char *school, uint64_t seq);
/** The head a Notify to c carries: the district's for the bureau; for a school,
 * the highest seq of its own rows and the bureau's that this worker knows. */
uint64_t server_head_for(const struct server *s, const struct conn *c);

#endif
