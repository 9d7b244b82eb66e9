/* Record kinds from the protobuf-c descriptors.
 *
 * The kinds are the arms of Record.body: the fields of Record that belong to
 * the `body` oneof (PROTOBUF_C_FIELD_FLAG_ONEOF, quantifier at body_case).
 * Nothing here names a kind except the override table below; a new arm in the
 * .proto is a new kind without touching this file.
 *
 * Ownership: a payload from kind_payload_new and a record whose strings were
 * set through kind_field_set (or strdup) are freed with
 * protobuf_c_message_free_unpacked(m, NULL). That is valid for messages we
 * built: with the default allocator it calls free() on every string field that
 * is not the descriptor's default value (protobuf_c_empty_string for proto3),
 * on every element of a repeated string and on the array, on the selected arm
 * of a oneof only (it checks the case at quantifier_offset), on sub-messages,
 * and finally on the message itself. So kind_field_set keeps exactly that
 * invariant: a string field holds either the descriptor default or a malloc'd
 * copy, a repeated field a malloc'd array of malloc'd strings, and the message
 * itself comes from malloc. */
#include "kinds.h"
#include "i18n.h"

#include "msg.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KINDS_MAX 128

#define MEMBER_PTR(m, off) ((void *)((char *)(m) + (off)))
#define CMEMBER_PTR(m, off) ((const void *)((const char *)(m) + (off)))

/* Per-kind facts that the naming convention cannot tell. The convention:
 * a kind named `*_event` is immutable and hangs on the record named by its
 * first `*_id` string field. Add a row here only to say something else, and
 * say why. docs/internals/kinds.md lists these with their reasons.
 *
 * A parent_field on a mutable kind means "cannot exist without that record":
 * the client refuses it until the parent is known locally, shows it under the
 * parent, and discards it with an unsynced parent. The field's name without
 * "_id" must be the parent's kind. */
static const struct kind_override {
	const char *name;
	signed char immutable;    /* -1: from the name */
	signed char bureau_only;  /* -1: no (the default) */
	const char *parent_field; /* NULL: from the fields */
} kind_overrides[] = {
	/* the bureau issues notices and the district calendar (school "") */
	{ "notice", -1, 1, NULL },
	{ "calendar", -1, 1, NULL },
	/* a signed responsibility letter is a signature: never edited or
	 * withdrawn once the server has it; a mistake is answered by a new letter */
	{ "letter", 1, -1, NULL },
	/* a session is held in a class; riders and trips belong to a bus; a
	 * check to a piece of equipment. Mutable: counts and names get corrected */
	{ "education", -1, -1, "school_class_id" },
	{ "bus_rider", -1, -1, "bus_id" },
	{ "bus_trip", -1, -1, "bus_id" },
	{ "equipment_check", -1, -1, "equipment_id" },
	{ NULL, -1, -1, NULL },
};

/* Every kind's entry in the behaviour table (kind_ops.h): its labels for
 * people at least, and whatever else it does beyond the descriptor. One
 * file per kind with behaviour; the labels-only ones share kind_labels.c. */
extern const struct kind_ops kind_ops_hazard, kind_ops_hazard_event, kind_ops_notice,
	kind_ops_notice_event, kind_ops_letter, kind_ops_letter_event, kind_ops_staff, kind_ops_bus,
	kind_ops_bus_trip, kind_ops_bus_rider, kind_ops_risk, kind_ops_equipment, kind_ops_visitor,
	kind_ops_person,
	/* labels only (kind_labels.c) */
	kind_ops_school_profile, kind_ops_school_class, kind_ops_meeting, kind_ops_policy,
	kind_ops_education, kind_ops_lecture, kind_ops_drill, kind_ops_inspection, kind_ops_linkage,
	kind_ops_gate_duty, kind_ops_equipment_check, kind_ops_calendar;
