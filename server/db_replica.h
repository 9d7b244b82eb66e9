/* Read replica: an optional second pool, on a streaming standby, for the
 * read-only work of dashboards and Pulls (docs/internals/database.md, "Read
 * replica"). Writes never go to it.
 *
 * Positions are times (uv_hrtime, ns) on this worker's clock. A probe asks
 * the primary for its WAL insert position at time t, then the standby for
 * how far it has replayed; once the standby has replayed that far it holds
 * every commit the primary had acknowledged before t: its "fresh" time. A
 * read may go to the standby when
 *   - the standby is reachable and still a standby,
 *   - now - fresh <= replica_max_lag_ms (the staleness bound), and
 *   - fresh > the client's floor: the latest time at which the client saw
 *     primary data (its own Push acknowledged, a read served by the
 *     primary, a Notify), so it never gets something older than it already
 *     has.
 * Otherwise the caller reads from the primary. */
#ifndef SC_DB_REPLICA_H
#define SC_DB_REPLICA_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "db.h"
#include "err.h"

struct replica;

struct replica_stats {
	bool up;                        /* reachable, a standby, last probe answered */
	int64_t lag_ms;                 /* now - fresh; -1 before the first good probe */
	uint64_t picked;                /* reads given the replica */
	uint64_t lagging, down, behind; /* reads sent to the primary, by reason */
	uint64_t failed;                /* reads on the replica that failed (then retried) */
};

/** Makes the replica's pool (size connections to conninfo) and starts
 * probing its lag against primary every few hundred ms. max_lag_ms >= 1.
 * On success *out is the caller's until replica_close. SC_ECONFIG if
 * conninfo does not parse, -ENOMEM. */
SC_WUR int replica_new(struct replica **out, uv_loop_t *loop, struct db_pool *primary,
		       const char *conninfo, int size, long max_lag_ms);

/** A new staleness bound (SIGHUP). */
void replica_set_max_lag(struct replica *r, long max_lag_ms);

/** The replica's pool if a read for a client whose floor is floor_ns may go
 * there now, else NULL (read from the primary). r may be NULL (no replica
 * configured): NULL. The pool is borrowed.
 * A read served by the replica leaves the floor as it is: the standby only
 * moves forward, so the client's next read, from it or from the primary,
 * cannot be older. A read served by the primary raises the floor to the time
 * it completed (its snapshot is older than that). */
struct db_pool *replica_pick(struct replica *r, uint64_t floor_ns);

/** The replica's fresh time (db_replica.h's header comment), 0 if r is
 * NULL or none yet: it holds every commit acknowledged before it. */
uint64_t replica_fresh_ns(const struct replica *r);

/** A read on the replica failed (status): it is not used again until a probe
 * succeeds; logged once per outage. The caller retries on the primary. */
void replica_failed(struct replica *r, int status);

void replica_stats(const struct replica *r, struct replica_stats *out);

/** Logs the counters (replica closing picked=N ...), stops probing and
 * closes the replica's pool; frees r once its handles and probes are done.
 * Idempotent; r must not be used afterwards. */
void replica_close(struct replica *r);

/** Raises *floor to at least pos (floors never go down). */
static inline void replica_floor_raise(uint64_t *floor, uint64_t pos)
{
	if (pos > *floor)
		*floor = pos;
}

/** Internal, shared with tests/unit/test_config.c: "16/B374D848" ->
 * 0x16B374D848; -EINVAL if s is not an LSN. */
int replica__parse_lsn(const char *s, uint64_t *out);

#endif
