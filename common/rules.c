/* Field rules for one record: generic ones from the descriptors (names and
 * types), then one table of per-kind rules. Messages name the field as
 * "kind.field" so a person can find it in the form or the CSV. */
#include "rules.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "rules_int.h"
#include "uuid.h"

#define RULES_MAX_REPEATED 256

#define CMEMBER_PTR(m, off) ((const void *)((const char *)(m) + (off)))

/* ------------------------------------------------------------------ helpers */

int rules_date_valid(const char *s)
{
	return date_valid(s);
}

static char fixed_today[11];

void rules_set_today(const char *day)
{
	snprintf(fixed_today, sizeof fixed_today, "%s", day && date_valid(day) ? day : "");
}

/* Tomorrow, UTC: the latest day a thing done can carry anywhere in China. */
static void latest_done_day(char out[11])
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;

	if (fixed_today[0]) {
		memcpy(today, fixed_today, sizeof today);
	} else {
		gmtime_r(&now, &tm);
		date_format(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, today);
	}
	if (date_add(today, 1, out) < 0)
		memcpy(out, today, sizeof today);
}

/* By name, like *_date and *_id (rules.h). */
int rules_long_text(const char *field)
{
	static const char *const names[] = { "minutes",  "body",      "summary",  "description",
					     "findings", "feedback",  "note",     "mitigation",
					     "plan",     "incidents", "evidence", "activity",
					     NULL };

	for (size_t i = 0; names[i]; i++)
		if (!strcmp(field, names[i]))
			return 1;
	return 0;
}

/* The length of the strict UTF-8 sequence at s (no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 if there is none; s is not at its
 * terminator. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = *s;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

static int utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = utf8_seq(s);
		if (!n)
			return 0;
		s += n;
	}
	return 1;
}

void rules_utf8_scrub(char *str)
{
	unsigned char *s = (unsigned char *)str;

	while (*s) {
		size_t n = utf8_seq(s);
		if (n)
			s += n;
		else
			*s++ = '?';
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The value cut to a readable length, control characters shown as '?'. Only
 * called on valid UTF-8. */
const char *rules_quote(const char *s, char *tmp, size_t tmplen)
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

int rules_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sc_vrefuse(SC_EINVALID, why, whylen, fmt, ap);
	va_end(ap);
	return rc;
}

/* ------------------------------------------------------------------ generic rules */

/* What a field's name says of its values: the rules go by names (*_date,
 * *_id, *_ms, the long texts), worked out once per field of each kind, as
 * check_generic runs for every field of every record a Push carries. */
enum {
	FN_KNOWN = 1u << 0, /* worked out */
	FN_DATE = 1u << 1,
	FN_ID = 1u << 2,
	FN_MS = 1u << 3,
	FN_LONG = 1u << 4,
};
#define FN_KINDS 128
#define FN_FIELDS 64

static unsigned char fn_tab[FN_KINDS][FN_FIELDS];
static pthread_once_t fn_once = PTHREAD_ONCE_INIT;

static unsigned name_class(const char *name)
{
	return FN_KNOWN | (ends_with(name, "_date") ? FN_DATE : 0) |
	       (ends_with(name, "_id") ? FN_ID : 0) | (ends_with(name, "_ms") ? FN_MS : 0) |
	       (rules_long_text(name) ? FN_LONG : 0);
}

static void fn_build(void)
{
	for (size_t ki = 0; ki < kind_count() && ki < FN_KINDS; ki++) {
		const ProtobufCMessageDescriptor *d = kind_at(ki)->desc;
		for (unsigned i = 0; i < d->n_fields && i < FN_FIELDS; i++)
			fn_tab[ki][i] = (unsigned char)name_class(d->fields[i].name);
	}
}

/* The classes of k's payload fields, indexed like k->desc->fields; NULL
 * past the table (field_class works them out then). */
static const unsigned char *kind_classes(const struct kind *k)
{
	size_t ki = kind_index(k);

	pthread_once(&fn_once, fn_build);
	return ki < FN_KINDS ? fn_tab[ki] : NULL;
}

static unsigned field_class(const unsigned char *classes, const ProtobufCMessageDescriptor *d,
			    unsigned i)
{
	return classes && i < FN_FIELDS && classes[i] ? classes[i] : name_class(d->fields[i].name);
}

