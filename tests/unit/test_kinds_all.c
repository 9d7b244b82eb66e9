/* Every record kind: a valid record passes the rules, each required field is
 * named when missing, every field survives text and wire round trips, the
 * override flags are as designed (docs/internals/kinds.md), every kind has its
 * table and every field its column in the migrations in server/sql (path from
 * SC_SOURCE_DIR, default "."). The notice workflow is test_kinds_notice.c.
 *
 * Build with -fsanitize=address: records are built and freed field by field. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kind_ops.h"
#include "kinds.h"
#include "rules.h"
#include "workflow.h"
#include "kinds_samples.h"

static int list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && !memcmp(p, name, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* ------------------------------------------------------------------ the kinds */

static const char *const expected_kinds[] = {
	"hazard",       "hazard_event", "school_profile", "staff",           "school_class",
	"meeting",      "policy",       "letter",         "education",       "lecture",
	"drill",        "inspection",   "linkage",        "gate_duty",       "bus",
	"bus_rider",    "bus_trip",     "equipment",      "equipment_check", "risk",
	"notice",       "notice_event", "calendar",       "visitor",         "person",
	"letter_event",
};

static void test_every_kind_listed(void **state)
{
	size_t n = sizeof expected_kinds / sizeof expected_kinds[0];

	(void)state;
	assert_int_equal(kind_count(), n);
	assert_int_equal(NSAMPLES, n);
	for (size_t i = 0; i < n; i++) {
		const struct kind *k = kind_at(i);
		assert_string_equal(k->name, expected_kinds[i]);
		assert_non_null(ks_sample_of(k->name));
		/* the generic rules and the SQL layer take scalars only */
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			if (f->label == PROTOBUF_C_LABEL_REPEATED ||
			    f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
				fail_msg("%s.%s is not a scalar", k->name, f->name);
		}
	}
}

static void test_valid_samples_pass(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		Safecampus__Record *r = ks_make(k->name, NULL);
		char why[256] = "";
		if (rules_check(r, why, sizeof why) != 0)
			fail_msg("sample %s refused: %s", k->name, why);
		kind_record_free(r);
	}
}

/* Clearing a required field is refused naming it; clearing any other field
 * of the sample still passes (so the test's list is exactly the rules'). */
static void test_required_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		const struct sample *s = ks_sample_of(k->name);

		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			char ov[80], why[256] = "", want[96];
			Safecampus__Record *r;
			int rc;

			snprintf(ov, sizeof ov, "%s=", f->name);
			r = ks_make(k->name, ov);
			rc = rules_check(r, why, sizeof why);
			if (list_has(s->required, f->name)) {
				snprintf(want, sizeof want, "%s.%s is required", k->name, f->name);
				if (rc != SC_EINVALID || strcmp(why, want) != 0)
					fail_msg("%s without %s: rc %d \"%s\", want \"%s\"",
						 k->name, f->name, rc, why, want);
			} else if (rc != 0) {
				fail_msg("%s without %s (not required) refused: %s", k->name,
					 f->name, why);
			}
			kind_record_free(r);
		}
		/* every name in the list is a field */
		for (const char *p = s->required; *p;) {
			const char *e = strchr(p, ',');
			char name[64];
			size_t l = e ? (size_t)(e - p) : strlen(p);
			memcpy(name, p, l);
			name[l] = '\0';
			if (!kind_field(k, name))
				fail_msg("required %s.%s is not a field", k->name, name);
			p = e ? e + 1 : p + l;
		}
	}
}

/* ------------------------------------------------------------------ text round trip */

static void round_trip(const struct kind *k, const ProtobufCFieldDescriptor *f, const char *in,
		       const char *want)
{
	ProtobufCMessage *m = kind_payload_new(k);
	char err[256] = "", *got;

	assert_non_null(m);
	if (kind_field_set(m, f, in, err, sizeof err) != 0)
		fail_msg("%s.%s = \"%s\": %s", k->name, f->name, in, err);
	got = kind_field_get(m, f);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("%s.%s: set \"%s\", got \"%s\", want \"%s\"", k->name, f->name, in, got,
			 want);
	free(got);
	kind_payload_free(m);
}

