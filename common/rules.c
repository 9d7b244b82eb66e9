/* Field rules for one record: generic ones from the descriptors (names and
 * types), then one table of per-kind rules. Messages name the field as
 * "kind.field" so a person can find it in the form or the CSV. */
#include "rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

#define RULES_MAX_REPEATED 256

#define CMEMBER_PTR(m, off) ((const void *)((const char *)(m) + (off)))

/* ------------------------------------------------------------------ helpers */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rules_date_valid(const char *s)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, dim;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || mo < 1 || mo > 12 || d < 1)
		return 0;
	dim = days[mo - 1] + (mo == 2 && is_leap(y));
	return d <= dim;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned char c = *s;
		if (c < 0x80) {
			s++;
		} else if (c >= 0xC2 && c <= 0xDF) {
			if ((s[1] & 0xC0) != 0x80)
				return 0;
			s += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
			if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
				return 0;
			s += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
			if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
				return 0;
			s += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The value cut to a readable length, control characters shown as '?'. Only
 * called on valid UTF-8. */
static const char *quote(const char *s, char *tmp, size_t tmplen)
{
	size_t n = strlen(s), cut = n;

	if (n >= tmplen) {
		cut = tmplen - 4;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		tmp[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut < n)
		memcpy(tmp + cut, "...", 4);
	else
		tmp[cut] = '\0';
	return tmp;
}

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return SC_EINVALID;
}

/* ------------------------------------------------------------------ generic rules */

static int check_string(const struct kind *k, const ProtobufCFieldDescriptor *f, const char *s,
			char *why, size_t whylen)
{
	char q[64];
	size_t n;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	if (n > RULES_MAX_TEXT)
		return fail(why, whylen, "%s.%s: %zu bytes, at most %d", k->name, f->name, n,
			    RULES_MAX_TEXT);
	if (!utf8_valid(s))
		return fail(why, whylen, "%s.%s: not valid UTF-8 text", k->name, f->name);
	if (ends_with(f->name, "_date") && !rules_date_valid(s))
		return fail(why, whylen, "%s.%s: \"%s\" is not a real date", k->name,
			    f->name, quote(s, q, sizeof q));
	if (ends_with(f->name, "_id") && !uuid_valid(s))
		return fail(why, whylen, "%s.%s: \"%s\" is not a record id (lower-case UUID)",
			    k->name, f->name, quote(s, q, sizeof q));
	return 0;
}

static int check_enum(const struct kind *k, const ProtobufCFieldDescriptor *f, int v, char *why,
		      size_t whylen)
{
	if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
		return fail(why, whylen, "%s.%s: %d is not a known value", k->name, f->name, v);
	return 0;
}

static int check_ms(const struct kind *k, const ProtobufCFieldDescriptor *f, const void *v,
		    char *why, size_t whylen)
{
	long long n;

	if (!ends_with(f->name, "_ms"))
		return 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		n = *(const int32_t *)v;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		n = *(const int64_t *)v;
		break;
	default:
		return 0; /* unsigned: never negative */
	}
	if (n < 0)
		return fail(why, whylen, "%s.%s: %lld is negative (a time in Unix ms)", k->name,
			    f->name, n);
	return 0;
}

static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

static int check_value(const struct kind *k, const ProtobufCFieldDescriptor *f, const void *v,
		       char *why, size_t whylen)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return check_string(k, f, *(const char *const *)v, why, whylen);
	case PROTOBUF_C_TYPE_ENUM:
		return check_enum(k, f, *(const int *)v, why, whylen);
	default:
		return check_ms(k, f, v, why, whylen);
	}
}

static int check_generic(const struct kind *k, const ProtobufCMessage *m, char *why,
			 size_t whylen)
{
	const ProtobufCMessageDescriptor *d = k->desc;
	int rc;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)CMEMBER_PTR(m, f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER_PTR(m, f->quantifier_offset);
			const char *arr = *(const char *const *)CMEMBER_PTR(m, f->offset);
			if (n > RULES_MAX_REPEATED)
				return fail(why, whylen, "%s.%s: %zu values, at most %d", k->name,
					    f->name, n, RULES_MAX_REPEATED);
			for (size_t j = 0; arr && j < n; j++) {
				rc = check_value(k, f, arr + j * elem_size(f->type), why, whylen);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		rc = check_value(k, f, CMEMBER_PTR(m, f->offset), why, whylen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ kind rules */

/* A required field is a non-empty string or a non-zero (not UNSPECIFIED) enum
 * or number. */
static int field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *v = CMEMBER_PTR(m, f->offset);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)CMEMBER_PTR(m, f->quantifier_offset) > 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		return s && *s;
	}
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)v != 0.0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)v != 0.0f;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(const void *const *)v != NULL;
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)v)->len > 0;
	default:
		if (elem_size(f->type) == 8)
			return *(const uint64_t *)v != 0;
		return *(const uint32_t *)v != 0;
	}
}

static int check_hazard_event(const struct kind *k, const ProtobufCMessage *m, char *why,
			      size_t whylen)
{
	const Safecampus__HazardEvent *ev = (const Safecampus__HazardEvent *)m;
	const char *h = ev->evidence_sha256;

	if (h && *h) {
		size_t n = strlen(h);
		int ok = n == 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = (h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f');
		if (!ok)
			return fail(why, whylen,
				    "%s.evidence_sha256: must be 64 lower-case hex digits", k->name);
	}
	return 0;
}

/* One row per kind: what must be filled in, and any cross-field check. Which
 * fields a workflow step needs (an assign's owner and deadline, a verify's
 * note) is hazard_fsm's business: it depends on the action. */
static const struct kind_rule {
	const char *kind;
	const char *const required[8];
	int (*check)(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen);
} kind_rules[] = {
	{ "hazard", { "title", "area", "severity", "found_date" }, NULL },
	{ "hazard_event", { "hazard_id", "action", "actor" }, check_hazard_event },
};

int rules_check(const Safecampus__Record *r, char *why, size_t whylen)
{
	const struct kind *k;
	const ProtobufCMessage *m;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!r)
		return fail(why, whylen, "no record");
	k = kind_of(r);
	if (!k)
		return fail(why, whylen, "record has no kind (body not set or unknown)");
	m = kind_payload(r);
	if (!m)
		return fail(why, whylen, "%s: payload missing", k->name);
	if (m->descriptor != k->desc)
		return fail(why, whylen, "%s: payload of the wrong type", k->name);
	rc = check_generic(k, m, why, whylen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof kind_rules / sizeof kind_rules[0]; i++) {
		const struct kind_rule *kr = &kind_rules[i];
		if (strcmp(kr->kind, k->name) != 0)
			continue;
		for (size_t j = 0; j < 8 && kr->required[j]; j++) {
			const ProtobufCFieldDescriptor *f = kind_field(k, kr->required[j]);
			if (!f)
				return fail(why, whylen, "%s.%s: rule names a field the kind lacks",
					    k->name, kr->required[j]);
			if (!field_present(m, f))
				return fail(why, whylen, "%s.%s is required", k->name, f->name);
		}
		if (kr->check) {
			rc = kr->check(k, m, why, whylen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
