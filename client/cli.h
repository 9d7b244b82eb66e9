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

#include "kind_ops.h"
#include "kinds.h"
#include "store.h"

enum {
	CLI_OK = 0, /* done */
	CLI_FAIL =
		1, /* could not be done: refused step, invalid record, store or network failure */
	CLI_USAGE =
		2, /* the command line is wrong: unknown command/option, missing or bad argument */
	CLI_HELP = -1, /* cli_parse: --help was given and printed; exit 0 */
};

#define CLI_PROG "safecampus"
#define CLI_WIDTH 100 /* list output fits this many columns */
#define CLI_MAX_OPTS 96

struct cli {
	const char *store_path;  /* --store, $SAFECAMPUS_STORE or ./safecampus.db */
	struct store *st;        /* opened by cli_store */
	struct store_config cfg; /* loaded by cli_config */
	bool cfg_loaded;
	char today[11]; /* for struct kind_env, set by cli_env */
	/* who acts: --as LOGIN (or $SAFECAMPUS_AS) and the password, read once
	 * by cli_verb_ctx from --password-file, $SAFECAMPUS_PASSWORD or the tty */
	const char *as, *password_file;
	bool password_read;
	char password[256];
};

/* ---- options */

enum {
	CLI_OPT_REQUIRED = 1u << 0, /* must be given */
	CLI_OPT_HIDDEN = 1u << 1,   /* accepted, not listed in --help */
};

struct cli_opt {
	const char *name;    /* long name; '-' and '_' are the same when matching */
	char short_name;     /* 0 if none */
	const char *metavar; /* NULL: a flag without a value */
	const char *help;
	unsigned flags;
	const void *field;    /* the payload field it sets (ProtobufCFieldDescriptor), or NULL */
	const char *alias_of; /* for help: "same as --X" */
	/* set by cli_parse */
	const char *value; /* "1" for a flag that was given */
	bool seen;
};

struct cli_help {
	const char *usage;   /* "KIND VERB ID [options]" (after "safecampus ") */
	const char *summary; /* one paragraph */
	const char *epilog;  /* extra text after the options, or NULL */
};

/** Parses argv[1..] (argv[0] is the command name) against opts; the rest
 * are positionals (at most maxpos, at least minpos). --store PATH and
 * -h/--help are accepted everywhere. Prints errors and help itself.
 * Returns 0, CLI_HELP, or CLI_USAGE. */
int cli_parse(struct cli *c, int argc, char **argv, struct cli_opt *opts, size_t nopts,
	      const struct cli_help *help, const char **pos, size_t minpos, size_t maxpos,
	      size_t *npos);
void cli_print_help(FILE *f, const struct cli_opt *opts, size_t nopts, const struct cli_help *h);
/** The command's words for messages ("KIND VERB") from h->usage. */
void cli_cmd_words(const struct cli_help *h, char *out, size_t n);
/** The option named name in opts (NULL if absent). */
struct cli_opt *cli_opt_get(struct cli_opt *opts, size_t nopts, const char *name);

/* ---- messages */

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** When set, cli_err starts its messages with this ("FILE:LINE") instead of
 * the program's name: import reports each row's refusals where they are. */
extern const char *cli_err_where;
/** Usage error: message, a pointer to --help, returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Usage error for an unknown kind, listing the kinds; returns CLI_USAGE. */
int cli_kinds_hint(const char *cmd, const char *name);
/** The kind as messages name it: its name ("hazard"), what a person types,
 * or in Chinese its label ("隐患"). */
const char *cli_kind_name(const struct kind *k);
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
/** The records of this store as kind behaviour reads them (kind_ops.h);
 * cli_config must have run. */
void cli_env(struct cli *c, struct kind_env *env);

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
/** Whether the terminal's locale (LC_CTYPE from the environment) is UTF-8:
 * else the views use ASCII glyphs. */
bool cli_utf8_locale(void);
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
/** Columns to lay out a listing in: the terminal's width when standard
 * output is a terminal (at least 60), else CLI_WIDTH. */
size_t cli_term_width(void);
/** A server's rejection detail for people: a raw clock stamp ("hlc N") is
 * shown as the date and time it stands for. Returns out. */
const char *cli_detail(const char *detail, char *out, size_t n);
/** The name of a RejectReason, "unspecified" for 0 or an unknown value. */
const char *cli_reject_name(int reason);
/** Prints, for a record id (its first 8 characters are shown) the server
 * rejected for `reason`, what to do next: a step another campus took first is
 * discarded, not edited; a bad field is edited; a forbidden one discarded. */
void cli_reject_hint(FILE *f, const char *indent, int reason, const char *id);
/* A listing laid out to fit a width: columns keep their order; KEEP columns
 * are always shown, the FLEX column (a title) takes the room left, the others
 * are shown in order while they fit. Empty cells print as "-". */
enum {
	CLI_COL_KEEP = KC_KEEP,
	CLI_COL_FLEX = KC_FLEX,
	CLI_COL_HIDE_EMPTY = KC_HIDE_EMPTY, /* not shown when every cell is empty */
	CLI_COL_OFF = KC_OFF,               /* never shown (e.g. school, for a school) */
};
struct cli_table;
struct cli_table *cli_table_new(size_t ncols);
/** Header (upper-cased when printed), widest cell shown (0: no cap), flags. */
void cli_table_col(struct cli_table *t, size_t col, const char *head, size_t maxw, unsigned flags);
/** Appends a row of ncols cells (copied; NULL = empty). 0 or -ENOMEM. */
int cli_table_add(struct cli_table *t, const char *const *cells);
size_t cli_table_rows(const struct cli_table *t);
void cli_table_print(const struct cli_table *t, FILE *f, size_t width);
void cli_table_free(struct cli_table *t);

