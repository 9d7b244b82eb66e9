/* Renderers of a Dashboard: terminal (render_term.c), one self-contained HTML
 * page with SVG charts (render_html.c), CSV tables (render_csv.c).
 *
 * They read the Dashboard and what the local outbox holds (struct
 * dashboard_local) and write; they never touch the store or the network, so
 * tests drive them with hand-built messages. Every string from the data is
 * escaped for its output (control characters on a terminal, markup in HTML,
 * quoting in CSV). docs/internals/dashboards-client.md describes the views. */
#ifndef SC_RENDER_H
#define SC_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dashboard.h"

#define RENDER_WIDTH 100 /* the terminal view never writes a longer line */

struct render_ctx {
	const Safecampus__Dashboard *d;
	bool bureau;         /* the viewer is the bureau: names shown, the school table */
	bool color;          /* terminal: ANSI colours (isatty and no NO_COLOR) */
	bool ascii;          /* terminal: ASCII arrows and bars (no UTF-8 locale) */
	int64_t now_ms;      /* for ages */
	int64_t stored_ms;   /* when this copy was stored here; 0 = unknown */
	bool fresh;          /* fetched from the server by this run */
	bool synced;         /* shown by a process that keeps the store synced (serve):
			      * a stored copy needs no command to be renewed */
	bool web;            /* drawn into safecampus serve's page: a school's name links to
			      * its drill-down there, and no command-line instructions */
	const char *offline; /* set: a refresh failed for this reason; this is the stored copy */
	bool derived;        /* a drill-down made from the district dashboard (no trends) */
	const char *sort;    /* school table order: "score" (NULL), "name", an indicator key */
	const char *month;   /* the month in focus "YYYY-MM"; NULL = the as-of date's */
	const struct dashboard_local *local; /* this install's outbox; NULL = unknown */
	const char *generated_by;            /* footer text, e.g. "safecampus 0.1.0"; NULL = none */
};

/** The terminal view, at most RENDER_WIDTH columns a line. Returns 0 or a
 * negative code (SC_EINVALID for an unknown sort key). */
SC_WUR int render_term(FILE *f, const struct render_ctx *r);

/** One self-contained HTML page: inline CSS and SVG, a tiny inline script only
 * to sort the school table, nothing fetched. Returns 0 or a negative code. */
SC_WUR int render_html(FILE *f, const struct render_ctx *r);

/** Writes indicators.csv, schools.csv, alerts.csv, trends.csv, health.csv,
 * missing.csv and rates.csv into dir (made if missing): RFC 4180, UTF-8, CRLF. Returns 0 or
 * a negative errno with err saying which file. */
SC_WUR int render_csv(const char *dir, const struct render_ctx *r, char *err, size_t errlen);

/* ---- shared by the renderers (render_common.c) */

/** "as of 2026-11-29 10:02 (3h 2m ago)" into out: the server's computation
 * time, else the stored time. */
void render__as_of(const struct render_ctx *r, char *out, size_t n);
/** The month in focus: r->month, else the as-of date's, else "". */
const char *render__month(const struct render_ctx *r, char out[8]);
/** The name to show for a school row: the server's label; in a school's view
 * another school is only ever "School N", whatever the row carries. */
/** The row of the ranking that is this school itself (not the bureau). */
bool render__row_is_self(const struct render_ctx *r, const Safecampus__SchoolScore *s);
const char *render__school_name(const struct render_ctx *r, const Safecampus__SchoolScore *s,
				char *buf, size_t n);
/** The name of a school id (label from the ranking if known, else the id). */
const char *render__school_label(const struct render_ctx *r, const char *school);
/** The reference time for ages in sync health: the computation time, else now. */
int64_t render__ref_ms(const struct render_ctx *r);
/** "hazard overdue" for "hazard_overdue". */
void render__words(const char *key, char *out, size_t n);
/** An alert's kind in the reader's words: "hazard overdue" (or 隐患逾期). */
void render__alert_kind(const char *kind, char *out, size_t n);

#endif
