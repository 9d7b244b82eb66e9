/* kinds.c: kinds from the descriptors, text forms, ownership.
 *
 * Build with -fsanitize=address so LeakSanitizer checks that
 * kind_record_free / kind_payload_free release everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kinds.h"

/* ------------------------------------------------------------------ helpers */

static const ProtobufCFieldDescriptor *rec_field(const char *name)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
		&safecampus__record__descriptor, name);
	assert_non_null(f);
	return f;
}

static const ProtobufCFieldDescriptor *msg_field(const ProtobufCMessageDescriptor *d,
						 const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(d, name);
	assert_non_null(f);
	return f;
}

static void set_ok(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text)
{
	char err[256] = "untouched";
	int rc = kind_field_set(m, f, text, err, sizeof err);

	if (rc != 0)
		fail_msg("set %s = \"%s\": rc %d: %s", f->name, text, rc, err);
}

static void assert_get(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		       const char *want)
{
	char *got = kind_field_get(m, f);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Refused with SC_EINVALID, a message that names the field, value unchanged. */
static void set_bad(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *text,
		    const char *msg_part)
{
	char err[256] = "";
	char *before = kind_field_get(m, f);
	int rc = kind_field_set(m, f, text, err, sizeof err);

	assert_non_null(before);
	assert_int_equal(rc, SC_EINVALID);
	assert_non_null(strstr(err, f->name));
	if (msg_part && !strstr(err, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err, msg_part);
	assert_get(m, f, before);
	free(before);
}

static Safecampus__Record *record_new(void)
{
	Safecampus__Record *r = malloc(sizeof *r);

	assert_non_null(r);
	safecampus__record__init(r);
	return r;
}

/* ------------------------------------------------------------------ kinds */

static void test_every_kind_enumerated(void **state)
{
	const ProtobufCMessageDescriptor *rd = &safecampus__record__descriptor;
	size_t arms = 0;

	(void)state;
	/* independent count: oneof members of Record that are messages */
	for (unsigned i = 0; i < rd->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rd->fields[i];
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		arms++;
		const struct kind *k = kind_by_name(f->name);
		assert_non_null(k);
		assert_ptr_equal(k->arm, f);
		assert_ptr_equal(k->desc, f->descriptor);
		assert_int_equal(k->body_case, (int)f->id);
		assert_ptr_equal(kind_by_case((int)f->id), k);
	}
	assert_int_equal(kind_count(), arms);

	/* the first kinds in .proto order; test_kinds_all checks the full list */
	assert_string_equal(kind_at(0)->name, "hazard");
	assert_string_equal(kind_at(1)->name, "hazard_event");
	assert_null(kind_at(kind_count()));
	assert_null(kind_at((size_t)-1));
	for (size_t i = 0; i < kind_count(); i++)
		assert_ptr_equal(kind_by_name(kind_at(i)->name), kind_at(i));

	assert_int_equal(kind_by_name("hazard")->body_case, SAFECAMPUS__RECORD__BODY_HAZARD);
	assert_int_equal(kind_by_name("hazard_event")->body_case,
			 SAFECAMPUS__RECORD__BODY_HAZARD_EVENT);
	assert_ptr_equal(kind_by_name("hazard")->desc, &safecampus__hazard__descriptor);
	assert_ptr_equal(kind_by_name("hazard_event")->desc, &safecampus__hazard_event__descriptor);

	assert_null(kind_by_name("nope"));
	assert_null(kind_by_name(""));
	assert_null(kind_by_name(NULL));
	assert_null(kind_by_name("id")); /* a Record field, not a kind */
	assert_null(kind_by_case(SAFECAMPUS__RECORD__BODY__NOT_SET));
	assert_null(kind_by_case(1));
	assert_null(kind_by_case(99));
}

static void test_kind_flags(void **state)
{
	const struct kind *h = kind_by_name("hazard"), *e = kind_by_name("hazard_event");

	(void)state;
	assert_false(h->immutable);
	assert_false(h->bureau_only);
	assert_null(h->parent_field);
	assert_true(e->immutable);
	assert_false(e->bureau_only);
	assert_non_null(e->parent_field);
	assert_string_equal(e->parent_field, "hazard_id");
	/* every parent field exists in its kind and is a string */
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		if (k->parent_field) {
			const ProtobufCFieldDescriptor *f = kind_field(k, k->parent_field);
			assert_non_null(f);
			assert_int_equal(f->type, PROTOBUF_C_TYPE_STRING);
		}
	}
}

/* The .proto promises payloads of scalars, enums and repeated strings only;
 * kinds.c cannot give a text form for anything else. */
static void test_every_field_type_supported(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
				fail_msg("%s.%s: oneof in a payload", k->name, f->name);
			if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
				fail_msg("%s.%s: message/bytes in a payload", k->name, f->name);
			if (f->label == PROTOBUF_C_LABEL_REPEATED &&
			    f->type != PROTOBUF_C_TYPE_STRING)
				fail_msg("%s.%s: repeated non-string", k->name, f->name);
			assert_ptr_equal(kind_field(k, f->name), f);
		}
		assert_null(kind_field(k, "no_such_field"));
	}
	assert_null(kind_field(NULL, "title"));
}