static void test_text_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);

		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];

			round_trip(k, f, "", ""); /* the empty text is the default */
			switch (f->type) {
			case PROTOBUF_C_TYPE_STRING:
				if (ends_with(f->name, "_date")) {
					round_trip(k, f, "2028-02-29", "2028-02-29");
				} else if (ends_with(f->name, "_id")) {
					round_trip(k, f, U1, U1);
				} else {
					round_trip(k, f, "消防; \"fire\" a;b",
						   "消防; \"fire\" a;b");
				}
				break;
			case PROTOBUF_C_TYPE_ENUM: {
				const ProtobufCEnumDescriptor *e = f->descriptor;
				for (unsigned v = 0; v < e->n_values; v++) {
					const char *nm = kind_enum_name(e, e->values[v].value);
					assert_non_null(nm);
					/* unspecified is the empty text */
					round_trip(k, f, nm, e->values[v].value ? nm : "");
					round_trip(k, f, e->values[v].name,
						   e->values[v].value ? nm : "");
				}
				break;
			}
			case PROTOBUF_C_TYPE_BOOL:
				round_trip(k, f, "true", "true");
				round_trip(k, f, "yes", "true");
				round_trip(k, f, "false", "");
				break;
			case PROTOBUF_C_TYPE_INT32:
				round_trip(k, f, "-7", "-7");
				round_trip(k, f, "2147483647", "2147483647");
				round_trip(k, f, "-2147483648", "-2147483648");
				round_trip(k, f, "0", "");
				break;
			case PROTOBUF_C_TYPE_INT64:
				round_trip(k, f, "9223372036854775807", "9223372036854775807");
				round_trip(k, f, "-9223372036854775808", "-9223372036854775808");
				break;
			case PROTOBUF_C_TYPE_UINT64:
				round_trip(k, f, "18446744073709551615", "18446744073709551615");
				round_trip(k, f, "1", "1");
				break;
			case PROTOBUF_C_TYPE_DOUBLE: {
				/* text -> double -> text is exact for these, and the text
				 * written is read back to the same double */
				round_trip(k, f, "16800", "16800");
				round_trip(k, f, "7786.5", "7786.5");
				round_trip(k, f, "-0.25", "-0.25");
				ProtobufCMessage *m = kind_payload_new(k);
				char err[128], *g1, *g2;
				assert_non_null(m);
				assert_int_equal(kind_field_set(m, f, "7786.6", err, sizeof err),
						 0);
				g1 = kind_field_get(m, f);
				assert_non_null(g1);
				assert_true(strtod(g1, NULL) == 7786.6);
				assert_int_equal(kind_field_set(m, f, g1, err, sizeof err), 0);
				g2 = kind_field_get(m, f);
				assert_non_null(g2);
				assert_string_equal(g1, g2);
				free(g1);
				free(g2);
				kind_payload_free(m);
				break;
			}
			default:
				fail_msg("%s.%s: a field type this test does not know (%d)",
					 k->name, f->name, (int)f->type);
			}
		}
	}
}

/* Every sample: record -> protobuf bytes -> record, every field's text equal. */
static void test_wire_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		Safecampus__Record *r = ks_make(k->name, NULL), *back;
		size_t n = safecampus__record__get_packed_size(r);
		uint8_t *buf = malloc(n ? n : 1);
		const ProtobufCMessage *a, *b;

		assert_non_null(buf);
		assert_int_equal(safecampus__record__pack(r, buf), n);
		back = safecampus__record__unpack(NULL, n, buf);
		assert_non_null(back);
		assert_ptr_equal(kind_of(back), k);
		a = kind_payload(r);
		b = kind_payload(back);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			char *x = kind_field_get(a, &k->desc->fields[j]);
			char *y = kind_field_get(b, &k->desc->fields[j]);
			assert_non_null(x);
			assert_non_null(y);
			if (strcmp(x, y) != 0)
				fail_msg("%s.%s: \"%s\" came back as \"%s\"", k->name,
					 k->desc->fields[j].name, x, y);
			free(x);
			free(y);
		}
		safecampus__record__free_unpacked(back, NULL);
		free(buf);
		kind_record_free(r);
	}
}

/* ------------------------------------------------------------------ flags */

