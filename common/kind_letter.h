/* Staff and responsibility letters: what the letter coverage view shares
 * with the kind table entries. */
#ifndef SC_KIND_LETTER_H
#define SC_KIND_LETTER_H

#include <stdbool.h>

#include "safecampus.pb-c.h"

/** Current staff: not inactive, no left_date on or before today. */
bool staff_current(const Safecampus__Staff *s, const char *today);
/** Names compare without case and surrounding spaces. */
bool staff_same_name(const char *a, const char *b);

#endif