/* A text that is not the default for f, in canonical form. */
static const char *sample_text(const ProtobufCFieldDescriptor *f, char *buf, size_t len)
{
	size_t n = strlen(f->name);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return "first;二;third";
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (n > 5 && strcmp(f->name + n - 5, "_date") == 0)
			return "2024-02-29";
		if (n > 3 && strcmp(f->name + n - 3, "_id") == 0)
			return "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
		snprintf(buf, len, "%s: 三楼东侧消防通道 \"quoted\" ;-)", f->name);
		/* ';' is fine in a single string */
		return buf;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		return kind_enum_name(e, e->values[e->n_values - 1].value);
	}
	case PROTOBUF_C_TYPE_BOOL:
		return "true";
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return n > 3 && strcmp(f->name + n - 3, "_ms") == 0 ? "1767225600123"
								    : "-9223372036854775808";
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return "-2147483648";
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return "4294967295";
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return "18446744073709551615";
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		return "2.5";
	default:
		fail_msg("unexpected type for %s", f->name);
		return NULL;
	}
}

static void test_every_field_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		ProtobufCMessage *m = kind_payload_new(k);
		ProtobufCMessage *back;
		uint8_t wire[8192];
		size_t wlen;
		char buf[256];

		assert_non_null(m);
		assert_ptr_equal(m->descriptor, k->desc);
		/* a new payload reads as all empty */
		for (unsigned j = 0; j < k->desc->n_fields; j++)
			assert_get(m, &k->desc->fields[j], "");
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			const char *t = sample_text(f, buf, sizeof buf);
			assert_non_null(t);
			assert_true(t[0] != '\0');
			set_ok(m, f, t);
			assert_get(m, f, t);
			/* set twice: the first value is freed (LeakSanitizer) */
			set_ok(m, f, t);
			assert_get(m, f, t);
		}
		/* the values survive the wire */
		wlen = protobuf_c_message_get_packed_size(m);
		assert_true(wlen > 0 && wlen < sizeof wire);
		assert_int_equal(protobuf_c_message_pack(m, wire), wlen);
		back = protobuf_c_message_unpack(k->desc, NULL, wlen, wire);
		assert_non_null(back);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			assert_get(back, f, sample_text(f, buf, sizeof buf));
		}
		protobuf_c_message_free_unpacked(back, NULL);
		/* the empty text sets each field back to its default */
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			set_ok(m, &k->desc->fields[j], "");
			assert_get(m, &k->desc->fields[j], "");
		}
		assert_int_equal(protobuf_c_message_get_packed_size(m), 0);
		/* and filled again, then freed filled */
		for (unsigned j = 0; j < k->desc->n_fields; j++)
			set_ok(m, &k->desc->fields[j],
			       sample_text(&k->desc->fields[j], buf, sizeof buf));
		kind_payload_free(m);
	}
	kind_payload_free(NULL);
}