static const struct kind_ops *const kind_ops_tab[] = {
	&kind_ops_hazard,       &kind_ops_hazard_event,   &kind_ops_notice,
	&kind_ops_notice_event, &kind_ops_letter,         &kind_ops_staff,
	&kind_ops_bus,          &kind_ops_bus_trip,       &kind_ops_bus_rider,
	&kind_ops_risk,         &kind_ops_equipment,      &kind_ops_visitor,
	&kind_ops_person,       &kind_ops_school_profile, &kind_ops_school_class,
	&kind_ops_meeting,      &kind_ops_policy,         &kind_ops_education,
	&kind_ops_lecture,      &kind_ops_drill,          &kind_ops_inspection,
	&kind_ops_linkage,      &kind_ops_gate_duty,      &kind_ops_equipment_check,
	&kind_ops_calendar,     &kind_ops_letter_event,
};

static struct kind kinds_tab[KINDS_MAX];
static size_t kinds_n;
/* kind_by_case without a search: the kind of each body case below
 * KIND_CASES (Record.body's field numbers), NULL where there is none */
#define KIND_CASES 256
static const struct kind *kinds_by_case[KIND_CASES];
static pthread_once_t kinds_once = PTHREAD_ONCE_INIT;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void enum_prefix_keep(const ProtobufCEnumDescriptor *e);

static void kinds_build(void)
{
	const ProtobufCMessageDescriptor *rd = &safecampus__record__descriptor;

	for (unsigned i = 0; i < rd->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rd->fields[i];
		struct kind *k;

		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		    f->type != PROTOBUF_C_TYPE_MESSAGE ||
		    f->quantifier_offset != offsetof(Safecampus__Record, body_case))
			continue;
		if (kinds_n == KINDS_MAX) {
			fprintf(stderr, "kinds: more than %d kinds in Record.body\n", KINDS_MAX);
			abort();
		}
		k = &kinds_tab[kinds_n++];
		k->name = f->name;
		k->body_case = (int)f->id;
		if (f->id < KIND_CASES)
			kinds_by_case[f->id] = k;
		k->arm = f;
		k->desc = f->descriptor;
		k->immutable = ends_with(f->name, "_event");
		k->bureau_only = false;
		k->parent_field = NULL;
		if (k->immutable) {
			for (unsigned j = 0; j < k->desc->n_fields; j++) {
				const ProtobufCFieldDescriptor *pf = &k->desc->fields[j];
				if (pf->type == PROTOBUF_C_TYPE_STRING &&
				    pf->label != PROTOBUF_C_LABEL_REPEATED &&
				    ends_with(pf->name, "_id")) {
					k->parent_field = pf->name;
					break;
				}
			}
		}
		for (unsigned j = 0; j < k->desc->n_fields; j++)
			if (k->desc->fields[j].type == PROTOBUF_C_TYPE_ENUM)
				enum_prefix_keep(k->desc->fields[j].descriptor);
		for (size_t j = 0; j < sizeof kind_ops_tab / sizeof kind_ops_tab[0]; j++)
			if (strcmp(kind_ops_tab[j]->kind, k->name) == 0)
				k->ops = kind_ops_tab[j];
		for (const struct kind_override *o = kind_overrides; o->name; o++) {
			if (strcmp(o->name, k->name) != 0)
				continue;
			if (o->immutable >= 0)
				k->immutable = o->immutable;
			if (o->bureau_only >= 0)
				k->bureau_only = o->bureau_only;
			if (o->parent_field)
				k->parent_field = o->parent_field;
		}
	}
}

static void kinds_init(void)
{
	pthread_once(&kinds_once, kinds_build);
}

size_t kind_count(void)
{
	kinds_init();
	return kinds_n;
}

const struct kind *kind_at(size_t i)
{
	kinds_init();
	return i < kinds_n ? &kinds_tab[i] : NULL;
}

size_t kind_index(const struct kind *k)
{
	return (size_t)(k - kinds_tab);
}

const struct kind *kind_by_name(const char *name)
{
	kinds_init();
	if (!name)
		return NULL;
	for (size_t i = 0; i < kinds_n; i++)
		if (strcmp(kinds_tab[i].name, name) == 0)
			return &kinds_tab[i];
	return NULL;
}