/** Safe "%s" of a possibly NULL string. */
static inline const char *cli_s(const char *s)
{
	return s ? s : "";
}

/* ---- record fields from descriptors (cli_fields.c) */

/** Appends an option per settable field of k (and its documented aliases)
 * to opts. required: NULL-terminated field names marked CLI_OPT_REQUIRED
 * (NULL: none); only: NULL-terminated field names to offer (NULL: all). */
int cli_field_opts(const struct kind *k, struct cli_opt *opts, size_t *nopts, size_t max,
		   const char *const *required, const char *const *only);
/** "deadline-date" for "deadline_date". */
void cli_dashed(const char *name, char *out, size_t n);
/** The option a person types for field of k: its alias, else dashed. */
void cli_flag_of(const struct kind *k, const char *field, char *out, size_t n);
/** Lists k's fields, types and enum values (for `add KIND --help`). */
void cli_kind_fields_help(FILE *f, const struct kind *k);
/** Kind by name, accepting plurals ("KINDs") and '-' for '_'. */
const struct kind *cli_kind(const char *name);
/** A new record of kind k with a fresh id and payload m (taken over). */
Safecampus__Record *cli_record_new(const struct kind *k, ProtobufCMessage *m);
/** Checks r as the server would before it is written: field rules, the
 * parent exists, the bureau-only rule, and its kind's own check (a workflow
 * step, a linked record). Prints why not; returns 0 or CLI_FAIL. */
int cli_check_record(struct cli *c, const Safecampus__Record *r);
/** Writes r (store_write) and reports a failure; returns 0 or CLI_FAIL.
 * Then runs what must follow a write at once (cli_after_write). */
int cli_write(struct cli *c, Safecampus__Record *r);
/** What must follow a write of r at once: its kind's after_write hook (a
 * count that raises an alarm). */
void cli_after_write(struct cli *c, const Safecampus__Record *r);
/** Fills the defaults of k's fields that are still empty (kind_field_ui.dflt:
 * today, now). 0 or a negative code. */
int cli_apply_defaults(const struct kind *k, ProtobufCMessage *m);
/** Rewrites a message about k's fields for someone at the command line:
 * "kind.field" and bare snake_case field names become the option that sets
 * them ("--deadline"), using k's documented aliases. */
void cli_flagify(const struct kind *k, const char *in, char *out, size_t n);
/** Looks ahead in argv for --store (and --help): for commands that must know
 * the install's role or a record's kind before their options are parsed.
 * Returns true if -h/--help was given. */
bool cli_prescan(struct cli *c, int argc, char **argv);
/** True if this install is the bureau (cli_config must have run). */
static inline bool cli_is_bureau(const struct cli *c)
{
	return c->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
}
/** Sets field of m (of kind k) from text; a bad value is a usage error
 * naming --field. 0 or CLI_USAGE. */
int cli_set_field(const struct kind *k, ProtobufCMessage *m, const char *field, const char *text,
		  const char *cmd);
/** Prints a kind's refusal (why, from a check) for the command line. */
int cli_refused(const struct kind *k, int rc, const char *why);

/** Name of a sync state: "synced", "pending", "rejected". */
const char *cli_sync_name(enum store_sync_state s);

/* ---- who acts (cli_actor.c) */

/** The password of the acting person: the first line of file when given,
 * else $env when set, else asked on the terminal with echo off (what is the
 * prompt). CLI_OK or CLI_FAIL (printed). Clear it with cli_password_clear. */
int cli_password(const char *file, const char *env, const char *what, char *out, size_t n);
/** A new password: file, else $SAFECAMPUS_NEW_PASSWORD, else asked twice. */
int cli_new_password(const char *file, char *out, size_t n);
void cli_password_clear(char *pw, size_t n);

/* ---- the subcommands */

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_add(struct cli *c, int argc, char **argv);
int cmd_edit(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_rates(struct cli *c, int argc, char **argv);
/** --month's value: a month YYYY-MM that has begun by today; 0 or the
 * usage error of cmd (client/cli_dashboard.c). */
int cli_month_arg(const char *cmd, const char *month, const char *today);
int cmd_outbox(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_person(struct cli *c, int argc, char **argv);
int cmd_evidence(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_report(struct cli *c, int argc, char **argv);

/* ---- the command groups of kinds with verbs (cmd/group.c) */

/** The kind whose command group is called name, or NULL. */
const struct kind *cli_group(const char *name);
/** Runs `safecampus <group> VERB ...` (argv[0] is the group's name). */
int cli_group_run(struct cli *c, const struct kind *k, int argc, char **argv);
/** `safecampus KIND ...` for a group (argv[0] its name), for main's table. */
int cmd_group(struct cli *c, int argc, char **argv);
/** Prints "  NAME  summary" for every group, for the program's --help. */
void cli_groups_help(FILE *f);
#endif