static void test_hazard_fields_by_name(void **state)
{
	const struct kind *k = kind_by_name("hazard");
	ProtobufCMessage *m = kind_payload_new(k);
	Safecampus__Hazard *h = (Safecampus__Hazard *)m;

	(void)state;
	set_ok(m, kind_field(k, "title"), "Loose handrail");
	set_ok(m, kind_field(k, "area"), "defence_physical");
	set_ok(m, kind_field(k, "severity"), "SEVERITY_HIGH");
	set_ok(m, kind_field(k, "found_date"), "2026-03-02");
	assert_string_equal(h->title, "Loose handrail");
	assert_int_equal(h->area, SAFECAMPUS__HAZARD_AREA__HAZARD_AREA_DEFENCE_PHYSICAL);
	assert_int_equal(h->severity, SAFECAMPUS__SEVERITY__SEVERITY_HIGH);
	assert_get(m, kind_field(k, "severity"), "high");
	set_ok(m, kind_field(k, "severity"), "2");
	assert_int_equal(h->severity, SAFECAMPUS__SEVERITY__SEVERITY_MEDIUM);
	assert_get(m, kind_field(k, "severity"), "medium");
	set_ok(m, kind_field(k, "severity"), "Critical");
	assert_get(m, kind_field(k, "severity"), "critical");
	set_ok(m, kind_field(k, "severity"), "unspecified");
	assert_int_equal(h->severity, 0);
	assert_get(m, kind_field(k, "severity"), "");
	kind_payload_free(m);
}

/* ------------------------------------------------------------------ enums */

static void test_enum_short_names(void **state)
{
	(void)state;
	assert_string_equal(kind_enum_name(&safecampus__severity__descriptor, 3), "high");
	assert_string_equal(kind_enum_name(&safecampus__severity__descriptor, 0), "unspecified");
	assert_string_equal(kind_enum_name(&safecampus__hazard_area__descriptor, 1), "fire");
	assert_string_equal(kind_enum_name(&safecampus__hazard_area__descriptor, 5),
			    "defence_physical");
	assert_string_equal(kind_enum_name(&safecampus__hazard_area__descriptor, 6),
			    "defence_technical");
	assert_string_equal(kind_enum_name(&safecampus__staff_role__descriptor, 2),
			    "vice_principal");
	assert_string_equal(kind_enum_name(&safecampus__hazard_state__descriptor, 1), "reported");
	assert_string_equal(kind_enum_name(&safecampus__hazard_action__descriptor, 6), "note");
	assert_string_equal(kind_enum_name(&safecampus__role__descriptor, 2), "bureau");
	/* prefix is what all values share: ERROR_CODE_UNSPECIFIED vs ERROR_BAD_FRAME */
	assert_string_equal(kind_enum_name(&safecampus__error_code__descriptor, 1), "bad_frame");
	assert_string_equal(kind_enum_name(&safecampus__error_code__descriptor, 0),
			    "code_unspecified");
	assert_string_equal(kind_enum_name(&safecampus__reject_reason__descriptor, 1),
			    "unknown_kind");
	/* static storage: same pointer each time */
	assert_ptr_equal(kind_enum_name(&safecampus__severity__descriptor, 3),
			 kind_enum_name(&safecampus__severity__descriptor, 3));
	assert_null(kind_enum_name(&safecampus__severity__descriptor, 5));
	assert_null(kind_enum_name(&safecampus__severity__descriptor, -1));
	assert_null(kind_enum_name(NULL, 0));
}

