/* The annual report's figures: one data table says what each section
 * counts, a generic pass over the store computes it (report.h). */
#include "report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kinds.h"

/* ---------------------------------------------------------------- the table */

/* How a figure is made from the records that pass its filters. */
enum report_agg {
	RA_COUNT,   /* how many records */
	RA_SUM,     /* the sum of a number field */
	RA_AVG,     /* its average over the records that have it (rounded) */
	RA_MIN,
	RA_MAX,
	RA_MONTHS,  /* distinct months of the date field */
	RA_GROUP,   /* a count per value of a field ("火灾 2 次、地震 1 次") */
	RA_LIST,    /* the distinct values of a text field */
};

/* One figure of one section. Filters name fields by their payload name;
 * "@status" is the status words the kind's table derives (kind_ops.h). */
struct report_def {
	const char *section;
	const char *kind;
	/* the date fields that place a record in the year (',' between
	 * alternatives: any of them in the year); NULL: every current record */
	const char *date;
	/* "field=v1|v2" (one of), "field!=v1|v2" (none of), "field=*" (not
	 * empty), "field=" (empty); ',' between fields: any of them matches */
	const char *match;
	enum report_agg agg;
	const char *field;        /* of RA_SUM .. RA_LIST */
	const char *fmt;          /* the clause, N_(), with one %s: the number or list */
	const char *item;         /* RA_GROUP: one group, N_(), "%s" label and "%u" count */
	bool sentence;            /* the clause starts a sentence */
};

struct report_sec_def {
	const char *key;
	const char *title;        /* N_() */
};

static const struct report_sec_def sec_defs[] = {
	{"profile", N_("School profile")},
	{"org", N_("Organisation and responsibility")},
	{"education", N_("Safety education")},
	{"drill", N_("Emergency drills")},
	{"hazard", N_("Inspections and rectification")},
	{"linkage", N_("Home, school and community")},
	{"gate", N_("Gate and school bus safety")},
	{"risk", N_("Known risks and next steps")},
};

