/* The hazard rectification workflow (隐患排查整改) as a pure state machine.
 *
 *   reported --assign--> assigned --rectify--> rectified --verify--> verified --close--> closed
 *                           ^                                           |                  |
 *                           +------------------- reopen ----------------+------------------+
 *   note: any state, no change.
 *
 * Client and server run the same code: the client to refuse a bad step at once,
 * offline; the server to decide, as the authority, in the order it commits. */
#ifndef SC_HAZARD_FSM_H
#define SC_HAZARD_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"

/* What the events so far say about one hazard. */
struct hazard_status {
	Safecampus__HazardState state;
	char owner[128];
	char deadline_date[11];   /* "YYYY-MM-DD" or "" */
	char rectified_by[128];   /* actor of the last RECTIFY, "" if none */
	int64_t reported_ms;      /* unused by the machine; callers may fill it */
	int64_t rectified_ms;
	int64_t verified_ms;
	int64_t closed_ms;
	unsigned reopen_count;
};

/** The status of a hazard with no events yet: reported. */
void hazard_status_init(struct hazard_status *s);

/** Applies ev to s if the step is allowed. On refusal returns SC_ETRANSITION
 * (or SC_EINVALID for a missing field) and writes a reason for people into
 * why; s is unchanged. */
SC_WUR int hazard_apply(struct hazard_status *s, const Safecampus__HazardEvent *ev,
			char *why, size_t whylen);

/** Lower-case state name ("reported", ...). */
const char *hazard_state_name(Safecampus__HazardState st);

/** True if the hazard is past its deadline on day today ("YYYY-MM-DD") and not
 * yet verified or closed. */
int hazard_is_overdue(const struct hazard_status *s, const char *today);

#endif
