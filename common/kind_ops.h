/* Per-kind behaviour: one table entry per kind that has any.
 *
 * Everything that is the same for every kind comes from the protobuf
 * descriptors (kinds.h). What is not -- a workflow, a status word, the
 * columns worth listing, verbs such as `hazard assign`, a check that needs
 * other records, an alarm, labels for people -- is one `struct kind_ops`
 * per kind, registered in common/kinds.c next to the descriptor overrides,
 * and reached as `kind->ops`. Generic code (the CLI, the web interface, the
 * server's pre-checks) calls through the entry and never names a kind; the
 * model is curl's `struct Curl_cftype`.
 *
 * The entry is written for people and forms as well as for flags: every
 * field may have a label (English msgids; the Chinese is in the gettext
 * catalogue, po/zh_CN/kinds.po), a line of help, a group and
 * its place in the order; a verb says which fields it asks for, which it
 * fills in itself and who may use it. Nothing here prints: functions write
 * text into buffers, so the terminal and a browser show the same words.
 *
 * Behaviour that reads other records (a hazard's state is folded from its
 * events) reads them through a `struct kind_env`, which the client implements
 * over its SQLite store and a test over an array. */
#ifndef SC_KIND_OPS_H
#define SC_KIND_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "i18n.h"
#include "safecampus.pb-c.h"

struct kind;

/* ---------------------------------------------------------------- the records around */

enum kind_sync {
	KIND_SYNCED = 0,   /* the server has this version */
	KIND_PENDING = 1,  /* waiting to be pushed */
	KIND_REJECTED = 2, /* the server refused it */
};

typedef int (*kind_each_cb)(void *arg, const Safecampus__Record *r);
typedef int (*kind_child_cb)(void *arg, const Safecampus__Record *r, enum kind_sync sync);
/** One line of what is due (status); non-zero stops. */
typedef int (*kind_due_line_cb)(void *arg, const char *line);

/** What kind behaviour may read besides the record itself. */
struct kind_env {
	void *ctx;
	bool bureau;        /* this side is the bureau */
	const char *school; /* its school ("" for the bureau) */
	const char *campus;
	const char *today; /* "YYYY-MM-DD", local */
	/** The record with this id, caller frees it with
	 * safecampus__record__free_unpacked; SC_ENOTFOUND if there is none. */
	int (*get)(void *ctx, const char *id, Safecampus__Record **out);
	/** Every record of kind (NULL: all kinds); cb returns non-zero to stop. */
	int (*each)(void *ctx, const char *kind, kind_each_cb cb, void *arg);
	/** Every record of kind whose parent field is parent_id, with its sync state. */
	int (*each_child)(void *ctx, const char *kind, const char *parent_id, kind_child_cb cb,
			  void *arg);
	/** Whether any school's records are known here (*any) and this school's
	 * (*known); 0 or a negative errno. NULL: this side cannot tell. */
	int (*school_known)(void *ctx, const char *school, bool *any, bool *known);
	/** The schools whose records are held, sorted, *out malloc'd (caller
	 * frees); 0 or a negative code. NULL: read them from each. */
	int (*schools)(void *ctx, char (**out)[64], size_t *n);
	/** The district's days from the year's first school day to the
	 * letters' due day (kind_due_letters_day), as the server last said;
	 * SC_ENOTFOUND, or NULL: KIND_DUE_LETTER_DAYS. */
	int (*letters_due_days)(void *ctx, int *days);
};

/* A parent's events, in the order the server applies them: the ones it
 * accepted by seq, then local ones by HLC. */
struct kind_event {
	Safecampus__Record *r; /* owned copy */
	enum kind_sync sync;
	bool applied;  /* counted by the workflow */
	char why[160]; /* why not, if not applied */
};

struct kind_events {
	struct kind_event *ev;
	size_t n, cap;
};

/** Loads the events of kind `kind` hanging on parent_id, leaving out skip_id
 * (may be NULL), in apply order. Free with kind_events_free even on failure. */
SC_WUR int kind_events_load(const struct kind_env *env, const char *kind, const char *parent_id,
			    const char *skip_id, struct kind_events *out);
void kind_events_free(struct kind_events *x);

/* ---------------------------------------------------------------- fields for people */

