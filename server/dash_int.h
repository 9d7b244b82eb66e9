/* Internals of the dashboards, shared by dashboard.c (requests and pushed
 * dashboards), dash_query.c (the arena and the queries of one snapshot) and
 * dash_build.c (the Dashboard message from their rows). Not part of
 * dashboard.h's contract. */
#ifndef SC_DASH_INT_H
#define SC_DASH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "dashboard.h"
#include "db.h"

/* The queries of one dashboard snapshot, in the order they run. */
enum {
	Q_PERIOD,  /* period_start, period_end, as_of, label, last school day before as_of,
		    * letters' due days (NULL: the default) */
	Q_CONFIG,  /* key, label, unit, higher_is_better, target, weight */
	Q_SCHOOLS, /* school, name, outbox_pending, oldest_pending_ms */
	Q_MONTHS,  /* win ('YYYY-MM'), in order */
	Q_VALUES,  /* school, win, key, value, score, num, den, detail */
	Q_ALERTS,  /* school, kind, record_id, title, since, severity */
	Q_MISSING, /* school, what, due_date, record_id, kind */
	Q_AGEING,  /* school, label, open, overdue */
	Q_HEALTH,  /* school, campus, last_contact_ms, pending, oldest_ms, last_sync_ms */
	Q_FLAGS,   /* school, kind, title, day, record_ids (text[]) */
	Q_RATES,   /* school, kind, expected, received, on_time */
	Q_N
};
struct arena {
	struct chunk *head;
	int failed;
};

struct qctx {
	struct dash_job *j;
	int q;
};

struct dash_job {
	struct db_pool *pool;
	struct db_conn *dc;
	const char *timeout;
	char start[11], end[11], as_of[11];
	char *focus; /* text[] literal */
	PGresult *res[Q_N];
	struct qctx qc[Q_N];
	unsigned pending; /* requests queued whose callback has not run */
	bool issued;      /* nothing more will be queued */
	int failed;
	char why[160]; /* first failure, for the log */
	bool retryable;
	void (*cb)(struct dash_job *j, void *arg);
	void *arg;
	uint64_t started_ns; /* uv_hrtime at the start and when the results */
	uint64_t done_ns;    /* were in, for the log */
	/* built from the results once they are in */
	struct group *groups; /* Q_VALUES rows by (school, win) */
	size_t ngroups;
};

void dash__arena_free_all(struct arena *a);
char *dash__astrdup(struct arena *a, const char *s);
void *dash__az(struct arena *a, size_t n);
int dash__find_row(const struct dash_job *j, const char *school, const char *win, const char *key);
bool dash__isnull(const PGresult *r, int row, int col);
double dash__num(const PGresult *r, int row, int col);
const char *dash__school_name(const struct dash_job *j, const char *school);
const char *dash__val(const PGresult *r, int row, int col);
int dash__build(struct arena *a, const struct dash_job *j, const char *scope, bool bureau,
		const char *district, Safecampus__Dashboard *d);
size_t dash__fit(Safecampus__Dashboard *d, size_t max);

#endif