const struct kind *kind_by_case(int body_case)
{
	kinds_init();
	if (body_case == SAFECAMPUS__RECORD__BODY__NOT_SET)
		return NULL;
	if (body_case > 0 && body_case < KIND_CASES)
		return kinds_by_case[body_case];
	for (size_t i = 0; i < kinds_n; i++)
		if (kinds_tab[i].body_case == body_case)
			return &kinds_tab[i];
	return NULL;
}

const struct kind *kind_of(const Safecampus__Record *r)
{
	return r ? kind_by_case((int)r->body_case) : NULL;
}

ProtobufCMessage *kind_payload(const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);

	if (!k)
		return NULL;
	return *(ProtobufCMessage *const *)CMEMBER_PTR(r, k->arm->offset);
}

ProtobufCMessage *kind_payload_new(const struct kind *k)
{
	ProtobufCMessage *m;

	if (!k)
		return NULL;
	m = malloc(k->desc->sizeof_message);
	if (!m)
		return NULL;
	protobuf_c_message_init(k->desc, m);
	return m;
}

void kind_payload_free(ProtobufCMessage *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

void kind_record_set_payload(Safecampus__Record *r, const struct kind *k, ProtobufCMessage *m)
{
	const struct kind *ok = kind_of(r);
	ProtobufCMessage *old = kind_payload(r);

	if (old && old != m)
		protobuf_c_message_free_unpacked(old, NULL);
	if (ok)
		*(ProtobufCMessage **)MEMBER_PTR(r, ok->arm->offset) = NULL;
	r->body_case = SAFECAMPUS__RECORD__BODY__NOT_SET;
	if (!k || !m) {
		if (m != old)
			kind_payload_free(m);
		return;
	}
	*(ProtobufCMessage **)MEMBER_PTR(r, k->arm->offset) = m;
	*(uint32_t *)MEMBER_PTR(r, k->arm->quantifier_offset) = k->arm->id;
}

void kind_record_free(Safecampus__Record *r)
{
	if (r)
		protobuf_c_message_free_unpacked(&r->base, NULL);
}

const ProtobufCFieldDescriptor *kind_field(const struct kind *k, const char *name)
{
	if (!k || !name)
		return NULL;
	return protobuf_c_message_descriptor_get_field_by_name(k->desc, name);
}

/* ------------------------------------------------------------------ enums */

/* Length of the prefix all value names share, cut back to a '_' boundary so
 * HAZARD_AREA_DEFENCE_PEOPLE / _PHYSICAL do not lose "DEFENCE_P". */
static size_t enum_prefix_count(const ProtobufCEnumDescriptor *e)
{
	const char *first;
	size_t p;

	if (e->n_values == 0)
		return 0;
	first = e->values[0].name;
	p = strlen(first);
	for (unsigned i = 1; i < e->n_values; i++) {
		const char *s = e->values[i].name;
		size_t j = 0;
		while (j < p && s[j] == first[j])
			j++;
		p = j;
	}
	while (p > 0 && first[p - 1] != '_')
		p--;
	for (unsigned i = 0; i < e->n_values; i++)
		if (e->values[i].name[p] == '\0')
			return 0; /* a name would vanish: keep full names */
	return p;
}

/* enum_prefix_count of every enum a kind's field has, counted once (a value's
 * text needs it, for every enum field of every record stored or sent):
 * open addressing by the descriptor's address, filled by kinds_build. */
#define ENUM_PREFIX_SLOTS 256
static struct enum_prefix {
	const ProtobufCEnumDescriptor *e;
	size_t p;
} enum_prefix_tab[ENUM_PREFIX_SLOTS];

static size_t enum_prefix_slot(const ProtobufCEnumDescriptor *e)
{
	return ((uintptr_t)e / sizeof(void *) * 2654435761u) % ENUM_PREFIX_SLOTS;
}

/* Called by kinds_build only; a full table leaves the rest counted each time. */
static void enum_prefix_keep(const ProtobufCEnumDescriptor *e)
{
	size_t s = enum_prefix_slot(e);

	for (size_t tries = 0; tries < ENUM_PREFIX_SLOTS; tries++) {
		if (enum_prefix_tab[s].e == e)
			return;
		if (!enum_prefix_tab[s].e) {
			enum_prefix_tab[s].p = enum_prefix_count(e);
			enum_prefix_tab[s].e = e;
			return;
		}
		s = (s + 1) % ENUM_PREFIX_SLOTS;
	}
}

static size_t enum_prefix_len(const ProtobufCEnumDescriptor *e)
{
	size_t s;

	kinds_init();
	s = enum_prefix_slot(e);
	for (size_t tries = 0; tries < ENUM_PREFIX_SLOTS && enum_prefix_tab[s].e; tries++) {
		if (enum_prefix_tab[s].e == e)
			return enum_prefix_tab[s].p;
		s = (s + 1) % ENUM_PREFIX_SLOTS;
	}
	return enum_prefix_count(e); /* not a kind's */
}

/* Lower-case short names, built once per enum and kept for the life of the
 * process (static storage for callers). */
struct enum_names {
	const ProtobufCEnumDescriptor *e;
	char **lower; /* indexed like e->values */
	struct enum_names *next;
};

static struct enum_names *enum_cache;
static pthread_mutex_t enum_lock = PTHREAD_MUTEX_INITIALIZER;

static char *lower_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		d[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return d;
}

static struct enum_names *enum_names_get(const ProtobufCEnumDescriptor *e)
{
	struct enum_names *en;
	size_t p;

	pthread_mutex_lock(&enum_lock);
	for (en = enum_cache; en; en = en->next)
		if (en->e == e)
			goto out;
	en = calloc(1, sizeof *en);
	if (!en)
		goto out;
	en->lower = calloc(e->n_values ? e->n_values : 1, sizeof *en->lower);
	if (!en->lower)
		goto fail;
	p = enum_prefix_len(e);
	for (unsigned i = 0; i < e->n_values; i++) {
		en->lower[i] = lower_dup(e->values[i].name + p);
		if (!en->lower[i])
			goto fail;
	}
	en->e = e;
	en->next = enum_cache;
	enum_cache = en;
	goto out;
fail:
	if (en->lower)
		for (unsigned i = 0; i < e->n_values; i++)
			free(en->lower[i]);
	free(en->lower);
	free(en);
	en = NULL;
out:
	pthread_mutex_unlock(&enum_lock);
	return en;
}

static int enum_index(const ProtobufCEnumDescriptor *e, int value)
{
	for (unsigned i = 0; i < e->n_values; i++)
		if (e->values[i].value == value)
			return (int)i;
	return -1;
}

const char *kind_enum_name(const ProtobufCEnumDescriptor *e, int value)
{
	struct enum_names *en;
	int i;

	if (!e)
		return NULL;
	i = enum_index(e, value);
	if (i < 0)
		return NULL;
	en = enum_names_get(e);
	return en ? en->lower[i] : NULL;
}

/* Full-string decimal parse; no whitespace, no trailing junk. */
static int parse_i64(const char *s, long long *out)
{
	char *end;

	if (!*s || !(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9')))
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	return 0;
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || !(s[0] == '+' || (s[0] >= '0' && s[0] <= '9')))
		return -EINVAL; /* strtoull would take "-1" as UINT64_MAX */
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	return 0;
}

int kind_enum_parse(const ProtobufCEnumDescriptor *e, const char *text, int *value)
{
	long long n;
	size_t p;

	if (!e || !text || !*text)
		return SC_EINVALID;
	if (parse_i64(text, &n) == 0) {
		if (n < INT_MIN || n > INT_MAX || enum_index(e, (int)n) < 0)
			return SC_EINVALID;
		*value = (int)n;
		return 0;
	}
	p = enum_prefix_len(e);
	for (unsigned i = 0; i < e->n_values; i++) {
		if (strcasecmp(text, e->values[i].name + p) == 0 ||
		    strcasecmp(text, e->values[i].name) == 0) {
			*value = e->values[i].value;
			return 0;
		}
	}
	return SC_EINVALID;
}

/* ------------------------------------------------------------------ values */

static int field_supported(const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_BYTES:
		return 0;
	default:
		return 1;
	}
}

static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	default: /* int32, sint32, sfixed32, uint32, fixed32, enum */
		return sizeof(int32_t);
	}
}