/** A value filled in by the program rather than typed. */
enum kind_fill {
	KF_NONE = 0,
	KF_TODAY,       /* today's local date */
	KF_NOW_MS,      /* now, Unix ms */
	KF_TEXT,        /* the literal `text` */
	KF_PARENT_ID,   /* the id of the record the verb is about */
	KF_PARENT_HLC,  /* that record's version (hlc) */
	KF_ACTOR,       /* "safety office, campus <campus>" (the person's name if signed in) */
	KF_PERSON,      /* as a field's dflt: the acting person's name, when one is signed
			  * in (the browser); typed otherwise (the command line) */
	KF_PERSON_ROLE, /* the same for their role (a StaffRole field) */
	KF_SIGNER_NAME, /* the signing person's display name (a sign-off's actor) */
	KF_SIGNER_ROLE, /* the signing person's role, from their enrolment */
};

/** What people see of one value of an enum field ({NULL} ends a list). */
struct kind_enum_label {
	const char *name;  /* the short value name ("fire") */
	const char *label; /* "Fire safety", N_(): translated where shown */
};

/* the values of each record enum for people (kind_enums.c) */
extern const struct kind_enum_label kind_enum_meeting_type[];
extern const struct kind_enum_label kind_enum_policy_type[];
extern const struct kind_enum_label kind_enum_letter_level[];
extern const struct kind_enum_label kind_enum_education_slot[];
extern const struct kind_enum_label kind_enum_education_topic[];
extern const struct kind_enum_label kind_enum_education_channel[];
extern const struct kind_enum_label kind_enum_drill_scenario[];
extern const struct kind_enum_label kind_enum_drill_segment[];
extern const struct kind_enum_label kind_enum_inspection_level[];
extern const struct kind_enum_label kind_enum_inspection_focus[];
extern const struct kind_enum_label kind_enum_linkage_partner[];
extern const struct kind_enum_label kind_enum_gate_shift[];
extern const struct kind_enum_label kind_enum_bus_direction[];
extern const struct kind_enum_label kind_enum_equipment_type[];
extern const struct kind_enum_label kind_enum_equipment_result[];
extern const struct kind_enum_label kind_enum_risk_status[];
extern const struct kind_enum_label kind_enum_notice_campaign[];
extern const struct kind_enum_label kind_enum_staff_role[];
extern const struct kind_enum_label kind_enum_hazard_area[]; /* kind_hazard.c */

/** What people see of one field: in --help, in a form, in `show`. */
struct kind_field_ui {
	const char *field;   /* the payload field's name */
	const char *label;   /* "Time in", NC_(kind, ...): kind_field_label translates it */
	const char *help;    /* one line, N_(); NULL: made from the type */
	const char *group;   /* a form's section, NULL: the first */
	const char *alias;   /* a short flag ("deadline" for deadline_date), or NULL */
	enum kind_fill dflt; /* filled in when left empty (KF_TODAY, KF_NOW_MS) */
	/* an enum's values for people, or NULL; on a string field, the words of
	 * its ';'-separated list (a notice report's channels) */
	const struct kind_enum_label *values;
};

/** A number field's range, written here only: the rules (common/rules.c
 * check_bounds) refuse a value outside it, on the client and the server; a
 * form's number input carries it as min and max; `add KIND --help` states it.
 * 0 is no value (as for a required field), so a min above 0 holds a value
 * given. tests/unit/test_kinds_all.c pins each bound (rule_cases) and checks
 * that a number field the rules keep from going negative has one. */
struct kind_bound {
	const char *field;
	long long min;
	long long max; /* KB_NO_MAX: none */
};

#define KB_NO_MAX INT64_MAX

/* ---------------------------------------------------------------- derived state and lists */

/** Who a step the server takes itself is by (a hazard's escalation: the
 * actor of records kind_ops.client_writes refuses a client). */
#define KIND_SERVER_ACTOR "safecampusd"

#define KIND_CELLS 6
#define KIND_CELL_LEN 160

/** What a record's kind derives from it and its neighbours, for lists. */
struct kind_derived {
	/* space-separated words: the first is the one shown (a '!' after it marks
	 * something overdue), any of them matches --status */
	char status[128];
	bool overdue;
	char cell[KIND_CELLS][KIND_CELL_LEN]; /* derived columns (kind_col.cell) */
};