static void test_flags(void **state)
{
	static const struct {
		const char *kind;
		bool immutable, bureau_only;
		const char *parent;
	} want[] = {
		{ "hazard_event", true, false, "hazard_id" },
		{ "letter", true, false, NULL },
		{ "notice_event", true, false, "notice_id" },
		{ "letter_event", true, false, "letter_id" },
		{ "notice", false, true, NULL },
		{ "calendar", false, true, NULL },
		{ "education", false, false, "school_class_id" },
		{ "bus_rider", false, false, "bus_id" },
		{ "bus_trip", false, false, "bus_id" },
		{ "equipment_check", false, false, "equipment_id" },
	};

	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		bool imm = false, bo = false;
		const char *parent = NULL;

		for (size_t j = 0; j < sizeof want / sizeof want[0]; j++) {
			if (!strcmp(want[j].kind, k->name)) {
				imm = want[j].immutable;
				bo = want[j].bureau_only;
				parent = want[j].parent;
			}
		}
		if (k->immutable != imm || k->bureau_only != bo)
			fail_msg("%s: immutable %d bureau_only %d, want %d %d", k->name,
				 k->immutable, k->bureau_only, imm, bo);
		if (!parent) {
			if (k->parent_field)
				fail_msg("%s: unexpected parent %s", k->name, k->parent_field);
			continue;
		}
		assert_non_null(k->parent_field);
		assert_string_equal(k->parent_field, parent);
		/* the parent's kind is the field without "_id", declared earlier in
		 * Record.body: the server stores a batch in that order */
		char pk[64];
		size_t n = strlen(parent) - 3;
		memcpy(pk, parent, n);
		pk[n] = '\0';
		const struct kind *p = kind_by_name(pk);
		if (!p)
			fail_msg("%s.%s: no kind %s", k->name, parent, pk);
		assert_true(p->body_case < k->body_case);
		/* a parent is not itself an event (it may be immutable: a letter,
		 * whose counter-signature hangs on it) */
		assert_false(p->immutable && p->parent_field);
	}
}

/* ------------------------------------------------------------------ SQL */

struct column {
	char name[64];
	char type[64];
};

struct table {
	char name[64];
	struct column cols[64];
	size_t ncols;
	int pk_school_id;
};

struct schema {
	struct table t[64];
	size_t n;
	char *text; /* every file, comments removed */
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s (set SC_SOURCE_DIR)", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	/* drop "--" comments */
	for (char *p = s; (p = strstr(p, "--"));)
		while (*p && *p != '\n')
			*p++ = ' ';
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *word(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	p = skip_ws(p);
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '_') {
		if (n + 1 < outlen)
			out[n++] = *p;
		p++;
	}
	out[n] = '\0';
	return p;
}

static struct table *table_named(struct schema *sc, const char *name)
{
	for (size_t i = 0; i < sc->n; i++)
		if (!strcmp(sc->t[i].name, name))
			return &sc->t[i];
	return NULL;
}

/* "name type words... [NOT NULL|DEFAULT|GENERATED|...]" -> column. */
static void parse_column(struct table *t, const char *def)
{
	static const char *const stop[] = { "NOT",     "NULL",       "DEFAULT", "GENERATED",
					    "PRIMARY", "REFERENCES", "CHECK",   "UNIQUE",
					    "COLLATE", NULL };
	struct column *c;
	char w[64];
	const char *p = word(def, w, sizeof w);

	if (!w[0] || !strcmp(w, "PRIMARY") || !strcmp(w, "FOREIGN") || !strcmp(w, "UNIQUE") ||
	    !strcmp(w, "CHECK") || !strcmp(w, "CONSTRAINT") || !strcmp(w, "EXCLUDE"))
		return;
	assert_true(t->ncols < 64);
	c = &t->cols[t->ncols++];
	snprintf(c->name, sizeof c->name, "%s", w);
	c->type[0] = '\0';
	for (;;) {
		int is_stop = 0;
		p = word(p, w, sizeof w);
		if (!w[0])
			break;
		for (size_t i = 0; stop[i]; i++)
			is_stop |= !strcmp(w, stop[i]);
		if (is_stop)
			break;
		size_t tl = strlen(c->type);
		snprintf(c->type + tl, sizeof c->type - tl, "%s%s", tl ? " " : "", w);
	}
}