/* Has the presence bit (proto2 / proto3 `optional` scalars). */
static int has_presence(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	       f->type != PROTOBUF_C_TYPE_MESSAGE && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
}

static int value_is_zero(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)v == 0.0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)v == 0.0f;
	default:
		if (elem_size(f->type) == 8)
			return *(const uint64_t *)v == 0;
		return *(const uint32_t *)v == 0;
	}
}

/* Text of one value; *out points into tmp or at the value's own string. */
static void value_text(const ProtobufCFieldDescriptor *f, const void *v, char *tmp, size_t tmplen,
		       const char **out)
{
	*out = tmp;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		*out = s ? s : "";
		return;
	}
	case PROTOBUF_C_TYPE_BOOL:
		*out = *(const protobuf_c_boolean *)v ? "true" : "false";
		return;
	case PROTOBUF_C_TYPE_ENUM: {
		int ev = *(const int *)v;
		const ProtobufCEnumDescriptor *e = f->descriptor;
		int i = enum_index(e, ev);
		if (i < 0) { /* open enum: unknown number stays a number */
			snprintf(tmp, tmplen, "%d", ev);
			return;
		}
		/* lower-cased into tmp: enum names are short */
		size_t p = enum_prefix_len(e), j = 0;
		const char *s = e->values[i].name + p;
		for (; s[j] && j + 1 < tmplen; j++)
			tmp[j] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] - 'A' + 'a') : s[j];
		tmp[j] = '\0';
		return;
	}
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(tmp, tmplen, "%" PRId32, *(const int32_t *)v);
		return;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(tmp, tmplen, "%" PRIu32, *(const uint32_t *)v);
		return;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(tmp, tmplen, "%" PRId64, *(const int64_t *)v);
		return;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(tmp, tmplen, "%" PRIu64, *(const uint64_t *)v);
		return;
	case PROTOBUF_C_TYPE_DOUBLE: {
		/* the shortest text that reads back as the same number: 7786.6,
		 * not 7786.6000000000004 */
		double d = *(const double *)v;
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(tmp, tmplen, "%.*g", prec, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		return;
	}
	case PROTOBUF_C_TYPE_FLOAT: {
		float fl = *(const float *)v;
		for (int prec = 6; prec <= 9; prec++) {
			snprintf(tmp, tmplen, "%.*g", prec, (double)fl);
			if (strtof(tmp, NULL) == fl)
				break;
		}
		return;
	}
	default:
		tmp[0] = '\0';
		return;
	}
}

