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

#endif
