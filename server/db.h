/* Asynchronous PostgreSQL layer on a libuv loop (docs/internals/database.md).
 *
 * A pool of libpq connections, each non-blocking and in pipeline mode, driven
 * by uv_poll on its socket. The loop never blocks inside this module, with one
 * documented exception: libpq resolves host names synchronously while it
 * starts a connection, so give it a socket directory or a numeric hostaddr.
 *
 *   db_acquire(pool, on_conn, req);          -> on_conn(req, 0, c)
 *   db_query(c, "INSERT ... $1", 1, v, on_row, req);
 *   db_query(c, "SELECT ...", 0, NULL, on_sel, req);
 *   db_sync(c, on_synced, req);              -> results arrive in order
 *   db_release(c);                           (from on_synced, say)
 *
 * Rules every caller can rely on:
 *  - No callback ever runs from inside a db_* call; they all run from the loop.
 *  - A function that returns non-zero does not call its callback.
 *  - Every accepted request gets exactly one callback, in the order the
 *    requests were made on that connection.
 *  - Outside an explicit BEGIN, the statements between two syncs form one
 *    implicit transaction that commits at the sync (protocol semantics).
 *  - SQL text must be one statement; parameters are $1..$n, sent and received
 *    as text (NULL pointer = SQL NULL). Each distinct SQL text is prepared
 *    once per connection, invisibly.
 */
#ifndef SC_DB_H
#define SC_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "err.h"

/** Status for a request skipped because an earlier statement of the same
 * pipeline (since the previous sync) failed. The failing statement itself
 * completed with SC_EDB. Candidate for common/err.h (as SC_EABORTED). */
#define DB_EABORTED (SC_EBASE - 100)

struct db_pool;
struct db_conn;

/** Result of db_query/db_sync.
 * status 0: success; res is the statement's result (NULL for db_sync).
 * SC_EDB: the statement failed; res holds the error (PQresultErrorField
 *   PG_DIAG_SQLSTATE / PG_DIAG_MESSAGE_PRIMARY). For db_sync: never.
 * DB_EABORTED: skipped (or, for db_sync, the pipeline segment it closes had a
 *   failure); res NULL.
 * -ECANCELED: connection lost or pool closing; res NULL.
 * res belongs to the layer and is PQclear'ed when the callback returns. */
typedef void (*db_result_cb)(void *arg, int status, PGresult *res);

/** status 0 and a connection that is the caller's until db_release, or
 * -ETIMEDOUT (no connection within the acquire timeout) or -ECANCELED (pool
 * closing) with c NULL. */
typedef void (*db_acquire_cb)(void *arg, int status, struct db_conn *c);

/** A NOTIFY on channel. payload NULL means "subscription (re)established":
 * notifications sent while the listener was disconnected are lost, so a
 * caller that cares re-reads whatever the channel announces. */
typedef void (*db_notify_cb)(void *arg, const char *channel, const char *payload);

/** Limits and timers; 0 in any field means the default shown. */
struct db_pool_config {
	unsigned max_waiters;        /* pending db_acquire calls: 256 */
	unsigned acquire_timeout_ms; /* waiter gives up with -ETIMEDOUT: 10000 */
	unsigned connect_timeout_ms; /* one connection attempt: 10000 */
	unsigned reconnect_max_ms;   /* backoff cap (starts at 0, then 100 ms, doubles): 5000 */
	unsigned max_inflight;       /* queued requests per connection: 1024 */
	unsigned max_statements;     /* prepared statements cached per connection: 512 */
};

struct db_pool_stats {
	unsigned size, idle, busy, connecting, down, waiters;
	uint64_t acquired, queries, failed, canceled, reconnects, acquire_timeouts;
};

/** Creates a pool of size (1..64) connections and starts connecting them.
 * conninfo is a libpq connection string or URI; it is checked here
 * (SC_ECONFIG if it does not parse). On failure *out is NULL and any handle
 * already made is released the next time the loop runs. */
int db_pool_new(struct db_pool **out, uv_loop_t *loop, const char *conninfo, int size) SC_WUR;

/** Optional, before the first db_acquire: replaces the defaults. */
void db_pool_configure(struct db_pool *p, const struct db_pool_config *cfg);

/** Fails waiters and in-flight requests with -ECANCELED (from the loop, not
 * from this call), closes every connection and handle, frees the pool and
 * then calls done(arg). Idempotent; p must not be used afterwards. */
void db_pool_close(struct db_pool *p, void (*done)(void *arg), void *arg);

/** Queues for an idle, healthy connection (FIFO). -EBUSY when max_waiters are
 * already queued, -ECANCELED when the pool is closing, -EINVAL without cb. */
int db_acquire(struct db_pool *p, db_acquire_cb cb, void *arg) SC_WUR;

/** Queues one statement on an acquired connection. cb may be NULL.
 * -ECANCELED if the connection was lost, -ENOBUFS past max_inflight,
 * -EINVAL on misuse (not acquired, bad arguments), SC_EDB if libpq refused. */
int db_query(struct db_conn *c, const char *sql, int nparams, const char *const *values,
	     db_result_cb cb, void *arg) SC_WUR;

/** Pipeline sync point: the server commits an implicit transaction, ends an
 * aborted segment, and sends what it has. cb (may be NULL) gets 0, or
 * DB_EABORTED if a statement since the previous sync failed, or -ECANCELED. */
int db_sync(struct db_conn *c, db_result_cb cb, void *arg) SC_WUR;

/** Gives the connection back. Callbacks of requests still queued on it are
 * still delivered. Unsynced statements get a sync; an open or failed
 * transaction is rolled back before reuse; a broken connection is reset in
 * the background. c must not be used afterwards. */
void db_release(struct db_conn *c);

/** Gives up on an acquired connection whose answers are not coming (a request
 * timed out): the session is dropped, everything queued on it completes with
 * -ECANCELED from the loop, and db_release then reconnects it. PostgreSQL
 * rolls the open transaction back when it notices (or, on a silent network,
 * after idle_in_transaction_session_timeout). */
void db_abort(struct db_conn *c, const char *why);

/** PostgreSQL backend pid of an acquired connection, 0 if none. */
int db_conn_backend_pid(const struct db_conn *c);

void db_pool_stats(const struct db_pool *p, struct db_pool_stats *out);

/** Subscribes to channel (exact name, at most 63 bytes) on one dedicated
 * connection owned by the pool, reconnected and re-subscribed when lost.
 * cb(arg, channel, NULL) runs each time the LISTEN takes effect. At most 64
 * subscriptions; -ENOSPC beyond, -ECANCELED when closing. */
int db_listen(struct db_pool *p, const char *channel, db_notify_cb cb, void *arg) SC_WUR;

/** true for SQLSTATEs where running the same transaction again may succeed:
 * serialization failure, deadlock, lock not available, server shutdown or
 * start-up, too many connections, and the connection class 08. */
bool db_sqlstate_retryable(const char *sqlstate);

/** SQLSTATE of a result, "" if none. Never NULL. */
const char *db_result_sqlstate(const PGresult *res);

/** sc_strerror plus DB_EABORTED. */
const char *db_strerror(int rc);

#endif
