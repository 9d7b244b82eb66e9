/* Validation of one record's fields, shared by client (refuse at once, offline)
 * and server (the authority).
 *
 * Generic rules come from the descriptors: a `*_date` field is empty or a real
 * calendar date "YYYY-MM-DD"; a `*_id` field is empty or a canonical UUID; a
 * `*_ms` field is >= 0; an enum holds a known value; a string is valid UTF-8
 * and at most RULES_MAX_TEXT bytes. Kind rules add required fields and
 * cross-field checks. Workflow order (hazard_fsm.h) is checked elsewhere: these
 * rules see one record alone. */
#ifndef SC_RULES_H
#define SC_RULES_H

#include <stddef.h>

#include "err.h"
#include "kinds.h"

#define RULES_MAX_TEXT 8192
/* Long free text (meeting minutes, a notice's body, feedback, findings...):
 * 64 KB is ~21,000 Chinese characters, real minutes of a long meeting. A
 * Push stays under the frame limit because the client cuts batches by size
 * (store_outbox_batch). */
#define RULES_MAX_LONG_TEXT 65536
/* Dates of things done (a meeting held, a session given, a trip made) lie
 * between this year and tomorrow (one day of slack for time zones). */
#define RULES_FIRST_YEAR 2000

/** 0 if r's payload is valid for its kind; else SC_EINVALID and a reason for
 * people (naming the field) in why. Does not look at id/school/campus/hlc. */
SC_WUR int rules_check(const Safecampus__Record *r, char *why, size_t whylen);

/** The fields rules_check requires of records of kind (by name): *out
 * points at a static list (not NULL-terminated), the count is returned; 0
 * and *out NULL for a kind with none. For forms, which mark them. */
size_t rules_required(const char *kind, const char *const **out);

/** True for a field of free text that may be long (minutes, findings, a
 * note: by name): it may hold RULES_MAX_LONG_TEXT bytes, others
 * RULES_MAX_TEXT; a form gives it a box of several lines. */
int rules_long_text(const char *field);

/** True if s is a real date in "YYYY-MM-DD" form (1900..9999). */
int rules_date_valid(const char *s);

/** Replaces each byte of str that is not part of a strict UTF-8 sequence
 * with '?', in place: a reason that quotes a value cut by a byte count (or
 * bytes a peer sent) is still valid text for a protobuf `string`. */
void rules_utf8_scrub(char *str);

/** Sets the day rules take as today ("YYYY-MM-DD"; NULL: the system clock,
 * UTC). For tests and tools that generate records for a fixed day. */
void rules_set_today(const char *day);

/** 0 if a bus trip's counts fit its bus's seats; else SC_EINVALID with a
 * reason in why. Both sides call it where they know the bus. */
SC_WUR int rules_bus_trip_seats(const Safecampus__BusTrip *t, const Safecampus__Bus *b, char *why,
				size_t whylen);

#endif
