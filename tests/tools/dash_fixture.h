/* A realistic hand-built Dashboard for tests, until (and besides) the
 * server's: 12 schools of one district, 12 indicators, 6 months of trends
 * (2026-06 .. 2026-11, August without "1530" sessions: summer), alerts,
 * missing submissions, sync health with stale clients, hazard ageing.
 * Deterministic: the same options give the same message. */
#ifndef SC_DASH_FIXTURE_H
#define SC_DASH_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "safecampus.pb-c.h"

#define DASH_FIXTURE_SCHOOLS 12
#define DASH_FIXTURE_MONTHS 6
#define DASH_FIXTURE_SELF "s03" /* the school of the school view */
#define DASH_FIXTURE_NOTICE_ID \
	"6f1c2a54-8e0b-4d1e-9a57-3c2b1d0e4f11" /* a missing report's notice */
#define DASH_FIXTURE_HAZARD_ID "0b7d4c1e-2f3a-4b5c-8d9e-1a2b3c4d5e6f" /* an overdue hazard of s03 */

struct dash_fixture_opts {
	bool bureau;         /* the district view (scope ""), names shown; else s03's view */
	const char *school;  /* bureau drill-down into this school (scope = it); NULL = district */
	int64_t computed_ms; /* Dashboard.computed_ms; also the reference for sync health */
	bool hostile;        /* a school named with markup, quotes, a formula and an escape code */
	bool leak_names; /* school view: other rows carry their id and real name (a server bug) */
};

/** A new Dashboard; free with safecampus__dashboard__free_unpacked(d, NULL).
 * NULL on out-of-memory. */
Safecampus__Dashboard *dash_fixture_new(const struct dash_fixture_opts *o);

/** The fixture's name for a school id ("s01".."s12"), NULL if none. */
const char *dash_fixture_name(const char *school, bool hostile);

/** The hostile school name (opts.hostile). */
#define DASH_FIXTURE_HOSTILE_NAME "<b>Riverside</b> & \"Annex\" =HYPERLINK(1) \x1b[31mred"

#endif
