/* Verifying stored history: recomputes the signatures and the hash chains of
 * signed records from the rows a store holds, and names every record and
 * event whose history does not add up.
 *
 * Both `safecampus verify` (client/cmd/verify.c, rows of the SQLite store)
 * and `safecampusd --verify` (server/verify_pg.c, rows of PostgreSQL) feed it
 * the same way: the people (enrolment records) first, then one chain at a
 * time as a list of links. A link is one signed step as stored: the record
 * rebuilt from its row (NULL when the row is gone), and, where the store
 * keeps them (the server's signoff table), its position in the chain and the
 * hash recorded when the server accepted it. Nothing here does I/O; the
 * findings go to a callback. The bytes and hashes are common/sig.c's. */
#ifndef SC_VERIFY_H
#define SC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"
#include "sig.h"

/** One finding. bad: the history was altered (or is not what the rules
 * allow); !bad: a note (a signature made before its signer's revocation, an
 * enrolment not checked for want of the district key). record is the chain's
 * id (a hazard's id for its steps), event the signed row's id (may equal
 * record), kind the event's kind name; all borrowed for the call. */
typedef void (*verify_report_fn)(void *arg, bool bad, const char *school, const char *record,
				 const char *kind, const char *event, const char *text);

struct verify_person;
struct kind;

struct verify {
	struct verify_person *people;
	size_t npeople, cap;
	bool have_admin;
	bool lenient; /* unsigned sign-offs are counted, not bad */
	uint8_t admin[SIG_PUBKEY_LEN];
	verify_report_fn report;
	void *arg;
	/* counts, for the summary line */
	unsigned long chains, signatures, bad, unsigned_, before_revocation;
};

/** One signed step as stored. */
struct verify_link {
	const Safecampus__Record *r; /* rebuilt from its row; NULL if the row is gone */
	const char *id;              /* the step's id (r->id when r is set) */
	const char *kind;            /* its kind's name, for reports */
	int pos;                     /* 1.. along the chain as recorded; 0: not recorded */
	bool have_stored;            /* stored_hash and stored_prev are set */
	uint8_t stored_hash[SIG_HASH_LEN];
	uint8_t stored_prev[SIG_HASH_LEN];
	size_t stored_prev_len; /* 0 (first step) or SIG_HASH_LEN */
	bool row_expected;      /* false: an older version whose row was overwritten */
};

void verify_init(struct verify *v, verify_report_fn report, void *arg);
void verify_free(struct verify *v);

/** The district admin's public key (PEM, deploy/pki.sh people): enrolments
 * it signed are checked with it; without it they are noted, not checked.
 * SC_EINVALID if the file does not hold an Ed25519 public key. */
SC_WUR int verify_admin_key(struct verify *v, const char *pem_path);

/** Learns a person from their enrolment record (kind person). Records of
 * other kinds are ignored. -ENOMEM only. */
SC_WUR int verify_add_person(struct verify *v, const Safecampus__Record *r);

/** The records of one chain id, checked school by school as the server
 * chains them (by chain id and school): a bureau's notice, signed by an
 * officer, and each school's acknowledgements are as many chains, each with
 * its own first step. Each group is a parent's events, or the versions of
 * one record when none of it is a step (as `verify` decides); school
 * reports a group of the bureau's rows. The number of bad findings or
 * -ENOMEM; links are not changed. */
int verify_chains(struct verify *v, const char *school, const char *chain,
		  const struct verify_link *links, size_t n);

/** Checks one chain: every link's signature (signer enrolled, of the right
 * school and role, not revoked when it signed), its hash against the one
 * recorded, and that each step names the one before it: by position when
 * positions are recorded, else by hash. versions: the chain is the versions
 * of one record (not a parent's events), of which a client keeps only the
 * last, so without positions its predecessor is not looked for. Reports
 * through v->report; returns the number of bad findings (>= 0) or -ENOMEM.
 * links may be reordered. */
int verify_chain(struct verify *v, const char *school, const char *chain_id, bool versions,
		 struct verify_link *links, size_t n);

/** The kind of the enrolment records verify_add_person learns people from. */
extern const char verify_enrolment_kind[];

/** True if records of kind k can be sign-offs (a verb writing k signs, or
 * k's entry does, or k is the enrolment kind). */
bool verify_kind_signs(const struct kind *k);

#endif
