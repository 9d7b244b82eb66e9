/* The client's sync engine: connect over mutual TLS, Hello, push the outbox in
 * batches, pull changes after the cursor, optionally stay connected.
 *
 * It runs its own libuv loop and returns when done; the CLI calls it. Every
 * store change it makes (drop acked outbox entries, mark rejected ones, apply
 * pulled rows and move the cursor) is one SQLite transaction per server
 * message, so a kill at any point loses nothing the server acknowledged and
 * re-sends at most what it had not. */
#ifndef SC_SYNC_H
#define SC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct sync_opts {
	bool watch;            /* stay connected; pull again on each Notify */
	unsigned timeout_ms;   /* connect + handshake + each request; 0 = 15000 */
	unsigned batch;        /* records per Push; 0 = server's max */
	unsigned watch_secs;   /* with watch: stop after this long; 0 = until SIGINT/SIGTERM */
	/* Dashboards (client/dashboard.h). With --watch the client always
	 * subscribes with dashboards = true and stores every Dashboard pushed. */
	bool dashboard;              /* end the first round with a DashboardRequest, store the answer */
	const char *dashboard_school; /* bureau: drill into this school; NULL/"" = own scope */
	const char *dashboard_as_of;  /* "YYYY-MM-DD"; NULL/"" = the server's today */
	const char *dashboard_key;    /* store key for the answer; NULL = by its scope (dashboard_key_for) */
};

struct sync_report {
	uint64_t pushed;       /* records the server accepted */
	uint64_t rejected;     /* records the server rejected (kept in the outbox) */
	uint64_t pulled;       /* rows applied from the server */
	uint64_t cursor;       /* cursor after the run */
	unsigned dashboards;   /* Dashboards received and stored */
	char error[256];       /* first failure, for people; "" if none */
};

/** One sync against the server recorded in the store by `init`. Returns 0, or
 * a negative code with report->error saying what failed (connect, TLS, server
 * Error, ...). What was acknowledged before a failure stays acknowledged. */
SC_WUR int sync_run(struct store *st, const struct sync_opts *opts, struct sync_report *report);

#endif