#define S true
static const struct report_def defs[] = {
	{"profile", "school_profile", NULL, NULL, RA_SUM, "staff_count", N_("%s staff"), NULL, S},
	{"profile", "school_profile", NULL, NULL, RA_SUM, "class_count", N_("%s classes"), NULL, 0},
	{"profile", "school_profile", NULL, NULL, RA_SUM, "student_count", N_("%s students"), NULL, 0},
	{"profile", "school_profile", NULL, NULL, RA_SUM, "bus_riders",
	 N_("%s of them ride a school bus"), NULL, 0},

	{"org", "meeting", "meeting_date", NULL, RA_COUNT, NULL, N_("%s safety meetings were held"),
	 NULL, S},
	{"org", "meeting", "meeting_date", NULL, RA_GROUP, "type", N_("of which %s"),
	 N_("%s %u times"), 0},
	{"org", "policy", "effective_date,revised_date", NULL, RA_COUNT, NULL,
	 N_("%s rules, emergency plans and implementation plans were made or revised"), NULL, S},
	{"org", "policy", "effective_date,revised_date", NULL, RA_GROUP, "type", N_("of which %s"),
	 N_("%s %u items"), 0},
	{"org", "letter", "year", NULL, RA_COUNT, NULL,
	 N_("%s safety responsibility letters were signed"), NULL, S},
	{"org", "letter", "year", NULL, RA_GROUP, "level", N_("level by level: %s"),
	 N_("%s %u letters"), 0},
	{"org", "staff", NULL, "@status=current", RA_COUNT, NULL, N_("for %s current staff"), NULL, 0},

	{"education", "education", "session_date", NULL, RA_COUNT, NULL,
	 N_("%s \"1530\" safety education sessions were held"), NULL, S},
	{"education", "education", "session_date", NULL, RA_GROUP, "slot", N_("of which %s"),
	 N_("%s %u times"), 0},
	{"education", "education", "session_date", NULL, RA_SUM, "minutes",
	 N_("%s minutes in all"), NULL, 0},
	{"education", "education", "session_date", NULL, RA_GROUP, "topic", N_("on %s"),
	 N_("%s %u times"), S},
	{"education", "education", "session_date", NULL, RA_GROUP, "channel", N_("through %s"),
	 N_("%s %u times"), 0},
	{"education", "lecture", "lecture_date", NULL, RA_COUNT, NULL,
	 N_("%s safety and legal lectures were given"), NULL, S},
	{"education", "lecture", "lecture_date", NULL, RA_SUM, "attendees", N_("%s attendances"),
	 NULL, 0},
	{"education", "lecture", "lecture_date", NULL, RA_LIST, "speaker", N_("speakers: %s"), NULL, 0},
	{"education", "notice", "issue_date", NULL, RA_COUNT, NULL,
	 N_("%s notices from above were received"), NULL, S},
	{"education", "notice_event", "report_date", "action=report", RA_COUNT, NULL,
	 N_("%s implementation reports were filed"), NULL, 0},

	{"drill", "drill", "drill_date", NULL, RA_COUNT, NULL, N_("%s emergency drills were held"),
	 NULL, S},
	{"drill", "drill", "drill_date", NULL, RA_MONTHS, "drill_date", N_("in %s months of the year"),
	 NULL, 0},
	{"drill", "drill", "drill_date", NULL, RA_GROUP, "scenario", N_("of which %s"),
	 N_("%s %u times"), 0},
	{"drill", "drill", "drill_date", NULL, RA_SUM, "student_count",
	 N_("%s student participations"), NULL, S},
	{"drill", "drill", "drill_date", NULL, RA_SUM, "staff_count", N_("%s staff participations"),
	 NULL, 0},
	{"drill", "drill", "drill_date", NULL, RA_AVG, "evacuation_seconds",
	 N_("the average evacuation time was %s seconds"), NULL, S},
	{"drill", "drill", "drill_date", NULL, RA_MIN, "evacuation_seconds",
	 N_("the fastest %s seconds"), NULL, 0},
	{"drill", "drill", "drill_date", NULL, RA_MAX, "evacuation_seconds",
	 N_("the slowest %s seconds"), NULL, 0},
	{"drill", "drill", "drill_date", "plan_id,plan_ref=*", RA_COUNT, NULL,
	 N_("%s drills had a written plan"), NULL, S},
	{"drill", "drill", "drill_date", "feedback=*", RA_COUNT, NULL, N_("%s had feedback"), NULL, 0},

	{"hazard", "inspection", "inspection_date", NULL, RA_COUNT, NULL,
	 N_("%s inspections were carried out"), NULL, S},
	{"hazard", "inspection", "inspection_date", NULL, RA_GROUP, "level", N_("of which %s"),
	 N_("%s %u times"), 0},
	{"hazard", "inspection", "inspection_date", NULL, RA_GROUP, "focus", N_("covering %s"),
	 N_("%s %u times"), 0},
	{"hazard", "hazard", "found_date", NULL, RA_COUNT, NULL, N_("%s hazards were found"), NULL, S},
	{"hazard", "hazard", "found_date", NULL, RA_GROUP, "severity", N_("by severity: %s"),
	 N_("%s %u items"), 0},
	{"hazard", "hazard", "found_date", "@status=rectified|verified|closed", RA_COUNT, NULL,
	 N_("%s have been rectified"), NULL, S},
	{"hazard", "hazard", "found_date", "@status=verified|closed", RA_COUNT, NULL,
	 N_("%s verified"), NULL, 0},
	{"hazard", "hazard", "found_date", "@status=open", RA_COUNT, NULL, N_("%s are still open"),
	 NULL, 0},
	{"hazard", "hazard", "found_date", "@status=overdue", RA_COUNT, NULL,
	 N_("%s of them overdue"), NULL, 0},
	{"hazard", "equipment_check", "check_date", NULL, RA_COUNT, NULL,
	 N_("%s equipment checks were made"), NULL, S},
	{"hazard", "equipment_check", "check_date", "result=fault", RA_COUNT, NULL,
	 N_("%s found a fault"), NULL, 0},

	{"linkage", "linkage", "activity_date", NULL, RA_COUNT, NULL,
	 N_("%s joint activities were held with partners"), NULL, S},
	{"linkage", "linkage", "activity_date", NULL, RA_GROUP, "partner", N_("of which %s"),
	 N_("%s %u times"), 0},
	{"linkage", "linkage", "activity_date", NULL, RA_SUM, "participants", N_("%s participations"),
	 NULL, 0},
	{"linkage", "linkage", "activity_date", NULL, RA_LIST, "activity", N_("activities: %s"),
	 NULL, S},

	{"gate", "gate_duty", "duty_date", NULL, RA_COUNT, NULL,
	 N_("the gate duty post was staffed for %s shifts"), NULL, S},
	{"gate", "gate_duty", "duty_date", NULL, RA_GROUP, "shift", N_("of which %s"),
	 N_("%s %u shifts"), 0},
	{"gate", "gate_duty", "duty_date", NULL, RA_SUM, "parent_volunteers",
	 N_("%s parent volunteer turns"), NULL, 0},
	{"gate", "gate_duty", "duty_date", "incidents=*", RA_COUNT, NULL,
	 N_("%s shifts recorded an incident"), NULL, 0},
	{"gate", "bus", NULL, "inactive=", RA_COUNT, NULL, N_("%s school buses are in service"), NULL,
	 S},
	{"gate", "bus_rider", NULL, "inactive=", RA_COUNT, NULL,
	 N_("carrying %s registered riders"), NULL, 0},
	{"gate", "bus", NULL, "@status=inspection_overdue", RA_COUNT, NULL,
	 N_("%s with the vehicle inspection overdue"), NULL, 0},
	{"gate", "bus_trip", "trip_date", NULL, RA_COUNT, NULL, N_("%s bus trips were recorded"),
	 NULL, S},
	{"gate", "bus_trip", "trip_date", "@status=mismatch", RA_COUNT, NULL,
	 N_("%s with boarded and alighted counts that differ"), NULL, 0},

	{"risk", "risk", NULL, "status!=removed", RA_COUNT, NULL, N_("%s known risks remain"), NULL,
	 S},
	{"risk", "risk", NULL, "status!=removed", RA_LIST, "title", N_("namely %s"), NULL, 0},
	{"risk", "risk", NULL, "status!=removed", RA_LIST, "mitigation",
	 N_("what reduces them now: %s"), NULL, S},
	{"risk", "risk", NULL, "status!=removed", RA_LIST, "plan", N_("the plan: %s"), NULL, S},
	{"risk", "hazard", NULL, "@status=open", RA_LIST, "title", N_("hazards still open: %s"), NULL,
	 S},
	{"risk", "equipment", NULL, "@status=overdue", RA_COUNT, NULL,
	 N_("%s equipment checks are overdue"), NULL, S},
};
#undef S

