/* Dashboards (docs/internals/dashboards.md).
 *
 * The indicators are computed by PostgreSQL (server/sql/004_dashboard.sql);
 * this module runs those functions in one REPEATABLE READ READ ONLY
 * transaction on the async pool and builds the Dashboard message for the
 * asker:
 *   a school     its own indicators, trends, alerts and missing submissions,
 *                and its rank among the district's schools, the others
 *                anonymised ("School 3");
 *   the bureau   the district's averages and trends, every school named with
 *                all its indicators, every alert, missing submission and
 *                client's sync health; or one school in full (drill-down:
 *                DashboardRequest.school).
 * It also keeps the connections that subscribed with dashboards = true up to
 * date: a change notice marks its school dirty, and a debounce timer turns a
 * burst of changes into one computation whose result goes to every
 * subscriber it concerns (request_id 0). */
#ifndef SC_DASHBOARD_H
#define SC_DASHBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"

struct conn;
struct server;

/** Time from the first change of a burst to the recomputation. */
#define DASHBOARD_DEBOUNCE_MS 1000

/** Answers a DashboardRequest: Dashboard, or Error (BAD_REQUEST for bad dates
 * or an unknown school, INTERNAL / UNAVAILABLE when the database fails). Sets
 * c->busy while the database works, like pull_start. */
void dashboard_start(struct conn *c, uint64_t request_id, const Safecampus__DashboardRequest *req);

/** Creates the server's recompute scheduler (s->dash). */
SC_WUR int dashboard_sched_start(struct server *s);
/** Rows of `school` changed ("" = the bureau's own rows, which concern every
 * school): schedules one recomputation for the subscribers it concerns. */
void dashboard_changed(struct server *s, const char *school);
/** c just subscribed with dashboards = true: it gets the current dashboard
 * after the debounce delay. */
void dashboard_subscribed(struct conn *c);
/** Stops the timer; a computation in flight completes and frees what is
 * left. Safe to call more than once. */
void dashboard_sched_stop(struct server *s);

struct config;
/** The district's anti-formalism thresholds (cfg's flag_* keys) for the
 * dashboards computed from now on: at start and at every reload. */
void dash_set_flag_settings(const struct config *cfg);

/* Internal, shared with tests/integration/test_dashboard.c: the queries and
 * the message builder without a connection. */
struct dash_job;
struct db_pool;
typedef void (*dash_job_cb)(struct dash_job *j, void *arg);
/** Runs the queries of one dashboard (dates "" = default, focus = schools
 * whose trends are wanted, "" = the district) on pool; cb runs once. */
SC_WUR int dash__job_run(struct db_pool *pool, const char *timeout, const char *start,
			 const char *end, const char *as_of, const char *const *focus,
			 size_t nfocus, dash_job_cb cb, void *arg, struct dash_job **out);
/** 0, or the job's failure (negative code). */
int dash__job_status(const struct dash_job *j);
/** Builds the dashboard of `scope` ("" = the district) as `bureau` (names
 * and sync health shown) or as that school, packs it into a new buffer
 * (*len bytes, free()), and returns 0, SC_ENOTFOUND for an unknown school,
 * or -ENOMEM. */
SC_WUR int dash__build_packed(struct dash_job *j, const char *scope, bool bureau,
			      const char *district, size_t max_frame, uint8_t **out, size_t *len);
void dash__job_free(struct dash_job *j);
/** 0 if s is a real date "YYYY-MM-DD" (years 1900..2999), else -EINVAL. */
int dash__check_date(const char *s);

#endif
