/* Inside a Push: the batch's state, shared by push.c (the transaction's
 * two phases, the answer) and push_decide.c (what happens to each record:
 * the checks that need nothing from the database, the verdict on a row the
 * database already has, the workflows' steps). Not part of any contract
 * outside those two files. */
#ifndef SC_PUSH_INT_H
#define SC_PUSH_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "kindsql.h"
#include "safecampus.pb-c.h"
#include "uuid.h"

struct conn;
struct db_conn;
struct kind;
struct pushsig;
struct workflow;

enum outcome { O_PENDING, O_NEW, O_EXISTS, O_REJECT };

/* One slot of the batch's id index: the item with its kind, id and their
 * hash, so that a look-up reads the slots alone (not each item and its
 * record: three cache misses a probe, on every row phase 2 returns). */
struct push_slot {
	uint32_t item; /* 1 + index into items, 0: empty */
	uint32_t hash;
	const struct kind *k;
	char id[UUID_STR_LEN + 1]; /* precheck indexes valid ids only */
};

struct item {
	Safecampus__Record *r;
	const struct kind *k;
	enum outcome out;
	int existed; /* the server already has a version of this record */
	int foreign; /* another school holds a record of this kind with this id */
	char digest[KINDSQL_DIGEST_HEX + 1]; /* of its content, as the upsert stores it */
	uint64_t seq;
	Safecampus__RejectReason reason;
	char detail[200];
};

/* Status of one workflow parent touched by the batch. */
struct parent {
	const struct workflow *wf;
	char id[UUID_STR_LEN + 1];
	int loaded; /* from the database, or created in this batch */
	int dirty;  /* an event changed it */
	void *status;
};

struct push {
	struct conn *c;
	struct db_conn *dc;
	uint64_t rid;
	Safecampus__Push *msg;
	struct item *items;
	size_t n;
	struct parent *parents;
	size_t nparents;
	int failed; /* a statement failed: answer Error */
	int phase;
	char school[64], campus[64]; /* the rows this push writes: school, written_by */
	int for_school; /* the bureau writes school's rows (kind_bureau_writes_for_school) */
	struct kindsql_batch *pre; /* per kind (kind_at order): upserts built before the lock */
	size_t *pre_n;             /* records in pre[ki]; 0: none built */
	struct push_slot *slot;    /* open addressing over items by (kind, id) */
	size_t nslot;              /* power of two, at least 2 n */
	struct pushsig *sig;       /* the batch's signatures (push_sign.c) */
	unsigned owed;             /* callbacks the database layer still owes this push */
	int queue_failed;          /* queueing failed part way: finish when owed drops to 0 */
	enum { THEN_NONE, THEN_DECIDE, THEN_FINISH } then; /* once verified */
	int keys_checked; /* the verification with phase 1's keys was asked for */
};

/* ---------------------------------------------------------------- push_decide.c */

/** The item of kind k with this id that passed precheck and is not
 * rejected since, or NULL. */
struct item *push_find_item(struct push *p, const struct kind *k, const char *id);
/** The workflow parent wf with this id the batch touches, or NULL. */
struct parent *push_find_parent(struct push *p, const struct workflow *wf, const char *id);
/** The id of the record an event item hangs on (its kind's parent_field),
 * borrowed from the item's record. */
const char *push_parent_id(const struct item *it);
/** The checks that need nothing from the database: rejects it, or adds it
 * to the batch's index of ids (which push_find_item reads). */
void push_precheck(struct push *p, struct item *it);
/** Phase 1's rows of kind k that already exist with the batch's ids
 * (select_existing: id, hlc, seq, parent, written_by, school = ours,
 * digest): each record they name is a re-send, an older write, or
 * rejected; a new id another school holds is rejected. */
void push_existing(struct push *p, const struct kind *k, const PGresult *res);
/** The outcome of every record still pending once phase 1 answered and
 * the signatures are verified: a new record's campus, the signatures, and
 * the workflows' events applied in batch order (parents new in this batch
 * start from the workflow's initial status). 0, or -ENOMEM with *what the
 * step that ran out (the records decided before it keep their outcome). */
int push_decide(struct push *p, const char **what);

#endif
