/* Overdue hazards escalate (docs/internals/escalation.md).
 *
 * Every escalation_interval_ms each worker's timer asks for a pass; one worker
 * at a time runs it (a transaction-level advisory lock, tried, never waited
 * for). A pass is one transaction on a pooled connection, never blocking the
 * loop: for every hazard past its deadline, neither verified nor closed, whose
 * due level (1 owner, 2 principal at deadline + N days, 3 bureau at + M days,
 * N and M per severity from escalation_policy) is above the level already
 * raised, it appends one `escalate` hazard_event per missing level, under the
 * district sync lock like any other writer of sync_seq, and notifies the
 * school's subscribers. */
#ifndef SC_ESCALATE_H
#define SC_ESCALATE_H

#include "err.h"

struct server;

/** Starts the escalation timer of s (its loop, pool, clock and configuration).
 * Does nothing and returns 0 when cfg->escalation_enabled is 0. -ENOMEM, or a
 * libuv error. Call after the pool exists. */
SC_WUR int escalate_start(struct server *s);

/** Asks for a pass now (SIGUSR1: an operator who changed escalation_policy,
 * a test that must not wait for the interval): at once if none is running,
 * else right after the one that is. Its end is logged at info level, even
 * when it raises nothing or another worker holds the pass ("escalation pass
 * hazards=..." or "escalation pass skipped"). -ENOENT when escalation is off. */
SC_WUR int escalate_now(struct server *s);

/** Stops the timer of s. A pass in flight completes, or fails with the pool's
 * -ECANCELED when the pool closes; its memory is freed from the loop. Safe to
 * call when escalate_start was never called or did nothing. */
void escalate_stop(struct server *s);

#endif
