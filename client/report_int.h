/* Inside the annual report (client/report.c): the one table of what each
 * section says (report_defs.c) and the types it is written in. */
#ifndef SC_REPORT_INT_H
#define SC_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* How a figure is made from the records that pass its filters. */
enum report_agg {
	RA_COUNT, /* how many records */
	RA_SUM,   /* the sum of a number field */
	RA_AVG,   /* its average over the records that have it (rounded) */
	RA_MIN,
	RA_MAX,
	RA_MONTHS, /* distinct months of the date field */
	RA_GROUP,  /* a count per value of a field ("火灾 2 次、地震 1 次") */
	RA_LIST,   /* the distinct values of a text field */
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
	const char *field; /* of RA_SUM .. RA_LIST */
	const char *fmt;   /* the clause, N_(), with one %s: the number or list */
	/* RA_GROUP: one group, N_(), "%s" label and "%u" count; RA_LIST: what
	 * goes between two values, N_() (NULL: a list's comma) */
	const char *item;
	bool sentence; /* the clause starts a sentence */
};

struct report_sec_def {
	const char *key;
	const char *title; /* N_() */
};


extern const struct report_sec_def report_sec_defs[];
extern const size_t report_nsec;
extern const struct report_def report_defs[];
extern const size_t report_ndefs;
/* the school's name for the title: this field of this kind */
extern const char report_name_kind[], report_name_field[];

#endif
