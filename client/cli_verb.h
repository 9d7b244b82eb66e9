/* Running a verb of a kind's table entry (kind_ops.h) on the command line. */
#ifndef SC_CLI_VERB_H
#define SC_CLI_VERB_H

#include "cli.h"

/** Runs verb v of the command group of kind g (v NULL: `add g`): options
 * from the verb's fields, the record it names, the fields it fills in,
 * checks, the write, the line for people. argv[0] is the verb. Returns an
 * exit code. */
int cli_verb_run(struct cli *c, const struct kind *g, const struct kind_verb *v, int argc,
		 char **argv, const struct cli_help *help);

#endif
