/* Record ids: random (version 4) UUIDs in canonical lower-case text. */
#ifndef SC_UUID_H
#define SC_UUID_H

#include <stdbool.h>

#include "err.h"

#define UUID_STR_LEN 36

/** Writes a new random UUID and a NUL into out[37]. -EIO if no randomness. */
SC_WUR int uuid_new(char out[UUID_STR_LEN + 1]);
/** True if s is a UUID in canonical form (8-4-4-4-12 hex digits, lower case). */
bool uuid_valid(const char *s);

#endif
