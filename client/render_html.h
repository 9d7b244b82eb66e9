/* Internal to the HTML renderer: render_html.c (the page and its tables) and
 * render_html_chart.c (the inline SVG charts) share these. */
#ifndef SC_RENDER_HTML_H
#define SC_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "render.h"

struct html {
	FILE *f;
	const struct render_ctx *r;
	const Safecampus__Dashboard *d;
	bool district; /* the bureau's district view */
	unsigned ids;  /* for unique element ids */
};

void html_out(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void html_raw(struct html *h, const char *s);
/** Escaped text; control characters and invalid UTF-8 are replaced. */
void html_esc(struct html *h, const char *s);
/** Escaped text cut to cols display columns. */
void html_esc_cut(struct html *h, const char *s, size_t cols);
const char *html_ind_label(const Safecampus__Indicator *i);
const Safecampus__Indicator *html_any_indicator(const Safecampus__Dashboard *d, const char *key);
bool html_row_self(const struct html *h, const Safecampus__SchoolScore *s);

/** s as a URL's query or path part: beyond [A-Za-z0-9._-] percent-encoded. */
void html_url_part(struct html *h, const char *s);
/** The bureau's school table, rows in order (render_html_schools.c). */
void html_school_table(struct html *h, const size_t *order);

/* the charts (render_html_chart.c); order: the ranking, best first */
void html_chart_ranking(struct html *h, const size_t *order);
void html_trends(struct html *h);
void html_chart_ageing(struct html *h);

#endif
