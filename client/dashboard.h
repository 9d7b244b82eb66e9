/* Dashboards on the client: keeping the last one, what this install has not
 * synced yet, and the small model helpers the renderers share.
 *
 * The server computes a Dashboard (proto/safecampus.proto) and the client only
 * stores and renders it. It arrives in two ways, both through sync.c: as the
 * answer to a DashboardRequest at the end of a sync round (`dashboard
 * --refresh`), or unsolicited on a `sync --watch` connection that subscribed
 * with dashboards = true. Either way it is kept packed, as it came, in the
 * store's blobs table under a key made by dashboard_key(), so `dashboard`
 * shows the last one offline, with its age.
 *
 * What the school has done but not yet pushed is not in the server's numbers.
 * (server/dashboard.h is the server's side; only the file name is shared.)
 *
 * dashboard_local_load() reads the outbox so that the views can say "3 drills
 * recorded here, not yet synced" next to the indicator, and mark an alert or a
 * missing submission that a pending record answers, instead of showing it as
 * simply missing. docs/internals/dashboards-client.md has the details. */
#ifndef SC_CLIENT_DASHBOARD_H
#define SC_CLIENT_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"
#include "store.h"

#define DASHBOARD_KEY "dashboard"
#define DASHBOARD_KEY_MAX 192
/* the district's rules (Dashboard.rules) the last Dashboard carried */
#define DASHBOARD_RULES_KEY "district_rules"

/* ---- keeping dashboards */

/** The store key of a dashboard: "dashboard" for this install's own scope (its
 * school, or the district for the bureau), "dashboard:SCHOOL" for a bureau's
 * drill-down into SCHOOL, with "@YYYY-MM" appended for a past month's.
 * school and month may be NULL or "". */
void dashboard_key(char out[DASHBOARD_KEY_MAX], const char *school, const char *month);

/** The key for a dashboard the server sent: its scope against own_school (the
 * school of this install, "" for the bureau). */
void dashboard_key_for(char out[DASHBOARD_KEY_MAX], const Safecampus__Dashboard *d,
		       const char *own_school, const char *month);

/** Packs d and keeps it under key (store_blob_put), replacing the one there. */
SC_WUR int dashboard_save(struct store *st, const char *key, const Safecampus__Dashboard *d);
/** The district's days from the year's first school day to the letters' due
 * day, as the last Dashboard that carried rules said (dashboard_save keeps
 * them). 0, SC_ENOTFOUND when no Dashboard has, or a store error. */
SC_WUR int dashboard_letters_due_days(struct store *st, int *days);

/** The dashboard under key and when it was stored (Unix ms, may be NULL).
 * *out is freed with dashboard_free. SC_ENOTFOUND if there is none, SC_EPROTO
 * if what is stored does not decode. */
SC_WUR int dashboard_load(struct store *st, const char *key, Safecampus__Dashboard **out,
			  int64_t *stored_ms);
void dashboard_free(Safecampus__Dashboard *d);

/** A copy of d (packed and unpacked). NULL on out-of-memory. */
Safecampus__Dashboard *dashboard_dup(const Safecampus__Dashboard *d);

/** A bureau's drill-down into one school made from the district dashboard
 * alone, for when no drill-down was fetched: the school's row (indicators,
 * score, rank) with the alerts, missing submissions and sync health of that
 * school. It has no trends and no hazard ageing. SC_ENOTFOUND if the district
 * dashboard has no such school. *out is freed with dashboard_free. */
SC_WUR int dashboard_derive_school(const Safecampus__Dashboard *district, const char *school,
				   Safecampus__Dashboard **out);

/* ---- what this install has not synced yet */

struct dashboard_kind_count {
	char kind[64];
	uint64_t pending, rejected;
};

/* One pending outbox record, reduced to what matching needs. */
struct dashboard_ref {
	char kind[64];
	char id[37];
	char month[8]; /* "YYYY-MM" of its first *_date field, "" if none */
	char *ids;     /* its *_id field values, each followed by ';' ("" if none) */
};

struct dashboard_local {
	uint64_t pending, rejected;
	int64_t oldest_pending_ms;          /* 0 if nothing pending */
	struct dashboard_kind_count *kinds; /* one per kind with an outbox entry */
	size_t nkinds;
	struct dashboard_ref *refs; /* pending (not rejected) records */
	size_t nrefs;
};

/** Reads the outbox: counts per kind, and every pending record's kind, month
 * and references. Free with dashboard_local_free (also after a failure). */
