/* The `safecampus` command line: shared pieces of the subcommands.
 *
 * Each subcommand is `int cmd_NAME(struct cli *c, int argc, char **argv)` with
 * argv[0] the subcommand's name, returning an exit code (CLI_OK, CLI_FAIL,
 * CLI_USAGE). Options are parsed by cli_parse from a table of struct cli_opt,
 * which also prints --help, so help and parsing never disagree. Options of
 * record fields are made from the kind's protobuf descriptor (cli_fields.c). */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hazard_fsm.h"
#include "kinds.h"
#include "store.h"

enum {
	CLI_OK = 0,    /* done */
	CLI_FAIL = 1,  /* could not be done: refused step, invalid record, store or network failure */
	CLI_USAGE = 2, /* the command line is wrong: unknown command/option, missing or bad argument */
	CLI_HELP = -1, /* cli_parse: --help was given and printed; exit 0 */
};

#define CLI_PROG "safecampus"
#define CLI_WIDTH 100     /* list output fits this many columns */
#define CLI_MAX_OPTS 96

struct cli {
	const char *store_path;     /* --store, $SAFECAMPUS_STORE or ./safecampus.db */
	struct store *st;           /* opened by cli_store */
	struct store_config cfg;    /* loaded by cli_config */
	bool cfg_loaded;
};

/* ---- options */

enum {
	CLI_OPT_REQUIRED = 1u << 0, /* must be given */
	CLI_OPT_HIDDEN = 1u << 1,   /* accepted, not listed in --help */
};

struct cli_opt {
	const char *name;     /* long name; '-' and '_' are the same when matching */
	char short_name;      /* 0 if none */
	const char *metavar;  /* NULL: a flag without a value */
	const char *help;
	unsigned flags;
	const void *field;    /* the payload field it sets (ProtobufCFieldDescriptor), or NULL */
	const char *alias_of; /* for help: "same as --X" */
	/* set by cli_parse */
	const char *value;    /* "1" for a flag that was given */
	bool seen;
};

struct cli_help {
	const char *usage;    /* "hazard assign ID [options]" (after "safecampus ") */
	const char *summary;  /* one paragraph */
	const char *epilog;   /* extra text after the options, or NULL */
};

/** Parses argv[1..] (argv[0] is the command name) against opts; the rest
 * are positionals (at most maxpos, at least minpos). --store PATH and
 * -h/--help are accepted everywhere. Prints errors and help itself.
 * Returns 0, CLI_HELP, or CLI_USAGE. */
int cli_parse(struct cli *c, int argc, char **argv, struct cli_opt *opts, size_t nopts,
	      const struct cli_help *help, const char **pos, size_t minpos, size_t maxpos,
	      size_t *npos);
void cli_print_help(FILE *f, const struct cli_opt *opts, size_t nopts, const struct cli_help *h);
/** The command's words for messages ("hazard assign") from h->usage. */
void cli_cmd_words(const struct cli_help *h, char *out, size_t n);
/** The option named name in opts (NULL if absent). */
struct cli_opt *cli_opt_get(struct cli_opt *opts, size_t nopts, const char *name);

/* ---- messages */

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Usage error: message, a pointer to --help, returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** A failed store call: "what: <detail>", returns CLI_FAIL. */
int cli_store_fail(int rc, const char *what);

/* ---- the store */

/** Opens the store (must exist). Prints the error and returns CLI_FAIL. */
int cli_store(struct cli *c);
/** Opens the store and loads the settings from `init`. */
int cli_config(struct cli *c);
void cli_done(struct cli *c);
/** Resolves an id or prefix to a full id, printing the error if none. */
int cli_resolve(struct cli *c, const char *prefix, char out[37]);

/* ---- text and time */

/** Today's local date "YYYY-MM-DD". */
void cli_today(char out[11]);
int64_t cli_now_ms(void);
/** Local "YYYY-MM-DD HH:MM" for Unix ms (""/"-" for 0). */
void cli_fmt_time(int64_t ms, char *out, size_t n);
/** Local "YYYY-MM-DD" for Unix ms. */
void cli_fmt_date(int64_t ms, char out[11]);
/** "3d 4h", "2h 5m", "40s" for a duration in ms. */
void cli_fmt_age(int64_t ms, char *out, size_t n);
/** Display columns of UTF-8 text (CJK wide characters count 2). */
size_t cli_width(const char *s);
/** Display columns of the first n bytes of s. */
size_t cli_width_n(const char *s, size_t n);
/** Writes s in exactly width columns (cut with '~' or padded); control
 * characters print as '?', so data from elsewhere cannot drive the terminal. */
