/* One record's signed history verified from the rows of this store
 * (common/verify.h), for the record's page in the browser: the people
 * enrolled here, then the record's chain (the record itself where its kind
 * signs, and its events). `safecampus verify` (client/cmd/verify.c) checks
 * every chain of the store in one pass; this reads only what one chain
 * needs. */
#ifndef SC_VERIFY_STORE_H
#define SC_VERIFY_STORE_H

#include "safecampus.pb-c.h"
#include "store.h"
#include "verify.h"

/** Checks rec's chain into v (verify_init'd by the caller, who reads its
 * counts and frees it). school: this install's (the bureau's is ""). Entries
 * the server refused are left out, as `verify` leaves them. Returns 0 (the
 * findings went to v->report) or a negative code (the store could not be
 * read, -ENOMEM). */
SC_WUR int verify_store_record(struct store *st, const char *school, const Safecampus__Record *rec,
			       struct verify *v);

#endif