/* list column flags (the CLI's CLI_COL_* have the same values) */
enum {
	KC_KEEP = 1u << 0,       /* always shown */
	KC_FLEX = 1u << 1,       /* takes the room left (a title) */
	KC_HIDE_EMPTY = 1u << 2, /* not shown when every cell is empty */
	KC_OFF = 1u << 3,        /* never shown */
};

/** One column of a kind's list, after the id and before the sync state. */
struct kind_col {
	const char *head;
	const char *field;   /* a payload field, "@school", "@campus", "@status"; NULL: cell */
	int cell;            /* 1..KIND_CELLS: kind_derived.cell[cell - 1] */
	unsigned short maxw; /* widest cell shown, 0: no cap */
	unsigned school;     /* KC_* flags at a school */
	unsigned bureau;     /* KC_* flags at the bureau */
};

/* ---------------------------------------------------------------- verbs */

/** A field a verb fills in itself. */
struct kind_set {
	const char *field;
	enum kind_fill fill;
	const char *text; /* KF_TEXT */
	bool if_empty;    /* only when the person left it empty */
};

enum {
	KV_PARENT = 1u << 0,        /* takes the ID of a record of the group's kind */
	KV_BUREAU = 1u << 1,        /* the bureau only */
	KV_SCHOOL = 1u << 2,        /* schools only */
	KV_EVIDENCE_FILE = 1u << 3, /* takes --evidence FILE: a file attached to the sign-off
				     * (client/evidence.h); also fills evidence_sha256
				     * and evidence_path where the kind has them */
	KV_PRINT_ID = 1u << 4,      /* prints the written record's id on stdout */
	KV_FIELDS_HELP = 1u << 5,   /* --help also lists the kind's fields */
};

/* Sign-offs: the roles whose signature a step needs, as bits 1u << StaffRole.
 * A record a verb with sign_roles writes (or a record of a kind with
 * sign_roles) must carry the signature of a person of one of those roles, of
 * the record's school (the bureau's for the bureau's kinds); the server checks
 * it (docs/internals/people.md). */
#define KS(role) (1u << SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##role)
#define KS_LEADERS (KS(PRINCIPAL) | KS(VICE_PRINCIPAL))
#define KS_LEADERSHIP (KS_LEADERS | KS(DEPARTMENT_HEAD))
#define KS_STAFF                                                                       \
	(KS_LEADERSHIP | KS(HEAD_TEACHER) | KS(SUBJECT_TEACHER) | KS(SECURITY_GUARD) | \
	 KS(CANTEEN_STAFF) | KS(BUS_STAFF) | KS(LOGISTICS))
#define KS_BUREAU KS(BUREAU_OFFICER)

/** One verb of a kind's command group (`safecampus hazard assign ID ...`). */
struct kind_verb {
	const char *name;
	/* the kind of the record it writes: an event on the ID's record, a new
	 * record, or NULL for the ID's record itself (`visitor leave ID`) */
	const char *kind;
	const char *usage; /* after "safecampus " */
	const char *summary;
	const char *epilog;
	const char *const *required; /* fields asked for, required */
	const char *const *optional; /* fields asked for, optional (NULL with required
				      * NULL: every field) */
	const struct kind_set *sets; /* fields it fills in, {NULL} ended; may be NULL */
	unsigned flags;              /* KV_* */
	unsigned sign_roles;         /* KS(...) bits: a sign-off by one of these; 0: unsigned */
	/** The roles of sign_roles that may sign this very record, when they
	 * depend on its values (a letter's counter-signer on the letter's
	 * level); NULL: all of sign_roles. Reads r alone, so the client, the
	 * server and `verify` decide alike. */
	unsigned (*sign_roles_of)(const Safecampus__Record *r);
	const char *role_what;    /* "issues notices": words for a refusal by role */
	const char *role_hint;    /* appended to that refusal */
	const char *lookup;       /* an option that names the parent by a field of it */
	const char *lookup_field; /* ("--bus PLATE": lookup "bus", field "plate") */
	/** > 0: nothing to do (msg says why, exit 0); 0: go on; < 0: an error. */
	int (*skip)(const struct kind_env *env, const Safecampus__Record *parent, char *msg,
		    size_t n);
	/** Fills what needs other records (a letter's staff link). 0 or < 0. */
	int (*prepare)(const struct kind_env *env, Safecampus__Record *r);
	/** The line for people once written (stdout; stderr with KV_PRINT_ID). */
	void (*done)(const struct kind_env *env, const Safecampus__Record *parent,
		     const Safecampus__Record *r, char *out, size_t n);
};