char *kind_field_get(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	char tmp[128];
	const char *s;

	if (!m || !f || !field_supported(f))
		return strdup("");
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)CMEMBER_PTR(m, f->quantifier_offset);
		const char *arr = *(const char *const *)CMEMBER_PTR(m, f->offset);
		size_t es = elem_size(f->type), total = 1, at = 0;
		char *out;

		if (n == 0 || !arr)
			return strdup("");
		for (size_t i = 0; i < n; i++) {
			value_text(f, arr + i * es, tmp, sizeof tmp, &s);
			total += strlen(s) + 1;
		}
		out = malloc(total);
		if (!out)
			return NULL;
		for (size_t i = 0; i < n; i++) {
			size_t l;
			value_text(f, arr + i * es, tmp, sizeof tmp, &s);
			l = strlen(s);
			if (i)
				out[at++] = ';';
			memcpy(out + at, s, l);
			at += l;
		}
		out[at] = '\0';
		return out;
	}
	if (has_presence(f)) {
		if (!*(const protobuf_c_boolean *)CMEMBER_PTR(m, f->quantifier_offset))
			return strdup("");
	} else if (value_is_zero(f, CMEMBER_PTR(m, f->offset))) {
		return strdup("");
	}
	value_text(f, CMEMBER_PTR(m, f->offset), tmp, sizeof tmp, &s);
	return strdup(s);
}

