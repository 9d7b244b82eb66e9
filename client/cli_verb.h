/* Running a verb of a kind's table entry (kind_ops.h) on the command line. */
#ifndef SC_CLI_VERB_H
#define SC_CLI_VERB_H

#include "cli.h"
#include "verb.h"

/** Runs verb v of the command group of kind g (v NULL: `add g`): options
 * from the verb's fields, the record it names, the fields it fills in,
 * checks, the write, the line for people. argv[0] is the verb. Returns an
 * exit code. */
int cli_verb_run(struct cli *c, const struct kind *g, const struct kind_verb *v, int argc,
		 char **argv, const struct cli_help *help);

/** The verb context (verb.h) of this install: its store and identity, no
 * person named. cli_config must have run. */
void cli_verb_ctx(struct cli *c, struct verb_ctx *vc);

/** The field options given (cli_field_opts, parsed) as values for verb.c, in
 * vals (room for nopts); two options for one field is a usage error.
 * 0 or CLI_USAGE. */
int cli_field_values(struct cli_opt *opts, size_t nopts, const char *cmd, struct verb_value *vals,
		     size_t *nvals);

/** Prints what verb.c said went wrong (rc != 0) for the command line: a bad
 * value as a usage error naming its option, refusals with field names as
 * options. Returns the exit code (CLI_OK for rc 0). */
int cli_verb_failed(struct cli *c, const struct kind *k, int rc, const struct verb_result *res,
		    const char *cmd);

#endif