static void parse_sql(struct schema *sc, char *s)
{
	char w[64];

	for (char *p = s; (p = strstr(p, "CREATE TABLE "));) {
		struct table *t;
		const char *q = word(p + 13, w, sizeof w);
		char *body, *end;
		int depth = 0;

		if (!strcmp(w, "IF")) /* IF NOT EXISTS */
			q = word(word(word(q, w, sizeof w), w, sizeof w), w, sizeof w);
		assert_true(sc->n < 64);
		t = &sc->t[sc->n++];
		memset(t, 0, sizeof *t);
		snprintf(t->name, sizeof t->name, "%s", w);
		body = strchr(q, '(');
		assert_non_null(body);
		/* split at top-level commas */
		char *start = body + 1;
		for (end = body; *end; end++) {
			if (*end == '(') {
				depth++;
			} else if (*end == ')' || *end == ',') {
				if (*end == ')' && --depth > 0)
					continue;
				if (*end == ',' && depth > 1)
					continue;
				char save = *end;
				*end = '\0';
				if (strstr(start, "PRIMARY KEY (school, id)"))
					t->pk_school_id = 1;
				parse_column(t, start);
				*end = save;
				start = end + 1;
				if (save == ')')
					break;
			}
		}
		p = end;
	}
	for (char *p = s; (p = strstr(p, "ALTER TABLE "));) {
		char tn[64];
		const char *q = word(p + 12, tn, sizeof tn);
		struct table *t;

		/* format('ALTER TABLE %I ...') in a DO block: a column every kind
		 * table gets (007, 008), not a payload field */
		if (p[12] == '%') {
			p += 12;
			continue;
		}
		t = table_named(sc, tn);
		if (!t)
			fail_msg("ALTER TABLE %s before its CREATE TABLE", tn);
		q = word(q, w, sizeof w);
		if (!strcmp(w, "ADD")) {
			char *semi = strchr(q, ';');
			q = word(q, w, sizeof w);
			assert_string_equal(w, "COLUMN");
			assert_non_null(semi);
			*semi = '\0';
			parse_column(t, q);
			*semi = ';';
		}
		p += 12;
	}
}

static void load_schema(struct schema *sc)
{
	const char *src = getenv("SC_SOURCE_DIR");
	char dir[1024], path[1200];
	char *names[64];
	size_t nn = 0, total = 1;
	struct dirent *de;
	DIR *d;

	memset(sc, 0, sizeof *sc);
	snprintf(dir, sizeof dir, "%s/server/sql", src && *src ? src : ".");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s: %s (set SC_SOURCE_DIR)", dir, strerror(errno));
	while ((de = readdir(d)))
		if (ends_with(de->d_name, ".sql") && nn < 64)
			names[nn++] = ks_xstrdup(de->d_name);
	closedir(d);
	qsort(names, nn, sizeof names[0], cmp_str);
	assert_true(nn >= 2);
	sc->text = calloc(1, 1);
	assert_non_null(sc->text);
	for (size_t i = 0; i < nn; i++) {
		char *s;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		s = read_file(path);
		total += strlen(s) + 1;
		sc->text = realloc(sc->text, total);
		assert_non_null(sc->text);
		strcat(sc->text, s);
		strcat(sc->text, "\n");
		free(s);
		free(names[i]);
	}
	char *copy = ks_xstrdup(sc->text);
	parse_sql(sc, copy);
	free(copy);
}

static const char *sql_type_for(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (ends_with(f->name, "_date"))
			return "date";
		if (ends_with(f->name, "_id"))
			return "uuid";
		return "text";
	case PROTOBUF_C_TYPE_ENUM:
		return "text";
	case PROTOBUF_C_TYPE_BOOL:
		return "boolean";
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return "integer";
	case PROTOBUF_C_TYPE_DOUBLE:
		return "double precision";
	case PROTOBUF_C_TYPE_FLOAT:
		return "real";
	default: /* 64-bit and unsigned 32-bit */
		return "bigint";
	}
}

