/* The hazard rectification workflow (隐患排查整改) as a pure state machine.
 *
 *   reported --assign--> assigned --rectify--> rectified --verify--> verified --close--> closed
 *                           ^                                           |                  |
 *                           +------------------- reopen ----------------+------------------+
 *   note: any state, no change.
 *   escalate: any state, no change of state; written by the server when the
 *     hazard is overdue (docs/internals/escalation.md). Each one raises the
 *     escalation level by one: 1 owner, 2 principal, 3 bureau; a fourth
 *     against the same deadline is refused. An assign that changes the deadline,
 *     or a reopen, starts the count again.
 *
 * Client and server run the same code: the client to refuse a bad step at once,
 * offline; the server to decide, as the authority, in the order it commits. */
#ifndef SC_HAZARD_FSM_H
#define SC_HAZARD_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"

/* Escalation levels of an overdue hazard: who has been told. */
enum hazard_escalation {
	HAZARD_ESCALATION_NONE = 0,
	HAZARD_ESCALATION_OWNER = 1,     /* the day after the deadline */
	HAZARD_ESCALATION_PRINCIPAL = 2, /* deadline + N days (escalation_policy) */
	HAZARD_ESCALATION_BUREAU = 3,    /* deadline + M days */
	HAZARD_ESCALATION_MAX = HAZARD_ESCALATION_BUREAU,
};

/* What the events so far say about one hazard. */
struct hazard_status {
	Safecampus__HazardState state;
	char owner[128];
	char deadline_date[11]; /* "YYYY-MM-DD" or "" */
	char rectified_by[128]; /* actor of the last RECTIFY, "" if none */
	int64_t reported_ms;    /* unused by the machine; callers may fill it */
	int64_t rectified_ms;
	int64_t verified_ms;
	int64_t closed_ms;
	unsigned reopen_count;
	unsigned escalation_level; /* enum hazard_escalation reached for the current deadline */
	char found_date[11];       /* the hazard's found_date, "" if not known: a deadline
				   * before it is refused (both sides fill it in) */
};

/** The status of a hazard with no events yet: reported. */
void hazard_status_init(struct hazard_status *s);

/** Applies ev to s if the step is allowed. On refusal returns SC_ETRANSITION
 * (or SC_EINVALID for a missing field) and writes a reason for people into
 * why; s is unchanged. */
SC_WUR int hazard_apply(struct hazard_status *s, const Safecampus__HazardEvent *ev, char *why,
			size_t whylen);

/** Lower-case state name ("reported", ...). */
const char *hazard_state_name(Safecampus__HazardState st);

/** Who an escalation level goes to, for people: "the owner", "the principal",
 * "the bureau"; "nobody" for 0 and "unknown" past the maximum. */
const char *hazard_escalation_to(unsigned level);

/** True if the hazard is past its deadline on day today ("YYYY-MM-DD") and not
 * yet verified or closed. */
int hazard_is_overdue(const struct hazard_status *s, const char *today);

#endif
