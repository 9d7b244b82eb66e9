/* Bringing the database up: migrations and the schema check, then the pool.
 *
 * safecampusd starts and listens whether PostgreSQL answers or not (under
 * systemd a server that exits while the database is down is a restart loop).
 * Until the database has been migrated and checked, requests that need it
 * are answered ERROR_UNAVAILABLE ("the district database is unavailable");
 * meanwhile the worker tries again with a backoff (500 ms doubling up to
 * db_retry_max_ms). The blocking libpq work runs on libuv's thread pool, so
 * the loop keeps serving. The worker starts accepting after the first attempt
 * (server_listen), so a normal start serves with the database ready, and a
 * start with the database down serves at once with that answer. A schema that does not match the wire contract is
 * not a passing fault: the worker then stops with exit status 1. */
#ifndef SC_DBSTART_H
#define SC_DBSTART_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct server;
struct dbstart;

/** Blocking: applies the migrations (for district: migrate_apply_district),
 * then checks the schema against the wire contract (kindsql_init). 0, or the
 * failure with a reason in err and
 * *retryable telling whether trying again later may help (the database
 * could not be reached or was lost) or not (a schema that does not match). */
SC_WUR int dbstart_prepare(const char *conninfo, const char *district, char *err, size_t errlen,
			   bool *retryable);

/** Starts bringing s's database up in the background; server_db_up(s) is
 * called from the loop once it is. -ENOMEM. */
SC_WUR int dbstart_begin(struct server *s);
/** Gives up (server stopping): no more tries; an attempt in flight finishes
 * on its thread and is ignored. */
void dbstart_stop(struct server *s);

#endif
