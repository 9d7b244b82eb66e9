/* What the hazard kind's entry knows that a hazard view needs too. */
#ifndef SC_KIND_HAZARD_H
#define SC_KIND_HAZARD_H

#include "hazard_fsm.h"
#include "kind_ops.h"

/** Loads the events of hazard_id (leaving out skip_id) into x and folds them
 * through hazard_fsm into s; rejected events do not count (each event says
 * whether it was applied and why not). Free x with kind_events_free. */
SC_WUR int hazard_fold(const struct kind_env *env, const char *hazard_id, const char *skip_id,
		       struct kind_events *x, struct hazard_status *s);

#endif