void cli_cell(FILE *f, const char *s, size_t width);
/** Writes s with control characters (other than newline) shown as '?'. */
void cli_text(FILE *f, const char *s);
/** Writes text from column indent (where the cursor is), wrapping at word
 * boundaries to stay within width columns; ends the line. */
void cli_wrap(FILE *f, const char *text, size_t indent, size_t width);
/** Safe "%s" of a possibly NULL string. */
static inline const char *cli_s(const char *s) { return s ? s : ""; }

/* ---- record fields from descriptors (cli_fields.c) */

/** Appends an option per settable field of k (and its documented aliases)
 * to opts. required: NULL-terminated field names marked CLI_OPT_REQUIRED
 * (NULL: none); only: NULL-terminated field names to offer (NULL: all). */
int cli_field_opts(const struct kind *k, struct cli_opt *opts, size_t *nopts, size_t max,
		   const char *const *required, const char *const *only);
/** Sets m's fields from the parsed field options. A `*_id` value may be an
 * id prefix and is resolved. Prints the error; returns 0, CLI_USAGE or CLI_FAIL. */
int cli_field_apply(struct cli *c, const char *cmd, ProtobufCMessage *m, struct cli_opt *opts,
		    size_t nopts);
/** Lists k's fields, types and enum values (for `add KIND --help`). */
void cli_kind_fields_help(FILE *f, const struct kind *k);
/** Kind by name, accepting plurals ("hazards") and '-' for '_'. */
const struct kind *cli_kind(const char *name);
/** A new record of kind k with a fresh id and payload m (taken over). */
Safecampus__Record *cli_record_new(const struct kind *k, ProtobufCMessage *m);
/** Checks r as the server would before it is written: field rules, the
 * parent exists, the bureau-only rule, and for hazard events the workflow.
 * Prints why not; returns 0 or CLI_FAIL. */
int cli_check_record(struct cli *c, const Safecampus__Record *r);
/** Writes r (store_write) and reports a failure; returns 0 or CLI_FAIL. */
int cli_write(struct cli *c, Safecampus__Record *r);
/** `add KIND` and `hazard report`: fields from argv, defaults, checks, write,
 * print the new id. required: NULL-terminated field names, or NULL. */
int cli_add_kind(struct cli *c, const struct kind *k, int argc, char **argv,
		 const struct cli_help *help, const char *const *required);

/* ---- hazards (cli_hazard.c) */

struct hz_event {
	Safecampus__Record *r;       /* owned copy */
	enum store_sync_state sync;
	bool applied;                /* counted in the state */
	char why[160];               /* why not, if not applied */
};

/* A hazard's events folded with hazard_fsm. */
struct hz_fold {
	struct hazard_status status;
	struct hz_event *ev;         /* in HLC order */
	size_t n, cap;
};

/** Folds the events of hazard_id known locally (skipping skip_id, may be
 * NULL): the ones the server accepted in its order, then local ones in HLC
 * order; rejected ones are left out. */
int hz_fold(struct cli *c, const char *hazard_id, const char *skip_id, struct hz_fold *f);
void hz_fold_free(struct hz_fold *f);
/** The workflow check of one new hazard event against what is known locally. */
int hz_check_event(struct cli *c, const Safecampus__Record *r);
/** `show` for a hazard: state and history after its fields. */
int hz_show_history(struct cli *c, const Safecampus__Record *r);
/** `list hazard`. */
int hz_list(struct cli *c, const char *status, const char *campus, const char *since);

/** Name of a sync state: "synced", "pending", "rejected". */
const char *cli_sync_name(enum store_sync_state s);
/** A copy of r (packed and unpacked again); NULL on out-of-memory. */
Safecampus__Record *cli_record_dup(const Safecampus__Record *r);

/* ---- the subcommands */

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_add(struct cli *c, int argc, char **argv);
int cmd_edit(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_hazard(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_outbox(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);

#endif
