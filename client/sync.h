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

#include <uv.h>

#include "err.h"
#include "store.h"

/** Why a sync failed, for people and for the exit status (docs/CLI.md, "Exit
 * codes"). Retried: UNREACHABLE by a one-shot sync a few times within its
 * timeout; with watch everything but TLS, STORE and CONFIG, forever. */
enum sync_failure {
	SYNC_FAIL_NONE = 0,
	SYNC_FAIL_CONFIG,      /* the store's server settings are missing or unusable */
	SYNC_FAIL_UNREACHABLE, /* no connection: refused, no answer, closed before TLS was up */
	SYNC_FAIL_LOST,        /* the connection broke after the handshake, mid-sync */
	SYNC_FAIL_TLS,         /* a certificate was refused, by either side */
	SYNC_FAIL_UNAVAILABLE, /* the server answered that its database is unavailable (or it is overloaded) */
	SYNC_FAIL_PROTOCOL, /* the server sent what this client does not understand, or an error */
	SYNC_FAIL_STORE,    /* the local store could not be read or written */
};

/** A short name for people: "server unreachable", ... */
const char *sync_failure_name(enum sync_failure f);
/** What it means and what to do, for a school's safety officer; one or two
 * sentences, "" for SYNC_FAIL_NONE. */
const char *sync_failure_hint(enum sync_failure f);

struct sync_opts {
	bool watch;          /* stay connected; pull again on each Notify */
	unsigned timeout_ms; /* connect + handshake + each request; 0 = 15000 */
	unsigned batch;      /* records per Push; 0 = server's max */
	unsigned watch_secs; /* with watch: stop after this long; 0 = until SIGINT/SIGTERM */
	/* Dashboards (client/dashboard.h). With --watch the client always
	 * subscribes with dashboards = true and stores every Dashboard pushed. */
	bool dashboard; /* end the first round with a DashboardRequest, store the answer */
	const char *dashboard_school; /* bureau: drill into this school; NULL/"" = own scope */
	const char *dashboard_as_of;  /* "YYYY-MM-DD"; NULL/"" = the server's today */
	const char *
		dashboard_key; /* store key for the answer; NULL = by its scope (dashboard_key_for) */
	/* Told, when not NULL, each time a failed connection is to be retried
	 * ("server unreachable: ...; retrying in 1.3 s") and when a watch is
	 * connected again. */
	void (*notice)(void *arg, const char *msg);
	void *notice_arg;
	/* Told, when not NULL, after each complete round (SYNC_CHANGED_ROUND:
	 * the outbox and the records may have changed) and each Dashboard
	 * stored (SYNC_CHANGED_DASHBOARD): a browser page may want to know. */
	void (*changed)(void *arg, unsigned what);
	void *changed_arg;
	/* `evidence get`: fetch the evidence file with this hash (hex) into the
	 * store, then end; no push, no pull (client/evidence.h) */
	const char *evidence_fetch;
};

enum {
	SYNC_CHANGED_ROUND = 1u << 0,
	SYNC_CHANGED_DASHBOARD = 1u << 1,
};

struct sync_report {
	uint64_t pushed;           /* records the server accepted */
	uint64_t rejected;         /* records the server rejected (kept in the outbox) */
	uint64_t pulled;           /* rows applied from the server */
	uint64_t cursor;           /* cursor after the run */
	unsigned dashboards;       /* Dashboards received and stored */
	unsigned retries;          /* connections retried after a failure */
	enum sync_failure failure; /* the failure sync_run returned, or the last one retried */
	char error[256];           /* that failure for people, "<name>: <detail>"; "" if none */
	unsigned evidence_sent;    /* evidence files the server now holds complete */
	unsigned evidence_refused; /* evidence files or chunks the server refused */
	char evidence_error[256];  /* the last refusal for people; "" if none */
	uint64_t evidence_bytes;   /* evidence bytes sent or fetched */
};

/** One sync against the server recorded in the store by `init`; with
 * opts->watch, connected until stopped, reconnecting after failures with a
 * jittered exponential backoff (0.5 s doubling to 60 s, +-50 %). Returns 0 (a
 * watch stopped by SIGINT/SIGTERM or watch_secs also returns 0), or a negative
 * code with report->failure and report->error saying what failed. What was
 * acknowledged before a failure stays acknowledged. */
SC_WUR int sync_run(struct store *st, const struct sync_opts *opts, struct sync_report *report);

/* ---- on a loop of the caller's (`safecampus serve`) */

struct sync;

/** Starts what sync_run does on the caller's loop instead of its own, and
 * returns at once; signals are the caller's business. opts and rep must stay
 * valid until sync_free; rep is kept current as the sync goes. *out owned by
 * the caller: sync_stop, run the loop until its handles have closed, then
 * sync_free. A failure to start returns a negative code with rep saying why
 * (and *out NULL). */
SC_WUR int sync_start(uv_loop_t *loop, struct store *st, const struct sync_opts *opts,
		      struct sync_report *rep, struct sync **out);
/** Ends the connection and closes every handle (asynchronously). */
void sync_stop(struct sync *s);
/** Frees s once its handles have closed (the loop ran after sync_stop). */
void sync_free(struct sync *s);
/** A local write happened, or a person asked to sync: push it now if idle,
 * else after the current round; while waiting to reconnect, reconnect now. */
void sync_kick(struct sync *s);
/** True once a sync that does not watch has ended (its handles are closing:
 * free it after the loop has run once more); its report says how it went. */
bool sync_finished(const struct sync *s);
/** True while connected to the server (after the handshake). */
bool sync_connected(const struct sync *s);

#endif
