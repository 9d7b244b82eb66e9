/* Internals of the PostgreSQL layer, shared by db.c (one connection: its
 * state machine, request FIFO, statement cache, socket watching, connecting
 * and cleaning), db_io.c (sending requests and matching results) and
 * db_pool.c (the pool, LISTEN, SQLSTATE). Not part of db.h's contract. */
#ifndef SC_DB_INT_H
#define SC_DB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <uv.h>

#include "db.h"

#define DB_MAX_POOL 64
#define DB_MAX_LISTEN 64
#define DB_CHANNEL_MAX 63
#define DB_STMT_BUCKETS 128
#define DB_MAX_PARAMS 65535
#define DB_NAME_LEN 24

enum dbc_state {
	CS_CONNECTING, /* PQconnectPoll/PQresetPoll in progress */
	CS_IDLE,       /* healthy, in the pool (or: the listener, listening) */
	CS_BUSY,       /* held by a caller between acquire and release */
	CS_CLEANING,   /* released; draining its FIFO, rolling back if needed */
	CS_BROKEN,     /* lost while held; waits for db_release */
	CS_BACKOFF,    /* waiting for the timer to (re)connect */
	CS_CLOSED,     /* pool closing */
};


enum req_kind { RQ_QUERY, RQ_PREPARE, RQ_SYNC, RQ_ROLLBACK, RQ_LISTEN };

enum stmt_state { ST_PENDING, ST_READY, ST_FAILED };

/* A prepared statement of one connection, keyed by its SQL text. */
struct db_stmt {
	struct db_stmt *next;
	uint32_t hash;
	unsigned id;  /* server-side name is "sc<id>" */
	uint64_t seg; /* pipeline segment its PREPARE was sent in */
	uint8_t state;
	char sql[];
};

/* One entry per request sent to libpq, in send order. */
struct db_req {
	db_result_cb cb;
	void *arg;
	PGresult *res;      /* last result, held until the terminating NULL */
	PGresult *prep_err; /* the failed PREPARE of this execute, if any */
	struct db_stmt *stmt;
	unsigned stmt_id;
	int listen_idx;
	uint8_t kind;
	bool started;  /* at least one result seen */
	bool has_exec; /* RQ_PREPARE: the next entry is its execute */
};

/* uv_poll_t binds one fd for life; a new socket needs a new handle, and the
 * old one is freed only in its close callback. */
struct db_poll {
	uv_poll_t h;
	struct db_pool *pool;
	struct db_conn *c; /* NULL once detached */
	int fd;
	int events;
};

struct db_conn {
	struct db_pool *pool;
	PGconn *pg;
	struct db_poll *poll;
	uv_timer_t timer;
	enum dbc_state state;
	int id; /* index in the pool, -1 for the listener */
	bool listener;
	bool resetting;    /* PQresetPoll rather than PQconnectPoll */
	bool fail_pending; /* FIFO to be failed with -ECANCELED from the loop */
	bool in_drain;
	bool rolled_back;
	bool clean_failed;
	bool seg_failed; /* a statement failed since the last sync */
	unsigned attempts;
	unsigned host_shift; /* a multi-host conninfo: the host the next attempt starts at */
	unsigned gen;        /* bumped whenever the session is lost or closed */
	uint64_t seg;        /* syncs sent on this session */
	unsigned unsynced;   /* requests sent since the last sync */
	struct db_req *q;
	unsigned qcap, qhead, qlen;
	struct db_stmt *stmts[DB_STMT_BUCKETS];
	unsigned nstmt;
	unsigned next_stmt_id;
};

struct db_waiter {
	db_acquire_cb cb;
	void *arg;
	uint64_t deadline;
};

struct db_listen_reg {
	char channel[DB_CHANNEL_MAX + 1];
	db_notify_cb cb;
	void *arg;
};

struct db_pool {
	uv_loop_t *loop;
	char *conninfo;
	struct db_pool_config cfg;
	struct db_conn *conns[DB_MAX_POOL];
	int size;
	int rr;
	struct db_conn *listener;
	struct db_listen_reg listens[DB_MAX_LISTEN];
	int nlisten;
	struct db_waiter *waiters;
	unsigned wcap, whead, wlen;
	uv_timer_t kick_timer;
	uv_timer_t wait_timer;
	unsigned nhandles;
	bool closing;
	bool torn_down;
	void (*done)(void *arg);
	void *done_arg;
	struct db_pool_stats st;
};

void db__cfg_fill(struct db_pool_config *cfg);
void db__clean_step(struct db_conn *c);
void db__dbc_connect_failed(struct db_conn *c, const char *why);
void db__dbc_connect_start(struct db_conn *c);
void db__dbc_connect_step(struct db_conn *c);
void db__dbc_fail_all(struct db_conn *c);
int db__dbc_log_id(const struct db_conn *c);
void db__dbc_lost(struct db_conn *c, const char *why);
void db__dbc_schedule_reconnect(struct db_conn *c);
void db__dbc_set_state(struct db_conn *c, enum dbc_state to);
uint32_t db__fnv1a(const char *s);
void db__on_handle_closed(uv_handle_t *h);
const char *db__oneline(const char *s, char *buf, size_t n);
void db__poll_drop(struct db_conn *c);
void db__poll_pause(struct db_conn *c);
int db__poll_set(struct db_conn *c, int events) __attribute__((warn_unused_result));
struct db_req *db__q_head(struct db_conn *c);
struct db_req db__q_pop(struct db_conn *c);
struct db_req *db__q_push(struct db_conn *c, enum req_kind kind);
bool db__q_sane(const struct db_conn *c);
struct db_req *db__q_tail(struct db_conn *c);
bool db__sock_gone(struct db_conn *c);
struct db_stmt *db__stmt_find(struct db_conn *c, const char *sql, uint32_t h);
void db__stmt_name(char *buf, unsigned id);
void db__on_poll(uv_poll_t *h, int status, int events);
bool db__send_failed(struct db_conn *c, int *rc);
int db__send_sync(struct db_conn *c, db_result_cb cb, void *arg)
	__attribute__((warn_unused_result));
void db__listen_send(struct db_conn *c, int idx);
void db__pool_kick(struct db_pool *p);

#endif
