/* The annual report's figures: one data table says what each section
 * counts (report_defs.c), a generic scan of the store computes it
 * (report.h). Each kind's records are read once for all the figures and
 * all the scopes asked for (the district and every school), so the bureau's
 * report costs one pass over its store, not one per figure and school. */
#include "report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kinds.h"
#include "report_int.h"

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
	/* a copy, not snprintf: this runs for every figure of every record */
	size_t l = strlen(t);
	if (l >= n)
		l = n - 1;
	memcpy(buf, t, l);
	buf[l] = '\0';
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

static bool in_year(const struct report_def *d, const struct kind *k, const ProtobufCMessage *m,
		    const char *year)
{
	char v[64];

	if (!d->date)
		return true;
	for (const char *a = d->date; *a;) {
		size_t l = strcspn(a, ",");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(l < 63 ? l : 63), a);
		field_text(k, m, name, v, sizeof v);
		if (strncmp(v, year, 4) == 0 && (v[4] == '\0' || v[4] == '-'))
			return true;
		a += l;
		if (*a)
			a++;
	}
	return false;
}

/* What one record of the kind being scanned needs only once: its derived
 * status words, made when a filter first asks. */
struct rec {
	const Safecampus__Record *r;
	const ProtobufCMessage *m;
	const struct kind *k;
	const struct kind_env *env;
	struct kind_derived dv;
	bool have_dv;
};

