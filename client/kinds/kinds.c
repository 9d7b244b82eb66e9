/* The command line's per-kind hooks (cli_kind.h), one entry per kind that
 * prints something of its own. Kinds whose behaviour is all data (status
 * words, verbs: the visitor log) need no entry here. */
#include "cli_kind.h"

#include <string.h>

extern const struct cli_kind cli_kind_hazard, cli_kind_notice, cli_kind_letter, cli_kind_bus,
	cli_kind_bus_trip;

static const struct cli_kind *const hooks[] = {
	&cli_kind_hazard, &cli_kind_notice, &cli_kind_letter, &cli_kind_bus, &cli_kind_bus_trip,
};

const struct cli_kind *cli_kind_of(const struct kind *k)
{
	for (size_t i = 0; k && i < sizeof hooks / sizeof hooks[0]; i++)
		if (strcmp(hooks[i]->kind, k->name) == 0)
			return hooks[i];
	return NULL;
}

const struct cli_kind *cli_kind_at(size_t i)
{
	return i < sizeof hooks / sizeof hooks[0] ? hooks[i] : NULL;
}