static void test_sql_tables(void **state)
{
	static const struct column common[] = {
		{ "id", "uuid" },         { "school", "text" },
		{ "campus", "text" },     { "hlc", "bigint" },
		{ "deleted", "boolean" }, { "seq", "bigint" },
		{ "written_by", "text" }, { "received_at", "timestamptz" },
	};
	static const char *const not_kinds[] = {
		"client_health",
		"notice_status",
		"escalation_policy",
		/* dashboards: configuration and per-school aggregates (004) */
		"dashboard_indicator",
		"dashboard_school",
		"dashboard_hazard_clock",
		"dash_education",
		"dash_gate",
		"dash_hazard",
		"dash_equipment",
		"dash_letter",
		/* the signatures of sign-offs (015) */
		"signoff",
		/* evidence files and their bytes (016) */
		"evidence_file",
		"evidence_chunk",
		/* the bureau's due days (013), dashboards kept per school (020, 021; 022 drops dash_cache_out) */
		"dashboard_due",
		"dash_stamp",
		"dash_cache_key",
		"dash_cache_v",
		"dash_cache_out",
		"dash_cache_alert",
		"dash_cache_missing",
		"dash_cache_ageing",
		"dash_cache_flag",
		/* composites and district sums kept per school (022) */
		"dash_cache_comp",
		"dash_cache_sum",
		/* reporting rates kept per school (029) */
		"dash_cache_rate",
		NULL,
	};
	struct schema *sc = calloc(1, sizeof *sc);

	(void)state;
	assert_non_null(sc);
	load_schema(sc);
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		struct table *t = table_named(sc, k->name);
		char idx[160];

		if (!t)
			fail_msg("kind %s has no CREATE TABLE %s in server/sql", k->name, k->name);
		if (!t->pk_school_id)
			fail_msg("table %s lacks PRIMARY KEY (school, id)", k->name);
		assert_true(t->ncols >= 8);
		for (size_t c = 0; c < 8; c++) {
			if (strcmp(t->cols[c].name, common[c].name) ||
			    strcmp(t->cols[c].type, common[c].type))
				fail_msg("%s column %zu is \"%s %s\", want \"%s %s\"", k->name, c,
					 t->cols[c].name, t->cols[c].type, common[c].name,
					 common[c].type);
		}
		snprintf(idx, sizeof idx, "ON %s (school, seq)", k->name);
		if (!strstr(sc->text, idx))
			fail_msg("no index %s", idx);
		snprintf(idx, sizeof idx, "ON %s (seq)", k->name);
		if (!strstr(sc->text, idx))
			fail_msg("no index %s", idx);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			const struct column *col = NULL;
			for (size_t c = 0; c < t->ncols; c++)
				if (!strcmp(t->cols[c].name, f->name))
					col = &t->cols[c];
			if (!col)
				fail_msg("table %s has no column for field %s", k->name, f->name);
			if (strcmp(col->type, sql_type_for(f)) != 0)
				fail_msg("%s.%s is %s, the convention says %s", k->name, f->name,
					 col->type, sql_type_for(f));
		}
	}
	/* and nothing else: a misspelt table would not be a kind's */
	for (size_t i = 0; i < sc->n; i++) {
		int known = kind_by_name(sc->t[i].name) != NULL;
		for (size_t j = 0; not_kinds[j]; j++)
			known |= !strcmp(not_kinds[j], sc->t[i].name);
		if (!known)
			fail_msg("table %s is not a kind (nor a known derived table)",
				 sc->t[i].name);
	}
	/* the bus alarm is a derived column */
	struct table *bt = table_named(sc, "bus_trip");
	int mismatch = 0;
	for (size_t c = 0; c < bt->ncols; c++)
		mismatch |= !strcmp(bt->cols[c].name, "mismatch") &&
			    !strcmp(bt->cols[c].type, "boolean");
	assert_true(mismatch);
	assert_non_null(strstr(sc->text, "GENERATED ALWAYS AS (boarded <> alighted) STORED"));
	free(sc->text);
	free(sc);
}

/* ------------------------------------------------------------------ cross-field rules */

