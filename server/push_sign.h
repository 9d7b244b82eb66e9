/* The signatures of a Push: who signed each sign-off, whether that person may
 * take that step for that school, whether they were revoked, and whether the
 * step follows the last accepted one of its chain (docs/internals/people.md).
 *
 * push.c drives it: phase 1 runs pushsig_people_sql and pushsig_chains_sql
 * (results through pushsig_on_people / pushsig_on_chains); decide calls
 * pushsig_decide for every record still pending, in batch order, and
 * pushsig_accept for each one finally accepted; phase 2 runs
 * signoff_insert_sql with pushsig_insert_params when pushsig_pending says so.
 * Nothing here does I/O. */
#ifndef SC_PUSH_SIGN_H
#define SC_PUSH_SIGN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "err.h"
#include "safecampus.pb-c.h"

struct pushsig;

/** A new state for one push; the district admin key from admin_key_path
 * ("" or unreadable: no district signature is accepted). NULL on ENOMEM. */
struct pushsig *pushsig_new(const char *admin_key_path, bool require);
void pushsig_free(struct pushsig *s);

/** $1 = the pushing school: the people of that school and of the bureau. */
extern const char *const pushsig_people_sql;
/** $1 = school, $2 = uuid[] literal of chain ids: each chain's last position. */
extern const char *const pushsig_chains_sql;
/** The uuid[] literal of the chains the batch's sign-offs join (into b). */
SC_WUR int pushsig_chain_ids(Safecampus__Record *const *recs, const bool *live, size_t n,
			     struct buf *b);
SC_WUR int pushsig_on_people(struct pushsig *s, const PGresult *res);
SC_WUR int pushsig_on_chains(struct pushsig *s, const PGresult *res);

/** 0 if r's signature (if r is a sign-off) is acceptable now, else the
 * RejectReason with a detail for people in why. */
int pushsig_decide(struct pushsig *s, const Safecampus__Record *r, int64_t now_ms, char *why,
		   size_t n);
/** 0 if r (a sign-off) follows the last accepted step of its chain (its
 * prev_hash names it, or is empty on a new chain), else REJECT_CHAIN. Run
 * after the workflow accepted the step, whose refusal says more. */
int pushsig_chain(struct pushsig *s, const Safecampus__Record *r, char *why, size_t n);
/** r was accepted: it becomes its chain's head (and, an enrolment, a person
 * later records of the batch may be signed by); its signature is queued. */
SC_WUR int pushsig_accept(struct pushsig *s, const Safecampus__Record *r);
/** Signatures queued for the insert. */
size_t pushsig_pending(const struct pushsig *s);
/** The parameters of signoff_insert_sql (valid until pushsig_free). */
const char *const *pushsig_insert_params(struct pushsig *s);

/** The key of a person row's role text ("vice_principal"), 0 if none. */
int pushsig_role_of(const char *text);

#endif