/* the school's name for the title */
static const char name_kind[] = "school_profile", name_field[] = "name";

#define NSEC (sizeof sec_defs / sizeof sec_defs[0])
#define NDEF (sizeof defs / sizeof defs[0])
#define LIST_MAX 12 /* values a list names before "..." */

/* ---------------------------------------------------------------- filters */

static const char *field_text(const struct kind *k, const ProtobufCMessage *m, const char *name,
			      char *buf, size_t n)
{
	const ProtobufCFieldDescriptor *f = kind_field(k, name);
	char *t;

	buf[0] = '\0';
	if (!f || !(t = kind_field_get(m, f)))
		return buf;
	snprintf(buf, n, "%s", t);
	free(t);
	return buf;
}

/* Is `value` one of the '|'-separated alternatives? */
static bool one_of(const char *alts, const char *value)
{
	size_t vl = strlen(value);

	for (const char *a = alts;; a++) {
		size_t l = strcspn(a, "|");
		if (l == vl && strncmp(a, value, l) == 0)
			return true;
		a += l;
		if (!*a)
			return false;
	}
}

struct pass {
	const struct report_def *d;
	const struct kind *k;
	const struct kind_env *env;
	const char *scope;
	char year[5];
	int rc;
	/* what the records passed */
	char (*ids)[37];
	size_t nids, cap;
	double sum, min, max;
	size_t nval;
	struct group {
		char key[256];
		unsigned n;
	} *g;
	size_t ng, gcap;
};

static bool in_year(const struct pass *x, const ProtobufCMessage *m)
{
	char v[64];

	if (!x->d->date)
		return true;
	for (const char *a = x->d->date; *a;) {
		size_t l = strcspn(a, ",");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(l < 63 ? l : 63), a);
		field_text(x->k, m, name, v, sizeof v);
		if (strncmp(v, x->year, 4) == 0 && (v[4] == '\0' || v[4] == '-'))
			return true;
		a += l;
		if (*a)
			a++;
	}
	return false;
}

