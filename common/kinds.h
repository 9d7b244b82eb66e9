/* Record kinds, driven by protobuf-c descriptors.
 *
 * Every arm of Record.body in proto/safecampus.proto is a kind. Everything that
 * is the same for every kind (SQL columns and parameters, SQLite, CLI flags and
 * help, CSV) goes through this module, so adding a kind is a .proto message, a
 * migration and its rules (rules.c), not ten files.
 *
 * Text form of a field value (used for SQL parameters, CLI flags, CSV cells):
 *   string            as is
 *   bool              "true" / "false" (parsing also takes 1/0, yes/no)
 *   int32/int64/...   decimal
 *   double/float      "%.17g"
 *   enum              the value's name without the enum's common prefix, lower
 *                     case: SEVERITY_HIGH -> "high", HAZARD_AREA_FIRE -> "fire"
 *                     (parsing also takes the full upper-case name or the number)
 *   repeated string   elements joined by ';' ("a;b"); parsing splits on ';'
 *   unset/default     "" (empty string, zero, false, UNSPECIFIED): the empty text
 */
#ifndef SC_KINDS_H
#define SC_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "kind_ops.h"
#include "safecampus.pb-c.h"

struct kind {
	const char *name;                       /* "hazard", "hazard_event" */
	int body_case;                          /* Safecampus__Record__BodyCase */
	const ProtobufCFieldDescriptor *arm;    /* the Record.body field */
	const ProtobufCMessageDescriptor *desc; /* the payload message */
	bool immutable;                         /* events: never updated once written */
	bool bureau_only;                       /* only the bureau may write it */
	const char *parent_field;   /* e.g. "hazard_id": the record it hangs on, or NULL */
	const struct kind_ops *ops; /* its behaviour (kind_ops.h), or NULL */
};

/** Number of kinds; kinds are indexed 0..kind_count()-1 in .proto order. */
size_t kind_count(void);
const struct kind *kind_at(size_t i);
/** k's place in that order: kind_at(kind_index(k)) == k, for k from this
 * module (kind_at, kind_by_name, kind_by_case, kind_of). */
size_t kind_index(const struct kind *k);
/** NULL if no such kind. */
const struct kind *kind_by_name(const char *name);
/** NULL for SAFECAMPUS__RECORD__BODY__NOT_SET or an unknown case. */
const struct kind *kind_by_case(int body_case);
/** The kind of a record, NULL if its body is not set or unknown. */
const struct kind *kind_of(const Safecampus__Record *r);

/** The payload message of r (borrowed), NULL if not set. */
ProtobufCMessage *kind_payload(const Safecampus__Record *r);
/** Makes a new zeroed payload for k. Caller owns it; free with
 * protobuf_c_message_free_unpacked(m, NULL) only if it came from unpack, else
 * with kind_payload_free. NULL on out-of-memory. */
ProtobufCMessage *kind_payload_new(const struct kind *k);
/** Frees a payload made by kind_payload_new and filled by kind_field_set. */
void kind_payload_free(ProtobufCMessage *m);
/** Sets r's body to m (r takes ownership of m: free r with kind_record_free). */
void kind_record_set_payload(Safecampus__Record *r, const struct kind *k, ProtobufCMessage *m);
/** A deep copy of r (freed with safecampus__record__free_unpacked); NULL on
 * out-of-memory. */
Safecampus__Record *kind_record_dup(const Safecampus__Record *r);
/** Frees a record built field by field with kind_* and strdup'd strings
 * (not one that came from protobuf unpack). */
void kind_record_free(Safecampus__Record *r);

/** Field of k's payload by name, NULL if none. */
const ProtobufCFieldDescriptor *kind_field(const struct kind *k, const char *name);

/** Text form of field f of m (see the top of this file). Returns a malloc'd
 * string the caller frees, or NULL on out-of-memory. */
char *kind_field_get(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/** Parses text into field f of m (made by kind_payload_new), replacing what
 * was there. SC_EINVALID with a message for people in err on bad text. */
SC_WUR int kind_field_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
			  char *err, size_t errlen);

/** Lower-case short name of an enum value (static storage), or NULL if value
 * is not in the enum. */
const char *kind_enum_name(const ProtobufCEnumDescriptor *e, int value);
/** Parses a short name, full name or number. SC_EINVALID if none matches. */
SC_WUR int kind_enum_parse(const ProtobufCEnumDescriptor *e, const char *text, int *value);

#endif