static int check_string(const struct kind *k, const ProtobufCFieldDescriptor *f, unsigned cls,
			const char *s, char *why, size_t whylen)
{
	char q[64];
	size_t n;
	int max;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	max = cls & FN_LONG ? RULES_MAX_LONG_TEXT : RULES_MAX_TEXT;
	if (n > (size_t)max)
		return rules_fail(why, whylen, _("%s.%s: %zu bytes, at most %d"), k->name, f->name,
				  n, max);
	if (!utf8_valid(s))
		return rules_fail(why, whylen, _("%s.%s: not valid UTF-8 text"), k->name, f->name);
	if ((cls & FN_DATE) && !date_valid(s))
		return rules_fail(why, whylen, _("%s.%s: \"%s\" is not a real date"), k->name,
				  f->name, rules_quote(s, q, sizeof q));
	if ((cls & FN_ID) && !uuid_valid(s))
		return rules_fail(why, whylen,
				  _("%s.%s: \"%s\" is not a record id (lower-case UUID)"), k->name,
				  f->name, rules_quote(s, q, sizeof q));
	return 0;
}

static int check_enum(const struct kind *k, const ProtobufCFieldDescriptor *f, int v, char *why,
		      size_t whylen)
{
	if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
		return rules_fail(why, whylen, _("%s.%s: %d is not a known value"), k->name,
				  f->name, v);
	return 0;
}

static int check_ms(const struct kind *k, const ProtobufCFieldDescriptor *f, unsigned cls,
		    const void *v, char *why, size_t whylen)
{
	long long n;

	if (!(cls & FN_MS))
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
		return rules_fail(why, whylen, _("%s.%s: %lld is negative (a time in Unix ms)"),
				  k->name, f->name, n);
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

static int check_value(const struct kind *k, const ProtobufCFieldDescriptor *f, unsigned cls,
		       const void *v, char *why, size_t whylen)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return check_string(k, f, cls, *(const char *const *)v, why, whylen);
	case PROTOBUF_C_TYPE_ENUM:
		return check_enum(k, f, *(const int *)v, why, whylen);
	case PROTOBUF_C_TYPE_DOUBLE:
		/* text never parses to NaN or infinity; the wire can carry them */
		if (!isfinite(*(const double *)v))
			return rules_fail(why, whylen, _("%s.%s: not a finite number"), k->name,
					  f->name);
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if (!isfinite(*(const float *)v))
			return rules_fail(why, whylen, _("%s.%s: not a finite number"), k->name,
					  f->name);
		return 0;
	default:
		return check_ms(k, f, cls, v, why, whylen);
	}
}

