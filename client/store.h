/* The client's local store: one SQLite file per install.
 *
 * Tables (created on open, versioned by PRAGMA user_version):
 *   meta(key, value)            settings from `init`, identity, cursor, hlc, last sync
 *   records(id, kind, school, campus, hlc, deleted, seq, written_by, payload, ...)
 *                               every record this install may see, payload = packed
 *                               protobuf of the kind's message
 *   outbox(record_id, hlc, kind, record, state, reason, detail, created_ms, ...)
 *                               local writes not yet acknowledged; record = packed
 *                               Safecampus__Record as it will be pushed
 *
 * A local write and its outbox entry are one transaction. An outbox entry is
 * removed only when the server's PushAck accepts that record at that HLC; a
 * later local write to the same record replaces the entry (last write wins
 * locally too) and the stale ack leaves it alone. A rejected entry stays, with
 * the reason, until the user fixes (rewrites) or discards it. Rows pulled from
 * the server never overwrite a local write that is still in the outbox with a
 * higher HLC. */
#ifndef SC_STORE_H
#define SC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hlc.h"
#include "kinds.h"
#include "safecampus.pb-c.h"

struct store;

/* What `init` records. Strings are owned by the struct (store_config_free). */
struct store_config {
	char *server;      /* host:port */
	char *server_name; /* name or IP to verify in the server certificate */
	char *cert, *key, *ca;
	char *crl;                        /* CRL file for the server certificate (PEM); "" = none */
	char *district, *school, *campus; /* read from the client certificate at init */
	int role;                         /* SAFECAMPUS__ROLE__* */
};

/** Opens (creating if asked) the store at path; WAL mode, foreign keys on,
 * busy timeout set. *out owned by caller, close with store_close. */
SC_WUR int store_open(struct store **out, const char *path, bool create);
void store_close(struct store *st);

SC_WUR int store_config_save(struct store *st, const struct store_config *cfg);
/** SC_ENOTFOUND if `init` was never run. Caller frees with store_config_free. */
SC_WUR int store_config_load(struct store *st, struct store_config *cfg);
void store_config_free(struct store_config *cfg);

/** Stamps r with a new HLC (and school/campus from the config if empty), writes
 * it to records and to the outbox in one transaction. r->id must be set. */
SC_WUR int store_write(struct store *st, Safecampus__Record *r);

/** Loads one record by id. *out owned by caller (safecampus__record__free_unpacked).
 * SC_ENOTFOUND if absent. */
SC_WUR int store_get(struct store *st, const char *id, Safecampus__Record **out);

/* Iteration over records of one kind (NULL = all), oldest HLC first. The callback
 * gets a borrowed record; return non-zero to stop (that value is returned). */
typedef int (*store_each_cb)(void *arg, const Safecampus__Record *r);
SC_WUR int store_each(struct store *st, const char *kind, store_each_cb cb, void *arg);
/** Events whose `parent_field` equals parent_id (e.g. a hazard's events), oldest HLC first. */
SC_WUR int store_each_child(struct store *st, const char *kind, const char *parent_id,
			    store_each_cb cb, void *arg);

/* ---- sync side */

struct store_outbox_stats {
	uint64_t pending, rejected;
	int64_t oldest_pending_ms; /* 0 if none */
};
SC_WUR int store_outbox_stats(struct store *st, struct store_outbox_stats *s);

/* The packed records of one Push stay under this, far below the 4 MiB frame
 * limit (FRAME_MAX_DEFAULT): with 64 KB texts (RULES_MAX_LONG_TEXT) a count
 * alone could pass it, and a Push the server refuses would be re-sent for ever. */
#define STORE_BATCH_BYTES (2u << 20)

/** Up to max pending outbox records in HLC order, all of the first one's
 * school (the server acts for one school per Push), and at most
 * STORE_BATCH_BYTES of them packed (always at least one), as an array of
 * records the caller frees with store_batch_free. */
SC_WUR int store_outbox_batch(struct store *st, size_t max, Safecampus__Record ***out, size_t *n);
void store_batch_free(Safecampus__Record **recs, size_t n);

/** Applies a PushAck for the batch `sent` (same order as results), in one
 * transaction: accepted entries still at the sent HLC are removed and their
 * record gets the server seq; rejected ones are marked with reason and detail. */
SC_WUR int store_apply_ack(struct store *st, Safecampus__Record *const *sent, size_t n,
			   const Safecampus__PushAck *ack);

/** Applies pulled rows and moves the cursor, in one transaction. */
SC_WUR int store_apply_changes(struct store *st, const Safecampus__Changes *ch);

SC_WUR int store_cursor(struct store *st, uint64_t *cursor);
/** The head of the server's signoff log at the last pull ("N:HEX", "" if the
 * server sent none: only the bureau's pulls carry it), which
 * `safecampusd --verify --log-head=N:HEX` checks the server's log against. */
SC_WUR int store_log_head(struct store *st, char out[96]);
/** Observes a server HLC so local stamps never fall behind the server's. */
SC_WUR int store_observe_hlc(struct store *st, uint64_t server_hlc);
SC_WUR int store_set_last_sync(struct store *st, int64_t ms);
SC_WUR int store_last_sync(struct store *st, int64_t *ms);

/* ---- outbox management for people */
struct store_rejected {
	char id[37];
	char kind[64];
	int reason; /* SAFECAMPUS__REJECT_REASON__* */
	char detail[512];
};
typedef int (*store_rejected_cb)(void *arg, const struct store_rejected *r);
SC_WUR int store_each_rejected(struct store *st, store_rejected_cb cb, void *arg);
/** Drops a rejected (or pending) outbox entry; a record the server never
 * accepted is removed from records too. SC_ENOTFOUND if no such entry. */