static void test_enum_parse(void **state)
{
	const ProtobufCEnumDescriptor *sev = &safecampus__severity__descriptor;
	int v = -7;

	(void)state;
	assert_int_equal(kind_enum_parse(sev, "high", &v), 0);
	assert_int_equal(v, 3);
	v = -7;
	assert_int_equal(kind_enum_parse(sev, "HIGH", &v), 0);
	assert_int_equal(v, 3);
	v = -7;
	assert_int_equal(kind_enum_parse(sev, "SEVERITY_LOW", &v), 0);
	assert_int_equal(v, 1);
	v = -7;
	assert_int_equal(kind_enum_parse(sev, "4", &v), 0);
	assert_int_equal(v, 4);
	v = -7;
	assert_int_equal(kind_enum_parse(sev, "0", &v), 0);
	assert_int_equal(v, 0);
	v = -7;
	assert_int_equal(kind_enum_parse(sev, "5", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "-1", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "99999999999", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "hig", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "high ", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "", &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, NULL, &v), SC_EINVALID);
	assert_int_equal(kind_enum_parse(sev, "SEVERITY_", &v), SC_EINVALID);
	assert_int_equal(v, -7); /* untouched on failure */
	/* every value: short name and number parse back to it */
	for (unsigned i = 0; i < sev->n_values; i++) {
		char num[16];
		assert_int_equal(
			kind_enum_parse(sev, kind_enum_name(sev, sev->values[i].value), &v), 0);
		assert_int_equal(v, sev->values[i].value);
		snprintf(num, sizeof num, "%d", sev->values[i].value);
		assert_int_equal(kind_enum_parse(sev, num, &v), 0);
		assert_int_equal(v, sev->values[i].value);
	}
	assert_int_equal(
		kind_enum_parse(&safecampus__hazard_area__descriptor, "Defence_People", &v), 0);
	assert_int_equal(v, 4);
}

/* ------------------------------------------------------------------ bad text */

static void test_bad_numbers_refused(void **state)
{
	const struct kind *k = kind_by_name("hazard_event");
	ProtobufCMessage *m = kind_payload_new(k);
	const ProtobufCFieldDescriptor *at = kind_field(k, "at_ms");
	Safecampus__Record *r = record_new();
	const ProtobufCFieldDescriptor *hlc = rec_field("hlc");
	Safecampus__Hello hello = SAFECAMPUS__HELLO__INIT;
	const ProtobufCFieldDescriptor *minv =
		msg_field(&safecampus__hello__descriptor, "min_version");

	(void)state;
	set_ok(m, at, "1767225600000");
	set_bad(m, at, "12x", "is not a whole number");
	set_bad(m, at, " 12", "is not a whole number");
	set_bad(m, at, "12 ", "is not a whole number");
	set_bad(m, at, "1e3", "is not a whole number");
	set_bad(m, at, "0x10", "is not a whole number");
	set_bad(m, at, "-", "is not a whole number");
	set_bad(m, at, "9223372036854775808", "out of range");
	set_bad(m, at, "-9223372036854775809", "out of range");
	set_bad(m, at, "99999999999999999999999", "out of range");
	assert_get(m, at, "1767225600000");
	set_ok(m, at, "+5");
	assert_get(m, at, "5");
	set_ok(m, at, "-5"); /* kinds does text; rules refuses negative *_ms */
	assert_get(m, at, "-5");

	set_ok(&r->base, hlc, "18446744073709551615");
	assert_int_equal(r->hlc, UINT64_MAX);
	set_bad(&r->base, hlc, "18446744073709551616", "out of range");
	set_bad(&r->base, hlc, "-1", "is not a whole number");
	set_bad(&r->base, hlc, "abc", "is not a whole number");
	assert_int_equal(r->hlc, UINT64_MAX);

	set_ok(&hello.base, minv, "4294967295");
	assert_int_equal(hello.min_version, UINT32_MAX);
	set_bad(&hello.base, minv, "4294967296", "out of range");
	set_bad(&hello.base, minv, "-1", NULL);
	assert_int_equal(hello.min_version, UINT32_MAX);

	kind_payload_free(m);
	kind_record_free(r);
}

