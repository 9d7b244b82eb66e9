/* The registry of server-side workflows (workflow.h). push.c runs them
 * generically; a new workflow is one file with its `struct workflow` and a
 * line here. */
#include <string.h>

#include "workflow.h"

static const struct workflow *const workflows[] = {
	&wf_hazard,
	&wf_notice,
	&wf_letter,
};

const struct workflow *workflow_for_event(const struct kind *k)
{
	if (!k)
		return NULL;
	for (size_t i = 0; i < sizeof workflows / sizeof workflows[0]; i++)
		if (!strcmp(workflows[i]->event_kind, k->name))
			return workflows[i];
	return NULL;
}
