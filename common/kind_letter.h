/* Staff and responsibility letters: what the letter coverage view shares
 * with the kind table entries. */
#ifndef SC_KIND_LETTER_H
#define SC_KIND_LETTER_H

#include <stdbool.h>

#include "safecampus.pb-c.h"

/* Current staff: indicators_staff_current (common/indicators.h), one
 * definition with the dashboard. */
/** Names compare without case and surrounding spaces. */
bool staff_same_name(const char *a, const char *b);

struct kind_env;

/** The roles (KS bits, kind_ops.h) that counter-sign a letter of this
 * LetterLevel: the level above its holder. 0 for no level. */
unsigned letter_countersign_roles(int level);
/** How many counter-signatures of letter are known in env and not refused
 * by the server (leaving out skip_id, may be NULL) into *n; 0 or < 0. */
int letter_countersigns(const struct kind_env *env, const Safecampus__Record *letter,
			const char *skip_id, unsigned *n);
/** The day letter holds from for coverage (indicators_letter_since, with
 * its counter-signatures known in env) into out, "" while it awaits its
 * counter-signature; 0 or < 0 from env. */
int letter_since(const struct kind_env *env, const Safecampus__Record *letter, char out[11]);

#endif