static const struct rule_case {
	const char *kind;
	const char *overrides;
	const char *want; /* substring of the reason; NULL: accepted */
} rule_cases[] = {
	{ "school_profile", "staff_count=-1", "school_profile.staff_count must be >= 0" },
	{ "school_profile", "boarding_students=-3",
	  "school_profile.boarding_students must be >= 0" },
	{ "school_profile", "bus_riders=-1", "school_profile.bus_riders must be >= 0" },
	{ "school_profile", "bus_riders=989", "school_profile.bus_riders must not exceed" },
	{ "school_profile", "boarding_students=989", "school_profile.boarding_students must not" },
	{ "school_profile", "site_area_m2=-1", "school_profile.site_area_m2 must be >= 0" },
	{ "school_profile", "founded_year=1700", "school_profile.founded_year must be between" },
	/* each bound of the kind table pinned just outside and at its edge: the
	 * table is the one place a range is written (rules.c check_bounds) */
	{ "school_profile", "founded_year=1799",
	  "school_profile.founded_year must be between 1800 and 2100" },
	{ "school_profile", "founded_year=2101",
	  "school_profile.founded_year must be between 1800 and 2100" },
	{ "school_profile", "founded_year=1800", NULL },
	{ "school_profile", "founded_year=2100", NULL },
	{ "school_profile", "building_area_m2=-1", "school_profile.building_area_m2 must be >= 0" },
	{ "school_profile", "class_count=-1", "school_profile.class_count must be >= 0" },
	{ "school_profile", "student_count=-1", "school_profile.student_count must be >= 0" },
	{ "school_profile", "campus_count=-1", "school_profile.campus_count must be >= 0" },
	{ "school_profile", "bus_count=-1", "school_profile.bus_count must be >= 0" },
	{ "school_profile", "founded_year=", NULL },
	{ "staff", "left_date=2015-08-31", "staff.left_date must not be before joined_date" },
	{ "staff", "left_date=2015-09-01", NULL },
	{ "school_class", "grade=0", "school_class.grade is required" },
	{ "school_class", "grade=13", "school_class.grade must be between 1 and 12" },
	{ "school_class", "grade=-1", "school_class.grade must be between 1 and 12" },
	{ "school_class", "grade=12", NULL },
	{ "school_class", "student_count=-1", "school_class.student_count must be >= 0" },
	{ "school_class", "closed_date=2023-08-31", "school_class.closed_date must not be before" },
	{ "meeting", "attendees=-1", "meeting.attendees must be >= 0" },
	{ "letter", "year=1999", "letter.year must be between 2000 and 2100" },
	{ "letter", "year=2101", "letter.year must be between 2000 and 2100" },
	{ "letter", "year=2100|signed_date=2100-01-01",
	  "letter.signed_date: 2100-01-01 is in the future" },
	{ "letter", "year=2024|signed_date=2026-01-01",
	  "letter.signed_date must be within a year" },
	{ "letter", "signed_date=2025-09-01", NULL },
	{ "letter", "counter_signer=Zhang Wei", "letter.counter_signer must not be the signer" },
	{ "education", "minutes=-5", "education.minutes must be between 1 and 600" },
	{ "education", "minutes=601", "education.minutes must be between 1 and 600" },
	{ "education", "minutes=1|slot=daily_1", NULL },
	{ "education", "school_class_id=not-a-uuid", "education.school_class_id: \"not-a-uuid\"" },
	{ "lecture", "attendees=-1", "lecture.attendees must be >= 0" },
	{ "drill", "evacuation_seconds=-1",
	  "drill.evacuation_seconds must be between 0 and 86400" },
	{ "drill", "evacuation_seconds=0", NULL },
	{ "drill", "student_count=-1", "drill.student_count must be >= 0" },
	{ "drill", "staff_count=-1", "drill.staff_count must be >= 0" },
	{ "drill", "segments=principal;parent",
	  "drill.segments: \"parent\" is not one of: "
	  "principal, teacher, student, other" },
	{ "drill", "segments=teacher;teacher", "drill.segments: \"teacher\" is listed twice" },
	{ "drill", "segments=teacher;;student", "drill.segments: empty entry" },
	{ "drill", "segments=student", NULL },
	{ "inspection", "hazards_found=-2", "inspection.hazards_found must be >= 0" },
	{ "linkage", "participants=-1", "linkage.participants must be >= 0" },
	{ "gate_duty", "parent_volunteers=-1", "gate_duty.parent_volunteers must be >= 0" },
	{ "gate_duty", "leader=|teacher=|guard=", "gate_duty.leader, teacher or guard" },
	{ "gate_duty", "leader=|teacher=", NULL },
	{ "gate_duty", "parent_volunteers=3|volunteers=张妈妈;李爸爸",
	  "gate_duty.parent_volunteers: 3, but volunteers names 2" },
	{ "gate_duty", "parent_volunteers=0|volunteers=张妈妈;李爸爸", NULL },
	{ "gate_duty", "parent_volunteers=2|volunteers=张妈妈;张妈妈",
	  "gate_duty.volunteers: \"张妈妈\" is listed twice" },
	{ "gate_duty", "parent_volunteers=2|volunteers=张妈妈;;李爸爸",
	  "gate_duty.volunteers: empty entry" },
	{ "gate_duty", "parent_volunteers=2|volunteers=张妈妈; ",
	  "gate_duty.volunteers: a blank name" },
	{ "gate_duty", "parent_volunteers=2|volunteers=张妈妈; 李爸爸",
	  "gate_duty.volunteers: \" 李爸爸\" has spaces around the name" },
	{ "bus", "seats=-1", "bus.seats must be between 1 and 100" },
	{ "bus", "seats=101", "bus.seats must be between 1 and 100" },
	{ "bus_rider", "student_ref=张小明", "bus_rider.student_ref must be a pseudonymous code" },
	{ "bus_rider", "student_ref=Li Ming", "bus_rider.student_ref must be a pseudonymous code" },
	{ "bus_trip", "boarded=-1", "bus_trip.boarded must be >= 0" },
	{ "bus_trip", "alighted=-1", "bus_trip.alighted must be >= 0" },
	{ "bus_trip", "boarded=30|alighted=31", NULL }, /* a mismatch is data, not an error */
	{ "bus_trip", "boarded=0|alighted=0", NULL },
	{ "equipment", "interval_days=-30", "equipment.interval_days must be >= 1" },
	{ "equipment", "next_due_date=2025-06-09",
	  "equipment.next_due_date must not be before "
	  "last_check_date" },
	{ "equipment", "last_check_date=2016-01-01",
	  "equipment.last_check_date must not be before" },
	{ "risk", "status=removed|planned_date=", NULL },
	{ "notice", "due_date=2026-03-15", "notice.due_date must not be before issue_date" },
	{ "notice", "due_date=2026-03-16", NULL },
	{ "notice", "targets=", NULL },
	{ "notice", "targets=sch-001;sch 2", "notice.targets: \"sch 2\" is not a school id" },
	{ "notice", "targets=sch-001;bureau", "notice.targets: \"bureau\" is not a school id" },
	{ "notice", "targets=sch-001;sch-001", "notice.targets: \"sch-001\" is listed twice" },
	{ "notice", "targets=sch-001;", "notice.targets: empty entry" },
	{ "notice_event",
	  "action=report|report_date=2026-04-01|channels=class_meeting;"
	  "parent_letter|evidence=photos of the meeting",
	  NULL },
	{ "notice_event", "action=report|channels=class_meeting|evidence=x",
	  "notice_event.report_date is required for a report" },
	{ "notice_event", "action=report|report_date=2026-04-01|evidence=x",
	  "notice_event.channels is required for a report" },
	{ "notice_event", "action=report|report_date=2026-04-01|channels=lecture",
	  "notice_event.evidence is required for a report" },
	{ "notice_event",
	  "action=report|report_date=2026-04-01|channels=class_meeting;sms|evidence=x",
	  "notice_event.channels: \"sms\" is not one of: class_meeting, class_group" },
	{ "notice_event", "action=report|report_date=2026-04-01|channels=CLASS_MEETING|evidence=x",
	  "notice_event.channels: \"CLASS_MEETING\" is not one of" },
	{ "notice_event", "report_date=2026-04-01",
	  "notice_event.report_date is only for a report" },
	{ "notice_event", "evidence=x", "notice_event.evidence is only for a report" },
	{ "notice_event", "at_ms=-1", "notice_event.at_ms: -1 is negative" },
	{ "calendar", "term_end_date=2026-08-31",
	  "calendar.term_end_date must not be before "
	  "term_start_date" },
	{ "calendar", "holidays=2026-10-01..2026-09-30",
	  "calendar.holidays: range "
	  "\"2026-10-01..2026-09-30\" ends before" },
	{ "calendar", "holidays=2026-10-01...2026-10-07",
	  "calendar.holidays: \"2026-10-01...2026-10-07\" "
	  "is not a date or a range" },
	{ "calendar", "holidays=2026-02-30",
	  "calendar.holidays: \"2026-02-30\" is not a real date" },
	{ "calendar", "holidays=2026-10-01..2026-10-32", "is not a date or a range" },
	{ "calendar", "holidays=2026-10-01..2026-10-01", NULL },
	{ "calendar", "makeup_days=2026-10-03",
	  "calendar.makeup_days: 2026-10-03 is also listed in "
	  "holidays" },
	{ "calendar", "makeup_days=2026-9-27",
	  "calendar.makeup_days: \"2026-9-27\" is not a real date" },
	{ "calendar", "makeup_days=2026-09-27..2026-09-28",
	  "calendar.makeup_days: "
	  "\"2026-09-27..2026-09-28\" is not a real date" },
	{ "calendar", "holidays=|makeup_days=", NULL },
	{ "visitor", "time_out_ms=1772429999999",
	  "visitor.time_out_ms must not be before "
	  "time_in_ms" },
	{ "visitor", "time_out_ms=0", NULL },
};

