/* Signing a sign-off for the acting person before it is written (verb.c's
 * verb_write), and the chain it joins. Both the command line and the browser
 * come through here, so a step is signed the same way whoever took it. */
#ifndef SC_VERB_SIGN_H
#define SC_VERB_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sig.h"
#include "store.h"
#include "verb.h"

/** If r is a sign-off (kind_sign_roles), checks that actor may sign it (a
 * person here, of an allowed role, of r's school, not revoked, the right
 * password) and signs it: prev_hash is the hash of the last signed event of
 * r's chain known here, evidence the *_sha256 fields of r. 0 when done or
 * not a sign-off; -EPERM (who may not), -EACCES (wrong password), or another
 * code; why says so for people. r's school and campus are set from cfg first
 * if empty, since the signature covers them. */
SC_WUR int verb_sign(struct store *st, const struct store_config *cfg,
		     const struct verb_actor *actor, Safecampus__Record *r, char *why, size_t n);

/** The hash of the last signed record of chain_id (of kind k) known in st,
 * leaving out skip_id: *have false if the chain is empty here. For an event
 * kind with no step yet, the parent itself when it is signed and of school
 * (the chain's first step: a letter before its counter-signature). */
SC_WUR int verb_chain_head(struct store *st, const struct kind *k, const char *chain_id,
			   const char *school, const char *skip_id, uint8_t out[SIG_HASH_LEN],
			   bool *have);

/** Fills a verb's KF_SIGNER_NAME / KF_SIGNER_ROLE value for actor into out
 * (the person's display name, or role name). -EPERM with why if no person. */
SC_WUR int verb_signer_value(struct store *st, const struct verb_actor *actor, int fill, char *out,
			     size_t n, char *why, size_t whyn);

#endif