static int matches(struct rec *x, const char *spec, bool *ok)
{
	const char *eq;
	char fields[128], v[256];
	bool neg;

	*ok = true;
	if (!spec || !(eq = strchr(spec, '=')))
		return 0;
	neg = eq > spec && eq[-1] == '!';
	snprintf(fields, sizeof fields, "%.*s", (int)(eq - spec - neg), spec);
	*ok = false;
	for (char *save = NULL, *f = strtok_r(fields, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		bool hit = false;
		if (strcmp(f, "@status") == 0) {
			if (!x->have_dv) {
				int rc = kind_derive(x->env, x->r, x->env->today, &x->dv);
				if (rc)
					return rc;
				x->have_dv = true;
			}
			for (const char *a = eq + 1; *a;) {
				size_t l = strcspn(a, "|");
				char w[64];
				snprintf(w, sizeof w, "%.*s", (int)(l < 63 ? l : 63), a);
				hit |= kind_status_has(x->dv.status, w);
				a += l;
				if (*a)
					a++;
			}
		} else {
			field_text(x->k, x->m, f, v, sizeof v);
			hit = strcmp(eq + 1, "*") == 0 ? v[0] != '\0' : one_of(eq + 1, v);
		}
		if (hit != neg) {
			*ok = true;
			return 0;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- gathering */

struct group {
	char key[256];
	unsigned n;
};

/* What one figure gathered for one scope. */
struct acc {
	char (*ids)[37];
	size_t nids, cap;
	double sum, min, max;
	size_t nval;
	struct group *g;
	size_t ng, gcap;
};

static void acc_free(struct acc *a)
{
	free(a->ids);
	free(a->g);
}

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

static int add_id(struct acc *x, const char *id)
{
	if (x->nids == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		char(*more)[37] = realloc(x->ids, cap * sizeof *more);
		if (!more)
			return -ENOMEM;
		x->ids = more;
		x->cap = cap;
	}
	/* ids are 36 characters; a copy, not snprintf (every record counted) */
	size_t l = strnlen(id, 36);
	memcpy(x->ids[x->nids], id, l);
	x->ids[x->nids++][l] = '\0';
	return 0;
}

static int add_group(struct acc *x, const char *key)
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

/* What a record gives a figure: nothing, itself (a count), a number or a key. */
enum give { G_NONE, G_COUNT, G_NUM, G_KEY };

static enum give contribution(const struct report_def *d, struct rec *x, double *num, char *key,
			      size_t n)
{
	char *end;

	if (d->field)
		field_text(x->k, x->m, d->field, key, n);
	switch (d->agg) {
	case RA_COUNT:
		return G_COUNT;
	case RA_SUM:
	case RA_AVG:
	case RA_MIN:
	case RA_MAX:
		*num = strtod(key, &end);
		/* not recorded (0 is "unset" in the payload): no part of an average */
		if (!key[0] || *end || (d->agg != RA_SUM && *num == 0))
			return G_NONE;
		return G_NUM;
	case RA_MONTHS:
		if (strlen(key) < 7)
			return G_NONE;
		key[7] = '\0';
		return G_KEY;
	case RA_GROUP:
	case RA_LIST:
		return key[0] ? G_KEY : G_NONE;
	}
	return G_NONE;
}

static int acc_add(struct acc *a, enum give g, double num, const char *key, const char *id)
{
	int rc = 0;

	if (g == G_NUM) {
		a->min = a->nval == 0 || num < a->min ? num : a->min;
		a->max = a->nval == 0 || num > a->max ? num : a->max;
		a->sum += num;
		a->nval++;
	} else if (g == G_KEY) {
		rc = add_group(a, key);
	}
	return rc ? rc : add_id(a, id);
}

/* One kind's scan: the figures of that kind, for every scope. */
struct scan {
	const struct kind_env *env;
	const struct kind *k;
	char year[5];
	const char *const *scopes;
	size_t nscopes;
	bool *reach;     /* [nscopes]: the record being read counts for scope s */
	struct acc *acc; /* [def * nscopes + scope] */
	size_t *defs;    /* the defs of this kind, by index */
	size_t ndefs;
	int rc;
};

static int scan_cb(void *arg, const Safecampus__Record *r)
{
	struct scan *x = arg;
	struct rec rec = { .r = r, .m = kind_payload(r), .k = x->k, .env = x->env };
	bool any = false;
	int rc = 0;

	if (r->deleted || !rec.m || kind_of(r) != x->k)
		return 0;
	for (size_t s = 0; s < x->nscopes; s++) {
		x->reach[s] = !*x->scopes[s] || kind_reaches(r, x->scopes[s]);
		any |= x->reach[s];
	}
	if (!any)
		return 0;
	for (size_t j = 0; j < x->ndefs && rc == 0; j++) {
		size_t i = x->defs[j];
		const struct report_def *d = &report_defs[i];
		char key[256];
		double num = 0;
		enum give g;
		bool ok;
		if (!in_year(d, x->k, rec.m, x->year))
			continue;
		rc = matches(&rec, d->match, &ok);
		if (rc || !ok)
			continue;
		g = contribution(d, &rec, &num, key, sizeof key);
		for (size_t s = 0; g != G_NONE && s < x->nscopes && rc == 0; s++)
			if (x->reach[s])
				rc = acc_add(&x->acc[i * x->nscopes + s], g, num, key, r->id);
	}
	if (rc) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- figures */

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->key, y->key);
}

/* The clause's value as text: a number, or the groups/values joined. */
static int value_text(const struct report_def *d, const struct kind *k, struct acc *x,
		      struct report_fig *fig, char **out)
{
	struct {
		char *s;
		size_t len;
	} b = { NULL, 0 };
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
				fputs(d->agg == RA_LIST && d->item
					      ? i18n_pgettext("report-sep", d->item)
					      : _(", "),
				      f); /* 、 in Chinese */
			if (d->agg == RA_LIST && i == LIST_MAX) {
				fputs(_("..."), f);
				break;
			}
			if (d->agg == RA_GROUP) {
				const char *l = kind_enum_label_tr(k, d->field, x->g[i].key);
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

/* Makes fig from what def d gathered (taking its ids). Leaves fig->text
 * NULL when there is nothing to say (an empty list, an average of nothing). */
static int figure(const struct report_def *d, struct acc *x, struct report_fig *fig)
{
	const struct kind *k = kind_by_name(d->kind);
	char *val = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	fig->kind = d->kind;
	fig->fmt = _(d->fmt);
	fig->sentence = d->sentence;
	if (((d->agg == RA_GROUP || d->agg == RA_LIST) && x->ng == 0) ||
	    ((d->agg == RA_AVG || d->agg == RA_MIN || d->agg == RA_MAX) && x->nval == 0))
		return 0;
	rc = value_text(d, k, x, fig, &val);
	if (rc)
		return rc;
	f = open_memstream(&fig->text, &len);
	if (!f) {
		free(val);
		return -ENOMEM;
	}
	report_subst(f, fig->fmt, val, NULL);
	free(val);
	if (fclose(f) != 0 || !fig->text) {
		free(fig->text);
		fig->text = NULL;
		return -ENOMEM;
	}
	fig->ids = x->ids;
	fig->nids = x->nids;
	x->ids = NULL;
	return 0;
}

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
	const char *const *scopes;
	size_t nscopes;
	struct report **out;
	int rc;
};

static int name_cb(void *arg, const Safecampus__Record *r)
{
	struct name_pass *x = arg;
	const struct kind *k = kind_of(r);
	const ProtobufCMessage *m = kind_payload(r);
	char v[256];

	if (r->deleted || !k || !m)
		return 0;
	field_text(k, m, report_name_field, v, sizeof v);
	for (size_t s = 0; v[0] && s < x->nscopes; s++) {
		char *dup;
		if (!*x->scopes[s] || !kind_reaches(r, x->scopes[s]))
			continue;
		if (!(dup = strdup(v))) {
			x->rc = -ENOMEM;
			return 1;
		}
		free(x->out[s]->name);
		x->out[s]->name = dup; /* the newest profile wins */
	}
	return 0;
}

struct one_name {
	const char *school;
	char *out;
	size_t n;
};

static int one_name_cb(void *arg, const Safecampus__Record *r)
{
	struct one_name *x = arg;
	const struct kind *k = kind_of(r);
	const ProtobufCMessage *m = kind_payload(r);
	char v[256];

	if (r->deleted || !k || !m || !kind_reaches(r, x->school))
		return 0;
	field_text(k, m, report_name_field, v, sizeof v);
	if (v[0])
		snprintf(x->out, x->n, "%s", v); /* oldest first: the newest wins */
	return 0;
}

int report_school_name(const struct kind_env *env, const char *school, char *out, size_t n)
{
	struct one_name x = { .school = school, .out = out, .n = n };

	if (n)
		out[0] = '\0';
	if (!school || !*school || !n)
		return 0;
	return env->each(env->ctx, report_name_kind, one_name_cb, &x);
}

/* The empty reports, one per scope, with their sections. */
static int reports_new(int year, const char *const *scopes, size_t n, struct report **out)
{
	for (size_t s = 0; s < n; s++) {
		struct report *r = calloc(1, sizeof *r);
		if (!r)
			return -ENOMEM;
		out[s] = r;
		r->year = year;
		snprintf(r->scope, sizeof r->scope, "%s", scopes[s] ? scopes[s] : "");
		r->sec = calloc(report_nsec, sizeof *r->sec);
		if (!r->sec)
			return -ENOMEM;
		r->nsec = report_nsec;
		for (size_t i = 0; i < report_nsec; i++) {
			struct report_section *sec = &r->sec[i];
			size_t nf = 0;
			sec->key = report_sec_defs[i].key;
			sec->title = _(report_sec_defs[i].title);
			for (size_t j = 0; j < report_ndefs; j++)
				nf += strcmp(report_defs[j].section, sec->key) == 0;
			sec->figs = calloc(nf ? nf : 1, sizeof *sec->figs);
			if (!sec->figs)
				return -ENOMEM;
		}
	}
	return 0;
}

int report_build_many(const struct kind_env *env, int year, const char *const *scopes, size_t n,
		      struct report **out)
{
	const char **sc = NULL;
	struct acc *acc = NULL;
	bool *reach = NULL;
	size_t *defs = NULL;
	int rc;

	memset(out, 0, n * sizeof *out);
	if (n == 0)
		return 0;
	acc = calloc(report_ndefs * n, sizeof *acc);
	reach = calloc(n, sizeof *reach);
	defs = calloc(report_ndefs, sizeof *defs);
	sc = calloc(n, sizeof *sc);
	for (size_t s = 0; sc && s < n; s++)
		sc[s] = scopes[s] ? scopes[s] : ""; /* NULL: the district */
	scopes = sc;
	rc = acc && reach && sc && defs ? reports_new(year, scopes, n, out) : -ENOMEM;
	/* each kind the table names, once, in table order */
	for (size_t i = 0; rc == 0 && i < report_ndefs; i++) {
		struct scan x = { .env = env,
				  .scopes = scopes,
				  .nscopes = n,
				  .reach = reach,
				  .acc = acc,
				  .defs = defs };
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(report_defs[j].kind, report_defs[i].kind) == 0;
		if (seen)
			continue;
		x.k = kind_by_name(report_defs[i].kind);
		if (!x.k) {
			rc = SC_EINVALID; /* the table names a kind this build lacks: a bug */
			break;
		}
		snprintf(x.year, sizeof x.year, "%04d", year);
		for (size_t j = i; j < report_ndefs; j++)
			if (strcmp(report_defs[j].kind, x.k->name) == 0)
				defs[x.ndefs++] = j;
		rc = env->each(env->ctx, x.k->name, scan_cb, &x);
		if (x.rc)
			rc = x.rc;
	}
	if (rc == 0) {
		struct name_pass np = { .scopes = scopes, .nscopes = n, .out = out };
		rc = env->each(env->ctx, report_name_kind, name_cb, &np);
		if (np.rc)
			rc = np.rc;
	}
	for (size_t s = 0; rc == 0 && s < n; s++)
		for (size_t i = 0; rc == 0 && i < report_nsec; i++) {
			struct report_section *sec = &out[s]->sec[i];
			for (size_t j = 0; rc == 0 && j < report_ndefs; j++)
				if (strcmp(report_defs[j].section, sec->key) == 0)
					rc = figure(&report_defs[j], &acc[j * n + s],
						    &sec->figs[sec->nfigs++]);
			if (rc == 0)
				rc = paragraph(sec);
		}
	for (size_t i = 0; acc && i < report_ndefs * n; i++)
		acc_free(&acc[i]);
	free(acc);
	free(reach);
	free(sc);
	free(defs);
	if (rc)
		for (size_t s = 0; s < n; s++) {
			report_free(out[s]);
			out[s] = NULL;
		}
	return rc;
}

int report_build(const struct kind_env *env, int year, const char *scope, struct report **out)
{
	const char *scopes[] = { scope ? scope : "" };

	return report_build_many(env, year, scopes, 1, out);
}

int report_build_district(const struct kind_env *env, int year, struct report **district,
			  struct report ***schools, size_t *nschools)
{
	char(*ids)[64] = NULL;
	const char **scopes = NULL;
	struct report **all = NULL;
	size_t n = 0;
	int rc = report_schools(env, &ids, &n);

	*district = NULL;
	*schools = NULL;
	*nschools = 0;
	if (rc)
		return rc;
	scopes = calloc(n + 1, sizeof *scopes);
	all = calloc(n + 1, sizeof *all);
	if (!scopes || !all) {
		rc = -ENOMEM;
		goto out;
	}
	scopes[0] = "";
	for (size_t i = 0; i < n; i++)
		scopes[i + 1] = ids[i];
	rc = report_build_many(env, year, scopes, n + 1, all);
	if (rc)
		goto out;
	*district = all[0];
	*schools = malloc((n ? n : 1) * sizeof **schools);
	if (!*schools) {
		for (size_t i = 0; i <= n; i++)
			report_free(all[i]);
		*district = NULL;
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*schools, all + 1, n * sizeof *all);
	*nschools = n;
out:
	free(ids);
	free(scopes);
	free(all);
	return rc;
}

void report_free_many(struct report **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		report_free(v[i]);
	free(v);
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
	struct schools_pass x = { 0 };
	int rc;

	if (env->schools)
		return env->schools(env->ctx, out, n);
	rc = env->each(env->ctx, NULL, school_cb, &x);

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