static void test_cross_field_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
		const struct rule_case *c = &rule_cases[i];
		Safecampus__Record *r = ks_make(c->kind, c->overrides);
		char why[256] = "";
		int rc = rules_check(r, why, sizeof why);

		if (!c->want && rc != 0)
			fail_msg("%s {%s}: refused: %s", c->kind, c->overrides, why);
		if (c->want && (rc != SC_EINVALID || !strstr(why, c->want)))
			fail_msg("%s {%s}: rc %d \"%s\", want \"%s\"", c->kind, c->overrides, rc,
				 why, c->want);
		kind_record_free(r);
	}
}

/* NaN and infinity cannot be typed but can arrive on the wire. */
static void test_non_finite_double(void **state)
{
	Safecampus__Record *r = ks_make("school_profile", NULL);
	char why[256] = "";

	(void)state;
	r->school_profile->site_area_m2 = NAN;
	assert_int_equal(rules_check(r, why, sizeof why), SC_EINVALID);
	assert_non_null(strstr(why, "school_profile.site_area_m2: not a finite number"));
	r->school_profile->site_area_m2 = INFINITY;
	assert_int_equal(rules_check(r, why, sizeof why), SC_EINVALID);
	r->school_profile->site_area_m2 = 1.5;
	assert_int_equal(rules_check(r, why, sizeof why), 0);
	kind_record_free(r);
}