/* ---------------------------------------------------------------- references */

/** A field that names a record of a kind with versions (kind_ops.versioned_by:
 * a plan), read on a date of the record that names it: the version meant is
 * the one in force that day (a drill's plan on the drill's date). */
struct kind_ref {
	const char *field;    /* the *_id field naming it ("plan_id") */
	const char *kind;     /* its kind, one with in_force_field ("policy") */
	const char *on_field; /* the date it is read on ("drill_date") */
	/* with field empty: the records of kind in force that day whose
	 * match_field is match_value ("type", "emergency_plan"); NULL: none */
	const char *match_field, *match_value;
};

/** A text field that holds the name of a record of another kind (a
 * visitor's host, a class's head teacher: a staff member's name). It stays
 * text, so a name from outside the list (a parent, a contractor) still goes
 * in; a form suggests the school's records of that kind by name. */
struct kind_name_ref {
	const char *field; /* "host" */
	const char *kind;  /* the kind whose names it holds ("staff") */
};

/** One school's answer to a record addressed to many (a notice). */
struct kind_school_standing {
	const char *school;
	char status[64]; /* its status words as derive gives them at the school */
	bool overdue;
	int64_t seen_ms;   /* when it acknowledged the record, 0: not yet */
	char reported[11]; /* the day of its report, "": none */
};

/* ---------------------------------------------------------------- the entry */

struct kind_ops {
	const char *kind;  /* the kind it belongs to */
	const char *label; /* "Hazard", N_(): kind_label translates it */
	const char *noun;  /* lists say "3 <noun>s"; NULL: "3 <kind> records" */
	/* the fields that say which real thing a CSV row without an id is ("type
	 * meeting_date title"), space-separated: import hashes them into the
	 * row's id (client/import_text.h), so a sheet imported twice adds nothing
	 * twice. NULL: every column of the row (events: a step is its values) */
	const char *import_key;
	/* history: editing versioned_by ("version") does not overwrite the
	 * record but writes a new one whose previous_field ("previous_id") names
	 * it, so every version stays; `show --on DATE` picks the one in force
	 * (its in_force_field, "effective_date", the latest on or before DATE).
	 * NULL: edits overwrite. */
	const char *versioned_by, *previous_field, *in_force_field;

	/* fields naming versioned records, shown as the version in force on a date */
	const struct kind_ref *refs;
	size_t nrefs;
	/* text fields holding a name of another kind's records, {NULL} ended
	 * (the browser suggests them, client/web/web_pick.c); NULL: none */
	const struct kind_name_ref *name_refs;

	/* fields for people, in form order; fields not named keep descriptor order after */
	const struct kind_field_ui *fields;
	size_t nfields;

	/* status: the words --status takes, help for them, and how to derive them */
	const char *status_words;
	const char *status_help;
	/** Fills d for r (today "YYYY-MM-DD"); 0 or a negative code from env. */
	int (*derive)(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		      struct kind_derived *d);
	const char *overdue_note; /* list footer: ", N overdue (<note>)" */

	/* list columns; NULL: the kind's fields in descriptor order */
	const struct kind_col *cols;
	size_t ncols;
	/** Does r (a bureau-only kind's row) reach school? NULL: r->school == school. */
	bool (*reaches)(const Safecampus__Record *r, const char *school);
	/** For such a row at the bureau: fn for every school r reaches, in
	 * school order, with that school's standing; stops at fn's first
	 * non-zero and returns it, else 0 or a negative code from env. NULL:
	 * none (the bureau's page of the record then lists no schools). */
	int (*each_school)(const struct kind_env *env, const Safecampus__Record *r,
			   const char *today,
			   int (*fn)(void *ctx, const struct kind_school_standing *s), void *ctx);