static int matches(struct pass *x, const Safecampus__Record *r, const ProtobufCMessage *m,
		   bool *ok)
{
	const char *spec = x->d->match, *eq;
	char fields[128], v[256];
	bool neg;

	*ok = true;
	if (!spec)
		return 0;
	eq = strchr(spec, '=');
	if (!eq)
		return 0;
	neg = eq > spec && eq[-1] == '!';
	snprintf(fields, sizeof fields, "%.*s", (int)(eq - spec - neg), spec);
	*ok = false;
	for (char *save = NULL, *f = strtok_r(fields, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		bool hit;
		if (strcmp(f, "@status") == 0) {
			struct kind_derived dv;
			int rc = kind_derive(x->env, r, x->env->today, &dv);
			if (rc)
				return rc;
			hit = false;
			for (const char *a = eq + 1; *a;) {
				size_t l = strcspn(a, "|");
				char w[64];
				snprintf(w, sizeof w, "%.*s", (int)(l < 63 ? l : 63), a);
				hit |= kind_status_has(dv.status, w);
				a += l;
				if (*a)
					a++;
			}
		} else {
			field_text(x->k, m, f, v, sizeof v);
			hit = strcmp(eq + 1, "*") == 0 ? v[0] != '\0' : one_of(eq + 1, v);
		}
		if (hit != neg) {
			*ok = true;
			return 0;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- one figure */

void report_subst(FILE *f, const char *fmt, const char *s, const char *u)
{
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && (p[1] == 's' || p[1] == 'u')) {
			fputs(p[1] == 's' ? (s ? s : "") : (u ? u : ""), f);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			fputc('%', f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
}

static int add_id(struct pass *x, const char *id)
{
	if (x->nids == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		char(*more)[37] = realloc(x->ids, cap * sizeof *more);
		if (!more)
			return -ENOMEM;
		x->ids = more;
		x->cap = cap;
	}
	snprintf(x->ids[x->nids++], 37, "%s", id);
	return 0;
}

static int add_group(struct pass *x, const char *key)
{
	for (size_t i = 0; i < x->ng; i++)
		if (strcmp(x->g[i].key, key) == 0) {
			x->g[i].n++;
			return 0;
		}
	if (x->ng == x->gcap) {
		size_t cap = x->gcap ? 2 * x->gcap : 8;
		struct group *more = realloc(x->g, cap * sizeof *more);
		if (!more)
			return -ENOMEM;
		x->g = more;
		x->gcap = cap;
	}
	snprintf(x->g[x->ng].key, sizeof x->g->key, "%s", key);
	x->g[x->ng++].n = 1;
	return 0;
}

static int each_cb(void *arg, const Safecampus__Record *r)
{
	struct pass *x = arg;
	const ProtobufCMessage *m = kind_payload(r);
	char v[256];
	bool ok;
	int rc;

	if (r->deleted || !m || kind_of(r) != x->k)
		return 0;
	if (x->scope && *x->scope && !kind_reaches(r, x->scope))
		return 0;
	if (!in_year(x, m))
		return 0;
	rc = matches(x, r, m, &ok);
	if (rc || !ok)
		goto out;
	if (x->d->field)
		field_text(x->k, m, x->d->field, v, sizeof v);
	switch (x->d->agg) {
	case RA_COUNT:
		break;
	case RA_SUM:
	case RA_AVG:
	case RA_MIN:
	case RA_MAX: {
		char *end;
		double d = strtod(v, &end);
		if (!v[0] || *end || (x->d->agg != RA_SUM && d == 0))
			return 0; /* not recorded: no part of an average */
		x->min = x->nval == 0 || d < x->min ? d : x->min;
		x->max = x->nval == 0 || d > x->max ? d : x->max;
		x->sum += d;
		x->nval++;
		break;
	}
	case RA_MONTHS:
		if (strlen(v) < 7)
			return 0;
		v[7] = '\0';
		rc = add_group(x, v);
		break;
	case RA_GROUP:
	case RA_LIST:
		if (!v[0])
			return 0;
		rc = add_group(x, v);
		break;
	}
	if (rc == 0)
		rc = add_id(x, r->id);
out:
	if (rc) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->key, y->key);
}

/* The clause's value as text: a number, or the groups/values joined. */
static int value_text(struct pass *x, struct report_fig *fig, char **out)
{
	const struct report_def *d = x->d;
	struct {
		char *s;
		size_t len;
	} b = {NULL, 0};
	FILE *f = open_memstream(&b.s, &b.len);

	*out = NULL;
	if (!f)
		return -ENOMEM;
	fig->numeric = d->agg <= RA_MONTHS;
	switch (d->agg) {
	case RA_COUNT:
		fig->value = (double)x->nids;
		break;
	case RA_SUM:
		fig->value = x->sum;
		break;
	case RA_AVG:
		fig->value = x->nval ? x->sum / (double)x->nval : 0;
		break;
	case RA_MIN:
		fig->value = x->min;
		break;
	case RA_MAX:
		fig->value = x->max;
		break;
	case RA_MONTHS:
		fig->value = (double)x->ng;
		break;
	case RA_GROUP:
	case RA_LIST:
		if (d->agg == RA_GROUP)
			qsort(x->g, x->ng, sizeof *x->g, by_count);
		for (size_t i = 0; i < x->ng; i++) {
			if (i)
				fputs(_(", "), f); /* 、 in Chinese */
			if (d->agg == RA_LIST && i == LIST_MAX) {
				fputs(_("..."), f);
				break;
			}
			if (d->agg == RA_GROUP) {
				const char *l = kind_enum_label_tr(x->k, d->field, x->g[i].key);
				char num[16];
				snprintf(num, sizeof num, "%u", x->g[i].n);
				report_subst(f, _(d->item), l ? l : x->g[i].key, num);
			} else {
				fputs(x->g[i].key, f);
			}
		}
		break;
	}
	if (fig->numeric)
		fprintf(f, "%.0f", fig->value);
	if (fclose(f) != 0 || !b.s) {
		free(b.s);
		return -ENOMEM;
	}
	*out = b.s;
	return 0;
}

/* Computes fig from def d. Leaves fig->text NULL when there is nothing to
 * say (an empty list, an average of nothing). */
static int figure(const struct kind_env *env, const struct report_def *d, int year,
		  const char *scope, struct report_fig *fig)
{
	struct pass x = {.d = d, .env = env, .scope = scope, .k = kind_by_name(d->kind)};
	char *val = NULL;
	int rc;

	if (!x.k)
		return SC_EINVALID; /* the table names a kind the build lacks: a bug */
	snprintf(x.year, sizeof x.year, "%04d", year);
	rc = env->each(env->ctx, d->kind, each_cb, &x);
	if (x.rc)
		rc = x.rc;
	if (rc)
		goto out;
	fig->kind = d->kind;
	fig->fmt = _(d->fmt);
	fig->sentence = d->sentence;
	if (((d->agg == RA_GROUP || d->agg == RA_LIST) && x.ng == 0) ||
	    ((d->agg == RA_AVG || d->agg == RA_MIN || d->agg == RA_MAX) && x.nval == 0))
		goto out;
	rc = value_text(&x, fig, &val);
	if (rc)
		goto out;
	{
		size_t len = 0;
		FILE *f = open_memstream(&fig->text, &len);
		if (!f) {
			rc = -ENOMEM;
			goto out;
		}
		report_subst(f, fig->fmt, val, NULL);
		if (fclose(f) != 0 || !fig->text) {
			free(fig->text);
			fig->text = NULL;
			rc = -ENOMEM;
			goto out;
		}
	}
	fig->ids = x.ids;
	fig->nids = x.nids;
	x.ids = NULL;
out:
	free(val);
	free(x.ids);
	free(x.g);
	return rc;
}

/* ---------------------------------------------------------------- the report */

const char *report_sep(bool sentence)
{
	/* a clause's comma is ， in Chinese, unlike a list's 、 (plain ", ") */
	return sentence ? _(". ") : i18n_pgettext("report-clause", NC_("report-clause", ", "));
}

void report_section_write(FILE *f, const struct report_section *s, unsigned *note)
{
	bool open = false;

	for (size_t i = 0; i < s->nfigs; i++) {
		if (!s->figs[i].text)
			continue;
		if (open)
			fputs(report_sep(s->figs[i].sentence), f);
		fputs(s->figs[i].text, f);
		if (note)
			fprintf(f, "[%u]", ++*note);
		open = true;
	}
	if (open)
		fputs(_(".\n"), f);
	else
		fputs(_("No records of this work for the year.\n"), f);
}

/* The paragraph: clauses joined, sentences ended. */
static int paragraph(struct report_section *s)
{
	char *b = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&b, &len);

	if (!f)
		return -ENOMEM;
	report_section_write(f, s, NULL);
	if (fclose(f) != 0 || !b) {
		free(b);
		return -ENOMEM;
	}
	s->text = b;
	return 0;
}

struct name_pass {
	const char *scope;
	char *name;
};

static int name_cb(void *arg, const Safecampus__Record *r)
{
	struct name_pass *x = arg;
	const struct kind *k = kind_of(r);
	const ProtobufCMessage *m = kind_payload(r);
	char v[256];

	if (r->deleted || !k || !m || (x->scope && *x->scope && !kind_reaches(r, x->scope)))
		return 0;
	field_text(k, m, name_field, v, sizeof v);
	if (!v[0])
		return 0;
	free(x->name);
	x->name = strdup(v); /* the newest profile wins */
	return 0;
}

int report_build(const struct kind_env *env, int year, const char *scope, struct report **out)
{
	struct report *r = calloc(1, sizeof *r);
	int rc = 0;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->year = year;
	snprintf(r->scope, sizeof r->scope, "%s", scope ? scope : "");
	r->sec = calloc(NSEC, sizeof *r->sec);
	if (!r->sec) {
		rc = -ENOMEM;
		goto out;
	}
	r->nsec = NSEC;
	if (r->scope[0]) {
		struct name_pass np = {.scope = r->scope};
		rc = env->each(env->ctx, name_kind, name_cb, &np);
		r->name = np.name;
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < NSEC; i++) {
		struct report_section *s = &r->sec[i];
		size_t n = 0;
		s->key = sec_defs[i].key;
		s->title = _(sec_defs[i].title);
		for (size_t j = 0; j < NDEF; j++)
			n += strcmp(defs[j].section, s->key) == 0;
		s->figs = calloc(n ? n : 1, sizeof *s->figs);
		if (!s->figs) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < NDEF; j++) {
			if (strcmp(defs[j].section, s->key) != 0)
				continue;
			rc = figure(env, &defs[j], year, r->scope, &s->figs[s->nfigs++]);
			if (rc)
				goto out;
		}
		rc = paragraph(s);
		if (rc)
			goto out;
	}
out:
	if (rc)
		report_free(r);
	else
		*out = r;
	return rc;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsec; i++) {
		for (size_t j = 0; j < r->sec[i].nfigs; j++) {
			free(r->sec[i].figs[j].text);
			free(r->sec[i].figs[j].ids);
		}
		free(r->sec[i].figs);
		free(r->sec[i].text);
	}
	free(r->sec);
	free(r->name);
	free(r);
}

/* ---------------------------------------------------------------- schools */

struct schools_pass {
	char (*v)[64];
	size_t n, cap;
	int rc;
};

static int school_cb(void *arg, const Safecampus__Record *r)
{
	struct schools_pass *x = arg;
	const char *s = r->school ? r->school : "";

	if (!*s)
		return 0; /* the bureau's own records (notices) belong to no school */
	for (size_t i = x->n; i-- > 0;)
		if (strcmp(x->v[i], s) == 0)
			return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		char(*more)[64] = realloc(x->v, cap * sizeof *more);
		if (!more) {
			x->rc = -ENOMEM;
			return 1;
		}
		x->v = more;
		x->cap = cap;
	}
	snprintf(x->v[x->n++], 64, "%s", s);
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	return strcmp(a, b);
}

int report_schools(const struct kind_env *env, char (**out)[64], size_t *n)
{
	struct schools_pass x = {0};
	int rc = env->each(env->ctx, NULL, school_cb, &x);

	if (x.rc)
		rc = x.rc;
	if (rc) {
		free(x.v);
		*out = NULL;
		*n = 0;
		return rc;
	}
	qsort(x.v, x.n, sizeof *x.v, cmp64);
	*out = x.v;
	*n = x.n;
	return 0;
}

int report_parse_year(const char *s, int *year)
{
	char *end;
	long y;

	if (!s || !*s)
		return SC_EINVALID;
	y = strtol(s, &end, 10);
	if (*end || y < 2000 || y > 2100)
		return SC_EINVALID;
	*year = (int)y;
	return 0;
}
