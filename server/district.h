/* Several districts in one PostgreSQL database (a province), one schema each
 * (docs/internals/database.md, "Districts"). A server configured with
 * db_schema = NAME keeps every table, sequence, function and trigger of its
 * district in the schema NAME: its sessions run with search_path = NAME (set
 * in the connection string, so that reconnects keep it), and what PostgreSQL
 * keeps database-wide is made per district here: the advisory locks of the
 * change feed and of the escalation pass, and the LISTEN/NOTIFY channel.
 * With db_schema empty (the default) nothing changes: the database's own
 * search_path, the historical lock keys and channel, one district per
 * database. Nothing here does I/O (the conninfo functions only parse), so
 * it is unit-tested (tests/unit/test_district.c). */
#ifndef SC_DISTRICT_H
#define SC_DISTRICT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/** Longest db_schema: the channel "safecampus_changes_" + NAME must fit
 * PostgreSQL's 63-byte identifiers (a longer one is cut, silently, by LISTEN
 * and refused by pg_notify). */
#define DISTRICT_SCHEMA_MAX 40
/** Room for district_channel's result, with its terminator. */
#define DISTRICT_CHANNEL_SIZE 64

/** true for "" (no schema of its own) and for a lower-case identifier that
 * needs no quoting: [a-z_][a-z0-9_]*, at most DISTRICT_SCHEMA_MAX bytes, not
 * "public", "information_schema" or pg_*. On false, why (may be NULL) says
 * what is wrong, for a configuration error. */
bool district_schema_valid(const char *schema, const char **why);

/** conninfo with search_path = schema added to its options (after those it
 * has, so that ours wins). *out is a new keyword/value string owned by the
 * caller (free()). -EINVAL if conninfo does not parse (libpq's reason in
 * err), -ENOMEM. schema must be valid and not empty. */
SC_WUR int district_conninfo(const char *conninfo, const char *schema, char **out, char *err,
			     size_t errlen);

/** The schema conninfo's options put first in search_path (the last
 * "search_path=" in them, as district_conninfo writes it), into out (at
 * least DISTRICT_SCHEMA_MAX + 1 bytes); "" if none, if the name is not a
 * valid db_schema, or if conninfo does not parse. Start-up checks the
 * session against it (migrate.c): a pooler that drops the options would
 * otherwise put the district in public unnoticed. */
void district_conninfo_schema(const char *conninfo, char *out, size_t len);

/** The district's database-wide locks. */
enum district_lock {
	DISTRICT_LOCK_SYNC,     /* the change feed: seq drawn in commit order (sync.md) */
	DISTRICT_LOCK_ESCALATE, /* one escalation pass at a time (escalate.c) */
};

/** SQL that takes lock `which` of the district of schema, as a transaction
 * lock (waiting, or with try_lock the pg_try_ form, one boolean column),
 * with its parameters. Without a schema: the historical single bigint keys.
 * With one: PostgreSQL's two-int key space (class, the schema's OID), which
 * no bigint key can meet and no other schema shares. sql and params are
 * static or borrow schema. */
struct district_sql {
	const char *sql;
	int nparams;
	const char *params[2];
};
void district_lock(const char *schema, enum district_lock which, bool try_lock,
		   struct district_sql *out);

/** The NOTIFY channel of the district's change feed, into buf (at least
 * DISTRICT_CHANNEL_SIZE bytes): "safecampus_changes", or
 * "safecampus_changes_NAME". NOTIFY reaches every listener of the database,
 * so each district needs its own. */
void district_channel(const char *schema, char *buf, size_t len);

#endif