SC_WUR int store_outbox_discard(struct store *st, const char *id);
/** Puts a rejected entry back to pending (after the cause was fixed elsewhere). */
SC_WUR int store_outbox_retry(struct store *st, const char *id);

/* ---- additions for the command line (client/cli_*.c)
 *
 * Notes on the declarations above:
 * - store_outbox_batch returns entries in the order they were first queued
 *   (HLC order of first writes; a rewrite keeps its place and carries its new
 *   HLC), so a record is always pushed before the events that hang on it;
 * - store_observe_hlc returns -ERANGE when the server's clock is more than
 *   HLC_MAX_DRIFT_MS ahead of ours (store_last_error() says so for people). */

/** Version of the store's schema (PRAGMA user_version) this build writes.
 * store_open migrates older stores and refuses newer ones. */
#define STORE_SCHEMA_VERSION 5

/** Text for people about the last store failure in this process (which
 * file, what SQLite said), "" if none. Static storage; set by every
 * failing store_* call, including store_open. */
const char *store_last_error(void);
/** The path the store was opened with. */
const char *store_path(const struct store *st);

/** Sets the pull cursor (e.g. reset to 0 to pull everything again). */
SC_WUR int store_set_cursor(struct store *st, uint64_t cursor);
/** The last HLC stamp issued or observed. */
SC_WUR int store_hlc(struct store *st, uint64_t *hlc);

enum store_sync_state {
	STORE_SYNCED,   /* no outbox entry: the server has this version */
	STORE_PENDING,  /* waiting in the outbox */
	STORE_REJECTED, /* the server refused it; see store_each_rejected */
};
/** Sync state of record id (STORE_SYNCED when it has no outbox entry). */
SC_WUR int store_sync_state(struct store *st, const char *id, enum store_sync_state *state);
/** Every record of kind that has a parent (an event kind's records), in one
 * query, ordered by parent id (strcmp order): cb gets the parent id
 * (borrowed), the record (cb owns it: safecampus__record__free_unpacked) and
 * its sync state; non-zero stops (and is returned). */
typedef int (*store_parented_cb)(void *arg, const char *parent_id, Safecampus__Record *r,
				 enum store_sync_state sync);
SC_WUR int store_each_parented(struct store *st, const char *kind, store_parented_cb cb, void *arg);

/** Number of records of kind (NULL = all kinds). */
SC_WUR int store_count(struct store *st, const char *kind, uint64_t *n);
/** Whether the store holds any record of a school (any: of some school at
 * all; known: of this one). A bureau store holds every school's records
 * once it has synced. An unknown school scans the records (no index on
 * school: it is asked when a notice is issued, not per record). */
SC_WUR int store_school_known(struct store *st, const char *school, bool *any, bool *known);
/** The schools whose records the store holds ('' left out), sorted; *out
 * malloc'd (the caller frees it), *n of them. */
SC_WUR int store_schools(struct store *st, char (**out)[64], size_t *n);

/** Resolves a full id or a prefix of at least 4 characters (case-insensitive)
 * to the one record id it names. SC_EINVALID if prefix is not id-like,
 * SC_ENOTFOUND if nothing matches, -ENOTUNIQ if several records match. */
SC_WUR int store_resolve_id(struct store *st, const char *prefix, char out[37]);

/** One outbox entry, for `safecampus outbox list` and `status`. */
struct store_outbox_entry {
	char id[37];
	char kind[64];
	bool rejected;
	uint64_t hlc;       /* stamp of the write waiting to be pushed */
	int64_t created_ms; /* first queued (kept across rewrites) */
	int64_t updated_ms; /* last rewrite or rejection */
	int reason;         /* SAFECAMPUS__REJECT_REASON__* when rejected */
	char detail[512];
};
typedef int (*store_outbox_cb)(void *arg, const struct store_outbox_entry *e);
/** Every outbox entry in push order; non-zero from cb stops and is returned. */
SC_WUR int store_each_outbox(struct store *st, store_outbox_cb cb, void *arg);

/* ---- bulk writes and opaque blobs (import, generators, dashboards) */

/** Writes n records, each as store_write would (new HLC, records + outbox), in
 * ONE transaction: all of them or none. */
SC_WUR int store_write_batch(struct store *st, Safecampus__Record *const *recs, size_t n);

/** Keeps an opaque value under key (e.g. the last dashboard, packed protobuf),
 * replacing what was there, with the time it was stored. */
SC_WUR int store_blob_put(struct store *st, const char *key, const void *data, size_t len);
/** The value under key and when it was stored (Unix ms). *data is malloc'd,
 * the caller frees it. SC_ENOTFOUND if there is none. */
SC_WUR int store_blob_get(struct store *st, const char *key, void **data, size_t *len,
			  int64_t *stored_ms);

/* ---- the annual report's edited sections (store_report.c) */

/** Keeps the text people wrote for section of the year's report for scope
 * (a school, "" for the district), replacing what was there; NULL or "" text
 * removes it (the generated draft shows again). 0 or a negative code. */
SC_WUR int store_report_edit_put(struct store *st, int year, const char *scope, const char *section,
				 const char *text);
/** The edited text of that section (*text malloc'd, the caller frees it) and
 * when it was saved. SC_ENOTFOUND if nobody edited it. */
SC_WUR int store_report_edit_get(struct store *st, int year, const char *scope, const char *section,
				 char **text, int64_t *updated_ms);

#endif
