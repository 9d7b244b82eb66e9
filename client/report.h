/* The annual safe-campus work summary (平安校园工作总结): the document a
 * school submits for the city's designation, drafted from the year's records
 * in the local store, in the sections such reports have (organisation and
 * responsibility, safety education, drills, inspections and rectification,
 * partner linkage, gate and bus safety, known risks).
 *
 * Every figure is a clause of the draft ("共开展应急演练 3 次") computed from
 * the records of one kind and carrying the ids of the records behind it, so
 * a renderer can link each figure to them (the browser: /r/ID; text: a
 * footnote). What each section says is ONE data table in report.c; the
 * computation is generic over it (descriptor-driven field access and the kind
 * table's status words). Nothing here prints: the command line
 * (cmd/report.c, report_out.c) and the browser (web/web_report.c) render it. */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "kind_ops.h"

/** One figure: a clause of the draft and the records it was computed from. */
struct report_fig {
	const char *kind; /* the kind of the records behind it */
	char *text;       /* the clause, in the language in force; NULL: nothing
				  * to say (an empty list), not shown */
	const char *fmt;  /* the clause's format (one %s), translated */
	bool sentence;    /* starts a new sentence */
	bool numeric;     /* value is a number (not a list) */
	double value;     /* the number, for the district's per-school table */
	char (*ids)[37];  /* the records behind it */
	size_t nids;
};

struct report_section {
	const char *key;   /* "drill": form field names, the edits' key */
	const char *title; /* for people, in the language in force */
	struct report_fig *figs;
	size_t nfigs;
	char *text; /* the generated paragraph: the clauses joined */
};

struct report {
	int year;
	char scope[64]; /* the school, "" for all the schools (the district) */
	char *name;     /* the school's name from its profile, or NULL */
	struct report_section *sec;
	size_t nsec;
};

/** Builds the report of year for scope (a school; NULL or "" for every school
 * the store holds) from the records env reads. *out owned by the caller
 * (report_free). 0 or a negative code (env's, -ENOMEM). */
SC_WUR int report_build(const struct kind_env *env, int year, const char *scope,
			struct report **out);
void report_free(struct report *r);
/** The reports of n scopes at once (out[n], each owned by the caller), from
 * ONE read of the store: what the bureau needs for the district and every
 * school. 0 or a negative code (then out[] is all NULL). */
SC_WUR int report_build_many(const struct kind_env *env, int year, const char *const *scopes,
			     size_t n, struct report **out);
/** The district's report (*district) and one per school whose records the
 * store holds (*schools, *nschools of them, sorted by school; freed with
 * report_free_many), from one read of the store. */
SC_WUR int report_build_district(const struct kind_env *env, int year, struct report **district,
				 struct report ***schools, size_t *nschools);
/** Frees n reports and the array. */
void report_free_many(struct report **v, size_t n);

/** The schools whose records the store holds, sorted (*out malloc'd, the
 * caller frees it): for the bureau's per-school figures. */
SC_WUR int report_schools(const struct kind_env *env, char (**out)[64], size_t *n);
/** The name of school from its newest profile record (the one a report's
 * title shows) into out, "" if none is held; 0 or a negative code from env. */
SC_WUR int report_school_name(const struct kind_env *env, const char *school, char *out, size_t n);

/** Writes fmt with its "%s" replaced by s and "%u" by u (text already
 * formatted): the table's formats are translations, not literals, so they
 * never reach printf. */
void report_subst(FILE *f, const char *fmt, const char *s, const char *u);

/** Parses "YYYY" (2000..2100). 0 or SC_EINVALID. */
SC_WUR int report_parse_year(const char *s, int *year);

/** What goes between two clauses: a new sentence or a comma. */
const char *report_sep(bool sentence);
/** Writes a section's paragraph; with note, a footnote marker "[n]" after
 * each figure (n counted on from *note). */
void report_section_write(FILE *f, const struct report_section *s, unsigned *note);

/* ---- plain text and standalone HTML (report_out.c); who names the school
 * or the district for the title */

/** Writes the report as text: the title, each section's paragraph (text[i]
 * when not NULL, e.g. an edit, else the generated one) with a footnote
 * marker after each figure, then the footnotes: the ids behind each figure. */
void report_write_text(FILE *f, const struct report *r, const char *who);
/** The per-school table of the district: one row per numeric figure, a
 * column per school report. */
void report_write_schools_text(FILE *f, const struct report *district,
			       struct report *const *schools, size_t nschools);
/** A standalone HTML document (print style sheet, A4) with every figure
 * linked to its records at base + "/r/ID". */
void report_write_html(FILE *f, const struct report *r, struct report *const *schools,
		       size_t nschools, const char *who, const char *base);
/** The label of figure j of section i for the per-school table: in Chinese
 * its clause without the number, the unit in brackets (召开安全会议（次）),
 * else its clause with "N" for the number. */
void report_fig_label(const struct report_fig *fig, char *out, size_t n);
/** "一、" for section 0 ("1. " in English). */
const char *report_ordinal(size_t i);
/** The title: "2026年度平安校园工作总结" (translated), into out. */
void report_title(const struct report *r, const char *who, char *out, size_t n);
/** The print style sheet of the report (A4, no navigation), shared by the
 * standalone document and the browser's /report page. */
extern const char report_print_css[];

#endif
