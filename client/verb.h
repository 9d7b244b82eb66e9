/* Writing records for people, below any rendering: the command line
 * (cli_verb.c, cmd/edit.c, cli_import.c) and the browser (client/web/) both
 * come here to add a record, edit one, or take a kind's verb (kind_ops.h:
 * `hazard assign`, `notice ack`, `letter sign`...) from a set of field
 * values in their text form, on behalf of an acting person.
 *
 * One path for every kind: the values are set from the descriptor, the verb
 * fills in what it fills in (kind_set), defaults are applied, the record is
 * checked as the server will check it (rules.c, the parent exists, who may
 * write the kind, the kind's own check such as a workflow step), and written
 * to the store and its outbox in one transaction (store_write). Nothing here
 * prints: what went wrong comes back as errors, each naming the field it is
 * about when there is one, so a terminal prints "--deadline: ..." and a form
 * shows the message beside the field.
 *
 * The acting person (struct verb_actor) is passed in so that the step can be
 * signed for them (issue 11); NULL means no person was named (the command
 * line without an account). */
#ifndef SC_VERB_H
#define SC_VERB_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "kind_ops.h"
#include "kinds.h"
#include "store.h"

/** The person taking the step: their login and password (to unlock their
 * signing key). Borrowed for the call. */
struct verb_actor {
	const char *login;
	const char *password;
	const char *name; /* their name for people (fills KF_PERSON fields), or NULL */
	int role;         /* SAFECAMPUS__STAFF_ROLE__* (fills KF_PERSON_ROLE), 0: unknown */
};

struct evidence_file;

/** Where a write goes and who makes it. Borrowed for the call. */
struct verb_ctx {
	struct store *st;
	const struct store_config *cfg; /* the install's identity (school, campus, role) */
	const struct verb_actor *actor; /* NULL: no person named */
	/* evidence files already in the store (evidence_add) to attach to the
	 * sign-off; described inside its signature, queued for upload */
	const struct evidence_file *files;
	size_t nfiles;
};

/** One field's value as text (kinds.h's text form); "" clears the field. */
struct verb_value {
	const char *field;
	const char *value;
};

#define VERB_MAX_ERRORS 8

/** What is wrong, and with which field ("" for the record as a whole). The
 * message is the rule's own text ("hazard.deadline_date: ... is not a real
 * date"), which the caller may rewrite for its people (cli_flagify). */
struct verb_error {
	char field[64];
	char msg[512];
	bool check; /* from the kind's own check (a workflow), not the field rules */
};

/** What a verb did, or why not. */
struct verb_result {
	char id[37];     /* the record written */
	bool skipped;    /* nothing to do (done says why); nothing written */
	bool bad_value;  /* a value could not be read (a usage error at the terminal) */
	char done[1024]; /* the line for people once written or skipped, may be "" */
	size_t nerrors;
	struct verb_error err[VERB_MAX_ERRORS];
};

/** Fills env with the records of st as kind behaviour reads them (kind_ops.h);
 * today must stay valid while env is used. */
void verb_env(struct store *st, const struct store_config *cfg, const char *today,
	      struct kind_env *env);

/** Today's local date "YYYY-MM-DD" and now in Unix ms, as verbs fill them in. */
void verb_today(char out[11]);
int64_t verb_now_ms(void);

/** May this install use verb v at all (the bureau only, schools only)? 0, or
 * -EPERM with why for people. */
SC_WUR int verb_role(const struct store_config *cfg, const struct kind_verb *v, char *why,
		     size_t n);

/** Adds a record of kind g (v NULL), or takes verb v of g's group: on the
 * record parent_id (KV_PARENT or a lookup verb; NULL otherwise), with vals.
 * Returns 0 (written, or res->skipped), SC_EINVALID (a value or a rule:
 * res->err), SC_ETRANSITION (a step not legal now), SC_ENOTFOUND (no such
 * record, or not of kind g), -EPERM (refused by role), or a store error; on
 * any failure nothing is written and res->err says why. */
SC_WUR int verb_apply(const struct verb_ctx *c, const struct kind *g, const struct kind_verb *v,
		      const char *parent_id, const struct verb_value *vals, size_t nvals,
		      struct verb_result *res);

/** Changes fields of record id (also the way to fix a rejected one). Codes
 * as verb_apply; an event the server already has is -EPERM. */
SC_WUR int verb_edit(const struct verb_ctx *c, const char *id, const struct verb_value *vals,
		     size_t nvals, struct verb_result *res);

/** Checks r as the server would before it is written (see above). Codes and
 * errors as verb_apply. */
SC_WUR int verb_check(const struct verb_ctx *c, const Safecampus__Record *r,
		      struct verb_result *res);

/** Checks and writes r, a record made by verb v (may be NULL) of its kind's
 * group, with its prepare hook; parent may be NULL. r stays the caller's. */
/** The record r moves, if its kind says it moves the record it hangs on
 * (kind_ops.moves_parent: a check, its item): *out is that record updated, to
 * write with r (the caller frees it with safecampus__record__free_unpacked),
 * return 1; 0 and *out NULL when nothing moves (or the parent is not here);
 * < 0 on a store failure. `base` (may be NULL) is used instead of the stored
 * parent when it is that record (an earlier row of the same batch moved it). */
SC_WUR int verb_moved_parent(struct store *st, const struct store_config *cfg,
			     const Safecampus__Record *r, const Safecampus__Record *base,
			     Safecampus__Record **out);
SC_WUR int verb_write(const struct verb_ctx *c, const struct kind_verb *v,
		      const Safecampus__Record *parent, Safecampus__Record *r,
		      struct verb_result *res);

/** May this install (cfg) write a record of kind k: the server's rule of
 * who writes which kind (kind_side_writes) and, for an existing record rec
 * (may be NULL), that it is this install's school's. false with why. */
bool verb_may_write(const struct store_config *cfg, const struct kind *k,
		    const Safecampus__Record *rec, char *why, size_t n);

/** Is verb v of g's group legal now on parent for the person whose fields
 * vals gives (who writes the kind and the record of which school, as the
 * server decides; the roles that sign it; role, skip, the workflow step with
 * what the verb fills in itself; other required fields get a placeholder)?
 * For a page that offers only the actions that can be taken, and refuses the
 * others when sent anyway. true, or false with why. */
bool verb_legal(const struct verb_ctx *c, const struct kind *g, const struct kind_verb *v,
		const Safecampus__Record *parent, const struct verb_value *vals, size_t nvals,
		char *why, size_t n);

/** A new record of kind k with a fresh id and payload m (taken over); NULL
 * on failure (m freed). Free with kind_record_free. */
Safecampus__Record *verb_record_new(const struct kind *k, ProtobufCMessage *m);

/** Fills the defaults of k's fields that are still empty (kind_field_ui.dflt:
 * today, now). 0 or a negative code. */
SC_WUR int verb_apply_defaults(const struct kind *k, ProtobufCMessage *m);

#endif