static int check_generic(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const ProtobufCMessageDescriptor *d = k->desc;
	const unsigned char *classes = kind_classes(k);
	int rc;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		unsigned cls = field_class(classes, d, i);

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)CMEMBER_PTR(m, f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER_PTR(m, f->quantifier_offset);
			const char *arr = *(const char *const *)CMEMBER_PTR(m, f->offset);
			if (n > RULES_MAX_REPEATED)
				return rules_fail(why, whylen, _("%s.%s: %zu values, at most %d"),
						  k->name, f->name, n, RULES_MAX_REPEATED);
			for (size_t j = 0; arr && j < n; j++) {
				rc = check_value(k, f, cls, arr + j * elem_size(f->type), why,
						 whylen);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		rc = check_value(k, f, cls, CMEMBER_PTR(m, f->offset), why, whylen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ bounds */

/* The number in m's field f as a double (exact for every int32 and for the
 * int64 a form can hold); false for a field that is no number. */
static bool number_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, double *v)
{
	const void *p = CMEMBER_PTR(m, f->offset);

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*v = *(const int32_t *)p;
		return true;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*v = *(const uint32_t *)p;
		return true;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*v = (double)*(const int64_t *)p;
		return true;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*v = (double)*(const uint64_t *)p;
		return true;
	case PROTOBUF_C_TYPE_DOUBLE:
		*v = *(const double *)p;
		return true;
	case PROTOBUF_C_TYPE_FLOAT:
		*v = *(const float *)p;
		return true;
	default:
		return false;
	}
}

/* Every number field within the kind table's bounds (kind_ops.bounds): the
 * one place a range is written, which the browser's number inputs and the
 * CLI's --help show too. 0 is no value, as for a required field: a bound
 * above 0 holds a value given (a school's founding year), and a required
 * field left 0 is "required", not out of range. */
static int check_bounds(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	for (const struct kind_bound *b = k->ops ? k->ops->bounds : NULL; b && b->field; b++) {
		const ProtobufCFieldDescriptor *f = kind_field(k, b->field);
		double v;

		if (!f || f->label == PROTOBUF_C_LABEL_REPEATED || !number_of(m, f, &v))
			return rules_fail(why, whylen,
					  _("%s.%s: bounds name a field that is no number"),
					  k->name, b->field);
		if (v == 0 && b->min > 0)
			continue;
		if (b->max == KB_NO_MAX && v < (double)b->min)
			return rules_fail(why, whylen, _("%s.%s must be >= %lld"), k->name, f->name,
					  b->min);
		if (b->max != KB_NO_MAX && (v < (double)b->min || v > (double)b->max))
			return rules_fail(why, whylen, _("%s.%s must be between %lld and %lld"),
					  k->name, f->name, b->min, b->max);
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
		/* blank is not given: spaces, tabs, line breaks, U+3000 */
		const char *s = *(const char *const *)v;
		while (s && *s) {
			if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
				s++;
			else if (!strncmp(s, "\xe3\x80\x80", 3))
				s += 3;
			else
				return 1;
		}
		return 0;
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
			return rules_fail(why, whylen,
					  _("%s.evidence_sha256: must be 64 lower-case hex digits"),
					  k->name);
	}
	return 0;
}

/* ------------------------------------------------------------------ per kind */

static int check_school_profile(const struct kind *k, const ProtobufCMessage *m, char *why,
				size_t whylen)
{
	const Safecampus__SchoolProfile *p = (const Safecampus__SchoolProfile *)m;
	int rc = 0;

	if (p->boarding_students > p->student_count)
		rc = rules_fail(why, whylen,
				_("%s.boarding_students must not exceed student_count"), k->name);
	if (!rc && p->bus_riders > p->student_count)
		rc = rules_fail(why, whylen, _("%s.bus_riders must not exceed student_count"),
				k->name);
	return rc;
}

static int check_staff(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Staff *p = (const Safecampus__Staff *)m;

	return rules_date_order(k, "joined_date", p->joined_date, "left_date", p->left_date, why,
				whylen);
}

static int check_school_class(const struct kind *k, const ProtobufCMessage *m, char *why,
			      size_t whylen)
{
	const Safecampus__SchoolClass *p = (const Safecampus__SchoolClass *)m;

	return rules_date_order(k, "opened_date", p->opened_date, "closed_date", p->closed_date,
				why, whylen);
}

static int check_letter(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Letter *p = (const Safecampus__Letter *)m;
	int rc = 0;

	if (rules_set(p->signed_date)) {
		/* a letter for year Y is signed late in Y-1, in Y, or (school year
		 * Y/Y+1) early in Y+1: anything further is a typo */
		int y = (p->signed_date[0] - '0') * 1000 + (p->signed_date[1] - '0') * 100 +
			(p->signed_date[2] - '0') * 10 + (p->signed_date[3] - '0');
		if (y < p->year - 1 || y > p->year + 1)
			rc = rules_fail(why, whylen,
					_("%s.signed_date must be within a year of year %d"),
					k->name, (int)p->year);
	}
	if (!rc && rules_set(p->signer) && rules_set(p->counter_signer) &&
	    strcmp(p->signer, p->counter_signer) == 0)
		rc = rules_fail(why, whylen, _("%s.counter_signer must not be the signer"),
				k->name);
	return rc;
}

static int check_education(const struct kind *k, const ProtobufCMessage *m, char *why,
			   size_t whylen)
{
	const Safecampus__Education *p = (const Safecampus__Education *)m;

	/* the "1530" slots are 1, 10, 5 and 30 minutes: three times that (at
	 * least 5) is generous; 45 minutes in the 1-minute slot is the wrong slot */
	static const int slot_max[] = {
		[SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_DAILY_1] = 5,
		[SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_WEEKLY_10] = 30,
		[SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_WEEKEND_5] = 15,
		[SAFECAMPUS__EDUCATION_SLOT__EDUCATION_SLOT_HOLIDAY_30] = 90,
	};
	int rc = 0;

	if (p->slot > 0 && (size_t)p->slot < sizeof slot_max / sizeof slot_max[0] &&
	    p->minutes > slot_max[p->slot])
		rc = rules_fail(
			why, whylen,
			_("%s.minutes: %d minutes is too long for the %s slot (at most %d): "
			  "is it the right slot?"),
			k->name, p->minutes,
			kind_value_word(
				k, "slot",
				kind_enum_name(&safecampus__education_slot__descriptor, p->slot)),
			slot_max[p->slot]);
	return rc;
}

static const char *const drill_segments[] = { "principal", "teacher", "student", "other", NULL };

static int check_drill(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Drill *p = (const Safecampus__Drill *)m;

	return rules_check_list(k, "segments", p->segments, rules_item_word, drill_segments, why,
				whylen);
}

/* A volunteer's name: no blank one, no spaces around it (a typo that would
 * make one person two). */
static int item_name(const struct kind *k, const char *field, const char *item, const void *ctx,
		     char *why, size_t whylen)
{
	size_t n = strlen(item);
	char q[64];

	(void)ctx;
	if (strspn(item, " \t") == n)
		return rules_fail(why, whylen, _("%s.%s: a blank name in the list"), k->name,
				  field);
	if (item[0] == ' ' || item[n - 1] == ' ')
		return rules_fail(why, whylen, _("%s.%s: \"%s\" has spaces around the name"),
				  k->name, field, rules_quote(item, q, sizeof q));
	return 0;
}

#define GATE_VOLUNTEERS_MAX 30

static int check_gate_duty(const struct kind *k, const ProtobufCMessage *m, char *why,
			   size_t whylen)
{
	const Safecampus__GateDuty *p = (const Safecampus__GateDuty *)m;
	size_t names = 0;
	int rc;

	if (!rules_set(p->leader) && !rules_set(p->teacher) && !rules_set(p->guard))
		return rules_fail(why, whylen,
				  _("%s.leader, teacher or guard: name who was on duty"), k->name);
	if (!rules_set(p->volunteers))
		return 0;
	rc = rules_check_list(k, "volunteers", p->volunteers, item_name, NULL, why, whylen);
	if (rc)
		return rc;
	names = 1;
	for (const char *c = p->volunteers; *c; c++)
		names += *c == ';';
	if (names > GATE_VOLUNTEERS_MAX)
		return rules_fail(why, whylen,
				  _("%s.volunteers: %zu names; at most %d on one shift"), k->name,
				  names, GATE_VOLUNTEERS_MAX);
	/* the count is the names' count when both are given (0: not counted) */
	if (p->parent_volunteers && (size_t)p->parent_volunteers != names)
		return rules_fail(why, whylen,
				  _("%s.parent_volunteers: %d, but volunteers names %zu"), k->name,
				  (int)p->parent_volunteers, names);
	return 0;
}

static int check_bus_rider(const struct kind *k, const ProtobufCMessage *m, char *why,
			   size_t whylen)
{
	const char *s = ((const Safecampus__BusRider *)m)->student_ref;
	size_t n = s ? strlen(s) : 0;
	int ok = n <= 64;

	/* pseudonymous by construction: a name (any letter outside ASCII, a
	 * space) cannot be typed in */
	for (size_t i = 0; ok && i < n; i++) {
		char c = s[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '-';
	}
	if (!ok)
		return rules_fail(why, whylen,
				  _("%s.student_ref must be a pseudonymous code "
				    "([A-Za-z0-9._-], at most 64), never a name"),
				  k->name);
	return 0;
}

static int check_equipment(const struct kind *k, const ProtobufCMessage *m, char *why,
			   size_t whylen)
{
	const Safecampus__Equipment *p = (const Safecampus__Equipment *)m;
	int rc = rules_date_order(k, "installed_date", p->installed_date, "last_check_date",
				  p->last_check_date, why, whylen);
	if (!rc)
		rc = rules_date_order(k, "last_check_date", p->last_check_date, "next_due_date",
				      p->next_due_date, why, whylen);
	return rc;
}

static int check_notice(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Notice *p = (const Safecampus__Notice *)m;
	int rc = rules_date_order(k, "issue_date", p->issue_date, "due_date", p->due_date, why,
				  whylen);

	if (!rc)
		rc = rules_check_list(k, "targets", p->targets, rules_item_school, NULL, why,
				      whylen);
	return rc;
}

static int check_notice_event(const struct kind *k, const ProtobufCMessage *m, char *why,
			      size_t whylen)
{
	const Safecampus__NoticeEvent *p = (const Safecampus__NoticeEvent *)m;

	if (p->action == SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_REPORT) {
		if (!rules_set(p->report_date))
			return rules_fail(why, whylen, _("%s.report_date is required for a report"),
					  k->name);
		if (!rules_set(p->channels))
			return rules_fail(why, whylen, _("%s.channels is required for a report"),
					  k->name);
		if (!rules_set(p->evidence))
			return rules_fail(why, whylen, _("%s.evidence is required for a report"),
					  k->name);
		return rules_check_list(k, "channels", p->channels, rules_item_enum,
					&safecampus__education_channel__descriptor, why, whylen);
	}
	/* an ack says "we have read it", nothing more */
	if (rules_set(p->report_date) || rules_set(p->channels) || rules_set(p->evidence))
		return rules_fail(why, whylen, _("%s.%s is only for a report"), k->name,
				  rules_set(p->report_date) ? "report_date"
				  : rules_set(p->channels)  ? "channels"
							    : "evidence");
	return 0;
}

static int check_calendar(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Calendar *p = (const Safecampus__Calendar *)m;
	int rc = rules_date_order(k, "term_start_date", p->term_start_date, "term_end_date",
				  p->term_end_date, why, whylen);

	if (!rc)
		rc = rules_check_list(k, "holidays", p->holidays, rules_item_date_or_range, NULL,
				      why, whylen);
	if (!rc)
		rc = rules_check_list(k, "makeup_days", p->makeup_days, rules_item_makeup,
				      p->holidays, why, whylen);
	return rc;
}

static int check_visitor(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Visitor *p = (const Safecampus__Visitor *)m;

	if (p->time_out_ms && p->time_in_ms && p->time_out_ms < p->time_in_ms)
		return rules_fail(why, whylen, _("%s.time_out_ms must not be before time_in_ms"),
				  k->name);
	return 0;
}

/* One row per kind: what must be filled in, and any cross-field check. A
 * required field is a non-empty string or a non-zero (not UNSPECIFIED) enum or
 * number, so a count that may be 0 is never required. A number's range is not
 * here: it is the kind table's (kind_ops.bounds), checked by check_bounds. Which fields a workflow
 * step needs (an assign's owner and deadline, a verify's note) is hazard_fsm's
 * business: it depends on the action; a notice report's fields are checked
 * here because they need nothing but the record. */
static const struct kind_rule {
	const char *kind;
	const char *const required[8];
	int (*check)(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen);
} kind_rules[] = {
	{ "hazard", { "title", "area", "severity", "found_date" }, NULL },
	{ "hazard_event", { "hazard_id", "action", "actor" }, check_hazard_event },
	{ "school_profile",
	  { "name", "staff_count", "class_count", "student_count" },
	  check_school_profile },
	{ "staff", { "name", "staff_role" }, check_staff },
	{ "school_class", { "grade", "name" }, check_school_class },
	{ "meeting", { "type", "meeting_date", "title" }, NULL },
	{ "policy", { "title", "type" }, NULL },
	{ "letter", { "year", "level", "signer", "counter_signer", "signed_date" }, check_letter },
	{ "letter_event", { "letter_id", "action", "level", "actor", "signed_date" }, NULL },
	{ "education",
	  { "school_class_id", "session_date", "slot", "topic", "minutes" },
	  check_education },
	{ "lecture", { "lecture_date", "speaker", "topic" }, NULL },
	{ "drill", { "drill_date", "theme", "scenario" }, check_drill },
	{ "inspection", { "inspection_date", "level", "focus", "inspector" }, NULL },
	{ "linkage", { "activity_date", "partner", "activity" }, NULL },
	{ "gate_duty", { "duty_date", "shift" }, check_gate_duty },
	{ "bus", { "plate", "seats" }, NULL },
	{ "bus_rider", { "bus_id", "student_ref" }, check_bus_rider },
	/* boarded != alighted is not refused: it is the alarm, and must be kept */
	{ "bus_trip", { "bus_id", "trip_date", "direction", "checked_by" }, NULL },
	{ "equipment", { "item", "type", "location", "interval_days" }, check_equipment },
	{ "equipment_check", { "equipment_id", "check_date", "result", "checker" }, NULL },
	{ "risk", { "title", "status" }, NULL },
	{ "notice", { "title", "issue_date", "due_date" }, check_notice },
	{ "notice_event", { "notice_id", "action", "actor", "notice_hlc" }, check_notice_event },
	{ "calendar", { "term_name", "term_start_date", "term_end_date" }, check_calendar },
	{ "visitor", { "visit_date", "name", "purpose", "host", "time_in_ms" }, check_visitor },
	{ "person", { "login", "display_name", "role", "public_key", "enrolled_ms" }, NULL },
};

size_t rules_required(const char *kind, const char *const **out)
{
	*out = NULL;
	for (size_t i = 0; i < sizeof kind_rules / sizeof kind_rules[0]; i++) {
		size_t n = 0;
		if (strcmp(kind_rules[i].kind, kind) != 0)
			continue;
		while (n < 8 && kind_rules[i].required[n])
			n++;
		*out = kind_rules[i].required;
		return n;
	}
	return 0;
}

/* Dates of things done, per kind: not before RULES_FIRST_YEAR, not after
 * tomorrow. Planned dates (deadlines, due dates, next inspections, terms)
 * are not here: they lie ahead. */
static const struct {
	const char *kind, *field;
} done_dates[] = {
	{ "hazard", "found_date" },          { "meeting", "meeting_date" },
	{ "letter", "signed_date" },         { "education", "session_date" },
	{ "lecture", "lecture_date" },       { "drill", "drill_date" },
	{ "inspection", "inspection_date" }, { "linkage", "activity_date" },
	{ "gate_duty", "duty_date" },        { "bus_trip", "trip_date" },
	{ "equipment_check", "check_date" }, { "notice_event", "report_date" },
	{ "visitor", "visit_date" },         { "letter_event", "signed_date" },
};

static int check_done_dates(const struct kind *k, const ProtobufCMessage *m, char *why,
			    size_t whylen)
{
	char latest[11], first[11] = "";

	for (size_t i = 0; i < sizeof done_dates / sizeof done_dates[0]; i++) {
		const ProtobufCFieldDescriptor *f;
		const char *v;
		if (strcmp(done_dates[i].kind, k->name) != 0)
			continue;
		if (!first[0]) { /* the clock only for the kinds that have such dates */
			date_format(RULES_FIRST_YEAR, 1, 1, first);
			latest_done_day(latest);
		}
		f = kind_field(k, done_dates[i].field);
		if (!f || f->type != PROTOBUF_C_TYPE_STRING)
			continue;
		v = *(const char *const *)CMEMBER_PTR(m, f->offset);
		if (!v || !*v)
			continue;
		if (strcmp(v, first) < 0)
			return rules_fail(why, whylen,
					  _("%s.%s: %s is before %d: a typo for the year?"),
					  k->name, f->name, v, RULES_FIRST_YEAR);
		if (strcmp(v, latest) > 0)
			return rules_fail(
				why, whylen,
				_("%s.%s: %s is in the future: a record says what was done"),
				k->name, f->name, v);
	}
	return 0;
}

int rules_bus_trip_seats(const Safecampus__BusTrip *t, const Safecampus__Bus *b, char *why,
			 size_t whylen)
{
	if (!t || !b || b->seats <= 0)
		return 0;
	if (t->boarded > b->seats)
		return rules_fail(why, whylen,
				  _("bus_trip.boarded: %d students on a bus with %d seats"),
				  t->boarded, b->seats);
	if (t->alighted > b->seats)
		return rules_fail(why, whylen,
				  _("bus_trip.alighted: %d students on a bus with %d seats"),
				  t->alighted, b->seats);
	return 0;
}

int rules_check(const Safecampus__Record *r, char *why, size_t whylen)
{
	const struct kind_rule *kr = NULL;
	const struct kind *k;
	const ProtobufCMessage *m;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!r)
		return rules_fail(why, whylen, _("no record"));
	k = kind_of(r);
	if (!k)
		return rules_fail(why, whylen, _("record has no kind (body not set or unknown)"));
	m = kind_payload(r);
	if (!m)
		return rules_fail(why, whylen, _("%s: payload missing"), k->name);
	if (m->descriptor != k->desc)
		return rules_fail(why, whylen, _("%s: payload of the wrong type"), k->name);
	rc = check_generic(k, m, why, whylen);
	if (rc == 0)
		rc = check_done_dates(k, m, why, whylen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof kind_rules / sizeof kind_rules[0] && !kr; i++)
		if (strcmp(kind_rules[i].kind, k->name) == 0)
			kr = &kind_rules[i];
	for (size_t j = 0; kr && j < 8 && kr->required[j]; j++) {
		const ProtobufCFieldDescriptor *f = kind_field(k, kr->required[j]);
		if (!f)
			return rules_fail(why, whylen,
					  _("%s.%s: rule names a field the kind lacks"), k->name,
					  kr->required[j]);
		if (!field_present(m, f))
			return rules_fail(why, whylen, _("%s.%s is required"), k->name, f->name);
	}
	/* the ranges before the checks across fields, which assume them */
	rc = check_bounds(k, m, why, whylen);
	if (rc == 0 && kr && kr->check)
		rc = kr->check(k, m, why, whylen);
	return rc < 0 ? rc : 0;
}
