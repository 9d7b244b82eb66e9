/* People who sign at this campus: accounts, passwords, signing keys.
 *
 * One account is one person with one role, one school and one Ed25519
 * signing key; the CLI (`safecampus person ...`, `--as LOGIN`) and the
 * browser interface (`safecampus serve` sign-in) both use it. Kept in the
 * store's `people` table (store.c migration 2 -> 3):
 *   - the password as an scrypt hash (N = 2^15, r = 8, p = 1: 32 MiB, about
 *     0.1 s), with its own random salt;
 *   - the private key as encrypted PKCS#8 (PBES2 with scrypt, AES-256-CBC)
 *     under the same password, so the store file alone signs nothing;
 *   - the public key, and the id of the person's enrolment record: a
 *     `person` Record signed by whoever enrolled them, synced to the server
 *     like any record, which is how the server and the other campuses learn
 *     the public key (docs/internals/people.md).
 *
 * Who may enrol whom: a principal (校长) or a bureau officer is enrolled with
 * the district administrator's key (`--admin-key`, deploy/pki.sh people);
 * everyone else of a school by that school's principal. Revocation is the
 * same record with revoked_ms set, signed by the principal (or the admin).
 *
 * Errors: 0, or PERSON_E* below, or a negative errno / SC_E* code; a text for
 * people is in person_last_error() after any failure. */
#ifndef SC_PERSON_H
#define SC_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sig.h"
#include "store.h"

struct evp_pkey_st;

enum person_err {
	PERSON_EUNKNOWN = SC_EBASE - 40,  /* no person with this login here */
	PERSON_EPASSWORD = SC_EBASE - 41, /* the password is wrong */
	PERSON_EREVOKED = SC_EBASE - 42,  /* the person was revoked */
	PERSON_EDENIED = SC_EBASE - 43,   /* the acting person may not do this */
	PERSON_EEXISTS = SC_EBASE - 44,   /* the login is taken */
	PERSON_EWEAK = SC_EBASE - 45,     /* the new password is too short */
};

#define PERSON_LOGIN_MAX 32
#define PERSON_NAME_MAX 128
#define PERSON_PASSWORD_MIN 8

/** A person as this campus knows them. Plain data, nothing to free. */
struct person {
	char login[PERSON_LOGIN_MAX + 1];
	char display_name[PERSON_NAME_MAX + 1];
	int role;                               /* SAFECAMPUS__STAFF_ROLE__* */
	char school[64];                        /* "" for the bureau */
	char record_id[37];                     /* the enrolment record */
	char enrolled_by[PERSON_LOGIN_MAX + 1]; /* a login, or SIG_DISTRICT_SIGNER */
	int64_t enrolled_ms;
	int64_t revoked_ms; /* 0: not revoked */
	uint8_t public_key[SIG_PUBKEY_LEN];
};

/** Who signs an enrolment or revocation: a person here, or the district
 * administrator's private key (a PEM file, unencrypted or with pass). */
struct person_actor {
	const char *login; /* NULL: use admin_key */
	const char *password;
	const char *admin_key; /* path to the district admin's private key */
};

/** Text for people about the last failure, "" if none. Static storage. */
const char *person_last_error(void);
/** The role's short name ("principal") or NULL; person_role_parse the other way. */
const char *person_role_name(int role);
SC_WUR int person_role_parse(const char *name, int *role);
/** Does login look like a login ([a-z0-9._-], 2..32 characters)? */
bool person_login_ok(const char *login);

/** Checks login and password and fills *out (may be NULL).
 * PERSON_EUNKNOWN if there is no such person here, PERSON_EREVOKED if they
 * were revoked (checked before the password, so a revoked person learns
 * nothing about it), PERSON_EPASSWORD if the password is wrong. Costs one
 * scrypt (about 0.1 s, 32 MiB). */
SC_WUR int person_login(struct store *st, const char *login, const char *password,
			struct person *out);

/** The person with this login (PERSON_EUNKNOWN if none); no password. */
SC_WUR int person_get(struct store *st, const char *login, struct person *out);

typedef int (*person_each_cb)(void *arg, const struct person *p);
/** Every person here, by login; non-zero from cb stops and is returned. */
SC_WUR int person_each(struct store *st, person_each_cb cb, void *arg);

/** Enrols p (login, display_name, role, school; the rest is filled in) with
 * password, signed by `by`: makes the key pair, stores the account and writes
 * the signed enrolment record to the outbox, in one transaction.
 * PERSON_EDENIED if `by` may not enrol this role, PERSON_EEXISTS if the login
 * is taken here, PERSON_EWEAK for a short password. */
SC_WUR int person_add(struct store *st, struct person *p, const char *password,
		      const struct person_actor *by);

/** Changes login's password (the key is re-encrypted; it stays the same key). */
SC_WUR int person_passwd(struct store *st, const char *login, const char *old_password,
			 const char *new_password);

/** Revokes login from at_ms on (0: now), signed by `by`; writes the signed
 * revocation record to the outbox. Signatures with signed_ms >= at_ms are
 * refused by the server from then on; earlier ones stay valid. */
SC_WUR int person_revoke(struct store *st, const char *login, int64_t at_ms,
			 const struct person_actor *by);

/** Checks the password and signs r as login (sets r->signature: signer,
 * school, signed_ms = now, prev_hash and evidence as given; prev may be NULL).
 * Same errors as person_login. r's id, school and campus must be final. */
SC_WUR int person_sign_record(struct store *st, const char *login, const char *password,
			      Safecampus__Record *r, const uint8_t *prev_hash,
			      const uint8_t (*evidence)[SIG_HASH_LEN], size_t nevidence);

/** Frees what person_sign_record put into r->signature (kind_record_free
 * and safecampus__record__free_unpacked free it too: it is malloc'd). */
void person_signature_free(Safecampus__Signature *s);

#endif
