/* The command line's part of a kind's behaviour: what only a terminal does
 * (print a history, a coloured alarm, a report), one `struct cli_kind` per
 * kind that needs it, in client/kinds/ and listed in client/kinds/kinds.c.
 *
 * Everything a browser would need too -- status words, columns, verbs, labels,
 * checks -- is the kind's common entry (kind_ops.h); this table only adds
 * printing. Generic commands (client/cmd/) call through both, never by name. */
#ifndef SC_CLI_KIND_H
#define SC_CLI_KIND_H

#include "cli.h"

/** A verb that is a report rather than a write (a coverage count). */
struct cli_verb {
	const char *name;
	const char *line; /* its line in the group's help, after the name */
	int (*run)(struct cli *c, int argc, char **argv); /* argv[0] is the verb */
};

/** Counts of a list, for a footer: how many rows showed each status word. */
struct cli_list_counts {
	size_t rows;
	unsigned overdue;
	unsigned word[32]; /* by position in kind_ops.status_words */
};

struct cli_kind {
	const char *kind;
	/** After the fields in `show` (a workflow's history). 0 or CLI_FAIL. */
	int (*show)(struct cli *c, const struct kind_env *env, const Safecampus__Record *r);
	/** The line(s) after a list instead of "N <noun>s". */
	void (*list_footer)(struct cli *c, const struct kind *k, const struct cli_list_counts *n);
	/** At once after a write (an alarm, on stderr). */
	void (*after_write)(struct cli *c, const Safecampus__Record *r);
	/** `status`: open alarms printed; how many, or a negative store code. */
	int (*status)(struct cli *c);
	/** Reports of the kind's command group. */
	const struct cli_verb *verbs;
	size_t nverbs;
};

/** The command line's hooks for k, or NULL. */
const struct cli_kind *cli_kind_of(const struct kind *k);
/** The i-th registered entry (NULL past the end), for `status`. */
const struct cli_kind *cli_kind_at(size_t i);
/** How many rows the words of one status string counted in n (for footers). */
unsigned cli_list_count(const struct kind *k, const struct cli_list_counts *n, const char *word);

/** Checks and writes a record made by verb v of k's group (a kind_verb with a
 * new record's kind): its kind's checks, the write, the id and the verb's
 * line for people. Takes r. 0 or CLI_FAIL. */
int cli_verb_write(struct cli *c, const struct kind_verb *v, Safecampus__Record *r);

#endif