static void test_bad_enums_and_bools_refused(void **state)
{
	const struct kind *k = kind_by_name("hazard");
	ProtobufCMessage *m = kind_payload_new(k);
	Safecampus__Record *r = record_new();
	const ProtobufCFieldDescriptor *del = rec_field("deleted");
	char err[256];

	(void)state;
	set_ok(m, kind_field(k, "severity"), "low");
	set_bad(m, kind_field(k, "severity"), "huge",
		"\"huge\" is not one of: low, medium, high, critical");
	set_bad(m, kind_field(k, "severity"), "9", NULL);
	set_bad(m, kind_field(k, "area"), "firee", "fire, building");
	assert_get(m, kind_field(k, "severity"), "low");

	set_ok(&r->base, del, "true");
	assert_true(r->deleted);
	assert_get(&r->base, del, "true");
	set_ok(&r->base, del, "no");
	assert_false(r->deleted);
	assert_get(&r->base, del, ""); /* false is the default: empty text */
	set_ok(&r->base, del, "YES");
	assert_true(r->deleted);
	set_ok(&r->base, del, "0");
	assert_false(r->deleted);
	set_ok(&r->base, del, "1");
	assert_true(r->deleted);
	set_ok(&r->base, del, "False");
	assert_false(r->deleted);
	set_ok(&r->base, del, "");
	assert_false(r->deleted);
	set_ok(&r->base, del, "yes");
	set_bad(&r->base, del, "maybe", "true/false");
	set_bad(&r->base, del, "2", NULL);
	set_bad(&r->base, del, "truee", NULL);
	assert_true(r->deleted);

	/* a message-typed field (a kind's arm) has no text form */
	assert_int_equal(kind_field_set(&r->base, rec_field("hazard"), "x", err, sizeof err),
			 SC_EINVALID);
	assert_non_null(strstr(err, "hazard"));
	/* long bad text is cut in the message, which still fits */
	{
		char big[1000];
		memset(big, 'z', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		err[0] = '\0';
		assert_int_equal(kind_field_set(m, kind_field(k, "severity"), big, err, sizeof err),
				 SC_EINVALID);
		assert_true(strlen(err) < sizeof err);
		assert_non_null(strstr(err, "..."));
		/* errlen 0 is allowed */
		assert_int_equal(kind_field_set(m, kind_field(k, "severity"), big, err, 0),
				 SC_EINVALID);
	}
	kind_payload_free(m);
	kind_record_free(r);
}

/* ------------------------------------------------------------------ records */

static void test_record_build_and_free(void **state)
{
	const struct kind *hk = kind_by_name("hazard"), *ek = kind_by_name("hazard_event");
	Safecampus__Record *r = record_new();
	ProtobufCMessage *m;
	const char *const strs[] = { "id", "school", "campus", "written_by" };
	char buf[256];
	uint8_t wire[4096];
	size_t n;

	(void)state;
	assert_null(kind_of(r));
	assert_null(kind_payload(r));
	for (size_t i = 0; i < 4; i++) {
		set_ok(&r->base, rec_field(strs[i]), "old value");
		set_ok(&r->base, rec_field(strs[i]), strs[i]); /* old one freed */
		assert_get(&r->base, rec_field(strs[i]), strs[i]);
	}
	set_ok(&r->base, rec_field("id"), "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b");
	set_ok(&r->base, rec_field("hlc"), "123456789");
	set_ok(&r->base, rec_field("seq"), "0");
	assert_get(&r->base, rec_field("seq"), "");

	/* a hazard payload, then replaced by an event: the hazard is freed */
	m = kind_payload_new(hk);
	for (unsigned j = 0; j < hk->desc->n_fields; j++)
		set_ok(m, &hk->desc->fields[j], sample_text(&hk->desc->fields[j], buf, sizeof buf));
	kind_record_set_payload(r, hk, m);
	assert_ptr_equal(kind_of(r), hk);
	assert_ptr_equal(kind_payload(r), m);
	assert_ptr_equal((ProtobufCMessage *)r->hazard, m);
	assert_int_equal(r->body_case, SAFECAMPUS__RECORD__BODY_HAZARD);
	kind_record_set_payload(r, hk, m); /* same payload again: kept, not freed */
	assert_ptr_equal(kind_payload(r), m);

	m = kind_payload_new(ek);
	for (unsigned j = 0; j < ek->desc->n_fields; j++)
		set_ok(m, &ek->desc->fields[j], sample_text(&ek->desc->fields[j], buf, sizeof buf));
	kind_record_set_payload(r, ek, m);
	assert_ptr_equal(kind_of(r), ek);
	assert_int_equal(r->body_case, SAFECAMPUS__RECORD__BODY_HAZARD_EVENT);
	assert_string_equal(r->hazard_event->hazard_id, "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b");

	/* packs and unpacks to the same text */
	n = safecampus__record__get_packed_size(r);
	assert_true(n > 0 && n < sizeof wire);
	safecampus__record__pack(r, wire);
	{
		Safecampus__Record *u = safecampus__record__unpack(NULL, n, wire);
		assert_non_null(u);
		assert_ptr_equal(kind_of(u), ek);
		for (unsigned j = 0; j < ek->desc->n_fields; j++) {
			char *a = kind_field_get(kind_payload(r), &ek->desc->fields[j]);
			char *b = kind_field_get(kind_payload(u), &ek->desc->fields[j]);
			assert_string_equal(a, b);
			free(a);
			free(b);
		}
		assert_string_equal(u->school, "school");
		assert_int_equal(u->hlc, 123456789);
		/* an unpacked record may be freed the same way */
		kind_record_free(u);
	}
	kind_record_free(r);
	kind_record_free(NULL);

	/* clearing the body frees the payload */
	r = record_new();
	kind_record_set_payload(r, hk, kind_payload_new(hk));
	kind_record_set_payload(r, NULL, NULL);
	assert_int_equal(r->body_case, SAFECAMPUS__RECORD__BODY__NOT_SET);
	assert_null(kind_payload(r));
	kind_record_free(r);
}

/* ------------------------------------------------------------------ other types
 *
 * No payload has a double, an int32 or a repeated field yet; a hand-made
 * descriptor checks those code paths so the first kind that uses one works. */
struct fake {
	ProtobufCMessage base;
	size_t n_tags;
	char **tags;
	double score;
	float ratio;
	int32_t level;
	uint32_t count;
	protobuf_c_boolean has_opt;
	int64_t opt;
	size_t n_nums;
	int64_t *nums;
	char *name;
};

#define FAKE_FIELD(nm, id, lab, ty, q, off)                           \
	{                                                             \
		nm, id, lab, ty, q, off, NULL, NULL, 0, 0, NULL, NULL \
	}

static const ProtobufCFieldDescriptor fake_fields[] = {
	FAKE_FIELD("tags", 1, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_STRING,
		   offsetof(struct fake, n_tags), offsetof(struct fake, tags)),
	FAKE_FIELD("score", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_DOUBLE, 0,
		   offsetof(struct fake, score)),
	FAKE_FIELD("ratio", 3, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0,
		   offsetof(struct fake, ratio)),
	FAKE_FIELD("level", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0,
		   offsetof(struct fake, level)),
	FAKE_FIELD("count", 5, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT32, 0,
		   offsetof(struct fake, count)),
	FAKE_FIELD("opt", 6, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT64,
		   offsetof(struct fake, has_opt), offsetof(struct fake, opt)),
	FAKE_FIELD("nums", 7, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_SINT64,
		   offsetof(struct fake, n_nums), offsetof(struct fake, nums)),
	{ "name", 8, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, offsetof(struct fake, name),
	  NULL, &protobuf_c_empty_string, 0, 0, NULL, NULL },
};

static const ProtobufCMessageDescriptor fake_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
	"test.Fake",
	"Fake",
	"Fake",
	"test",
	sizeof(struct fake),
	sizeof fake_fields / sizeof fake_fields[0],
	fake_fields,
	NULL,
	0,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->base.descriptor = &fake_desc;
	f->name = (char *)protobuf_c_empty_string;
	return f;
}