/* A value parsed from text, before it is stored. */
union value {
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float f32;
	double f64;
	protobuf_c_boolean b;
	int e;
	char *s;
};

/* Copies text for a message, cut to a readable length. */
static const char *quote(const char *s, char *tmp, size_t tmplen)
{
	size_t n = strlen(s);

	if (n < tmplen) {
		memcpy(tmp, s, n + 1);
		return tmp;
	}
	n = tmplen - 4;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--; /* do not cut a UTF-8 sequence */
	memcpy(tmp, s, n);
	memcpy(tmp + n, "...", 4);
	return tmp;
}

static int parse_bool(const char *s, protobuf_c_boolean *b)
{
	static const char *const yes[] = { "true", "1", "yes" };
	static const char *const no[] = { "false", "0", "no" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static void enum_choices(const ProtobufCEnumDescriptor *e, char *out, size_t outlen)
{
	size_t p = enum_prefix_len(e), at = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < e->n_values && at + 1 < outlen; i++) {
		const char *s = e->values[i].name + p;
		if (e->values[i].value == 0)
			continue; /* UNSPECIFIED: set it with "" */
		if (at > 0 && at + 2 < outlen) {
			out[at++] = ',';
			out[at++] = ' ';
		}
		for (size_t j = 0; s[j] && at + 1 < outlen; j++)
			out[at++] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] - 'A' + 'a') : s[j];
		out[at] = '\0';
	}
}

static int parse_value(const ProtobufCFieldDescriptor *f, const char *text, union value *v,
		       char *err, size_t errlen)
{
	char q[64];
	long long ll;
	unsigned long long ull;
	int rc;

	memset(v, 0, sizeof *v);
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		v->s = strdup(text);
		return v->s ? 0 : -ENOMEM;
	}
	if (!*text)
		return 0; /* the empty text is the default value */
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		if (parse_bool(text, &v->b) == 0)
			return 0;
		snprintf(err, errlen, _("%s: \"%s\" is not true/false (or yes/no, 1/0)"), f->name,
			 quote(text, q, sizeof q));
		return SC_EINVALID;
	case PROTOBUF_C_TYPE_ENUM: {
		char choices[256];
		if (kind_enum_parse(f->descriptor, text, &v->e) == 0)
			return 0;
		enum_choices(f->descriptor, choices, sizeof choices);
		snprintf(err, errlen, _("%s: \"%s\" is not one of: %s"), f->name,
			 quote(text, q, sizeof q), choices);
		return SC_EINVALID;
	}
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		rc = parse_i64(text, &ll);
		if (rc == 0 && (ll < INT32_MIN || ll > INT32_MAX))
			rc = -ERANGE;
		v->i32 = (int32_t)ll;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		rc = parse_i64(text, &ll);
		v->i64 = (int64_t)ll;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		rc = parse_u64(text, &ull);
		if (rc == 0 && ull > UINT32_MAX)
			rc = -ERANGE;
		v->u32 = (uint32_t)ull;
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		rc = parse_u64(text, &ull);
		v->u64 = (uint64_t)ull;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT: {
		char *end;
		double d;
		/* digits only: strtod would also take "inf", "nan" and leading blanks */
		if (!((text[0] >= '0' && text[0] <= '9') || text[0] == '-' || text[0] == '+' ||
		      text[0] == '.')) {
			snprintf(err, errlen, _("%s: \"%s\" is not a number"), f->name,
				 quote(text, q, sizeof q));
			return SC_EINVALID;
		}
		errno = 0;
		d = f->type == PROTOBUF_C_TYPE_FLOAT ? (double)strtof(text, &end)
						     : strtod(text, &end);
		if (*end || isnan(d))
			rc = -EINVAL;
		else if (isinf(d))
			rc = -ERANGE; /* overflow; tiny values round to subnormal or 0 */
		else
			rc = 0;
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			v->f32 = (float)d;
		else
			v->f64 = d;
		if (rc == -EINVAL) {
			snprintf(err, errlen, _("%s: \"%s\" is not a number"), f->name,
				 quote(text, q, sizeof q));
			return SC_EINVALID;
		}
		break;
	}
	default:
		snprintf(err, errlen, _("%s: this field's type cannot be set from text"), f->name);
		return SC_EINVALID;
	}
	if (rc == -EINVAL) {
		snprintf(err, errlen, _("%s: \"%s\" is not a whole number"), f->name,
			 quote(text, q, sizeof q));
		return SC_EINVALID;
	}
	if (rc == -ERANGE) {
		snprintf(err, errlen, _("%s: \"%s\" is out of range"), f->name,
			 quote(text, q, sizeof q));
		return SC_EINVALID;
	}
	return 0;
}

