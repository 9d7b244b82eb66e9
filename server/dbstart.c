/* See dbstart.h. */
#include "dbstart.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "server.h"

#define DBSTART_FIRST_DELAY_MS 500

struct dbstart {
	struct server *s;
	uv_work_t work;
	uv_timer_t timer;
	char *conninfo; /* the thread's own copy: a reload cannot pull it away */
	char *district; /* likewise */
	int rc;         /* of the attempt, written by the thread */
	bool retryable;
	char err[1024];
	unsigned attempt;
	long delay_ms;
	bool working, stopping, timer_closed;
};

int dbstart_prepare(const char *conninfo, const char *district, char *err, size_t errlen,
		    bool *retryable)
{
	PGconn *pg;
	int rc;

	*retryable = true;
	rc = migrate_apply_district(conninfo, district, err, errlen);
	if (rc)
		return rc;
	pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return SC_EDB;
	}
	rc = kindsql_init(pg, err, errlen);
	/* a failure on a healthy session is the schema itself */
	if (rc && PQstatus(pg) == CONNECTION_OK)
		*retryable = false;
	PQfinish(pg);
	return rc;
}

static void maybe_free(struct dbstart *d)
{
	if (!d->stopping || d->working || !d->timer_closed)
		return;
	free(d->conninfo);
	free(d->district);
	free(d);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct dbstart *d = h->data;

	d->timer_closed = true;
	maybe_free(d);
}

/* on libuv's thread pool: blocking libpq is fine here */
static void work(uv_work_t *w)
{
	struct dbstart *d = w->data;

	d->rc = dbstart_prepare(d->conninfo, d->district, d->err, sizeof d->err, &d->retryable);
}

static void attempt(struct dbstart *d);

static void on_retry(uv_timer_t *t)
{
	attempt(t->data);
}

static void after_work(uv_work_t *w, int status)
{
	struct dbstart *d = w->data;
	struct server *s = d->s;

	d->working = false;
	if (d->stopping) {
		maybe_free(d);
		return;
	}
	if (status == 0 && d->rc == 0) {
		log_info("database ready attempts=%u", d->attempt);
		s->dbstart = NULL;
		d->stopping = true;
		uv_close((uv_handle_t *)&d->timer, on_timer_closed);
		server_db_up(s);
		server_listen(s);
		return;
	}
	if (status == 0 && !d->retryable) {
		log_error("schema does not match the wire contract err=\"%s\"", d->err);
		s->exit_code = 1;
		server_stop(s);
		return;
	}
	server_listen(s); /* serve meanwhile: clients hear why, instead of "refused" */
	if (d->delay_ms == 0)
		d->delay_ms = DBSTART_FIRST_DELAY_MS;
	else if ((d->delay_ms *= 2) > s->cfg->db_retry_max_ms)
		d->delay_ms = s->cfg->db_retry_max_ms;
	log_warn("database unavailable, requests are answered ERROR_UNAVAILABLE until it is up "
		 "attempt=%u retry_in_ms=%ld err=\"%s\"",
		 d->attempt, d->delay_ms, status ? uv_strerror(status) : d->err);
	uv_timer_start(&d->timer, on_retry, (uint64_t)d->delay_ms, 0);
}

static void attempt(struct dbstart *d)
{
	int rc;

	d->attempt++;
	d->working = true;
	rc = uv_queue_work(d->s->loop, &d->work, work, after_work);
	if (rc) {
		d->working = false;
		d->rc = rc;
		snprintf(d->err, sizeof d->err, "cannot queue the attempt: %s", uv_strerror(rc));
		d->retryable = true;
		uv_timer_start(&d->timer, on_retry, (uint64_t)d->s->cfg->db_retry_max_ms, 0);
	}
}

int dbstart_begin(struct server *s)
{
	struct dbstart *d = calloc(1, sizeof *d);

	if (!d || !(d->conninfo = strdup(s->cfg->database)) ||
	    !(d->district = strdup(s->cfg->district))) {
		if (d)
			free(d->conninfo);
		free(d);
		return -ENOMEM;
	}
	d->s = s;
	d->work.data = d;
	uv_timer_init(s->loop, &d->timer);
	d->timer.data = d;
	s->dbstart = d;
	attempt(d);
	return 0;
}

void dbstart_stop(struct server *s)
{
	struct dbstart *d = s->dbstart;

	if (!d)
		return;
	s->dbstart = NULL;
	d->stopping = true;
	uv_close((uv_handle_t *)&d->timer, on_timer_closed);
	if (d->working && uv_cancel((uv_req_t *)&d->work) == 0)
		log_debug("database attempt canceled before it ran");
}
