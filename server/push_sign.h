/* The signatures of a Push: who signed each sign-off, whether that person may
 * take that step for that school, whether they were revoked, and whether the
 * step follows the last accepted one of its chain (docs/internals/people.md).
 *
 * push.c drives it: phase 1 runs pushsig_people_sql and pushsig_chains_sql
 * (results through pushsig_on_people / pushsig_on_chains); decide calls
 * pushsig_decide for every record still pending, in batch order, and
 * pushsig_accept for each one finally accepted; phase 2 runs
 * signoff_insert_sql with pushsig_insert_params when pushsig_pending says so.
 *
 * The Ed25519 verifications, most of a signature's CPU, run ahead on libuv's
 * thread pool: pushsig_prepare when the Push arrives copies each signature's
 * bytes, pushsig_verify queues them with the key a per-worker cache of
 * enrolments guesses for the signer (and, called again once phase 1 loaded
 * the people, with the keys the cache did not know), and pushsig_decide uses
 * a verification made with the very key it decides with, or verifies on the
 * loop as before: a guess only saves time, it never decides. Nothing here does
 * I/O; the pool threads touch only the copies. */
#ifndef SC_PUSH_SIGN_H
#define SC_PUSH_SIGN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <uv.h>

#include "buf.h"
#include "err.h"
#include "safecampus.pb-c.h"

struct pushsig;

/** A new state for one push (free it only when !pushsig_busy); the district admin key from admin_key_path
 * ("" or unreadable: no district signature is accepted). NULL on ENOMEM. */
struct pushsig *pushsig_new(const char *admin_key_path, bool require);
void pushsig_free(struct pushsig *s);

/** r is a sign-off or an enrolment: the only records the people and the
 * chains are loaded for (a push without one needs neither). */
bool pushsig_signs(const Safecampus__Record *r);
/** $1 = the pushing school: the people of that school and of the bureau. */
extern const char *const pushsig_people_sql;
/** $1 = school, $2 = uuid[] literal of chain ids: each chain's last position. */
extern const char *const pushsig_chains_sql;
/** The uuid[] literal of the chains the batch's sign-offs join (into b). */
SC_WUR int pushsig_chain_ids(Safecampus__Record *const *recs, const bool *live, size_t n,
			     struct buf *b);
SC_WUR int pushsig_on_people(struct pushsig *s, const PGresult *res);
SC_WUR int pushsig_on_chains(struct pushsig *s, const PGresult *res);
/** The district log's head (signoff_log_head_sql's answer, phase 1): the
 * signatures accepted after it take the next places (pushsig_accept). */
SC_WUR int pushsig_on_log_head(struct pushsig *s, const PGresult *res);

/** Copies what verifying the signatures of recs[i] (live[i]) needs: their
 * canonical bytes and signatures, by batch position i (the i given to
 * pushsig_decide and pushsig_accept). Once per push, before pushsig_verify.
 * -ENOMEM, or 0; a record whose bytes cannot be formed gets no copy (decide
 * refuses it with the words sig_check gives). */
SC_WUR int pushsig_prepare(struct pushsig *s, Safecampus__Record *const *recs, const bool *live,
			   size_t n);
/** Called on the loop when the verifications pushsig_verify queued are done
 * (or were cancelled). */
typedef void (*pushsig_verified_cb)(void *arg);
/** Queues on loop's thread pool the verification of every copied signature
 * whose signer's key is known now (the district key; a person's key from the
 * people phase 1 loaded, or before that from the enrolment cache) and was not
 * verified with that key yet. Returns true if it queued any: done(arg) then
 * runs once from the loop, and until then s must not be freed (pushsig_busy)
 * nor pushsig_verify called again. false: nothing queued, done never runs. */
bool pushsig_verify(struct pushsig *s, uv_loop_t *loop, pushsig_verified_cb done, void *arg);
/** Verifications queued and not yet answered. */
bool pushsig_busy(const struct pushsig *s);
/** Drops the queued verifications no pool thread has started (the push was
 * given up); done still runs once, after those running have finished. */
void pushsig_cancel(struct pushsig *s);

/** 0 if r's signature (if r is a sign-off) is acceptable now, else the
 * RejectReason with a detail for people in why. i: r's batch position. */
int pushsig_decide(struct pushsig *s, size_t i, const Safecampus__Record *r, int64_t now_ms,
		   char *why, size_t n);
/** 0 if r (a sign-off) follows the last accepted step of its chain (its
 * prev_hash names it, or is empty on a new chain), else REJECT_CHAIN. Run
 * after the workflow accepted the step, whose refusal says more. */
int pushsig_chain(struct pushsig *s, const Safecampus__Record *r, char *why, size_t n);
/** r was accepted: it becomes its chain's head (and, an enrolment, a person
 * later records of the batch may be signed by); its signature is queued. */
SC_WUR int pushsig_accept(struct pushsig *s, size_t i, const Safecampus__Record *r);
/** Signatures queued for the insert. */
size_t pushsig_pending(const struct pushsig *s);
/** The parameters of signoff_insert_sql (valid until pushsig_free). */
const char *const *pushsig_insert_params(struct pushsig *s);

/** Signatures pushsig_decide took from a verification made ahead, and those
 * it verified on the loop (for the push's log line). */
void pushsig_counts(const struct pushsig *s, size_t *ahead, size_t *on_loop);

/** The key of a person row's role text ("vice_principal"), 0 if none. */
int pushsig_role_of(const char *text);

#endif