/* Does why name kind.field (and not a longer field that starts so)? */
static bool names_field(const char *why, const struct kind *k, const char *field)
{
	char want[160];
	size_t n = (size_t)snprintf(want, sizeof want, "%s.%s", k->name, field);

	for (const char *c = strstr(why, want); c; c = strstr(c + 1, want))
		if (!((c[n] >= 'a' && c[n] <= 'z') || c[n] == '_' || (c[n] >= '0' && c[n] <= '9')))
			return true;
	return false;
}

/* Fields another field caps below their own max in the sample: the
 * sample's "1530" slot allows fewer minutes than a lesson's 600. */
static bool capped_by_another(const struct kind *k, const char *field)
{
	return strcmp(k->name, "education") == 0 && strcmp(field, "minutes") == 0;
}

static bool required_field(const struct kind *k, const char *field)
{
	const char *const *req;
	size_t n = rules_required(k->name, &req);

	for (size_t i = 0; i < n; i++)
		if (strcmp(req[i], field) == 0)
			return true;
	return false;
}

/* Is value v of k.field refused by the rules because of that field? */
static bool refused_for(const struct kind *k, const char *field, long long v)
{
	char over[128], why[256] = "";
	Safecampus__Record *r;
	bool refused;

	snprintf(over, sizeof over, "%s=%lld", field, v);
	r = ks_make(k->name, over);
	refused = rules_check(r, why, sizeof why) == SC_EINVALID && names_field(why, k, field);
	kind_record_free(r);
	return refused;
}

/* A form's number input carries the bounds of the kind table (kind_ops.bounds,
 * issue 12), which the rules check (check_bounds): refused just outside and
 * taken at the edge; a signed number field without bounds is one the rules
 * let go negative. What each bound is, rule_cases pins. */
static void test_number_bounds_are_the_rules(void **state)
{
	size_t checked = 0;

	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[j];
			const struct kind_bound *b = kind_field_bound(k, f->name);
			bool number = f->type == PROTOBUF_C_TYPE_INT32 ||
				      f->type == PROTOBUF_C_TYPE_SINT32 ||
				      f->type == PROTOBUF_C_TYPE_INT64 ||
				      f->type == PROTOBUF_C_TYPE_SINT64 ||
				      f->type == PROTOBUF_C_TYPE_DOUBLE ||
				      f->type == PROTOBUF_C_TYPE_FLOAT;
			/* a time in ms is a date picker's, not a number input's */
			if (!number || f->label == PROTOBUF_C_LABEL_REPEATED ||
			    (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || ends_with(f->name, "_ms")) {
				if (b)
					fail_msg("%s.%s: bounds on a field that is no number input",
						 k->name, f->name);
				continue;
			}
			checked++;
			if (!b) {
				if (refused_for(k, f->name, -1))
					fail_msg(
						"%s.%s: the rules refuse -1 but the kind table has "
						"no bounds",
						k->name, f->name);
				continue;
			}
			if (!refused_for(k, f->name, b->min - 1))
				fail_msg("%s.%s: %lld (below its min) is not refused", k->name,
					 f->name, b->min - 1);
			/* 0 in a required field is "missing", whatever its bounds */
			if (!(b->min == 0 && required_field(k, f->name)) &&
			    refused_for(k, f->name, b->min))
				fail_msg("%s.%s: its min %lld is refused", k->name, f->name,
					 b->min);
			if (b->max == KB_NO_MAX)
				continue;
			if (!refused_for(k, f->name, b->max + 1))
				fail_msg("%s.%s: %lld (above its max) is not refused", k->name,
					 f->name, b->max + 1);
			if (!capped_by_another(k, f->name) && refused_for(k, f->name, b->max))
				fail_msg("%s.%s: its max %lld is refused", k->name, f->name,
					 b->max);
		}
	}
	assert_true(checked >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_listed),
		cmocka_unit_test(test_valid_samples_pass),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_text_round_trip),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_sql_tables),
		cmocka_unit_test(test_cross_field_rules),
		cmocka_unit_test(test_non_finite_double),
		cmocka_unit_test(test_number_bounds_are_the_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