	/* workflow: the event kind whose records move this kind's records */
	const char *event_kind;

	/** Checks a new record against the records known here (the workflow, a
	 * linked record); SC_E* with a reason, a negative errno from env. */
	int (*check)(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n);
	/** True if a client may write r: false for steps only the server takes
	 * (a hazard's escalation). NULL: always. */
	bool (*client_writes)(const Safecampus__Record *r);
	/** A record of this kind that moves the record it hangs on (a check sets
	 * its item's last and next dates): updates parent, a copy the caller
	 * writes together with r, and returns 1; 0 when nothing changes; < 0 on
	 * failure. NULL: none. */
	int (*moves_parent)(const struct kind_env *env, const Safecampus__Record *r,
			    Safecampus__Record *parent);
	/** Is r due by week_end (`status`: a notice to acknowledge or report, a
	 * check or an inspection coming due, a hazard near its deadline)? 1 with
	 * a line for people in out, 0 if not, < 0 from env. NULL: never. */
	int (*due)(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		   const char *week_end, char *out, size_t n);
	/** What the school owes of this kind and has not recorded (this month's
	 * drill, today's "1530" per class, the year's letters): cb once per line.
	 * 0, or < 0 from env. NULL: nothing. */
	int (*owed)(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg);
	/** An alarm about r (a bus trip whose counts differ), one line; false if none. */
	bool (*alarm)(const Safecampus__Record *r, char *out, size_t n);

	/* KS(...) bits: records of this kind written without a verb that says
	 * otherwise (`add drill`) are sign-offs by one of these roles; 0: unsigned */
	unsigned sign_roles;
	/* schools and the bureau both write records of this kind (enrolments of
	 * their own people); otherwise a kind is the schools' or the bureau's */
	bool anyone_writes;
	/* the bureau's records of this kind (school "") reach every school
	 * too (server/kindsql.c's pull): its officers' enrolments, public keys,
	 * which a school needs to check what they sign on its rows or for it
	 * (a counter-signature, a notice) */
	bool bureau_rows_reach_schools;
	/* the bureau may write a record of this school kind on a school's
	 * record (its school is its parent's), the one the bureau's officer
	 * signs: a record whose sign roles are the bureau's (kind_sign_roles,
	 * a principal's letter the bureau counter-signs). Every other record of
	 * the kind stays the school's (kind_bureau_writes_for_school). */
	bool bureau_for_school;
	/* records are made only by a command of their own (`person add`, which
	 * signs the enrolment): the browser offers no add form for the kind */
	bool no_add_form;
	/* the browser's own page for these records (the people page: enrol,
	 * revoke, passwords), linked instead of the generic list; NULL: /k/NAME */
	const char *web_page;
	/* the field that names schools (';'-separated ids: a notice's targets):
	 * the browser offers the district's schools to tick
	 * (client/web/web_schools.c); NULL: none */
	const char *schools_field;
	/* records of this kind written without a verb (`add drill`) take
	 * --evidence FILE, as a verb with KV_EVIDENCE_FILE does */
	bool evidence_files;
	/* number fields' bounds (a form's min and max), {NULL} ended; NULL: none */
	const struct kind_bound *bounds;
	/* fields holding a long hex digest (a person's public key, a file's
	 * hash), NULL ended: a record's page shows its first digits, a list no
	 * column; NULL: none */
	const char *const *hex_fields;

	/* the command group `safecampus <kind> VERB` */
	const char *group_summary; /* one line for the command list */
	const char *group_help;    /* the text above the verbs */
	const struct kind_verb *verbs;
	size_t nverbs;
};

/** The bounds of number field in k's table, or NULL if it has none. */
const struct kind_bound *kind_field_bound(const struct kind *k, const char *field);
/** Does field of k hold a hex digest (kind_ops.hex_fields)? */
bool kind_field_is_hex(const struct kind *k, const char *field);
/** The field's UI entry in k's table, or NULL. */
const struct kind_field_ui *kind_field_ui(const struct kind *k, const char *field);
/** The field named by its alias in k's table, or NULL. */
const char *kind_alias_field(const struct kind *k, const char *alias);
/** The label of an enum field's value (short name) for people, Chinese if
 * zh, else English; the name itself when the table has none. */