static void store_value(const ProtobufCFieldDescriptor *f, void *dst, const union value *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		*(char **)dst = v->s;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)dst = v->b;
		break;
	case PROTOBUF_C_TYPE_ENUM:
		*(int *)dst = v->e;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)dst = v->f32;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)dst = v->f64;
		break;
	default:
		if (elem_size(f->type) == 8)
			*(uint64_t *)dst = v->u64;
		else
			*(uint32_t *)dst = v->u32;
		break;
	}
}

static int is_static_string(const ProtobufCFieldDescriptor *f, const char *s)
{
	return !s || s == f->default_value || s == protobuf_c_empty_string;
}

static void free_repeated(const ProtobufCFieldDescriptor *f, void *arr, size_t n)
{
	if (!arr)
		return;
	if (f->type == PROTOBUF_C_TYPE_STRING)
		for (size_t i = 0; i < n; i++)
			free(((char **)arr)[i]);
	free(arr);
}

static int set_repeated(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
			char *err, size_t errlen)
{
	size_t *np = MEMBER_PTR(m, f->quantifier_offset);
	void **arrp = MEMBER_PTR(m, f->offset);
	size_t es = elem_size(f->type), n = 0, cap = 1;
	char *arr = NULL, *copy = NULL, *part, *next;
	int rc = 0;

	if (*text) {
		for (const char *c = text; *c; c++)
			cap += *c == ';';
		arr = calloc(cap, es);
		copy = strdup(text);
		if (!arr || !copy) {
			rc = -ENOMEM;
			goto fail;
		}
		for (part = copy; part; part = next) {
			union value v;
			next = strchr(part, ';');
			if (next)
				*next++ = '\0';
			rc = parse_value(f, part, &v, err, errlen);
			if (rc < 0)
				goto fail;
			store_value(f, arr + n * es, &v);
			n++;
		}
		free(copy);
	}
	free_repeated(f, *arrp, *np);
	*arrp = arr;
	*np = n;
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(err, errlen, _("%s: out of memory"), f->name);
	free(copy);
	free_repeated(f, arr, n);
	return rc;
}

int kind_field_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
		   char *err, size_t errlen)
{
	union value v;
	void *dst;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (!m || !f)
		return SC_EINVALID;
	if (!text)
		text = "";
	if (!field_supported(f)) {
		snprintf(err, errlen, _("%s: this field cannot be set from text"), f->name);
		return SC_EINVALID;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return set_repeated(m, f, text, err, errlen);

	dst = MEMBER_PTR(m, f->offset);
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		char *old = *(char **)dst;
		char *s = (char *)f->default_value;
		if (*text) {
			s = strdup(text);
			if (!s) {
				snprintf(err, errlen, _("%s: out of memory"), f->name);
				return -ENOMEM;
			}
		}
		if (!is_static_string(f, old) && old != s)
			free(old);
		*(char **)dst = s;
		return 0;
	}
	rc = parse_value(f, text, &v, err, errlen);
	if (rc < 0)
		return rc;
	store_value(f, dst, &v);
	if (has_presence(f))
		*(protobuf_c_boolean *)MEMBER_PTR(m, f->quantifier_offset) = *text != '\0';
	return 0;
}

Safecampus__Record *kind_record_dup(const Safecampus__Record *r)
{
	return (Safecampus__Record *)msg_dup(&r->base);
}