static void test_other_types(void **state)
{
	struct fake *fk = fake_new();
	ProtobufCMessage *m = &fk->base;
	const ProtobufCFieldDescriptor *tags = &fake_fields[0], *score = &fake_fields[1],
				       *ratio = &fake_fields[2], *level = &fake_fields[3],
				       *count = &fake_fields[4], *opt = &fake_fields[5],
				       *nums = &fake_fields[6];

	(void)state;
	/* repeated strings: split on ';', empty elements kept */
	set_ok(m, tags, "fire;traffic;;drowning");
	assert_int_equal(fk->n_tags, 4);
	assert_string_equal(fk->tags[1], "traffic");
	assert_string_equal(fk->tags[2], "");
	assert_get(m, tags, "fire;traffic;;drowning");
	set_ok(m, tags, "one");
	assert_int_equal(fk->n_tags, 1);
	assert_get(m, tags, "one");
	set_ok(m, tags, "");
	assert_int_equal(fk->n_tags, 0);
	assert_null(fk->tags);
	assert_get(m, tags, "");
	set_ok(m, tags, ";");
	assert_int_equal(fk->n_tags, 2);
	assert_get(m, tags, ";");
	set_ok(m, tags, "a;b");

	/* repeated numbers: a bad element leaves the old array */
	set_ok(m, nums, "1;-2;0");
	assert_int_equal(fk->n_nums, 3);
	assert_int_equal(fk->nums[1], -2);
	assert_get(m, nums, "1;-2;0");
	set_bad(m, nums, "4;x;5", "is not a whole number");
	assert_int_equal(fk->n_nums, 3);

	set_ok(m, score, "2.5");
	assert_true(fk->score == 2.5);
	assert_get(m, score, "2.5");
	/* the shortest text that reads back as the same double */
	set_ok(m, score, "0.1");
	assert_get(m, score, "0.1");
	set_ok(m, score, "0.10000000000000001");
	assert_true(fk->score == 0.1);
	assert_get(m, score, "0.1");
	set_ok(m, score, "7786.6");
	assert_get(m, score, "7786.6");
	set_ok(m, score, "0.30000000000000004");
	assert_get(m, score, "0.30000000000000004");
	set_ok(m, score, "-1e300");
	assert_get(m, score, "-1e+300");
	set_bad(m, score, "1e999", "out of range");
	set_bad(m, score, "nan", "is not a number");
	set_bad(m, score, "inf", "is not a number");
	set_bad(m, score, "2.5x", "is not a number");
	set_ok(m, score, "");
	assert_true(fk->score == 0.0);

	set_ok(m, ratio, "0.25");
	assert_get(m, ratio, "0.25");
	set_ok(m, ratio, "0.1");
	{
		char *t = kind_field_get(m, ratio);
		float back = strtof(t, NULL);
		assert_true(back == 0.1f); /* the shortest text of a float parses back to it */
		free(t);
	}
	set_bad(m, ratio, "1e39", "out of range");

	set_ok(m, level, "-2147483648");
	assert_int_equal(fk->level, INT32_MIN);
	set_bad(m, level, "2147483648", "out of range");
	set_bad(m, level, "-2147483649", "out of range");
	set_ok(m, count, "4294967295");
	set_bad(m, count, "4294967296", "out of range");

	/* a field with presence: zero that was set reads "0", unset reads "" */
	assert_get(m, opt, "");
	set_ok(m, opt, "0");
	assert_true(fk->has_opt);
	assert_get(m, opt, "0");
	set_ok(m, opt, "");
	assert_false(fk->has_opt);
	assert_get(m, opt, "");

	set_ok(m, &fake_fields[7], "x");
	protobuf_c_message_free_unpacked(m, NULL); /* frees tags, nums, name */
}

static void test_null_arguments(void **state)
{
	char err[64];
	char *s;

	(void)state;
	assert_null(kind_of(NULL));
	assert_null(kind_payload(NULL));
	assert_null(kind_payload_new(NULL));
	assert_int_equal(kind_field_set(NULL, NULL, "x", err, sizeof err), SC_EINVALID);
	s = kind_field_get(NULL, NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_enumerated),
		cmocka_unit_test(test_kind_flags),
		cmocka_unit_test(test_every_field_type_supported),
		cmocka_unit_test(test_every_field_round_trip),
		cmocka_unit_test(test_hazard_fields_by_name),
		cmocka_unit_test(test_enum_short_names),
		cmocka_unit_test(test_enum_parse),
		cmocka_unit_test(test_bad_numbers_refused),
		cmocka_unit_test(test_bad_enums_and_bools_refused),
		cmocka_unit_test(test_record_build_and_free),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