SC_WUR int dashboard_local_load(struct store *st, struct dashboard_local *out);
void dashboard_local_free(struct dashboard_local *l);

/** The record kinds an indicator key, alert kind or missing-submission text
 * is about ("drills" -> drill; "hazards_open" -> hazard, hazard_event). Up to
 * max names into kinds; returns how many. */
size_t dashboard_kinds_of(const char *text, const char **kinds, size_t max);

/** For an indicator: "3 drills recorded here, not yet synced" (and "; 1
 * rejected, see `safecampus outbox list`"). Returns the number of pending
 * plus rejected records it speaks of; 0 leaves out "". */
uint64_t dashboard_local_note(const struct dashboard_local *l, const char *indicator_key, char *out,
			      size_t n);

/** "drill"/"drills", "hazard step"/"hazard steps" for n records of kind;
 * the kind's name for a kind without a noun. Static storage. */
const char *dashboard_kind_noun(const char *kind, uint64_t n);

/** Whether a pending local record answers the alert: it is, or refers to, the
 * alert's record, or (without a record) it is of the alert's kind and month. */
bool dashboard_alert_pending(const struct dashboard_local *l, const Safecampus__Alert *a);
/** The same for a missing submission ("drill for 2026-10" and a pending drill
 * dated 2026-10; a notice report and a pending event of that notice). */
bool dashboard_missing_pending(const struct dashboard_local *l,
			       const Safecampus__MissingSubmission *m);

/* ---- model helpers for the renderers */

/** A short column header of at most 5 columns for an indicator key. */
const char *dashboard_short(const char *key);

enum dashboard_fmt {
	DASHBOARD_FMT_FULL,    /* "83.3%", "12.5 days", "3" */
	DASHBOARD_FMT_COMPACT, /* at most 5 columns: "83%", "12d", "3" */
	DASHBOARD_FMT_PLAIN,   /* for CSV: the number alone, "83.3" */
};
/** A value in its unit; "n/a" when it has none. */
void dashboard_fmt_value(char *out, size_t n, double v, bool has, const char *unit,
			 enum dashboard_fmt how);

/** Direction of the change against the previous month: +1 up, -1 down, 0 flat
 * or unknown. */
int dashboard_trend_dir(const Safecampus__Indicator *i);
/** Whether that change is good (+1), bad (-1), or neither (0). */
int dashboard_trend_good(const Safecampus__Indicator *i);
/** Whether the value meets its target (true for an indicator without a value). */
bool dashboard_meets_target(const Safecampus__Indicator *i);

/** Stale: no contact for more than 3 days (or never), or a record unsent for
 * more than a day, as of ref_ms. */
bool dashboard_health_stale(const Safecampus__SyncHealth *h, int64_t ref_ms);
#define DASHBOARD_STALE_CONTACT_MS (3LL * 86400 * 1000)
#define DASHBOARD_STALE_UNSENT_MS (1LL * 86400 * 1000)

/** The indicator with key in v (NULL if none). */
const Safecampus__Indicator *dashboard_indicator(Safecampus__Indicator *const *v, size_t n,
						 const char *key);
/** The trend with key ("score" or an indicator key), NULL if none. */
const Safecampus__Trend *dashboard_trend(const Safecampus__Dashboard *d, const char *key);

/** The k-th trend (k < n_trends) with "score" first, the others in order. */
const Safecampus__Trend *dashboard_trend_nth(const Safecampus__Dashboard *d, size_t k);

/** Orders d->schools for the school table: key "score" or "rank" (best
 * first), "name", or an indicator key or its short header (best first by
 * higher_is_better; schools without a value last). order gets n_schools
 * indexes. SC_EINVALID if key names nothing. NULL key = "score". */
SC_WUR int dashboard_sort_schools(const Safecampus__Dashboard *d, const char *key, size_t *order);

/* Numeric helpers, so that the client links without libm. */
double dashboard__abs(double v);
/** Nearest integer, halves away from zero (|v| < 2^52). */
double dashboard__round(double v);

/** Whether s is a month "YYYY-MM". */
bool dashboard_month_valid(const char *s);

/* ---- the command (client/cli_dashboard.c), listed in main.c's table */
struct cli;
/** `safecampus dashboard [--refresh] [--school ID] [--sort KEY] [--html FILE]
 * [--csv DIR] [--month YYYY-MM]`. Exit 0 if a dashboard was shown or
 * written, 1 if there was none to show, 2 for a usage error. */
int cmd_dashboard(struct cli *c, int argc, char **argv);

#endif
