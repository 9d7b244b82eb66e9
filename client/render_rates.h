/* The reporting-rate and timeliness table of a dashboard (render_rates.c;
 * the numbers: server/sql/029_rates.sql, Dashboard.rates). */
#ifndef SC_RENDER_RATES_H
#define SC_RENDER_RATES_H

#include <stdint.h>
#include <stdio.h>

#include "render.h"
#include "render_html.h"

/** The terminal section: a school (or a drill-down) one row per data set
 * its rows carry (the server's six; a count made here, local_rates.h, has
 * no "1530" row);
 * the bureau's district view one row per school in the order of the school
 * table (r->sort), then the district's sums. Nothing when the dashboard
 * carries no rates (a server older than the table). Returns 0 or -ENOMEM. */
SC_WUR int render_rates_term(FILE *f, const struct render_ctx *r);
/** The same as an HTML section; the district's table sorts by any column
 * like the school table. Returns 0 or -ENOMEM. */
SC_WUR int render_rates_html(struct html *h);
/** "66.7%" for num of den into out; "—" ("-" with ascii) when den is 0:
 * nothing was expected, which is no rate, never 100 %. */
void render_rate_pct(char *out, size_t n, uint32_t num, uint32_t den, int ascii);
/** A data set's name in the reader's words ("Drills", 应急演练); the kind
 * itself when unknown (a newer server). */
const char *render_rate_kind(const char *kind);

#endif
