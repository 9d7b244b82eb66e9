/* Field rules for one record: generic ones from the descriptors (names and
 * types), then one table of per-kind rules. Messages name the field as
 * "kind.field" so a person can find it in the form or the CSV. */
#include "rules.h"

#include <math.h>
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

/* Fields of free text that may be long. By name, like *_date and *_id. */
static int long_text(const char *field)
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
			if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 ||
			    (s[3] & 0xC0) != 0x80)
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

static int check_string(const struct kind *k, const ProtobufCFieldDescriptor *f, const char *s,
			char *why, size_t whylen)
{
	char q[64];
	size_t n;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	if (n > (long_text(f->name) ? RULES_MAX_LONG_TEXT : RULES_MAX_TEXT))
		return rules_fail(why, whylen, _("%s.%s: %zu bytes, at most %d"), k->name, f->name,
				  n, long_text(f->name) ? RULES_MAX_LONG_TEXT : RULES_MAX_TEXT);
	if (!utf8_valid(s))
		return rules_fail(why, whylen, _("%s.%s: not valid UTF-8 text"), k->name, f->name);
	if (ends_with(f->name, "_date") && !date_valid(s))
		return rules_fail(why, whylen, _("%s.%s: \"%s\" is not a real date"), k->name,
				  f->name, rules_quote(s, q, sizeof q));
	if (ends_with(f->name, "_id") && !uuid_valid(s))
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

static int check_value(const struct kind *k, const ProtobufCFieldDescriptor *f, const void *v,
		       char *why, size_t whylen)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return check_string(k, f, *(const char *const *)v, why, whylen);
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
		return check_ms(k, f, v, why, whylen);
	}
}

static int check_generic(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
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
				return rules_fail(why, whylen, _("%s.%s: %zu values, at most %d"),
						  k->name, f->name, n, RULES_MAX_REPEATED);
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

	if (p->founded_year)
		rc = rules_in_range(k, "founded_year", p->founded_year, 1800, 2100, why, whylen);
	if (!rc && p->site_area_m2 < 0)
		rc = rules_fail(why, whylen, _("%s.site_area_m2 must be >= 0"), k->name);
	if (!rc && p->building_area_m2 < 0)
		rc = rules_fail(why, whylen, _("%s.building_area_m2 must be >= 0"), k->name);
	if (!rc)
		rc = rules_nonneg(k, "staff_count", p->staff_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "class_count", p->class_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "student_count", p->student_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "boarding_students", p->boarding_students, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "campus_count", p->campus_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "bus_count", p->bus_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "bus_riders", p->bus_riders, why, whylen);
	if (!rc && p->boarding_students > p->student_count)
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
	int rc = rules_in_range(k, "grade", p->grade, 1, 12, why, whylen);

	if (!rc)
		rc = rules_nonneg(k, "student_count", p->student_count, why, whylen);
	if (!rc)
		rc = rules_date_order(k, "opened_date", p->opened_date, "closed_date",
				      p->closed_date, why, whylen);
	return rc;
}

static int check_meeting(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	return rules_nonneg(k, "attendees", ((const Safecampus__Meeting *)m)->attendees, why,
			    whylen);
}