const char *kind_enum_label(const struct kind *k, const char *field, const char *value, bool zh);
/** The same in the language in force (i18n.h). */
const char *kind_enum_label_tr(const struct kind *k, const char *field, const char *value);
/** The enum value (short name) whose label is text in English or Chinese
 * (what a person may type instead of the name), or NULL. */
const char *kind_enum_from_label(const struct kind *k, const char *field, const char *text);
/** A status word ("assigned", the first of kind_derived.status) for people
 * in the language in force ("已签发"); the word itself if it has no label. */
const char *kind_status_label(const char *word);
/** The kind's label in the language in force ("隐患"); its name if it has none. */
const char *kind_label(const struct kind *k);
/** A field's label in the language in force, NULL if the table has none. */
const char *kind_field_label(const struct kind *k, const char *field);
/** A field's help line in the language in force, NULL if the table has none. */
const char *kind_field_help(const struct kind *k, const char *field);
/** Derives d for r through its kind's entry (empty for kinds without). */
SC_WUR int kind_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       struct kind_derived *d);
/** True if r is a step a client may write (push.c's pre-check). */
bool kind_client_writes(const Safecampus__Record *r);
/** May a client of this side (the bureau, or a school) write records of
 * kind k at all? The bureau writes its own kinds and those anyone writes, a
 * school every kind but the bureau's. The server's push check
 * (server/push.c) and what the client offers (client/verb.c) both ask this. */
bool kind_side_writes(const struct kind *k, bool bureau);
/** May the bureau write r, a record of a school (r->school non-empty)?
 * Only where r's kind says so (kind_ops.bureau_for_school) and r is signed
 * by a bureau role (kind_sign_roles(r) & KS_BUREAU). The server's push check
 * and the client's verbs both ask this. */
bool kind_bureau_writes_for_school(const Safecampus__Record *r);
/** May a person of signer_school ("" the bureau) sign r? A person of r's
 * school, or the bureau's where r is signed by a bureau role (a notice; a
 * principal's letter the bureau counter-signs). The server, the client and
 * `verify` ask this alike. */
bool kind_signer_side(const Safecampus__Record *r, const char *signer_school);
/** Does the record r reach school (for --school and the bureau's lists)? */
bool kind_reaches(const Safecampus__Record *r, const char *school);
/** The verb of k's group by name, or NULL. */
const struct kind_verb *kind_verb(const struct kind *k, const char *name);
/** The roles that may sign r (KS bits), 0 if r is not a sign-off: the verb
 * that writes records like r (its kind, and the values it fills in as text,
 * such as a hazard step's action), else r's kind. */
unsigned kind_sign_roles(const Safecampus__Record *r);
/** The verb that writes records like r, or NULL (see kind_sign_roles). */
const struct kind_verb *kind_verb_of(const Safecampus__Record *r);
/** The chain r's signature belongs to: its parent's id for an event (a
 * hazard's steps are one chain), else r's own id (each version of a signed
 * record follows the one before). Borrowed from r. */
const char *kind_chain_id(const Safecampus__Record *r);
/** The roles of bits as text for people: their keys in English, as --role
 * takes them ("principal or vice_principal"), their labels in Chinese
 * ("校长或分管校长"). Cut to n. */
void kind_sign_roles_text(unsigned bits, char *out, size_t n);
/** An enum value of k's field as a message names it: its label in Chinese
 * (放学前1分钟), its key in English (daily_1, what --slot takes). */
const char *kind_value_word(const struct kind *k, const char *field, const char *value);
/** The kind field of k names records of, or NULL (not a reference): its
 * kind_ref's (*ref set to it; ref may be NULL), else the name without "_id" or, for a field
 * that says whose record it is first, its last words that name a kind (a
 * letter's signer_staff_id is a staff record, school_class_id a
 * school_class). Forms pick such a record, imports find it by name. */
const struct kind *kind_named_by(const struct kind *k, const char *field,
				 const struct kind_ref **ref);
/** A role's key ("head_teacher") as a message names it: its label in
 * Chinese (班主任), the key in English. Static or name. */
const char *kind_role_word(const char *name);

/** Does --status want match the words? ('!' is not part of a word) */
bool kind_status_has(const char *words, const char *want);

#endif
