/* The bureau's anti-formalism flags in the dashboards (render_bureau.c). */
#ifndef SC_RENDER_BUREAU_H
#define SC_RENDER_BUREAU_H

#include <stdio.h>

#include "render.h"
#include "render_html.h"

/** The flags section of the terminal dashboard (the bureau's only). */
void render_flags_term(FILE *f, const struct render_ctx *r);
/** The same as an HTML section. */
void render_flags_html(struct html *h);

#endif
