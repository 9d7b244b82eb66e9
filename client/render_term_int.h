/* Internal to the terminal renderer (client/render_term.c, the dashboard's
 * sections; client/render_term_sync.c, the sync-health sections): the state
 * of one rendering and the layout helpers both use. */
#ifndef SC_RENDER_TERM_INT_H
#define SC_RENDER_TERM_INT_H

#include <stdio.h>

#include "render.h"

#define W RENDER_WIDTH

enum { C_RESET, C_BOLD, C_DIM, C_RED, C_GREEN, C_YELLOW, C_CYAN, C_INVERSE };

/* one rendering: the stream, the options, the dashboard, the glyphs chosen
 * for this terminal (UTF-8 or ASCII) */
struct term {
	FILE *f;
	const struct render_ctx *r;
	const Safecampus__Dashboard *d;
	const char *dot; /* separator in running text */
	const char *up, *down, *flat, *full, *empty, *half, *cont;
};

/* switch to colour c (C_RESET ends it); nothing without colour */
void rterm_col(struct term *t, int c);
/* a section's title line */
void rterm_heading(struct term *t, const char *title);
/* text from column at, wrapped within W columns, continuation lines at
 * column indent; ends the line; data-safe */
void rterm_wrap(FILE *f, const char *text, size_t at, size_t indent);
/* s right-aligned in width display columns */
void rterm_rcell(FILE *f, const char *s, size_t width);

/* the sections of render_term_sync.c */
void rterm_health(struct term *t);
void rterm_local_note(struct term *t);

#endif