static int check_letter(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Letter *p = (const Safecampus__Letter *)m;
	int rc = rules_in_range(k, "year", p->year, 2000, 2100, why, whylen);

	if (!rc && rules_set(p->signed_date)) {
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
	int rc;

	if (p->minutes <= 0)
		return rules_fail(why, whylen, _("%s.minutes must be > 0"), k->name);
	rc = rules_in_range(k, "minutes", p->minutes, 1, 600, why, whylen);
	if (rc == 0 && p->slot > 0 && (size_t)p->slot < sizeof slot_max / sizeof slot_max[0] &&
	    p->minutes > slot_max[p->slot])
		rc = rules_fail(
			why, whylen,
			_("%s.minutes: %d minutes is too long for the %s slot (at most %d): "
			  "is it the right slot?"),
			k->name, p->minutes,
			kind_enum_name(&safecampus__education_slot__descriptor, p->slot),
			slot_max[p->slot]);
	return rc;
}

static int check_lecture(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	return rules_nonneg(k, "attendees", ((const Safecampus__Lecture *)m)->attendees, why,
			    whylen);
}

static const char *const drill_segments[] = { "principal", "teacher", "student", "other", NULL };

static int check_drill(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Drill *p = (const Safecampus__Drill *)m;
	int rc = rules_nonneg(k, "student_count", p->student_count, why, whylen);

	if (!rc)
		rc = rules_nonneg(k, "staff_count", p->staff_count, why, whylen);
	if (!rc)
		rc = rules_nonneg(k, "evacuation_seconds", p->evacuation_seconds, why, whylen);
	if (!rc && p->evacuation_seconds > 86400)
		rc = rules_fail(why, whylen, _("%s.evacuation_seconds must be at most 86400"),
				k->name);
	if (!rc)
		rc = rules_check_list(k, "segments", p->segments, rules_item_word, drill_segments,
				      why, whylen);
	return rc;
}

static int check_inspection(const struct kind *k, const ProtobufCMessage *m, char *why,
			    size_t whylen)
{
	return rules_nonneg(k, "hazards_found", ((const Safecampus__Inspection *)m)->hazards_found,
			    why, whylen);
}

static int check_linkage(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	return rules_nonneg(k, "participants", ((const Safecampus__Linkage *)m)->participants, why,
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
	rc = rules_nonneg(k, "parent_volunteers", p->parent_volunteers, why, whylen);
	if (rc || !rules_set(p->volunteers))
		return rc;
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

static int check_bus(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__Bus *p = (const Safecampus__Bus *)m;

	if (p->seats <= 0)
		return rules_fail(why, whylen, _("%s.seats must be > 0"), k->name);
	return rules_in_range(k, "seats", p->seats, 1, 100, why, whylen);
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

static int check_bus_trip(const struct kind *k, const ProtobufCMessage *m, char *why, size_t whylen)
{
	const Safecampus__BusTrip *p = (const Safecampus__BusTrip *)m;
	/* boarded != alighted is not refused: it is the alarm, and must be kept */
	int rc = rules_nonneg(k, "boarded", p->boarded, why, whylen);

	return rc ? rc : rules_nonneg(k, "alighted", p->alighted, why, whylen);
}

static int check_equipment(const struct kind *k, const ProtobufCMessage *m, char *why,
			   size_t whylen)
{
	const Safecampus__Equipment *p = (const Safecampus__Equipment *)m;
	int rc = 0;

	if (p->interval_days <= 0)
		return rules_fail(why, whylen, _("%s.interval_days must be > 0"), k->name);
	rc = rules_date_order(k, "installed_date", p->installed_date, "last_check_date",
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
 * number, so a count that may be 0 is never required. Which fields a workflow
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
	{ "meeting", { "type", "meeting_date", "title" }, check_meeting },
	{ "policy", { "title", "type" }, NULL },
	{ "letter", { "year", "level", "signer", "counter_signer", "signed_date" }, check_letter },
	{ "letter_event", { "letter_id", "action", "level", "actor", "signed_date" }, NULL },
	{ "education",
	  { "school_class_id", "session_date", "slot", "topic", "minutes" },
	  check_education },
	{ "lecture", { "lecture_date", "speaker", "topic" }, check_lecture },
	{ "drill", { "drill_date", "theme", "scenario" }, check_drill },
	{ "inspection", { "inspection_date", "level", "focus", "inspector" }, check_inspection },
	{ "linkage", { "activity_date", "partner", "activity" }, check_linkage },
	{ "gate_duty", { "duty_date", "shift" }, check_gate_duty },
	{ "bus", { "plate", "seats" }, check_bus },
	{ "bus_rider", { "bus_id", "student_ref" }, check_bus_rider },
	{ "bus_trip", { "bus_id", "trip_date", "direction", "checked_by" }, check_bus_trip },
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
	char latest[11], first[11];

	date_format(RULES_FIRST_YEAR, 1, 1, first);
	latest_done_day(latest);
	for (size_t i = 0; i < sizeof done_dates / sizeof done_dates[0]; i++) {
		const ProtobufCFieldDescriptor *f;
		const char *v;
		if (strcmp(done_dates[i].kind, k->name) != 0)
			continue;
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
	for (size_t i = 0; i < sizeof kind_rules / sizeof kind_rules[0]; i++) {
		const struct kind_rule *kr = &kind_rules[i];
		if (strcmp(kr->kind, k->name) != 0)
			continue;
		for (size_t j = 0; j < 8 && kr->required[j]; j++) {
			const ProtobufCFieldDescriptor *f = kind_field(k, kr->required[j]);
			if (!f)
				return rules_fail(why, whylen,
						  _("%s.%s: rule names a field the kind lacks"),
						  k->name, kr->required[j]);
			if (!field_present(m, f))
				return rules_fail(why, whylen, _("%s.%s is required"), k->name,
						  f->name);
		}
		if (kr->check) {
			rc = kr->check(k, m, why, whylen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
