/* `import`'s input before it is CSV: the encoding, and the id of a row that
 * names none.
 *
 * Encoding: a file that is valid UTF-8 (with or without the byte-order mark)
 * is read as UTF-8; anything else is read as GB18030 (the superset of GBK and
 * GB2312 that Chinese Excel saves "CSV" in) and converted with iconv. A file
 * with a UTF-8 byte-order mark that is not UTF-8 is refused rather than
 * guessed at. Short GBK text that is also valid UTF-8 is rare (a GBK
 * character would have to be a run of UTF-8 continuation bytes); such a file
 * reads as UTF-8, which is why export writes the mark.
 *
 * Row identity: a row without an id gets one made from a hash (SHA-256) of
 * the kind, the school and the values of its kind's import key
 * (kind_ops.import_key: the fields that say which meeting, which check),
 * formatted as a version-8 UUID. Importing the same sheet again, or a
 * corrected one, finds the records its rows made and updates or skips them
 * instead of adding them twice; two campuses of one school importing the
 * same sheet make the same records. */
#ifndef SC_IMPORT_TEXT_H
#define SC_IMPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum import_enc { IMPORT_UTF8, IMPORT_GB18030 };

/** True if the n bytes at s are valid UTF-8. */
bool import_utf8_valid(const char *s, size_t n);

/** Reads all of f (at most max bytes: -EFBIG beyond) and returns it as UTF-8
 * in *out (malloc'd, the caller frees it; *len bytes, a UTF-8 byte-order mark
 * kept if the file had one). *enc says what the file was. SC_EINVALID when it
 * is neither (*bad_at: offset of the first bad byte), -EIO, -ENOMEM,
 * -ENOTSUP when the C library cannot convert GB18030. */
SC_WUR int import_read(FILE *f, size_t max, char **out, size_t *len, enum import_enc *enc,
		       size_t *bad_at);

/** The stable id of a row: names[i] = values[i] for the n key fields (in a
 * fixed order), for kind and school. Writes the UUID and a NUL into out. */
SC_WUR int import_row_id(const char *kind, const char *school, const char *const *names,
			 const char *const *values, size_t n, char out[37]);

#endif
