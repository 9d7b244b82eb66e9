/* Server-side workflows: kinds whose records are events that move a parent
 * record through states (a hazard's rectification, wf_hazard.c; a notice's
 * acknowledgement and report by each school, wf_notice.c).
 *
 * The push transaction (push.c) loads the current status of every parent the
 * batch touches, applies the batch's new events in order through `apply`
 * (the workflow's rules: illegal steps are rejected per record), and writes
 * the changed statuses back in the same transaction. A workflow is a table
 * entry here plus its rules; push.c knows nothing of any one workflow. */
#ifndef SC_WORKFLOW_H
#define SC_WORKFLOW_H

#include <libpq-fe.h>
#include <stddef.h>

#include "err.h"
#include "kinds.h"

#define WF_MAX_STORE_COLS 16
#define WF_TEXT 256

struct workflow {
	const char *event_kind;  /* the kind of the events, e.g. "hazard_event" */
	const char *parent_kind; /* the kind they hang on, e.g. "hazard" */
	size_t status_size;      /* bytes of one status */
	/* $1 school, $2 uuid[] -> id::text, then the columns `load` reads */
	const char *load_sql;
	/* $1 school, $2 text[] ids, $3.. one text[] per store column; NULL:
	 * nothing to store besides the events (store is not called) */
	const char *store_sql;
	int nstore;
	/** Status of a parent with no events yet (created in this batch). */
	void (*init)(void *status);
	/** The same from the parent's record, when the status depends on it (a
	 * letter's level and holder); NULL: init. */
	void (*init_new)(void *status, const Safecampus__Record *parent);
	/** Reads one row of load_sql into status. */
	SC_WUR int (*load)(void *status, const PGresult *res, int row);
	/** Applies one new event; SC_ETRANSITION / SC_EINVALID with a reason. */
	SC_WUR int (*apply)(void *status, const Safecampus__Record *event, char *why,
			    size_t whylen);
	/** Text of each store column for status, into out[i] (WF_TEXT bytes each). */
	void (*store)(const void *status, char out[][WF_TEXT]);
	/* `safecampusd --verify` re-derives the stored status from the stored
	 * events (verify_pg.c): the names of the nstore columns, for its report,
	 * and */
	const char *const *store_names;
	/** Forgets what the events made of a status load() read, keeping what
	 * comes from the parent's own row (a hazard's found_date): the status
	 * the first event was applied to. NULL: the status is not re-derived
	 * (a notice's depends on the notice's version at each step). */
	void (*rebase)(void *status);
};

/** The workflow whose events are of kind k, or NULL. */
const struct workflow *workflow_for_event(const struct kind *k);

/* The workflows, registered in workflow.c. */
extern const struct workflow wf_hazard; /* hazard_event -> hazard (derived columns) */
extern const struct workflow wf_notice; /* notice_event -> notice (notice_status) */
extern const struct workflow wf_letter; /* letter_event -> letter (its counter-signature) */

#endif
